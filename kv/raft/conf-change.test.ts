/** The ConfChange entry payload codec. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CodecError } from '../../common/errors.js';
import { SeededRandom } from '../../common/random.js';
import { decodeConfChange, encodeConfChange } from './conf-change.js';
import { type ConfChange, ConfChangeType } from './types.js';

const types = [ConfChangeType.AddNode, ConfChangeType.RemoveNode, ConfChangeType.AddLearnerNode];

function mustRoundTrip(change: ConfChange): void {
  const decoded = decodeConfChange(encodeConfChange(change));
  assert.equal(decoded.type, change.type);
  assert.equal(decoded.nodeId, change.nodeId);
  assert.deepEqual([...decoded.context], [...change.context]);
}

describe('conf change codec', () => {
  test('round trips every type, with and without context, including the largest safe id', () => {
    for (const type of types) {
      for (const nodeId of [1, 2, 255, 256, 2 ** 32, Number.MAX_SAFE_INTEGER]) {
        mustRoundTrip({ type, nodeId, context: new Uint8Array(0) });
        mustRoundTrip({ type, nodeId, context: new TextEncoder().encode('store 7 at 10.0.0.7:20160') });
      }
    }
  });

  test('round trips random changes (seeded)', () => {
    const random = new SeededRandom(2024);
    for (let round = 0; round < 1000; round++) {
      mustRoundTrip({ type: random.pick(types), nodeId: random.nextIntBetween(1, Number.MAX_SAFE_INTEGER), context: random.nextBytes(random.nextInt(40)) });
    }
  });

  test('the encoding is type byte, big-endian 8-byte id, then context', () => {
    const encoded = encodeConfChange({ type: ConfChangeType.AddLearnerNode, nodeId: 0x0102, context: new Uint8Array([9, 8]) });
    assert.deepEqual([...encoded], [2, 0, 0, 0, 0, 0, 0, 1, 2, 9, 8]);
  });

  test('decodes from a view into a larger buffer', () => {
    const encoded = encodeConfChange({ type: ConfChangeType.RemoveNode, nodeId: 77, context: new Uint8Array([1, 2, 3]) });
    const buffer = new Uint8Array(encoded.length + 10);
    buffer.set(encoded, 5);
    const decoded = decodeConfChange(buffer.subarray(5, 5 + encoded.length));
    assert.equal(decoded.type, ConfChangeType.RemoveNode);
    assert.equal(decoded.nodeId, 77);
    assert.deepEqual([...decoded.context], [1, 2, 3]);
    // The context is a copy: the caller's buffer may be reused.
    buffer.fill(0);
    assert.deepEqual([...decoded.context], [1, 2, 3]);
  });

  test('every truncation of the fixed header is a CodecError', () => {
    const encoded = encodeConfChange({ type: ConfChangeType.AddNode, nodeId: 3, context: new Uint8Array(0) });
    for (let length = 0; length < 9; length++) assert.throws(() => decodeConfChange(encoded.subarray(0, length)), CodecError, `length ${length}`);
  });

  test('an unknown type or an id beyond the safe integers is a CodecError', () => {
    for (const type of [3, 7, 255]) {
      const encoded = encodeConfChange({ type: ConfChangeType.AddNode, nodeId: 3, context: new Uint8Array(0) });
      encoded[0] = type;
      assert.throws(() => decodeConfChange(encoded), CodecError, `type ${type}`);
    }
    const huge = new Uint8Array(9);
    new DataView(huge.buffer).setBigUint64(1, BigInt(Number.MAX_SAFE_INTEGER) + 1n);
    assert.throws(() => decodeConfChange(huge), CodecError);
  });

  test('random garbage either decodes to a valid change or is a CodecError, never anything else', () => {
    const random = new SeededRandom(99);
    for (let round = 0; round < 2000; round++) {
      const garbage = random.nextBytes(random.nextInt(20));
      try {
        const change = decodeConfChange(garbage);
        assert.ok(types.includes(change.type));
        assert.ok(Number.isSafeInteger(change.nodeId));
      } catch (error) {
        assert.ok(error instanceof CodecError, `unexpected ${String(error)}`);
      }
    }
  });
});
