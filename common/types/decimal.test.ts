import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal, DecimalError } from './decimal.js';
import { CodecError } from '../errors.js';
import { SeededRandom } from '../random.js';

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase();
}

function parseHex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'));
}

function mustDecimal(text: string): Decimal {
  return Decimal.parse(text);
}

function mustDivide(left: string, right: string, extraScale?: number): string {
  const result = mustDecimal(left).div(mustDecimal(right), extraScale);
  assert.ok(result !== null, `${left} / ${right} must not be NULL`);
  return result.toString();
}

/** A random numeral the way a user might write it, with its canonical MySQL form. */
interface RandomNumeral {
  text: string;
  canonical: string;
  integerPart: string;
  fractionPart: string;
  negative: boolean;
}

function randomNumeral(random: SeededRandom, maxIntegerDigits = 35, maxScale = 30): RandomNumeral {
  const scale = random.nextIntBetween(0, maxScale);
  const integerDigits = random.nextIntBetween(0, Math.min(maxIntegerDigits, 65 - scale));
  const integerPart = random.digits(integerDigits).replace(/^0+/, '');
  const fractionPart = random.digits(scale);
  const negative = random.chance(0.5);
  const leadingZeros = random.chance(0.2) ? '000' : '';
  let text = (negative ? '-' : random.chance(0.1) ? '+' : '') + leadingZeros + integerPart;
  if (scale > 0) text += '.' + fractionPart;
  if (integerPart === '' && scale === 0) text += '0';
  const isZero = /^0*$/.test(integerPart + fractionPart);
  const canonical =
    (negative && !isZero ? '-' : '') + (integerPart === '' ? '0' : integerPart) + (scale > 0 ? '.' + fractionPart : '');
  return { text, canonical, integerPart, fractionPart, negative: negative && !isZero };
}

/** The value times 10^scale as a bigint, computed from the digits alone. */
function scaledValue(numeral: RandomNumeral, scale: number): bigint {
  const digits = (numeral.integerPart + numeral.fractionPart.padEnd(scale, '0')).replace(/^0+/, '') || '0';
  const magnitude = BigInt(digits);
  return numeral.negative ? -magnitude : magnitude;
}

function decimalAtScale(value: Decimal, scale: number): bigint {
  assert.ok(value.scale <= scale);
  const [integerPart = '', fractionPart = ''] = value.abs().toString().split('.');
  const magnitude = BigInt(integerPart + fractionPart.padEnd(scale, '0'));
  return value.isNegative() ? -magnitude : magnitude;
}

