import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ScalarFuncSig as Sig } from '../../../proto/gen/dagpb.js';
import { Decimal } from '../../types/decimal.js';
import { FieldFlag, type FieldType, FieldTypeCode, hasFlag, newFieldType } from '../../types/field-type.js';
import { EvalContext, ExprError } from '../context.js';
import { evaluate, valueReader } from '../evaluate.js';
import { IntColumnBuilder } from '../column.js';
import { columnRef, constant, type Expr, type ScalarValue } from '../expr.js';
import { buildFunction } from './index.js';

const bigint = (length = 1) => newFieldType(FieldTypeCode.LongLong, { length });
const unsigned = () => newFieldType(FieldTypeCode.LongLong, { length: 20, flags: FieldFlag.Unsigned });
const decimal = (precision: number, scale: number) => newFieldType(FieldTypeCode.NewDecimal, { length: precision, decimals: scale });
const varchar = (collation = 'utf8mb4_general_ci') => newFieldType(FieldTypeCode.VarString, { length: 10, charset: 'utf8mb4', collation });
const nullType = () => newFieldType(FieldTypeCode.Null);
const int = (value: bigint, type: FieldType = bigint(String(value).length)) => constant(value, type);
const dec = (text: string, precision: number, scale: number) => constant(Decimal.parse(text), decimal(precision, scale));
const str = (text: string, collation?: string) => constant(Uint8Array.from(Buffer.from(text)), varchar(collation));
const nil = () => constant(null, nullType());

function run(expr: Expr, context = new EvalContext()): ScalarValue | null {
  return valueReader(evaluate(context, expr, [], 1), expr.type)(0);
}

function sigOf(expr: Expr): Sig | undefined {
  return expr.kind === 'call' ? expr.sig : undefined;
}

