import { compareBytes, keyAfter } from '../../common/codec/bytes.js';
import type { Timestamp } from '../../common/ids.js';
import type { LockInfo } from '../mvcc/errors.js';
import type { MvccReader } from '../mvcc/reader.js';
import { scan, type ScanStats } from '../mvcc/scanner.js';
import { coprocessorLimits } from './limits.js';

/** [start, end) of user keys; an empty end is unbounded. */
export interface UserKeyRange {
  readonly start: Uint8Array;
  readonly end: Uint8Array;
}

/** A lock at or below the read ts stands in the way: the client resolves it and retries. */
export class CoprocessorLockedError extends Error {
  override readonly name = 'CoprocessorLockedError';

  constructor(readonly lock: LockInfo) {
    super(`key is locked by txn ${lock.startTs}`);
  }
}

export interface ScannedPair {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/**
 * Reads the newest visible version of every key in a list of ranges at `ts` from one
 * snapshot (so every batch of one request sees the same data). Ranges are read in order
 * (reverse order for descending scans). The engine is read a page of up to
 * `scanPageEntries` at a time, however small the batches asked for: each read opens
 * cursors and seeks. It remembers the last key it returned, so a paged request can say
 * exactly which part of its ranges it covered.
 */
export class RangeScanner {
  private rangeIndex = 0;
  /** Where the current range resumes (ascending: inclusive start; descending: exclusive end). */
  private cursor: Uint8Array | undefined;
  private lastKey: Uint8Array | undefined;
  private firstKey: Uint8Array | undefined;
  /** Pairs read from the engine and not handed out yet. Invariant: position <= buffer.length. */
  private buffer: ScannedPair[] = [];
  private position = 0;
  private exhausted = false;
  private stopped = false;
  /** Pairs handed out. */
  scannedRows = 0;
  /** Versions read from the engine to find them (older versions, deletes and rollbacks included). */
  readonly scanStats: ScanStats = { versionsRead: 0 };

  constructor(
    private readonly reader: MvccReader,
    private readonly ranges: readonly UserKeyRange[],
    private readonly ts: Timestamp,
    private readonly descending: boolean,
    private readonly bypassLocks: ReadonlySet<bigint> | undefined,
    /** Paging: stop after about this many rows (0: read everything). */
    private readonly pageRows = 0,
  ) {}

  /** Nothing more will be returned (every range read, or the paging size reached). */
  get drained(): boolean {
    return this.stopped || (this.exhausted && this.position === this.buffer.length);
  }

  /** Stopped by the paging size with ranges (possibly) left to read. */
  get paused(): boolean {
    return this.stopped && !(this.exhausted && this.position === this.buffer.length);
  }

  /** The first and last keys returned so far (undefined before the first). */
  get returnedSpan(): { first: Uint8Array; last: Uint8Array } | undefined {
    return this.firstKey === undefined ? undefined : { first: this.firstKey, last: this.lastKey! };
  }

  /** Up to `wanted` pairs; an empty answer means every range is read. Throws CoprocessorLockedError. */
  async nextPage(wanted: number): Promise<ScannedPair[]> {
    const left = this.pageRows > 0 ? this.pageRows - this.scannedRows : Number.MAX_SAFE_INTEGER;
    if (left <= 0) {
      this.stopped = true;
      return [];
    }
    if (this.position === this.buffer.length) {
      // Never past the paging size: a lock beyond it is not this response's to report.
      this.buffer = await this.readPage(Math.min(coprocessorLimits.scanPageEntries, left));
      this.position = 0;
      if (this.buffer.length === 0) return [];
    }
    const pairs = this.buffer.slice(this.position, this.position + Math.min(wanted, left));
    this.position += pairs.length;
    this.firstKey ??= pairs[0]!.key;
    this.lastKey = pairs[pairs.length - 1]!.key;
    this.scannedRows += pairs.length;
    if (this.pageRows > 0 && this.scannedRows >= this.pageRows) this.stopped = true;
    return pairs;
  }

  /** Up to `limit` pairs from the engine, from where the last read stopped. */
  private async readPage(limit: number): Promise<ScannedPair[]> {
    while (!this.exhausted) {
      const range = this.currentRange();
      if (range === undefined) {
        this.exhausted = true;
        break;
      }
      const start = this.descending ? range.start : (this.cursor ?? range.start);
      const end = this.descending ? (this.cursor ?? range.end) : range.end;
      if (end.length > 0 && compareBytes(start, end) >= 0) {
        this.nextRange();
        continue;
      }
      const entries = await scan(this.reader, { start, end, ts: this.ts, limit, reverse: this.descending, stats: this.scanStats, ...(this.bypassLocks === undefined ? {} : { bypassLocks: this.bypassLocks }) });
      if (entries.length === 0) {
        this.nextRange();
        continue;
      }
      const pairs: ScannedPair[] = [];
      for (const entry of entries) {
        if ('error' in entry) {
          if (entry.error.detail.kind === 'key-is-locked') throw new CoprocessorLockedError(entry.error.detail.lock);
          throw entry.error;
        }
        pairs.push(entry);
      }
      const last = pairs[pairs.length - 1]!.key;
      this.cursor = this.descending ? last : keyAfter(last);
      if (entries.length < limit) this.nextRange();
      return pairs;
    }
    return [];
  }

  private currentRange(): UserKeyRange | undefined {
    const index = this.descending ? this.ranges.length - 1 - this.rangeIndex : this.rangeIndex;
    return this.ranges[index];
  }

  private nextRange(): void {
    this.rangeIndex++;
    this.cursor = undefined;
  }
}
