import type { Datum } from '../../common/codec/datum.js';
import { readCompactInt, readCompactUint, readRowDecimal, readRowDuration, readRowFloat, readRowTime, type RowColumnType } from '../../common/codec/row.js';
import { BytesColumnBuilder, type ColumnBuilder, columnBuilderFor, DecimalColumnBuilder, IntColumnBuilder, RealColumnBuilder } from '../../common/expr/column.js';
import { ExprError, ExprErrorCode } from '../../common/expr/context.js';
import { type EvalType, evalTypeOf, fspOf, isUnsignedType, timeTypeOf } from '../../common/expr/eval-type.js';
import { CodecError } from '../../common/errors.js';
import { type FieldType, FieldTypeCode } from '../../common/types/field-type.js';

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
      case 'float':
        (this.builder as RealColumnBuilder).push(readRowFloat(bytes));
        return;
      case 'bytes':
        (this.builder as BytesColumnBuilder).push(bytes);
        return;
      case 'decimal':
        (this.builder as DecimalColumnBuilder).push(readRowDecimal(bytes).value);
        return;
      case 'time':
        // Checked on the way: a corrupt packed time fails here, not in a function later.
        this.builder.push(readRowTime(bytes, this.rowType.timeType, this.rowType.fsp).toPackedUint());
        return;
      case 'duration':
        this.builder.push(readRowDuration(bytes, this.rowType.fsp).nanoseconds);
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

function mismatch(kind: string, evalType: EvalType): CodecError {
  return new CodecError(`a stored ${kind} value cannot fill a ${evalType} column`);
}
