import { assert } from '../../common/assert.js';
import { compareBytes, keyId } from '../../common/codec/bytes.js';
import { maxTimestamp, type Timestamp, zeroTimestamp } from '../../common/ids.js';
import { memoryLockMaxWaitRounds } from './limits.js';

/** Takes a key out of the in-memory lock table. Call it exactly once. */
export interface MemoryLockGuard {
  release(): void;
}

interface MemoryLock {
  readonly key: Uint8Array;
  readonly startTs: Timestamp;
  readonly released: Promise<void>;
  readonly markReleased: () => void;
}

/**
 * What async commit and 1PC need from the store besides latches (TiKV's
 * ConcurrencyManager):
 *
 * - `maxTs`: the largest timestamp any snapshot read on this store has used. An
 *   async-commit or 1PC prewrite picks its minCommitTs above it, so the transaction
 *   commits above every read that has already run and cannot change what it saw.
 * - an in-memory lock table: such a prewrite decides its minCommitTs before its locks
 *   reach the engine. A read that arrives in between has raised maxTs too late for the
 *   prewrite to see, and takes a snapshot without the lock. To close that window the
 *   prewrite registers its keys here (`lockKeys`) in the same synchronous step in which
 *   it reads maxTs, and keeps them until its write has landed; a read first raises maxTs
 *   and then waits out any registered key it covers (`readKeyCheck`, `readRangeCheck`).
 *   Either the prewrite read maxTs after the reader raised it, or the reader saw the
 *   registration and waited until the lock (or the 1PC commit) was in the engine.
 */
export class ConcurrencyManager {
  // Invariant: never decreases.
  private maxReadTs: Timestamp;
  // Invariant: a key is registered at most once (callers hold its latch).
  private readonly memoryLocks = new Map<string, MemoryLock>();

  constructor(initialMaxTs: Timestamp = zeroTimestamp) {
    this.maxReadTs = initialMaxTs;
  }

  maxTs(): Timestamp {
    return this.maxReadTs;
  }

  /**
   * Records that a snapshot read at `ts` is being served. A read at the maximum
   * timestamp (read the latest committed data) is not a snapshot any commit could land
   * under, and would stop every async commit: it is ignored, as in TiKV.
   */
  updateMaxTs(ts: Timestamp): void {
    if (ts === maxTimestamp) return;
    if (ts > this.maxReadTs) this.maxReadTs = ts;
  }

  /**
   * Registers keys an async-commit or 1PC prewrite of the transaction `startTs` is
   * about to lock. Read `maxTs()` after this, in the same synchronous step. The caller
   * must hold the keys' latches.
   */
  lockKeys(keys: readonly Uint8Array[], startTs: Timestamp): MemoryLockGuard {
    const ids: string[] = [];
    for (const key of keys) {
      const id = keyId(key);
      if (this.memoryLocks.has(id)) {
        // The same key twice in one request: registered once is enough.
        assert(ids.includes(id), 'a key is in the memory lock table twice: its latch was not held');
        continue;
      }
      let markReleased: () => void = () => {};
      const released = new Promise<void>((resolve) => {
        markReleased = resolve;
      });
      this.memoryLocks.set(id, { key, startTs, released, markReleased });
      ids.push(id);
    }
    let done = false;
    return {
      release: () => {
        assert(!done, 'memory locks released twice');
        done = true;
        for (const id of ids) {
          const lock = this.memoryLocks.get(id);
          assert(lock !== undefined, 'a registered memory lock is still in the table');
          this.memoryLocks.delete(id);
          lock.markReleased();
        }
      },
    };
  }

  /** Before a snapshot read of `key` at `readTs`: raises maxTs, then waits out in-flight prewrites of the key. */
  async readKeyCheck(key: Uint8Array, readTs: Timestamp): Promise<void> {
    this.updateMaxTs(readTs);
    const id = keyId(key);
    for (let round = 0; round < memoryLockMaxWaitRounds; round++) {
      const lock = this.memoryLocks.get(id);
      if (lock === undefined || lock.startTs > readTs) return;
      await lock.released;
    }
    throw new Error(`read of a key waited ${memoryLockMaxWaitRounds} times for in-flight prewrites`);
  }

  /** Like `readKeyCheck`, for every key in [start, end) (empty end: unbounded). */
  async readRangeCheck(start: Uint8Array, end: Uint8Array, readTs: Timestamp): Promise<void> {
    this.updateMaxTs(readTs);
    for (let round = 0; round < memoryLockMaxWaitRounds; round++) {
      const blocking = this.firstBlockingInRange(start, end, readTs);
      if (blocking === undefined) return;
      await blocking.released;
    }
    throw new Error(`read of a range waited ${memoryLockMaxWaitRounds} times for in-flight prewrites`);
  }

  /** Keys registered now (for tests and metrics). */
  get memoryLockCount(): number {
    return this.memoryLocks.size;
  }

  private firstBlockingInRange(start: Uint8Array, end: Uint8Array, readTs: Timestamp): MemoryLock | undefined {
    // The table holds only the keys of prewrites in flight, so a linear pass is short.
    for (const lock of this.memoryLocks.values()) {
      if (lock.startTs > readTs) continue;
      if (compareBytes(lock.key, start) < 0) continue;
      if (end.length > 0 && compareBytes(lock.key, end) >= 0) continue;
      return lock;
    }
    return undefined;
  }
}
