import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CodecError } from '../../../common/errors.js';
import { SeededRandom } from '../../../common/random.js';
import { EntryType } from '../types.js';
import { type AppliedRecord, decodeStateMachine, encodeStateMachine, StateMachine } from './state-machine.js';

describe('simulated state machine', () => {
  test('an image survives encode/decode, as a snapshot must carry it', () => {
    const random = new SeededRandom(7);
    const records: AppliedRecord[] = [];
    for (let index = 2; index < 60; index++) {
      records.push({ index, term: 1 + Math.floor(index / 10), type: random.chance(0.1) ? EntryType.ConfChange : EntryType.Normal, data: random.nextBytes(random.nextInt(20)) });
    }
    const image = { appliedIndex: 59, appliedTerm: 6, records };
    assert.deepEqual(decodeStateMachine(encodeStateMachine(image)), image);
    const large = { appliedIndex: 2 ** 40, appliedTerm: 2 ** 33 + 5, records: [] };
    assert.deepEqual(decodeStateMachine(encodeStateMachine(large)), large);
  });

  test('every truncation of an image is rejected with CodecError', () => {
    const bytes = encodeStateMachine({ appliedIndex: 3, appliedTerm: 1, records: [{ index: 3, term: 1, type: EntryType.Normal, data: new Uint8Array([1, 2, 3]) }] });
    for (let length = 0; length < bytes.length; length++) assert.throws(() => decodeStateMachine(bytes.slice(0, length)), CodecError);
    const trailing = new Uint8Array(bytes.length + 1);
    trailing.set(bytes);
    assert.throws(() => decodeStateMachine(trailing), CodecError);
  });

  test('apply appends a record and moves the applied index', () => {
    const machine = new StateMachine({ appliedIndex: 1, appliedTerm: 1, records: [] }, { voters: [1], learners: [] });
    machine.apply({ type: EntryType.Normal, index: 2, term: 1, data: new Uint8Array([9]) });
    assert.equal(machine.appliedIndex, 2);
    assert.equal(machine.records.length, 1);
    assert.deepEqual(machine.image().records[0]?.data, new Uint8Array([9]));
  });
});
