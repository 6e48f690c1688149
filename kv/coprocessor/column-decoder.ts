import { ByteWriter } from '../../common/codec/buffer.js';
import type { Datum } from '../../common/codec/datum.js';
import { readCompactInt, readCompactIntAt, readCompactUint, readRowDecimal, readRowDuration, readRowFloat, readRowTime, type RowColumnType } from '../../common/codec/row.js';
import { BytesColumnBuilder, type ColumnBuilder, columnBuilderFor, DecimalColumnBuilder, IntColumnBuilder, RealColumnBuilder } from '../../common/expr/column.js';
import { ExprError, ExprErrorCode } from '../../common/expr/context.js';
import { type EvalType, evalTypeOf, fspOf, isUnsignedType, timeTypeOf } from '../../common/expr/eval-type.js';
import { CodecError } from '../../common/errors.js';
import { type FieldType, FieldTypeCode } from '../../common/types/field-type.js';

/**
 * How a column's stored bytes are read, from its field type. ENUM and SET are stored as
 * TiDB's row format v2 stores them, as a compact uint: an ENUM its 1-based element index
 * (0 for the empty "error" value), a SET the bitmask of its elements. JSON is stored as its
 * UTF-8 text (see `StoredKind`).
 */
export function rowColumnTypeOf(type: FieldType): RowColumnType {
  switch (evalTypeOf(type)) {
    case 'int':
      if (type.code === FieldTypeCode.Bit) return { kind: 'uint' };
      return isUnsignedType(type) ? { kind: 'uint' } : { kind: 'int' };
    case 'real':
      return { kind: 'float' };
    case 'decimal':
      return { kind: 'decimal' };
    case 'bytes':
      if (type.code === FieldTypeCode.Enum || type.code === FieldTypeCode.Set) return { kind: 'uint' };
      return { kind: 'bytes' };
    case 'time':
      return { kind: 'time', timeType: timeTypeOf(type), fsp: fspOf(type) };
    case 'duration':
      return { kind: 'duration', fsp: fspOf(type) };
    case 'json':
      return { kind: 'bytes' };
  }
}

/**
 * How the appender turns stored bytes into a column value: the row encoding's kind, or
 * one of the kinds whose column value differs from what is stored.
 * - `enum`, `set`: the column holds the element names (the evaluation type is `bytes`,
 *   as in TiDB, where an ENUM or SET in a string context is its name): an ENUM its
 *   element's name ('' for index 0), a SET the names of its bits, lowest bit first,
 *   joined by ','. An index or bit past the elements is corrupt data (CodecError).
 * - `json`: TideDB has no codec for TiDB's binary JSON, and the `json` evaluation type
 *   carries JSON text, so a JSON column's row value is its text, read as is. A value
 *   starting with a control byte other than whitespace is TiDB binary JSON (its first
 *   byte is a type code) and is refused as corrupt rather than read as text.
 */
type StoredKind = RowColumnType['kind'] | 'enum' | 'set' | 'json';

/** Most elements MySQL allows in an ENUM and in a SET. */
const maxEnumElements = 65_535;
const maxSetElements = 64;

const textEncoder = new TextEncoder();

// The elements arrays of a scan's schema live as long as the scan; every batch's appenders share their encoding.
const encodedElementsCache = new WeakMap<readonly string[], readonly Uint8Array[]>();

function encodedElements(type: FieldType): readonly Uint8Array[] {
  const elements = type.elements ?? [];
  const name = type.code === FieldTypeCode.Enum ? 'an ENUM' : 'a SET';
  if (elements.length === 0) throw new ExprError(ExprErrorCode.unknown, `${name} column needs its elements (ColumnInfo.elems)`);
  const limit = type.code === FieldTypeCode.Enum ? maxEnumElements : maxSetElements;
  if (elements.length > limit) throw new ExprError(ExprErrorCode.unknown, `${name} column has at most ${limit} elements, got ${elements.length}`);
  let encoded = encodedElementsCache.get(elements);
  if (encoded === undefined) {
    encoded = elements.map((element) => textEncoder.encode(element));
    encodedElementsCache.set(elements, encoded);
  }
  return encoded;
}

function storedKindOf(type: FieldType, rowType: RowColumnType): StoredKind {
  if (type.code === FieldTypeCode.Enum) return 'enum';
  if (type.code === FieldTypeCode.Set) return 'set';
  if (type.code === FieldTypeCode.JSON) return 'json';
  return rowType.kind;
}

/**
 * Appends stored values of one column to its builder. Hot path: integers, floats and
 * strings go straight from the row bytes into the column, with no Datum in between.
 */
export class StoredValueAppender {
  readonly evalType: EvalType;
  readonly builder: ColumnBuilder<unknown>;
  private readonly rowType: RowColumnType;
  private readonly storedKind: StoredKind;
  /** ENUM and SET element names as UTF-8; empty for other types. */
  private readonly elements: readonly Uint8Array[];
  /** Where a SET's names are joined before they are copied into the column. */
  private readonly setScratch: ByteWriter | undefined;

  constructor(
    readonly type: FieldType,
    capacity: number,
  ) {
    this.evalType = evalTypeOf(type);
    this.rowType = rowColumnTypeOf(type);
    this.storedKind = storedKindOf(type, this.rowType);
    this.elements = this.storedKind === 'enum' || this.storedKind === 'set' ? encodedElements(type) : [];
    this.setScratch = this.storedKind === 'set' ? new ByteWriter(64) : undefined;
    this.builder = columnBuilderFor(this.evalType, capacity);
  }