describe('Decimal parsing and formatting', () => {
  test('MySQL numerals', () => {
    const cases: Array<[string, string]> = [
      ['0', '0'],
      ['-0', '0'],
      ['-0.00', '0.00'],
      ['1.50', '1.50'],
      ['-0.001', '-0.001'],
      ['.5', '0.5'],
      ['5.', '5'],
      ['+007.50', '7.50'],
      ['  12.5  ', '12.5'],
      ['00123.123', '123.123'],
      ['1e3', '1000'],
      ['1.5E-3', '0.0015'],
      ['1.50e1', '15'],
      ['100e-1', '10'],
      ['-2.5e+2', '-250'],
      ['0e10', '0'],
      ['1e-100', '0.000000000000000000000000000000'],
      // More than 30 fractional digits round half-up to 30.
      ['0.1234567890123456789012345678905', '0.123456789012345678901234567891'],
      ['-0.0000000000000000000000000000005', '-0.000000000000000000000000000001'],
      ['9'.repeat(65), '9'.repeat(65)],
    ];
    for (const [text, expected] of cases) {
      assert.equal(mustDecimal(text).toString(), expected, `parse(${JSON.stringify(text)})`);
    }
  });

  test('garbage and overflow throw typed errors', () => {
    for (const text of ['', ' ', '-', '+', '.', 'abc', '1.2.3', '1e', '1e+', '12a', '0x10', '1 2', '--1', 'e5']) {
      assert.throws(
        () => Decimal.parse(text),
        (error: unknown) => error instanceof DecimalError && error.kind === 'syntax',
        `parse(${JSON.stringify(text)})`,
      );
    }
    for (const text of ['1' + '0'.repeat(65), '1e65', '-1e70', '1e1000000000']) {
      assert.throws(
        () => Decimal.parse(text),
        (error: unknown) => error instanceof DecimalError && error.kind === 'overflow',
        `parse(${JSON.stringify(text)})`,
      );
    }
    assert.throws(() => Decimal.fromBigInt(10n ** 65n), DecimalError);
    assert.throws(() => Decimal.fromNumber(Number.NaN), DecimalError);
    assert.throws(() => Decimal.fromNumber(Number.POSITIVE_INFINITY), DecimalError);
  });

  test('65 digits in all: long integer parts leave room for fewer fractional digits', () => {
    const value = mustDecimal('1'.repeat(60) + '.123456789');
    assert.equal(value.toString(), '1'.repeat(60) + '.12346');
    assert.equal(value.precision, 65);
  });

  test('fromNumber gives the shortest round-trip decimal', () => {
    const cases: Array<[number, string]> = [
      [0.1, '0.1'],
      [-0, '0'],
      [1.5, '1.5'],
      [123456789.125, '123456789.125'],
      [0.30000000000000004, '0.30000000000000004'],
      [1e21, '1000000000000000000000'],
      [1.5e-7, '0.00000015'],
      [-42, '-42'],
    ];
    for (const [value, expected] of cases) assert.equal(Decimal.fromNumber(value).toString(), expected);
  });

  test('conversions', () => {
    assert.equal(mustDecimal('-12.99').toBigInt(), -12n);
    assert.equal(mustDecimal('12.99').toBigInt(), 12n);
    assert.equal(mustDecimal('-0.5').toBigInt(), 0n);
    assert.equal(Decimal.fromBigInt(-9223372036854775808n).toString(), '-9223372036854775808');
    assert.equal(mustDecimal('0.1').toNumber(), 0.1);
    assert.equal(mustDecimal('-1234.5678').toNumber(), -1234.5678);
  });

  test('precision and frac as MySQL reports them', () => {
    const cases: Array<[string, number, number]> = [
      ['0', 1, 0],
      ['0.00', 2, 2],
      ['0.05', 2, 2],
      ['123.45', 5, 2],
      ['-123.450', 6, 3],
      ['00012', 2, 0],
    ];
    for (const [text, precision, frac] of cases) {
      const value = mustDecimal(text);
      assert.equal(value.precision, precision, `precision of ${text}`);
      assert.equal(value.frac, frac, `frac of ${text}`);
    }
  });
});

