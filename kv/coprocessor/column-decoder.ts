import { ByteReader } from '../../common/codec/buffer.js';
import type { Datum } from '../../common/codec/datum.js';
import { decodeDecimal } from '../../common/codec/datum.js';
import { comparableUint64ToFloat64 } from '../../common/codec/number.js';
import { decodeRowValue, readCompactInt, readCompactUint, type RowColumnType } from '../../common/codec/row.js';
import { BytesColumnBuilder, type ColumnBuilder, columnBuilderFor, DecimalColumnBuilder, IntColumnBuilder, RealColumnBuilder } from '../../common/expr/column.js';
import { ExprError, ExprErrorCode } from '../../common/expr/context.js';
import { type EvalType, evalTypeOf, fspOf, isUnsignedType, timeTypeOf } from '../../common/expr/eval-type.js';
import { CodecError } from '../../common/errors.js';
import { type FieldType, FieldTypeCode } from '../../common/types/field-type.js';
import type { MysqlTime, Duration } from '../../common/types/time.js';
import type { Decimal } from '../../common/types/decimal.js';

/** How a column's stored bytes are read, from its field type. */
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
      if (type.code === FieldTypeCode.Enum || type.code === FieldTypeCode.Set) throw new ExprError(ExprErrorCode.unknown, 'ENUM and SET columns cannot be scanned by the coprocessor yet');
      return { kind: 'bytes' };
    case 'time':
      return { kind: 'time', timeType: timeTypeOf(type), fsp: fspOf(type) };
    case 'duration':
      return { kind: 'duration', fsp: fspOf(type) };
    case 'json':
      throw new ExprError(ExprErrorCode.unknown, 'JSON columns cannot be scanned by the coprocessor yet');
  }
}

/**
 * Appends stored values of one column to its builder. Hot path: integers, floats and
 * strings go straight from the row bytes into the column, with no Datum in between.
 */
export class StoredValueAppender {
  readonly evalType: EvalType;
  readonly builder: ColumnBuilder<unknown>;
  private readonly rowType: RowColumnType;

  constructor(
    readonly type: FieldType,
    capacity: number,
  ) {
    this.evalType = evalTypeOf(type);
    this.rowType = rowColumnTypeOf(type);
    this.builder = columnBuilderFor(this.evalType, capacity);
  }

  /** A value in the row format's encoding (a row value, or a default value). */
  appendStored(bytes: Uint8Array): void {
    switch (this.rowType.kind) {
      case 'int':
        (this.builder as IntColumnBuilder).push(readCompactInt(bytes));
        return;
      case 'uint':
        (this.builder as IntColumnBuilder).push(readCompactUint(bytes));
        return;
      case 'float': {
        if (bytes.length !== 8) throw new CodecError(`invalid float length ${bytes.length}`);
        (this.builder as RealColumnBuilder).push(comparableUint64ToFloat64(new ByteReader(bytes).readBigUint64BE('float')));
        return;
      }
      case 'bytes':
        (this.builder as BytesColumnBuilder).push(bytes);
        return;
      case 'decimal': {
        const reader = new ByteReader(bytes);
        (this.builder as DecimalColumnBuilder).push(decodeDecimal(reader).value);
        return;
      }
      case 'time':
        // Checked on the way: a corrupt packed time fails here, not in a function later.
        this.builder.push((decodeRowValue(bytes, this.rowType) as { value: MysqlTime }).value.toPackedUint());
        return;
      case 'duration':
        this.builder.push((decodeRowValue(bytes, this.rowType) as { value: Duration }).value.nanoseconds);
        return;
    }
  }

  /** A value decoded from a key (index values, handles). */
  appendDatum(datum: Datum): void {
    switch (datum.kind) {
      case 'null':
        this.builder.pushNull();
        return;
      case 'int':
      case 'uint':
        if (this.evalType === 'int') this.builder.push(datum.value);
        // A time is stored in keys as its packed uint.
        else if (this.evalType === 'time') this.builder.push(datum.value);
        else throw mismatch(datum.kind, this.evalType);
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
        this.builder.push(datum.value as Decimal);
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

function mismatch(kind: string, evalType: EvalType): CodecError {
  return new CodecError(`a stored ${kind} value cannot fill a ${evalType} column`);
}
