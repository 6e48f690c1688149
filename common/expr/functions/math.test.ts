import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Decimal } from '../../types/decimal.js';
import { FieldFlag, FieldTypeCode, newFieldType } from '../../types/field-type.js';
import { buildFunction } from '../build/index.js';
import { EvalContext, ExprError } from '../context.js';
import { evalTypeOf, resultTypes } from '../eval-type.js';
import { evaluate, valueReader } from '../evaluate.js';
import { constant, type Expr, type ScalarValue } from '../expr.js';
import { exp, log, log10, pow as power } from './libm.js';
import { roundDouble, roundHalfEven } from './math.js';

// Expected values are MariaDB 10.11's answers, as observed; types as its result metadata.

const int = (value: bigint) => constant(value, newFieldType(FieldTypeCode.LongLong, { length: String(value).replace('-', '').length }));
const unsigned = (value: bigint) => constant(value, newFieldType(FieldTypeCode.LongLong, { length: String(value).length, flags: FieldFlag.Unsigned }));
const real = (value: number) => constant(value, resultTypes.double());
/** A decimal literal typed as the parser types it: DECIMAL(digits, digits after the point). */
function decimal(literal: string): Expr {
  const value = Decimal.parse(literal);
  return constant(value, resultTypes.decimal(Math.max(value.precision, 1), value.scale));
}
const text = (value: string) => constant(Uint8Array.from(Buffer.from(value)), resultTypes.varchar(value.length, 'utf8mb4_general_ci'));
const nullValue = constant(null, newFieldType(FieldTypeCode.Null));

function run(name: string, ...args: Expr[]): { value: ScalarValue | null; expr: Expr; context: EvalContext } {
  const context = new EvalContext();
  const expr = buildFunction(name, args);
  const value = valueReader(evaluate(context, expr, [], 1), expr.type)(0);
  return { value, expr, context };
}

/** The value as MySQL shows it: a DECIMAL with its type's scale, integers and doubles as JavaScript prints them. */
function shown(name: string, ...args: Expr[]): string | null {
  const { value, expr } = run(name, ...args);
  if (value === null) return null;
  if (value instanceof Decimal) return value.round(expr.type.decimals).toString();
  return String(value);
}

function mustFailWith(code: number, message: RegExp, name: string, ...args: Expr[]): void {
  assert.throws(() => run(name, ...args), (error: unknown) => error instanceof ExprError && error.code === code && message.test(error.message));
}

