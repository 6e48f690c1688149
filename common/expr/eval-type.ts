import { FieldFlag, type FieldType, FieldTypeCode, hasFlag, newFieldType } from '../types/field-type.js';
import type { TimeType } from '../types/time.js';
import { unreachable } from '../assert.js';

/**
 * What an expression computes with, whatever its MySQL type: every TINYINT..BIGINT, YEAR
 * and BIT is an `int` (signed or unsigned by the Unsigned flag), FLOAT and DOUBLE are
 * `real`, CHAR..BLOB, ENUM and SET are `bytes`, DATE/DATETIME/TIMESTAMP are `time`, TIME
 * is `duration`. One signature per evaluation type keeps the store from inferring types.
 */
export type EvalType = 'int' | 'real' | 'decimal' | 'bytes' | 'time' | 'duration' | 'json';

export function evalTypeOf(type: Pick<FieldType, 'code'>): EvalType {
  switch (type.code) {
    case FieldTypeCode.Tiny:
    case FieldTypeCode.Short:
    case FieldTypeCode.Int24:
    case FieldTypeCode.Long:
    case FieldTypeCode.LongLong:
    case FieldTypeCode.Year:
    case FieldTypeCode.Bit:
    case FieldTypeCode.Null:
      return 'int';
    case FieldTypeCode.Float:
    case FieldTypeCode.Double:
      return 'real';
    case FieldTypeCode.Decimal:
    case FieldTypeCode.NewDecimal:
      return 'decimal';
    case FieldTypeCode.Date:
    case FieldTypeCode.NewDate:
    case FieldTypeCode.Datetime:
    case FieldTypeCode.Timestamp:
      return 'time';
    case FieldTypeCode.Duration:
      return 'duration';
    case FieldTypeCode.JSON:
      return 'json';
    case FieldTypeCode.Varchar:
    case FieldTypeCode.VarString:
    case FieldTypeCode.String:
    case FieldTypeCode.TinyBlob:
    case FieldTypeCode.MediumBlob:
    case FieldTypeCode.LongBlob:
    case FieldTypeCode.Blob:
    case FieldTypeCode.Enum:
    case FieldTypeCode.Set:
    case FieldTypeCode.Geometry:
      return 'bytes';
    default:
      return unreachable(type.code as never);
  }
}

/** DATE, DATETIME or TIMESTAMP, for a field type whose evaluation type is `time`. */
export function timeTypeOf(type: Pick<FieldType, 'code'>): TimeType {
  if (type.code === FieldTypeCode.Date || type.code === FieldTypeCode.NewDate) return 'date';
  if (type.code === FieldTypeCode.Timestamp) return 'timestamp';
  return 'datetime';
}

/** Fractional-second digits of a time or duration type (0 when unspecified). */
export function fspOf(type: Pick<FieldType, 'decimals'>): number {
  return type.decimals < 0 ? 0 : Math.min(type.decimals, 6);
}

export function isUnsignedType(type: Pick<FieldType, 'flags'>): boolean {
  return hasFlag(type.flags, FieldFlag.Unsigned);
}

/** Field types the functions infer for their results, MySQL's defaults for each kind. */
export const resultTypes = {
  bigint: (): FieldType => newFieldType(FieldTypeCode.LongLong),
  unsignedBigint: (): FieldType => newFieldType(FieldTypeCode.LongLong, { flags: FieldFlag.Unsigned }),
  /** The type of a boolean result (comparisons, logic): BIGINT(1), as MySQL reports it. */
  boolean: (): FieldType => newFieldType(FieldTypeCode.LongLong, { length: 1 }),
  double: (): FieldType => newFieldType(FieldTypeCode.Double),
  decimal: (precision: number, scale: number): FieldType => newFieldType(FieldTypeCode.NewDecimal, { length: precision, decimals: scale }),
  varchar: (length = -1, collation = 'utf8mb4_bin'): FieldType => newFieldType(FieldTypeCode.VarString, { length, charset: collation === 'binary' ? 'binary' : 'utf8mb4', collation }),
} as const;

/** How signature names spell each evaluation type (`LtInt`, `IfNullString`, `InDuration`, ...). */
export const signatureSuffix: Readonly<Record<EvalType, string>> = {
  int: 'Int',
  real: 'Real',
  decimal: 'Decimal',
  bytes: 'String',
  time: 'Time',
  duration: 'Duration',
  json: 'Json',
};

export const allEvalTypes: readonly EvalType[] = ['int', 'real', 'decimal', 'bytes', 'time', 'duration', 'json'];
