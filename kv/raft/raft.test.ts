/**
 * Feature tests of the Raft state machine beyond the paper's core rules, in the spirit of
 * etcd-raft's raft_test.go: pre-vote, check-quorum and the leader lease, flow control,
 * snapshots, learners, membership changes, leader transfer, ReadIndex, proposal
 * forwarding, the uncommitted-size guard, and restart from storage.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AssertionError } from '../../common/assert.js';
import { encodeConfChange } from './conf-change.js';
import { ProposalDroppedError } from './errors.js';
import type { Raft } from './raft.js';
import type { MemoryStorage } from './storage.js';
import { TestNetwork } from './test-network.js';
import {
  acceptAndReply,
  commitNoopEntry,
  entry,
  logTerms,
  newTestRaft,
  newTestStorage,
  propose,
  RaftNetwork,
  readMessages,
  sortMessages,
  stabilize,
  type TestRaftOptions,
} from './test-raft.js';
import { type ConfChange, ConfChangeType, type Entry, EntryType, makeMessage, type Message, MessageType, noLeader, Role } from './types.js';
import { entrySizeBytes } from './util.js';

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

function mustRole(raft: Raft, role: Role, term?: number): void {
  assert.equal(raft.role, role, `node ${raft.id} role`);
  if (term !== undefined) assert.equal(raft.term, term, `node ${raft.id} term`);
}

function mustProgress(raft: Raft, id: number): NonNullable<ReturnType<Raft['tracker']['progress']['get']>> {
  const progress = raft.tracker.progress.get(id);
  assert.ok(progress !== undefined, `node ${raft.id} tracks no progress for ${id}`);
  return progress;
}

function newStableLeader(voters: readonly number[], options: TestRaftOptions = {}, learners: readonly number[] = []): { raft: Raft; storage: MemoryStorage } {
  const storage = newTestStorage({ voters, learners });
  const raft = newTestRaft(1, { ...options, storage });
  raft.becomeCandidate();
  raft.becomeLeader();
  commitNoopEntry(raft, storage);
  return { raft, storage };
}

function newNetwork(size: number, options: TestRaftOptions = {}): RaftNetwork {
  const voters = Array.from({ length: size }, (_, index) => index + 1);
  return new RaftNetwork(voters.map((id) => newTestRaft(id, { voters, ...options })));
}

function confChangeEntry(change: Omit<ConfChange, 'context'>): Entry {
  return entry(0, 0, encodeConfChange({ ...change, context: new Uint8Array(0) }), EntryType.ConfChange);
}

function readIndexMessage(to: number, from: number, context: string): Message {
  return makeMessage({ type: MessageType.ReadIndex, to, from, entries: [entry(0, 0, context)] });
}

function readStates(raft: Raft): [index: number, context: string][] {
  const states = raft.readStates.map((state): [number, string] => [state.index, decode(state.requestContext)]);
  raft.readStates = [];
  return states;
}

function appendsTo(messages: readonly Message[], to: number): Message[] {
  return messages.filter((message) => message.type === MessageType.Append && message.to === to);
}

/** Ticks `raft` until it campaigns (its role leaves follower), delivering nothing. */
function tickUntilCampaign(raft: Raft): void {
  for (let tick = 0; tick < 100; tick++) {
    raft.tick();
    if (raft.role !== Role.Follower) return;
  }
  throw new Error(`node ${raft.id} never campaigned`);
}

/** Ticks `raft` until it has something to send (e.g. a new campaign round), delivering nothing. */
function tickUntilMessages(raft: Raft): void {
  for (let tick = 0; tick < 100; tick++) {
    raft.tick();
    if (raft.messages.length > 0) return;
  }
  throw new Error(`node ${raft.id} never had anything to send`);
}

describe('roles', () => {
  test('invalid role transitions are refused', () => {
    assert.throws(() => newTestRaft(1).becomeLeader(), AssertionError, 'follower to leader skips the election');
    const leader = newTestRaft(1);
    leader.becomeCandidate();
    leader.becomeLeader();
    assert.throws(() => leader.becomeCandidate(), AssertionError);
    assert.throws(() => leader.becomePreCandidate(), AssertionError);
  });

  test('a leader ignores a campaign request, and only a leader sends heartbeats', () => {
    const { raft } = newStableLeader([1, 2, 3]);
    raft.step(makeMessage({ type: MessageType.Hup, from: 1, to: 1 }));
    mustRole(raft, Role.Leader, 1);
    assert.deepEqual(readMessages(raft), []);
    const follower = newTestRaft(2);
    follower.becomeFollower(1, 1);
    follower.step(makeMessage({ type: MessageType.Beat, from: 2, to: 2 }));
    const candidate = newTestRaft(3);
    candidate.becomeCandidate();
    readMessages(candidate);
    candidate.step(makeMessage({ type: MessageType.Beat, from: 3, to: 3 }));
    assert.deepEqual([...readMessages(follower), ...readMessages(candidate)], []);
  });
});

