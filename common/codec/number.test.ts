import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CodecError } from '../errors.js';
import { SeededRandom } from '../random.js';
import { ByteReader, ByteWriter } from './buffer.js';
import { compareBytes } from './bytes.js';
import {
  decodeFloat64,
  decodeFloat64Desc,
  decodeInt64,
  decodeInt64Desc,
  decodeUint64,
  decodeUint64Desc,
  decodeUvarint,
  decodeVarint,
  encodeFloat64,
  encodeFloat64Desc,
  encodeInt64,
  encodeInt64Desc,
  encodeUint64,
  encodeUint64Desc,
  encodeUvarint,
  encodeVarint,
} from './number.js';
import { compareBigInt, randomFloat64, randomInt64, randomUint64, sign } from './test-values.js';

const pairs = 10_000;

function encodeWith<T>(encode: (writer: ByteWriter, value: T) => void, value: T): Uint8Array {
  const writer = new ByteWriter(8);
  encode(writer, value);
  return writer.finish();
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

describe('comparable int64', () => {
  test('byte order equals value order, ascending and descending, and round-trips', () => {
    const random = new SeededRandom(1);
    for (let index = 0; index < pairs; index++) {
      const a = randomInt64(random);
      const b = randomInt64(random);
      const ea = encodeWith(encodeInt64, a);
      const eb = encodeWith(encodeInt64, b);
      assert.equal(sign(compareBytes(ea, eb)), compareBigInt(a, b), `int64 ${a} vs ${b}`);
      assert.equal(sign(compareBytes(encodeWith(encodeInt64Desc, a), encodeWith(encodeInt64Desc, b))), compareBigInt(b, a));
      assert.equal(decodeInt64(new ByteReader(ea)), a);
      assert.equal(decodeInt64Desc(new ByteReader(encodeWith(encodeInt64Desc, a))), a);
    }
  });

  test('matches TiDB bytes', () => {
    assert.equal(hex(encodeWith(encodeInt64, 1n)), '8000000000000001');
    assert.equal(hex(encodeWith(encodeInt64, -1n)), '7fffffffffffffff');
    assert.equal(hex(encodeWith(encodeInt64, -(2n ** 63n))), '0000000000000000');
  });

  test('rejects out-of-range values and truncated input', () => {
    assert.throws(() => encodeWith(encodeInt64, 2n ** 63n), RangeError);
    assert.throws(() => decodeInt64(new ByteReader(new Uint8Array(7))), CodecError);
  });
});

describe('comparable uint64', () => {
  test('byte order equals value order and round-trips', () => {
    const random = new SeededRandom(2);
    for (let index = 0; index < pairs; index++) {
      const a = randomUint64(random);
      const b = randomUint64(random);
      const ea = encodeWith(encodeUint64, a);
      assert.equal(sign(compareBytes(ea, encodeWith(encodeUint64, b))), compareBigInt(a, b), `uint64 ${a} vs ${b}`);
      assert.equal(sign(compareBytes(encodeWith(encodeUint64Desc, a), encodeWith(encodeUint64Desc, b))), compareBigInt(b, a));
      assert.equal(decodeUint64(new ByteReader(ea)), a);
      assert.equal(decodeUint64Desc(new ByteReader(encodeWith(encodeUint64Desc, a))), a);
    }
  });

  test('rejects negative values', () => {
    assert.throws(() => encodeWith(encodeUint64, -1n), RangeError);
  });
});

describe('comparable float64', () => {
  test('byte order equals value order and round-trips', () => {
    const random = new SeededRandom(3);
    for (let index = 0; index < pairs; index++) {
      const a = randomFloat64(random);
      const b = randomFloat64(random);
      const ea = encodeWith(encodeFloat64, a);
      const expected = a < b ? -1 : a > b ? 1 : 0;
      assert.equal(sign(compareBytes(ea, encodeWith(encodeFloat64, b))), expected, `float ${a} vs ${b}`);
      assert.equal(sign(compareBytes(encodeWith(encodeFloat64Desc, a), encodeWith(encodeFloat64Desc, b))), sign(-expected));
      assert.equal(decodeFloat64(new ByteReader(ea)), a === 0 ? 0 : a);
      assert.equal(decodeFloat64Desc(new ByteReader(encodeWith(encodeFloat64Desc, a))), a === 0 ? 0 : a);
    }
  });

  test('negative zero encodes as zero; NaN is rejected', () => {
    assert.equal(hex(encodeWith(encodeFloat64, -0)), hex(encodeWith(encodeFloat64, 0)));
    assert.equal(hex(encodeWith(encodeFloat64, 0)), '8000000000000000');
    assert.throws(() => encodeWith(encodeFloat64, Number.NaN), RangeError);
  });
});

describe('varint and uvarint (Go encoding/binary)', () => {
  test('known encodings', () => {
    assert.equal(hex(encodeWith(encodeUvarint, 0n)), '00');
    assert.equal(hex(encodeWith(encodeUvarint, 300n)), 'ac02');
    assert.equal(hex(encodeWith(encodeUvarint, 2n ** 64n - 1n)), 'ffffffffffffffffff01');
    assert.equal(hex(encodeWith(encodeVarint, -1n)), '01');
    assert.equal(hex(encodeWith(encodeVarint, 1n)), '02');
    assert.equal(hex(encodeWith(encodeVarint, -64n)), '7f');
    assert.equal(hex(encodeWith(encodeVarint, 64n)), '8001');
  });

  test('round-trips random values', () => {
    const random = new SeededRandom(4);
    for (let index = 0; index < pairs; index++) {
      const signed = randomInt64(random);
      const unsigned = randomUint64(random);
      assert.equal(decodeVarint(new ByteReader(encodeWith(encodeVarint, signed))), signed);
      assert.equal(decodeUvarint(new ByteReader(encodeWith(encodeUvarint, unsigned))), unsigned);
    }
  });

  test('truncated and overlong input throws CodecError', () => {
    assert.throws(() => decodeUvarint(new ByteReader(Uint8Array.from([0x80, 0x80]))), CodecError);
    assert.throws(() => decodeUvarint(new ByteReader(new Uint8Array(11).fill(0x80))), CodecError);
    assert.throws(() => decodeUvarint(new ByteReader(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]))), CodecError);
    assert.throws(() => decodeVarint(new ByteReader(new Uint8Array(0))), CodecError);
  });
});
