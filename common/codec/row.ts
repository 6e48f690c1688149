import { assert } from '../assert.js';
import { CodecError } from '../errors.js';
import type { Decimal } from '../types/decimal.js';
import { MysqlTime, Duration, type TimeType } from '../types/time.js';
import { ByteReader, ByteWriter } from './buffer.js';
import { type Datum, decodeDecimal, encodeDecimal, nullDatum } from './datum.js';
import { comparableUint64ToFloat64, float64ToComparableUint64 } from './number.js';

/**
 * Row values in the layout of TiDB's row format v2:
 *
 *   version(1)=128 | flags(1) | notNullCount(u16 LE) | nullCount(u16 LE)
 *   | column ids: not-null ids ascending, then null ids ascending (u8 each, u32 LE if large)
 *   | end offsets of each not-null value in data (u16 LE each, u32 LE if large)
 *   | data
 *
 * A row is "large" when a column id exceeds 255 or the data reaches 65,535 bytes.
 * Column ids are sorted, so a reader finds one column by binary search and decodes
 * only the columns it asks for. A column missing from the row (added by a later
 * ALTER TABLE) reads as its default.
 */
export const rowFormatVersion = 128;
const largeFlag = 1;
const headerLengthBytes = 6;
const maxSmallColumnId = 255;
const maxSmallDataLengthBytes = 0xffff;
const maxColumnId = 0xffffffff;

export interface RowColumn {
  readonly id: number;
  readonly value: Datum;
}

/** How to read a column's bytes back; the row stores values without type flags. */
export type RowColumnType =
  | { readonly kind: 'int' }
  | { readonly kind: 'uint' }
  | { readonly kind: 'float' }
  | { readonly kind: 'bytes' }
  | { readonly kind: 'decimal' }
  | { readonly kind: 'time'; readonly timeType: TimeType; readonly fsp: number }
  | { readonly kind: 'duration'; readonly fsp: number };

export interface RowColumnSpec {
  readonly id: number;
  readonly type: RowColumnType;
  /** Returned when the row has no entry for the column; NULL if absent. */
  readonly defaultValue?: Datum;
}

/** Encodes rows, reusing its scratch buffers between calls. */
export class RowEncoder {
  private readonly data = new ByteWriter(256);
  private readonly out = new ByteWriter(256);

  encode(columns: readonly RowColumn[]): Uint8Array {
    const notNull: RowColumn[] = [];
    const nulls: number[] = [];
    let maxId = 0;
    for (const column of columns) {
      if (!Number.isInteger(column.id) || column.id < 0 || column.id > maxColumnId) {
        throw new RangeError(`column id ${column.id} outside 0..${maxColumnId}`);
      }
      if (column.id > maxId) maxId = column.id;
      if (column.value.kind === 'null') nulls.push(column.id);
      else notNull.push(column);
    }
    notNull.sort((a, b) => a.id - b.id);
    nulls.sort((a, b) => a - b);
    assertDistinctIds(notNull, nulls);

    const data = this.data;
    data.reset();
    const endOffsets = new Array<number>(notNull.length);
    for (let index = 0; index < notNull.length; index++) {
      encodeRowValue(data, notNull[index]!.value);
      endOffsets[index] = data.length;
    }
    const large = maxId > maxSmallColumnId || data.length >= maxSmallDataLengthBytes;

    const out = this.out;
    out.reset();
    out.writeByte(rowFormatVersion);
    out.writeByte(large ? largeFlag : 0);
    out.writeUint16LE(notNull.length);
    out.writeUint16LE(nulls.length);
    if (large) {
      for (const column of notNull) out.writeUint32LE(column.id);
      for (const id of nulls) out.writeUint32LE(id);
      for (const offset of endOffsets) out.writeUint32LE(offset);
    } else {
      for (const column of notNull) out.writeByte(column.id);
      for (const id of nulls) out.writeByte(id);
      for (const offset of endOffsets) out.writeUint16LE(offset);
    }
    out.writeBytes(data.written());
    return out.finish();
  }
}

const sharedEncoder = new RowEncoder();

export function encodeRow(columns: readonly RowColumn[]): Uint8Array {
  return sharedEncoder.encode(columns);
}

