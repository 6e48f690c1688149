import { ScalarFuncSig as Sig } from '../../../proto/gen/dagpb.js';
import { Decimal, DecimalError } from '../../types/decimal.js';
import { type EvalContext, ExprError, ExprErrorCode } from '../context.js';
import { isUnsignedType } from '../eval-type.js';
import type { ScalarValue } from '../expr.js';
import { type CallInfo, defineScalar } from '../function.js';

const int64Min = -(1n << 63n);
const int64Max = (1n << 63n) - 1n;
const uint64Max = (1n << 64n) - 1n;

/** How an out-of-range message shows the computation: `(9223372036854775807 + 1)`, `abs(-9223372036854775808)`. */
function shown(operator: string, left: ScalarValue, right?: ScalarValue): string {
  return right === undefined ? `${operator}(${String(left)})` : `(${String(left)} ${operator} ${String(right)})`;
}

/**
 * An integer result checked against the call's result type: MySQL raises "BIGINT value is
 * out of range" (1690) rather than wrapping or rounding. The message is built only then.
 */
export function checkedInteger(value: bigint, call: CallInfo, operator: string, left: ScalarValue, right?: ScalarValue): bigint {
  const unsigned = isUnsignedType(call.type);
  if (unsigned ? value < 0n || value > uint64Max : value < int64Min || value > int64Max) {
    throw new ExprError(ExprErrorCode.dataOutOfRange, `BIGINT${unsigned ? ' UNSIGNED' : ''} value is out of range in '${shown(operator, left, right)}'`);
  }
  return value;
}

function checkedReal(value: number, operator: string, left: number, right: number): number {
  if (!Number.isFinite(value)) throw new ExprError(ExprErrorCode.dataOutOfRange, `DOUBLE value is out of range in '${shown(operator, left, right)}'`);
  return value;
}

function checkedDecimal(compute: () => Decimal | null, operator: string, left: Decimal, right: Decimal): Decimal | null {
  try {
    return compute();
  } catch (error) {
    if (error instanceof DecimalError && error.kind === 'overflow') throw new ExprError(ExprErrorCode.dataOutOfRange, `DECIMAL value is out of range in '${shown(operator, left, right)}'`);
    throw error;
  }
}

/** Division or modulo by zero: NULL, with MySQL's warning 1365. */
function divisionByZero(context: EvalContext): null {
  context.warn(ExprErrorCode.divisionByZero, 'Division by 0');
  return null;
}

type Binary<T> = (context: EvalContext, left: T, right: T, call: CallInfo) => ScalarValue | null;

function defineBinary<T>(sigs: readonly number[], name: string, type: 'int' | 'real' | 'decimal', returns: 'int' | 'real' | 'decimal', compute: Binary<T>): void {
  for (const sig of sigs) {
    defineScalar({
      sig: sig as Sig,
      name,
      args: [type, type],
      returns,
      row: (context, [left, right], call) => compute(context, left as T, right as T, call),
    });
  }
}

// Integers: exact in bigint, then range-checked against the result type (unsigned when
// the planner typed the call unsigned, as MySQL does when either operand is unsigned).
defineBinary<bigint>([Sig.PlusInt, Sig.PlusIntUnsigned], '+', 'int', 'int', (_context, left, right, call) => checkedInteger(left + right, call, '+', left, right));
defineBinary<bigint>([Sig.MinusInt, Sig.MinusIntUnsigned], '-', 'int', 'int', (_context, left, right, call) => checkedInteger(left - right, call, '-', left, right));
defineBinary<bigint>([Sig.MultiplyInt, Sig.MultiplyIntUnsigned], '*', 'int', 'int', (_context, left, right, call) => checkedInteger(left * right, call, '*', left, right));
// DIV truncates toward zero, as bigint division does.
defineBinary<bigint>([Sig.IntDivideInt], 'DIV', 'int', 'int', (context, left, right, call) => (right === 0n ? divisionByZero(context) : checkedInteger(left / right, call, 'DIV', left, right)));
// The remainder takes the dividend's sign, as bigint % does.
defineBinary<bigint>([Sig.ModInt], '%', 'int', 'int', (context, left, right, call) => (right === 0n ? divisionByZero(context) : checkedInteger(left % right, call, '%', left, right)));

