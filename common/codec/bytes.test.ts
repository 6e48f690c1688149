import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CodecError } from '../errors.js';
import { SeededRandom } from '../random.js';
import { ByteReader, ByteWriter } from './buffer.js';
import {
  compareBytes,
  copyBytes,
  decodeBytes,
  decodeBytesDesc,
  decodeCompactBytes,
  decodeMemcomparableBytes,
  encodeBytesDesc,
  encodeCompactBytes,
  memcomparableBytes,
  prefixNext,
  skipBytes,
} from './bytes.js';
import { randomBytes, sign } from './test-values.js';

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function descending(data: Uint8Array): Uint8Array {
  const writer = new ByteWriter();
  encodeBytesDesc(writer, data);
  return writer.finish();
}

describe('memcomparable bytes', () => {
  test('matches TiDB bytes', () => {
    assert.equal(hex(memcomparableBytes(new Uint8Array(0))), '0000000000000000f7');
    assert.equal(hex(memcomparableBytes(Uint8Array.from([1, 2, 3]))), '0102030000000000fa');
    assert.equal(hex(memcomparableBytes(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]))), '0102030405060708ff0000000000000000f7');
    assert.equal(hex(memcomparableBytes(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]))), '0102030405060708ff0900000000000000f8');
  });

  test('byte order equals input order for 10,000 random pairs, ascending and descending', () => {
    const random = new SeededRandom(11);
    for (let index = 0; index < 10_000; index++) {
      const a = randomBytes(random);
      const b = randomBytes(random);
      const expected = sign(compareBytes(a, b));
      assert.equal(sign(compareBytes(memcomparableBytes(a), memcomparableBytes(b))), expected, `${hex(a)} vs ${hex(b)}`);
      assert.equal(sign(compareBytes(descending(a), descending(b))), sign(-expected));
    }
  });

  test('round-trips and leaves the reader after the encoding', () => {
    const random = new SeededRandom(12);
    for (let index = 0; index < 2_000; index++) {
      const data = randomBytes(random);
      const writer = new ByteWriter();
      writer.writeBytes(memcomparableBytes(data));
      encodeBytesDesc(writer, data);
      writer.writeByte(0x42);
      const reader = new ByteReader(writer.finish());
      assert.deepEqual(decodeBytes(reader), data);
      assert.deepEqual(decodeBytesDesc(reader), data);
      assert.equal(reader.readByte('tail'), 0x42);
      const skipper = new ByteReader(memcomparableBytes(data));
      skipBytes(skipper);
      assert.ok(skipper.atEnd);
    }
  });

  test('every truncation and corrupt marker or padding throws CodecError', () => {
    const encoded = memcomparableBytes(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    for (let length = 0; length < encoded.length; length++) {
      assert.throws(() => decodeMemcomparableBytes(encoded.subarray(0, length)), CodecError, `truncated to ${length}`);
    }
    const badMarker = Uint8Array.from(memcomparableBytes(Uint8Array.from([1])));
    badMarker[8] = 0x10;
    assert.throws(() => decodeMemcomparableBytes(badMarker), CodecError);
    const badPadding = Uint8Array.from(memcomparableBytes(Uint8Array.from([1])));
    badPadding[5] = 1;
    assert.throws(() => decodeMemcomparableBytes(badPadding), CodecError);
    assert.throws(() => decodeMemcomparableBytes(Uint8Array.from([...memcomparableBytes(Uint8Array.from([1])), 0])), CodecError);
  });

  test('random corruption never returns silently wrong lengths or hangs', () => {
    const random = new SeededRandom(13);
    for (let index = 0; index < 2_000; index++) {
      const encoded = Uint8Array.from(memcomparableBytes(randomBytes(random)));
      encoded[random.nextInt(encoded.length)] = random.nextUint32() & 0xff;
      try {
        const decoded = decodeMemcomparableBytes(encoded);
        // A flip inside data bytes is undetectable by design; the result must re-encode exactly.
        assert.deepEqual(memcomparableBytes(decoded), encoded);
      } catch (error) {
        assert.ok(error instanceof CodecError, String(error));
      }
    }
  });
});

describe('compact bytes', () => {
  test('round-trips and detects truncation', () => {
    const random = new SeededRandom(14);
    for (let index = 0; index < 1_000; index++) {
      const data = randomBytes(random, 300);
      const writer = new ByteWriter();
      encodeCompactBytes(writer, data);
      const encoded = writer.finish();
      assert.deepEqual(decodeCompactBytes(new ByteReader(encoded)), data);
      if (encoded.length > 1) assert.throws(() => decodeCompactBytes(new ByteReader(encoded.subarray(0, encoded.length - 1))), CodecError);
    }
    // A negative length (varint -1) is corrupt.
    assert.throws(() => decodeCompactBytes(new ByteReader(Uint8Array.from([0x01]))), CodecError);
  });
});

describe('prefixNext', () => {
  test('is the least upper bound of the prefix range', () => {
    assert.equal(hex(prefixNext(Uint8Array.from([1, 2]))), '0103');
    assert.equal(hex(prefixNext(Uint8Array.from([1, 0xff]))), '02');
    assert.equal(hex(prefixNext(Uint8Array.from([0xff, 0xff]))), '');
    // A node Buffer's slice() is a view: the input must come back untouched.
    const input = Buffer.from([1, 2, 3]);
    assert.equal(hex(prefixNext(input.subarray(0, 2))), '0103');
    assert.equal(hex(input), '010203');
    const copy = copyBytes(input);
    copy[0] = 9;
    assert.equal(hex(input), '010203');
    const random = new SeededRandom(15);
    for (let index = 0; index < 1_000; index++) {
      const prefix = randomBytes(random, 10);
      const next = prefixNext(prefix);
      if (next.length === 0) continue;
      const extended = Uint8Array.from([...prefix, ...randomBytes(random, 5)]);
      assert.equal(compareBytes(extended, next), -1);
      assert.equal(compareBytes(prefix, next), -1);
    }
  });
});
