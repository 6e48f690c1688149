import { compareBytes, prefixNext } from '../../common/codec/bytes.js';
import { appendTimestamp, encodeUserKey, splitMvccKey } from '../../common/codec/mvcc-key.js';
import type { Timestamp } from '../../common/ids.js';
import { ColumnFamily, type EngineIterator, type IterateOptions, type KeyValue } from '../engine/engine.js';
import { KeyError } from './errors.js';
import { checkLockForRead } from './read-lock-check.js';
import { decodeUserKey, type MvccReader } from './reader.js';
import { decodeLock, WriteType } from './txn-types.js';

export interface ScanOptions {
  /** Inclusive start of the user key range. */
  readonly start: Uint8Array;
  /** Exclusive end; empty means unbounded. */
  readonly end: Uint8Array;
  readonly ts: Timestamp;
  readonly limit: number;
  readonly keyOnly?: boolean;
  /** From the end of the range down to its start. */
  readonly reverse?: boolean;
  readonly bypassLocks?: ReadonlySet<bigint>;
}

export type ScanEntry = { readonly key: Uint8Array; readonly value: Uint8Array } | { readonly key: Uint8Array; readonly error: KeyError };

const emptyValue = new Uint8Array(0);

/** A one-entry lookahead over an engine cursor. */
class PeekCursor {
  private readonly cursor: EngineIterator;
  private buffered: KeyValue | undefined;
  private fetched = false;

  constructor(cursor: EngineIterator) {
    this.cursor = cursor;
  }

  async peek(): Promise<KeyValue | undefined> {
    if (!this.fetched) {
      [this.buffered] = await this.cursor.next(1);
      this.fetched = true;
    }
    return this.buffered;
  }

  seek(target: Uint8Array): void {
    this.cursor.seek(target);
    this.fetched = false;
    this.buffered = undefined;
  }

  advance(): void {
    this.fetched = false;
    this.buffered = undefined;
  }

  async close(): Promise<void> {
    await this.cursor.close();
  }
}

/**
 * A snapshot scan at `ts`: merges the lock and write column families in key order.
 * Each user key yields its newest visible Put, or an error entry when a lock blocks it
 * (the client resolves and rescans from there). Deleted keys are skipped; `limit`
 * counts entries returned, errors included.
 */
export async function scan(reader: MvccReader, options: ScanOptions): Promise<ScanEntry[]> {
  const reverse = options.reverse ?? false;
  const bounds: IterateOptions = {
    start: encodeUserKey(options.start),
    ...(options.end.length === 0 ? {} : { end: encodeUserKey(options.end) }),
    reverse,
  };
  const writes = new PeekCursor(reader.engine.iterator(ColumnFamily.write, bounds));
  const locks = new PeekCursor(reader.engine.iterator(ColumnFamily.lock, bounds));
  const out: ScanEntry[] = [];
  // Orders encoded user keys in scan direction.
  const before = (a: Uint8Array, b: Uint8Array) => (reverse ? compareBytes(a, b) > 0 : compareBytes(a, b) < 0);
  try {
    while (out.length < options.limit) {
      const writeEntry = await writes.peek();
      const lockEntry = await locks.peek();
      if (writeEntry === undefined && lockEntry === undefined) break;
      const writeKey = writeEntry === undefined ? undefined : splitMvccKey(writeEntry[0]).encodedUserKey;
      const lockKey = lockEntry?.[0];
      let current: Uint8Array;
      if (writeKey === undefined) current = lockKey!;
      else if (lockKey === undefined) current = writeKey;
      else current = before(lockKey, writeKey) ? lockKey : writeKey;
      const userKey = decodeUserKey(current);

      if (lockKey !== undefined && compareBytes(lockKey, current) === 0) {
        locks.advance();
        try {
          checkLockForRead(userKey, decodeLock(lockEntry![1]), options.ts, options.bypassLocks);
        } catch (error) {
          if (!(error instanceof KeyError)) throw error;
          out.push({ key: userKey, error });
          skipKey(writes, current, reverse, writeKey);
          continue;
        }
      }
      if (writeKey === undefined || compareBytes(writeKey, current) !== 0) continue;

      // The newest version at or below ts of this key, skipping Lock and Rollback records.
      const found = await reader.getWrite(userKey, options.ts);
      skipKey(writes, current, reverse, writeKey);
      if (found === undefined || found.write.type !== WriteType.Put) continue;
      out.push({ key: userKey, value: options.keyOnly === true ? emptyValue : await reader.loadValue(userKey, found.write) });
    }
    return out;
  } finally {
    await writes.close();
    await locks.close();
  }
}

/** Moves the write cursor past every version of `encodedKey`, if it is on that key. */
function skipKey(writes: PeekCursor, encodedKey: Uint8Array, reverse: boolean, writeKey: Uint8Array | undefined): void {
  if (writeKey === undefined || compareBytes(writeKey, encodedKey) !== 0) return;
  if (reverse) {
    // Versions are longer than the bare key and sort after it: the last entry <= the bare
    // key belongs to an earlier key.
    writes.seek(encodedKey);
  } else {
    writes.seek(prefixNext(encodedKey));
  }
}

/** The encoded key of version `ts` of a user key, for callers positioning cursors. */
export function versionKey(key: Uint8Array, ts: Timestamp): Uint8Array {
  return appendTimestamp(encodeUserKey(key), ts);
}
