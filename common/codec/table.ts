import { CodecError } from '../errors.js';
import { ByteReader, ByteWriter } from './buffer.js';
import { prefixNext } from './bytes.js';
import { type Datum, decodeDatum, encodeKeyDatums, intDatum } from './datum.js';
import { comparableUint64ToInt64, decodeInt64, encodeInt64 } from './number.js';

/**
 * Table data keys, byte-compatible with TiDB's tablecodec:
 * row     `t{tableId}_r{handle}`                      (ids and handles as comparable int64)
 * index   `t{tableId}_i{indexId}{values}[{handle}]`   (values as comparable datums)
 * The handle is appended to entries of non-unique indexes (and of unique indexes whose
 * values contain NULL), which keeps such entries distinct.
 */
export const tablePrefix = 0x74; // 't'
export const metaPrefix = 0x6d; // 'm'
const separator = 0x5f; // '_'
const recordMarker = 0x72; // 'r'
const indexMarker = 0x69; // 'i'

export const recordKeyLengthBytes = 19;

// Hot path: keys are built in one reused writer and copied out once; allocating a
// writer per key cost more than encoding it. Safe because encoding never re-enters.
const scratch = new ByteWriter(256);
const tablePrefixLengthBytes = 9;
const tableSeparatorLengthBytes = 11;

function writeTablePrefix(writer: ByteWriter, tableId: bigint): void {
  writer.writeByte(tablePrefix);
  encodeInt64(writer, tableId);
}

/** `t{tableId}`: every key of the table, rows and indexes. */
export function tableKeyPrefix(tableId: bigint): Uint8Array {
  const writer = scratch;
  writer.reset();
  writeTablePrefix(writer, tableId);
  return writer.finish();
}

/** `t{tableId}_r`: every row of the table. */
export function recordPrefix(tableId: bigint): Uint8Array {
  const writer = scratch;
  writer.reset();
  writeTablePrefix(writer, tableId);
  writer.writeByte(separator);
  writer.writeByte(recordMarker);
  return writer.finish();
}

/** `t{tableId}_i{indexId}`: every entry of one index. */
export function indexPrefix(tableId: bigint, indexId: bigint): Uint8Array {
  const writer = scratch;
  writer.reset();
  writeIndexPrefix(writer, tableId, indexId);
  return writer.finish();
}

function writeIndexPrefix(writer: ByteWriter, tableId: bigint, indexId: bigint): void {
  writeTablePrefix(writer, tableId);
  writer.writeByte(separator);
  writer.writeByte(indexMarker);
  encodeInt64(writer, indexId);
}

export function recordKey(tableId: bigint, handle: bigint): Uint8Array {
  const writer = scratch;
  writer.reset();
  writeTablePrefix(writer, tableId);
  writer.writeByte(separator);
  writer.writeByte(recordMarker);
  encodeInt64(writer, handle);
  return writer.finish();
}

export function decodeRecordKey(key: Uint8Array): { tableId: bigint; handle: bigint } {
  const reader = new ByteReader(key);
  if (reader.readByte('table prefix') !== tablePrefix) throw new CodecError('not a table key: missing "t" prefix');
  const tableId = decodeInt64(reader);
  if (reader.readByte('separator') !== separator || reader.readByte('record marker') !== recordMarker) {
    throw new CodecError('not a record key: missing "_r"');
  }
  const handle = decodeInt64(reader);
  if (!reader.atEnd) throw new CodecError(`record key has ${reader.remaining} trailing bytes`);
  return { tableId, handle };
}

/**
 * The handle of a record key, without decoding the rest (the coprocessor's scan reads
 * one per row). Throws CodecError for a key that is not a record key.
 */
export function recordKeyHandle(key: Uint8Array): bigint {
  if (key.length !== recordKeyLengthBytes || key[0] !== tablePrefix || key[tablePrefixLengthBytes] !== separator || key[tablePrefixLengthBytes + 1] !== recordMarker) {
    throw new CodecError(`not a record key (${key.length} bytes)`);
  }
  // Hot path: the 8 bytes are the handle big-endian with its sign bit flipped. A handle
  // within ±2^53 (nearly all) is exact as a double: one bigint made, no DataView.
  const at = tableSeparatorLengthBytes;
  const high = ((key[at]! ^ 0x80) << 24) | (key[at + 1]! << 16) | (key[at + 2]! << 8) | key[at + 3]!;
  const low = ((key[at + 4]! << 24) | (key[at + 5]! << 16) | (key[at + 6]! << 8) | key[at + 7]!) >>> 0;
  if (high >= -0x200000 && high < 0x200000) return BigInt(high * 0x1_0000_0000 + low);
  return comparableUint64ToInt64(new DataView(key.buffer, key.byteOffset + at, 8).getBigUint64(0));
}

