import { copyBytes } from '../../../common/codec/bytes.js';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { compareBytes, keyAfter } from '../../../common/codec/bytes.js';
import { ColumnFamily, type Engine, type EngineReader, type KeyValue } from '../../engine/engine.js';
import { Latches } from '../latches.js';
import { rawCleanupBatchEntries, rawScanMaxLimit } from '../limits.js';
import { checkRawBatch, checkRawKey, checkRawTtl, rawValueOf } from './raw-input.js';
import { decodeRawValue, encodeRawValue, isRawValueExpired, type RawValue } from './raw-value.js';

/** Unix milliseconds now. Injected so TTL behaviour is deterministic in tests. */
export type Clock = () => number;

export interface RawEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

export interface RawPutEntry extends RawEntry {
  /** Seconds until the entry expires; 0 or absent: never. */
  readonly ttlSeconds?: number;
}

export interface RawWriteOptions {
  readonly sync?: boolean;
}

export interface RawScanOptions {
  /** Inclusive lower bound of the range. */
  readonly start: Uint8Array;
  /** Exclusive upper bound; empty or absent: unbounded. */
  readonly end?: Uint8Array;
  /** The most entries to return (1..rawScanMaxLimit). */
  readonly limit: number;
  /** Walk the range [start, end) from its high end down. */
  readonly reverse?: boolean;
  /** Return keys with empty values. */
  readonly keyOnly?: boolean;
}

export type RawKeyTtl =
  | { readonly kind: 'not-found' }
  /** remainingSeconds: whole seconds left, rounded up; undefined when the entry never expires. */
  | { readonly kind: 'found'; readonly remainingSeconds: number | undefined };

export interface CompareAndSwapRequest {
  readonly key: Uint8Array;
  /** Written when the comparison holds. */
  readonly value: Uint8Array;
  /** Succeed only if the key is absent (or expired); `previousValue` must then be absent. */
  readonly previousNotExist: boolean;
  /** Otherwise: succeed only if the key's current value equals this, byte for byte. */
  readonly previousValue?: Uint8Array;
  readonly ttlSeconds?: number;
  readonly sync?: boolean;
}

export interface CompareAndSwapResult {
  readonly succeeded: boolean;
  /** The key was absent (or expired) when compared. */
  readonly previousNotExist: boolean;
  /** The value the key held when compared, when it held one. */
  readonly previousValue?: Uint8Array;
}

const emptyValue = new Uint8Array(0);
const scanChunkEntries = 256;

/**
 * Raw KV on one store: plain keys and values in their own column family, apart from
 * transactional (MVCC) keys, with no versions and no locks.
 *
 * Atomicity: every write (put, delete, their batch forms, compare-and-swap) holds the
 * latches of its keys while it runs, and lands as one atomic engine batch. So a batch is
 * all-or-nothing, and compare-and-swap is atomic with respect to every other write of
 * the same key: no write can land between its read and its write. `deleteRange` is the
 * exception: it cannot latch keys it does not know, so it is not atomic with concurrent
 * writes inside its range (as in TiKV).
 *
 * TTL: a value may carry an expiry (see `encodeRawValue`). From its expiry on, an entry
 * is invisible to every read (get, batch get, scan, compare-and-swap, TTL lookup) and
 * is physically removed by `cleanupExpired`. Time comes from the injected clock.
 */
export class RawStore {
  readonly engine: Engine;
  private readonly clock: Clock;
  private readonly latches: Latches;

  constructor(engine: Engine, options: { readonly clock?: Clock; readonly latches?: Latches } = {}) {
    this.engine = engine;
    this.clock = options.clock ?? Date.now;
    this.latches = options.latches ?? new Latches();
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    checkRawKey(key);
    const found = await this.live(this.engine, key, this.clock());
    return found === undefined ? undefined : copyBytes(found.value);
  }

