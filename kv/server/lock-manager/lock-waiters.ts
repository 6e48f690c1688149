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

  /**
   * Registers a waiter on `lockKey` now; `wait` then resolves when the key's lock is
   * released, after `timeoutMs`, or when `cancel` is called.
   */
  register(lockKey: Uint8Array, timeoutMs: number): { readonly wait: Promise<WaitOutcome>; readonly cancel: () => void } {
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

  /** Every waiter gives up (the store stops, or stops leading): they answer with the lock they met. */
  cancelAll(): void {
    for (const waiters of [...this.byKey.values()]) for (const waiter of [...waiters]) waiter.finish('cancelled');
  }

  /** Waiters registered now. */
  get size(): number {
    let count = 0;
    for (const waiters of this.byKey.values()) count += waiters.size;
    return count;
  }
}

function keyId(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}
