import { compareBytes, prefixNext } from '../../common/codec/bytes.js';
import { appendTimestamp, encodedUserKeyOf, encodeUserKey, isNewerThan, isVersionOf, splitMvccKey, timestampSuffix } from '../../common/codec/mvcc-key.js';
import { CodecError } from '../../common/errors.js';
import type { Timestamp } from '../../common/ids.js';
import { ColumnFamily, type EngineIterator, type IterateOptions, type KeyValue } from '../engine/engine.js';
import { KeyError } from './errors.js';
import { checkLockForRead } from './read-lock-check.js';
import { decodeUserKey, type MvccReader } from './reader.js';
import { decodeLock, decodeWriteView, putShortValueView, type Write, WriteType } from './txn-types.js';

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
  /** Where to count the versions read (execution details). */
  readonly stats?: ScanStats;
}

/** What a scan read from the engine, for execution details. */
export interface ScanStats {
  /** Commit records (versions of keys, deletes and rollbacks included) read from the engine. */
  versionsRead: number;
}

export type ScanEntry = { readonly key: Uint8Array; readonly value: Uint8Array } | { readonly key: Uint8Array; readonly error: KeyError };

const emptyValue = new Uint8Array(0);
const firstBatchEntries = 32;
/** The most entries one engine read returns: a scan of one version per key reads a page in one call. */
const maxBatchEntries = 4096;
/** Past this many versions of one key to step over, one seek is cheaper than reading them. */
const versionsBeforeSeek = 8;

/**
 * A cursor read in growing batches: each engine call is an async hop, so entries are
 * fetched many at a time and consumed from memory. A seek drops the buffer.
 * Hot path: `buffered()` answers from memory without a promise; only `fill()` awaits.
 */
class BufferedCursor {
  private readonly cursor: EngineIterator;
  private buffer: KeyValue[] = [];
  private position = 0;
  private batchEntries: number;
  /** The engine has no more entries; `buffered()` answers what is left. */
  exhausted = false;

  constructor(
    cursor: EngineIterator,
    firstBatch = firstBatchEntries,
    private readonly stats?: ScanStats,
  ) {
    this.cursor = cursor;
    this.batchEntries = Math.max(1, Math.min(firstBatch, maxBatchEntries));
  }

  /** The current entry if it is in memory; undefined when the buffer is spent (then `fill`). */
  buffered(): KeyValue | undefined {
    return this.buffer[this.position];
  }

  /** Reads the next batch from the engine: the current entry, or undefined at the end. */
  async fill(): Promise<KeyValue | undefined> {
    if (this.exhausted) return undefined;
    this.buffer = await this.cursor.next(this.batchEntries);
    if (this.stats !== undefined) this.stats.versionsRead += this.buffer.length;
    this.position = 0;
    this.batchEntries = Math.min(this.batchEntries * 2, maxBatchEntries);
    if (this.buffer.length === 0) {
      this.exhausted = true;
      return undefined;
    }
    return this.buffer[0];
  }

  async peek(): Promise<KeyValue | undefined> {
    return this.buffered() ?? this.fill();
  }

  /** The entries in memory from the current one on, and where the current one is in them. */
  window(): { readonly entries: readonly KeyValue[]; readonly position: number } {
    return { entries: this.buffer, position: this.position };
  }

  /** Moves to `position` of the current window (forward only). */
  moveTo(position: number): void {
    this.position = position;
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
  // A page of one version per key is one engine read (the entry past the page shows its end).
  const writes = new BufferedCursor(reader.engine.iterator(ColumnFamily.write, bounds), options.limit + 1, options.stats);
  const locks = new BufferedCursor(reader.engine.iterator(ColumnFamily.lock, bounds));
  const tsSuffix = timestampSuffix(options.ts);
  const pending: Pending[] = [];
  try {
    while (pending.length < options.limit) {
      // Hot path: both cursors answer from memory; the engine is awaited once per batch.
      let writeEntry = writes.buffered();
      if (writeEntry === undefined && !writes.exhausted) writeEntry = await writes.fill();
      let lockEntry = locks.buffered();
      if (lockEntry === undefined && !locks.exhausted) lockEntry = await locks.fill();
      if (writeEntry === undefined && lockEntry === undefined) break;
      const writeKey = writeEntry === undefined ? undefined : encodedUserKeyOf(writeEntry[0]);
      const lockKey = lockEntry?.[0];
      let chosen: Uint8Array;
      if (writeKey === undefined) chosen = lockKey!;
      else if (lockKey === undefined) chosen = writeKey;
      else chosen = (reverse ? compareBytes(lockKey, writeKey) > 0 : compareBytes(lockKey, writeKey) < 0) ? lockKey : writeKey;
      // A view, not a copy: engine iterators hand out fresh arrays that later reads never touch.
      const current = chosen;

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

      let found: Write | undefined;
      if (reverse) found = await newestVisibleReverse(writes, current, options.ts);
      else {
        const inMemory = newestVisibleInWindow(writes, current, tsSuffix);
        if (inMemory instanceof Uint8Array) {
          // Hot path: a Put with its value inline, found in memory.
          pending.push({ key: decodeUserKey(current), value: options.keyOnly === true ? emptyValue : inMemory });
          continue;
        }
        found = inMemory === needsEngine ? await newestVisibleForward(writes, current, options.ts) : inMemory;
      }
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

/** newestVisibleInWindow could not decide from memory: the versions run past the buffer, or call for a seek. */
const needsEngine = Symbol('needs the engine');

/**
 * newestVisibleForward from the buffered entries alone (the common case: every version
 * of the key, and the next key, already read). Moves the cursor past the key and answers
 * as newestVisibleForward would, except that a Put of the usual shape answers its short
 * value (a view) instead of the record; or, when the versions run past the buffer or are
 * more than `versionsBeforeSeek`, moves nothing and answers `needsEngine`.
 * Hot path: no promise, no bigint (versions are compared by their encoded timestamps).
 */
function newestVisibleInWindow(writes: BufferedCursor, encodedKey: Uint8Array, tsSuffix: Uint8Array): Write | Uint8Array | undefined | typeof needsEngine {
  const { entries, position } = writes.window();
  let found: Write | Uint8Array | undefined;
  for (let index = position; index < entries.length; index++) {
    const entry = entries[index]!;
    if (!isVersionOf(entry[0], encodedKey)) {
      writes.moveTo(index);
      return found;
    }
    if (index - position >= versionsBeforeSeek) return needsEngine;
    if (found !== undefined || isNewerThan(entry[0], tsSuffix)) continue;
    const value = putShortValueView(entry[1]);
    if (value !== undefined) {
      found = value;
      continue;
    }
    const write = decodeWriteView(entry[1]);
    if (write.type === WriteType.Put || write.type === WriteType.Delete) found = write;
  }
  return needsEngine;
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
    const write = decodeWriteView(entry[1]);
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
    const write = decodeWriteView(entry[1]);
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

async function resolveValues(reader: MvccReader, pending: Pending[]): Promise<ScanEntry[]> {
  // Usually every value was inline: the entries are the results.
  let inline = true;
  for (let index = 0; index < pending.length && inline; index++) if ('valueAt' in pending[index]!) inline = false;
  if (inline) return pending as ScanEntry[];
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