  /** The present keys among `keys`, in request order; absent and expired keys are left out. */
  async batchGet(keys: readonly Uint8Array[]): Promise<RawEntry[]> {
    checkRawBatch(keys.length, { allowEmpty: true });
    for (const key of keys) checkRawKey(key);
    const nowMs = this.clock();
    const snapshot = this.engine.snapshot();
    try {
      const out: RawEntry[] = [];
      for (const key of keys) {
        const found = await this.live(snapshot, key, nowMs);
        if (found !== undefined) out.push({ key, value: copyBytes(found.value) });
      }
      return out;
    } finally {
      await snapshot.close();
    }
  }

  async put(key: Uint8Array, value: Uint8Array, options: RawWriteOptions & { readonly ttlSeconds?: number } = {}): Promise<void> {
    await this.batchPut([{ key, value, ...(options.ttlSeconds === undefined ? {} : { ttlSeconds: options.ttlSeconds }) }], options);
  }

  /** Puts every entry in one atomic batch; a later entry for the same key wins. */
  async batchPut(entries: readonly RawPutEntry[], options: RawWriteOptions = {}): Promise<void> {
    checkRawBatch(entries.length, { allowEmpty: true });
    for (const entry of entries) {
      checkRawKey(entry.key);
      checkRawTtl(entry.ttlSeconds);
    }
    const keys = entries.map((entry) => entry.key);
    await this.latches.withLatches(keys, async () => {
      const nowMs = this.clock();
      const batch = this.engine.newBatch();
      for (const entry of entries) batch.put(ColumnFamily.raw, entry.key, encodeRawValue(rawValueOf(entry.value, entry.ttlSeconds, nowMs)));
      await this.engine.write(batch, { sync: options.sync ?? false });
    });
  }

  async delete(key: Uint8Array, options: RawWriteOptions = {}): Promise<void> {
    await this.batchDelete([key], options);
  }

  /** Deletes every key in one atomic batch; absent keys are fine. */
  async batchDelete(keys: readonly Uint8Array[], options: RawWriteOptions = {}): Promise<void> {
    checkRawBatch(keys.length, { allowEmpty: true });
    for (const key of keys) checkRawKey(key);
    await this.latches.withLatches(keys, async () => {
      const batch = this.engine.newBatch();
      for (const key of keys) batch.delete(ColumnFamily.raw, key);
      await this.engine.write(batch, { sync: options.sync ?? false });
    });
  }

  /** Live entries of [start, end) in key order (or reverse), at most `limit`, from one snapshot. */
  async scan(options: RawScanOptions): Promise<RawEntry[]> {
    if (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > rawScanMaxLimit) {
      throw new RangeError(`scan limit must be an integer in 1..${rawScanMaxLimit}, got ${options.limit}`);
    }
    const end = options.end ?? emptyValue;
    if (end.length > 0 && compareBytes(options.start, end) >= 0) return [];
    const nowMs = this.clock();
    const iterator = this.engine.iterator(ColumnFamily.raw, { start: options.start, ...(end.length > 0 ? { end } : {}), reverse: options.reverse ?? false });
    const out: RawEntry[] = [];
    try {
      while (out.length < options.limit) {
        const entries = await iterator.next(scanChunkEntries);
        if (entries.length === 0) break;
        for (const [key, bytes] of entries) {
          const raw = decodeRawValue(bytes);
          if (isRawValueExpired(raw, nowMs)) continue;
          // Copies: the engine's buffers are not the caller's to keep or change.
          out.push({ key: copyBytes(key), value: options.keyOnly === true ? new Uint8Array(0) : copyBytes(raw.value) });
          if (out.length >= options.limit) break;
        }
      }
      return out;
    } finally {
      await iterator.close();
    }
  }

  /** Deletes every key of [start, end) (empty end: unbounded). Not atomic with concurrent writes in the range. */
  async deleteRange(start: Uint8Array, end: Uint8Array): Promise<void> {
    if (end.length > 0 && compareBytes(start, end) >= 0) return;
    await this.engine.deleteRange(ColumnFamily.raw, { start, ...(end.length > 0 ? { end } : {}) });
  }

