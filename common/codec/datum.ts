import { CodecError } from '../errors.js';
import { Decimal } from '../types/decimal.js';
import { Duration, type MysqlTime } from '../types/time.js';
import { ByteReader, ByteWriter } from './buffer.js';
import { copyBytes, decodeBytes, decodeCompactBytes, encodeBytes, encodeCompactBytes } from './bytes.js';
import {
  decodeFloat64,
  decodeInt64,
  decodeUint64,
  decodeUvarint,
  decodeVarint,
  encodeFloat64,
  encodeInt64,
  encodeUint64,
  encodeUvarint,
  encodeVarint,
} from './number.js';

/**
 * One SQL value as the codec sees it. Strings travel as bytes: for an index key the
 * caller passes the collation's sort key, for a row value the UTF-8 text.
 */
export type Datum =
  | { readonly kind: 'null' }
  | { readonly kind: 'int'; readonly value: bigint }
  | { readonly kind: 'uint'; readonly value: bigint }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'bytes'; readonly value: Uint8Array }
  | { readonly kind: 'decimal'; readonly value: Decimal; readonly precision: number; readonly frac: number }
  | { readonly kind: 'time'; readonly value: MysqlTime }
  | { readonly kind: 'duration'; readonly value: Duration }
  // Range markers: MinNotNull sorts after NULL and before every value, Max after all.
  | { readonly kind: 'minNotNull' }
  | { readonly kind: 'max' };

/** The type flags that prefix each encoded datum, byte-compatible with TiDB's codec. */
export const DatumFlag = {
  nil: 0,
  bytes: 1,
  compactBytes: 2,
  int: 3,
  uint: 4,
  float: 5,
  decimal: 6,
  duration: 7,
  varint: 8,
  uvarint: 9,
  json: 10,
  max: 250,
} as const;

export const nullDatum: Datum = { kind: 'null' };
export const minNotNullDatum: Datum = { kind: 'minNotNull' };
export const maxDatum: Datum = { kind: 'max' };

export function intDatum(value: bigint): Datum {
  return { kind: 'int', value };
}

export function uintDatum(value: bigint): Datum {
  return { kind: 'uint', value };
}

export function floatDatum(value: number): Datum {
  return { kind: 'float', value };
}

export function bytesDatum(value: Uint8Array): Datum {
  return { kind: 'bytes', value };
}

const textEncoder = new TextEncoder();

/** A string datum stored as its UTF-8 bytes (row values; binary collation keys). */
export function stringDatum(text: string): Datum {
  return { kind: 'bytes', value: textEncoder.encode(text) };
}

/** A decimal with the column's precision and scale, which fix its key width. */
export function decimalDatum(value: Decimal, precision = value.precision, frac = value.frac): Datum {
  return { kind: 'decimal', value, precision, frac };
}

/**
 * Encodes datums so that the byte order of the result equals the SQL order of the
 * tuples (TiDB's `EncodeKey`). Used for index keys and handles.
 */
export function encodeKeyDatums(writer: ByteWriter, datums: readonly Datum[]): void {
  for (const datum of datums) encodeDatum(writer, datum, true);
}

/** Encodes datums compactly, not comparable (TiDB's `EncodeValue`). */
export function encodeValueDatums(writer: ByteWriter, datums: readonly Datum[]): void {
  for (const datum of datums) encodeDatum(writer, datum, false);
}

// Reused by encodeKey/encodeValue and copied out once; encoding never re-enters.
const scratch = new ByteWriter(256);

export function encodeKey(datums: readonly Datum[]): Uint8Array {
  const writer = scratch;
  writer.reset();
  encodeKeyDatums(writer, datums);
  return writer.finish();
}

export function encodeValue(datums: readonly Datum[]): Uint8Array {
  const writer = scratch;
  writer.reset();
  encodeValueDatums(writer, datums);
  return writer.finish();
}

