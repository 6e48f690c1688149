import { FieldFlag, type FieldType, FieldTypeCode, hasFlag, newFieldType, temporalDisplayLength } from '../../types/field-type.js';
import { ExprError } from '../context.js';
import { evalTypeOf } from '../eval-type.js';
import { call, constant, type Expr } from '../expr.js';
import { formatValue } from '../format-value.js';
import { castSignature } from './cast.js';

/** The type named in CAST(x AS type) or CONVERT(x, type). */
export interface CastTarget {
  kind: 'signed' | 'unsigned' | 'decimal' | 'double' | 'float' | 'char' | 'binary' | 'date' | 'datetime' | 'time' | 'json';
  /** DECIMAL's precision, CHAR/BINARY's length, FLOAT's precision, DATETIME/TIME's fsp. */
  length?: number;
  /** DECIMAL's scale. */
  scale?: number;
  /** CHAR(n) CHARACTER SET name ('binary' makes it BINARY). */
  charset?: string;
}

/** MySQL's errors for a CAST target it refuses. */
export const CastBuildErrorCode = {
  /** ER_TOO_BIG_SCALE. */
  tooBigScale: 1425,
  /** ER_TOO_BIG_PRECISION (DECIMAL's precision, or an fsp above 6). */
  tooBigPrecision: 1426,
  /** ER_M_BIGGER_THAN_D. */
  scaleAbovePrecision: 1427,
  /** ER_WRONG_FIELD_SPEC: FLOAT(p) with p above 53. */
  wrongFieldSpec: 1063,
  /** ER_UNKNOWN_CHARACTER_SET. */
  unknownCharacterSet: 1115,
} as const;

const maxCastIntegerDigits = 21;
/** Digits of the largest BIGINT UNSIGNED. */
const maxUnsignedDigits = 20;

/**
 * How MySQL names an expression in a message about it (`'1'`, `'2020-01-01'`): a
 * constant's text; other expressions have no SQL text here, so they are named by kind.
 */
function shownExpression(expr: Expr): string {
  if (expr.kind !== 'constant') return expr.kind === 'column' ? `column ${expr.index}` : 'expression';
  return formatValue(expr.value, expr.type) ?? 'NULL';
}

function checkFsp(fsp: number, expr: Expr): number {
  if (fsp > 6) throw new ExprError(CastBuildErrorCode.tooBigPrecision, `Too-big precision ${fsp} specified for '${shownExpression(expr)}'. Maximum is 6.`);
  return fsp;
}

/** A string target's length: CHAR(n)'s n, or (without one) the source's display length. */
function stringTargetType(expr: Expr, target: CastTarget, binary: boolean): FieldType {
  const charset = binary ? 'binary' : 'utf8mb4';
  const collation = binary ? 'binary' : 'utf8mb4_general_ci';
  if (target.length !== undefined) {
    // Typed CHAR (not VARCHAR) so CAST knows the length is a limit to cut at, which an
    // implicit conversion's inherited length is not; MySQL reports VARCHAR(n).
    return newFieldType(FieldTypeCode.String, { length: target.length, charset, collation, flags: binary ? FieldFlag.Binary : 0 });
  }
  return newFieldType(FieldTypeCode.VarString, { length: expr.type.length, charset, collation, flags: binary ? FieldFlag.Binary : 0 });
}

/** The result type of CAST(expr AS target), as MySQL infers it; throws MySQL's error for a target it refuses. */
export function castTargetType(expr: Expr, target: CastTarget): FieldType {
  const source = expr.type;
  switch (target.kind) {
    case 'signed': {
      const length = source.length > 0 ? Math.min(source.length, maxCastIntegerDigits) : maxCastIntegerDigits;
      return newFieldType(FieldTypeCode.LongLong, { length });
    }
    case 'unsigned': {
      // A value that may be negative becomes up to 20 digits (-1 is 18446744073709551615),
      // as MariaDB types it; the source's length would make a DECIMAL built from this
      // type (IFNULL(CAST(-1 AS UNSIGNED), -1)) clamp it.
      const neverNegative = hasFlag(source.flags, FieldFlag.Unsigned) || (expr.kind === 'constant' && typeof expr.value === 'bigint' && expr.value >= 0n);
      const length = neverNegative && source.length > 0 ? Math.min(source.length, maxUnsignedDigits) : maxUnsignedDigits;
      return newFieldType(FieldTypeCode.LongLong, { length, flags: FieldFlag.Unsigned });
    }
    case 'decimal': {
      // DECIMAL is DECIMAL(10,0); DECIMAL(0) takes the default precision too, as MariaDB does.
      const precision = target.length === undefined || target.length === 0 ? 10 : target.length;
      const scale = target.scale ?? 0;
      const shown = shownExpression(expr);
      if (scale > precision) throw new ExprError(CastBuildErrorCode.scaleAbovePrecision, `For float(M,D), double(M,D) or decimal(M,D), M must be >= D (column '${shown}').`);
      if (precision > 65) throw new ExprError(CastBuildErrorCode.tooBigPrecision, `Too-big precision ${precision} specified for '${shown}'. Maximum is 65.`);
      if (scale > 30) throw new ExprError(CastBuildErrorCode.tooBigScale, `Too big scale ${scale} specified for '${shown}'. Maximum is 30.`);
      return newFieldType(FieldTypeCode.NewDecimal, { length: precision, decimals: scale });
    }
    case 'double':
      return newFieldType(FieldTypeCode.Double);
    case 'float': {
      // FLOAT(p): single precision up to 24 bits, double up to 53 (MySQL 8).
      const precision = target.length ?? 0;
      if (precision > 53) throw new ExprError(CastBuildErrorCode.wrongFieldSpec, `Incorrect column specifier for column '${shownExpression(expr)}'`);
      return newFieldType(precision > 24 ? FieldTypeCode.Double : FieldTypeCode.Float);
    }
    case 'char': {
      const charset = target.charset?.toLowerCase();
      if (charset !== undefined && charset !== 'binary' && charset !== 'utf8mb4' && charset !== 'utf8' && charset !== 'utf8mb3') {
        throw new ExprError(CastBuildErrorCode.unknownCharacterSet, `Unknown character set: '${target.charset}'`);
      }
      return stringTargetType(expr, target, charset === 'binary');
    }
    case 'binary':
      return stringTargetType(expr, target, true);
    case 'date':
      return newFieldType(FieldTypeCode.Date);
    case 'datetime': {
      const fsp = checkFsp(target.length ?? 0, expr);
      return newFieldType(FieldTypeCode.Datetime, { decimals: fsp, length: temporalDisplayLength(FieldTypeCode.Datetime, fsp) });
    }
    case 'time': {
      const fsp = checkFsp(target.length ?? 0, expr);
      return newFieldType(FieldTypeCode.Duration, { decimals: fsp, length: temporalDisplayLength(FieldTypeCode.Duration, fsp) });
    }
    case 'json':
      return newFieldType(FieldTypeCode.JSON, { charset: 'utf8mb4', collation: 'utf8mb4_bin' });
  }
}

/**
 * CAST(expr AS target) and CONVERT(expr, target), which the parser builds through here
 * (they take a type, not an expression, so they have no function rule). The cast always
 * runs, even between equal evaluation types: it rounds, cuts, clamps and re-flags. A
 * NULL literal only changes its type.
 */
export function buildExplicitCast(expr: Expr, target: CastTarget): Expr {
  const type = castTargetType(expr, target);
  if (expr.kind === 'constant' && expr.value === null) return constant(null, type);
  return call(castSignature(evalTypeOf(expr.type), evalTypeOf(type)), [expr], type);
}
