import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { CodecError } from '../../common/errors.js';
import { logicalOf, physicalMsOf } from '../../common/ids.js';
import { SeededRandom } from '../../common/random.js';
import { MemoryPdStorage, type PdStorage } from './storage.js';
import { GatedStorage } from './test-storage.js';
import { maxTimestampsPerRequest, TimestampOracle, TsoCountError, TsoNotServingError, tsoDefaults, type TimestampOracleOptions, type TimestampRange } from './tso.js';

/** A fake wall clock; `sleep` moves it forward unless the test freezes it. */
class FakeTime {
  nowMs: number;
  sleeps = 0;
  frozen = false;

  constructor(startMs: number) {
    this.nowMs = startMs;
  }

  readonly clock = (): number => this.nowMs;

  readonly sleep = async (ms: number): Promise<void> => {
    this.sleeps++;
    if (!this.frozen) this.nowMs += ms;
    await nextTurn();
  };
}


function newOracle(storage: PdStorage, time: FakeTime, options: Partial<TimestampOracleOptions> = {}): TimestampOracle {
  return new TimestampOracle({ storage, clock: time.clock, sleep: time.sleep, ...options });
}

async function storedBoundMs(storage: PdStorage): Promise<bigint> {
  const bytes = await storage.get(tsoDefaults.storageKey);
  assert.ok(bytes !== undefined, 'no TSO bound persisted');
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0);
}

/** Checks one range's shape: `count` consecutive timestamps with one physical part. */
function mustBeRange(range: TimestampRange, count: number): void {
  assert.equal(range.last - range.first + 1n, BigInt(count));
  assert.equal(physicalMsOf(range.first), physicalMsOf(range.last));
}

/** Checks that each range lies strictly above the previous one, in the order given. */
function mustIncrease(ranges: readonly TimestampRange[]): void {
  for (let index = 1; index < ranges.length; index++) {
    const previous = ranges[index - 1]!;
    const range = ranges[index]!;
    assert.ok(range.first > previous.last, `range ${index} starts at ${range.first}, not above ${previous.last}`);
  }
}

async function mustNotServe(promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, TsoNotServingError);
}

