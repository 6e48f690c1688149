import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ScalarFuncSig as Sig } from '../../proto/gen/dagpb.js';
import { Decimal } from '../types/decimal.js';
import { BytesColumnBuilder, IntColumnBuilder, type Column } from './column.js';
import { EvalContext, ExprError } from './context.js';
import { resultTypes } from './eval-type.js';
import { CompiledExpr, evaluate, valueReader } from './evaluate.js';
import { defineScalar } from './function.js';
import { call, columnRef, constant, type Expr, type ScalarValue } from './expr.js';
import { exprFromProto, exprToProto } from './proto-expr.js';

const int = resultTypes.bigint();
const unsigned = resultTypes.unsignedBigint();
const bool = resultTypes.boolean();
const double = resultTypes.double();
const ci = resultTypes.varchar(-1, 'utf8mb4_general_ci');
const bin = resultTypes.varchar(-1, 'utf8mb4_bin');
const text = (value: string) => constant(Uint8Array.from(Buffer.from(value)), bin);
const i = (value: bigint | null) => constant(value, int);
const u = (value: bigint) => constant(value, unsigned);

/** Evaluates a constant expression: one row, one value. */
function value(expr: Expr, context = new EvalContext()): ScalarValue | null {
  const column = evaluate(context, expr, [], 1);
  return valueReader(column, expr.type)(0);
}

function ints(values: ReadonlyArray<bigint | null>): Column {
  const builder = new IntColumnBuilder();
  for (const each of values) builder.pushMaybe(each);
  return builder.finish();
}

