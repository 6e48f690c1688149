import { ScalarFuncSig as Sig } from '../../../proto/gen/dagpb.js';
import { Decimal, type DecimalRoundMode, DecimalError } from '../../types/decimal.js';
import { type EvalContext, ExprError, ExprErrorCode } from '../context.js';
import { isUnsignedType } from '../eval-type.js';
import type { ScalarValue } from '../expr.js';
import { type CallInfo, defineScalar } from '../function.js';
import { checkedInteger } from './arithmetic.js';
import { exp, log, log10, pow } from './libm.js';

/**
 * CEIL, FLOOR, ROUND, TRUNCATE, SIGN and the functions over doubles, as MariaDB/MySQL
 * compute them: exact values round half away from zero, doubles round half to even
 * (C's rint) after scaling by a power of ten, and a double result that is not finite is
 * error 1690 rather than a value.
 */

/** ER_INVALID_ARGUMENT_FOR_LOGARITHM (MySQL 8; MariaDB warns 1365 "Division by 0" instead). */
const invalidLogarithmArgumentCode = 3020;

/** How a double argument shows in an out-of-range message: pow(1e308,2), as MySQL prints literals. */
function shownReal(value: number): string {
  return String(value).replace('e+', 'e');
}

function checkedRealResult(value: number, shown: () => string): number {
  if (!Number.isFinite(value)) throw new ExprError(ExprErrorCode.dataOutOfRange, `DOUBLE value is out of range in '${shown()}'`);
  return value;
}

/** C's rint in the default rounding mode: to the nearest integer, ties to even; keeps -0. */
export function roundHalfEven(value: number): number {
  if (!Number.isFinite(value)) return value;
  const floor = Math.floor(value);
  const difference = value - floor;
  let rounded = difference < 0.5 ? floor : difference > 0.5 ? floor + 1 : floor % 2 === 0 ? floor : floor + 1;
  if (rounded === 0 && (value < 0 || Object.is(value, -0))) rounded = -0;
  return rounded;
}

/** 10^exponent as MariaDB's log_10 table holds it (exact literals up to 1e308). */
function powerOfTen(exponent: number): number {
  return exponent <= 308 ? Number(`1e${exponent}`) : Number.POSITIVE_INFINITY;
}

/**
 * MariaDB's my_double_round: ROUND/TRUNCATE of a double to `digits` decimal places (left
 * of the point when negative) by scaling with a power of ten, so ROUND(1.005e0, 2) is 1.00
 * (1.005 × 100 is 100.49999999999999) and ROUND(2.5e0) is 2.
 */
export function roundDouble(value: number, digits: bigint, digitsUnsigned: boolean, truncate: boolean): number {
  const negative = digits < 0n && !digitsUnsigned;
  const absolute = negative ? -digits : digits;
  const scale = absolute > 400n ? Number.POSITIVE_INFINITY : powerOfTen(Number(absolute));
  if (!Number.isFinite(scale)) return negative ? 0 : value;
  const divided = value / scale;
  const multiplied = value * scale;
  if (!negative && !Number.isFinite(multiplied)) return value;
  if (truncate) {
    if (value >= 0) return negative ? Math.floor(divided) * scale : Math.floor(multiplied) / scale;
    return negative ? Math.ceil(divided) * scale : Math.ceil(multiplied) / scale;
  }
  return negative ? roundHalfEven(divided) * scale : roundHalfEven(multiplied) / scale;
}

const powersOfTenBig: bigint[] = [1n];
for (let exponent = 1; exponent < 20; exponent++) powersOfTenBig.push(powersOfTenBig[exponent - 1]! * 10n);

/**
 * ROUND/TRUNCATE of an integer to `digits` places: a no-op unless `digits` is negative;
 * ROUND rounds half away from zero (ROUND(-15, -1) = -20); 20 or more places give 0.
 */
