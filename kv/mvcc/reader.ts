import { compareBytes, decodeMemcomparableBytes, prefixNext } from '../../common/codec/bytes.js';
import { appendTimestamp, encodeMvccKey, encodeUserKey, splitMvccKey } from '../../common/codec/mvcc-key.js';
import { CodecError } from '../../common/errors.js';
import { asTimestamp, maxTimestamp, type Timestamp } from '../../common/ids.js';
import { ColumnFamily, type EngineIterator, type EngineReader } from '../engine/engine.js';
import { decodeLock, decodeWrite, type Lock, type Write, WriteType } from './txn-types.js';

export interface VersionedWrite {
  readonly commitTs: Timestamp;
  readonly write: Write;
}

/** What the write column family says about one transaction on one key. */
export type TxnCommitRecord =
  | { readonly kind: 'committed'; readonly commitTs: Timestamp; readonly write: Write }
  | { readonly kind: 'rolled-back' }
  /** No record; `overlapped` is another transaction's commit at ts == startTs, if any. */
  | { readonly kind: 'none'; readonly overlapped?: VersionedWrite };

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return compareBytes(a, b) === 0;
}

/**
 * Reads MVCC data (locks, commit records, values) from one consistent engine view. A
 * reader serves one command at a time: it keeps a write-CF cursor and re-seeks it.
 */
export class MvccReader {
  readonly engine: EngineReader;
  private writeCursor: EngineIterator | undefined;

  constructor(engine: EngineReader) {
    this.engine = engine;
  }

  async close(): Promise<void> {
    const cursor = this.writeCursor;
    this.writeCursor = undefined;
    if (cursor !== undefined) await cursor.close();
  }

  async loadLock(key: Uint8Array): Promise<Lock | undefined> {
    const bytes = await this.engine.get(ColumnFamily.lock, encodeUserKey(key));
    return bytes === undefined ? undefined : decodeLock(bytes);
  }

  /** The value a Put write refers to: inline, or in CF default at its startTs. */
  async loadValue(key: Uint8Array, write: Write): Promise<Uint8Array> {
    if (write.shortValue !== undefined) return write.shortValue;
    const value = await this.engine.get(ColumnFamily.default, encodeMvccKey(key, write.startTs));
    if (value === undefined) throw new CodecError(`value of ${Buffer.from(key).toString('hex')} at ${write.startTs} is missing from CF default`);
    return value;
  }

  /** The newest write record of `key` with commitTs <= ts, of any type. */
  async seekWrite(key: Uint8Array, ts: Timestamp): Promise<VersionedWrite | undefined> {
    const encodedKey = encodeUserKey(key);
    return this.seekEncodedWrite(encodedKey, ts);
  }

  private async seekEncodedWrite(encodedKey: Uint8Array, ts: Timestamp): Promise<VersionedWrite | undefined> {
    this.writeCursor ??= this.engine.iterator(ColumnFamily.write);
    // Versions sort newest first: the first entry at or after key+~ts is the newest <= ts.
    this.writeCursor.seek(appendTimestamp(encodedKey, ts));
    const [entry] = await this.writeCursor.next(1);
    if (entry === undefined) return undefined;
    const { encodedUserKey, ts: commitTs } = splitMvccKey(entry[0]);
    if (!sameBytes(encodedUserKey, encodedKey)) return undefined;
    return { commitTs, write: decodeWrite(entry[1]) };
  }

  /** The newest Put or Delete of `key` at or below ts; Lock and Rollback records are skipped. */
  async getWrite(key: Uint8Array, ts: Timestamp): Promise<VersionedWrite | undefined> {
    const encodedKey = encodeUserKey(key);
    let readTs = ts;
    for (;;) {
      const found = await this.seekEncodedWrite(encodedKey, readTs);
      if (found === undefined) return undefined;
      if (found.write.type === WriteType.Put || found.write.type === WriteType.Delete) return found;
      if (found.commitTs === 0n) return undefined;
      readTs = asTimestamp(found.commitTs - 1n);
    }
  }

  /** The committed value of `key` visible at ts (no lock check), or undefined. */
  async getValue(key: Uint8Array, ts: Timestamp): Promise<Uint8Array | undefined> {
    const found = await this.getWrite(key, ts);
    if (found === undefined || found.write.type !== WriteType.Put) return undefined;
    return this.loadValue(key, found.write);
  }

  /**
   * Whether the transaction that started at `startTs` committed or was rolled back on
   * `key`. Looks at every record newer than startTs, then the one at startTs.
   */
  async getTxnCommitRecord(key: Uint8Array, startTs: Timestamp): Promise<TxnCommitRecord> {
    const encodedKey = encodeUserKey(key);
    let readTs: Timestamp = maxTimestamp;
    for (;;) {
      const found = await this.seekEncodedWrite(encodedKey, readTs);
      if (found === undefined || found.commitTs < startTs) return { kind: 'none' };
      const { commitTs, write } = found;
      if (write.startTs === startTs) {
        if (write.type === WriteType.Rollback) return { kind: 'rolled-back' };
        return { kind: 'committed', commitTs, write };
      }
      if (commitTs === startTs) {
        // Another transaction committed at exactly our startTs; a rollback of ours may
        // have been folded into that record.
        if (write.hasOverlappedRollback === true) return { kind: 'rolled-back' };
        return { kind: 'none', overlapped: found };
      }
      if (commitTs === 0n) return { kind: 'none' };
      readTs = asTimestamp(commitTs - 1n);
    }
  }

  /** Locks in [start, end) (empty end: unbounded) that pass `filter`, at most `limit`. */
  async scanLocks(start: Uint8Array, end: Uint8Array, filter: (lock: Lock) => boolean, limit: number): Promise<Array<{ key: Uint8Array; lock: Lock }>> {
    const cursor = this.engine.iterator(ColumnFamily.lock, {
      start: encodeUserKey(start),
      ...(end.length === 0 ? {} : { end: encodeUserKey(end) }),
    });
    const out: Array<{ key: Uint8Array; lock: Lock }> = [];
    try {
      for (;;) {
        const batch = await cursor.next(256);
        if (batch.length === 0) break;
        for (const [encodedKey, value] of batch) {
          const lock = decodeLock(value);
          if (!filter(lock)) continue;
          out.push({ key: decodeUserKey(encodedKey), lock });
          if (out.length >= limit) return out;
        }
      }
      return out;
    } finally {
      await cursor.close();
    }
  }
}

/** Decodes a memcomparable user key (a lock CF key). */
export function decodeUserKey(encodedKey: Uint8Array): Uint8Array {
  return decodeMemcomparableBytes(encodedKey);
}

/** The exclusive upper bound of every MVCC key of `key`. */
export function versionsEnd(key: Uint8Array): Uint8Array {
  return prefixNext(encodeUserKey(key));
}
