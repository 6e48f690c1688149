import { compareBytes, keyAfter } from '../../common/codec/bytes.js';
import type { Timestamp } from '../../common/ids.js';
import type { LockInfo } from '../mvcc/errors.js';
import type { MvccReader } from '../mvcc/reader.js';
import { scan } from '../mvcc/scanner.js';

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
 * Reads the newest visible version of every key in a list of ranges at `ts`, a page at a
 * time, from one snapshot (so every page of one request sees the same data). Ranges are
 * read in order (reverse order for descending scans). It remembers the last key it
 * returned, so a paged request can say exactly which part of its ranges it covered.
 */
export class RangeScanner {
  private rangeIndex = 0;
  /** Where the current range resumes (ascending: inclusive start; descending: exclusive end). */
  private cursor: Uint8Array | undefined;
  private lastKey: Uint8Array | undefined;
  private firstKey: Uint8Array | undefined;
  private exhausted = false;
  private stopped = false;
  scannedRows = 0;

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
    return this.exhausted || this.stopped;
  }

  /** Stopped by the paging size with ranges left to read. */
  get paused(): boolean {
    return this.stopped && !this.exhausted;
  }

  /** The first and last keys returned so far (undefined before the first). */
  get returnedSpan(): { first: Uint8Array; last: Uint8Array } | undefined {
    return this.firstKey === undefined ? undefined : { first: this.firstKey, last: this.lastKey! };
  }

  /** Up to `limit` pairs; an empty page means every range is read. Throws CoprocessorLockedError. */
  async nextPage(wanted: number): Promise<ScannedPair[]> {
    let limit = wanted;
    if (this.pageRows > 0) {
      limit = Math.min(limit, this.pageRows - this.scannedRows);
      if (limit <= 0) {
        this.stopped = true;
        return [];
      }
    }
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
      const entries = await scan(this.reader, { start, end, ts: this.ts, limit, reverse: this.descending, ...(this.bypassLocks === undefined ? {} : { bypassLocks: this.bypassLocks }) });
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
      this.firstKey ??= pairs[0]!.key;
      this.lastKey = last;
      this.scannedRows += pairs.length;
      if (this.pageRows > 0 && this.scannedRows >= this.pageRows) this.stopped = true;
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
