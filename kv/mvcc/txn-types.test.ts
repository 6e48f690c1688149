import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asTimestamp } from '../../common/ids.js';
import { SeededRandom } from '../../common/random.js';
import { decodeWrite, encodeWrite, putShortValueView, type Write, WriteType } from './txn-types.js';

test('putShortValueView answers what decodeWrite decodes for Puts with a short value, and nothing for any other record', () => {
  const random = new SeededRandom(5);
  const types = [WriteType.Put, WriteType.Put, WriteType.Delete, WriteType.Lock, WriteType.Rollback];
  for (let index = 0; index < 5_000; index++) {
    // Start timestamps of 1 to 9 varint bytes (TSO timestamps take 9), values of 0 to 255 bytes.
    const startTs = asTimestamp(BigInt.asUintN(64, BigInt(random.nextInt(2 ** 31)) << BigInt(random.nextInt(33))));
    const type = types[random.nextInt(types.length)]!;
    const write: Write = {
      type,
      startTs,
      ...(type === WriteType.Put && random.chance(0.8) ? { shortValue: random.nextBytes(random.nextInt(256)) } : {}),
      ...(random.chance(0.1) ? { hasOverlappedRollback: true } : {}),
    };
    const bytes = encodeWrite(write);
    const view = putShortValueView(bytes);
    const decoded = decodeWrite(bytes);
    if (decoded.type === WriteType.Put && decoded.shortValue !== undefined && decoded.hasOverlappedRollback !== true) assert.deepEqual(view, decoded.shortValue);
    else assert.equal(view, undefined, `record ${Buffer.from(bytes).toString('hex')}`);
  }
});

test('putShortValueView leaves malformed records to decodeWrite', () => {
  const good = encodeWrite({ type: WriteType.Put, startTs: asTimestamp(12345n), shortValue: Uint8Array.of(1, 2, 3) });
  for (let cut = 0; cut < good.length; cut++) assert.equal(putShortValueView(good.subarray(0, cut)), undefined, `cut at ${cut}`);
  assert.equal(putShortValueView(Uint8Array.of(...good, 0x00)), undefined, 'a trailing byte');
  // A 10-byte start ts: decodeWrite checks its overflow, so the fast path does not take it.
  assert.equal(putShortValueView(Uint8Array.of(WriteType.Put, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x76, 0x00)), undefined);
});
