import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { maxTimestamp } from '../../common/ids.js';
import { ConcurrencyManager } from './concurrency-manager.js';
import { bytes, ts } from './test-helpers.js';

/** Starts `promise` and reports whether it has settled after a turn of the event loop. */
async function settledSoon(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(() => {
    settled = true;
  });
  await nextTurn();
  return settled;
}

describe('ConcurrencyManager', () => {
  test('maxTs only grows, and a read at the max timestamp does not move it', () => {
    const manager = new ConcurrencyManager(ts(5));
    assert.equal(manager.maxTs(), ts(5));
    manager.updateMaxTs(ts(10));
    manager.updateMaxTs(ts(7));
    assert.equal(manager.maxTs(), ts(10));
    manager.updateMaxTs(maxTimestamp);
    assert.equal(manager.maxTs(), ts(10));
  });

  test('a read check raises maxTs even when nothing is locked', async () => {
    const manager = new ConcurrencyManager();
    await manager.readKeyCheck(bytes('k'), ts(42));
    assert.equal(manager.maxTs(), ts(42));
    await manager.readRangeCheck(bytes('a'), bytes('z'), ts(43));
    assert.equal(manager.maxTs(), ts(43));
  });

  test('a read of a key waits for an in-flight prewrite of it that started at or below the read ts', async () => {
    const manager = new ConcurrencyManager();
    const guard = manager.lockKeys([bytes('k'), bytes('j')], ts(10));
    assert.equal(manager.memoryLockCount, 2);
    const blocked = manager.readKeyCheck(bytes('k'), ts(20));
    assert.equal(await settledSoon(blocked), false);
    // A read below the prewrite's start, or of another key, does not wait.
    assert.equal(await settledSoon(manager.readKeyCheck(bytes('k'), ts(9))), true);
    assert.equal(await settledSoon(manager.readKeyCheck(bytes('other'), ts(20))), true);
    // The blocked read still raised maxTs before waiting.
    assert.equal(manager.maxTs(), ts(20));
    guard.release();
    assert.equal(await settledSoon(blocked), true);
    assert.equal(manager.memoryLockCount, 0);
  });

  test('a range read waits only for in-flight keys inside its range', async () => {
    const manager = new ConcurrencyManager();
    const guard = manager.lockKeys([bytes('m')], ts(10));
    assert.equal(await settledSoon(manager.readRangeCheck(bytes('a'), bytes('m'), ts(20))), true);
    assert.equal(await settledSoon(manager.readRangeCheck(bytes('n'), new Uint8Array(0), ts(20))), true);
    const covering = manager.readRangeCheck(bytes('a'), new Uint8Array(0), ts(20));
    assert.equal(await settledSoon(covering), false);
    guard.release();
    assert.equal(await settledSoon(covering), true);
  });

  test('a key named twice in one registration is registered once; releasing twice throws', () => {
    const manager = new ConcurrencyManager();
    const guard = manager.lockKeys([bytes('k'), bytes('k')], ts(1));
    assert.equal(manager.memoryLockCount, 1);
    guard.release();
    assert.throws(() => guard.release(), /twice/);
  });

  test('registering a key another registration holds is a latch bug and throws', () => {
    const manager = new ConcurrencyManager();
    manager.lockKeys([bytes('k')], ts(1));
    assert.throws(() => manager.lockKeys([bytes('k')], ts(2)), /latch/);
  });
});
