import { CodecError } from '../errors.js';
import { asTimestamp, type Timestamp } from '../ids.js';
import { ByteReader, ByteWriter } from './buffer.js';
import { decodeBytes, encodeBytes, smallestDecodedAtOrAfter } from './bytes.js';

/**
 * MVCC keys as TiKV lays them out: the user key in memcomparable form, then the
 * timestamp as 8 big-endian bytes of `~ts`. Versions of one key are contiguous and the
 * newest sorts first, so "latest version at or below ts" is one seek to `key + ~ts`.
 */
const timestampLengthBytes = 8;
const uint64Mask = (1n << 64n) - 1n;
// Hot path: one reused writer, copied out once per key.
const scratch = new ByteWriter(256);

/** The memcomparable form of a user key (TiKV's `Key::from_raw`), without a timestamp. */
export function encodeUserKey(userKey: Uint8Array): Uint8Array {
  const writer = scratch;
  writer.reset();
  encodeBytes(writer, userKey);
  return writer.finish();
}

/** [x, x): a range with no key in it. */
const noUserKeys = Uint8Array.of(0);

/**
 * The user keys whose encodings fall in [encodedStart, encodedEnd) (a region's bounds; an
 * empty end is unbounded), as a range of user keys. A bound that is no encoding (a region
 * split at a raw key) maps to the smallest user key encoded at or after it, so the range
 * is exact either way.
 */
export function userKeyRangeOf(encodedStart: Uint8Array, encodedEnd: Uint8Array): { start: Uint8Array; end: Uint8Array } {
  // An empty bound maps to itself: the start of the key space, or no upper bound.
  const start = smallestDecodedAtOrAfter(encodedStart);
  const end = smallestDecodedAtOrAfter(encodedEnd);
  // A non-empty end below every encoding (a raw split at "\0"): the region holds no user
  // key, and the range must say so rather than read as unbounded.
  if (encodedEnd.length > 0 && end.length === 0) return { start: noUserKeys, end: noUserKeys };
  return { start, end };
}

export function encodeMvccKey(userKey: Uint8Array, ts: Timestamp): Uint8Array {
  const writer = scratch;
  writer.reset();
  encodeBytes(writer, userKey);
  writer.writeBigUint64BE(~ts & uint64Mask);
  return writer.finish();
}

/** Appends the timestamp suffix to an already encoded user key. */
export function appendTimestamp(encodedUserKey: Uint8Array, ts: Timestamp): Uint8Array {
  const writer = scratch;
  writer.reset();
  writer.writeBytes(encodedUserKey);
  writer.writeBigUint64BE(~ts & uint64Mask);
  return writer.finish();
}

export function decodeMvccKey(mvccKey: Uint8Array): { userKey: Uint8Array; ts: Timestamp } {
  const reader = new ByteReader(mvccKey);
  const userKey = decodeBytes(reader);
  if (reader.remaining !== timestampLengthBytes) {
    throw new CodecError(`MVCC key must end with ${timestampLengthBytes} timestamp bytes, has ${reader.remaining}`);
  }
  const ts = asTimestamp(~reader.readBigUint64BE('mvcc timestamp') & uint64Mask);
  return { userKey, ts };
}

/** Splits an MVCC key into its encoded user key (a view) and timestamp, without decoding the key. */
export function splitMvccKey(mvccKey: Uint8Array): { encodedUserKey: Uint8Array; ts: Timestamp } {
  if (mvccKey.length < timestampLengthBytes + 9) throw new CodecError(`MVCC key of ${mvccKey.length} bytes is too short`);
  const split = mvccKey.length - timestampLengthBytes;
  // Hot path (every version a scan passes): read the suffix directly, no reader object.
  const high = ((mvccKey[split]! << 24) | (mvccKey[split + 1]! << 16) | (mvccKey[split + 2]! << 8) | mvccKey[split + 3]!) >>> 0;
  const low = ((mvccKey[split + 4]! << 24) | (mvccKey[split + 5]! << 16) | (mvccKey[split + 6]! << 8) | mvccKey[split + 7]!) >>> 0;
  const ts = asTimestamp(~((BigInt(high) << 32n) | BigInt(low)) & uint64Mask);
  return { encodedUserKey: mvccKey.subarray(0, split), ts };
}

/**
 * The encoded user key of an MVCC key, as a view, without decoding its timestamp.
 * Hot path: what a scan compares keys by, for every version it passes.
 */
export function encodedUserKeyOf(mvccKey: Uint8Array): Uint8Array {
  if (mvccKey.length < timestampLengthBytes + 9) throw new CodecError(`MVCC key of ${mvccKey.length} bytes is too short`);
  return mvccKey.subarray(0, mvccKey.length - timestampLengthBytes);
}

/** Whether `mvccKey` is a version of the user key encoded as `encodedUserKey` (compared in place). */
export function isVersionOf(mvccKey: Uint8Array, encodedUserKey: Uint8Array): boolean {
  const length = encodedUserKey.length;
  if (mvccKey.length - timestampLengthBytes !== length) return false;
  for (let index = length - 1; index >= 0; index--) if (mvccKey[index] !== encodedUserKey[index]) return false;
  return true;
}

/** The 8 bytes that end the MVCC keys of version `ts` (~ts, big-endian). */
export function timestampSuffix(ts: Timestamp): Uint8Array {
  const out = new Uint8Array(timestampLengthBytes);
  new DataView(out.buffer).setBigUint64(0, ~ts & uint64Mask);
  return out;
}

/**
 * Whether the version of `mvccKey` is newer than the ts whose `timestampSuffix` is
 * `suffix`: ~commitTs < ~ts, read from the key's last 8 bytes without making a bigint.
 */
export function isNewerThan(mvccKey: Uint8Array, suffix: Uint8Array): boolean {
  const split = mvccKey.length - timestampLengthBytes;
  for (let index = 0; index < timestampLengthBytes; index++) {
    const difference = mvccKey[split + index]! - suffix[index]!;
    if (difference !== 0) return difference < 0;
  }
  return false;
}