/** Both inputs sorted ascending; a merge walk finds a repeated id without allocating. */
function assertDistinctIds(sortedNotNull: readonly RowColumn[], sortedNull: readonly number[]): void {
  let left = 0;
  let right = 0;
  let previous = -1;
  while (left < sortedNotNull.length || right < sortedNull.length) {
    const fromLeft = right >= sortedNull.length || (left < sortedNotNull.length && sortedNotNull[left]!.id <= sortedNull[right]!);
    const id = fromLeft ? sortedNotNull[left++]!.id : sortedNull[right++]!;
    if (id === previous) throw new RangeError(`column id ${id} appears twice in one row`);
    previous = id;
  }
}

function encodeRowValue(writer: ByteWriter, value: Datum): void {
  switch (value.kind) {
    case 'int':
      writeCompactInt(writer, value.value);
      return;
    case 'uint':
      writeCompactUint(writer, value.value);
      return;
    case 'float':
      writer.writeBigUint64BE(float64ToComparableUint64(value.value));
      return;
    case 'bytes':
      writer.writeBytes(value.value);
      return;
    case 'decimal':
      encodeDecimal(writer, value.value, value.precision, value.frac);
      return;
    case 'time':
      writeCompactUint(writer, value.value.toPackedUint());
      return;
    case 'duration':
      writeCompactInt(writer, value.value.nanoseconds);
      return;
    case 'null':
    case 'minNotNull':
    case 'max':
      throw new RangeError(`a ${value.kind} datum cannot be stored in a row`);
  }
}

/** Little-endian in the fewest of 1, 2, 4 or 8 bytes that hold the value. */
function writeCompactInt(writer: ByteWriter, value: bigint): void {
  if (value >= -0x80n && value <= 0x7fn) {
    writer.writeByte(Number(value) & 0xff);
  } else if (value >= -0x8000n && value <= 0x7fffn) {
    writer.writeUint16LE(Number(value) & 0xffff);
  } else if (value >= -0x80000000n && value <= 0x7fffffffn) {
    writer.writeUint32LE(Number(value) >>> 0);
  } else {
    if (value < -(1n << 63n) || value >= 1n << 63n) throw new RangeError(`int64 out of range: ${value}`);
    writer.writeBigUint64LE(BigInt.asUintN(64, value));
  }
}

function writeCompactUint(writer: ByteWriter, value: bigint): void {
  if (value < 0n) throw new RangeError(`uint64 out of range: ${value}`);
  if (value <= 0xffn) writer.writeByte(Number(value));
  else if (value <= 0xffffn) writer.writeUint16LE(Number(value));
  else if (value <= 0xffffffffn) writer.writeUint32LE(Number(value));
  else {
    if (value >= 1n << 64n) throw new RangeError(`uint64 out of range: ${value}`);
    writer.writeBigUint64LE(value);
  }
}

/** A row value of an integer column (1, 2, 4 or 8 bytes, little-endian, signed). */
export function readCompactInt(bytes: Uint8Array): bigint {
  return readCompactIntAt(bytes, 0, bytes.length);
}

/** readCompactInt of `bytes[start..end)`, read in place (the table scan's hot path makes no view). */
export function readCompactIntAt(bytes: Uint8Array, start: number, end: number): bigint {
  switch (end - start) {
    case 1:
      return BigInt((bytes[start]! << 24) >> 24);
    case 2:
      return BigInt(((bytes[start]! | (bytes[start + 1]! << 8)) << 16) >> 16);
    case 4:
      return BigInt(bytes[start]! | (bytes[start + 1]! << 8) | (bytes[start + 2]! << 16) | (bytes[start + 3]! << 24));
    case 8:
      return BigInt.asIntN(64, (BigInt(readUint32LE(bytes, start + 4)) << 32n) | BigInt(readUint32LE(bytes, start)));
    default:
      throw new CodecError(`invalid compact int length ${end - start}`);
  }
}