/**
 * An index entry key. Pass `handle` for non-unique indexes (and unique ones whose
 * values include NULL); it is appended as one more int datum.
 */
export function indexKey(tableId: bigint, indexId: bigint, values: readonly Datum[], handle?: bigint): Uint8Array {
  const writer = scratch;
  writer.reset();
  writeIndexPrefix(writer, tableId, indexId);
  encodeKeyDatums(writer, values);
  if (handle !== undefined) encodeKeyDatums(writer, [intDatum(handle)]);
  return writer.finish();
}

/** Decodes an index key into its ids and datums (a handle, if present, is the last datum). */
export function decodeIndexKey(key: Uint8Array): { tableId: bigint; indexId: bigint; values: Datum[] } {
  const reader = new ByteReader(key);
  if (reader.readByte('table prefix') !== tablePrefix) throw new CodecError('not a table key: missing "t" prefix');
  const tableId = decodeInt64(reader);
  if (reader.readByte('separator') !== separator || reader.readByte('index marker') !== indexMarker) {
    throw new CodecError('not an index key: missing "_i"');
  }
  const indexId = decodeInt64(reader);
  const values: Datum[] = [];
  while (!reader.atEnd) values.push(decodeDatum(reader));
  return { tableId, indexId, values };
}

export type KeyKind = 'record' | 'index' | 'meta' | 'other';

/** Classifies a raw key by its layout prefix, without decoding it. */
export function keyKind(key: Uint8Array): KeyKind {
  if (key[0] === metaPrefix) return 'meta';
  if (key[0] !== tablePrefix || key.length < tableSeparatorLengthBytes || key[9] !== separator) return 'other';
  if (key[10] === recordMarker) return 'record';
  if (key[10] === indexMarker) return 'index';
  return 'other';
}

/** A half-open key range [start, end); an empty end means no upper bound. */
export interface KeyRange {
  readonly start: Uint8Array;
  readonly end: Uint8Array;
}

export function prefixRange(prefix: Uint8Array): KeyRange {
  return { start: prefix, end: prefixNext(prefix) };
}

export function tableRange(tableId: bigint): KeyRange {
  return prefixRange(tableKeyPrefix(tableId));
}

export function recordRange(tableId: bigint): KeyRange {
  return prefixRange(recordPrefix(tableId));
}

/** Rows with handles in [startHandle, endHandle). */
export function handleRange(tableId: bigint, startHandle: bigint, endHandle: bigint): KeyRange {
  return { start: recordKey(tableId, startHandle), end: recordKey(tableId, endHandle) };
}

export function indexRange(tableId: bigint, indexId: bigint): KeyRange {
  return prefixRange(indexPrefix(tableId, indexId));
}

/**
 * Index entries whose leading values equal `values` (a point or prefix lookup): the
 * range covers every longer key that starts with the encoded values.
 */
export function indexValuesRange(tableId: bigint, indexId: bigint, values: readonly Datum[]): KeyRange {
  return prefixRange(indexKey(tableId, indexId, values));
}

/**
 * The row key of the row directly after `handle`, i.e. the exclusive bound that makes a
 * range inclusive of `handle`. Returns the end of the record range for the max handle.
 */
export function recordKeyAfter(tableId: bigint, handle: bigint): Uint8Array {
  return handle < maxHandle ? recordKey(tableId, handle + 1n) : prefixNext(recordPrefix(tableId));
}

const maxHandle = (1n << 63n) - 1n;

export function splitTableIdFromKey(key: Uint8Array): bigint | undefined {
  if (key.length < tablePrefixLengthBytes || key[0] !== tablePrefix) return undefined;
  return decodeInt64(new ByteReader(key.subarray(1, tablePrefixLengthBytes)));
}