describe('math functions', () => {
  test('ABS keeps the argument’s kind; the absolute value of BIGINT’s minimum is out of range', () => {
    assert.equal(shown('abs', int(-5n)), '5');
    assert.equal(shown('abs', decimal('-5.50')), '5.50');
    assert.equal(shown('abs', real(-2)), '2');
    assert.equal(shown('abs', unsigned(18446744073709551615n)), '18446744073709551615');
    assert.equal(shown('abs', text('-1.5')), '1.5');
    mustFailWith(1690, /BIGINT value is out of range in 'abs\(-9223372036854775808\)'/, 'abs', int(-9223372036854775808n));
  });

  test('CEIL/FLOOR of a DECIMAL are integers when 18 digits hold them, DECIMAL(n,0) past that', () => {
    const ceil = run('ceil', decimal('1.5'));
    assert.equal(ceil.value, 2n);
    assert.equal(evalTypeOf(ceil.expr.type), 'int');
    assert.equal(shown('ceiling', decimal('-1.5')), '-1');
    assert.equal(shown('floor', decimal('-9.9')), '-10');
    const wide = run('ceil', decimal('12345678901234567890.5'));
    assert.equal(evalTypeOf(wide.expr.type), 'decimal');
    assert.equal(wide.expr.type.decimals, 0);
    assert.equal(String(wide.value), '12345678901234567891');
    assert.equal(shown('floor', decimal('-12345678901234567890.5')), '-12345678901234567891');
    assert.equal(shown('ceil', real(-0.5)), '0');
    assert.equal(shown('floor', real(-1.5)), '-2');
    assert.equal(shown('ceil', unsigned(18446744073709551615n)), '18446744073709551615');
    assert.equal(shown('ceil', text('1.2')), '2');
    assert.equal(shown('ceil', nullValue), null);
  });

  test('ROUND: exact values half away from zero, doubles half to even (C rint) after scaling by 10^d', () => {
    assert.equal(shown('round', decimal('2.5')), '3');
    assert.equal(shown('round', decimal('-2.5')), '-3');
    assert.equal(shown('round', real(2.5)), '2');
    assert.equal(shown('round', real(-2.5)), '-2');
    assert.equal(shown('round', real(3.5)), '4');
    assert.equal(shown('round', real(1.005), int(2n)), '1', '1.005 × 100 = 100.49999999999999');
    assert.equal(shown('round', real(1.235), int(2n)), '1.24');
    assert.equal(shown('round', real(1250), int(-2n)), '1200');
    assert.equal(shown('round', real(1350), int(-2n)), '1400');
    assert.equal(shown('round', real(1e300), int(-400n)), '0');
    assert.equal(shown('round', real(1e300), int(400n)), '1e+300');
    assert.equal(roundHalfEven(0.5), 0);
    assert.ok(Object.is(roundHalfEven(-0.4), -0));
    assert.equal(roundDouble(1.5, 18446744073709551615n, true, false), 1.5, 'a huge unsigned digit count keeps the value');
  });

  test('ROUND(x, d) with a constant d: a DECIMAL of scale d, a DOUBLE shown with d decimals', () => {
    const rounded = run('round', decimal('1.298'), int(1n));
    assert.equal(rounded.expr.type.decimals, 1);
    assert.equal(String(rounded.value), '1.3');
    assert.equal(shown('round', decimal('1.5'), int(3n)), '1.500');
    assert.equal(run('round', decimal('1.5'), int(3n)).expr.type.decimals, 3);
    assert.equal(shown('round', decimal('23.298'), int(-1n)), '20');
    assert.equal(shown('round', decimal('9.95'), int(1n)), '10.0');
    assert.equal(run('round', decimal('9.95'), int(1n)).expr.type.length, 3, 'DECIMAL(3,1): the carry needs a digit');
    assert.equal(run('round', real(1.5), int(2n)).expr.type.decimals, 2);
    assert.equal(run('round', real(1.5), int(31n)).expr.type.decimals, -1, '31 or more decimals is the shortest form');
    assert.equal(shown('round', decimal('1.2345'), decimal('2.5')), '1.235', 'd converts to an integer first (2.5 → 3)');
    assert.equal(shown('round', decimal('1.5'), nullValue), null);
  });

  test('ROUND of an integer with negative d rounds half away from zero; a BIGINT that may grow becomes a DECIMAL', () => {
    assert.equal(shown('round', int(150n), int(-2n)), '200');
    assert.equal(shown('round', int(-150n), int(-2n)), '-200');
    assert.equal(shown('round', int(149n), int(-2n)), '100');
    assert.equal(shown('round', int(5n), int(2n)), '5');
    assert.equal(shown('round', int(5n), int(-20n)), '0');
    assert.equal(evalTypeOf(run('round', int(123456789n), int(-1n)).expr.type), 'int');
    const wide = run('round', int(9223372036854775807n), int(-1n));
    assert.equal(evalTypeOf(wide.expr.type), 'decimal');
    assert.equal(String(wide.value), '9223372036854775810');
    assert.equal(shown('round', unsigned(18446744073709551615n), int(-1n)), '18446744073709551620');
    assert.equal(shown('round', unsigned(18446744073709551615n), int(0n)), '18446744073709551615');
  });

  test('TRUNCATE cuts toward zero and never lengthens the value', () => {
    assert.equal(shown('truncate', decimal('1.999'), int(1n)), '1.9');
    assert.equal(shown('truncate', decimal('-1.999'), int(1n)), '-1.9');
    assert.equal(shown('truncate', decimal('1.999'), int(5n)), '1.99900');
    assert.equal(shown('truncate', int(199n), int(-1n)), '190');
    assert.equal(shown('truncate', int(-199n), int(-2n)), '-100');
    assert.equal(shown('truncate', real(1.99), int(1n)), '1.9');
    assert.equal(shown('truncate', real(-1.5), int(0n)), '-1');
    assert.equal(shown('truncate', unsigned(18446744073709551615n), int(-1n)), '18446744073709551610');
    assert.equal(shown('truncate', int(123n), int(-30n)), '0');
    assert.throws(() => buildFunction('truncate', [int(1n)]), /Incorrect parameter count/);
  });

  test('SIGN is -1, 0 or 1 for every kind of number', () => {
    assert.equal(shown('sign', int(-5n)), '-1');
    assert.equal(shown('sign', decimal('-0.0')), '0');
    assert.equal(shown('sign', decimal('0.001')), '1');
    assert.equal(shown('sign', real(-2)), '-1');
    assert.equal(shown('sign', unsigned(18446744073709551615n)), '1');
    assert.equal(shown('sign', nullValue), null);
  });

  test('POW is C’s correctly rounded pow; a result that is not finite is error 1690', () => {
    assert.equal(power(10, -5), 1e-5, 'Math.pow gives 0.000009999999999999999');
    assert.equal(power(2, -1074), 5e-324);
    assert.equal(power(1.1, 2), 1.2100000000000002);
    assert.equal(power(-2, 3), -8);
    assert.equal(shown('pow', int(2n), int(3n)), '8');
    assert.equal(shown('power', text('2'), text('3')), '8');
    assert.equal(shown('pow', int(2n), decimal('0.5')), '1.4142135623730951');
    assert.equal(shown('pow', int(0n), int(0n)), '1');
    mustFailWith(1690, /^DOUBLE value is out of range in 'pow\(10,400\)'$/, 'pow', int(10n), int(400n));
    mustFailWith(1690, /^DOUBLE value is out of range in 'pow\(1e308,2\)'$/, 'pow', real(1e308), int(2n));
    mustFailWith(1690, /out of range/, 'pow', int(0n), int(-1n));
    mustFailWith(1690, /out of range/, 'pow', int(-8n), real(1 / 3));
  });

  test('log, exp and pow agree with glibc to the last digit where Math.log/exp/pow do not', () => {
    // MariaDB's answers; JavaScript's Math functions give the neighbouring double for each.
    assert.equal(log(3), 1.0986122886681098, 'Math.log(3) is ...096');
    assert.equal(log(2.857142857142857), 1.0498221244986776);
    assert.equal(log(0.045454545454545456), -3.0910424533583156);
    assert.equal(log(3) / Math.LN2, 1.5849625007211563, 'LOG2(3)');
    assert.equal(log(81) / log(3), 4, 'LOG(3, 81)');
    assert.equal(log10(52), 1.7160033436347992);
    assert.equal(log10(0.03333333333333333), -1.4771212547196626);
    assert.equal(log10(1000), 3);
    assert.equal(exp(0.822), 2.275045381235993);
    assert.equal(exp(15.07 / 10), 4.513170951864864, 'EXP(15.07e0/10)');
    assert.equal(exp(1), 2.718281828459045);
    assert.equal(power(12, 0.37), 2.5078240390014126);
    assert.equal(power(0.42857142857142855, 0.37), 0.730884226728782);
    assert.equal(power(3, 40), 12157665459056929000);
    assert.ok(Number.isNaN(power(-8, 1 / 3)));
    assert.equal(power(0, -1), Number.POSITIVE_INFINITY);
  });

  test('subnormal results of exp and pow are rounded once, and an odd power of a negative keeps its sign as it underflows', () => {
    // MariaDB's (glibc's) answers, which are the exactly rounded ones here.
    assert.equal(exp(-709.4521859442835), 7.741595403751343e-309);
    assert.equal(exp(-708.7699154967631), 1.531569681944089e-308);
    assert.equal(power(89.15348600665328, -158), 7.55342593694972e-309);
    assert.ok(Object.is(power(-65.5, -267), -0));
    assert.ok(Object.is(power(-65.5, -268), 0));
  });

  test('SQRT of a negative is NULL without a warning; EXP overflows with 1690', () => {
    const negative = run('sqrt', int(-1n));
    assert.equal(negative.value, null);
    assert.deepEqual(negative.context.warnings, []);
    assert.equal(shown('sqrt', int(2n)), '1.4142135623730951');
    assert.equal(shown('exp', int(1n)), '2.718281828459045');
    assert.equal(shown('exp', int(-1000n)), '0');
    mustFailWith(1690, /DOUBLE value is out of range in 'exp\(1000\)'/, 'exp', int(1000n));
  });

  test('logarithms of non-positive numbers are NULL with MySQL 8’s warning 3020 (MariaDB warns 1365)', () => {
    assert.equal(shown('ln', int(1n)), '0');
    assert.equal(shown('log', int(100n)), '4.605170185988092');
    assert.equal(shown('log', int(2n), int(8n)), '3');
    assert.equal(shown('log', int(10n), int(100n)), '2');
    assert.equal(shown('log10', int(1000n)), '3');
    assert.equal(shown('log2', int(8n)), '3');
    for (const [name, args] of [
      ['ln', [int(0n)]],
      ['log', [int(-1n)]],
      ['log10', [int(0n)]],
      ['log2', [int(-1n)]],
    ] as const) {
      const result = run(name, ...args);
      assert.equal(result.value, null, name);
      assert.deepEqual(result.context.warnings, [{ code: 3020, message: 'Invalid argument for logarithm' }], name);
    }
    const baseOne = run('log', int(1n), int(10n));
    assert.equal(baseOne.value, null);
    assert.deepEqual(baseOne.context.warnings.map((warning) => warning.code), [1365]);
  });

  test('MOD is the % operator: the dividend’s sign, the larger scale', () => {
    assert.equal(shown('mod', int(-7n), int(2n)), '-1');
    assert.equal(shown('mod', decimal('7.5'), int(2n)), '1.5');
    assert.equal(shown('mod', int(7n), decimal('2.25')), '0.25');
    assert.equal(shown('mod', unsigned(18446744073709551615n), int(10n)), '5');
  });
});
