import { ScalarFuncSig as Sig } from '../../../proto/gen/dagpb.js';
import { decimalMaxScale } from '../../types/decimal.js';
import { FieldFlag, type FieldType, FieldTypeCode, newFieldType } from '../../types/field-type.js';
import { EvalContext } from '../context.js';
import { evalTypeOf, isUnsignedType } from '../eval-type.js';
import { valueReader, evaluate } from '../evaluate.js';
import { call, constant, type Expr } from '../expr.js';
import { castAs, castToEvalType, numericOperand } from './cast.js';
import { defineFunction } from './registry.js';
import { decimalPrecisionOf, decimalScaleOf, decimalType } from './types.js';

/**
 * Rules for the math functions, with MariaDB's result types (Item_func_int_val,
 * Item_func_round): CEIL/FLOOR of a DECIMAL are BIGINT when the integer part fits in 18
 * digits and DECIMAL(n,0) otherwise; ROUND/TRUNCATE with a constant number of digits give
 * a DECIMAL of that scale (or a DOUBLE shown with that many decimals); ROUND with negative
 * digits can lengthen an integer (ROUND(95, -1) = 100), so a BIGINT becomes a DECIMAL.
 * MOD is the `%` operator's rule (build/operators.ts registers `mod` as its alias); ABS is
 * here over the signatures of functions/arithmetic.ts.
 */

/** MariaDB's NOT_FIXED_DEC for doubles: 31 or more decimals means "shortest form". */
const notFixedDecimals = 31;

function asReal(expr: Expr): Expr {
  return castToEvalType(expr, 'real');
}

function integerType(length: number, unsigned: boolean): FieldType {
  return newFieldType(FieldTypeCode.LongLong, { length: Math.max(length, 1), ...(unsigned ? { flags: FieldFlag.Unsigned } : {}) });
}

function doubleType(decimals: number): FieldType {
  return newFieldType(FieldTypeCode.Double, { decimals: decimals >= notFixedDecimals ? -1 : decimals });
}

function referencesColumns(expr: Expr): boolean {
  return expr.kind === 'column' || (expr.kind === 'call' && expr.args.some(referencesColumns));
}

/**
 * The value of an integer argument that does not depend on the row (MySQL's const_item):
 * evaluated once here to type the call. undefined when it varies or cannot be evaluated
 * at plan time; the call still evaluates it per row (and raises its warnings then).
 */
function constantInteger(expr: Expr): bigint | null | undefined {
  if (referencesColumns(expr)) return undefined;
  if (expr.kind === 'constant' && expr.value === null) return null;
  try {
    const value = valueReader(evaluate(new EvalContext(), expr, [], 1), expr.type)(0);
    return value === null ? null : (value as bigint);
  } catch {
    // Whatever fails here fails again, properly reported, when the call runs.
    return undefined;
  }
}

/** Whether a BIGINT rounded left of the point needs a DECIMAL: MariaDB's literals of 10+ digits and BIGINT columns do. */
function isWideInteger(type: FieldType): boolean {
  return type.code === FieldTypeCode.LongLong && (type.length < 0 || type.length >= 10);
}

defineFunction({
  name: 'abs',
  minArgs: 1,
  maxArgs: 1,
  build: ([raw]) => {
    const value = numericOperand(raw!);
    switch (evalTypeOf(value.type)) {
      case 'real':
        return call(Sig.AbsReal, [value], doubleType(value.type.decimals < 0 ? notFixedDecimals : value.type.decimals));
      case 'decimal':
        return call(Sig.AbsDecimal, [value], decimalType(decimalPrecisionOf(value.type), decimalScaleOf(value.type)));
      default: {
        const unsigned = isUnsignedType(value.type);
        return call(unsigned ? Sig.AbsUnsigned : Sig.AbsInt, [value], integerType(value.type.length, unsigned));
      }
    }
  },
});

for (const [name, aliases, mode] of [
  ['ceil', ['ceiling'], 'ceiling'],
  ['floor', [], 'floor'],
] as const) {
  defineFunction(
    {
      name,
      minArgs: 1,
      maxArgs: 1,
      build: ([raw]) => {
        const value = numericOperand(raw!);
        const ceiling = mode === 'ceiling';
        switch (evalTypeOf(value.type)) {
          case 'real':
            return call(ceiling ? Sig.CeilReal : Sig.FloorReal, [value], doubleType(0));
          case 'decimal': {
            // CEIL(9.9) and FLOOR(-9.9) gain a digit.
            const scale = decimalScaleOf(value.type);
            const unsigned = isUnsignedType(value.type);
            const increase = scale > 0 && (ceiling || !unsigned) ? 1 : 0;
            const precision = Math.max(1, decimalPrecisionOf(value.type) - scale + increase);
            const rounded = call(ceiling ? Sig.CeilDecimal : Sig.FloorDecimal, [value], decimalType(precision, 0));
            return precision > 18 ? rounded : castAs(rounded, integerType(precision + (unsigned ? 0 : 1), unsigned));
          }
          default:
            return call(ceiling ? Sig.CeilInt : Sig.FloorInt, [value], integerType(value.type.length, isUnsignedType(value.type)));
        }
      },
    },
    aliases,
  );
}

/**
 * ROUND(x[, d]) and TRUNCATE(x, d). The result type follows the argument's evaluation
 * type and, when `d` is constant, its value: MariaDB's Item_func_round::fix_length_and_dec.
 */
