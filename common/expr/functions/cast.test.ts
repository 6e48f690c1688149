import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Decimal } from '../../types/decimal.js';
import { FieldTypeCode, newFieldType } from '../../types/field-type.js';
import { Duration, MysqlTime } from '../../types/time.js';
import { buildExplicitCast, type CastTarget } from '../build/cast-call.js';
import { castToEvalType } from '../build/index.js';
import { EvalContext, ExprError } from '../context.js';
import { resultTypes } from '../eval-type.js';
import { CompiledExpr, evaluate, valueReader } from '../evaluate.js';
import { constant, type Expr, type ScalarValue } from '../expr.js';
import { formatValue } from '../format-value.js';

const text = (value: string) => constant(Buffer.from(value), resultTypes.varchar(value.length, 'utf8mb4_general_ci'));
const binary = (bytes: number[]) => constant(Uint8Array.from(bytes), resultTypes.varchar(bytes.length, 'binary'));
const int = (value: bigint) => constant(value, newFieldType(FieldTypeCode.LongLong, { length: String(value).length }));
const unsigned = (value: bigint) => constant(value, resultTypes.unsignedBigint());
const real = (value: number) => constant(value, resultTypes.double());
const decimal = (literal: string) => {
  const value = Decimal.parse(literal);
  return constant(value, resultTypes.decimal(value.precision, value.scale));
};
const datetime = (literal: string, fsp: number) => constant(MysqlTime.parse(literal, 'datetime', fsp), newFieldType(FieldTypeCode.Datetime, { decimals: fsp }));
const time = (literal: string, fsp: number) => constant(Duration.parse(literal, fsp), newFieldType(FieldTypeCode.Duration, { decimals: fsp }));

/** The value of an expression as MySQL's text protocol shows it, and the warning codes raised. */
function run(expr: Expr): { text: string | null; warnings: number[] } {
  const context = new EvalContext();
  const value: ScalarValue | null = valueReader(evaluate(context, expr, [], 1), expr.type)(0);
  return { text: formatValue(value, expr.type), warnings: context.warnings.map((warning) => warning.code) };
}

const cast = (expr: Expr, target: CastTarget) => run(buildExplicitCast(expr, target));