describe('Decimal arithmetic matches MySQL', () => {
  test('results checked against MariaDB and TiDB', () => {
    assert.equal(mustDecimal('0.1').add(mustDecimal('0.2')).toString(), '0.3');
    assert.equal(mustDecimal('1.5').add(mustDecimal('0.25')).toString(), '1.75');
    assert.equal(mustDecimal('5').add(mustDecimal('-6.0')).toString(), '-1.0');
    assert.equal(mustDecimal('-1234.1234').add(mustDecimal('1234.1234')).toString(), '0.0000');
    assert.equal(mustDecimal('9999909999999.5').add(mustDecimal('.555')).toString(), '9999910000000.055');
    assert.equal(mustDecimal('.00012345000098765').sub(mustDecimal('123.45')).toString(), '-123.44987654999901235');
    assert.equal(mustDecimal('1.10').mul(mustDecimal('1.10')).toString(), '1.2100');
    assert.equal(mustDecimal('-123.456').mul(mustDecimal('98765.4321')).toString(), '-12193185.1853376');
    assert.equal(mustDecimal('0.000').mul(mustDecimal('-1')).toString(), '0.000');
    // TiDB rounds products with more than 30 fractional digits half-up to 30.
    assert.equal(
      mustDecimal('0.123456789012345678901234567895').mul(mustDecimal('0.5')).toString(),
      '0.061728394506172839450617283948',
    );
  });

  test('division uses div_precision_increment = 4 and MySQL word truncation', () => {
    assert.equal(mustDivide('1', '3'), '0.3333');
    assert.equal(mustDivide('2', '3'), '0.6667');
    assert.equal(mustDivide('2.0', '3'), '0.66667');
    assert.equal(mustDivide('10.0', '4'), '2.50000');
    assert.equal(mustDivide('1', '1'), '1.0000');
    assert.equal(mustDivide('1.00', '1'), '1.000000');
    assert.equal(mustDivide('1', '1.000'), '1.0000');
    assert.equal(mustDivide('51', '0.003430'), '14868.8047');
    assert.equal(mustDivide('0.000', '0.1'), '0.0000000');
    assert.equal(mustDivide('1.000000000', '3'), '0.3333333333333');
    assert.equal(mustDivide('20000000000000000', '3.0000'), '6666666666666666.6667');
    // MariaDB: 2.00000/3 = 0.666666666 (quotient truncated at 9 digits, nothing to round)
    // while 2.0000/3 = 0.66666667 (rounded from 9 digits to 8).
    assert.equal(mustDivide('2.00000', '3'), '0.666666666');
    assert.equal(mustDivide('2.0000', '3'), '0.66666667');
    assert.equal(mustDivide('-7', '2'), '-3.5000');
    assert.equal(mustDecimal('1').div(mustDecimal('0')), null);
    assert.equal(mustDecimal('0').div(mustDecimal('0.00')), null);
  });

  test('division with increment 5 agrees with TiDB mydecimal_test (rounded from its internal digits)', () => {
    // TiDB's expected internal quotients, rounded half-up to scale(dividend) + 5.
    assert.equal(mustDivide('120', '10', 5), '12.00000');
    assert.equal(mustDivide('123', '0.01', 5), '12300.00000');
    assert.equal(mustDivide('-12193185.1853376', '98765.4321', 5), '-123.456000000000');
    assert.equal(mustDivide('1.000000000000', '3', 5), '0.33333333333333333');
    assert.equal(mustDivide('0.0123456789012345678912345', '9999999999', 5), '0.000000000001234567890246913578');
    assert.equal(mustDivide('10.333000000', '12.34500', 5), '0.83701903604698');
    assert.equal(mustDivide('10.000000000060', '2', 5), '5.00000000003000000');
    assert.equal(mustDivide('51', '0.003430', 5), '14868.80466');
  });

  test('modulo keeps the dividend sign and the larger scale', () => {
    const cases: Array<[string, string, string]> = [
      ['234', '10', '4'],
      ['234.567', '10.555', '2.357'],
      ['-234.567', '10.555', '-2.357'],
      ['234.567', '-10.555', '2.357'],
      ['51', '0.003430', '0.002760'],
      ['0.0000000001', '1.0', '0.0000000001'],
      ['0.000', '0.1', '0.000'],
      ['1', '2.0', '1.0'],
      ['5.5', '2', '1.5'],
      ['-5.5', '2', '-1.5'],
      ['5', '-3', '2'],
      ['-7.5', '2.2', '-0.9'],
      ['7', '0.3', '0.1'],
    ];
    for (const [left, right, expected] of cases) {
      assert.equal(mustDecimal(left).mod(mustDecimal(right))?.toString(), expected, `${left} MOD ${right}`);
    }
    assert.equal(mustDecimal('1.5').mod(mustDecimal('0')), null);
  });

  test('ROUND, TRUNCATE, CEILING and FLOOR', () => {
    const cases: Array<[string, number, 'half-up' | 'truncate' | 'ceiling' | 'floor', string]> = [
      ['2.5', 0, 'half-up', '3'],
      ['-2.5', 0, 'half-up', '-3'],
      ['-0.4', 0, 'half-up', '0'],
      ['0.5', 0, 'half-up', '1'],
      ['5.55', 1, 'half-up', '5.6'],
      ['-5.55', 1, 'half-up', '-5.6'],
      ['99.5', 0, 'half-up', '100'],
      ['1234.5', -2, 'half-up', '1200'],
      ['1234.5', -4, 'half-up', '0'],
      ['5000', -4, 'half-up', '10000'],
      ['-5000', -4, 'half-up', '-10000'],
      ['-1.5', -1, 'half-up', '0'],
      ['1.5', 3, 'half-up', '1.500'],
      ['1.5555', 2, 'half-up', '1.56'],
      ['.999', 0, 'half-up', '1'],
      ['999999999', -9, 'half-up', '1000000000'],
      ['-1.99', 1, 'truncate', '-1.9'],
      ['1299', -2, 'truncate', '1200'],
      ['1.5', 3, 'truncate', '1.500'],
      ['-1.5', 0, 'ceiling', '-1'],
      ['1.1', 0, 'ceiling', '2'],
      ['15.4', -1, 'ceiling', '20'],
      ['-15.4', -1, 'ceiling', '-10'],
      ['5.4', -1, 'ceiling', '10'],
      ['15.1', 1, 'ceiling', '15.1'],
      ['15.17', 1, 'ceiling', '15.2'],
      ['-1.5', 0, 'floor', '-2'],
      ['1.9', 0, 'floor', '1'],
      ['-15.4', -1, 'floor', '-20'],
    ];
    for (const [text, digits, mode, expected] of cases) {
      assert.equal(mustDecimal(text).round(digits, mode).toString(), expected, `round(${text}, ${digits}, ${mode})`);
    }
    assert.equal(mustDecimal('2.5').round(0).toString(), '3', 'half-up is the default');
    assert.throws(() => mustDecimal('9'.repeat(65)).round(-1), DecimalError);
  });

  test('negative zero does not exist', () => {
    assert.equal(mustDecimal('-0.4').round(0).isNegative(), false);
    assert.equal(mustDecimal('0').negate().toString(), '0');
    assert.equal(mustDecimal('-0.001').mul(mustDecimal('0.00')).toString(), '0.00000');
  });
});

