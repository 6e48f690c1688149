import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CodecError } from '../errors.js';
import { SeededRandom } from '../random.js';
import { compareBytes } from './bytes.js';
import { bytesDatum, intDatum, nullDatum } from './datum.js';
import {
  decodeIndexKey,
  decodeRecordKey,
  recordKeyHandle,
  indexKey,
  indexPrefix,
  indexRange,
  indexValuesRange,
  keyKind,
  recordKey,
  recordKeyAfter,
  recordPrefix,
  recordRange,
  splitTableIdFromKey,
  tableRange,
} from './table.js';
import { compareBigInt, randomInt64, sign } from './test-values.js';

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function inRange(key: Uint8Array, range: { start: Uint8Array; end: Uint8Array }): boolean {
  return compareBytes(key, range.start) >= 0 && (range.end.length === 0 || compareBytes(key, range.end) < 0);
}

describe('table keys', () => {
  test('record key matches TiDB bytes: t{id}_r{handle}', () => {
    assert.equal(hex(recordKey(1n, 1n)), `74${'8000000000000001'}5f72${'8000000000000001'}`);
    assert.equal(hex(recordKey(45n, -1n)), '74800000000000002d5f727fffffffffffffff');
    assert.equal(hex(recordPrefix(45n)), '74800000000000002d5f72');
  });

  test('index key matches TiDB bytes: t{id}_i{indexId}{datums}', () => {
    assert.equal(hex(indexKey(45n, 2n, [intDatum(7n)])), '74800000000000002d5f69800000000000000203' + '8000000000000007');
    assert.equal(hex(indexKey(45n, 2n, [nullDatum], 9n)), '74800000000000002d5f698000000000000002' + '00' + '038000000000000009');
    assert.equal(hex(indexPrefix(45n, 2n)), '74800000000000002d5f698000000000000002');
  });

  test('record keys order by table then handle, and round-trip', () => {
    const random = new SeededRandom(21);
    for (let index = 0; index < 10_000; index++) {
      const tableA = BigInt(random.nextInt(5));
      const tableB = BigInt(random.nextInt(5));
      const handleA = randomInt64(random);
      const handleB = randomInt64(random);
      const a = recordKey(tableA, handleA);
      const b = recordKey(tableB, handleB);
      const expected = tableA !== tableB ? compareBigInt(tableA, tableB) : compareBigInt(handleA, handleB);
      assert.equal(sign(compareBytes(a, b)), expected);
      assert.deepEqual(decodeRecordKey(a), { tableId: tableA, handle: handleA });
      assert.equal(recordKeyHandle(a), handleA);
      assert.ok(inRange(a, recordRange(tableA)));
      assert.ok(inRange(a, tableRange(tableA)));
      assert.ok(!inRange(a, recordRange(tableA + 1n)));
    }
  });

  test('recordKeyHandle reads small handles (the fast path) and those around its ±2^53 edges exactly', () => {
    const edges = [0n, 1n, -1n, 255n, -256n, 2n ** 32n, -(2n ** 32n), 2n ** 53n - 1n, 2n ** 53n, -(2n ** 53n), -(2n ** 53n) - 1n, 2n ** 63n - 1n, -(2n ** 63n)];
    for (const edge of edges) for (const delta of [-1n, 0n, 1n]) {
      const handle = BigInt.asIntN(64, edge + delta);
      assert.equal(recordKeyHandle(recordKey(7n, handle)), handle, String(handle));
    }
  });

  test('index entries order by values then handle, and round-trip', () => {
    const random = new SeededRandom(22);
    for (let index = 0; index < 5_000; index++) {
      const valueA = randomInt64(random);
      const valueB = random.nextBoolean() ? valueA : randomInt64(random);
      const handleA = randomInt64(random);
      const handleB = randomInt64(random);
      const a = indexKey(3n, 1n, [intDatum(valueA)], handleA);
      const b = indexKey(3n, 1n, [intDatum(valueB)], handleB);
      const expected = valueA !== valueB ? compareBigInt(valueA, valueB) : compareBigInt(handleA, handleB);
      assert.equal(sign(compareBytes(a, b)), expected);
      assert.deepEqual(decodeIndexKey(a), { tableId: 3n, indexId: 1n, values: [intDatum(valueA), intDatum(handleA)] });
      assert.ok(inRange(a, indexRange(3n, 1n)));
      assert.ok(inRange(a, indexValuesRange(3n, 1n, [intDatum(valueA)])));
    }
  });

  test('a prefix range of index values holds exactly the entries with those values', () => {
    const word = (text: string) => bytesDatum(new TextEncoder().encode(text));
    const range = indexValuesRange(1n, 1n, [word('ab')]);
    assert.ok(inRange(indexKey(1n, 1n, [word('ab'), intDatum(5n)], 1n), range));
    assert.ok(!inRange(indexKey(1n, 1n, [word('abc')], 1n), range));
    assert.ok(!inRange(indexKey(1n, 1n, [word('a')], 1n), range));
  });

  test('recordKeyAfter makes a range inclusive of a handle', () => {
    assert.deepEqual(recordKeyAfter(1n, 10n), recordKey(1n, 11n));
    assert.deepEqual(recordKeyAfter(1n, -1n), recordKey(1n, 0n));
    assert.deepEqual(recordKeyAfter(1n, 2n ** 63n - 1n), recordRange(1n).end);
  });

  test('classifies and rejects keys', () => {
    assert.equal(keyKind(recordKey(1n, 1n)), 'record');
    assert.equal(keyKind(indexKey(1n, 1n, [])), 'index');
    assert.equal(keyKind(Uint8Array.from([0x6d, 1])), 'meta');
    assert.equal(keyKind(Uint8Array.from([0x01])), 'other');
    assert.equal(splitTableIdFromKey(recordKey(77n, 1n)), 77n);
    assert.equal(splitTableIdFromKey(Uint8Array.from([0x6d])), undefined);
    const key = recordKey(1n, 1n);
    for (let length = 0; length < key.length; length++) {
      assert.throws(() => decodeRecordKey(key.subarray(0, length)), CodecError);
    }
    assert.throws(() => decodeRecordKey(indexKey(1n, 1n, [])), CodecError);
    assert.throws(() => decodeIndexKey(recordKey(1n, 1n)), CodecError);
    assert.throws(() => decodeRecordKey(Uint8Array.from([...key, 0])), CodecError);
    for (const bad of [key.subarray(0, key.length - 1), Uint8Array.from([...key, 0]), indexKey(1n, 1n, [intDatum(1n)]), Uint8Array.from([0x6d, ...key.subarray(1)])]) {
      assert.throws(() => recordKeyHandle(bad), CodecError);
    }
  });
});
