import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CodecError } from '../errors.js';
import { asTimestamp } from '../ids.js';
import { SeededRandom } from '../random.js';
import { compareBytes } from './bytes.js';
import { appendTimestamp, decodeMvccKey, encodeMvccKey, encodeUserKey, splitMvccKey } from './mvcc-key.js';
import { compareBigInt, randomBytes, randomUint64, sign } from './test-values.js';

describe('MVCC keys', () => {
  test('order by user key, then newest timestamp first', () => {
    const random = new SeededRandom(31);
    for (let index = 0; index < 10_000; index++) {
      const keyA = randomBytes(random, 12);
      const keyB = random.nextInt(3) === 0 ? keyA : randomBytes(random, 12);
      const tsA = asTimestamp(randomUint64(random));
      const tsB = asTimestamp(randomUint64(random));
      const a = encodeMvccKey(keyA, tsA);
      const b = encodeMvccKey(keyB, tsB);
      const byKey = sign(compareBytes(keyA, keyB));
      const expected = byKey !== 0 ? byKey : compareBigInt(tsB, tsA);
      assert.equal(sign(compareBytes(a, b)), expected);
      assert.deepEqual(decodeMvccKey(a), { userKey: keyA, ts: tsA });
      const split = splitMvccKey(a);
      assert.deepEqual(split.encodedUserKey, encodeUserKey(keyA));
      assert.equal(split.ts, tsA);
      assert.deepEqual(appendTimestamp(encodeUserKey(keyA), tsA), a);
    }
  });

  test('matches TiKV bytes: memcomparable key then !ts big-endian', () => {
    const key = encodeMvccKey(Uint8Array.from([0x61]), asTimestamp(1n));
    assert.equal(Buffer.from(key).toString('hex'), '6100000000000000f8' + 'fffffffffffffffe');
  });

  test('rejects truncated keys', () => {
    const key = encodeMvccKey(Uint8Array.from([1, 2, 3]), asTimestamp(5n));
    for (let length = 0; length < key.length; length++) {
      assert.throws(() => decodeMvccKey(key.subarray(0, length)), CodecError);
    }
    assert.throws(() => splitMvccKey(key.subarray(0, 10)), CodecError);
  });
});
