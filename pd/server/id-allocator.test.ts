import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { CodecError } from '../../common/errors.js';
import { SeededRandom } from '../../common/random.js';
import { IdAllocator, IdAllocatorNotServingError, idAllocatorDefaults, IdCountError, maxIdsPerAllocation } from './id-allocator.js';
import { MemoryPdStorage, type PdStorage } from './storage.js';
import { GatedStorage } from './test-storage.js';


async function storedEnd(storage: PdStorage): Promise<bigint> {
  const bytes = await storage.get(idAllocatorDefaults.storageKey);
  assert.ok(bytes !== undefined, 'no batch end persisted');
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0);
}

/** Adds ids to `seen`, failing on any id handed out twice. */
function mustBeNew(seen: Set<bigint>, ids: readonly bigint[]): void {
  for (const id of ids) {
    assert.ok(id > 0n, 'ids start at 1');
    assert.ok(!seen.has(id), `id ${id} handed out twice`);
    seen.add(id);
  }
}

async function mustNotServe(promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, IdAllocatorNotServingError);
}

describe('IdAllocator', () => {
  test('hands out 1, 2, 3, ... and persists one batch end per 1000 ids', async () => {
    const storage = new MemoryPdStorage();
    const allocator = new IdAllocator({ storage });
    await allocator.initialize();
    assert.equal(storage.writeCount, 0, 'initialize writes nothing');
    assert.equal(await allocator.alloc(), 1n);
    assert.equal(await allocator.alloc(), 2n);
    assert.deepEqual(await allocator.allocMany(3), [3n, 4n, 5n]);
    assert.equal(await storedEnd(storage), 1_000n);
    for (let index = 0; index < 2_495; index++) await allocator.alloc();
    assert.equal(allocator.status().lastAllocated, 2_500n);
    assert.equal(await storedEnd(storage), 3_000n);
    assert.equal(storage.writeCount, 3);
  });

  test('rejects counts outside 1..maxIdsPerAllocation', async () => {
    const allocator = new IdAllocator({ storage: new MemoryPdStorage() });
    await allocator.initialize();
    for (const count of [0, -3, 2.5, maxIdsPerAllocation + 1]) await assert.rejects(allocator.allocMany(count), IdCountError);
    const many = await allocator.allocMany(maxIdsPerAllocation);
    assert.equal(many.length, maxIdsPerAllocation);
    assert.equal(many.at(-1), BigInt(maxIdsPerAllocation));
  });

  test('a request larger than a batch extends by what it needs', async () => {
    const storage = new MemoryPdStorage();
    const allocator = new IdAllocator({ storage, batchSize: 10 });
    await allocator.initialize();
    const ids = await allocator.allocMany(25);
    assert.deepEqual(ids, Array.from({ length: 25 }, (_, index) => BigInt(index + 1)));
    assert.equal(storage.writeCount, 1);
    assert.equal(await storedEnd(storage), 25n);
  });

  test('a restart starts above the saved end, skipping the rest of the old batch', async () => {
    const storage = new MemoryPdStorage();
    const first = new IdAllocator({ storage });
    await first.initialize();
    const seen = new Set<bigint>();
    mustBeNew(seen, await first.allocMany(10));
    // The process dies without resigning.
    const restarted = new IdAllocator({ storage });
    await restarted.initialize();
    const next = await restarted.alloc();
    assert.equal(next, 1_001n);
    mustBeNew(seen, [next]);
    assert.equal(await storedEnd(storage), 2_000n);
  });

  test('concurrent callers get unique ids and share one batch write', async () => {
    const storage = new GatedStorage();
    const allocator = new IdAllocator({ storage, batchSize: 1_000 });
    await allocator.initialize();
    storage.hold();
    const callers: Array<Promise<bigint[]>> = [];
    for (let caller = 0; caller < 300; caller++) callers.push(allocator.allocMany(1 + (caller % 3)));
    await nextTurn();
    assert.equal(storage.writesStarted, 1, 'one write for all 300 callers');
    storage.release();
    const seen = new Set<bigint>();
    for (const ids of await Promise.all(callers)) {
      for (let index = 1; index < ids.length; index++) assert.equal(ids[index], ids[index - 1]! + 1n, 'consecutive');
      mustBeNew(seen, ids);
    }
    assert.equal(seen.size, 600);
    assert.equal(storage.writesStarted, 1);
  });

  test('unique across restarts and leader changes (seeded)', async () => {
    for (const seed of [11, 12]) {
      const random = new SeededRandom(seed);
      const storage = new GatedStorage();
      const members = [new IdAllocator({ storage, batchSize: 50 }), new IdAllocator({ storage, batchSize: 50 })];
      const seen = new Set<bigint>();
      let refused = 0;
      let leader = 0;
      for (let term = 0; term < 60; term++) {
        // Sometimes the leader crashes and a fresh process takes its place.
        if (random.chance(0.2)) members[leader] = new IdAllocator({ storage, batchSize: 50 });
        const allocator = members[leader]!;
        await allocator.initialize();
        const requests: Array<Promise<void>> = [];
        const requestCount = random.nextIntBetween(1, 80);
        const resignAt = random.nextIntBetween(0, requestCount);
        for (let request = 0; request < requestCount; request++) {
          if (request === resignAt) allocator.resign();
          requests.push(
            allocator.allocMany(random.nextIntBetween(1, 120)).then(
              (ids) => mustBeNew(seen, ids),
              (error: unknown) => {
                assert.ok(error instanceof IdAllocatorNotServingError);
                refused++;
              },
            ),
          );
          if (random.chance(0.3)) await nextTurn();
        }
        allocator.resign();
        await Promise.all(requests);
        if (random.chance(0.6)) leader = 1 - leader;
      }
      assert.ok(seen.size > 1_000);
      assert.ok(refused > 0);
      const largest = [...seen].reduce((a, b) => (a > b ? a : b));
      assert.ok(largest <= (await storedEnd(storage.inner)), 'every id lies inside a persisted batch');
    }
  });

  test('resign stops serving, also for callers waiting on a batch write', async () => {
    const storage = new GatedStorage();
    const allocator = new IdAllocator({ storage });
    await mustNotServe(allocator.alloc());
    await allocator.initialize();
    storage.hold();
    const waiting = allocator.alloc();
    await nextTurn();
    allocator.resign();
    storage.release();
    await mustNotServe(waiting);
    await mustNotServe(allocator.alloc());
    // The write landed even though nobody got ids from it, so the next term starts above it.
    await allocator.initialize();
    assert.equal(await allocator.alloc(), 1_001n);
  });

  test('a new term waits for the old term\'s write, so the saved end never shrinks', async () => {
    const storage = new GatedStorage();
    const allocator = new IdAllocator({ storage, batchSize: 100 });
    await allocator.initialize();
    storage.hold();
    const stranded = allocator.allocMany(500);
    await nextTurn();
    allocator.resign();
    const reinitializing = allocator.initialize();
    await nextTurn();
    storage.release();
    await mustNotServe(stranded);
    await reinitializing;
    assert.equal(await allocator.alloc(), 501n);
    assert.equal(await storedEnd(storage.inner), 600n);
  });

  test('a corrupt batch end fails initialize with a CodecError', async () => {
    const storage = new MemoryPdStorage();
    await storage.write([{ key: idAllocatorDefaults.storageKey, value: new Uint8Array(9) }]);
    await assert.rejects(new IdAllocator({ storage }).initialize(), CodecError);
  });

  test('a failed batch write reaches the waiting callers, and the next call retries', async () => {
    const storage = new GatedStorage();
    storage.failNextWrite = true;
    const allocator = new IdAllocator({ storage });
    await allocator.initialize();
    await assert.rejects(allocator.alloc(), /disk full/);
    assert.equal(await allocator.alloc(), 1n);
  });
});
