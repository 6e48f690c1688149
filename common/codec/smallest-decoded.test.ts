import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../random.js';
import { compareBytes, smallestDecodedAtOrAfter } from './bytes.js';
import { encodeUserKey as encodeMemcomparableBytes, userKeyRangeOf } from './mvcc-key.js';

describe('smallestDecodedAtOrAfter', () => {
  test('encode(k) >= b exactly when k >= smallestDecodedAtOrAfter(b), for random keys and boundaries', () => {
    const random = new SeededRandom(91);
    const alphabet = [0x00, 0x01, 0x61, 0xf7, 0xfe, 0xff];
    const bytesOf = (maxLength: number) => Uint8Array.from({ length: random.nextInt(maxLength + 1) }, () => alphabet[random.nextInt(alphabet.length)]!);
    const keys = Array.from({ length: 400 }, () => bytesOf(20));
    for (let round = 0; round < 3_000; round++) {
      // Boundaries: arbitrary bytes, and encodings cut short or with a byte changed.
      const kind = random.nextInt(3);
      let boundary: Uint8Array;
      if (kind === 0) boundary = bytesOf(30);
      else {
        const encoded = encodeMemcomparableBytes(bytesOf(20));
        boundary = encoded.subarray(0, random.nextInt(encoded.length + 1));
        if (kind === 2 && boundary.length > 0) {
          boundary = Uint8Array.from(boundary);
          boundary[random.nextInt(boundary.length)] = alphabet[random.nextInt(alphabet.length)]!;
        }
      }
      const smallest = smallestDecodedAtOrAfter(boundary);
      for (const key of [...keys, smallest]) {
        const atOrAfter = compareBytes(encodeMemcomparableBytes(key), boundary) >= 0;
        assert.equal(compareBytes(key, smallest) >= 0, atOrAfter, `key ${Buffer.from(key).toString('hex')} boundary ${Buffer.from(boundary).toString('hex')} smallest ${Buffer.from(smallest).toString('hex')}`);
      }
    }
  });

  test('an encoded key maps back to itself', () => {
    for (const text of ['', 'a', 'abcdefgh', 'abcdefghi', 'row\0\0']) {
      const key = Buffer.from(text);
      assert.deepEqual(Buffer.from(smallestDecodedAtOrAfter(encodeMemcomparableBytes(key))), key);
    }
  });

  test('userKeyRangeOf: a user key is in the range exactly when its encoding is in the region, empty bounds included', () => {
    const random = new SeededRandom(92);
    const bytesOf = (maxLength: number) => Uint8Array.from({ length: random.nextInt(maxLength + 1) }, () => [0x00, 0x61, 0xff][random.nextInt(3)]!);
    for (let round = 0; round < 2_000; round++) {
      const [low, high] = [bytesOf(12), bytesOf(12)].sort(compareBytes) as [Uint8Array, Uint8Array];
      const regionStart = random.nextInt(4) === 0 ? new Uint8Array(0) : low;
      const regionEnd = random.nextInt(4) === 0 ? new Uint8Array(0) : high;
      const range = userKeyRangeOf(regionStart, regionEnd);
      const key = bytesOf(12);
      const encoded = encodeMemcomparableBytes(key);
      const inRegion = compareBytes(encoded, regionStart) >= 0 && (regionEnd.length === 0 || compareBytes(encoded, regionEnd) < 0);
      const inRange = compareBytes(key, range.start) >= 0 && (range.end.length === 0 || compareBytes(key, range.end) < 0);
      assert.equal(inRange, inRegion);
    }
  });
});