/** A row value of an unsigned integer, time or bit column. */
export function readCompactUint(bytes: Uint8Array): bigint {
  switch (bytes.length) {
    case 1:
      return BigInt(bytes[0]!);
    case 2:
      return BigInt(bytes[0]! | (bytes[1]! << 8));
    case 4:
      return BigInt((bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0);
    case 8:
      return readUint64LE(bytes);
    default:
      throw new CodecError(`invalid compact uint length ${bytes.length}`);
  }
}

function readUint32LE(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0;
}

function readUint64LE(bytes: Uint8Array): bigint {
  return (BigInt(readUint32LE(bytes, 4)) << 32n) | BigInt(readUint32LE(bytes, 0));
}

const noRow = new Uint8Array(0);

/** What RowView.locate found for a column: a value, a stored NULL, or no entry (the column's default applies). */
export const RowLookup = { found: 0, null: 1, absent: 2 } as const;
export type RowLookup = (typeof RowLookup)[keyof typeof RowLookup];

/**
 * The parsed header of one encoded row; values are located lazily. `reset` points a view
 * at another row, so a scan parses every row through one view.
 */
export class RowView {
  private bytes: Uint8Array = noRow;
  private isLarge = false;
  private notNull = 0;
  private nulls = 0;
  private idsOffset = headerLengthBytes;
  private offsetsOffset = headerLengthBytes;
  private dataOffset = headerLengthBytes;
  /** Bounds in `rowBytes` of the value `locate` last found. */
  valueStart = 0;
  valueEnd = 0;

  constructor(bytes: Uint8Array) {
    this.reset(bytes);
  }

  get large(): boolean {
    return this.isLarge;
  }

  get notNullCount(): number {
    return this.notNull;
  }

  get nullCount(): number {
    return this.nulls;
  }

  /** Parses and checks the header of `bytes`: a corrupt row throws CodecError here. */
  reset(bytes: Uint8Array): this {
    if (bytes.length < headerLengthBytes) throw new CodecError(`truncated row header: ${bytes.length} bytes`);
    const version = bytes[0]!;
    if (version !== rowFormatVersion) throw new CodecError(`unknown row format version ${version}`);
    const flags = bytes[1]!;
    if ((flags & ~largeFlag) !== 0) throw new CodecError(`unsupported row flags 0x${flags.toString(16)}`);
    this.isLarge = (flags & largeFlag) !== 0;
    this.notNull = bytes[2]! | (bytes[3]! << 8);
    this.nulls = bytes[4]! | (bytes[5]! << 8);
    const idWidth = this.isLarge ? 4 : 1;
    const offsetWidth = this.isLarge ? 4 : 2;
    this.bytes = bytes;
    this.idsOffset = headerLengthBytes;
    this.offsetsOffset = this.idsOffset + (this.notNull + this.nulls) * idWidth;
    this.dataOffset = this.offsetsOffset + this.notNull * offsetWidth;
    if (this.dataOffset > bytes.length) throw new CodecError(`truncated row header: need ${this.dataOffset} bytes, have ${bytes.length}`);
    // Validate once, so lookups can trust offsets and ids: a corrupt row fails here.
    const dataLength = bytes.length - this.dataOffset;
    let previousEnd = 0;
    for (let index = 0; index < this.notNull; index++) {
      const end = this.endOffset(index);
      if (end < previousEnd || end > dataLength) throw new CodecError(`corrupt row: value ${index} ends at ${end} (data has ${dataLength} bytes)`);
      previousEnd = end;
    }
    if (previousEnd !== dataLength) throw new CodecError(`corrupt row: ${dataLength - previousEnd} trailing data bytes`);
    let previousId = -1;
    for (let index = 0; index < this.notNull; index++) previousId = this.checkAscending(index, previousId);
    previousId = -1;
    for (let index = this.notNull; index < this.notNull + this.nulls; index++) previousId = this.checkAscending(index, previousId);
    return this;
  }

  private checkAscending(index: number, previousId: number): number {
    const id = this.columnIdAt(index);
    if (id <= previousId) throw new CodecError(`corrupt row: column ids not ascending at ${index}`);
    return id;
  }

  private columnIdAt(index: number): number {
    return this.isLarge ? readUint32LE(this.bytes, this.idsOffset + index * 4) : this.bytes[this.idsOffset + index]!;
  }

  private endOffset(index: number): number {
    if (this.isLarge) return readUint32LE(this.bytes, this.offsetsOffset + index * 4);
    const at = this.offsetsOffset + index * 2;
    return this.bytes[at]! | (this.bytes[at + 1]! << 8);
  }

  private search(id: number, low: number, high: number): number {
    let lo = low;
    let hi = high - 1;
    while (lo <= hi) {
      const middle = (lo + hi) >>> 1;
      const found = this.columnIdAt(middle);
      if (found === id) return middle;
      if (found < id) lo = middle + 1;
      else hi = middle - 1;
    }
    return -1;
  }

  /**
   * The raw value bytes of column `id` (a view into the row), `null` when the row stores
   * NULL for it, `undefined` when the row has no entry for it.
   */
  valueBytes(id: number): Uint8Array | null | undefined {
    const index = this.search(id, 0, this.notNull);
    if (index >= 0) {
      const start = index === 0 ? 0 : this.endOffset(index - 1);
      const end = this.endOffset(index);
      return this.bytes.subarray(this.dataOffset + start, this.dataOffset + end);
    }
    if (this.search(id, this.notNull, this.notNull + this.nulls) >= 0) return null;
    return undefined;
  }

  /**
   * Finds column `id` without making a view: `found` sets `valueStart` and `valueEnd`
   * to the value's bounds in `rowBytes`. Hot path of table scans.
   */
  locate(id: number): RowLookup {
    const index = this.search(id, 0, this.notNull);
    if (index >= 0) {
      this.valueStart = this.dataOffset + (index === 0 ? 0 : this.endOffset(index - 1));
      this.valueEnd = this.dataOffset + this.endOffset(index);
      return RowLookup.found;
    }
    return this.search(id, this.notNull, this.notNull + this.nulls) >= 0 ? RowLookup.null : RowLookup.absent;
  }

  /** The row `reset` last pointed at. */
  get rowBytes(): Uint8Array {
    return this.bytes;
  }

  columnIds(): number[] {
    const ids: number[] = [];
    for (let index = 0; index < this.notNull + this.nulls; index++) ids.push(this.columnIdAt(index));
    return ids;
  }
}

/** A row value of a FLOAT or DOUBLE column: 8 bytes, the comparable form of the double. */
export function readRowFloat(bytes: Uint8Array): number {
  if (bytes.length !== 8) throw new CodecError(`invalid float length ${bytes.length}`);
  return comparableUint64ToFloat64(new ByteReader(bytes).readBigUint64BE('float'));
}

/** A row value of a DECIMAL column: precision, frac and the binary form, nothing after. */
export function readRowDecimal(bytes: Uint8Array): { value: Decimal; precision: number; frac: number } {
  const reader = new ByteReader(bytes);
  const decoded = decodeDecimal(reader);
  if (!reader.atEnd) throw new CodecError(`decimal value has ${reader.remaining} trailing bytes`);
  return decoded;
}

/** A row value of a DATE, DATETIME or TIMESTAMP column: the packed time, checked. */
export function readRowTime(bytes: Uint8Array, timeType: TimeType, fsp: number): MysqlTime {
  const packed = readCompactUint(bytes);
  return asCodecError(() => MysqlTime.fromPackedUint(packed, timeType, fsp), 'time');
}

/** A row value of a TIME column: nanoseconds, checked against TIME's range. */
export function readRowDuration(bytes: Uint8Array, fsp: number): Duration {
  const nanoseconds = readCompactInt(bytes);
  return asCodecError(() => Duration.fromNanoseconds(nanoseconds, fsp), 'duration');
}

/** Decodes one stored value given its column type. Bytes values are views into the row. */
export function decodeRowValue(bytes: Uint8Array, type: RowColumnType): Datum {
  switch (type.kind) {
    case 'int':
      return { kind: 'int', value: readCompactInt(bytes) };
    case 'uint':
      return { kind: 'uint', value: readCompactUint(bytes) };
    case 'float':
      return { kind: 'float', value: readRowFloat(bytes) };
    case 'bytes':
      return { kind: 'bytes', value: bytes };
    case 'decimal': {
      const { value, precision, frac } = readRowDecimal(bytes);
      return { kind: 'decimal', value, precision, frac };
    }
    case 'time':
      return { kind: 'time', value: readRowTime(bytes, type.timeType, type.fsp) };
    case 'duration':
      return { kind: 'duration', value: readRowDuration(bytes, type.fsp) };
  }
}

/** Stored bytes that the type rejects are corrupt data, reported as such. */
function asCodecError<T>(decode: () => T, what: string): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof CodecError) throw error;
    throw new CodecError(`corrupt ${what} value: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Decodes the requested columns of rows that share one schema. Columns not asked for
 * are never touched.
 */
export class RowDecoder {
  private readonly columns: readonly RowColumnSpec[];

  constructor(columns: readonly RowColumnSpec[]) {
    assert(columns.every((column) => Number.isInteger(column.id) && column.id >= 0), 'column ids must be non-negative integers');
    this.columns = columns;
  }

  /** One datum per requested column, in the order the columns were given. */
  decode(row: Uint8Array): Datum[] {
    const view = new RowView(row);
    const out = new Array<Datum>(this.columns.length);
    for (let index = 0; index < this.columns.length; index++) {
      const column = this.columns[index]!;
      const bytes = view.valueBytes(column.id);
      if (bytes === undefined) out[index] = column.defaultValue ?? nullDatum;
      else if (bytes === null) out[index] = nullDatum;
      else out[index] = decodeRowValue(bytes, column.type);
    }
    return out;
  }
}
