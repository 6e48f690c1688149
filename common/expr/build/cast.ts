import { ScalarFuncSig as Sig } from '../../../proto/gen/dagpb.js';
import { type FieldType, FieldTypeCode, newFieldType } from '../../types/field-type.js';
import { type EvalType, evalTypeOf, signatureSuffix } from '../eval-type.js';
import { call, constant, type Expr } from '../expr.js';
import { decimalHolding } from './types.js';

/** The CAST signature from one evaluation type to another (`CastStringAsInt`, ...). */
export function castSignature(from: EvalType, to: EvalType): Sig {
  return Sig[`Cast${signatureSuffix[from]}As${signatureSuffix[to]}` as keyof typeof Sig];
}

/**
 * `expr` converted to `target`. An implicit conversion (an operator's operand, a function
 * argument) is skipped when the evaluation type already matches; an explicit CAST always
 * runs, since it also rounds, truncates and re-flags (`CAST(-1 AS UNSIGNED)`,
 * `CAST(1.25 AS DECIMAL(3,1))`). A NULL literal only changes its type.
 */
export function castAs(expr: Expr, target: FieldType, explicit = false): Expr {
  const from = evalTypeOf(expr.type);
  const to = evalTypeOf(target);
  if (expr.kind === 'constant' && expr.value === null) return constant(null, target);
  if (!explicit && from === to) return expr;
  return call(castSignature(from, to), [expr], target);
}

/** `expr` converted, where needed, to the default field type of `evalType`. */
export function castToEvalType(expr: Expr, evalType: EvalType): Expr {
  if (evalTypeOf(expr.type) === evalType) return expr;
  return castAs(expr, defaultTypeOf(evalType, expr.type));
}

/**
 * Fractional digits a value converted to a time keeps: a time's or a decimal's own
 * (capped at 6), none for an integer, and all 6 for strings and doubles, whose text
 * may carry any fraction (MySQL reads '10:11:12.5' with its fraction).
 */
function temporalFspFrom(from: FieldType | undefined): number {
  if (from === undefined) return 6;
  const type = evalTypeOf(from);
  if (type === 'int') return 0;
  if (type === 'time' || type === 'duration' || type === 'decimal') return from.decimals >= 0 ? Math.min(from.decimals, 6) : 6;
  return 6;
}

/**
 * The type a value of `evalType` takes when MySQL converts to it without being told a
 * precise type: BIGINT, DOUBLE, DECIMAL(65,30) cut to what the source can hold, the
 * source's length as a string, DATETIME(6), TIME(6), JSON.
 */
export function defaultTypeOf(evalType: EvalType, from?: FieldType): FieldType {
  switch (evalType) {
    case 'int':
      return newFieldType(FieldTypeCode.LongLong);
    case 'real':
      return newFieldType(FieldTypeCode.Double);
    case 'decimal': {
      if (from !== undefined && evalTypeOf(from) === 'int') return decimalHolding(from);
      return newFieldType(FieldTypeCode.NewDecimal, { length: 65, decimals: 30 });
    }
    case 'bytes':
      return newFieldType(FieldTypeCode.VarString, { length: from?.length ?? -1, charset: 'utf8mb4', collation: 'utf8mb4_general_ci' });
    case 'time':
      return newFieldType(FieldTypeCode.Datetime, { decimals: temporalFspFrom(from) });
    case 'duration':
      return newFieldType(FieldTypeCode.Duration, { decimals: temporalFspFrom(from) });
    case 'json':
      return newFieldType(FieldTypeCode.JSON);
  }
}

/**
 * How an operand counts as a number (arithmetic, math functions): numbers as they are,
 * temporal values as their numeric form (DATE '2020-01-01' + 0 = 20200101, a DECIMAL
 * when they have fractional seconds), strings and JSON as doubles.
 */
export function numericOperand(expr: Expr): Expr {
  if (expr.type.code === FieldTypeCode.Null) return expr;
  const type = evalTypeOf(expr.type);
  if (type === 'int' || type === 'real' || type === 'decimal') return expr;
  if (type === 'time' || type === 'duration') {
    const fsp = Math.max(expr.type.decimals, 0);
    return fsp === 0 ? castAs(expr, newFieldType(FieldTypeCode.LongLong)) : castAs(expr, newFieldType(FieldTypeCode.NewDecimal, { length: Math.min(14 + fsp, 65), decimals: fsp }));
  }
  return castToEvalType(expr, 'real');
}