describe('function rules: operators', () => {
  test('decimal arithmetic infers MySQL precision and scale', () => {
    const sum = buildFunction('+', [dec('1.5', 2, 1), dec('1.25', 3, 2)]);
    assert.equal(sigOf(sum), Sig.PlusDecimal);
    assert.deepEqual([sum.type.length, sum.type.decimals], [4, 2]);
    const product = buildFunction('*', [dec('1.50', 3, 2), int(2n)]);
    assert.deepEqual([product.type.length, product.type.decimals], [4, 2]);
    assert.equal(String(run(product)), '3.00');
    const quotient = buildFunction('/', [int(1n), int(3n)]);
    assert.equal(sigOf(quotient), Sig.DivideDecimal);
    assert.equal(quotient.type.decimals, 4);
    assert.equal(String(run(quotient)), '0.3333');
  });

  test('integer arithmetic is unsigned when an operand is, and overflow is error 1690', () => {
    const sum = buildFunction('+', [int(18446744073709551614n, unsigned()), int(1n)]);
    assert.equal(sigOf(sum), Sig.PlusIntUnsigned);
    assert.ok(hasFlag(sum.type.flags, FieldFlag.Unsigned));
    assert.equal(run(sum), 18446744073709551615n);
    assert.throws(() => run(buildFunction('-', [int(1n), int(18446744073709551615n, unsigned())])), (error: unknown) => error instanceof ExprError && error.code === 1690);
    assert.throws(() => run(buildFunction('*', [int(9223372036854775807n), int(2n)])), (error: unknown) => error instanceof ExprError && error.code === 1690);
  });

  test('a string compared with a number compares as doubles; two strings by their collation', () => {
    const mixed = buildFunction('=', [str('1abc'), int(1n)]);
    assert.equal(sigOf(mixed), Sig.EqReal);
    const strings = buildFunction('=', [str('a'), str('A', 'utf8mb4_bin')]);
    assert.equal(sigOf(strings), Sig.EqString);
    assert.equal(strings.type.collation, 'utf8mb4_bin', 'an explicit collation wins over the literal default');
    assert.equal(run(strings), 0n);
    assert.equal(run(buildFunction('=', [str('a'), str('A')])), 1n);
  });

  test('NULL literals take the type of what they meet', () => {
    assert.equal(sigOf(buildFunction('<=>', [nil(), str('a')])), Sig.NullEqString);
    assert.equal(run(buildFunction('<=>', [nil(), nil()])), 1n);
    assert.equal(run(buildFunction('+', [int(1n), nil()])), null);
    const branches = buildFunction('ifnull', [nil(), dec('1.50', 3, 2)]);
    assert.equal(branches.type.code, FieldTypeCode.NewDecimal);
    assert.equal(String(run(branches)), '1.50');
  });

  test('truth values: 0.4 is true, NULL stays NULL through AND/OR', () => {
    assert.equal(run(buildFunction('and', [dec('0.4', 1, 1), int(1n)])), 1n);
    assert.equal(run(buildFunction('and', [nil(), int(0n)])), 0n);
    assert.equal(run(buildFunction('or', [nil(), int(0n)])), null);
    assert.equal(run(buildFunction('not', [str('abc')])), 1n);
  });

  test('IF and CASE branches of mixed types meet in one type', () => {
    const mixed = buildFunction('if', [int(1n), int(1n), dec('2.5', 2, 1)]);
    assert.equal(mixed.type.code, FieldTypeCode.NewDecimal);
    assert.equal(mixed.type.decimals, 1);
    const stringy = buildFunction('case', [int(0n), int(1n), str('x')]);
    assert.equal(stringy.type.code, FieldTypeCode.VarString);
    assert.equal(run(buildFunction('nullif', [int(1n), int(1n)])), null);
    assert.equal(run(buildFunction('nullif', [int(1n), int(2n)])), 1n);
  });

  test('branches not taken are never computed: no warning, no overflow error (rows and constants alike)', () => {
    const column = new IntColumnBuilder();
    for (const value of [0n, 2n, 0n, 5n, 9223372036854775807n]) column.push(value);
    const input = [column.finish()];
    const c = columnRef(0, bigint(20));
    const context = new EvalContext();
    // IF(c = 0, -1, 10 DIV c): the division runs only where c is not 0.
    const guarded = buildFunction('if', [buildFunction('=', [c, int(0n)]), int(-1n, bigint(2)), buildFunction('div', [int(10n, bigint(2)), c])]);
    const guardedColumn = evaluate(context, guarded, input, 5);
    const read = valueReader(guardedColumn, guarded.type);
    assert.deepEqual([0, 1, 2, 3, 4].map(read), [-1n, 5n, -1n, 2n, 0n]);
    assert.equal(context.warningCount, 0);
    // CASE WHEN c > 100 THEN 0 ELSE c + 1 END overflows only where the ELSE is taken.
    const overflowing = buildFunction('case', [buildFunction('>', [c, int(100n, bigint(3))]), int(0n), buildFunction('+', [c, int(1n)])]);
    const values = valueReader(evaluate(context, overflowing, input, 5), overflowing.type);
    assert.deepEqual([0, 1, 2, 3, 4].map(values), [1n, 3n, 1n, 6n, 0n]);
    assert.equal(String(run(buildFunction('coalesce', [int(1n), buildFunction('/', [int(1n), int(0n)])]), context)), '1.0000');
    assert.equal(run(buildFunction('and', [int(0n), buildFunction('+', [int(9223372036854775807n), int(1n)])])), 0n);
    assert.equal(run(buildFunction('or', [int(1n), buildFunction('+', [int(9223372036854775807n), int(1n)])])), 1n);
    assert.equal(run(buildFunction('ifnull', [int(1n), buildFunction('div', [int(1n), int(0n)])]), context), 1n);
    assert.equal(context.warningCount, 0);
    // The branch taken still raises what it raises.
    assert.throws(() => run(buildFunction('if', [int(1n), buildFunction('+', [int(9223372036854775807n), int(1n)]), int(0n)])), (error: unknown) => error instanceof ExprError && error.code === 1690);
    run(buildFunction('if', [int(1n), buildFunction('div', [int(1n), int(0n)]), int(0n)]), context);
    assert.equal(context.warningCount, 1);
  });

  test('bit operators give BIGINT UNSIGNED over 64-bit patterns', () => {
    const negated = buildFunction('~', [int(0n)]);
    assert.ok(hasFlag(negated.type.flags, FieldFlag.Unsigned));
    assert.equal(run(negated), 18446744073709551615n);
    assert.equal(run(buildFunction('&', [int(-1n, bigint(2)), int(1n)])), 1n);
    assert.equal(run(buildFunction('<<', [int(1n), int(64n)])), 0n);
  });

  test('unknown functions and wrong argument counts are MySQL errors 1305 and 1582', () => {
    assert.throws(() => buildFunction('no_such_function', []), (error: unknown) => error instanceof ExprError && error.code === 1305);
    assert.throws(() => buildFunction('ifnull', [int(1n)]), (error: unknown) => error instanceof ExprError && error.code === 1582);
    assert.throws(() => buildFunction('like', [str('a'), str('b'), str('xy')]), (error: unknown) => error instanceof ExprError && error.code === 1210);
  });

  test("an integer's display width does not bound its values when it meets a DECIMAL", () => {
    // A TINYINT(1) holds 100: comparing, adding and choosing among DECIMALs must not clamp it to 9.
    const builder = new IntColumnBuilder();
    builder.push(100n);
    const input = [builder.finish()];
    const tinyint1 = columnRef(0, newFieldType(FieldTypeCode.Tiny, { length: 1 }));
    const rowValue = (expr: Expr) => {
      const context = new EvalContext();
      const value = valueReader(evaluate(context, expr, input, 1), expr.type)(0);
      assert.deepEqual(context.warnings, []);
      return String(value);
    };
    assert.equal(rowValue(buildFunction('<', [tinyint1, dec('10.5', 3, 1)])), '0');
    const sum = buildFunction('+', [tinyint1, dec('10.5', 3, 1)]);
    assert.equal(rowValue(sum), '110.5');
    // The result's precision still follows MySQL's inference from the display width.
    assert.deepEqual([sum.type.length, sum.type.decimals], [4, 1]);
    assert.equal(rowValue(buildFunction('coalesce', [tinyint1, dec('10.5', 3, 1)])), '100.0');
    assert.equal(rowValue(buildFunction('case', [int(1n), tinyint1, dec('10.5', 3, 1)])), '100.0');
  });
});