describe('pre-vote', () => {
  test('a pre-vote campaign changes neither term nor vote, and asks about the next term', () => {
    const raft = newTestRaft(1, { preVote: true });
    raft.becomeFollower(3, noLeader);
    raft.step(makeMessage({ type: MessageType.Hup, from: 1, to: 1 }));
    mustRole(raft, Role.PreCandidate, 3);
    assert.equal(raft.vote, noLeader);
    assert.deepEqual(
      sortMessages(readMessages(raft)).map((message) => [message.type, message.to, message.term]),
      [
        [MessageType.RequestPreVote, 2, 4],
        [MessageType.RequestPreVote, 3, 4],
      ],
    );
  });

  test('winning the pre-vote starts the real election in the next term', () => {
    const raft = newTestRaft(1, { preVote: true });
    raft.step(makeMessage({ type: MessageType.Hup, from: 1, to: 1 }));
    readMessages(raft);
    raft.step(makeMessage({ type: MessageType.RequestPreVoteResponse, from: 2, to: 1, term: 1 }));
    mustRole(raft, Role.Candidate, 1);
    assert.equal(raft.vote, 1);
    assert.deepEqual(
      sortMessages(readMessages(raft)).map((message) => [message.type, message.term]),
      [
        [MessageType.RequestVote, 1],
        [MessageType.RequestVote, 1],
      ],
    );
  });

  test('a voter grants a pre-vote for a later term without changing its own term or vote', () => {
    const raft = newTestRaft(2, { preVote: true, storage: newTestStorage({ voters: [1, 2, 3], hardState: { term: 1, vote: 3, commit: 0 } }) });
    raft.step(makeMessage({ type: MessageType.RequestPreVote, from: 1, to: 2, term: 2 }));
    assert.deepEqual(
      readMessages(raft).map((message) => [message.type, message.term, message.reject]),
      [[MessageType.RequestPreVoteResponse, 2, false]],
    );
    assert.equal(raft.term, 1);
    assert.equal(raft.vote, 3);
  });

  test('a pre-candidate rejected by a node of a higher term adopts that term as follower', () => {
    const raft = newTestRaft(1, { preVote: true });
    raft.step(makeMessage({ type: MessageType.Hup, from: 1, to: 1 }));
    raft.step(makeMessage({ type: MessageType.RequestPreVoteResponse, from: 2, to: 1, term: 5, reject: true }));
    mustRole(raft, Role.Follower, 5);
  });

  test('a partitioned node rejoining with a stale log neither raises the term nor disrupts the leader', () => {
    const network = newNetwork(3, { preVote: true });
    network.hup(1);
    const leader = network.peer(1);
    const rejoining = network.peer(3);
    network.isolate(3);
    network.propose(1, 'while 3 was away');
    for (let tick = 0; tick < 100; tick++) {
      rejoining.tick();
      network.flush();
    }
    assert.equal(rejoining.term, 1, 'unanswered pre-votes never raise the term');

    network.recover();
    // Its last pre-vote round was lost with the partition: wait for a fresh one.
    tickUntilMessages(rejoining);
    network.flush();
    mustRole(rejoining, Role.Follower, 1);
    mustRole(leader, Role.Leader, 1);
    leader.tick();
    network.flush();
    assert.equal(rejoining.leaderId, 1);
    assert.deepEqual(logTerms(rejoining), logTerms(leader));
  });

  test('without pre-vote the same rejoin raises the term and deposes the leader (why pre-vote exists)', () => {
    const network = newNetwork(3);
    network.hup(1);
    network.isolate(3);
    network.propose(1, 'while 3 was away');
    tickUntilCampaign(network.peer(3));
    network.flush();
    network.recover();
    network.peer(3).step(makeMessage({ type: MessageType.Hup, from: 3, to: 3 }));
    network.flush();
    assert.ok(network.peer(1).term > 1);
    assert.notEqual(network.peer(1).role, Role.Leader);
  });

  test('a node with a smaller term does not block the election of a new leader', () => {
    const network = newNetwork(3, { preVote: true });
    network.cut(1, 3);
    network.cut(2, 3);
    network.hup(1);
    network.hup(3);
    network.hup(2);
    mustRole(network.peer(1), Role.Follower, 2);
    mustRole(network.peer(2), Role.Leader, 2);
    mustRole(network.peer(3), Role.PreCandidate, 0);
    // The leader crashes; node 3 (still at term 0) and node 1 try to take over.
    network.recover();
    network.cut(2, 1);
    network.cut(2, 3);
    network.hup(3);
    network.hup(1);
    assert.ok(network.peer(1).role === Role.Leader || network.peer(3).role === Role.Leader, 'a leader is elected');
  });

  test('with check-quorum, even an up-to-date node is ignored while the leader lease holds', () => {
    const network = newNetwork(3, { preVote: true, checkQuorum: true });
    network.hup(1);
    network.isolate(3);
    tickUntilCampaign(network.peer(3));
    network.recover();
    const asked: Message[] = [];
    network.onDeliver = (message) => asked.push(message);
    network.flush();
    assert.deepEqual(
      asked.map((message) => message.type),
      [MessageType.RequestPreVote, MessageType.RequestPreVote],
      'nobody answers a pre-vote inside the lease',
    );
    mustRole(network.peer(1), Role.Leader, 1);
    mustRole(network.peer(3), Role.PreCandidate, 1);
    network.peer(1).tick();
    network.flush();
    mustRole(network.peer(3), Role.Follower, 1);
    assert.equal(network.peer(3).leaderId, 1);
  });
});

describe('check-quorum and the leader lease', () => {
  test('a leader that stops hearing from a quorum steps down at the next check', () => {
    const network = newNetwork(3, { checkQuorum: true });
    network.hup(1);
    const leader = network.peer(1);
    network.isolate(1);
    // The first check counts the answers to the leader's first appends.
    for (let tick = 0; tick < 10; tick++) leader.tick();
    mustRole(leader, Role.Leader, 1);
    for (let tick = 0; tick < 10; tick++) leader.tick();
    mustRole(leader, Role.Follower, 1);
    assert.equal(leader.leaderId, noLeader);
  });

  test('a leader that keeps hearing from a quorum stays leader', () => {
    const network = newNetwork(3, { checkQuorum: true });
    network.hup(1);
    network.isolate(3);
    for (let tick = 0; tick < 100; tick++) {
      network.peer(1).tick();
      network.peer(2).tick();
      network.flush();
    }
    mustRole(network.peer(1), Role.Leader, 1);
  });

  test('a follower answers a stale leader with its term, so the stale leader steps down', () => {
    const follower = newTestRaft(2, { checkQuorum: true });
    follower.becomeFollower(2, 3);
    follower.step(makeMessage({ type: MessageType.Append, from: 1, to: 2, term: 1 }));
    const answers = readMessages(follower);
    assert.deepEqual(
      answers.map((message) => [message.type, message.to, message.term]),
      [[MessageType.AppendResponse, 1, 2]],
    );
    const staleLeader = newTestRaft(1, { checkQuorum: true });
    staleLeader.becomeCandidate();
    staleLeader.becomeLeader();
    staleLeader.step(answers[0]!);
    mustRole(staleLeader, Role.Follower, 2);
  });

  test('a candidate stuck at a higher term is freed: the leader learns the term and a new election follows', () => {
    const network = newNetwork(3, { checkQuorum: true });
    network.hup(1);
    network.isolate(1);
    network.hup(3);
    network.hup(3);
    mustRole(network.peer(2), Role.Follower, 1);
    mustRole(network.peer(3), Role.Candidate, 3);
    network.recover();
    // The leader's heartbeat tells node 3 nothing, but node 3's answer carries its term.
    network.peer(1).tick();
    network.flush();
    mustRole(network.peer(1), Role.Follower, 3);
    network.hup(1);
    mustRole(network.peer(1), Role.Leader, 4);
    mustRole(network.peer(3), Role.Follower, 4);
  });

  test('a follower inside the lease ignores a vote request of a higher term; after the lease it votes', () => {
    const raft = newTestRaft(2, { checkQuorum: true });
    raft.becomeFollower(1, 1);
    raft.step(makeMessage({ type: MessageType.RequestVote, from: 3, to: 2, term: 2 }));
    assert.deepEqual(readMessages(raft), []);
    mustRole(raft, Role.Follower, 1);
    assert.equal(raft.leaderId, 1);

    raft.electionElapsed = 10;
    raft.step(makeMessage({ type: MessageType.RequestVote, from: 3, to: 2, term: 2 }));
    assert.deepEqual(
      readMessages(raft).map((message) => [message.type, message.term, message.reject]),
      [[MessageType.RequestVoteResponse, 2, false]],
    );
    assert.equal(raft.vote, 3);
  });

  test('a leader-transfer vote request overrides the lease', () => {
    const transferee = newTestRaft(3, { checkQuorum: true });
    transferee.becomeFollower(1, 1);
    transferee.step(makeMessage({ type: MessageType.TimeoutNow, from: 1, to: 3, term: 1 }));
    mustRole(transferee, Role.Candidate, 2);
    const request = readMessages(transferee).find((message) => message.to === 2);
    assert.ok(request !== undefined);

    const voter = newTestRaft(2, { checkQuorum: true });
    voter.becomeFollower(1, 1);
    voter.step(request);
    assert.deepEqual(
      readMessages(voter).map((message) => [message.type, message.term, message.reject]),
      [[MessageType.RequestVoteResponse, 2, false]],
    );
  });
});

