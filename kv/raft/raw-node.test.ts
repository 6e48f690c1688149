import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ProposalDroppedError } from './errors.js';
import { TestNetwork } from './test-network.js';
import { ConfChangeType, MessageType } from './types.js';

const text = (value: string) => new TextEncoder().encode(value);

describe('RawNode on a three-node network', () => {
  test('elects one leader and replicates proposals to every node', () => {
    const network = new TestNetwork([1, 2, 3], { preVote: true, checkQuorum: true });
    network.node(1).campaign();
    network.settle();
    assert.equal(network.leader(), 1);
    network.node(1).propose(text('a'));
    network.node(1).propose(text('b'));
    network.settle();
    for (const id of [1, 2, 3]) assert.deepEqual(network.appliedData(id), ['a', 'b']);
  });

  test('a batch of proposals commits in order and travels in one append per follower', () => {
    const network = new TestNetwork([1, 2, 3]);
    network.node(1).campaign();
    network.settle();
    network.node(1).proposeBatch(['x', 'y', 'z'].map(text));
    const ready = network.node(1).ready();
    const appends = ready.messages.filter((message) => message.type === MessageType.Append);
    assert.equal(appends.length, 2);
    assert.ok(appends.every((message) => message.entries.length === 3));
    network.storages.get(1)!.append(ready.entries);
    for (const message of ready.messages) network.node(message.to).step(message);
    network.node(1).advance(ready);
    network.settle();
    for (const id of [1, 2, 3]) assert.deepEqual(network.appliedData(id), ['x', 'y', 'z']);
    const leaderless = new TestNetwork([1, 2, 3]);
    assert.throws(() => leaderless.node(2).proposeBatch([text('no leader known yet')]), ProposalDroppedError);
  });

  test('a follower forwards proposals to the leader; without a leader a proposal is dropped', () => {
    const network = new TestNetwork([1, 2, 3]);
    assert.throws(() => network.node(2).propose(text('x')), ProposalDroppedError);
    network.node(1).campaign();
    network.settle();
    network.node(2).propose(text('via-follower'));
    network.settle();
    assert.deepEqual(network.appliedData(3), ['via-follower']);
  });

  test('elects a leader by ticking alone', () => {
    const network = new TestNetwork([1, 2, 3], { preVote: true, checkQuorum: true });
    for (let round = 0; round < 50 && network.leader() === undefined; round++) network.tickAll();
    assert.notEqual(network.leader(), undefined);
  });

  test('safe ReadIndex returns the commit index once a quorum answers a heartbeat', () => {
    const network = new TestNetwork([1, 2, 3]);
    network.node(1).campaign();
    network.settle();
    network.node(1).propose(text('a'));
    network.settle();
    network.node(2).readIndex(text('read-1'));
    network.settle();
    const states = network.readStates.get(2)!;
    assert.equal(states.length, 1);
    assert.equal(states[0]!.context, 'read-1');
    assert.equal(states[0]!.index, network.node(1).status().hardState.commit);
  });

  test('leader transfer hands leadership to the transferee', () => {
    const network = new TestNetwork([1, 2, 3]);
    network.node(1).campaign();
    network.settle();
    network.node(1).transferLeader(3);
    network.settle();
    assert.equal(network.leader(), 3);
  });

  test('a learner replicates but does not count toward commit', () => {
    const network = new TestNetwork([1, 2, 3]);
    network.node(1).campaign();
    network.settle();
    network.addNode(4, [1, 2, 3], {}, [4]);
    network.node(1).proposeConfChange({ type: ConfChangeType.AddLearnerNode, nodeId: 4, context: new Uint8Array(0) });
    network.settle();
    network.node(1).propose(text('x'));
    network.settle();
    assert.deepEqual(network.appliedData(4), ['x']);
    assert.deepEqual(network.node(1).status().confState, { voters: [1, 2, 3], learners: [4] });
    // With both other voters cut off, the leader and the learner cannot commit.
    network.dropFilter = (message) => message.to === 2 || message.to === 3 || message.from === 2 || message.from === 3;
    network.node(1).propose(text('y'));
    network.settle();
    assert.deepEqual(network.appliedData(4), ['x']);
    assert.equal(network.node(1).status().hardState.commit < network.storages.get(1)!.lastIndex(), true);
  });

  test('stepping a local message type is refused', () => {
    const network = new TestNetwork([1, 2, 3]);
    assert.throws(() =>
      network.node(1).step({ type: MessageType.Hup, to: 1, from: 2, term: 0, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0 }),
    );
  });
});
