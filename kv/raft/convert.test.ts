import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CodecError } from '../../common/errors.js';
import * as eraftpb from '../../proto/gen/eraftpb.js';
import { hardStateFromProto, hardStateToProto, messageFromProto, messageToProto } from './convert.js';
import { EntryType, type Message, MessageType } from './types.js';

describe('conversion to and from eraftpb', () => {
  test('a message survives the wire exactly', () => {
    const message: Message = {
      type: MessageType.Append,
      to: 2,
      from: 1,
      term: 7,
      logTerm: 6,
      index: 41,
      entries: [
        { type: EntryType.Normal, term: 7, index: 42, data: Uint8Array.of(1, 2, 3) },
        { type: EntryType.ConfChange, term: 7, index: 43, data: Uint8Array.of(9) },
      ],
      commit: 40,
      reject: false,
      rejectHint: 0,
      snapshot: { data: Uint8Array.of(5), metadata: { index: 30, term: 5, confState: { voters: [1, 2, 3], learners: [4] } } },
      context: Uint8Array.of(7, 7),
    };
    const wire = eraftpb.Message.encode(messageToProto(message)).finish();
    const back = messageFromProto(eraftpb.Message.decode(wire));
    assert.deepEqual(
      { ...back, entries: back.entries.map((entry) => ({ ...entry, data: [...entry.data] })), snapshot: { ...back.snapshot!, data: [...back.snapshot!.data] }, context: [...back.context!] },
      { ...message, entries: message.entries.map((entry) => ({ ...entry, data: [...entry.data] })), snapshot: { ...message.snapshot!, data: [5] }, context: [7, 7] },
    );
  });

  test('hard state round-trips; values beyond 2^53 are rejected, not rounded', () => {
    assert.deepEqual(hardStateFromProto(hardStateToProto({ term: 3, vote: 2, commit: 99 })), { term: 3, vote: 2, commit: 99 });
    assert.throws(() => hardStateFromProto({ term: 2n ** 53n, vote: 0n, commit: 0n }), CodecError);
    const bad = messageToProto({ type: MessageType.Heartbeat, to: 1, from: 2, term: 1, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0 });
    assert.throws(() => messageFromProto({ ...bad, msgType: 99 as eraftpb.MessageType }), CodecError);
    assert.throws(() => messageFromProto({ ...bad, index: 2n ** 64n - 1n }), CodecError);
  });
});