describe('flow control', () => {
  // One entry per append, so message counts equal entry counts.
  const onePerMessage = { maxSizePerMessageBytes: 1 };

  test('replicate: at most maxInflightMessages appends are in flight; proposals beyond wait', () => {
    const { raft } = newStableLeader([1, 2], { ...onePerMessage, maxInflightMessages: 3 });
    for (let index = 0; index < 10; index++) propose(raft, `p${index}`);
    const sent = appendsTo(readMessages(raft), 2);
    assert.equal(sent.length, 3);
    assert.equal(mustProgress(raft, 2).state, 'replicate');
    assert.equal(mustProgress(raft, 2).isPaused(), true);
    propose(raft, 'more');
    assert.deepEqual(appendsTo(readMessages(raft), 2), []);
  });

  test('replicate: acknowledgements free the window in order; a stale acknowledgement frees nothing', () => {
    const { raft } = newStableLeader([1, 2], { ...onePerMessage, maxInflightMessages: 3 });
    for (let index = 0; index < 10; index++) propose(raft, `p${index}`);
    const sent = appendsTo(readMessages(raft), 2);
    raft.step(acceptAndReply(sent[0]!));
    const next = appendsTo(readMessages(raft), 2);
    assert.equal(next.length, 1, 'one slot freed, one append sent');
    assert.equal(next[0]!.index, sent[2]!.index + 1);
    raft.step(acceptAndReply(sent[0]!));
    assert.deepEqual(appendsTo(readMessages(raft), 2), [], 'a duplicate acknowledgement frees nothing');
    raft.step(acceptAndReply(sent[2]!));
    assert.equal(appendsTo(readMessages(raft), 2).length, 2, 'an acknowledgement frees every append up to its index');
  });

  test('replicate: a heartbeat response frees one slot of a full window', () => {
    const { raft } = newStableLeader([1, 2], { ...onePerMessage, maxInflightMessages: 3 });
    for (let index = 0; index < 10; index++) propose(raft, `p${index}`);
    readMessages(raft);
    for (let round = 0; round < 3; round++) {
      raft.step(makeMessage({ type: MessageType.HeartbeatResponse, from: 2, to: 1, term: raft.term }));
      assert.equal(appendsTo(readMessages(raft), 2).length, 1, `round ${round}: one append after the heartbeat response`);
      propose(raft, 'more');
      assert.deepEqual(appendsTo(readMessages(raft), 2), [], `round ${round}: the window is full again`);
    }
  });

  test('replicate: maxInflightBytes bounds the bytes in flight', () => {
    const payload = new Uint8Array(84);
    const size = entrySizeBytes(entry(1, 1, payload));
    const { raft } = newStableLeader([1, 2], { maxSizePerMessageBytes: size, maxInflightBytes: 2 * size });
    for (let index = 0; index < 5; index++) propose(raft, payload);
    const sent = appendsTo(readMessages(raft), 2);
    assert.deepEqual(
      sent.map((message) => message.entries.length),
      [1, 1],
    );
    raft.step(acceptAndReply(sent[0]!));
    assert.equal(appendsTo(readMessages(raft), 2).length, 1);
  });

  test('probe: one append at a time until the follower answers; a heartbeat response unpauses', () => {
    const storage = newTestStorage({ voters: [1, 2] });
    const raft = newTestRaft(1, { storage });
    raft.becomeCandidate();
    raft.becomeLeader();
    for (let index = 0; index < 3; index++) propose(raft, `p${index}`);
    const sent = appendsTo(readMessages(raft), 2);
    assert.equal(sent.length, 1);
    assert.equal(mustProgress(raft, 2).state, 'probe');
    raft.tick();
    assert.deepEqual(
      readMessages(raft).map((message) => message.type),
      [MessageType.Heartbeat],
      'paused: the tick sends a heartbeat but no append',
    );
    raft.step(makeMessage({ type: MessageType.HeartbeatResponse, from: 2, to: 1, term: raft.term }));
    assert.equal(appendsTo(readMessages(raft), 2).length, 1, 'the heartbeat response lets one more probe out');
    raft.step(acceptAndReply(sent[0]!));
    assert.equal(mustProgress(raft, 2).state, 'replicate');
  });

  test('a rejection while replicating falls back to probing from match + 1', () => {
    const { raft } = newStableLeader([1, 2]);
    const match = mustProgress(raft, 2).match;
    propose(raft, 'a');
    propose(raft, 'b');
    readMessages(raft);
    raft.step(makeMessage({ type: MessageType.AppendResponse, from: 2, to: 1, term: raft.term, index: match + 2, reject: true, rejectHint: match, logTerm: 1 }));
    const progress = mustProgress(raft, 2);
    assert.equal(progress.state, 'probe');
    const resent = appendsTo(readMessages(raft), 2);
    assert.deepEqual(
      resent.map((message) => [message.index, message.entries.length]),
      [[match, 2]],
    );
  });

  test('fast backtracking: one rejection skips a whole conflicting term', () => {
    // The follower has a long run of term-2 entries the leader (term 3) does not.
    const leaderStorage = newTestStorage({ voters: [1, 2, 3], entries: [1, 1, 1, 1, 1].map((term, index) => entry(index + 1, term)), hardState: { term: 2, vote: 0, commit: 0 } });
    const followerStorage = newTestStorage({ voters: [1, 2, 3], entries: [1, 2, 2, 2, 2, 2, 2, 2].map((term, index) => entry(index + 1, term)), hardState: { term: 2, vote: 0, commit: 0 } });
    const network = new RaftNetwork([newTestRaft(1, { storage: leaderStorage }), newTestRaft(2, { storage: followerStorage })]);
    let rejections = 0;
    network.onDeliver = (message) => {
      if (message.type === MessageType.AppendResponse && message.reject) rejections++;
    };
    network.hup(1);
    network.send(makeMessage({ type: MessageType.RequestVoteResponse, from: 3, to: 1, term: 3 }));
    mustRole(network.peer(1), Role.Leader, 3);
    assert.deepEqual(logTerms(network.peer(2)), logTerms(network.peer(1)));
    assert.equal(rejections, 1, 'the follower hinted past all its term-2 entries at once');
  });

  test('a heartbeat never tells a follower to commit past what it is known to hold', () => {
    const { raft } = newStableLeader([1, 2, 3]);
    propose(raft, 'a');
    for (const message of appendsTo(readMessages(raft), 2)) raft.step(acceptAndReply(message));
    readMessages(raft);
    assert.equal(raft.raftLog.committed, 2);
    raft.tick();
    assert.deepEqual(
      sortMessages(readMessages(raft)).map((message) => [message.type, message.to, message.commit]),
      [
        [MessageType.Heartbeat, 2, 2],
        [MessageType.Heartbeat, 3, 1],
      ],
    );
  });

  test('reportUnreachable sends a replicating follower back to probe', () => {
    const { raft } = newStableLeader([1, 2]);
    assert.equal(mustProgress(raft, 2).state, 'replicate');
    raft.step(makeMessage({ type: MessageType.Unreachable, from: 2, to: 1 }));
    assert.equal(mustProgress(raft, 2).state, 'probe');
  });
});