  /**
   * Compare-and-swap, atomic under the key's latch. The comparison holds when
   * `previousNotExist` is set and the key is absent or expired, or when it is not set
   * and the key holds a live value byte-equal to `previousValue`. When it holds, `value`
   * is written (with `ttlSeconds`, replacing any old TTL); otherwise nothing is written.
   * Either way the result reports what the key held when compared.
   */
  async compareAndSwap(request: CompareAndSwapRequest): Promise<CompareAndSwapResult> {
    checkRawKey(request.key);
    checkRawTtl(request.ttlSeconds);
    if (request.previousNotExist === (request.previousValue !== undefined)) {
      throw new RangeError('compare-and-swap needs exactly one of previousNotExist and previousValue');
    }
    return this.latches.withLatches([request.key], async () => {
      const nowMs = this.clock();
      const current = await this.live(this.engine, request.key, nowMs);
      const succeeded = current === undefined ? request.previousNotExist : request.previousValue !== undefined && compareBytes(current.value, request.previousValue) === 0;
      if (succeeded) {
        const batch = this.engine.newBatch();
        batch.put(ColumnFamily.raw, request.key, encodeRawValue(rawValueOf(request.value, request.ttlSeconds, nowMs)));
        await this.engine.write(batch, { sync: request.sync ?? false });
      }
      return current === undefined ? { succeeded, previousNotExist: true } : { succeeded, previousNotExist: false, previousValue: copyBytes(current.value) };
    });
  }

  /** How long a key has left: not found when absent or expired. */
  async getKeyTtl(key: Uint8Array): Promise<RawKeyTtl> {
    checkRawKey(key);
    const nowMs = this.clock();
    const found = await this.live(this.engine, key, nowMs);
    if (found === undefined) return { kind: 'not-found' };
    if (found.expireAtMs === undefined) return { kind: 'found', remainingSeconds: undefined };
    return { kind: 'found', remainingSeconds: Math.ceil((found.expireAtMs - nowMs) / 1000) };
  }

  /**
   * Physically removes the entries of [start, end) that are expired at `nowMs`, in
   * batches of at most `rawCleanupBatchEntries` examined entries, yielding to other work
   * between batches. Each batch latches the expired keys and re-reads them, so a key
   * rewritten since the sweep saw it is kept. Returns how many entries it removed.
   */
  async cleanupExpired(range: { readonly start: Uint8Array; readonly end: Uint8Array }, nowMs: number = this.clock()): Promise<number> {
    let removed = 0;
    let resumeAt = range.start;
    const end = range.end;
    for (;;) {
      if (end.length > 0 && compareBytes(resumeAt, end) >= 0) return removed;
      const iterator = this.engine.iterator(ColumnFamily.raw, { start: resumeAt, ...(end.length > 0 ? { end } : {}) });
      let entries: KeyValue[];
      try {
        entries = await iterator.next(rawCleanupBatchEntries);
      } finally {
        await iterator.close();
      }
      if (entries.length === 0) return removed;
      const expired = entries.filter(([, bytes]) => isRawValueExpired(decodeRawValue(bytes), nowMs)).map(([key]) => copyBytes(key));
      if (expired.length > 0) {
        removed += await this.latches.withLatches(expired, async () => {
          const batch = this.engine.newBatch();
          for (const key of expired) {
            const bytes = await this.engine.get(ColumnFamily.raw, key);
            if (bytes !== undefined && isRawValueExpired(decodeRawValue(bytes), nowMs)) batch.delete(ColumnFamily.raw, key);
          }
          await this.engine.write(batch);
          return batch.count;
        });
      }
      if (entries.length < rawCleanupBatchEntries) return removed;
      resumeAt = keyAfter(entries[entries.length - 1]![0]);
      await nextTurn();
    }
  }

  /** The entry of `key` if present and not expired at `nowMs`. */
  private async live(reader: EngineReader, key: Uint8Array, nowMs: number): Promise<RawValue | undefined> {
    const bytes = await reader.get(ColumnFamily.raw, key);
    if (bytes === undefined) return undefined;
    const raw = decodeRawValue(bytes);
    return isRawValueExpired(raw, nowMs) ? undefined : raw;
  }
}
