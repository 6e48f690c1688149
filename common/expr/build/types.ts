import { decimalMaxPrecision, decimalMaxScale } from '../../types/decimal.js';
import { FieldFlag, type FieldType, FieldTypeCode, isBinaryString, isUnsigned, newFieldType } from '../../types/field-type.js';
import { type EvalType, evalTypeOf } from '../eval-type.js';
import type { Expr } from '../expr.js';

/**
 * Type inference shared by the rules: how MySQL derives a result type from its
 * arguments' types (Item_func::fix_length_and_dec and agg_field_type, in spirit).
 */

/** The type of an untyped NULL literal: it takes the type of whatever it meets. */
export function isNullType(type: FieldType): boolean {
  return type.code === FieldTypeCode.Null;
}

/**
 * DECIMAL precision of a numeric type as MySQL infers result types from it: an integer's
 * length, a decimal's precision. An integer's length is a display width, which its values
 * may pass: convert with `decimalHolding`, not with this.
 */
export function decimalPrecisionOf(type: FieldType): number {
  const evalType = evalTypeOf(type);
  if (evalType === 'decimal') return type.length > 0 ? type.length : decimalMaxPrecision;
  if (evalType === 'int') return type.length > 0 ? Math.min(type.length, maxIntegerDigits) : maxIntegerDigits;
  return decimalMaxPrecision;
}

/**
 * The digits every value of an integer type fits in. Not its length: that is a display
 * width (a TINYINT(1) holds 100, a CAST(x AS SIGNED) of a VARCHAR(3) holds 12345), and a
 * cast to a DECIMAL of that precision would clamp such values.
 */
function integerDigitsOf(type: FieldType): number {
  switch (type.code) {
    case FieldTypeCode.Tiny:
      return 3;
    case FieldTypeCode.Short:
      return 5;
    case FieldTypeCode.Int24:
      return 8;
    case FieldTypeCode.Long:
      return 10;
    case FieldTypeCode.Year:
      return 4;
    default:
      return maxIntegerDigits;
  }
}

/** Digits of the largest BIGINT UNSIGNED. */
const maxIntegerDigits = 20;

/**
 * The DECIMAL an implicit conversion of a value of `type` goes to: one that holds every
 * value of the type (an integer's full range, whatever its display width), with its scale.
 */
export function decimalHolding(type: FieldType): FieldType {
  const precision = evalTypeOf(type) === 'int' ? Math.max(decimalPrecisionOf(type), integerDigitsOf(type)) : decimalPrecisionOf(type);
  return decimalType(precision, decimalScaleOf(type));
}

/** Scale of a numeric type: 0 for integers, the decimals of a DECIMAL. */
export function decimalScaleOf(type: FieldType): number {
  const evalType = evalTypeOf(type);
  if (evalType === 'int') return 0;
  if (type.decimals < 0) return decimalMaxScale;
  return Math.min(type.decimals, decimalMaxScale);
}

export function decimalType(precision: number, scale: number): FieldType {
  const boundedScale = Math.min(Math.max(scale, 0), decimalMaxScale);
  const boundedPrecision = Math.min(Math.max(precision, boundedScale, 1), decimalMaxPrecision);
  return newFieldType(FieldTypeCode.NewDecimal, { length: boundedPrecision, decimals: boundedScale });
}

/**
 * The collation a call over strings works with. A binary string makes the call binary;
 * otherwise a collation other than the connection's default (utf8mb4_general_ci, what
 * literals get) wins, which is what an explicit COLLATE or a column's own collation
 * does in MySQL. (MySQL's full coercibility rules, with "illegal mix" errors between two
 * columns, arrive with the SQL layer, which knows which operand is a column.)
 */
export function stringCollationOf(types: readonly FieldType[]): { charset: string; collation: string } {
  const strings = types.filter((type) => evalTypeOf(type) === 'bytes' && !isNullType(type));
  if (strings.some((type) => isBinaryString(type))) return { charset: 'binary', collation: 'binary' };
  const explicit = strings.find((type) => type.collation !== '' && type.collation !== defaultStringCollation);
  return { charset: 'utf8mb4', collation: explicit?.collation ?? defaultStringCollation };
}

export const defaultStringCollation = 'utf8mb4_general_ci';

export function stringType(length: number, types: readonly FieldType[]): FieldType {
  const { charset, collation } = stringCollationOf(types);
  return newFieldType(FieldTypeCode.VarString, { length, charset, collation, ...(charset === 'binary' ? { flags: FieldFlag.Binary } : {}) });
}

/**
 * The type the branches of IF/IFNULL/CASE/COALESCE take together (MySQL's
 * agg_field_type): one evaluation type for all of them, strings beating numbers,
 * doubles beating decimals beating integers, DATETIME beating DATE.
 */
export function unionType(types: readonly FieldType[]): FieldType {
  const known = types.filter((type) => !isNullType(type));
  if (known.length === 0) return newFieldType(FieldTypeCode.Null);
  const evalTypes = new Set(known.map((type) => evalTypeOf(type)));
  const only = (type: EvalType) => evalTypes.size === 1 && evalTypes.has(type);
  const unsignedCount = known.filter(isUnsigned).length;
  // Signed and unsigned integers together need a DECIMAL: no BIGINT holds both
  // 18446744073709551615 and -1 (MySQL and MariaDB both widen so).
  if (only('int') && (unsignedCount === 0 || unsignedCount === known.length)) {
    return newFieldType(FieldTypeCode.LongLong, { length: Math.max(...known.map((type) => type.length)), ...(unsignedCount > 0 ? { flags: FieldFlag.Unsigned } : {}) });
  }
  if (only('time')) {
    const allDates = known.every((type) => type.code === FieldTypeCode.Date || type.code === FieldTypeCode.NewDate);
    const fsp = Math.max(0, ...known.map((type) => type.decimals));
    if (allDates) return newFieldType(FieldTypeCode.Date);
    return newFieldType(known.every((type) => type.code === FieldTypeCode.Timestamp) ? FieldTypeCode.Timestamp : FieldTypeCode.Datetime, { decimals: fsp });
  }
  // A DATE or DATETIME with a TIME is a DATETIME (the TIME on the current date).
  if (evalTypes.size === 2 && evalTypes.has('time') && evalTypes.has('duration')) {
    return newFieldType(FieldTypeCode.Datetime, { decimals: Math.max(0, ...known.map((type) => type.decimals)) });
  }
  if (only('duration')) return newFieldType(FieldTypeCode.Duration, { decimals: Math.max(0, ...known.map((type) => type.decimals)) });
  if (only('json')) return newFieldType(FieldTypeCode.JSON);
  const numeric = [...evalTypes].every((type) => type === 'int' || type === 'decimal' || type === 'real');
  if (numeric) {
    if (evalTypes.has('real')) return newFieldType(FieldTypeCode.Double);
    const scale = Math.max(...known.map(decimalScaleOf));
    const integerDigits = Math.max(...known.map((type) => decimalPrecisionOf(type) - decimalScaleOf(type)));
    return decimalType(integerDigits + scale, scale);
  }
  return stringType(Math.max(-1, ...known.map((type) => type.length)), known);
}

/** An argument list's types. */
export function typesOf(args: readonly Expr[]): FieldType[] {
  return args.map((arg) => arg.type);
}