describe('snapshots', () => {
  /** A 3-node network where node 3 missed entries that the leader then compacted away. */
  function laggingFollowerAfterCompaction(): { network: TestNetwork; snapshotIndex: number } {
    const network = new TestNetwork([1, 2, 3]);
    network.node(1).campaign();
    network.settle();
    network.isolate(3);
    for (let index = 0; index < 10; index++) network.node(1).propose(text(`e${index}`));
    network.settle();
    const snapshotIndex = network.node(1).status().applied;
    assert.equal(snapshotIndex, 11);
    const storage = network.storages.get(1)!;
    storage.createSnapshot(snapshotIndex, { voters: [1, 2, 3], learners: [] }, text('state machine at 11'));
    storage.compact(snapshotIndex);
    return { network, snapshotIndex };
  }

  test('the leader sends a snapshot to a follower that needs compacted entries, and waits in snapshot state', () => {
    const { network, snapshotIndex } = laggingFollowerAfterCompaction();
    const snapshots: Message[] = [];
    network.dropFilter = (message) => {
      if (message.type !== MessageType.Snapshot) return false;
      snapshots.push(message);
      return true;
    };
    network.tickAll();
    assert.equal(snapshots.length, 1);
    assert.equal(snapshots[0]!.snapshot?.metadata.index, snapshotIndex);
    const progress = network.node(1).status().progress.get(3)!;
    assert.equal(progress.state, 'snapshot');
    // Paused in snapshot state: more ticks and proposals send nothing to node 3.
    network.node(1).propose(text('more'));
    network.tickAll();
    assert.equal(snapshots.length, 1);
    assert.equal(network.node(1).status().progress.get(3)!.state, 'snapshot');
  });

  test('after a failed snapshot the leader probes again and resends it; the follower restores and catches up', () => {
    const { network, snapshotIndex } = laggingFollowerAfterCompaction();
    const snapshots: Message[] = [];
    network.dropFilter = (message) => {
      if (message.type !== MessageType.Snapshot) return false;
      snapshots.push(message);
      return snapshots.length === 1;
    };
    network.tickAll();
    assert.equal(network.node(1).status().progress.get(3)!.state, 'snapshot');
    network.node(1).reportSnapshot(3, 'failure');
    assert.equal(network.node(1).status().progress.get(3)!.state, 'probe');

    network.tickAll();
    assert.equal(snapshots.length, 2, 'the snapshot is sent again');
    const storage = network.storages.get(3)!;
    assert.equal(storage.snapshot().metadata.index, snapshotIndex);
    assert.equal(decode(storage.snapshot().data), 'state machine at 11');
    assert.equal(storage.firstIndex(), snapshotIndex + 1);
    const progress = network.node(1).status().progress.get(3)!;
    assert.equal(progress.state, 'replicate');
    assert.equal(progress.match, snapshotIndex);

    network.node(1).propose(text('after'));
    network.settle();
    assert.deepEqual(network.appliedData(3), ['after'], 'entries before the snapshot come from the snapshot, not the log');
    assert.equal(network.node(3).status().applied, snapshotIndex + 1);
  });

  test('a snapshot goes only to a follower heard from recently', () => {
    const { raft, storage } = newStableLeader([1, 2, 3]);
    for (const value of ['a', 'b', 'c']) {
      propose(raft, value);
      for (const message of appendsTo(readMessages(raft), 2)) raft.step(acceptAndReply(message));
    }
    stabilize(raft, storage);
    storage.createSnapshot(raft.raftLog.applied, undefined, text('state'));
    storage.compact(raft.raftLog.applied);
    // Node 3 holds only the no-op, which is compacted now; it has been silent.
    raft.step(makeMessage({ type: MessageType.Unreachable, from: 3, to: 1 }));
    mustProgress(raft, 3).recentActive = false;
    propose(raft, 'd');
    assert.deepEqual(
      readMessages(raft).filter((message) => message.to === 3),
      [],
      'no snapshot to a node that may be down',
    );
    raft.step(makeMessage({ type: MessageType.HeartbeatResponse, from: 3, to: 1, term: raft.term }));
    assert.deepEqual(
      readMessages(raft).map((message) => [message.type, message.to, message.snapshot?.metadata.index]),
      [[MessageType.Snapshot, 3, storage.snapshot().metadata.index]],
    );
    assert.equal(mustProgress(raft, 3).state, 'snapshot');
  });

  test('a snapshot status report moves snapshot to probe: on success past the snapshot, on failure from match', () => {
    for (const reject of [false, true]) {
      const { raft } = newStableLeader([1, 2]);
      const progress = mustProgress(raft, 2);
      const match = progress.match;
      progress.becomeSnapshot(20);
      raft.step(makeMessage({ type: MessageType.SnapshotStatus, from: 2, to: 1, reject }));
      assert.equal(progress.state, 'probe');
      assert.equal(progress.next, reject ? match + 1 : 21);
      assert.equal(progress.isPaused(), true, 'waits for a heartbeat response before probing');
    }
  });

  test('a follower restores a snapshot: log, commit index and membership come from it', () => {
    const raft = newTestRaft(2, { voters: [1, 2] });
    const snapshot = { data: text('data'), metadata: { index: 11, term: 11, confState: { voters: [1, 2, 3], learners: [] } } };
    raft.step(makeMessage({ type: MessageType.Snapshot, from: 1, to: 2, term: 11, snapshot }));
    assert.equal(raft.raftLog.committed, 11);
    assert.equal(raft.raftLog.lastIndex(), 11);
    assert.equal(raft.raftLog.firstIndex(), 12);
    assert.equal(raft.raftLog.term(11), 11);
    assert.equal(raft.raftLog.hasPendingSnapshot(), true);
    assert.deepEqual(raft.tracker.confState(), { voters: [1, 2, 3], learners: [] });
    assert.deepEqual(
      readMessages(raft).map((message) => [message.type, message.index]),
      [[MessageType.AppendResponse, 11]],
    );
  });

  test('a follower ignores a snapshot at or below its commit index, and only fast-forwards for one its log matches', () => {
    const storage = newTestStorage({ voters: [1, 2], entries: [entry(1, 1), entry(2, 1), entry(3, 1)], hardState: { term: 1, vote: 0, commit: 2 } });
    const raft = newTestRaft(2, { storage });
    raft.becomeFollower(1, 1);
    const stale = { data: text(''), metadata: { index: 2, term: 1, confState: { voters: [1, 2], learners: [] } } };
    raft.step(makeMessage({ type: MessageType.Snapshot, from: 1, to: 2, term: 1, snapshot: stale }));
    assert.equal(raft.raftLog.hasPendingSnapshot(), false);
    assert.deepEqual(readMessages(raft).map((message) => message.index), [2]);

    const matching = { data: text(''), metadata: { index: 3, term: 1, confState: { voters: [1, 2], learners: [] } } };
    raft.step(makeMessage({ type: MessageType.Snapshot, from: 1, to: 2, term: 1, snapshot: matching }));
    assert.equal(raft.raftLog.hasPendingSnapshot(), false, 'the log already holds it');
    assert.equal(raft.raftLog.committed, 3);
    assert.deepEqual(logTerms(raft), [
      [1, 1],
      [2, 1],
      [3, 1],
    ]);
  });
});

