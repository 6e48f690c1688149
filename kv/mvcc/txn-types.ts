import { ByteReader, ByteWriter } from '../../common/codec/buffer.js';
import { copyBytes, decodeCompactBytes, encodeCompactBytes } from '../../common/codec/bytes.js';
import { decodeUvarint, encodeUvarint } from '../../common/codec/number.js';
import { CodecError } from '../../common/errors.js';
import { asTimestamp, type Timestamp } from '../../common/ids.js';

/** Values up to this size live inline in the lock and write records; larger ones in CF default. */
export const shortValueMaxBytes = 255;

export const LockType = {
  Put: 0x50, // 'P'
  Delete: 0x44, // 'D'
  Lock: 0x4c, // 'L'
  /** A pessimistic lock taken during DML, before prewrite. */
  Pessimistic: 0x53, // 'S'
} as const;
export type LockType = (typeof LockType)[keyof typeof LockType];

export interface Lock {
  readonly type: LockType;
  readonly primary: Uint8Array;
  readonly startTs: Timestamp;
  readonly ttlMs: bigint;
  readonly shortValue?: Uint8Array;
  /** Non-zero for pessimistic transactions: the ts the key was locked for update at. */
  readonly forUpdateTs: Timestamp;
  readonly txnSize: bigint;
  /** Commit must be at or above this; readers push it up to avoid blocking. */
  readonly minCommitTs: Timestamp;
  readonly useAsyncCommit: boolean;
  /** On the primary of an async-commit transaction: every other key. */
  readonly secondaries: readonly Uint8Array[];
}

export const WriteType = {
  Put: 0x50, // 'P'
  Delete: 0x44, // 'D'
  Lock: 0x4c, // 'L'
  Rollback: 0x52, // 'R'
} as const;
export type WriteType = (typeof WriteType)[keyof typeof WriteType];

/** A commit record in CF write, keyed by commitTs (a Rollback is keyed by its startTs). */
export interface Write {
  readonly type: WriteType;
  readonly startTs: Timestamp;
  readonly shortValue?: Uint8Array;
  /**
   * A Rollback record was overwritten by a commit at the same ts (another transaction's
   * commitTs equals this startTs); the protection against a late prewrite stays.
   */
  readonly hasOverlappedRollback?: boolean;
}

// Optional fields follow the fixed part, each behind a one-byte tag.
const tagShortValue = 0x76; // 'v'
const tagForUpdateTs = 0x66; // 'f'
const tagTxnSize = 0x74; // 't'
const tagMinCommitTs = 0x63; // 'c'
const tagAsyncCommit = 0x61; // 'a'
const tagOverlappedRollback = 0x52; // 'R'

const lockTypes = new Set<number>(Object.values(LockType));
const writeTypes = new Set<number>(Object.values(WriteType));

export function encodeLock(lock: Lock): Uint8Array {
  const writer = new ByteWriter(32 + lock.primary.length);
  writer.writeByte(lock.type);
  encodeCompactBytes(writer, lock.primary);
  encodeUvarint(writer, lock.startTs);
  encodeUvarint(writer, lock.ttlMs);
  if (lock.shortValue !== undefined) {
    writer.writeByte(tagShortValue);
    encodeCompactBytes(writer, lock.shortValue);
  }
  if (lock.forUpdateTs > 0n) {
    writer.writeByte(tagForUpdateTs);
    writer.writeBigUint64BE(lock.forUpdateTs);
  }
  if (lock.txnSize > 0n) {
    writer.writeByte(tagTxnSize);
    encodeUvarint(writer, lock.txnSize);
  }
  if (lock.minCommitTs > 0n) {
    writer.writeByte(tagMinCommitTs);
    writer.writeBigUint64BE(lock.minCommitTs);
  }
  if (lock.useAsyncCommit) {
    writer.writeByte(tagAsyncCommit);
    encodeUvarint(writer, BigInt(lock.secondaries.length));
    for (const secondary of lock.secondaries) encodeCompactBytes(writer, secondary);
  }
  return writer.finish();
}

export function decodeLock(bytes: Uint8Array): Lock {
  const reader = new ByteReader(bytes);
  const type = reader.readByte('lock type');
  if (!lockTypes.has(type)) throw new CodecError(`unknown lock type 0x${type.toString(16)}`);
  const primary = copyBytes(decodeCompactBytes(reader));
  const startTs = asTimestamp(decodeUvarint(reader));
  const ttlMs = decodeUvarint(reader);
  let shortValue: Uint8Array | undefined;
  let forUpdateTs = 0n;
  let txnSize = 0n;
  let minCommitTs = 0n;
  let useAsyncCommit = false;
  const secondaries: Uint8Array[] = [];
  while (!reader.atEnd) {
    const tag = reader.readByte('lock field tag');
    switch (tag) {
      case tagShortValue:
        shortValue = copyBytes(decodeCompactBytes(reader));
        break;
      case tagForUpdateTs:
        forUpdateTs = reader.readBigUint64BE('for update ts');
        break;
      case tagTxnSize:
        txnSize = decodeUvarint(reader);
        break;
      case tagMinCommitTs:
        minCommitTs = reader.readBigUint64BE('min commit ts');
        break;
      case tagAsyncCommit: {
        useAsyncCommit = true;
        const count = decodeUvarint(reader);
        if (count > BigInt(reader.remaining)) throw new CodecError(`lock claims ${count} secondaries in ${reader.remaining} bytes`);
        for (let index = 0n; index < count; index++) secondaries.push(copyBytes(decodeCompactBytes(reader)));
        break;
      }
      default:
        throw new CodecError(`unknown lock field tag 0x${tag.toString(16)}`);
    }
  }
  return {
    type: type as LockType,
    primary,
    startTs,
    ttlMs,
    ...(shortValue === undefined ? {} : { shortValue }),
    forUpdateTs: asTimestamp(forUpdateTs),
    txnSize,
    minCommitTs: asTimestamp(minCommitTs),
    useAsyncCommit,
    secondaries,
  };
}

