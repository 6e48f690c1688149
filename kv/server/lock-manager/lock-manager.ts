import type { Timestamp } from '../../../common/ids.js';
import { KeyError } from '../../mvcc/errors.js';
import { keyHash, LocalDeadlockDetector, type DeadlockDetector } from './deadlock-detector.js';
import { LockWaiters, type WaitOutcome } from './lock-waiters.js';

export interface LockManagerOptions {
  readonly detector?: DeadlockDetector;
  /** The wait when a request asks for the server's default (wait_timeout_ms = 0). */
  readonly defaultWaitTimeoutMs?: number;
  /** No request waits longer than this, whatever it asks. */
  readonly maxWaitTimeoutMs?: number;
}

export interface LockWait {
  /** The user key whose lock was met, and that lock's key in the lock column family. */
  readonly key: Uint8Array;
  readonly lockKey: Uint8Array;
  /** The txn holding the lock. */
  readonly lockTs: Timestamp;
  /** The txn that wants it. */
  readonly startTs: Timestamp;
  /** The txn's first lock request: it holds no lock, so no one can be waiting for it. */
  readonly isFirstLock: boolean;
  readonly timeoutMs: number;
  /** Reads the lock again once the waiter is registered: false when it is gone already. */
  readonly stillLocked: () => Promise<boolean>;
}

/**
 * Pessimistic lock waiting on one store, as TiKV's lock manager: a request that meets
 * another txn's lock asks the deadlock detector first (a Deadlock error if waiting would
 * close a cycle), then waits until that lock is released here or its time is up, and
 * tries again.
 */
export class LockManager {
  readonly waiters = new LockWaiters();
  readonly detector: DeadlockDetector;
  readonly defaultWaitTimeoutMs: number;
  readonly maxWaitTimeoutMs: number;

  constructor(options: LockManagerOptions = {}) {
    this.detector = options.detector ?? new LocalDeadlockDetector();
    this.defaultWaitTimeoutMs = options.defaultWaitTimeoutMs ?? 1_000;
    this.maxWaitTimeoutMs = options.maxWaitTimeoutMs ?? 60_000;
  }

  /** How long a request asking `waitTimeoutMs` (the wire's convention) may wait; 0 means not at all. */
  waitBudgetMs(waitTimeoutMs: bigint): number {
    if (waitTimeoutMs < 0n) return 0;
    if (waitTimeoutMs === 0n) return this.defaultWaitTimeoutMs;
    return Math.min(Number(waitTimeoutMs), this.maxWaitTimeoutMs);
  }

  /** Waits for the lock in `wait` to go; throws KeyError 'deadlock' instead when waiting would never end. */
  async waitFor(wait: LockWait): Promise<WaitOutcome> {
    const registered = this.waiters.register(wait.lockKey, wait.timeoutMs);
    let inGraph = false;
    try {
      if (!wait.isFirstLock) {
        // The graph keeps the edge a little past the wait, in case its clean-up is lost.
        const found = await this.detector.detect({ txn: wait.startTs, waitForTxn: wait.lockTs, keyHash: keyHash(wait.key), key: wait.key }, wait.timeoutMs + 5_000);
        if (found !== undefined) throw new KeyError({ kind: 'deadlock', key: wait.key, lockTs: wait.lockTs, deadlockKeyHash: found.deadlockKeyHash });
        inGraph = true;
      }
      if (!(await wait.stillLocked())) return 'released';
      return await registered.wait;
    } finally {
      registered.cancel();
      if (inGraph) this.detector.cleanUpWaitFor(wait.startTs, wait.lockTs, keyHash(wait.key));
    }
  }
}