describe('learners', () => {
  test('a learner never campaigns', () => {
    const raft = newTestRaft(2, { voters: [1], learners: [2] });
    for (let tick = 0; tick < 100; tick++) raft.tick();
    raft.step(makeMessage({ type: MessageType.Hup, from: 2, to: 2 }));
    raft.step(makeMessage({ type: MessageType.TimeoutNow, from: 1, to: 2, term: 0 }));
    mustRole(raft, Role.Follower, 0);
    assert.deepEqual(readMessages(raft), []);
  });

  test('a candidate neither asks learners for votes nor counts their votes', () => {
    const raft = newTestRaft(1, { voters: [1, 2, 3], learners: [4] });
    raft.step(makeMessage({ type: MessageType.Hup, from: 1, to: 1 }));
    assert.deepEqual(
      sortMessages(readMessages(raft)).map((message) => message.to),
      [2, 3],
    );
    raft.step(makeMessage({ type: MessageType.RequestVoteResponse, from: 4, to: 1, term: 1 }));
    mustRole(raft, Role.Candidate, 1);
    raft.step(makeMessage({ type: MessageType.RequestVoteResponse, from: 2, to: 1, term: 1 }));
    mustRole(raft, Role.Leader, 1);
  });

  test('a learner may grant a vote (it may be a voter that has not learned of its promotion yet), which only voters count', () => {
    // etcd-raft's TestLearnerCanVote: refusing would deadlock a group whose new voter lags.
    const raft = newTestRaft(2, { voters: [1], learners: [2] });
    raft.step(makeMessage({ type: MessageType.RequestVote, from: 1, to: 2, term: 2, index: 11, logTerm: 11 }));
    assert.deepEqual(
      readMessages(raft).map((message) => [message.type, message.reject]),
      [[MessageType.RequestVoteResponse, false]],
    );
  });

  test('a learner receives the log, but its acknowledgements do not commit anything', () => {
    const voters = [1, 2];
    const network = new RaftNetwork([1, 2, 3].map((id) => newTestRaft(id, { voters, learners: [3] })));
    network.hup(1);
    network.propose(1, 'x');
    assert.deepEqual(logTerms(network.peer(3)), logTerms(network.peer(1)));
    assert.equal(network.peer(3).raftLog.committed, network.peer(1).raftLog.committed);
    const committed = network.peer(1).raftLog.committed;
    network.isolate(2);
    network.propose(1, 'y');
    assert.equal(network.peer(3).raftLog.lastIndex(), committed + 1, 'the learner has the entry');
    assert.equal(network.peer(1).raftLog.committed, committed, 'but the leader and a learner are not a quorum of voters');
  });

  test('AddNode promotes a learner: it then counts for the quorum and may campaign', () => {
    const network = new TestNetwork([1, 2, 3]);
    network.node(1).campaign();
    network.settle();
    network.addNode(4, [1, 2, 3], {}, [4]);
    network.node(1).proposeConfChange({ type: ConfChangeType.AddLearnerNode, nodeId: 4, context: new Uint8Array(0) });
    network.settle();
    network.node(1).proposeConfChange({ type: ConfChangeType.AddNode, nodeId: 4, context: new Uint8Array(0) });
    network.settle();
    for (const id of [1, 2, 3, 4]) assert.deepEqual(network.node(id).status().confState, { voters: [1, 2, 3, 4], learners: [] }, `node ${id}`);
    assert.equal(network.node(4).raft.isLearner, false);

    // Four voters: the leader and node 4 alone are not a quorum; with node 2 they are.
    network.isolate(2, 3);
    network.node(1).propose(text('needs three'));
    network.settle();
    assert.deepEqual(network.appliedData(4), []);
    network.isolate(3);
    network.tickAll();
    assert.deepEqual(network.appliedData(4), ['needs three']);

    network.node(4).campaign();
    network.settle();
    assert.equal(network.leader(), 4);
  });
});

