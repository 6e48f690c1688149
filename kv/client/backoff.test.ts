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
});