/** The newest data record of a key (CF latest): its commit ts, then the write record. */
export interface LatestWrite {
  readonly commitTs: Timestamp;
  readonly write: Write;
}

export function encodeLatestWrite(latest: LatestWrite): Uint8Array {
  const record = encodeWrite(latest.write);
  const out = new Uint8Array(8 + record.length);
  new DataView(out.buffer).setBigUint64(0, latest.commitTs);
  out.set(record, 8);
  return out;
}

export function decodeLatestWrite(bytes: Uint8Array): LatestWrite {
  if (bytes.length < 9) throw new CodecError(`latest-write record of ${bytes.length} bytes is truncated`);
  const commitTs = asTimestamp(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0));
  return { commitTs, write: decodeWrite(bytes.subarray(8)) };
}

export function encodeWrite(write: Write): Uint8Array {
  const writer = new ByteWriter(16 + (write.shortValue?.length ?? 0));
  writer.writeByte(write.type);
  encodeUvarint(writer, write.startTs);
  if (write.shortValue !== undefined) {
    writer.writeByte(tagShortValue);
    encodeCompactBytes(writer, write.shortValue);
  }
  if (write.hasOverlappedRollback === true) writer.writeByte(tagOverlappedRollback);
  return writer.finish();
}

export function decodeWrite(bytes: Uint8Array): Write {
  return decodeWriteWith(bytes, true);
}

/**
 * decodeWrite with the short value as a view into `bytes`, not a copy: for readers of
 * arrays that are theirs alone (every engine iterator hands out fresh ones), on the scan
 * hot path where the copy is one allocation per key.
 */
export function decodeWriteView(bytes: Uint8Array): Write {
  return decodeWriteWith(bytes, false);
}

/** Bytes a uvarint of 64 bits may take; the 10th may only be 0 or 1 (decodeUvarint checks). */
const shortestOverflowingUvarintBytes = 10;

/**
 * The short value of a Put record of the usual shape (type, start ts, short value, and
 * nothing after), as a view into `bytes`; undefined for any other record, which
 * decodeWrite then reads (and checks) in full. It accepts only what decodeWrite accepts,
 * with the same value. Hot path of scans: no reader, no bigint, no record object.
 */
export function putShortValueView(bytes: Uint8Array): Uint8Array | undefined {
  if (bytes[0] !== WriteType.Put) return undefined;
  let offset = 1;
  // The start ts, skipped: a uvarint of fewer than 10 bytes cannot overflow.
  while (offset < bytes.length && bytes[offset]! >= 0x80) offset++;
  if (offset >= bytes.length || offset >= shortestOverflowingUvarintBytes) return undefined;
  offset++;
  if (bytes[offset] !== tagShortValue) return undefined;
  offset++;
  // The length: a zig-zag varint of one or two bytes (a short value has at most 255).
  const first = bytes[offset];
  if (first === undefined) return undefined;
  let zigzag = first;
  offset++;
  if (first >= 0x80) {
    const second = bytes[offset];
    if (second === undefined || second >= 0x80) return undefined;
    zigzag = (first & 0x7f) | (second << 7);
    offset++;
  }
  if ((zigzag & 1) !== 0) return undefined;
  const length = zigzag >>> 1;
  if (offset + length !== bytes.length) return undefined;
  return bytes.subarray(offset, offset + length);
}

function decodeWriteWith(bytes: Uint8Array, copyValue: boolean): Write {
  const reader = new ByteReader(bytes);
  const type = reader.readByte('write type');
  if (!writeTypes.has(type)) throw new CodecError(`unknown write type 0x${type.toString(16)}`);
  const startTs = asTimestamp(decodeUvarint(reader));
  let shortValue: Uint8Array | undefined;
  let hasOverlappedRollback = false;
  while (!reader.atEnd) {
    const tag = reader.readByte('write field tag');
    if (tag === tagShortValue) {
      const value = decodeCompactBytes(reader);
      shortValue = copyValue ? copyBytes(value) : value;
    } else if (tag === tagOverlappedRollback) hasOverlappedRollback = true;
    else throw new CodecError(`unknown write field tag 0x${tag.toString(16)}`);
  }
  // Built without spreads: this runs once per key a scan returns.
  if (shortValue === undefined) return hasOverlappedRollback ? { type: type as WriteType, startTs, hasOverlappedRollback } : { type: type as WriteType, startTs };
  return hasOverlappedRollback ? { type: type as WriteType, startTs, shortValue, hasOverlappedRollback } : { type: type as WriteType, startTs, shortValue };
}

/** A Percolator lock with defaults for the optional fields. */
export function makeLock(fields: Pick<Lock, 'type' | 'primary' | 'startTs' | 'ttlMs'> & Partial<Lock>): Lock {
  return {
    forUpdateTs: asTimestamp(0n),
    txnSize: 0n,
    minCommitTs: asTimestamp(0n),
    useAsyncCommit: false,
    secondaries: [],
    ...fields,
  };
}
