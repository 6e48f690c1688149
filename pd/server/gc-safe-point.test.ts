import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { CodecError } from '../../common/errors.js';
import { asTimestamp, composeTimestamp, zeroTimestamp } from '../../common/ids.js';
import { SeededRandom } from '../../common/random.js';
import { GcSafePointStore, gcSafePointDefaults } from './gc-safe-point.js';
import { MemoryPdStorage, type PdStorage } from './storage.js';
import { GatedStorage } from './test-storage.js';

describe('GcSafePointStore', () => {
  test('starts at zero and moves forward', async () => {
    const storage = new MemoryPdStorage();
    const store = new GcSafePointStore(storage);
    assert.equal(await store.get(), zeroTimestamp);
    const first = composeTimestamp(1_000n, 5n);
    assert.deepEqual(await store.update(first), { old: zeroTimestamp, current: first });
    assert.equal(await store.get(), first);
    const second = composeTimestamp(2_000n, 0n);
    assert.deepEqual(await store.update(second), { old: first, current: second });
    assert.equal(await store.get(), second);
    assert.equal(storage.writeCount, 2);
  });

  test('an older or equal value is ignored and the current one returned, without a write', async () => {
    const storage = new MemoryPdStorage();
    const store = new GcSafePointStore(storage);
    const current = composeTimestamp(5_000n, 0n);
    await store.update(current);
    assert.deepEqual(await store.update(composeTimestamp(4_999n, 7n)), { old: current, current });
    assert.deepEqual(await store.update(current), { old: current, current });
    assert.equal(await store.get(), current);
    assert.equal(storage.writeCount, 1);
  });

  test('persisted: a new store on the same storage (restart or new leader) sees it', async () => {
    const storage = new MemoryPdStorage();
    const safePoint = composeTimestamp(9_000n, 1n);
    await new GcSafePointStore(storage).update(safePoint);
    const reopened = new GcSafePointStore(storage);
    assert.equal(await reopened.get(), safePoint);
    assert.deepEqual(await reopened.update(composeTimestamp(1n, 0n)), { old: safePoint, current: safePoint });
  });

  test('concurrent updates in random order end at the largest, never moving back (seeded)', async () => {
    const random = new SeededRandom(21);
    const inner = new MemoryPdStorage();
    // Slow storage, so unserialized read-modify-writes would interleave.
    const storage: PdStorage = {
      get: async (key) => {
        await nextTurn();
        return inner.get(key);
      },
      scan: (prefix) => inner.scan(prefix),
      write: async (writes) => {
        await nextTurn();
        await inner.write(writes);
      },
    };
    const store = new GcSafePointStore(storage);
    const values = Array.from({ length: 200 }, () => asTimestamp(BigInt(random.nextIntBetween(1, 1_000_000))));
    const results = await Promise.all(values.map((value) => store.update(value)));
    const largest = values.reduce((a, b) => (a > b ? a : b));
    assert.equal(await store.get(), largest);
    // In the order the updates were issued, the current value never decreases.
    let previous = zeroTimestamp;
    for (const [index, result] of results.entries()) {
      assert.equal(result.old, previous, `update ${index} saw the previous update's result`);
      assert.ok(result.current >= result.old);
      assert.equal(result.current, values[index]! > previous ? values[index] : previous);
      previous = result.current;
    }
  });

  test('a failed write leaves the old value and does not block later updates', async () => {
    const storage = new GatedStorage();
    const store = new GcSafePointStore(storage);
    await store.update(asTimestamp(10n));
    storage.failNextWrite = true;
    await assert.rejects(store.update(asTimestamp(20n)), /disk full/);
    assert.equal(await store.get(), 10n);
    assert.deepEqual(await store.update(asTimestamp(30n)), { old: 10n, current: 30n });
  });

  test('a corrupt stored value is a CodecError', async () => {
    const storage = new MemoryPdStorage();
    await storage.write([{ key: gcSafePointDefaults.storageKey, value: new Uint8Array(4) }]);
    await assert.rejects(new GcSafePointStore(storage).get(), CodecError);
  });
});
