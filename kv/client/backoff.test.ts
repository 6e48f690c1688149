import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoffer } from './backoff.js';
import { BackoffExhaustedError } from './errors.js';

describe('Backoffer', () => {
  test('each kind doubles from its base up to its cap; kinds count their attempts apart', () => {
    const backoffer = new Backoffer(100_000, { random: () => 1 });
    assert.deepEqual([1, 2, 3, 4].map(() => backoffer.nextDelay('regionMiss', 'miss')), [2, 4, 8, 16]);
    // With jitter, a step lies between half and all of it (random() = 1: all of it).
    assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => backoffer.nextDelay('tikvRpc', 'down')), [100, 200, 400, 800, 1_600, 2_000]);
    assert.equal(backoffer.nextDelay('regionMiss', 'miss'), 32);
    assert.equal(backoffer.waitedMs, 2 + 4 + 8 + 16 + 100 + 200 + 400 + 800 + 1_600 + 2_000 + 32);
  });

  test('jitter keeps a step between half and all of it', () => {
    const low = new Backoffer(100_000, { random: () => 0 });
    assert.equal(low.nextDelay('serverBusy', 'busy'), 1_000);
    const high = new Backoffer(100_000, { random: () => 0.999 });
    assert.equal(high.nextDelay('serverBusy', 'busy'), 1_999);
  });

  test('past the budget it throws, naming the last cause and the recent history', () => {
    const backoffer = new Backoffer(50, { random: () => 1 });
    for (let attempt = 0; attempt < 4; attempt++) backoffer.nextDelay('notLeader', `election ${attempt}`);
    assert.throws(
      () => backoffer.nextDelay('notLeader', new Error('no leader yet')),
      (error: unknown) => error instanceof BackoffExhaustedError && error.lastKind === 'notLeader' && /no leader yet/.test(error.message) && error.history.length === 5,
    );
  });

  test('forks wait apart (parallel waits overlap) and join brings back the longest; rounds of them still end at the budget', () => {
    const parent = new Backoffer(1_000, { random: () => 1 });
    parent.nextDelay('regionMiss', 'miss');
    const [a, b] = [parent.fork(), parent.fork()];
    assert.equal(a.nextDelay('regionMiss', 'a'), 4, 'a fork continues its parent\'s attempt count');
    assert.equal(b.nextDelay('tikvRpc', 'b'), 100);
    assert.equal(b.nextDelay('tikvRpc', 'b'), 200);
    parent.join([a, b]);
    assert.equal(parent.waitedMs, 2 + 100 + 200);
    assert.throws(() => {
      for (let round = 0; round < 100; round++) {
        const forks = [parent.fork(), parent.fork()];
        for (const fork of forks) fork.nextDelay('tikvRpc', 'down');
        parent.join(forks);
      }
    }, (error: unknown) => error instanceof BackoffExhaustedError && /down/.test(error.message));
  });
});