describe('CAST (answers observed on MariaDB 10.11 unless marked MySQL 8)', () => {
  test('strings to integers: the prefix, warning 1292, 64-bit clamping and sign reinterpretation', () => {
    assert.deepEqual(cast(text('12abc'), { kind: 'signed' }), { text: '12', warnings: [1292] });
    assert.deepEqual(cast(text('1.9'), { kind: 'signed' }), { text: '1', warnings: [1292] });
    assert.deepEqual(cast(text(''), { kind: 'signed' }), { text: '0', warnings: [1292] });
    assert.deepEqual(cast(text('-12'), { kind: 'unsigned' }), { text: '18446744073709551604', warnings: [1105] });
    assert.deepEqual(cast(text('18446744073709551615'), { kind: 'signed' }), { text: '-1', warnings: [1105] });
    assert.deepEqual(cast(text('18446744073709551616'), { kind: 'unsigned' }), { text: '18446744073709551615', warnings: [1292] });
    assert.deepEqual(cast(text('-99999999999999999999999'), { kind: 'unsigned' }), { text: '9223372036854775808', warnings: [1292] });
  });

  test('numbers to integers: decimals half away from zero, doubles half to even, clamping with 1916', () => {
    assert.deepEqual(cast(int(-1n), { kind: 'unsigned' }), { text: '18446744073709551615', warnings: [1105] });
    assert.deepEqual(cast(unsigned(18446744073709551615n), { kind: 'signed' }), { text: '-1', warnings: [] });
    assert.equal(cast(decimal('2.5'), { kind: 'signed' }).text, '3');
    assert.equal(cast(decimal('-1.5'), { kind: 'signed' }).text, '-2');
    assert.equal(cast(real(2.5), { kind: 'signed' }).text, '2');
    assert.equal(cast(real(3.5), { kind: 'signed' }).text, '4');
    assert.deepEqual(cast(real(1e19), { kind: 'signed' }), { text: '9223372036854775807', warnings: [1916] });
    assert.deepEqual(cast(real(-1.5), { kind: 'unsigned' }), { text: '0', warnings: [1916] });
    assert.deepEqual(cast(decimal('99999999999999999999.5'), { kind: 'unsigned' }), { text: '18446744073709551615', warnings: [1916] });
  });

  test('DECIMAL(p,s) rounds half-up and clamps with 1264; bad targets are MySQL errors', () => {
    assert.equal(cast(decimal('1.25'), { kind: 'decimal', length: 3, scale: 1 }).text, '1.3');
    assert.deepEqual(cast(decimal('1234.5'), { kind: 'decimal', length: 4, scale: 1 }), { text: '999.9', warnings: [1264] });
    assert.deepEqual(cast(decimal('12345678901.5'), { kind: 'decimal' }), { text: '9999999999', warnings: [1264] });
    assert.deepEqual(cast(text('1.5abc'), { kind: 'decimal', length: 5, scale: 2 }), { text: '1.50', warnings: [1292] });
    assert.equal(cast(text('1e3'), { kind: 'decimal', length: 10, scale: 2 }).text, '1000.00');
    assert.equal(cast(real(0.125), { kind: 'decimal', length: 10, scale: 2 }).text, '0.13');
    assert.deepEqual(cast(real(1e300), { kind: 'decimal', length: 10, scale: 2 }), { text: '99999999.99', warnings: [1916, 1264] });
    const code = (target: CastTarget) => {
      try {
        buildExplicitCast(int(1n), target);
        return undefined;
      } catch (error) {
        return error instanceof ExprError ? `${error.code} ${error.message}` : undefined;
      }
    };
    assert.equal(code({ kind: 'decimal', length: 66, scale: 0 }), "1426 Too-big precision 66 specified for '1'. Maximum is 65.");
    assert.equal(code({ kind: 'decimal', length: 5, scale: 6 }), "1427 For float(M,D), double(M,D) or decimal(M,D), M must be >= D (column '1').");
    assert.equal(code({ kind: 'decimal', length: 40, scale: 31 }), "1425 Too big scale 31 specified for '1'. Maximum is 30.");
    assert.equal(code({ kind: 'datetime', length: 7 }), "1426 Too-big precision 7 specified for '1'. Maximum is 6.");
  });

  test('reals: strings by prefix, FLOAT single precision clamped at FLT_MAX', () => {
    assert.deepEqual(cast(text('  1.5e3x'), { kind: 'double' }), { text: '1500', warnings: [1292] });
    assert.deepEqual(cast(text('abc'), { kind: 'double' }), { text: '0', warnings: [1292] });
    assert.equal(cast(decimal('0.1'), { kind: 'float' }).text, '0.1');
    assert.equal(cast(int(16777217n), { kind: 'float' }).text, '16777200');
    assert.deepEqual(cast(real(1e39), { kind: 'float' }), { text: '3.40282e38', warnings: [1264] });
    assert.equal(buildExplicitCast(int(1n), { kind: 'float', length: 30 }).type.code, FieldTypeCode.Double);
  });

  test('strings: CHAR(n) cuts characters, BINARY(n) cuts bytes (MySQL 8) and pads, binary to text replaces bad bytes', () => {
    assert.deepEqual(cast(text('ñandú'), { kind: 'char', length: 3 }), { text: 'ñan', warnings: [1292] });
    assert.deepEqual(cast(int(12345n), { kind: 'char', length: 2 }), { text: '12', warnings: [1292] });
    assert.deepEqual(cast(text('ab'), { kind: 'binary', length: 4 }), { text: 'ab\0\0', warnings: [] });
    assert.deepEqual(cast(text('ñandú'), { kind: 'binary', length: 3 }), { text: 'ñ' + 'a', warnings: [1292] });
    assert.deepEqual(cast(binary([0x41, 0xff, 0x42]), { kind: 'char' }), { text: 'A?B', warnings: [1300] });
    assert.equal(cast(real(1.5), { kind: 'char' }).text, '1.5');
    assert.equal(cast(decimal('-1.50'), { kind: 'char' }).text, '-1.50');
    assert.equal(cast(datetime('2020-02-29 10:11:12.123', 3), { kind: 'char' }).text, '2020-02-29 10:11:12.123');
  });

  test('an implicit conversion to a string does not cut at the inherited length', () => {
    const implicit = castToEvalType(decimal('-123.45'), 'bytes');
    assert.deepEqual(run(implicit), { text: '-123.45', warnings: [] });
  });

  test('strings and numbers to times: lenient parsing, NULL with 1292 for no date, MySQL 8 rounding', () => {
    assert.equal(cast(text('2020-02-29'), { kind: 'date' }).text, '2020-02-29');
    assert.deepEqual(cast(text('2020-02-30'), { kind: 'date' }), { text: null, warnings: [1292] });
    assert.deepEqual(cast(text('2020-02-29x'), { kind: 'date' }), { text: '2020-02-29', warnings: [1292] });
    assert.equal(cast(text('2020-02-29 10:11:12.5'), { kind: 'datetime' }).text, '2020-02-29 10:11:13', 'MySQL 8');
    assert.equal(cast(text('2020-02-29 10:11:12.5'), { kind: 'datetime', length: 1 }).text, '2020-02-29 10:11:12.5');
    assert.equal(cast(int(20200229101112n), { kind: 'datetime' }).text, '2020-02-29 10:11:12');
    assert.equal(cast(int(200229n), { kind: 'date' }).text, '2020-02-29');
    assert.deepEqual(cast(int(1n), { kind: 'date' }), { text: null, warnings: [1292] });
    assert.equal(cast(decimal('20200229101112.5'), { kind: 'datetime', length: 1 }).text, '2020-02-29 10:11:12.5');
    assert.equal(cast(text('1 10:11:12'), { kind: 'time' }).text, '34:11:12');
    assert.deepEqual(cast(text('839:00:00'), { kind: 'time' }), { text: '838:59:59', warnings: [1292] });
    assert.deepEqual(cast(text('10:61:00'), { kind: 'time' }), { text: null, warnings: [1292] });
    assert.equal(cast(int(-101112n), { kind: 'time' }).text, '-10:11:12');
    assert.deepEqual(cast(int(160n), { kind: 'time' }), { text: null, warnings: [1292] });
  });

  test('times to numbers and between times (MySQL 8 rounds fractional seconds)', () => {
    assert.equal(cast(datetime('2020-02-29 10:11:12.5', 1), { kind: 'signed' }).text, '20200229101113');
    assert.equal(cast(datetime('2020-02-29 10:11:12.123456', 6), { kind: 'decimal', length: 30, scale: 6 }).text, '20200229101112.123456');
    assert.equal(cast(datetime('2020-02-29 10:11:12.123456', 6), { kind: 'double' }).text, '20200229101112.125');
    assert.equal(cast(time('-10:11:12.5', 1), { kind: 'signed' }).text, '-101113');
    assert.equal(cast(time('10:11:12.5', 1), { kind: 'decimal', length: 10, scale: 2 }).text, '101112.50');
    assert.equal(cast(datetime('2020-02-29 23:59:59.96', 2), { kind: 'datetime', length: 1 }).text, '2020-03-01 00:00:00.0');
    assert.equal(cast(datetime('2020-02-29 10:11:12.56', 2), { kind: 'time', length: 1 }).text, '10:11:12.6');
    assert.equal(cast(datetime('2020-02-29 10:11:12', 0), { kind: 'date' }).text, '2020-02-29');
  });

  test('TIME to DATETIME takes the current date, so it is not pushable', () => {
    const expr = buildExplicitCast(time('10:11:12', 0), { kind: 'datetime' });
    assert.match(run(expr).text ?? '', /^\d{4}-\d{2}-\d{2} 10:11:12$/);
    // The statement's time, when the context carries it, decides the date.
    const context = new EvalContext({ statementTime: MysqlTime.parse('2020-02-29 23:00:00', 'datetime', 0) });
    assert.equal(formatValue(valueReader(evaluate(context, expr, [], 1), expr.type)(0), expr.type), '2020-02-29 10:11:12');
    const negative = buildExplicitCast(time('-01:00:00', 0), { kind: 'datetime' });
    assert.equal(formatValue(valueReader(evaluate(context, negative, [], 1), negative.type)(0), negative.type), '2020-02-28 23:00:00');
    assert.throws(() => new CompiledExpr(expr, { pushedDown: true }), /cannot be pushed down/);
  });

  test('JSON as MySQL 8: normalized text, numbers, quoted temporals; JSON to other types', () => {
    assert.equal(cast(text('{"b": 1, "a": [1,2]}'), { kind: 'json' }).text, '{"a": [1, 2], "b": 1}');
    assert.equal(cast(real(100), { kind: 'json' }).text, '100.0');
    assert.equal(cast(unsigned(18446744073709551615n), { kind: 'json' }).text, '18446744073709551615');
    assert.equal(cast(datetime('2020-02-29 10:11:12', 0), { kind: 'json' }).text, '"2020-02-29 10:11:12.000000"');
    assert.equal(cast(binary([0x41, 0x42]), { kind: 'json' }).text, '"base64:type15:QUI="');
    assert.throws(() => cast(text('abc'), { kind: 'json' }), (error: unknown) => error instanceof ExprError && error.code === 3141);
    assert.throws(() => cast(text('['.repeat(101) + ']'.repeat(101)), { kind: 'json' }), (error: unknown) => error instanceof ExprError && error.code === 3157);
    const json = (source: string) => buildExplicitCast(text(source), { kind: 'json' });
    // A JSON string converts as MySQL 8's Json_wrapper::coerce_*: 3156 for more than a number, 3155 out of range.
    assert.deepEqual(run(buildExplicitCast(json('"12abc"'), { kind: 'signed' })), { text: '12', warnings: [3156] });
    assert.deepEqual(run(buildExplicitCast(json('"99999999999999999999"'), { kind: 'signed' })), { text: '-1', warnings: [3155] });
    assert.deepEqual(run(buildExplicitCast(json('"-5"'), { kind: 'unsigned' })), { text: '18446744073709551611', warnings: [] });
    assert.deepEqual(run(buildExplicitCast(json('"1.5 "'), { kind: 'double' })), { text: '1.5', warnings: [3156] });
    assert.deepEqual(run(buildExplicitCast(json('"1.5 "'), { kind: 'decimal', length: 3, scale: 1 })), { text: '1.5', warnings: [] });
    assert.deepEqual(run(buildExplicitCast(json('"1e999"'), { kind: 'double' })), { text: '1.7976931348623157e308', warnings: [3155] });
    assert.equal(run(buildExplicitCast(json('12.5'), { kind: 'signed' })).text, '12');
    // A JSON double past int64 takes its bound with 3155, whatever the target's sign (coerce_int).
    assert.deepEqual(run(buildExplicitCast(json('1e19'), { kind: 'unsigned' })), { text: '9223372036854775807', warnings: [3155] });
    assert.deepEqual(run(buildExplicitCast(json('-1.5'), { kind: 'unsigned' })), { text: '18446744073709551614', warnings: [] });
    assert.deepEqual(run(buildExplicitCast(json('[1]'), { kind: 'double' })), { text: '0', warnings: [3156] });
    assert.equal(run(buildExplicitCast(json('"2020-02-29"'), { kind: 'date' })).text, '2020-02-29');
    assert.equal(run(buildExplicitCast(json('[1, "a"]'), { kind: 'char' })).text, '[1, "a"]');
  });

  test('a NaN or infinite double (only a bad double upstream makes one) gives MySQL warnings, never a JavaScript error', () => {
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      for (const target of [{ kind: 'signed' }, { kind: 'unsigned' }, { kind: 'decimal', length: 4, scale: 1 }, { kind: 'date' }, { kind: 'datetime' }, { kind: 'time' }] as const) {
        assert.doesNotThrow(() => cast(real(value), target), `${value} AS ${target.kind}`);
      }
    }
    assert.deepEqual(cast(real(Number.NaN), { kind: 'signed' }), { text: '0', warnings: [1916] });
    assert.deepEqual(cast(real(Number.NaN), { kind: 'decimal', length: 4, scale: 1 }), { text: '0.0', warnings: [1916] });
    assert.deepEqual(cast(real(Number.NaN), { kind: 'datetime' }), { text: null, warnings: [1292] });
    assert.deepEqual(cast(real(Number.NaN), { kind: 'time' }), { text: null, warnings: [1292] });
    assert.deepEqual(cast(real(Number.NEGATIVE_INFINITY), { kind: 'decimal', length: 4, scale: 1 }), { text: '-999.9', warnings: [1916, 1264] });
    assert.deepEqual(cast(real(Number.POSITIVE_INFINITY), { kind: 'date' }), { text: null, warnings: [1292] });
    assert.deepEqual(cast(real(Number.POSITIVE_INFINITY), { kind: 'time' }), { text: '838:59:59', warnings: [1292] });
    assert.throws(() => cast(real(Number.NaN), { kind: 'json' }), (error: unknown) => error instanceof ExprError && error.code === 3141);
  });

  test('NULL casts to NULL of the target type', () => {
    const expr = buildExplicitCast(constant(null, newFieldType(FieldTypeCode.Null)), { kind: 'decimal', length: 5, scale: 2 });
    assert.equal(expr.type.decimals, 2);
    assert.deepEqual(run(expr), { text: null, warnings: [] });
  });
});
