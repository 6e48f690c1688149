import { setTimeout as sleep } from 'node:timers/promises';
import { assert } from '../../common/assert.js';
import { asTimestamp, type Timestamp } from '../../common/ids.js';
import { PdClientError } from './errors.js';

const tsoRetryBaseDelayMs = 20;
const tsoRetryMaxDelayMs = 1_000;

/** One TSO round trip: ask for `count` timestamps, get the largest of the block. */
export interface TsoStream {
  request(count: number): Promise<Timestamp>;
  close(): void;
}

export interface TsoBatcherOptions {
  /** Opens a stream to the current PD leader (rediscovering it if needed). */
  readonly openStream: () => Promise<TsoStream>;
  /** Requests in flight on one stream at once (pipelining). */
  readonly maxInflightRequests?: number;
  /** Timestamps asked for in one request at most. */
  readonly maxBatch?: number;
  /** Stream failures tolerated for one waiting caller before it fails. */
  readonly maxAttempts?: number;
}

interface Waiter {
  readonly resolve: (ts: Timestamp) => void;
  readonly reject: (error: unknown) => void;
  attempts: number;
}

/** A started timestamp request: await `wait()` when the timestamp is needed. */
export interface TsoFuture {
  wait(): Promise<Timestamp>;
}

/**
 * Coalesces concurrent `getTimestamp()` callers into TSO requests with `count = n`: every
 * caller waiting when the stream has room is served by one request, and the block PD
 * returns (the largest timestamp and the n - 1 below it) is handed out in arrival order.
 * A few requests are pipelined on the stream, so batching never waits for a round trip
 * to finish. If the stream fails, the affected callers are retried on a new stream
 * (their timestamps were never seen, so retrying is safe).
 */
export class TsoBatcher {
  private readonly options: Required<TsoBatcherOptions>;
  private pending: Waiter[] = [];
  private inflight = 0;
  private stream: Promise<TsoStream> | undefined;
  private dispatchScheduled = false;
  private closed = false;

  constructor(options: TsoBatcherOptions) {
    this.options = { maxInflightRequests: 4, maxBatch: 10_000, maxAttempts: 10, ...options };
    assert(this.options.maxBatch > 0 && this.options.maxBatch < 1 << 18, 'maxBatch must fit one millisecond of logical time');
  }

  getTimestamp(): Promise<Timestamp> {
    if (this.closed) return Promise.reject(new PdClientError('closed', 'the PD client is closed'));
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject, attempts: 0 });
      this.scheduleDispatch();
    });
  }

  /** Starts a request now; the caller awaits it later (overlapping TSO with other work). */
  startTimestamp(): TsoFuture {
    const promise = this.getTimestamp();
    // The caller may not await for a while: keep an early failure from being unhandled.
    promise.catch(() => undefined);
    return { wait: () => promise };
  }

  close(): void {
    this.closed = true;
    const error = new PdClientError('closed', 'the PD client is closed');
    for (const waiter of this.pending) waiter.reject(error);
    this.pending = [];
    void this.stream?.then((stream) => stream.close(), () => undefined);
    this.stream = undefined;
  }

  private scheduleDispatch(): void {
    if (this.dispatchScheduled) return;
    this.dispatchScheduled = true;
    // A microtask: every caller that arrives in the current turn joins this batch.
    queueMicrotask(() => {
      this.dispatchScheduled = false;
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (!this.closed && this.pending.length > 0 && this.inflight < this.options.maxInflightRequests) {
      const batch = this.pending.splice(0, this.options.maxBatch);
      this.inflight++;
      void this.send(batch).finally(() => {
        this.inflight--;
        if (this.pending.length > 0) this.scheduleDispatch();
      });
    }
  }

  private async send(batch: Waiter[]): Promise<void> {
    try {
      this.stream ??= this.options.openStream();
      const stream = await this.stream;
      const largest = await stream.request(batch.length);
      const first = largest - BigInt(batch.length - 1);
      for (let index = 0; index < batch.length; index++) batch[index]!.resolve(asTimestamp(first + BigInt(index)));
    } catch (error) {
      // Drop the broken stream; the next attempt opens a new one (to the new leader).
      const broken = this.stream;
      this.stream = undefined;
      void broken?.then((stream) => stream.close(), () => undefined);
      const retry: Waiter[] = [];
      for (const waiter of batch) {
        waiter.attempts++;
        if (this.closed || waiter.attempts >= this.options.maxAttempts) waiter.reject(error);
        else retry.push(waiter);
      }
      // Back off before the retry (the leader may be changing), then retried callers go
      // first: they have waited longest.
      const attempt = Math.max(1, ...batch.map((waiter) => waiter.attempts));
      await sleep(Math.min(tsoRetryBaseDelayMs * 2 ** (attempt - 1), tsoRetryMaxDelayMs));
      if (this.closed) {
        for (const waiter of retry) waiter.reject(new PdClientError('closed', 'the PD client is closed'));
        return;
      }
      this.pending = retry.concat(this.pending);
    }
  }
}
