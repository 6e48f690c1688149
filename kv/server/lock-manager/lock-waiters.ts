import { keyId } from '../../../common/codec/bytes.js';

/** How a wait ended. */
export type WaitOutcome = 'released' | 'timeout' | 'cancelled';

interface Waiter {
  readonly finish: (outcome: WaitOutcome) => void;
}

/**
 * Requests waiting for locks on this store, by lock key. Whatever removes a lock
 * (commit, rollback, resolve, pessimistic rollback) calls `released` with the key after
 * its write applied, which wakes every waiter of that key to try again. A waiter is
 * registered before its caller re-checks the lock, so a release between that check and
 * the wait cannot be missed.
 */
export class LockWaiters {
  private readonly byKey = new Map<string, Set<Waiter>>();
  private closed = false;

  /**
   * Registers a waiter on `lockKey` now; `wait` then resolves when the key's lock is
   * released, after `timeoutMs`, or when `cancel` is called.
   */
  register(lockKey: Uint8Array, timeoutMs: number): { readonly wait: Promise<WaitOutcome>; readonly cancel: () => void } {
    // The store is stopping: nothing waits (and no timer outlives it).
    if (this.closed) return { wait: Promise.resolve('cancelled'), cancel: () => undefined };
    const id = keyId(lockKey);
    let finish!: (outcome: WaitOutcome) => void;
    const wait = new Promise<WaitOutcome>((resolve) => {
      let done = false;
      const timer = setTimeout(() => finish('timeout'), Math.max(0, timeoutMs));
      finish = (outcome) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        const waiters = this.byKey.get(id);
        waiters?.delete(waiter);
        if (waiters?.size === 0) this.byKey.delete(id);
        resolve(outcome);
      };
    });
    const waiter: Waiter = { finish };
    let waiters = this.byKey.get(id);
    if (waiters === undefined) this.byKey.set(id, (waiters = new Set()));
    waiters.add(waiter);
    return { wait, cancel: () => finish('cancelled') };
  }

  /** The locks on `lockKeys` are gone: their waiters try again. */
  released(lockKeys: Iterable<Uint8Array>): void {
    if (this.byKey.size === 0) return;
    for (const key of lockKeys) {
      const waiters = this.byKey.get(keyId(key));
      if (waiters === undefined) continue;
      for (const waiter of [...waiters]) waiter.finish('released');
    }
  }

  /** The store stops: every waiter gives up (answering with the lock it met), and later requests do not wait. */
  close(): void {
    this.closed = true;
    for (const waiters of [...this.byKey.values()]) for (const waiter of [...waiters]) waiter.finish('cancelled');
  }

  /**
   * The waiters on lock keys in [start, end) (an empty end: unbounded) give up: this store
   * stopped leading that region, so the release they wait for will be applied elsewhere.
   * They answer with the lock they met, and the client retries at the new leader.
   */
  cancelRange(start: Uint8Array, end: Uint8Array): void {
    if (this.byKey.size === 0) return;
    const startId = keyId(start);
    const endId = end.length === 0 ? undefined : keyId(end);
    // Ids compare as their keys do.
    for (const [id, waiters] of [...this.byKey]) {
      if (id < startId || (endId !== undefined && id >= endId)) continue;
      for (const waiter of [...waiters]) waiter.finish('cancelled');
    }
  }

  /** Waiters registered now. */
  get size(): number {
    let count = 0;
    for (const waiters of this.byKey.values()) count += waiters.size;
    return count;
  }
}