describe('membership changes', () => {
  test('a second conf change proposed before the first is applied is replaced by an empty entry', () => {
    const { raft } = newStableLeader([1, 2, 3]);
    raft.step(makeMessage({ type: MessageType.Propose, from: 1, to: 1, entries: [confChangeEntry({ type: ConfChangeType.AddNode, nodeId: 4 })] }));
    raft.step(makeMessage({ type: MessageType.Propose, from: 1, to: 1, entries: [confChangeEntry({ type: ConfChangeType.AddNode, nodeId: 5 })] }));
    const [first, second] = raft.raftLog.unstableEntries();
    assert.equal(first?.type, EntryType.ConfChange);
    assert.equal(second?.type, EntryType.Normal);
    assert.equal(second?.data.length, 0);

    // Once the first change is committed and applied, a new one is accepted.
    for (const message of readMessages(raft)) if (message.type === MessageType.Append) raft.step(acceptAndReply(message));
    raft.raftLog.appliedTo(raft.raftLog.committed);
    raft.step(makeMessage({ type: MessageType.Propose, from: 1, to: 1, entries: [confChangeEntry({ type: ConfChangeType.AddNode, nodeId: 5 })] }));
    const entries = raft.raftLog.unstableEntries();
    assert.equal(entries[entries.length - 1]?.type, EntryType.ConfChange);
  });

  test('two conf changes in one proposal: the second is replaced', () => {
    const { raft } = newStableLeader([1, 2, 3]);
    raft.step(
      makeMessage({
        type: MessageType.Propose,
        from: 1,
        to: 1,
        entries: [confChangeEntry({ type: ConfChangeType.AddNode, nodeId: 4 }), confChangeEntry({ type: ConfChangeType.AddNode, nodeId: 5 })],
      }),
    );
    assert.deepEqual(
      raft.raftLog.unstableEntries().map((item) => item.type),
      [EntryType.ConfChange, EntryType.Normal],
    );
  });

  test('a new leader accepts no conf change until it has applied every entry it had at election', () => {
    const storage = newTestStorage({ voters: [1, 2, 3], entries: [entry(1, 1), entry(2, 1)], hardState: { term: 1, vote: 0, commit: 2 } });
    const raft = newTestRaft(1, { storage });
    raft.becomeCandidate();
    raft.becomeLeader();
    raft.step(makeMessage({ type: MessageType.Propose, from: 1, to: 1, entries: [confChangeEntry({ type: ConfChangeType.AddNode, nodeId: 4 })] }));
    assert.equal(raft.raftLog.unstableEntries().at(-1)?.type, EntryType.Normal, 'refused while entries 1..2 may hold a conf change');
    raft.raftLog.appliedTo(2);
    raft.step(makeMessage({ type: MessageType.Propose, from: 1, to: 1, entries: [confChangeEntry({ type: ConfChangeType.AddNode, nodeId: 4 })] }));
    assert.equal(raft.raftLog.unstableEntries().at(-1)?.type, EntryType.ConfChange);
  });

  test('a node with a committed but unapplied conf change does not campaign', () => {
    const raft = newTestRaft(1);
    raft.becomeFollower(1, 2);
    const change = { ...confChangeEntry({ type: ConfChangeType.AddNode, nodeId: 4 }), index: 1, term: 1 };
    raft.step(makeMessage({ type: MessageType.Append, from: 2, to: 1, term: 1, entries: [change], commit: 1 }));
    raft.step(makeMessage({ type: MessageType.Hup, from: 1, to: 1 }));
    mustRole(raft, Role.Follower, 1);
    raft.raftLog.appliedTo(1);
    raft.applyConfChange({ type: ConfChangeType.AddNode, nodeId: 4, context: new Uint8Array(0) });
    raft.step(makeMessage({ type: MessageType.Hup, from: 1, to: 1 }));
    mustRole(raft, Role.Candidate, 2);
  });

  test('removing a voter shrinks the quorum: an entry waiting for it commits once the change is applied', () => {
    const { raft } = newStableLeader([1, 2]);
    raft.step(makeMessage({ type: MessageType.Propose, from: 1, to: 1, entries: [confChangeEntry({ type: ConfChangeType.RemoveNode, nodeId: 2 })] }));
    const changeIndex = raft.raftLog.lastIndex();
    propose(raft, 'hello');
    readMessages(raft);
    raft.step(makeMessage({ type: MessageType.AppendResponse, from: 2, to: 1, term: raft.term, index: changeIndex }));
    assert.equal(raft.raftLog.committed, changeIndex, 'node 2 acknowledged only the change');
    raft.raftLog.appliedTo(changeIndex);
    raft.applyConfChange({ type: ConfChangeType.RemoveNode, nodeId: 2, context: new Uint8Array(0) });
    assert.equal(raft.raftLog.committed, changeIndex + 1, 'the leader alone is now a quorum');
    assert.equal(decode(raft.raftLog.nextCommittedEntries().at(-1)!.data), 'hello');
  });

  test('a leader that removes itself steps down and drops proposals; the rest elect a new leader', () => {
    const network = new TestNetwork([1, 2, 3]);
    network.node(1).campaign();
    network.settle();
    network.node(1).proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: 1, context: new Uint8Array(0) });
    network.settle();
    assert.equal(network.node(1).raft.role, Role.Follower);
    assert.deepEqual(network.node(2).status().confState, { voters: [2, 3], learners: [] });
    assert.throws(() => network.node(1).propose(text('x')), ProposalDroppedError);
    for (let tick = 0; tick < 50 && (network.leader() === undefined || network.leader() === 1); tick++) network.tickAll();
    const leader = network.leader();
    assert.ok(leader === 2 || leader === 3, `new leader ${leader}`);
    network.node(leader).propose(text('after removal'));
    network.settle();
    assert.deepEqual(network.appliedData(2), ['after removal']);
    assert.deepEqual(network.appliedData(3), ['after removal']);
  });

  test('applying AddNode gives the new member progress and sends it the log; AddLearnerNode on a voter is ignored', () => {
    const { raft } = newStableLeader([1, 2, 3]);
    raft.applyConfChange({ type: ConfChangeType.AddNode, nodeId: 4, context: new Uint8Array(0) });
    assert.deepEqual(raft.tracker.confState(), { voters: [1, 2, 3, 4], learners: [] });
    assert.equal(mustProgress(raft, 4).recentActive, true, 'a new member is not counted as down');
    assert.deepEqual(
      readMessages(raft).map((message) => [message.type, message.to]),
      [[MessageType.Append, 4]],
    );
    // Demoting a voter needs joint consensus, which this library does not implement.
    raft.applyConfChange({ type: ConfChangeType.AddLearnerNode, nodeId: 2, context: new Uint8Array(0) });
    assert.deepEqual(raft.tracker.confState(), { voters: [1, 2, 3, 4], learners: [] });
  });

  test('the last voter cannot be removed', () => {
    const { raft } = newStableLeader([1]);
    raft.step(makeMessage({ type: MessageType.Propose, from: 1, to: 1, entries: [confChangeEntry({ type: ConfChangeType.RemoveNode, nodeId: 1 })] }));
    assert.equal(raft.raftLog.unstableEntries().at(-1)?.type, EntryType.Normal);
  });
});