function roundInteger(value: bigint, digits: bigint, digitsUnsigned: boolean, truncate: boolean): bigint {
  if (digits >= 0n || digitsUnsigned) return value;
  if (-digits >= 20n) return 0n;
  const scale = powersOfTenBig[Number(-digits)]!;
  const magnitude = value < 0n ? -value : value;
  let rounded = (magnitude / scale) * scale;
  if (!truncate && magnitude - rounded >= scale / 2n) rounded += scale;
  return value < 0n ? -rounded : rounded;
}

function decimalOutOfRange(name: string, value: Decimal): ExprError {
  return new ExprError(ExprErrorCode.dataOutOfRange, `DECIMAL value is out of range in '${name}(${value.toString()})'`);
}

/**
 * ROUND/TRUNCATE of a DECIMAL to `digits` places, shown with the result type's scale: with
 * a constant `digits` the type's scale is `digits` already; with a varying one the type
 * keeps the argument's scale and the rounded value is padded to it, as MySQL shows it.
 */
function roundDecimal(value: Decimal, digits: bigint, digitsUnsigned: boolean, mode: DecimalRoundMode, call: CallInfo, name: string): Decimal {
  const resultScale = Math.max(call.type.decimals, 0);
  let places: number;
  if (digits >= 0n || digitsUnsigned) places = digits > BigInt(resultScale) ? resultScale : Number(digits);
  else places = digits < -100n ? -100 : Number(digits);
  try {
    const rounded = value.round(places, mode);
    return rounded.scale === resultScale ? rounded : rounded.round(resultScale, mode);
  } catch (error) {
    if (error instanceof DecimalError && error.kind === 'overflow') throw decimalOutOfRange(name, value);
    throw error;
  }
}

function decimalToIntegral(value: Decimal, mode: DecimalRoundMode, name: string): Decimal {
  try {
    return value.round(0, mode);
  } catch (error) {
    if (error instanceof DecimalError && error.kind === 'overflow') throw decimalOutOfRange(name, value);
    throw error;
  }
}

function invalidLogarithm(context: EvalContext): null {
  context.warn(invalidLogarithmArgumentCode, 'Invalid argument for logarithm');
  return null;
}

function asInt(value: ScalarValue | null | undefined): bigint {
  return value as bigint;
}

function asReal(value: ScalarValue | null | undefined): number {
  return value as number;
}

function asDecimal(value: ScalarValue | null | undefined): Decimal {
  return value as Decimal;
}

// CEIL/FLOOR/ROUND of an integer is the integer itself.
for (const [sig, name] of [
  [Sig.CeilInt, 'ceil'],
  [Sig.FloorInt, 'floor'],
  [Sig.RoundInt, 'round'],
] as const) {
  defineScalar({ sig, name, args: ['int'], returns: 'int', row: (_context, [value]) => asInt(value) });
}

defineScalar({ sig: Sig.CeilReal, name: 'ceil', args: ['real'], returns: 'real', row: (_context, [value]) => Math.ceil(asReal(value)) });
defineScalar({ sig: Sig.FloorReal, name: 'floor', args: ['real'], returns: 'real', row: (_context, [value]) => Math.floor(asReal(value)) });
defineScalar({ sig: Sig.RoundReal, name: 'round', args: ['real'], returns: 'real', row: (_context, [value]) => roundHalfEven(asReal(value)) });
defineScalar({ sig: Sig.CeilDecimal, name: 'ceil', args: ['decimal'], returns: 'decimal', row: (_context, [value]) => decimalToIntegral(asDecimal(value), 'ceiling', 'ceiling') });
defineScalar({ sig: Sig.FloorDecimal, name: 'floor', args: ['decimal'], returns: 'decimal', row: (_context, [value]) => decimalToIntegral(asDecimal(value), 'floor', 'floor') });
defineScalar({ sig: Sig.RoundDecimal, name: 'round', args: ['decimal'], returns: 'decimal', row: (_context, [value]) => decimalToIntegral(asDecimal(value), 'half-up', 'round') });