  /**
   * appendStored of `row[start..end)`. Hot path of table scans: integers and strings are
   * read in place, with no view per value; other kinds go through one.
   */
  appendStoredRange(row: Uint8Array, start: number, end: number): void {
    switch (this.storedKind) {
      case 'int':
        (this.builder as IntColumnBuilder).push(readCompactIntAt(row, start, end));
        return;
      case 'bytes':
        (this.builder as BytesColumnBuilder).pushRange(row, start, end);
        return;
      default:
        this.appendStored(row.subarray(start, end));
    }
  }

  /** A value in the row format's encoding (a row value, or a default value). */
  appendStored(bytes: Uint8Array): void {
    switch (this.storedKind) {
      case 'int':
        (this.builder as IntColumnBuilder).push(readCompactInt(bytes));
        return;
      case 'uint':
        (this.builder as IntColumnBuilder).push(readCompactUint(bytes));
        return;
      case 'float':
        (this.builder as RealColumnBuilder).push(readRowFloat(bytes));
        return;
      case 'bytes':
        (this.builder as BytesColumnBuilder).push(bytes);
        return;
      case 'decimal':
        (this.builder as DecimalColumnBuilder).push(readRowDecimal(bytes).value);
        return;
      case 'time': {
        const rowType = this.rowType as Extract<RowColumnType, { kind: 'time' }>;
        // Checked on the way: a corrupt packed time fails here, not in a function later.
        this.builder.push(readRowTime(bytes, rowType.timeType, rowType.fsp).toPackedUint());
        return;
      }
      case 'duration':
        this.builder.push(readRowDuration(bytes, (this.rowType as Extract<RowColumnType, { kind: 'duration' }>).fsp).nanoseconds);
        return;
      case 'enum':
        this.appendEnum(readCompactUint(bytes));
        return;
      case 'set':
        this.appendSet(readCompactUint(bytes));
        return;
      case 'json':
        checkJsonText(bytes);
        (this.builder as BytesColumnBuilder).push(bytes);
        return;
    }
  }

  private appendEnum(index: bigint): void {
    const builder = this.builder as BytesColumnBuilder;
    // Index 0 is the empty string MySQL stores for an invalid value outside strict mode.
    if (index === 0n) {
      builder.push(emptyBytes);
      return;
    }
    if (index > BigInt(this.elements.length)) throw new CodecError(`ENUM index ${index} past the column's ${this.elements.length} elements`);
    builder.push(this.elements[Number(index) - 1]!);
  }

  private appendSet(bits: bigint): void {
    if (bits >> BigInt(this.elements.length) !== 0n) throw new CodecError(`SET value 0x${bits.toString(16)} has bits past the column's ${this.elements.length} elements`);
    const scratch = this.setScratch!;
    scratch.reset();
    for (let element = 0; bits !== 0n; element++, bits >>= 1n) {
      if ((bits & 1n) === 0n) continue;
      if (scratch.length > 0) scratch.writeByte(commaByte);
      scratch.writeBytes(this.elements[element]!);
    }
    (this.builder as BytesColumnBuilder).push(scratch.written());
  }

  /** A value decoded from a key (index values, handles). */
  appendDatum(datum: Datum): void {
    switch (datum.kind) {
      case 'null':
        this.builder.pushNull();
        return;
      case 'int':
      case 'uint':
        // Index keys hold an ENUM's index and a SET's bitmask, as rows do.
        if (this.storedKind === 'enum') return this.appendEnum(datum.value);
        if (this.storedKind === 'set') return this.appendSet(datum.value);
        // A time is stored in keys as its packed uint.
        if (this.evalType !== 'int' && this.evalType !== 'time') throw mismatch(datum.kind, this.evalType);
        this.builder.push(datum.value);
        return;
      case 'float':
        if (this.evalType !== 'real') throw mismatch(datum.kind, this.evalType);
        this.builder.push(datum.value);
        return;
      case 'bytes':
        if (this.evalType !== 'bytes') throw mismatch(datum.kind, this.evalType);
        this.builder.push(datum.value);
        return;
      case 'decimal':
        if (this.evalType !== 'decimal') throw mismatch(datum.kind, this.evalType);
        this.builder.push(datum.value);
        return;
      case 'duration':
        if (this.evalType !== 'duration') throw mismatch(datum.kind, this.evalType);
        this.builder.push(datum.value.nanoseconds);
        return;
      case 'time':
        this.builder.push(datum.value.toPackedUint());
        return;
      default:
        throw new CodecError(`a ${datum.kind} marker is not a column value`);
    }
  }

  appendNull(): void {
    this.builder.pushNull();
  }
}

const emptyBytes = new Uint8Array(0);
const commaByte = 0x2c;

/** JSON text begins with whitespace or a printable byte; TiDB's binary JSON begins with a type code below 0x20. */
function checkJsonText(bytes: Uint8Array): void {
  const first = bytes[0];
  if (first === undefined) throw new CodecError('an empty JSON value');
  if (first < 0x20 && first !== 0x09 && first !== 0x0a && first !== 0x0d) throw new CodecError(`a JSON value starting with byte 0x${first.toString(16)}: TiDB binary JSON cannot be read, JSON is stored as text`);
}

function mismatch(kind: string, evalType: EvalType): CodecError {
  return new CodecError(`a stored ${kind} value cannot fill a ${evalType} column`);
}
