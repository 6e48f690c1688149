import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CodecError } from '../../../common/errors.js';
import { SeededRandom } from '../../../common/random.js';
import { decodeRawValue, encodeRawValue, isRawValueExpired } from './raw-value.js';

describe('raw value codec', () => {
  test('a value without a TTL is the bytes and a zero flag', () => {
    const encoded = encodeRawValue({ value: Uint8Array.of(1, 2, 3) });
    assert.deepEqual([...encoded], [1, 2, 3, 0]);
    assert.deepEqual(decodeRawValue(encoded), { value: Uint8Array.of(1, 2, 3) });
  });

  test('a value with a TTL carries its expiry in 8 big-endian bytes before the flag', () => {
    const encoded = encodeRawValue({ value: Uint8Array.of(9), expireAtMs: 0x0102030405 });
    assert.deepEqual([...encoded], [9, 0, 0, 0, 1, 2, 3, 4, 5, 1]);
    assert.deepEqual(decodeRawValue(encoded), { value: Uint8Array.of(9), expireAtMs: 0x0102030405 });
  });

  test('empty values round-trip with and without a TTL', () => {
    assert.deepEqual(decodeRawValue(encodeRawValue({ value: new Uint8Array(0) })), { value: new Uint8Array(0) });
    assert.deepEqual(decodeRawValue(encodeRawValue({ value: new Uint8Array(0), expireAtMs: 7 })), { value: new Uint8Array(0), expireAtMs: 7 });
  });

  test('random values round-trip', () => {
    const random = new SeededRandom(7);
    for (let round = 0; round < 500; round++) {
      const value = random.nextBytes(random.nextInt(40));
      const raw = random.nextBoolean() ? { value } : { value, expireAtMs: random.nextInt(2 ** 31) * 1000 };
      assert.deepEqual(decodeRawValue(encodeRawValue(raw)), raw);
    }
  });

  test('truncated or corrupt values throw CodecError', () => {
    assert.throws(() => decodeRawValue(new Uint8Array(0)), CodecError);
    assert.throws(() => decodeRawValue(Uint8Array.of(1, 2, 7)), CodecError);
    assert.throws(() => decodeRawValue(Uint8Array.of(0, 0, 1)), CodecError);
    assert.throws(() => decodeRawValue(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1)), CodecError);
  });

  test('expiry is inclusive', () => {
    assert.equal(isRawValueExpired({ value: new Uint8Array(0), expireAtMs: 100 }, 99), false);
    assert.equal(isRawValueExpired({ value: new Uint8Array(0), expireAtMs: 100 }, 100), true);
    assert.equal(isRawValueExpired({ value: new Uint8Array(0) }, Number.MAX_SAFE_INTEGER), false);
  });
});
