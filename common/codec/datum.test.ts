import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CodecError } from '../errors.js';
import { SeededRandom } from '../random.js';
import { Decimal } from '../types/decimal.js';
import { Duration, MysqlTime } from '../types/time.js';
import { compareBytes } from './bytes.js';
import {
  bytesDatum,
  type Datum,
  decimalDatum,
  decodeDatums,
  encodeKey,
  encodeValue,
  floatDatum,
  intDatum,
  maxDatum,
  minNotNullDatum,
  nullDatum,
  uintDatum,
} from './datum.js';
import { compareBigInt, randomBytes, randomFloat64, randomInt64, randomUint64, sign } from './test-values.js';

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** A random datum of one kind, with its SQL comparator; decimals use a fixed (precision, frac). */
interface Kind {
  readonly name: string;
  random(random: SeededRandom): Datum;
  compare(a: Datum, b: Datum): number;
}

function randomDecimal(random: SeededRandom, precision: number, frac: number): Decimal {
  const digits = random.nextIntBetween(1, precision);
  let coefficient = 0n;
  for (let index = 0; index < digits; index++) coefficient = coefficient * 10n + BigInt(random.nextInt(10));
  if (random.nextBoolean()) coefficient = -coefficient;
  return Decimal.fromScaled(coefficient, frac);
}