describe('Decimal binary format (TiDB ToBin/FromBin)', () => {
  // [value, precision, frac, bytes]: the first from the comment on TiDB's ToBin and
  // Akiban's DecimalEncoderTest, the rest read from MariaDB (COLUMN_CREATE stores
  // decimal2bin bytes), which shares the format with MySQL and TiDB.
  const vectors: Array<[string, number, number, string]> = [
    ['1234567890.1234', 14, 4, '810DFB38D204D2'],
    ['-1234567890.1234', 14, 4, '7EF204C72DFB2D'],
    ['90.1956251262', 12, 10, 'DA0BA900A602'],
    ['1234567890.1234', 22, 4, '800000010DFB38D204D2'],
    ['-0.5', 11, 2, '7FFFFFFFCD'],
    ['-9661878737152278814732.398448113', 36, 9, '7FFFDA42CB9F88FFEF619FF3E8402A0E'],
    ['-7.248835871506362344940216022428', 39, 30, '7FFFFFF8F12B10E0E1D18617C7F57129FE53'],
    ['-605456.24925960663862794156856090', 35, 26, '7FF6C2EFF12499A9D9EF4F9AFC9C71E5'],
    ['-82.844037879583025666469615', 33, 24, '7FFFFFADCDB10108DD3FBBFDF8D590'],
    ['-6332315975.8834418306301', 31, 13, '7FFFFFF9EC3142B8CB57BF59E762'],
    ['73.2493083', 16, 7, '8000004900260A9B'],
    ['9273825.756', 12, 3, '808D81E102F4'],
    ['0144366534453.99', 20, 2, '8000009015D8DF3563'],
    ['0.439904318297974683756509', 33, 24, '800000001A38683E11C2BB9B0B8B1D'],
    ['0.8', 10, 1, '8000000008'],
    ['-14907.64', 11, 2, '7FFFC5C4BF'],
    ['-862427.0', 10, 1, '7FF2D724FF'],
    ['-0.72829', 14, 5, '7FFFFFFFFEE382'],
    ['3627592642097749887586780044052.172815313', 45, 9, '80000E2B235300312CB260622E7E87140A4CF3D1'],
    ['-71.3179200', 16, 7, '7FFFFFB8FFCF7D3F'],
    ['468493521.44068259327253', 23, 14, '9BECA4D11A444861006A75'],
  ];

  test('known bytes', () => {
    for (const [text, precision, frac, bytes] of vectors) {
      const value = mustDecimal(text);
      assert.equal(hex(value.toBin(precision, frac)), bytes, `toBin(${text}, ${precision}, ${frac})`);
      const decoded = Decimal.fromBin(parseHex('AA' + bytes + 'BB'), 1, precision, frac);
      assert.equal(decoded.length, bytes.length / 2);
      assert.equal(decoded.length, Decimal.binSize(precision, frac));
      assert.ok(decoded.value.equals(value), `fromBin(${bytes})`);
      assert.equal(decoded.value.scale, frac);
    }
  });

  test('TiDB ToBin/FromBin round trips', () => {
    const cases: Array<[string, number, number, string]> = [
      ['-10.55', 4, 2, '-10.55'],
      ['0.0123456789012345678912345', 30, 25, '0.0123456789012345678912345'],
      ['12345', 5, 0, '12345'],
      ['12345', 10, 3, '12345.000'],
      ['123.45', 10, 3, '123.450'],
      ['-123.45', 20, 10, '-123.4500000000'],
      ['.00012345000098765', 22, 20, '0.00012345000098765000'],
      ['.12345000098765', 30, 20, '0.12345000098765000000'],
      ['1234500009876.5', 30, 5, '1234500009876.50000'],
      ['000000000.01', 7, 3, '0.010'],
      ['123.4', 10, 2, '123.40'],
      ['0.1', 1, 1, '0.1'],
      ['0.100', 1, 1, '0.1'],
      ['0.1', 2, 2, '0.10'],
      ['0.1', 3, 1, '0.1'],
      ['0.0000000000001234', 20, 20, '0.00000000000012340000'],
      // Unlike TiDB (which truncates and reports it), toBin rounds half-up to frac.
      ['.00012345000098765', 15, 14, '0.00012345000099'],
      ['-.000000012345000098765', 30, 20, '-0.00000001234500009877'],
    ];
    for (const [text, precision, frac, expected] of cases) {
      const bytes = mustDecimal(text).toBin(precision, frac);
      assert.equal(Decimal.fromBin(bytes, 0, precision, frac).value.toString(), expected, `${text} (${precision},${frac})`);
    }
  });

  test('values that do not fit and bad arguments', () => {
    assert.throws(() => mustDecimal('111111111.11').toBin(10, 2), (error: unknown) => error instanceof DecimalError && error.kind === 'overflow');
    assert.throws(() => mustDecimal('1000').toBin(3, 0), DecimalError);
    assert.throws(() => mustDecimal('9.96').toBin(2, 1), DecimalError, 'rounding up can overflow too');
    for (const [precision, frac] of [[66, 1], [0, 0], [-1, 1], [10, 31], [10, -1], [3, 4]] as const) {
      assert.throws(() => mustDecimal('1').toBin(precision, frac), DecimalError);
      assert.throws(() => Decimal.binSize(precision, frac), DecimalError);
      assert.throws(() => Decimal.fromBin(new Uint8Array(64), 0, precision, frac), CodecError);
    }
  });

  test('truncated and corrupt input throws CodecError', () => {
    const bytes = mustDecimal('1234567890.1234').toBin(14, 4);
    for (let length = 0; length < bytes.length; length++) {
      assert.throws(() => Decimal.fromBin(bytes.subarray(0, length), 0, 14, 4), CodecError);
    }
    assert.throws(() => Decimal.fromBin(bytes, 1, 14, 4), CodecError);
    // A full word of 0xFFFFFFFF is more than nine digits.
    assert.throws(() => Decimal.fromBin(parseHex('80FFFFFFFF'), 0, 10, 0), CodecError);
    // A one-digit group holding 10.
    assert.throws(() => Decimal.fromBin(parseHex('8A'), 0, 1, 0), CodecError);
  });

  test('binSize', () => {
    assert.equal(Decimal.binSize(14, 4), 7);
    assert.equal(Decimal.binSize(1, 0), 1);
    assert.equal(Decimal.binSize(65, 30), 30);
    assert.equal(Decimal.binSize(10, 0), 5);
    assert.equal(Decimal.binSize(9, 9), 4);
    assert.equal(Decimal.binSize(18, 9), 8);
  });
});

