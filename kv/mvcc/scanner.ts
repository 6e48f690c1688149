import { compareBytes, copyBytes, prefixNext } from '../../common/codec/bytes.js';
import { appendTimestamp, encodeUserKey, splitMvccKey } from '../../common/codec/mvcc-key.js';
import { CodecError } from '../../common/errors.js';
import type { Timestamp } from '../../common/ids.js';
import { ColumnFamily, type EngineIterator, type IterateOptions, type KeyValue } from '../engine/engine.js';
import { KeyError } from './errors.js';
import { checkLockForRead } from './read-lock-check.js';
import { decodeUserKey, type MvccReader } from './reader.js';
import { decodeLock, decodeWrite, type Write, WriteType } from './txn-types.js';

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
const firstBatchEntries = 32;
const maxBatchEntries = 1024;
/** Past this many versions of one key to step over, one seek is cheaper than reading them. */
const versionsBeforeSeek = 8;

/**
 * A cursor read in growing batches: each engine call is an async hop, so entries are
 * fetched many at a time and consumed from memory. A seek drops the buffer.
 */
class BufferedCursor {
  private readonly cursor: EngineIterator;
  private buffer: KeyValue[] = [];
  private position = 0;
  private batchEntries = firstBatchEntries;
  private exhausted = false;

  constructor(cursor: EngineIterator) {
    this.cursor = cursor;
  }

  async peek(): Promise<KeyValue | undefined> {
    if (this.position < this.buffer.length) return this.buffer[this.position];
    if (this.exhausted) return undefined;
    this.buffer = await this.cursor.next(this.batchEntries);
    this.position = 0;
    this.batchEntries = Math.min(this.batchEntries * 2, maxBatchEntries);
    if (this.buffer.length === 0) {
      this.exhausted = true;
      return undefined;
    }
    return this.buffer[0];
  }

  advance(): void {
    this.position++;
  }

  seek(target: Uint8Array): void {
    this.cursor.seek(target);
    this.buffer = [];
    this.position = 0;
    this.exhausted = false;
  }

  async close(): Promise<void> {
    await this.cursor.close();
  }
}

/** One result under construction; large values are fetched together at the end. */
type Pending = { key: Uint8Array; value: Uint8Array } | { key: Uint8Array; error: KeyError } | { key: Uint8Array; valueAt: Write };

/**
 * A snapshot scan at `ts`: merges the lock and write column families in key order.
 * Each user key yields its newest visible Put, or an error entry when a lock blocks it
 * (the client resolves and rescans from there). Deleted keys are skipped; `limit`
 * counts entries returned, errors included.
 *
 * Hot path: the write column family is read through one buffered cursor; versions of a
 * key are stepped over in memory (or by one seek when there are many), and values too
 * large to live inline are fetched in one multi-get per scan.
 */
export async function scan(reader: MvccReader, options: ScanOptions): Promise<ScanEntry[]> {
  const reverse = options.reverse ?? false;
  const bounds: IterateOptions = {
    start: encodeUserKey(options.start),
    ...(options.end.length === 0 ? {} : { end: encodeUserKey(options.end) }),
    reverse,
  };
  const writes = new BufferedCursor(reader.engine.iterator(ColumnFamily.write, bounds));
  const locks = new BufferedCursor(reader.engine.iterator(ColumnFamily.lock, bounds));
  const pending: Pending[] = [];
  try {
    while (pending.length < options.limit) {
      const writeEntry = await writes.peek();
      const lockEntry = await locks.peek();
      if (writeEntry === undefined && lockEntry === undefined) break;
      const writeKey = writeEntry === undefined ? undefined : splitMvccKey(writeEntry[0]).encodedUserKey;
      const lockKey = lockEntry?.[0];
      let chosen: Uint8Array;
      if (writeKey === undefined) chosen = lockKey!;
      else if (lockKey === undefined) chosen = writeKey;
      else chosen = (reverse ? compareBytes(lockKey, writeKey) > 0 : compareBytes(lockKey, writeKey) < 0) ? lockKey : writeKey;
      // A copy the cursor's later reads cannot touch.
      const current = copyBytes(chosen);

      if (lockKey !== undefined && compareBytes(lockKey, current) === 0) {
        locks.advance();
        const userKey = decodeUserKey(current);
        try {
          checkLockForRead(userKey, decodeLock(lockEntry![1]), options.ts, options.bypassLocks);
        } catch (error) {
          if (!(error instanceof KeyError)) throw error;
          pending.push({ key: userKey, error });
          if (writeKey !== undefined && compareBytes(writeKey, current) === 0) await skipVersions(writes, current, reverse);
          continue;
        }
      }
      if (writeKey === undefined || compareBytes(writeKey, current) !== 0) continue;

      const found = reverse ? await newestVisibleReverse(writes, current, options.ts) : await newestVisibleForward(writes, current, options.ts);
      if (found === undefined || found.type !== WriteType.Put) continue;
      const key = decodeUserKey(current);
      if (options.keyOnly === true) pending.push({ key, value: emptyValue });
      else if (found.shortValue !== undefined) pending.push({ key, value: found.shortValue });
      else pending.push({ key, valueAt: found });
    }
  } finally {
    await writes.close();
    await locks.close();
  }
  return resolveValues(reader, pending);
}

