import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { SeededRandom } from '../../common/random.js';
import { Latches, type LatchRelease } from './latches.js';

const key = (text: string) => new TextEncoder().encode(text);

/** Acquires and reports, through `granted`, the moment the latches are held. */
function track(latches: Latches, name: string, keys: string[], granted: string[]): Promise<LatchRelease> {
  return latches.acquire(keys.map(key)).then((release) => {
    granted.push(name);
    return release;
  });
}

async function settle(): Promise<void> {
  await nextTurn();
}

describe('Latches', () => {
  test('commands on disjoint keys hold their latches at the same time', async () => {
    const latches = new Latches();
    const granted: string[] = [];
    const a = track(latches, 'a', ['x'], granted);
    const b = track(latches, 'b', ['y'], granted);
    await settle();
    assert.deepEqual(granted, ['a', 'b']);
    (await a)();
    (await b)();
    assert.equal(latches.busyKeyCount, 0);
  });

  test('commands on one key run one at a time, first come first served', async () => {
    const latches = new Latches();
    const granted: string[] = [];
    const first = track(latches, 'first', ['k'], granted);
    const second = track(latches, 'second', ['k'], granted);
    const third = track(latches, 'third', ['k'], granted);
    await settle();
    assert.deepEqual(granted, ['first']);
    (await first)();
    await settle();
    assert.deepEqual(granted, ['first', 'second']);
    (await second)();
    await settle();
    assert.deepEqual(granted, ['first', 'second', 'third']);
    (await third)();
    assert.equal(latches.busyKeyCount, 0);
  });

  test('overlapping key sets run in the order acquire was called; a disjoint one does not wait', async () => {
    const latches = new Latches();
    const granted: string[] = [];
    const ab = track(latches, 'ab', ['a', 'b'], granted);
    const bc = track(latches, 'bc', ['c', 'b'], granted);
    const c = track(latches, 'c', ['c'], granted);
    const d = track(latches, 'd', ['d'], granted);
    await settle();
    // `c` shares nothing with `ab`, but `bc` called first and waits for `ab`: `c` queues behind it.
    assert.deepEqual(granted, ['ab', 'd']);
    (await ab)();
    await settle();
    assert.deepEqual(granted, ['ab', 'd', 'bc']);
    (await bc)();
    await settle();
    assert.deepEqual(granted, ['ab', 'd', 'bc', 'c']);
    (await c)();
    (await d)();
    assert.equal(latches.busyKeyCount, 0);
  });

  test('duplicate keys are latched once', async () => {
    const latches = new Latches();
    const release = await latches.acquire([key('k'), key('k'), key('j'), key('k')]);
    assert.equal(latches.busyKeyCount, 2);
    release();
    assert.equal(latches.busyKeyCount, 0);
    const again = await latches.acquire([key('k')]);
    again();
  });

  test('releasing twice is a bug and throws', async () => {
    const latches = new Latches();
    const release = await latches.acquire([key('k')]);
    release();
    assert.throws(() => release(), /released twice/);
  });

  test('withLatches releases when the body throws', async () => {
    const latches = new Latches();
    await assert.rejects(
      latches.withLatches([key('k')], async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(latches.busyKeyCount, 0);
  });

  test('randomized: mutual exclusion per key, per-key FIFO, no deadlock', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const random = new SeededRandom(seed);
      const latches = new Latches();
      const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
      const holders = new Map<string, number>();
      // Per key: the commands in the order they called acquire, and in the order they ran.
      const called = new Map<string, number[]>();
      const ran = new Map<string, number[]>();
      const commands: Promise<void>[] = [];
      for (let id = 0; id < 200; id++) {
        const chosen = keys.filter(() => random.chance(0.3));
        if (chosen.length === 0) chosen.push(random.pick(keys));
        // Keys may repeat in a request.
        if (random.chance(0.2)) chosen.push(chosen[0]!);
        const holdTurns = random.nextInt(4);
        for (const name of new Set(chosen)) called.set(name, [...(called.get(name) ?? []), id]);
        commands.push(
          latches.withLatches(chosen.map(key), async () => {
            for (const name of new Set(chosen)) {
              assert.equal(holders.get(name), undefined, `seed ${seed}: key ${name} held by two commands`);
              holders.set(name, id);
              ran.set(name, [...(ran.get(name) ?? []), id]);
            }
            for (let turn = 0; turn < holdTurns; turn++) await nextTurn();
            for (const name of new Set(chosen)) holders.delete(name);
          }),
        );
        if (random.chance(0.3)) await nextTurn();
      }
      await Promise.all(commands);
      assert.deepEqual(ran, called, `seed ${seed}: every key runs its commands in call order`);
      assert.equal(latches.busyKeyCount, 0);
    }
  });
});