describe('leader transfer', () => {
  /** Asks `leader` (a local request, so the network cannot drop it) to transfer to `transferee`. */
  function transfer(network: RaftNetwork, leader: number, transferee: number): void {
    network.peer(leader).step(makeMessage({ type: MessageType.TransferLeader, from: transferee, to: leader }));
    network.flush();
  }

  test('to an up-to-date follower: TimeoutNow at once, and the transferee wins the next term', () => {
    const network = newNetwork(3);
    network.hup(1);
    const kinds: MessageType[] = [];
    network.onDeliver = (message) => kinds.push(message.type);
    transfer(network, 1, 3);
    assert.equal(kinds[0], MessageType.TimeoutNow, 'the first message the leader sends is TimeoutNow');
    mustRole(network.peer(3), Role.Leader, 2);
    mustRole(network.peer(1), Role.Follower, 2);
    assert.equal(network.peer(1).leaderId, 3);
  });

  test('to a lagging follower: the leader catches it up first, then sends TimeoutNow', () => {
    const network = newNetwork(3);
    network.hup(1);
    network.isolate(3);
    network.propose(1, 'missed by 3');
    network.recover();
    const toTransferee: MessageType[] = [];
    network.onDeliver = (message) => {
      if (message.to === 3) toTransferee.push(message.type);
    };
    transfer(network, 1, 3);
    assert.equal(toTransferee[0], MessageType.Append);
    assert.ok(toTransferee.indexOf(MessageType.TimeoutNow) > 0);
    mustRole(network.peer(3), Role.Leader, 2);
    assert.ok(network.peer(3).raftLog.allEntries().some((item) => decode(item.data) === 'missed by 3'));
  });

  test('proposals are dropped while a transfer is under way; a transfer not done within an election timeout is abandoned', () => {
    const network = newNetwork(3);
    network.hup(1);
    const leader = network.peer(1);
    network.isolate(3);
    network.propose(1, 'missed by 3');
    transfer(network, 1, 3);
    assert.equal(leader.leadTransferee, 3);
    assert.equal(propose(leader, 'during transfer'), false);
    for (let tick = 0; tick < 9; tick++) leader.tick();
    assert.equal(leader.leadTransferee, 3);
    leader.tick();
    assert.equal(leader.leadTransferee, noLeader);
    mustRole(leader, Role.Leader, 1);
    assert.equal(propose(leader, 'after abort'), true);
  });

  test('a transfer to a learner, to the leader itself, or to a non-member is ignored', () => {
    const network = new RaftNetwork([1, 2, 3].map((id) => newTestRaft(id, { voters: [1, 2], learners: [3] })));
    network.hup(1);
    const leader = network.peer(1);
    for (const transferee of [3, 1, 9]) {
      transfer(network, 1, transferee);
      assert.equal(leader.leadTransferee, noLeader, `transfer to ${transferee}`);
      mustRole(leader, Role.Leader, 1);
    }
  });

  test('a second transfer to another node replaces the first', () => {
    const network = newNetwork(3);
    network.hup(1);
    network.isolate(3);
    network.propose(1, 'missed by 3');
    transfer(network, 1, 3);
    assert.equal(network.peer(1).leadTransferee, 3);
    transfer(network, 1, 2);
    mustRole(network.peer(2), Role.Leader, 2);
  });

  test('a transfer back to the leader itself cancels the transfer under way', () => {
    const network = newNetwork(3);
    network.hup(1);
    network.isolate(3);
    network.propose(1, 'missed by 3');
    transfer(network, 1, 3);
    assert.equal(network.peer(1).leadTransferee, 3);
    transfer(network, 1, 1);
    assert.equal(network.peer(1).leadTransferee, noLeader);
    assert.equal(propose(network.peer(1), 'accepted again'), true);
  });

  test('repeating a transfer request does not extend its deadline', () => {
    const network = newNetwork(3);
    network.hup(1);
    const leader = network.peer(1);
    network.isolate(3);
    network.propose(1, 'missed by 3');
    transfer(network, 1, 3);
    for (let tick = 0; tick < 5; tick++) leader.tick();
    transfer(network, 1, 3);
    for (let tick = 0; tick < 5; tick++) leader.tick();
    assert.equal(leader.leadTransferee, noLeader);
  });

  test('removing the transferee cancels the transfer', () => {
    const network = newNetwork(3);
    network.hup(1);
    const leader = network.peer(1);
    network.isolate(3);
    network.propose(1, 'missed by 3');
    transfer(network, 1, 3);
    leader.applyConfChange({ type: ConfChangeType.RemoveNode, nodeId: 3, context: new Uint8Array(0) });
    assert.equal(leader.leadTransferee, noLeader);
  });

  test('to a follower that needs a snapshot: the snapshot goes first, then TimeoutNow', () => {
    const network = new TestNetwork([1, 2, 3]);
    network.node(1).campaign();
    network.settle();
    network.isolate(3);
    for (let index = 0; index < 5; index++) network.node(1).propose(text(`e${index}`));
    network.settle();
    const storage = network.storages.get(1)!;
    const applied = network.node(1).status().applied;
    storage.createSnapshot(applied, undefined, text('state'));
    storage.compact(applied);
    network.recover();
    const toTransferee: MessageType[] = [];
    network.dropFilter = (message) => {
      if (message.to === 3) toTransferee.push(message.type);
      return false;
    };
    network.node(1).transferLeader(3);
    network.settle();
    assert.ok(toTransferee.indexOf(MessageType.Snapshot) >= 0);
    assert.ok(toTransferee.indexOf(MessageType.TimeoutNow) > toTransferee.indexOf(MessageType.Snapshot));
    assert.equal(network.leader(), 3);
  });

  test('with check-quorum, the transfer still succeeds: its votes override the lease', () => {
    const network = newNetwork(3, { checkQuorum: true, preVote: true });
    network.hup(1);
    transfer(network, 1, 2);
    mustRole(network.peer(2), Role.Leader, 2);
    mustRole(network.peer(1), Role.Follower, 2);
    mustRole(network.peer(3), Role.Follower, 2);
  });

  test('a follower forwards a transfer request to the leader', () => {
    const network = newNetwork(3);
    network.hup(1);
    transfer(network, 2, 3);
    mustRole(network.peer(3), Role.Leader, 2);
  });
});

describe('ReadIndex', () => {
  test('safe: the read index is served only once a quorum acknowledges the heartbeat carrying it', () => {
    const { raft } = newStableLeader([1, 2, 3, 4, 5]);
    raft.step(readIndexMessage(1, 1, 'read-1'));
    const heartbeats = sortMessages(readMessages(raft));
    assert.deepEqual(
      heartbeats.map((message) => [message.type, message.to, decode(message.context ?? new Uint8Array(0))]),
      [2, 3, 4, 5].map((to) => [MessageType.Heartbeat, to, 'read-1']),
    );
    const acknowledge = (from: number, context = 'read-1') =>
      raft.step(makeMessage({ type: MessageType.HeartbeatResponse, from, to: 1, term: raft.term, context: text(context) }));
    acknowledge(2);
    assert.deepEqual(readStates(raft), [], 'two of five is not a quorum');
    raft.step(makeMessage({ type: MessageType.HeartbeatResponse, from: 3, to: 1, term: raft.term }));
    assert.deepEqual(readStates(raft), [], 'a plain heartbeat response does not acknowledge the read');
    acknowledge(3);
    assert.deepEqual(readStates(raft), [[raft.raftLog.committed, 'read-1']]);
    acknowledge(4);
    assert.deepEqual(readStates(raft), [], 'served once');
  });

  test('safe: a quorum acknowledging a later read also confirms the earlier ones', () => {
    const { raft } = newStableLeader([1, 2, 3]);
    raft.step(readIndexMessage(1, 1, 'first'));
    raft.step(readIndexMessage(1, 1, 'second'));
    readMessages(raft);
    raft.step(makeMessage({ type: MessageType.HeartbeatResponse, from: 2, to: 1, term: raft.term, context: text('second') }));
    assert.deepEqual(
      readStates(raft).map(([, context]) => context),
      ['first', 'second'],
    );
  });

  test('a new leader postpones reads until it has committed an entry of its own term', () => {
    const storage = newTestStorage({ voters: [1, 2, 3] });
    const raft = newTestRaft(1, { storage });
    raft.becomeCandidate();
    raft.becomeLeader();
    readMessages(raft);
    raft.step(readIndexMessage(1, 1, 'early'));
    assert.deepEqual(readMessages(raft), [], 'no heartbeat round yet');
    raft.bcastAppend();
    for (const message of readMessages(raft)) raft.step(acceptAndReply(message));
    const heartbeats = readMessages(raft).filter((message) => message.type === MessageType.Heartbeat);
    assert.equal(heartbeats.length, 2, 'the postponed read goes out once the no-op commits');
    raft.step(makeMessage({ type: MessageType.HeartbeatResponse, from: 2, to: 1, term: raft.term, context: text('early') }));
    assert.deepEqual(readStates(raft), [[1, 'early']]);
  });

  test("a follower forwards a read to the leader and receives the leader's read index", () => {
    const network = newNetwork(3);
    network.hup(1);
    network.propose(1, 'a');
    network.send(readIndexMessage(2, noLeader, 'from-2'));
    assert.deepEqual(readStates(network.peer(2)), [[network.peer(1).raftLog.committed, 'from-2']]);
    assert.deepEqual(readStates(network.peer(1)), []);
  });

  test('a learner forwards a read to the leader and receives the read index', () => {
    const network = new RaftNetwork([1, 2, 3].map((id) => newTestRaft(id, { voters: [1, 2], learners: [3] })));
    network.hup(1);
    network.send(readIndexMessage(3, noLeader, 'from-learner'));
    assert.deepEqual(readStates(network.peer(3)), [[network.peer(1).raftLog.committed, 'from-learner']]);
  });

  test('a follower that knows no leader drops the read', () => {
    const raft = newTestRaft(2);
    raft.step(readIndexMessage(2, noLeader, 'lost'));
    assert.deepEqual(readMessages(raft), []);
    assert.deepEqual(readStates(raft), []);
  });

  test('lease-based: the leader serves a read at once, without a heartbeat round', () => {
    const { raft } = newStableLeader([1, 2, 3], { readOnlyOption: 'lease-based', checkQuorum: true });
    raft.step(readIndexMessage(1, 1, 'lease'));
    assert.deepEqual(readMessages(raft), []);
    assert.deepEqual(readStates(raft), [[raft.raftLog.committed, 'lease']]);
    raft.step(readIndexMessage(1, 2, 'for-2'));
    assert.deepEqual(
      readMessages(raft).map((message) => [message.type, message.to, message.index]),
      [[MessageType.ReadIndexResponse, 2, raft.raftLog.committed]],
    );
  });

  test('a single voter serves reads at once', () => {
    const { raft } = newStableLeader([1]);
    raft.step(readIndexMessage(1, 1, 'alone'));
    assert.deepEqual(readStates(raft), [[raft.raftLog.committed, 'alone']]);
  });

  test('a single voter with a learner serves reads without waiting for the learner', () => {
    // A learner's acknowledgement proves nothing about leadership, so waiting for it only
    // stalls reads while the learner is unreachable (etcd-raft's IsSingleton ignores learners).
    const { raft } = newStableLeader([1], {}, [2]);
    raft.step(readIndexMessage(1, 1, 'alone'));
    assert.deepEqual(readStates(raft), [[raft.raftLog.committed, 'alone']]);
  });
});