describe('common/expr evaluation', () => {
  test('AND, OR, XOR and NOT follow three-valued logic', () => {
    const truth = [1n, 0n, null] as const;
    const and = truth.flatMap((left) => truth.map((right) => value(call(Sig.LogicalAnd, [i(left), i(right)], bool))));
    assert.deepEqual(and, [1n, 0n, null, 0n, 0n, 0n, null, 0n, null]);
    const or = truth.flatMap((left) => truth.map((right) => value(call(Sig.LogicalOr, [i(left), i(right)], bool))));
    assert.deepEqual(or, [1n, 1n, 1n, 1n, 0n, null, 1n, null, null]);
    const xor = truth.flatMap((left) => truth.map((right) => value(call(Sig.LogicalXor, [i(left), i(right)], bool))));
    assert.deepEqual(xor, [0n, 1n, null, 1n, 0n, null, null, null, null]);
    assert.deepEqual(truth.map((each) => value(call(Sig.UnaryNotInt, [i(each)], bool))), [0n, 1n, null]);
    assert.deepEqual(truth.map((each) => value(call(Sig.IntIsTrue, [i(each)], bool))), [1n, 0n, 0n]);
    assert.deepEqual(truth.map((each) => value(call(Sig.IntIsFalse, [i(each)], bool))), [0n, 1n, 0n]);
    assert.deepEqual(truth.map((each) => value(call(Sig.IntIsNull, [i(each)], bool))), [0n, 0n, 1n]);
  });

  test('comparisons: NULL makes NULL except for <=>; unsigned values above 2^63 compare as large', () => {
    assert.equal(value(call(Sig.LtInt, [i(1n), i(null)], bool)), null);
    assert.equal(value(call(Sig.NullEqInt, [i(null), i(null)], bool)), 1n);
    assert.equal(value(call(Sig.NullEqInt, [i(1n), i(null)], bool)), 0n);
    assert.equal(value(call(Sig.GtInt, [u(18446744073709551615n), i(1n)], bool)), 1n);
    assert.equal(value(call(Sig.LtInt, [i(-1n), u(9223372036854775808n)], bool)), 1n);
  });

  test('string comparison follows the collation: general_ci ignores case, accents and trailing spaces; bin does not', () => {
    const eq = (left: string, right: string, type = ci) => value(call(Sig.EqString, [text(left), text(right)], { ...bool, collation: type.collation }));
    assert.equal(eq('Straße', 'STRASSE'), 0n, 'ß weighs as S, one character: not SS');
    assert.equal(eq('résumé', 'RESUME'), 1n);
    assert.equal(eq('abc  ', 'abc'), 1n);
    assert.equal(eq('abc', 'ABC', bin), 0n);
    assert.equal(eq('abc ', 'abc', bin), 1n, 'utf8mb4_bin is PAD SPACE too');
  });

  test('IN: a match is true; otherwise NULL when the target or a list member is NULL', () => {
    assert.equal(value(call(Sig.InInt, [i(2n), i(1n), i(2n)], bool)), 1n);
    assert.equal(value(call(Sig.InInt, [i(2n), i(1n), i(null)], bool)), null);
    assert.equal(value(call(Sig.InInt, [i(2n), i(1n), i(3n)], bool)), 0n);
    assert.equal(value(call(Sig.InInt, [i(null), i(1n)], bool)), null);
    assert.equal(value(call(Sig.InInt, [i(1n), i(null), i(1n)], bool)), 1n);
  });

  test('integer arithmetic is exact and raises 1690 on overflow instead of wrapping', () => {
    assert.equal(value(call(Sig.PlusInt, [i(9223372036854775806n), i(1n)], int)), 9223372036854775807n);
    assert.throws(() => value(call(Sig.PlusInt, [i(9223372036854775807n), i(1n)], int)), (error: unknown) => error instanceof ExprError && error.code === 1690 && /BIGINT value is out of range/.test(error.message));
    assert.equal(value(call(Sig.PlusIntUnsigned, [u(18446744073709551614n), i(1n)], unsigned)), 18446744073709551615n);
    assert.throws(() => value(call(Sig.MinusIntUnsigned, [u(1n), i(2n)], unsigned)), /BIGINT UNSIGNED value is out of range/);
    assert.throws(() => value(call(Sig.MultiplyInt, [i(4611686018427387904n), i(2n)], int)), /out of range/);
    assert.throws(() => value(call(Sig.UnaryMinusInt, [i(-9223372036854775808n)], int)), /out of range/);
    assert.equal(value(call(Sig.IntDivideInt, [i(-7n), i(2n)], int)), -3n);
    assert.equal(value(call(Sig.ModInt, [i(-7n), i(2n)], int)), -1n);
  });

  test('division and modulo by zero are NULL with warning 1365', () => {
    const context = new EvalContext();
    assert.equal(value(call(Sig.IntDivideInt, [i(1n), i(0n)], int), context), null);
    assert.equal(value(call(Sig.ModReal, [constant(1.5, double), constant(0, double)], double), context), null);
    assert.equal(value(call(Sig.DivideDecimal, [constant(Decimal.parse('1'), resultTypes.decimal(1, 0)), constant(Decimal.zero, resultTypes.decimal(1, 0))], resultTypes.decimal(5, 4)), context), null);
    assert.deepEqual(context.warnings.map((warning) => warning.code), [1365, 1365, 1365]);
  });

  test('decimal arithmetic is exact; MySQL division adds 4 digits of scale', () => {
    const dec = (literal: string) => constant(Decimal.parse(literal), resultTypes.decimal(65, 30));
    assert.equal(String(value(call(Sig.PlusDecimal, [dec('0.1'), dec('0.2')], resultTypes.decimal(3, 1)))), '0.3');
    assert.equal(String(value(call(Sig.DivideDecimal, [dec('1'), dec('3')], resultTypes.decimal(6, 4)))), '0.3333');
    assert.equal(String(value(call(Sig.IntDivideDecimal, [dec('7.9'), dec('2')], int))), '3');
  });

  test('CASE, IF, IFNULL and COALESCE pick the first applicable value', () => {
    assert.equal(value(call(Sig.CaseWhenInt, [i(0n), i(1n), i(null), i(2n), i(3n)], int)), 3n);
    assert.equal(value(call(Sig.CaseWhenInt, [i(0n), i(1n)], int)), null);
    assert.equal(value(call(Sig.IfInt, [i(null), i(1n), i(2n)], int)), 2n);
    assert.equal(value(call(Sig.IfNullInt, [i(null), i(5n)], int)), 5n);
    assert.equal(value(call(Sig.CoalesceInt, [i(null), i(null), i(7n)], int)), 7n);
  });

  test('over a batch, IF/CASE/COALESCE/AND/OR compute a later argument only on the rows that need it', () => {
    // col + 9223372036854775807 overflows (error 1690) on every row but those where col is 0.
    const column = columnRef(0, int);
    const overflowing = call(Sig.PlusInt, [column, i(9223372036854775807n)], int);
    const isZero = call(Sig.EqInt, [column, i(0n)], bool);
    const input = [ints([0n, 5n, null, 0n, -3n])];
    const rows = (expr: Expr) => {
      const result = evaluate(new EvalContext(), expr, input, 5);
      const read = valueReader(result, expr.type);
      return Array.from({ length: 5 }, (_, row) => read(row));
    };
    const max = 9223372036854775807n;
    assert.deepEqual(rows(call(Sig.IfInt, [isZero, overflowing, column], int)), [max, 5n, null, max, -3n]);
    assert.deepEqual(rows(call(Sig.CaseWhenInt, [call(Sig.IntIsNull, [column], bool), i(-1n), isZero, overflowing, column], int)), [max, 5n, -1n, max, -3n]);
    const zeroOrNull = call(Sig.IfInt, [isZero, column, i(null)], int);
    assert.deepEqual(rows(call(Sig.CoalesceInt, [zeroOrNull, column], int)), [0n, 5n, null, 0n, -3n]);
    assert.deepEqual(rows(call(Sig.IfNullInt, [zeroOrNull, i(7n)], int)), [0n, 7n, 7n, 0n, 7n]);
    const overflowIsPositive = call(Sig.GtInt, [overflowing, i(0n)], bool);
    assert.deepEqual(rows(call(Sig.LogicalAnd, [call(Sig.UnaryNotInt, [column], bool), overflowIsPositive], bool)), [1n, 0n, null, 1n, 0n]);
    assert.deepEqual(rows(call(Sig.LogicalOr, [column, call(Sig.UnaryNotInt, [overflowIsPositive], bool)], bool)), [0n, 1n, null, 0n, 1n]);
    assert.throws(() => rows(overflowing), (error: unknown) => error instanceof ExprError && error.code === 1690);
  });

  test('LIKE: % and _ match characters (not bytes), the escape makes them literal, general_ci ignores case', () => {
    const like = (target: string, pattern: string, type = ci, escape = 92n) => value(call(Sig.Like, [text(target), text(pattern), i(escape)], { ...bool, collation: type.collation }));
    assert.equal(like('Ünïcode', '_n%E'), 1n);
    assert.equal(like('abc', 'A%', bin), 0n);
    assert.equal(like('abc', 'a%c%'), 1n);
    assert.equal(like('a%c', 'a\\%c'), 1n);
    assert.equal(like('abc', 'a\\%c'), 0n);
    assert.equal(like('a_c', 'a|_c', ci, 124n), 1n);
    assert.equal(like('abc ', 'abc'), 0n, 'LIKE does not pad');
    assert.equal(like('', '%'), 1n);
    assert.equal(like('x', ''), 0n);
    assert.equal(like('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaab', '%a%a%a%a%a%a%a%c'), 0n);
  });

  test('a call over a batch evaluates every row; a constant argument applies to all of them', () => {
    const column = ints([1n, null, 3n, -4n]);
    const result = evaluate(new EvalContext(), call(Sig.GtInt, [columnRef(0, int), i(0n)], bool), [column], 4);
    const read = valueReader(result, bool);
    assert.deepEqual([0, 1, 2, 3].map(read), [1n, null, 1n, 0n]);
  });

  test('an unknown signature, a wrong argument count and a wrong argument type are ExprErrors', () => {
    assert.throws(() => value(call(99_999 as Sig, [], int)), ExprError);
    assert.throws(() => value(call(Sig.PlusInt, [i(1n)], int)), /takes 2 arguments/);
    assert.throws(() => value(call(Sig.PlusInt, [i(1n), text('x')], int)), /argument 2 is bytes/);
    const wire = exprToProto(i(1n));
    assert.throws(() => exprFromProto({ ...wire, fieldType: { ...wire.fieldType!, tp: 99 } }), (error: unknown) => error instanceof ExprError && /unknown field type code 99/.test(error.message));
  });

  test('expressions survive the trip through dagpb', () => {
    const bytes = new BytesColumnBuilder();
    bytes.push(Buffer.from('xyz'));
    const expr = call(Sig.LogicalAnd, [call(Sig.Like, [columnRef(1, ci), text('x%'), i(92n)], { ...bool, collation: 'utf8mb4_general_ci' }), call(Sig.GtDecimal, [constant(Decimal.parse('-12.345'), resultTypes.decimal(5, 3)), constant(null, resultTypes.decimal(5, 3))], bool)], bool);
    const back = exprFromProto(exprToProto(expr));
    assert.deepEqual(JSON.parse(JSON.stringify(back, (_key, each) => (typeof each === 'bigint' ? String(each) : each instanceof Decimal ? each.toString() : each))), JSON.parse(JSON.stringify(expr, (_key, each) => (typeof each === 'bigint' ? String(each) : each instanceof Decimal ? each.toString() : each))));
    const result = evaluate(new EvalContext(), back, [ints([0n]), bytes.finish()], 1);
    assert.equal(valueReader(result, bool)(0), null, 'TRUE AND NULL');
  });

  test('a function not registered as pushable evaluates in the SQL layer but is refused for a coprocessor', () => {
    const sessionOnly = defineScalar({ sig: 99_001 as Sig, name: 'session_only', args: [], returns: 'int', pushable: false, row: () => 7n });
    const expr = call(sessionOnly.sig, [], int);
    assert.equal(valueReader(new CompiledExpr(expr).evaluate(new EvalContext(), [], 1), int)(0), 7n);
    assert.throws(() => new CompiledExpr(call(Sig.PlusInt, [i(1n), expr], int), { pushedDown: true }), (error: unknown) => error instanceof ExprError && /session_only .* cannot be pushed down/.test(error.message));
  });
});