describe('Decimal properties (seeded)', () => {
  test('parse/toString round trip and compare agrees with bigint arithmetic', () => {
    const random = new SeededRandom(0x5eed01);
    for (let iteration = 0; iteration < 10_000; iteration++) {
      const left = randomNumeral(random);
      const right = random.chance(0.1) ? left : randomNumeral(random);
      const a = Decimal.parse(left.text);
      const b = Decimal.parse(right.text);
      const context = `seed ${random.seed} iteration ${iteration}: ${left.text} vs ${right.text}`;
      assert.equal(a.toString(), left.canonical, context);
      assert.ok(Decimal.parse(a.toString()).equals(a), context);
      const leftScaled = scaledValue(left, 30);
      const rightScaled = scaledValue(right, 30);
      const expected = leftScaled < rightScaled ? -1 : leftScaled > rightScaled ? 1 : 0;
      assert.equal(a.compare(b), expected, context);
      assert.equal(b.compare(a), expected === 0 ? 0 : -expected, context);
      assert.equal(a.equals(b), expected === 0, context);
      assert.equal(a.isNegative(), leftScaled < 0n, context);
      assert.equal(a.isZero(), leftScaled === 0n, context);
    }
  });

  test('add, sub and mul are exact', () => {
    const random = new SeededRandom(0x5eed02);
    for (let iteration = 0; iteration < 10_000; iteration++) {
      // At most 32 digits each, so products stay within 65 digits and 30 decimals.
      const left = randomNumeral(random, 17, 15);
      const right = randomNumeral(random, 17, 15);
      const a = Decimal.parse(left.text);
      const b = Decimal.parse(right.text);
      const context = `seed ${random.seed} iteration ${iteration}: ${left.text}, ${right.text}`;
      const sum = a.add(b);
      const difference = a.sub(b);
      assert.equal(sum.scale, Math.max(a.scale, b.scale), context);
      assert.equal(decimalAtScale(sum, 30), scaledValue(left, 30) + scaledValue(right, 30), context);
      assert.equal(decimalAtScale(difference, 30), scaledValue(left, 30) - scaledValue(right, 30), context);
      const product = a.mul(b);
      assert.equal(product.scale, a.scale + b.scale, context);
      assert.equal(
        decimalAtScale(product, 30),
        scaledValue(left, a.scale) * scaledValue(right, b.scale) * 10n ** BigInt(30 - a.scale - b.scale),
        context,
      );
      const quotient = a.div(b);
      if (b.isZero()) assert.equal(quotient, null, context);
      else {
        assert.ok(quotient !== null);
        assert.equal(quotient.scale, Math.min(a.scale + 4, 30), context);
        // |quotient - a/b| stays below one unit of the result scale; in integers:
        // |Q*B*10^sa - A*10^(qs+sb)| < |B|*10^sa.
        const error =
          quotient.coefficient * b.coefficient * 10n ** BigInt(a.scale) -
          a.coefficient * 10n ** BigInt(quotient.scale + b.scale);
        const unit = b.coefficient * 10n ** BigInt(a.scale);
        assert.ok((error < 0n ? -error : error) < (unit < 0n ? -unit : unit), context);
      }
    }
  });

  test('toBin/fromBin round trip at random (precision, frac)', () => {
    const random = new SeededRandom(0x5eed03);
    for (let iteration = 0; iteration < 10_000; iteration++) {
      const precision = random.nextIntBetween(1, 65);
      const frac = random.nextIntBetween(0, Math.min(precision, 30));
      const numeral = randomNumeral(random, precision - frac, Math.min(30, frac + 3));
      const value = Decimal.parse(numeral.text);
      const context = `seed ${random.seed} iteration ${iteration}: ${numeral.text} (${precision},${frac})`;
      const rounded = value.round(frac);
      if (rounded.integerDigits > precision - frac) {
        assert.throws(() => value.toBin(precision, frac), DecimalError, context);
        continue;
      }
      const bytes = value.toBin(precision, frac);
      assert.equal(bytes.length, Decimal.binSize(precision, frac), context);
      const decoded = Decimal.fromBin(bytes, 0, precision, frac);
      assert.equal(decoded.value.toString(), rounded.toString(), context);
      assert.equal(decoded.length, bytes.length, context);
      if (bytes.length > 0) {
        assert.throws(() => Decimal.fromBin(bytes.subarray(0, bytes.length - 1), 0, precision, frac), CodecError, context);
      }
    }
  });

  test('bin byte order equals value order at fixed (precision, frac)', () => {
    const random = new SeededRandom(0x5eed04);
    const layouts: Array<[number, number]> = [[1, 0], [5, 2], [14, 4], [18, 9], [30, 30], [65, 30], [65, 0], [40, 13]];
    for (const [precision, frac] of layouts) {
      const values: Decimal[] = [];
      for (let index = 0; index < 1_500; index++) {
        const numeral = randomNumeral(random, random.nextIntBetween(0, precision - frac), frac);
        values.push(Decimal.parse(numeral.text));
      }
      const encoded = values.map((value) => ({ value, bytes: value.toBin(precision, frac) }));
      encoded.sort((left, right) => Buffer.compare(left.bytes, right.bytes));
      for (let index = 1; index < encoded.length; index++) {
        const previous = encoded[index - 1]!;
        const current = encoded[index]!;
        const byteOrder = Buffer.compare(previous.bytes, current.bytes);
        assert.equal(
          previous.value.compare(current.value),
          byteOrder,
          `(${precision},${frac}): ${previous.value.toString()} vs ${current.value.toString()}`,
        );
      }
    }
  });
});