function buildRound(raw: readonly Expr[], truncate: boolean): Expr {
  const value = numericOperand(raw[0]!);
  const valueType = evalTypeOf(value.type);
  if (raw.length === 1) {
    if (valueType === 'real') return call(Sig.RoundReal, [value], doubleType(0));
    if (valueType === 'decimal') {
      const scale = decimalScaleOf(value.type);
      const precision = Math.max(1, decimalPrecisionOf(value.type) - scale + (scale > 0 ? 1 : 0));
      return call(Sig.RoundDecimal, [value], decimalType(precision, 0));
    }
    return call(Sig.RoundInt, [value], integerType(value.type.length, isUnsignedType(value.type)));
  }
  const digits = castToEvalType(raw[1]!, 'int');
  const digitsValue = constantInteger(digits);
  const digitsUnsigned = isUnsignedType(digits.type);
  if (digitsValue === null) return constant(null, valueType === 'int' ? integerType(value.type.length, isUnsignedType(value.type)) : doubleType(notFixedDecimals));
  const negativeDigits = digitsValue !== undefined && digitsValue < 0n && !digitsUnsigned;
  // The scale a constant d asks for: 0 when negative, at most `cap`.
  const requestedScale = (cap: number) => (digitsValue === undefined ? undefined : negativeDigits ? 0 : digitsValue > BigInt(cap) ? cap : Number(digitsValue));
  switch (valueType) {
    case 'real': {
      const decimals = requestedScale(notFixedDecimals) ?? (value.type.decimals < 0 ? notFixedDecimals : value.type.decimals);
      return call(truncate ? Sig.TruncateReal : Sig.RoundWithFracReal, [value, digits], doubleType(decimals));
    }
    case 'decimal': {
      const precision = decimalPrecisionOf(value.type);
      const scale = decimalScaleOf(value.type);
      const wanted = requestedScale(decimalMaxScale);
      if (wanted === undefined) return call(truncate ? Sig.TruncateDecimal : Sig.RoundWithFracDecimal, [value, digits], decimalType(precision, scale));
      // Rounding away digits can carry into a new one: ROUND(9.95, 1) = 10.0.
      const delta = scale - wanted;
      const increase = delta > 0 && !truncate ? 1 : 0;
      return call(truncate ? Sig.TruncateDecimal : Sig.RoundWithFracDecimal, [value, digits], decimalType(Math.max(1, precision + increase - delta), wanted));
    }
    default: {
      const unsigned = isUnsignedType(value.type);
      if (truncate) return call(unsigned ? Sig.TruncateUnsigned : Sig.TruncateInt, [value, digits], integerType(value.type.length, unsigned));
      const lengthCanIncrease = digitsValue === undefined || negativeDigits;
      if (!lengthCanIncrease) return call(Sig.RoundWithFracInt, [value, digits], integerType(value.type.length, unsigned));
      if (isWideInteger(value.type)) {
        const precision = decimalPrecisionOf(value.type);
        return call(Sig.RoundWithFracDecimal, [castAs(value, decimalType(precision, 0)), digits], decimalType(precision + 1, 0));
      }
      return call(Sig.RoundWithFracInt, [value, digits], integerType(value.type.length + 1, unsigned));
    }
  }
}

defineFunction({ name: 'round', minArgs: 1, maxArgs: 2, build: (args) => buildRound(args, false) });
defineFunction({ name: 'truncate', minArgs: 2, maxArgs: 2, build: (args) => buildRound(args, true) });

defineFunction({
  name: 'sign',
  minArgs: 1,
  maxArgs: 1,
  build: ([raw]) => {
    const value = numericOperand(raw!);
    const type = evalTypeOf(value.type);
    const sig = type === 'real' ? Sig.SignReal : type === 'decimal' ? Sig.SignDecimal : Sig.SignInt;
    return call(sig, [value], integerType(2, false));
  },
});

const double = (): FieldType => doubleType(notFixedDecimals);

defineFunction({ name: 'pow', minArgs: 2, maxArgs: 2, build: ([base, exponent]) => call(Sig.Pow, [asReal(base!), asReal(exponent!)], double()) }, ['power']);
defineFunction({ name: 'sqrt', minArgs: 1, maxArgs: 1, build: ([value]) => call(Sig.Sqrt, [asReal(value!)], double()) });
defineFunction({ name: 'exp', minArgs: 1, maxArgs: 1, build: ([value]) => call(Sig.Exp, [asReal(value!)], double()) });
defineFunction({ name: 'ln', minArgs: 1, maxArgs: 1, build: ([value]) => call(Sig.Ln, [asReal(value!)], double()) });
defineFunction({ name: 'log10', minArgs: 1, maxArgs: 1, build: ([value]) => call(Sig.Log10, [asReal(value!)], double()) });
defineFunction({ name: 'log2', minArgs: 1, maxArgs: 1, build: ([value]) => call(Sig.Log2, [asReal(value!)], double()) });

// LOG(x) is LN(x); LOG(b, x) is LN(x) / LN(b), MySQL's own formula. A base of 1 divides by
// LN(1) = 0: NULL with warning 1365 here, where MySQL 8 warns 3020.
defineFunction({
  name: 'log',
  minArgs: 1,
  maxArgs: 2,
  build: (args) => {
    if (args.length === 1) return call(Sig.Ln, [asReal(args[0]!)], double());
    const base = call(Sig.Ln, [asReal(args[0]!)], double());
    const value = call(Sig.Ln, [asReal(args[1]!)], double());
    return call(Sig.DivideReal, [value, base], double());
  },
});
