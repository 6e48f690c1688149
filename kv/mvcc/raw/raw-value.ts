import { CodecError } from '../../../common/errors.js';

/**
 * A raw KV value as stored in CF raw: the user's bytes, then (only with a TTL) the
 * expiry as unix milliseconds in 8 big-endian bytes, then one flag byte saying which.
 * The flag comes last so a value is decoded from its end without a length prefix.
 */
export interface RawValue {
  readonly value: Uint8Array;
  /** Unix ms at and after which the entry is gone; undefined: it never expires. */
  readonly expireAtMs?: number;
}

const flagNoTtl = 0x00;
const flagTtl = 0x01;
const expiryBytes = 8;

export function encodeRawValue(raw: RawValue): Uint8Array {
  if (raw.expireAtMs === undefined) {
    const out = new Uint8Array(raw.value.length + 1);
    out.set(raw.value);
    out[raw.value.length] = flagNoTtl;
    return out;
  }
  if (!Number.isSafeInteger(raw.expireAtMs) || raw.expireAtMs < 0) throw new RangeError(`expiry ${raw.expireAtMs} is not a non-negative safe integer`);
  const out = new Uint8Array(raw.value.length + expiryBytes + 1);
  out.set(raw.value);
  new DataView(out.buffer).setBigUint64(raw.value.length, BigInt(raw.expireAtMs), false);
  out[out.length - 1] = flagTtl;
  return out;
}

export function decodeRawValue(bytes: Uint8Array): RawValue {
  if (bytes.length === 0) throw new CodecError('raw value has no flag byte');
  const flag = bytes[bytes.length - 1]!;
  if (flag === flagNoTtl) return { value: bytes.subarray(0, bytes.length - 1) };
  if (flag !== flagTtl) throw new CodecError(`unknown raw value flag 0x${flag.toString(16)}`);
  if (bytes.length < expiryBytes + 1) throw new CodecError(`raw value with a TTL has ${bytes.length} bytes, needs at least ${expiryBytes + 1}`);
  const split = bytes.length - 1 - expiryBytes;
  const expireAtMs = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(split, false);
  if (expireAtMs > BigInt(Number.MAX_SAFE_INTEGER)) throw new CodecError(`raw value expiry ${expireAtMs} is out of range`);
  return { value: bytes.subarray(0, split), expireAtMs: Number(expireAtMs) };
}

/** Whether an entry is gone at `nowMs`: expiry is inclusive. */
export function isRawValueExpired(raw: RawValue, nowMs: number): boolean {
  return raw.expireAtMs !== undefined && nowMs >= raw.expireAtMs;
}