describe('proposals', () => {
  test('a follower forwards proposals to its leader, unless forwarding is disabled', () => {
    const forwarding = newTestRaft(2);
    forwarding.becomeFollower(1, 1);
    assert.equal(propose(forwarding, 'x'), true);
    assert.deepEqual(
      readMessages(forwarding).map((message) => [message.type, message.to, message.from]),
      [[MessageType.Propose, 1, 2]],
    );

    const notForwarding = newTestRaft(2, { disableProposalForwarding: true });
    notForwarding.becomeFollower(1, 1);
    assert.equal(propose(notForwarding, 'x'), false);
    assert.deepEqual(readMessages(notForwarding), []);
  });

  test('proposals are dropped by a follower without a leader and by a candidate', () => {
    const follower = newTestRaft(2);
    assert.equal(propose(follower, 'x'), false);
    const candidate = newTestRaft(2);
    candidate.becomeCandidate();
    readMessages(candidate);
    assert.equal(propose(candidate, 'x'), false);
    assert.deepEqual(readMessages(candidate), []);
  });

  test('RawNode reports a dropped proposal with ProposalDroppedError', () => {
    const network = new TestNetwork([1, 2, 3], { disableProposalForwarding: true });
    network.node(1).campaign();
    network.settle();
    assert.throws(() => network.node(2).propose(text('x')), ProposalDroppedError);
  });
});

describe('the uncommitted-size guard', () => {
  test('a leader cut off from its followers stops accepting proposals past the bound, and accepts again after commit', () => {
    const network = new TestNetwork([1, 2, 3], { maxUncommittedEntriesSizeBytes: 1000 });
    network.node(1).campaign();
    network.settle();
    network.isolate(2, 3);
    const payload = new Uint8Array(100);
    for (let index = 0; index < 10; index++) network.node(1).propose(payload);
    assert.throws(() => network.node(1).propose(payload), ProposalDroppedError);
    network.settle();
    assert.throws(() => network.node(1).propose(payload), ProposalDroppedError);

    network.recover();
    for (let tick = 0; tick < 3; tick++) network.tickAll();
    assert.equal(network.applied.get(1)!.filter((item) => item.data.length === 100).length, 10);
    network.node(1).propose(payload);
    network.settle();
    assert.equal(network.applied.get(2)!.filter((item) => item.data.length === 100).length, 11);
  });

  test('one proposal larger than the bound is accepted when nothing is uncommitted', () => {
    const { raft } = newStableLeader([1, 2, 3], { maxUncommittedEntriesSizeBytes: 1000 });
    assert.equal(propose(raft, new Uint8Array(2000)), true);
    assert.equal(propose(raft, new Uint8Array(1)), false);
    // Empty entries never count, so a leader can always append its no-op.
    assert.equal(propose(raft, new Uint8Array(0)), true);
  });
});

describe('restart', () => {
  test('a restarted node keeps term, vote and commit, and re-delivers committed entries after its applied index', () => {
    const network = new TestNetwork([1, 2, 3]);
    network.node(1).campaign();
    network.settle();
    for (const value of ['a', 'b', 'c']) network.node(1).propose(text(value));
    network.settle();
    const before = network.node(2).status().hardState;
    assert.deepEqual(before, { term: 1, vote: 1, commit: 4 });

    const restarted = network.restartNode(2, 2);
    assert.deepEqual(restarted.status().hardState, before);
    const ready = restarted.ready();
    assert.equal(ready.hardState, undefined, 'nothing changed, nothing to persist');
    assert.deepEqual(
      ready.committedEntries.map((item) => [item.index, decode(item.data)]),
      [
        [3, 'b'],
        [4, 'c'],
      ],
    );
    restarted.advance(ready);
    assert.equal(restarted.status().applied, 4);
  });

  test('a restarted node keeps its vote and refuses another candidate in the same term', () => {
    const network = new TestNetwork([1, 2, 3]);
    network.dropFilter = () => true;
    network.node(2).step(makeMessage({ type: MessageType.RequestVote, from: 1, to: 2, term: 5 }));
    network.settle();
    const restarted = network.restartNode(2);
    assert.deepEqual(restarted.status().hardState, { term: 5, vote: 1, commit: 0 });
    restarted.step(makeMessage({ type: MessageType.RequestVote, from: 3, to: 2, term: 5 }));
    assert.deepEqual(
      restarted.ready().messages.map((message) => [message.type, message.to, message.reject]),
      [[MessageType.RequestVoteResponse, 3, true]],
    );
  });

  test('a restarted cluster elects a leader and keeps every committed entry', () => {
    const network = new TestNetwork([1, 2, 3], { preVote: true, checkQuorum: true });
    network.node(1).campaign();
    network.settle();
    network.node(1).propose(text('durable'));
    network.settle();
    for (const id of [1, 2, 3]) network.restartNode(id, network.node(id).status().applied);
    for (let tick = 0; tick < 50 && network.leader() === undefined; tick++) network.tickAll();
    const leader = network.leader();
    assert.ok(leader !== undefined);
    network.node(leader).propose(text('after restart'));
    network.settle();
    for (const id of [1, 2, 3]) assert.deepEqual(network.appliedData(id), ['durable', 'after restart']);
  });
});