/**
 * Forward: the cursor is on the newest version of `encodedKey`. Returns its newest Put
 * or Delete at or below ts, leaving the cursor past every version of the key.
 */
async function newestVisibleForward(writes: BufferedCursor, encodedKey: Uint8Array, ts: Timestamp): Promise<Write | undefined> {
  let stepped = 0;
  let found: Write | undefined;
  for (;;) {
    const entry = await writes.peek();
    if (entry === undefined) return found;
    const { encodedUserKey, ts: commitTs } = splitMvccKey(entry[0]);
    if (compareBytes(encodedUserKey, encodedKey) !== 0) return found;
    if (found !== undefined || commitTs > ts) {
      // Versions newer than ts, or older than the one found: step over them.
      if (++stepped > versionsBeforeSeek) {
        writes.seek(found !== undefined ? prefixNext(encodedKey) : appendTimestamp(encodedKey, ts));
        stepped = 0;
        if (found !== undefined) return found;
        continue;
      }
      writes.advance();
      continue;
    }
    writes.advance();
    const write = decodeWrite(entry[1]);
    if (write.type === WriteType.Put || write.type === WriteType.Delete) found = write;
  }
}

/**
 * Reverse: the cursor is on the oldest version of `encodedKey` and reads toward newer
 * ones. Returns the newest Put or Delete at or below ts, leaving the cursor past the key.
 */
async function newestVisibleReverse(writes: BufferedCursor, encodedKey: Uint8Array, ts: Timestamp): Promise<Write | undefined> {
  let found: Write | undefined;
  for (;;) {
    const entry = await writes.peek();
    if (entry === undefined) return found;
    const { encodedUserKey, ts: commitTs } = splitMvccKey(entry[0]);
    if (compareBytes(encodedUserKey, encodedKey) !== 0) return found;
    writes.advance();
    if (commitTs > ts) continue;
    // Each later entry is newer: the last qualifying one wins.
    const write = decodeWrite(entry[1]);
    if (write.type === WriteType.Put || write.type === WriteType.Delete) found = write;
  }
}

/** Moves the cursor past every version of `encodedKey`. */
async function skipVersions(writes: BufferedCursor, encodedKey: Uint8Array, reverse: boolean): Promise<void> {
  for (let stepped = 0; ; stepped++) {
    const entry = await writes.peek();
    if (entry === undefined || compareBytes(splitMvccKey(entry[0]).encodedUserKey, encodedKey) !== 0) return;
    if (stepped >= versionsBeforeSeek) {
      // Versions sort after the bare key: forward, jump past them; reverse, the last
      // entry at or below the bare key belongs to an earlier key.
      writes.seek(reverse ? encodedKey : prefixNext(encodedKey));
      return;
    }
    writes.advance();
  }
}

async function resolveValues(reader: MvccReader, pending: readonly Pending[]): Promise<ScanEntry[]> {
  const lookups: Array<{ index: number; key: Uint8Array; write: Write }> = [];
  pending.forEach((entry, index) => {
    if ('valueAt' in entry) lookups.push({ index, key: entry.key, write: entry.valueAt });
  });
  const values =
    lookups.length === 0
      ? []
      : await reader.engine.getMany(
          ColumnFamily.default,
          lookups.map(({ key, write }) => appendTimestamp(encodeUserKey(key), write.startTs)),
        );
  const out: ScanEntry[] = new Array(pending.length);
  pending.forEach((entry, index) => {
    if (!('valueAt' in entry)) out[index] = entry;
  });
  lookups.forEach(({ index, key, write }, lookup) => {
    const value = values[lookup];
    if (value === undefined) throw new CodecError(`value of ${Buffer.from(key).toString('hex')} at ${write.startTs} is missing from CF default`);
    out[index] = { key, value };
  });
  return out;
}