export function encodeDatum(writer: ByteWriter, datum: Datum, comparable: boolean): void {
  switch (datum.kind) {
    case 'null':
      writer.writeByte(DatumFlag.nil);
      return;
    case 'int':
      if (comparable) {
        writer.writeByte(DatumFlag.int);
        encodeInt64(writer, datum.value);
      } else {
        writer.writeByte(DatumFlag.varint);
        encodeVarint(writer, datum.value);
      }
      return;
    case 'uint':
      if (comparable) {
        writer.writeByte(DatumFlag.uint);
        encodeUint64(writer, datum.value);
      } else {
        writer.writeByte(DatumFlag.uvarint);
        encodeUvarint(writer, datum.value);
      }
      return;
    case 'float':
      writer.writeByte(DatumFlag.float);
      encodeFloat64(writer, datum.value);
      return;
    case 'bytes':
      if (comparable) {
        writer.writeByte(DatumFlag.bytes);
        encodeBytes(writer, datum.value);
      } else {
        writer.writeByte(DatumFlag.compactBytes);
        encodeCompactBytes(writer, datum.value);
      }
      return;
    case 'decimal':
      writer.writeByte(DatumFlag.decimal);
      encodeDecimal(writer, datum.value, datum.precision, datum.frac);
      return;
    case 'time':
      // TiDB stores times as their packed uint64 under the uint flag, in keys and values.
      writer.writeByte(DatumFlag.uint);
      encodeUint64(writer, datum.value.toPackedUint());
      return;
    case 'duration':
      writer.writeByte(DatumFlag.duration);
      encodeInt64(writer, datum.value.nanoseconds);
      return;
    case 'minNotNull':
      // TiDB writes the bytes flag alone: it sorts after NULL (0) and before any int (3).
      writer.writeByte(DatumFlag.bytes);
      return;
    case 'max':
      writer.writeByte(DatumFlag.max);
      return;
    default:
      unreachableDatum(datum);
  }
}

/** The decimal codec: precision byte, frac byte, then MySQL's binary decimal. */
export function encodeDecimal(writer: ByteWriter, value: Decimal, precision: number, frac: number): void {
  if (!Number.isInteger(precision) || precision < 1 || precision > 65) throw new RangeError(`decimal precision ${precision} outside 1..65`);
  if (!Number.isInteger(frac) || frac < 0 || frac > 30 || frac > precision) throw new RangeError(`decimal frac ${frac} invalid for precision ${precision}`);
  writer.writeByte(precision);
  writer.writeByte(frac);
  writer.writeBytes(value.toBin(precision, frac));
}

export function decodeDecimal(reader: ByteReader): { value: Decimal; precision: number; frac: number } {
  const precision = reader.readByte('decimal precision');
  const frac = reader.readByte('decimal frac');
  if (precision < 1 || precision > 65 || frac > 30 || frac > precision) {
    throw new CodecError(`invalid decimal precision/frac ${precision}/${frac}`);
  }
  const { value, length } = Decimal.fromBin(reader.bytes, reader.offset, precision, frac);
  reader.offset += length;
  return { value, precision, frac };
}

/**
 * Decodes one datum. A time comes back as its packed `uint` (the key does not say
 * which time type it was; the column type does), a duration with fsp 6 as in TiDB.
 */
export function decodeDatum(reader: ByteReader): Datum {
  const flag = reader.readByte('datum flag');
  switch (flag) {
    case DatumFlag.nil:
      return nullDatum;
    case DatumFlag.int:
      return { kind: 'int', value: decodeInt64(reader) };
    case DatumFlag.uint:
      return { kind: 'uint', value: decodeUint64(reader) };
    case DatumFlag.varint:
      return { kind: 'int', value: decodeVarint(reader) };
    case DatumFlag.uvarint:
      return { kind: 'uint', value: decodeUvarint(reader) };
    case DatumFlag.float:
      return { kind: 'float', value: decodeFloat64(reader) };
    case DatumFlag.bytes:
      // A bytes flag with nothing after it is the MinNotNull range marker.
      if (reader.atEnd) return minNotNullDatum;
      return { kind: 'bytes', value: decodeBytes(reader) };
    case DatumFlag.compactBytes:
      return { kind: 'bytes', value: copyBytes(decodeCompactBytes(reader)) };
    case DatumFlag.decimal: {
      const { value, precision, frac } = decodeDecimal(reader);
      return { kind: 'decimal', value, precision, frac };
    }
    case DatumFlag.duration:
      return { kind: 'duration', value: Duration.fromNanoseconds(decodeInt64(reader), 6) };
    case DatumFlag.max:
      return maxDatum;
    case DatumFlag.json:
      throw new CodecError('JSON datums are not supported by this codec yet');
    default:
      throw new CodecError(`unknown datum flag ${flag} at offset ${reader.offset - 1}`);
  }
}

/** Decodes datums until the input ends. */
export function decodeDatums(bytes: Uint8Array, offset = 0): Datum[] {
  const reader = new ByteReader(bytes, offset);
  const out: Datum[] = [];
  while (!reader.atEnd) out.push(decodeDatum(reader));
  return out;
}

function unreachableDatum(datum: never): never {
  throw new CodecError(`unknown datum ${JSON.stringify(datum)}`);
}
