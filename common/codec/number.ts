import { CodecError } from '../errors.js';
import type { ByteReader, ByteWriter } from './buffer.js';

/**
 * Numbers in TiDB's codec. The comparable forms are 8 bytes big-endian arranged so
 * that unsigned byte order equals numeric order; the varint forms are Go's
 * `encoding/binary` varints, compact but not comparable.
 */

export const signMask = 0x8000000000000000n;
const uint64Mask = 0xffffffffffffffffn;
export const int64Min = -(1n << 63n);
export const int64Max = (1n << 63n) - 1n;
export const uint64Max = uint64Mask;

export function assertInt64(value: bigint, what = 'int64'): void {
  if (value < int64Min || value > int64Max) throw new RangeError(`${what} out of range: ${value}`);
}

export function assertUint64(value: bigint, what = 'uint64'): void {
  if (value < 0n || value > uint64Max) throw new RangeError(`${what} out of range: ${value}`);
}

/** Maps an int64 to a uint64 whose order as unsigned equals the int64 order. */
export function int64ToComparableUint64(value: bigint): bigint {
  return BigInt.asUintN(64, value) ^ signMask;
}

export function comparableUint64ToInt64(value: bigint): bigint {
  return BigInt.asIntN(64, value ^ signMask);
}

export function encodeInt64(writer: ByteWriter, value: bigint): void {
  assertInt64(value);
  writer.writeBigUint64BE(int64ToComparableUint64(value));
}

export function encodeInt64Desc(writer: ByteWriter, value: bigint): void {
  assertInt64(value);
  writer.writeBigUint64BE(~int64ToComparableUint64(value) & uint64Mask);
}

export function decodeInt64(reader: ByteReader): bigint {
  return comparableUint64ToInt64(reader.readBigUint64BE('comparable int64'));
}

export function decodeInt64Desc(reader: ByteReader): bigint {
  return comparableUint64ToInt64(~reader.readBigUint64BE('comparable int64') & uint64Mask);
}

export function encodeUint64(writer: ByteWriter, value: bigint): void {
  assertUint64(value);
  writer.writeBigUint64BE(value);
}

export function encodeUint64Desc(writer: ByteWriter, value: bigint): void {
  assertUint64(value);
  writer.writeBigUint64BE(~value & uint64Mask);
}

export function decodeUint64(reader: ByteReader): bigint {
  return reader.readBigUint64BE('comparable uint64');
}

export function decodeUint64Desc(reader: ByteReader): bigint {
  return ~reader.readBigUint64BE('comparable uint64') & uint64Mask;
}

const float64Scratch = new DataView(new ArrayBuffer(8));

/**
 * Positive floats get the sign bit set; negative floats have every bit inverted, so
 * more negative sorts lower. -0 and +0 encode alike, as in TiDB. NaN is not a SQL
 * value and is rejected.
 */
export function float64ToComparableUint64(value: number): bigint {
  if (Number.isNaN(value)) throw new RangeError('NaN cannot be encoded');
  float64Scratch.setFloat64(0, value === 0 ? 0 : value);
  const bits = float64Scratch.getBigUint64(0);
  return value >= 0 ? bits | signMask : ~bits & uint64Mask;
}

export function comparableUint64ToFloat64(value: bigint): number {
  const bits = (value & signMask) !== 0n ? value & ~signMask : ~value & uint64Mask;
  float64Scratch.setBigUint64(0, bits);
  return float64Scratch.getFloat64(0);
}

export function encodeFloat64(writer: ByteWriter, value: number): void {
  writer.writeBigUint64BE(float64ToComparableUint64(value));
}

export function encodeFloat64Desc(writer: ByteWriter, value: number): void {
  writer.writeBigUint64BE(~float64ToComparableUint64(value) & uint64Mask);
}

export function decodeFloat64(reader: ByteReader): number {
  return comparableUint64ToFloat64(reader.readBigUint64BE('comparable float64'));
}

export function decodeFloat64Desc(reader: ByteReader): number {
  return comparableUint64ToFloat64(~reader.readBigUint64BE('comparable float64') & uint64Mask);
}

const maxVarintBytes = 10;

/** Go's `binary.PutUvarint`: 7 bits per byte, least significant group first. */
export function encodeUvarint(writer: ByteWriter, value: bigint): void {
  assertUint64(value, 'uvarint');
  // Hot path: most lengths and small integers fit in a double exactly.
  if (value <= 0xffffffffn) {
    let small = Number(value);
    while (small >= 0x80) {
      writer.writeByte((small & 0x7f) | 0x80);
      small = Math.floor(small / 128);
    }
    writer.writeByte(small);
    return;
  }
  let rest = value;
  while (rest >= 0x80n) {
    writer.writeByte(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  writer.writeByte(Number(rest));
}

export function decodeUvarint(reader: ByteReader): bigint {
  let result = 0n;
  let shift = 0n;
  for (let index = 0; index < maxVarintBytes; index++) {
    const byte = reader.readByte('uvarint');
    if (index === maxVarintBytes - 1 && byte > 1) throw new CodecError('uvarint overflows 64 bits');
    result |= BigInt(byte & 0x7f) << shift;
    if (byte < 0x80) return result;
    shift += 7n;
  }
  throw new CodecError('uvarint longer than 10 bytes');
}

/** Go's `binary.PutVarint`: zig-zag, then uvarint. */
export function encodeVarint(writer: ByteWriter, value: bigint): void {
  assertInt64(value, 'varint');
  const shifted = BigInt.asUintN(64, value << 1n);
  encodeUvarint(writer, value < 0n ? ~shifted & uint64Mask : shifted);
}

export function decodeVarint(reader: ByteReader): bigint {
  const unsigned = decodeUvarint(reader);
  const half = unsigned >> 1n;
  return (unsigned & 1n) !== 0n ? BigInt.asIntN(64, ~half) : half;
}

/** A length prefix as a varint, returned as a safe JS number. */
export function decodeVarintLength(reader: ByteReader, what: string): number {
  const length = decodeVarint(reader);
  if (length < 0n || length > BigInt(reader.remaining)) {
    throw new CodecError(`${what} length ${length} invalid with ${reader.remaining} bytes left`);
  }
  return Number(length);
}