// ROUND(x, d) and TRUNCATE(x, d): d is an int (a huge unsigned d counts as huge, not negative).
defineScalar({
  sig: Sig.RoundWithFracInt,
  name: 'round',
  args: ['int', 'int'],
  returns: 'int',
  row: (_context, [value, digits], call) => checkedInteger(roundInteger(asInt(value), asInt(digits), isUnsignedType(call.args[1]!), false), call, 'round', asInt(value)),
});
for (const sig of [Sig.TruncateInt, Sig.TruncateUnsigned]) {
  defineScalar({
    sig,
    name: 'truncate',
    args: ['int', 'int'],
    returns: 'int',
    row: (_context, [value, digits], call) => roundInteger(asInt(value), asInt(digits), isUnsignedType(call.args[1]!), true),
  });
}
defineScalar({
  sig: Sig.RoundWithFracReal,
  name: 'round',
  args: ['real', 'int'],
  returns: 'real',
  row: (_context, [value, digits], call) => roundDouble(asReal(value), asInt(digits), isUnsignedType(call.args[1]!), false),
});
defineScalar({
  sig: Sig.TruncateReal,
  name: 'truncate',
  args: ['real', 'int'],
  returns: 'real',
  row: (_context, [value, digits], call) => roundDouble(asReal(value), asInt(digits), isUnsignedType(call.args[1]!), true),
});
defineScalar({
  sig: Sig.RoundWithFracDecimal,
  name: 'round',
  args: ['decimal', 'int'],
  returns: 'decimal',
  row: (_context, [value, digits], call) => roundDecimal(asDecimal(value), asInt(digits), isUnsignedType(call.args[1]!), 'half-up', call, 'round'),
});
defineScalar({
  sig: Sig.TruncateDecimal,
  name: 'truncate',
  args: ['decimal', 'int'],
  returns: 'decimal',
  row: (_context, [value, digits], call) => roundDecimal(asDecimal(value), asInt(digits), isUnsignedType(call.args[1]!), 'truncate', call, 'truncate'),
});

defineScalar({ sig: Sig.SignInt, name: 'sign', args: ['int'], returns: 'int', row: (_context, [value]) => (asInt(value) > 0n ? 1n : asInt(value) < 0n ? -1n : 0n) });
defineScalar({ sig: Sig.SignReal, name: 'sign', args: ['real'], returns: 'int', row: (_context, [value]) => (asReal(value) > 0 ? 1n : asReal(value) < 0 ? -1n : 0n) });
defineScalar({ sig: Sig.SignDecimal, name: 'sign', args: ['decimal'], returns: 'int', row: (_context, [value]) => BigInt(asDecimal(value).sign()) });

defineScalar({
  sig: Sig.Pow,
  name: 'pow',
  args: ['real', 'real'],
  returns: 'real',
  row: (_context, [base, exponent]) => checkedRealResult(pow(asReal(base), asReal(exponent)), () => `pow(${shownReal(asReal(base))},${shownReal(asReal(exponent))})`),
});
// SQRT of a negative number is NULL without a warning, in MySQL and MariaDB alike.
defineScalar({ sig: Sig.Sqrt, name: 'sqrt', args: ['real'], returns: 'real', row: (_context, [value]) => (asReal(value) < 0 ? null : Math.sqrt(asReal(value))) });
defineScalar({ sig: Sig.Exp, name: 'exp', args: ['real'], returns: 'real', row: (_context, [value]) => checkedRealResult(exp(asReal(value)), () => `exp(${shownReal(asReal(value))})`) });
defineScalar({ sig: Sig.Ln, name: 'ln', args: ['real'], returns: 'real', row: (context, [value]) => (asReal(value) <= 0 ? invalidLogarithm(context) : log(asReal(value))) });
defineScalar({ sig: Sig.Log10, name: 'log10', args: ['real'], returns: 'real', row: (context, [value]) => (asReal(value) <= 0 ? invalidLogarithm(context) : log10(asReal(value))) });
// log(x) / M_LN2, as MySQL computes it (not a separate log2).
defineScalar({ sig: Sig.Log2, name: 'log2', args: ['real'], returns: 'real', row: (context, [value]) => (asReal(value) <= 0 ? invalidLogarithm(context) : log(asReal(value)) / Math.LN2) });