function randomTime(random: SeededRandom): MysqlTime {
  const pad = (value: number, width: number) => String(value).padStart(width, '0');
  const year = random.nextIntBetween(1000, 9999);
  const month = random.nextIntBetween(1, 12);
  const day = random.nextIntBetween(1, 28);
  const text = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)} ${pad(random.nextInt(24), 2)}:${pad(random.nextInt(60), 2)}:${pad(random.nextInt(60), 2)}.${pad(random.nextInt(1_000_000), 6)}`;
  return MysqlTime.parse(text, 'datetime', 6);
}

const maxDurationNs = ((838n * 3600n + 59n * 60n + 59n) * 1_000_000n + 999_999n) * 1000n;

const kinds: readonly Kind[] = [
  { name: 'int', random: (r) => intDatum(randomInt64(r)), compare: (a, b) => compareBigInt(valueOf(a) as bigint, valueOf(b) as bigint) },
  { name: 'uint', random: (r) => uintDatum(randomUint64(r)), compare: (a, b) => compareBigInt(valueOf(a) as bigint, valueOf(b) as bigint) },
  {
    name: 'float',
    random: (r) => floatDatum(randomFloat64(r)),
    compare: (a, b) => {
      const x = valueOf(a) as number;
      const y = valueOf(b) as number;
      return x < y ? -1 : x > y ? 1 : 0;
    },
  },
  { name: 'bytes', random: (r) => bytesDatum(randomBytes(r)), compare: (a, b) => sign(compareBytes(valueOf(a) as Uint8Array, valueOf(b) as Uint8Array)) },
  {
    name: 'decimal(20,6)',
    random: (r) => decimalDatum(randomDecimal(r, 20, 6), 20, 6),
    compare: (a, b) => (valueOf(a) as Decimal).compare(valueOf(b) as Decimal),
  },
  {
    name: 'decimal(65,30)',
    random: (r) => decimalDatum(randomDecimal(r, 65, 30), 65, 30),
    compare: (a, b) => (valueOf(a) as Decimal).compare(valueOf(b) as Decimal),
  },
  { name: 'datetime(6)', random: (r) => ({ kind: 'time', value: randomTime(r) }), compare: (a, b) => (valueOf(a) as MysqlTime).compare(valueOf(b) as MysqlTime) },
  {
    name: 'time(6)',
    random: (r) => ({ kind: 'duration', value: Duration.fromNanoseconds(((r.nextUint64() % (2n * maxDurationNs)) - maxDurationNs) / 1000n * 1000n, 6) }),
    compare: (a, b) => (valueOf(a) as Duration).compare(valueOf(b) as Duration),
  },
];

function valueOf(datum: Datum): unknown {
  if ('value' in datum) return datum.value;
  throw new Error(`datum ${datum.kind} has no value`);
}

/** The datum as decoding yields it: times come back packed, as the key does not say their type. */
function decodedForm(datum: Datum): Datum {
  if (datum.kind === 'time') return uintDatum(datum.value.toPackedUint());
  return datum;
}

function assertSameDatum(actual: Datum, expected: Datum, message: string): void {
  const want = decodedForm(expected);
  assert.equal(actual.kind, want.kind, message);
  if (want.kind === 'decimal' && actual.kind === 'decimal') {
    assert.equal(actual.value.compare(want.value), 0, message);
    assert.equal(actual.precision, want.precision, message);
    assert.equal(actual.frac, want.frac, message);
  } else if (want.kind === 'duration' && actual.kind === 'duration') {
    assert.equal(actual.value.nanoseconds, want.value.nanoseconds, message);
  } else if (want.kind === 'float' && actual.kind === 'float') {
    assert.equal(actual.value, want.value === 0 ? 0 : want.value, message);
  } else {
    assert.deepEqual(actual, want, message);
  }
}

describe('datum codec', () => {
  for (const kind of kinds) {
    test(`${kind.name}: key byte order equals SQL order for 10,000 random pairs, and both forms round-trip`, () => {
      const random = new SeededRandom(kinds.indexOf(kind) + 100);
      for (let index = 0; index < 10_000; index++) {
        const a = kind.random(random);
        const b = kind.random(random);
        const keyA = encodeKey([a]);
        assert.equal(sign(compareBytes(keyA, encodeKey([b]))), kind.compare(a, b), `${kind.name} order`);
        const [decodedKey] = decodeDatums(keyA);
        assertSameDatum(decodedKey!, a, `${kind.name} key round trip`);
        const [decodedValue] = decodeDatums(encodeValue([a]));
        assertSameDatum(decodedValue!, a, `${kind.name} value round trip`);
      }
    });
  }

  test('tuples order lexicographically: (bytes, int) pairs', () => {
    const random = new SeededRandom(150);
    for (let index = 0; index < 10_000; index++) {
      const a: Datum[] = [bytesDatum(randomBytes(random, 10)), intDatum(randomInt64(random))];
      const b: Datum[] = random.nextBoolean() ? [a[0]!, intDatum(randomInt64(random))] : [bytesDatum(randomBytes(random, 10)), intDatum(randomInt64(random))];
      const first = kinds[3]!.compare(a[0]!, b[0]!);
      const expected = first !== 0 ? first : kinds[0]!.compare(a[1]!, b[1]!);
      assert.equal(sign(compareBytes(encodeKey(a), encodeKey(b))), expected);
      assert.deepEqual(decodeDatums(encodeKey(a)), a);
    }
  });

  test('NULL < MinNotNull < every value < Max', () => {
    const random = new SeededRandom(151);
    const nullKey = encodeKey([nullDatum]);
    const minKey = encodeKey([minNotNullDatum]);
    const maxKey = encodeKey([maxDatum]);
    assert.equal(compareBytes(nullKey, minKey), -1);
    for (let index = 0; index < 2_000; index++) {
      const kind = random.pick(kinds);
      const key = encodeKey([kind.random(random)]);
      assert.equal(compareBytes(minKey, key), -1, kind.name);
      assert.equal(compareBytes(key, maxKey), -1, kind.name);
    }
    assert.deepEqual(decodeDatums(minKey), [minNotNullDatum]);
    assert.deepEqual(decodeDatums(maxKey), [maxDatum]);
    assert.deepEqual(decodeDatums(nullKey), [nullDatum]);
  });

  test('matches TiDB bytes for each flag', () => {
    assert.equal(hex(encodeKey([nullDatum])), '00');
    assert.equal(hex(encodeKey([intDatum(1n)])), '038000000000000001');
    assert.equal(hex(encodeKey([uintDatum(1n)])), '040000000000000001');
    assert.equal(hex(encodeKey([floatDatum(1)])), '05bff0000000000000');
    assert.equal(hex(encodeKey([bytesDatum(Uint8Array.of(0x61))])), '016100000000000000f8');
    assert.equal(hex(encodeValue([intDatum(-1n)])), '0801');
    assert.equal(hex(encodeValue([uintDatum(300n)])), '09ac02');
    assert.equal(hex(encodeValue([bytesDatum(Uint8Array.of(0x61, 0x62))])), '02046162');
    assert.equal(hex(encodeKey([maxDatum])), 'fa');
    assert.equal(hex(encodeKey([{ kind: 'duration', value: Duration.fromNanoseconds(1_000_000_000n, 0) }])), '07800000003b9aca00');
    // DECIMAL(5,2) 123.45: flag, precision, frac, then MySQL's binary decimal: integer
    // part 123 in 2 bytes (0x007b) with the sign bit set, fraction 45 in 1 byte (0x2d).
    assert.equal(hex(encodeKey([decimalDatum(Decimal.parse('123.45'), 5, 2)])), '060502807b2d');
  });

  test('truncated or corrupt input throws CodecError, never garbage', () => {
    const random = new SeededRandom(152);
    for (let index = 0; index < 2_000; index++) {
      const datums = [random.pick(kinds).random(random), random.pick(kinds).random(random)];
      const encoded = random.nextBoolean() ? encodeKey(datums) : encodeValue(datums);
      const cut = random.nextInt(encoded.length);
      try {
        const decoded = decodeDatums(encoded.subarray(0, cut));
        // A cut exactly between two datums decodes the first one only; a cut just after a
        // bytes flag reads as the MinNotNull range marker, as in TiDB.
        const last = decoded[decoded.length - 1];
        assert.ok(decoded.length < datums.length || last?.kind === 'minNotNull', 'a truncated input cannot decode every datum');
      } catch (error) {
        assert.ok(error instanceof CodecError, `unexpected ${String(error)}`);
      }
    }
    assert.throws(() => decodeDatums(Uint8Array.of(42)), CodecError);
    assert.throws(() => decodeDatums(Uint8Array.of(6, 70, 2)), CodecError);
    assert.throws(() => decodeDatums(Uint8Array.of(10, 1)), CodecError);
  });
});
