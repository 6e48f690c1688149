import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatDouble, formatFixedReal, formatFloat, parseDecimalPrefix, parseIntegerPrefix, parseRealPrefix } from './number-text.js';

describe('common/types number text (MySQL prefix parsing and double printing)', () => {
  test('integers: the prefix, a sign, clamping to 64 bits; the rest counts as truncation', () => {
    assert.deepEqual(parseIntegerPrefix('12abc'), { value: 12n, negative: false, overflow: false, truncated: true });
    assert.deepEqual(parseIntegerPrefix('  -12'), { value: -12n, negative: true, overflow: false, truncated: false });
    assert.deepEqual(parseIntegerPrefix('1.9'), { value: 1n, negative: false, overflow: false, truncated: true });
    assert.equal(parseIntegerPrefix('0x10').value, 0n);
    assert.equal(parseIntegerPrefix('').truncated, true);
    assert.equal(parseIntegerPrefix('- 1').value, 0n);
    assert.deepEqual(parseIntegerPrefix('18446744073709551616'), { value: 18446744073709551615n, negative: false, overflow: true, truncated: false });
    assert.deepEqual(parseIntegerPrefix('-9223372036854775809'), { value: -9223372036854775808n, negative: true, overflow: true, truncated: false });
    assert.equal(parseIntegerPrefix('1 ').truncated, true, 'MySQL 8 warns on trailing spaces for integers');
  });

  test('doubles: a numeral with an optional exponent; a bare exponent marker is not part of it', () => {
    assert.deepEqual(parseRealPrefix('  1.5e3x'), { value: 1500, overflow: false, truncated: true });
    assert.deepEqual(parseRealPrefix('.5'), { value: 0.5, overflow: false, truncated: false });
    assert.deepEqual(parseRealPrefix('1e+'), { value: 1, overflow: false, truncated: true });
    assert.deepEqual(parseRealPrefix('1.5  '), { value: 1.5, overflow: false, truncated: false });
    assert.deepEqual(parseRealPrefix('-'), { value: 0, overflow: false, truncated: true });
    assert.deepEqual(parseRealPrefix('1e400'), { value: Number.MAX_VALUE, overflow: true, truncated: true });
    assert.ok(Object.is(parseRealPrefix('-0').value, 0));
  });

  test('decimals: exponents apply, more than 65 digits clamp', () => {
    assert.equal(parseDecimalPrefix('1e3').value.toString(), '1000');
    assert.equal(parseDecimalPrefix('1.5abc').value.toString(), '1.5');
    assert.equal(parseDecimalPrefix('1.5abc').truncated, true);
    assert.equal(parseDecimalPrefix('abc').value.toString(), '0');
    const huge = parseDecimalPrefix('-' + '1'.repeat(70));
    assert.equal(huge.overflow, true);
    assert.equal(huge.value.toString(), '-' + '9'.repeat(65));
  });

  test('doubles print as MySQL does: shortest digits, exponent past 15 integer digits or 14 leading zeros', () => {
    const cases: Array<[number, string]> = [
      [1e15, '1e15'],
      [1e14, '100000000000000'],
      [1e-5, '0.00001'],
      [1e-7, '0.0000001'],
      [1e-15, '0.000000000000001'],
      [1e-16, '1e-16'],
      [123456789012345678, '1.2345678901234568e17'],
      [1234567890123456.7, '1234567890123456.8'],
      [-0, '0'],
      [1.5e300, '1.5e300'],
      [-1.5e-7, '-0.00000015'],
      [0.1 + 0.2, '0.30000000000000004'],
      [1.7976931348623157e308, '1.7976931348623157e308'],
      [5e-324, '5e-324'],
      [100, '100'],
    ];
    for (const [value, text] of cases) assert.equal(formatDouble(value), text, String(value));
  });

  test('floats keep 6 significant digits; fixed decimals print exactly', () => {
    assert.equal(formatFloat(Math.fround(0.1)), '0.1');
    assert.equal(formatFloat(Math.fround(123456789)), '123457000');
    assert.equal(formatFloat(Math.fround(16777217)), '16777200');
    assert.equal(formatFloat(Math.fround(1e20)), '1e20');
    assert.equal(formatFloat(Math.fround(1 / 3)), '0.333333');
    assert.equal(formatFixedReal(1, 2), '1.00');
    assert.equal(formatFixedReal(1.005, 2), '1.00', 'the double below 1.005 rounds down');
    assert.equal(formatFixedReal(1e22, 1), '10000000000000000000000.0');
  });

  test('huge numerals read as str2my_decimal holds them (81 digits while reading)', () => {
    const huge = '9'.repeat(1_000_000);
    assert.deepEqual(parseIntegerPrefix(huge), { value: (1n << 64n) - 1n, negative: false, overflow: true, truncated: false });
    assert.equal(parseIntegerPrefix(`${'0'.repeat(1_000_000)}12`).value, 12n);
    assert.equal(parseDecimalPrefix(huge).overflow, true);
    assert.equal(parseDecimalPrefix(`0.${'0'.repeat(1_000_000)}1`).value.toString(), '0.000000000000000000000000000000');
    // An integer part past 81 digits overflows whatever the exponent; 70 digits scaled down fit.
    assert.equal(parseDecimalPrefix(`${'1'.repeat(90)}e-40`).overflow, true);
    assert.equal(parseDecimalPrefix(`${'1'.repeat(70)}e-10`).value.toString(), `${'1'.repeat(60)}.${'1'.repeat(5)}`, 'cut to 65 digits');
    assert.equal(parseDecimalPrefix('-00012.3400x').value.toString(), '-12.3400');
  });
});