defineBinary<number>([Sig.PlusReal], '+', 'real', 'real', (_context, left, right) => checkedReal(left + right, '+', left, right));
defineBinary<number>([Sig.MinusReal], '-', 'real', 'real', (_context, left, right) => checkedReal(left - right, '-', left, right));
defineBinary<number>([Sig.MultiplyReal], '*', 'real', 'real', (_context, left, right) => checkedReal(left * right, '*', left, right));
defineBinary<number>([Sig.DivideReal], '/', 'real', 'real', (context, left, right) => (right === 0 ? divisionByZero(context) : checkedReal(left / right, '/', left, right)));
defineBinary<number>([Sig.ModReal], '%', 'real', 'real', (context, left, right) => (right === 0 ? divisionByZero(context) : left % right));

defineBinary<Decimal>([Sig.PlusDecimal], '+', 'decimal', 'decimal', (_context, left, right) => checkedDecimal(() => left.add(right), '+', left, right));
defineBinary<Decimal>([Sig.MinusDecimal], '-', 'decimal', 'decimal', (_context, left, right) => checkedDecimal(() => left.sub(right), '-', left, right));
defineBinary<Decimal>([Sig.MultiplyDecimal], '*', 'decimal', 'decimal', (_context, left, right) => checkedDecimal(() => left.mul(right), '*', left, right));
defineBinary<Decimal>([Sig.DivideDecimal], '/', 'decimal', 'decimal', (context, left, right) => {
  if (right.isZero()) return divisionByZero(context);
  return checkedDecimal(() => left.div(right), '/', left, right);
});
defineBinary<Decimal>([Sig.ModDecimal], '%', 'decimal', 'decimal', (context, left, right) => {
  if (right.isZero()) return divisionByZero(context);
  return checkedDecimal(() => left.mod(right), '%', left, right);
});
defineBinary<Decimal>([Sig.IntDivideDecimal], 'DIV', 'decimal', 'int', (context, left, right, call) => {
  if (right.isZero()) return divisionByZero(context);
  const quotient = checkedDecimal(() => left.div(right), 'DIV', left, right)!;
  return checkedInteger(quotient.round(0, 'truncate').toBigInt(), call, 'DIV', left, right);
});

defineScalar({ sig: Sig.UnaryMinusInt, name: '-', args: ['int'], returns: 'int', row: (_context, [value], call) => checkedInteger(-(value as bigint), call, '-', value as bigint) });
defineScalar({ sig: Sig.UnaryMinusReal, name: '-', args: ['real'], returns: 'real', row: (_context, [value]) => -(value as number) });
defineScalar({ sig: Sig.UnaryMinusDecimal, name: '-', args: ['decimal'], returns: 'decimal', row: (_context, [value]) => (value as Decimal).negate() });

defineScalar({ sig: Sig.AbsInt, name: 'abs', args: ['int'], returns: 'int', row: (_context, [value], call) => checkedInteger((value as bigint) < 0n ? -(value as bigint) : (value as bigint), call, 'abs', value as bigint) });
defineScalar({ sig: Sig.AbsUnsigned, name: 'abs', args: ['int'], returns: 'int', row: (_context, [value]) => value ?? null });
defineScalar({ sig: Sig.AbsReal, name: 'abs', args: ['real'], returns: 'real', row: (_context, [value]) => Math.abs(value as number) });
defineScalar({ sig: Sig.AbsDecimal, name: 'abs', args: ['decimal'], returns: 'decimal', row: (_context, [value]) => (value as Decimal).abs() });

