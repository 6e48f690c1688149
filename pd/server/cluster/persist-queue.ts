import type { PdStorage, PdWrite } from '../storage.js';

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Serializes and coalesces writes to PdStorage. While one storage write is in flight,
 * later calls collect in a pending batch that is written next, as one atomic write;
 * within it, the last value written to a key wins. So writes reach storage in the
 * order they were queued (a region's newer meta is never overwritten by an older one
 * finishing late), every call's writes stay atomic, and a burst of heartbeats costs a
 * few synced writes instead of one each. A batch holds at most `maxWritesPerBatch` keys
 * unless a single call brings more.
 */
export class PersistQueue {
  private readonly storage: PdStorage;
  private readonly maxWritesPerBatch: number;
  // Batches waiting for the one in flight, oldest first. Within a batch each key
  // appears once, with its newest value (Map keeps the first insertion's position,
  // which is fine: a batch is applied atomically, so order inside it does not matter).
  private readonly queue: PendingBatch[] = [];
  private flushing = false;

  constructor(storage: PdStorage, maxWritesPerBatch: number) {
    this.storage = storage;
    this.maxWritesPerBatch = maxWritesPerBatch;
  }

  /** Resolves once `writes` are durable (together with whatever shared their batch). */
  write(writes: readonly PdWrite[]): Promise<void> {
    if (writes.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      // A call's writes are never split across batches (that would break its atomicity),
      // so a batch is closed before a call that would overflow it, never inside one; a
      // single call larger than the bound gets a batch of its own.
      let batch = this.queue[this.queue.length - 1];
      if (batch === undefined || batch.writes.size + writes.length > this.maxWritesPerBatch) {
        batch = { writes: new Map(), waiters: [] };
        this.queue.push(batch);
      }
      for (const { key, value } of writes) batch.writes.set(key, value);
      batch.waiters.push({ resolve, reject });
      if (!this.flushing) {
        // flush() hands every storage error to the waiters, so the promise it returns
        // never rejects and need not be awaited here.
        void this.flush();
      }
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      for (let batch = this.queue.shift(); batch !== undefined; batch = this.queue.shift()) {
        const writes: PdWrite[] = [];
        for (const [key, value] of batch.writes) writes.push({ key, value });
        try {
          await this.storage.write(writes);
          for (const waiter of batch.waiters) waiter.resolve();
        } catch (error) {
          for (const waiter of batch.waiters) waiter.reject(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}

interface PendingBatch {
  readonly writes: Map<string, Uint8Array | undefined>;
  readonly waiters: Waiter[];
}