describe('TimestampOracle', () => {
  test('hands out ranges of the requested size at the clock time', async () => {
    const time = new FakeTime(1_000_000);
    const oracle = newOracle(new MemoryPdStorage(), time);
    await oracle.initialize();
    const one = await oracle.getTimestamps(1);
    mustBeRange(one, 1);
    assert.equal(physicalMsOf(one.first), 1_000_000n);
    assert.equal(logicalOf(one.first), 0n);
    const hundred = await oracle.getTimestamps(100);
    mustBeRange(hundred, 100);
    assert.equal(hundred.first, one.last + 1n);
    assert.equal(oracle.current(), hundred.last);
    time.nowMs += 5;
    const later = await oracle.getTimestamps(3);
    assert.equal(physicalMsOf(later.first), 1_000_005n);
    assert.equal(logicalOf(later.first), 0n, 'a new millisecond starts the logical part over');
  });

  test('rejects counts outside 1..2^18', async () => {
    const oracle = newOracle(new MemoryPdStorage(), new FakeTime(10));
    await oracle.initialize();
    for (const count of [0, -1, 1.5, maxTimestampsPerRequest + 1, Number.NaN]) {
      await assert.rejects(oracle.getTimestamps(count), TsoCountError, `count ${count}`);
    }
    mustBeRange(await oracle.getTimestamps(maxTimestampsPerRequest), maxTimestampsPerRequest);
  });

  test('concurrent callers get disjoint, increasing ranges (seeded, with clock jumps and slow saves)', async () => {
    for (const seed of [1, 2, 3]) {
      const random = new SeededRandom(seed);
      const time = new FakeTime(1_700_000_000_000);
      const storage = new GatedStorage({ turnsPerWrite: 2 });
      const oracle = newOracle(storage, time);
      await oracle.initialize();
      const inResponseOrder: TimestampRange[] = [];
      for (let round = 0; round < 60; round++) {
        const callers: Array<Promise<void>> = [];
        const callerCount = random.nextIntBetween(1, 60);
        for (let caller = 0; caller < callerCount; caller++) {
          const count = random.chance(0.1) ? random.nextIntBetween(10_000, 100_000) : random.nextIntBetween(1, 300);
          callers.push(
            oracle.getTimestamps(count).then((range) => {
              mustBeRange(range, count);
              inResponseOrder.push(range);
            }),
          );
          // Move the clock while requests are in flight: small steps, jumps past the
          // window and steps backwards.
          const dice = random.nextInt(20);
          if (dice === 0) time.nowMs += random.nextIntBetween(2_000, 10_000);
          else if (dice === 1) time.nowMs -= random.nextIntBetween(1, 5_000);
          else if (dice < 8) time.nowMs += random.nextIntBetween(0, 3);
          if (random.chance(0.2)) await nextTurn();
        }
        await Promise.all(callers);
      }
      mustIncrease(inResponseOrder);
      assert.ok(inResponseOrder.length > 1_000);
      // Everything handed out lies inside the persisted window.
      const bound = await storedBoundMs(storage.inner);
      for (const range of inResponseOrder) assert.ok(physicalMsOf(range.last) <= bound);
    }
  });

  test('a restart starts above the saved window, even when the clock is behind it', async () => {
    const storage = new MemoryPdStorage();
    const time = new FakeTime(50_000);
    const first = newOracle(storage, time);
    await first.initialize();
    let lastBeforeCrash = (await first.getTimestamps(10)).last;
    time.nowMs += 100;
    lastBeforeCrash = (await first.getTimestamps(10)).last;
    const savedMs = await storedBoundMs(storage);
    assert.equal(savedMs, 53_000n, 'the window is saved 3 s ahead of the starting time');
    // The process dies without resigning; a new one starts with its clock set back.
    time.nowMs = 40_000;
    const restarted = newOracle(storage, time);
    await restarted.initialize();
    const afterRestart = await restarted.getTimestamps(1);
    assert.ok(afterRestart.first > lastBeforeCrash);
    assert.equal(physicalMsOf(afterRestart.first), savedMs + 1n, 'it starts right above the saved bound');
    assert.equal(await storedBoundMs(storage), savedMs + 1n + 3_000n);
    // A clock well ahead of the saved bound wins.
    time.nowMs = 1_000_000;
    const again = newOracle(storage, time);
    await again.initialize();
    assert.equal(physicalMsOf((await again.getTimestamps(1)).first), 1_000_000n);
  });

  test('an empty storage starts at the clock, and never at timestamp zero', async () => {
    const time = new FakeTime(0);
    const oracle = newOracle(new MemoryPdStorage(), time);
    await oracle.initialize();
    const range = await oracle.getTimestamps(1);
    assert.equal(physicalMsOf(range.first), 1n);
  });

  test('a corrupt saved bound fails initialize with a CodecError', async () => {
    const storage = new MemoryPdStorage();
    await storage.write([{ key: tsoDefaults.storageKey, value: new Uint8Array([1, 2, 3]) }]);
    const oracle = newOracle(storage, new FakeTime(10));
    await assert.rejects(oracle.initialize(), CodecError);
    await mustNotServe(oracle.getTimestamps(1));
  });

  test('a clock that jumps backwards never moves timestamps back', async () => {
    const time = new FakeTime(10_000);
    const oracle = newOracle(new MemoryPdStorage(), time);
    await oracle.initialize();
    const before = await oracle.getTimestamps(5);
    time.nowMs = 9_000;
    const ranges: TimestampRange[] = [before];
    for (let index = 0; index < 50; index++) ranges.push(await oracle.getTimestamps(7));
    mustIncrease(ranges);
    for (const range of ranges) assert.equal(physicalMsOf(range.first), 10_000n, 'the physical part stays put');
    assert.equal(logicalOf(ranges.at(-1)!.last), 5n + 50n * 7n - 1n, 'the logical part keeps counting');
    // Once the clock passes the physical part again, timestamps follow it.
    time.nowMs = 10_001;
    const caughtUp = await oracle.getTimestamps(1);
    assert.equal(physicalMsOf(caughtUp.first), 10_001n);
    assert.ok(caughtUp.first > ranges.at(-1)!.last);
  });

  test('logical overflow waits for the next millisecond', async () => {
    const time = new FakeTime(20_000);
    const oracle = newOracle(new MemoryPdStorage(), time);
    await oracle.initialize();
    const almostAll = await oracle.getTimestamps(maxTimestampsPerRequest - 10);
    const fits = await oracle.getTimestamps(10);
    assert.equal(logicalOf(fits.last), BigInt(maxTimestampsPerRequest - 1));
    assert.equal(time.sleeps, 0);
    const overflow = await oracle.getTimestamps(1);
    assert.equal(time.sleeps, 1, 'it slept one millisecond');
    assert.equal(time.nowMs, 20_001);
    assert.equal(physicalMsOf(overflow.first), 20_001n);
    assert.equal(logicalOf(overflow.first), 0n);
    mustIncrease([almostAll, fits, overflow]);
  });

  test('logical overflow with a stuck clock advances the physical part after the wait limit', async () => {
    const time = new FakeTime(30_000);
    time.frozen = true;
    const oracle = newOracle(new MemoryPdStorage(), time, { overflowWaitLimit: 2 });
    await oracle.initialize();
    const full = await oracle.getTimestamps(maxTimestampsPerRequest);
    const next = await oracle.getTimestamps(maxTimestampsPerRequest);
    assert.equal(time.sleeps, 2);
    assert.equal(physicalMsOf(next.first), 30_001n);
    mustIncrease([full, next]);
  });

  test('logical overflow with the clock behind advances at once, without sleeping', async () => {
    const time = new FakeTime(40_000);
    const oracle = newOracle(new MemoryPdStorage(), time);
    await oracle.initialize();
    await oracle.getTimestamps(1);
    time.nowMs = 39_000;
    const ranges: TimestampRange[] = [];
    for (let index = 0; index < 5; index++) ranges.push(await oracle.getTimestamps(maxTimestampsPerRequest));
    assert.equal(time.sleeps, 0);
    assert.deepEqual(
      ranges.map((range) => physicalMsOf(range.first)),
      [40_001n, 40_002n, 40_003n, 40_004n, 40_005n],
    );
    mustIncrease(ranges);
  });

  test('advancing past the window on overflow persists a new window first', async () => {
    const time = new FakeTime(60_000);
    time.frozen = true;
    const storage = new MemoryPdStorage();
    const oracle = newOracle(storage, time, { saveIntervalMs: 3, refreshMarginMs: 0, overflowWaitLimit: 0 });
    await oracle.initialize();
    assert.equal(await storedBoundMs(storage), 60_003n);
    for (let index = 0; index < 5; index++) await oracle.getTimestamps(maxTimestampsPerRequest);
    // Physical parts 60_000..60_004: the window had to be extended past 60_003.
    assert.equal(oracle.status().physicalMs, 60_004n);
    assert.ok((await storedBoundMs(storage)) >= 60_004n);
    assert.equal(storage.writeCount, 2);
  });

  test('resign stops serving, also for callers waiting on a save', async () => {
    const time = new FakeTime(100_000);
    const storage = new GatedStorage({ turnsPerWrite: 2 });
    const oracle = newOracle(storage, time);
    await mustNotServe(oracle.getTimestamps(1));
    await oracle.initialize();
    await oracle.getTimestamps(1);
    // Jump past the window so the next callers must wait for a save, then resign.
    time.nowMs += 60_000;
    storage.hold();
    const waiting = [oracle.getTimestamps(1), oracle.getTimestamps(2)];
    await nextTurn();
    oracle.resign();
    storage.release();
    for (const promise of waiting) await mustNotServe(promise);
    await mustNotServe(oracle.getTimestamps(1));
    assert.equal(oracle.status().role, 'resigned');
  });

  test('a request that waited through a leadership flip is refused, not served by the new term', async () => {
    const time = new FakeTime(100_000);
    let wake: (() => void) | undefined;
    const oracle = newOracle(new MemoryPdStorage(), time, {
      sleep: () =>
        new Promise<void>((resolve) => {
          wake = resolve;
        }),
    });
    await oracle.initialize();
    await oracle.getTimestamps(maxTimestampsPerRequest);
    const overflowing = oracle.getTimestamps(1);
    await nextTurn();
    assert.ok(wake !== undefined, 'the overflowing request sleeps');
    oracle.resign();
    await oracle.initialize();
    wake();
    await mustNotServe(overflowing);
    mustBeRange(await oracle.getTimestamps(1), 1);
  });

  test('an initialize overtaken by resign does not serve', async () => {
    const time = new FakeTime(100_000);
    const storage = new GatedStorage({ turnsPerWrite: 2 });
    const oracle = newOracle(storage, time);
    storage.hold();
    const initializing = oracle.initialize();
    await nextTurn();
    await mustNotServe(oracle.getTimestamps(1));
    oracle.resign();
    storage.release();
    await mustNotServe(initializing);
    await mustNotServe(oracle.getTimestamps(1));
    await oracle.initialize();
    mustBeRange(await oracle.getTimestamps(1), 1);
  });

  test('a new term waits for the old term\'s save, so the saved bound never shrinks', async () => {
    const time = new FakeTime(200_000);
    const storage = new GatedStorage({ turnsPerWrite: 2 });
    const oracle = newOracle(storage, time);
    await oracle.initialize();
    const before = await oracle.getTimestamps(1);
    // The old term's extension (to 260_000 + 3 s) is in flight when leadership flips.
    time.nowMs = 260_000;
    storage.hold();
    const stranded = oracle.getTimestamps(1);
    await nextTurn();
    oracle.resign();
    time.nowMs = 200_500;
    const reinitializing = oracle.initialize();
    await nextTurn();
    storage.release();
    await mustNotServe(stranded);
    await reinitializing;
    const after = await oracle.getTimestamps(1);
    assert.ok(after.first > before.last);
    assert.equal(physicalMsOf(after.first), 263_001n, 'the new term starts above the old term\'s landed save');
    assert.equal(await storedBoundMs(storage.inner), oracle.status().savedBoundMs);
  });

  test('leader changes between two oracles on one storage never repeat a timestamp (seeded)', async () => {
    const random = new SeededRandom(7);
    const storage = new GatedStorage({ turnsPerWrite: 2 });
    // Two members with skewed clocks: the second runs up to two seconds behind.
    const baseMs = 5_000_000;
    const times = [new FakeTime(baseMs), new FakeTime(baseMs - 2_000)];
    const oracles = times.map((time) => newOracle(storage, time));
    const handedOut: TimestampRange[] = [];
    let leader = 0;
    let refused = 0;
    for (let term = 0; term < 40; term++) {
      const oracle = oracles[leader]!;
      await oracle.initialize();
      const requests: Array<Promise<void>> = [];
      const requestCount = random.nextIntBetween(1, 200);
      // Leadership is lost while some requests are still in flight (some wait on a save).
      const resignAt = random.nextIntBetween(0, requestCount);
      for (let request = 0; request < requestCount; request++) {
        if (request === resignAt) oracle.resign();
        requests.push(
          oracle.getTimestamps(random.nextIntBetween(1, 5_000)).then(
            (range) => void handedOut.push(range),
            (error: unknown) => {
              assert.ok(error instanceof TsoNotServingError);
              refused++;
            },
          ),
        );
        const step = random.chance(0.05) ? random.nextIntBetween(1_000, 4_000) : random.nextIntBetween(0, 40);
        for (const time of times) time.nowMs += step;
        if (random.chance(0.3)) await nextTurn();
      }
      oracle.resign();
      await Promise.all(requests);
      leader = random.chance(0.7) ? 1 - leader : leader;
    }
    assert.ok(refused > 0, 'some requests met a resigned leader');
    mustIncrease(handedOut);
    assert.ok(handedOut.length > 1_000);
  });

  test('the second leader starts above everything the first handed out', async () => {
    const storage = new MemoryPdStorage();
    const time = new FakeTime(7_000_000);
    const first = newOracle(storage, time);
    const second = newOracle(storage, time);
    await first.initialize();
    const ranges: TimestampRange[] = [];
    for (let index = 0; index < 100; index++) {
      ranges.push(await first.getTimestamps(1_000));
      time.nowMs += 25;
    }
    first.resign();
    await second.initialize();
    ranges.push(await second.getTimestamps(1));
    mustIncrease(ranges);
    await mustNotServe(first.getTimestamps(1));
    assert.ok(physicalMsOf(ranges.at(-1)!.first) > physicalMsOf(ranges.at(-2)!.last));
  });

  test('one save per window, not per request', async () => {
    const time = new FakeTime(1_000_000);
    const storage = new GatedStorage({ turnsPerWrite: 2 });
    const oracle = newOracle(storage, time);
    await oracle.initialize();
    assert.equal(storage.writesStarted, 1);
    let requests = 0;
    const durationMs = 60_000;
    const stepMs = 7;
    for (let elapsedMs = 0; elapsedMs < durationMs; elapsedMs += stepMs) {
      time.nowMs += stepMs;
      const batch: Array<Promise<TimestampRange>> = [];
      for (let caller = 0; caller < 5; caller++) batch.push(oracle.getTimestamps(3));
      requests += batch.length;
      await Promise.all(batch);
    }
    // Windows are extended once less than 1 s of the 3 s window is left: every ~2 s.
    const expectedSaves = durationMs / (tsoDefaults.saveIntervalMs - tsoDefaults.refreshMarginMs);
    assert.ok(storage.writesStarted >= expectedSaves - 1, `${storage.writesStarted} saves`);
    assert.ok(storage.writesStarted <= expectedSaves + 2, `${storage.writesStarted} saves`);
    assert.ok(requests > 100 * storage.writesStarted);
  });

  test('many callers past the window share one save', async () => {
    const time = new FakeTime(1_000_000);
    const storage = new GatedStorage({ turnsPerWrite: 2 });
    const oracle = newOracle(storage, time);
    await oracle.initialize();
    await oracle.getTimestamps(1);
    time.nowMs += 3_600_000;
    storage.hold();
    const callers: Array<Promise<TimestampRange>> = [];
    for (let caller = 0; caller < 500; caller++) callers.push(oracle.getTimestamps(1 + (caller % 17)));
    await nextTurn();
    assert.equal(storage.writesStarted, 2, 'one save for all 500 callers');
    storage.release();
    const ranges = await Promise.all(callers);
    assert.equal(storage.writesStarted, 2);
    const sorted = [...ranges].sort((a, b) => (a.first < b.first ? -1 : 1));
    mustIncrease(sorted);
    for (const range of ranges) assert.equal(physicalMsOf(range.first), 4_600_000n);
  });

  test('a failed save reaches the callers that need it, and the next request retries', async () => {
    const time = new FakeTime(1_000);
    let failNext = false;
    const inner = new MemoryPdStorage();
    const storage: PdStorage = {
      get: (key) => inner.get(key),
      scan: (prefix) => inner.scan(prefix),
      write: async (writes) => {
        if (failNext) {
          failNext = false;
          throw new Error('disk full');
        }
        await inner.write(writes);
      },
    };
    const oracle = newOracle(storage, time);
    await oracle.initialize();
    time.nowMs += 10_000;
    failNext = true;
    await assert.rejects(oracle.getTimestamps(1), /disk full/);
    const range = await oracle.getTimestamps(1);
    assert.equal(physicalMsOf(range.first), 11_000n);
    const savedMs: bigint = await storedBoundMs(inner);
    assert.ok(savedMs >= 11_000n);
  });
});
