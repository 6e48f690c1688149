/**
 * One test per rule of the Raft paper ("In Search of an Understandable Consensus
 * Algorithm", Ongaro and Ousterhout), in the spirit of etcd-raft's raft_paper_test.go.
 * Each test names the section (or figure) whose rule it checks. They drive the `Raft`
 * state machine directly, so every message a step produces is visible.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Raft } from './raft.js';
import type { MemoryStorage } from './storage.js';
import { TestNetwork } from './test-network.js';
import {
  acceptAndReply,
  commitNoopEntry,
  entriesWithTerms,
  entry,
  logTerms,
  newTestRaft,
  newTestStorage,
  propose,
  RaftNetwork,
  readMessages,
  sortMessages,
} from './test-raft.js';
import { type Entry, makeMessage, type Message, MessageType, noLeader, Role } from './types.js';

function ids(count: number): number[] {
  return Array.from({ length: count }, (_, index) => index + 1);
}

function mustRole(raft: Raft, role: Role, term?: number): void {
  assert.equal(raft.role, role, `node ${raft.id} role`);
  if (term !== undefined) assert.equal(raft.term, term, `node ${raft.id} term`);
}

/** The fields of a message a paper rule is about. */
function summary(message: Message): Record<string, unknown> {
  return {
    type: message.type,
    from: message.from,
    to: message.to,
    term: message.term,
    logTerm: message.logTerm,
    index: message.index,
    commit: message.commit,
    reject: message.reject,
    entries: message.entries.map((item) => [item.index, item.term, new TextDecoder().decode(item.data)]),
  };
}

function mustEntriesEqual(actual: readonly Entry[], expected: readonly Entry[]): void {
  const shape = (items: readonly Entry[]) => items.map((item) => [item.index, item.term, item.type, new TextDecoder().decode(item.data)]);
  assert.deepEqual(shape(actual), shape(expected));
}

/** Becomes leader of a fresh cluster of `voters` and commits the no-op everywhere. */
function newStableLeader(voters: readonly number[]): { raft: Raft; storage: MemoryStorage } {
  const storage = newTestStorage({ voters });
  const raft = newTestRaft(1, { storage });
  raft.becomeCandidate();
  raft.becomeLeader();
  commitNoopEntry(raft, storage);
  return { raft, storage };
}

/** Ticks until the node campaigns; returns how many ticks that took. */
function ticksUntilCampaign(raft: Raft): number {
  const term = raft.term;
  for (let ticks = 1; ticks <= 1000; ticks++) {
    raft.tick();
    if (raft.term > term) return ticks;
  }
  throw new Error(`node ${raft.id} never campaigned`);
}

describe('§5.1 terms', () => {
  for (const role of [Role.Follower, Role.Candidate, Role.Leader]) {
    test(`§5.1 a ${role} that sees a higher term adopts it and reverts to follower`, () => {
      const raft = newTestRaft(1);
      if (role === Role.Follower) raft.becomeFollower(1, 2);
      if (role === Role.Candidate || role === Role.Leader) raft.becomeCandidate();
      if (role === Role.Leader) raft.becomeLeader();
      mustRole(raft, role, 1);

      raft.step(makeMessage({ type: MessageType.Append, from: 2, to: 1, term: 2 }));

      mustRole(raft, Role.Follower, 2);
      assert.equal(raft.leaderId, 2);
      assert.equal(raft.vote, noLeader, 'a new term starts without a vote');
    });
  }

  test('§5.1 a leader that receives a response with a higher term steps down', () => {
    const { raft } = newStableLeader([1, 2, 3]);
    raft.step(makeMessage({ type: MessageType.AppendResponse, from: 2, to: 1, term: 5, index: 1 }));
    mustRole(raft, Role.Follower, 5);
    assert.equal(raft.leaderId, noLeader, 'a response does not name a leader');
  });

  test('§5.1 a request with a stale term is rejected: no log change, no vote, no reply', () => {
    const raft = newTestRaft(1);
    raft.becomeFollower(2, 2);

    raft.step(makeMessage({ type: MessageType.Append, from: 3, to: 1, term: 1, entries: [entry(1, 1, 'stale')] }));
    raft.step(makeMessage({ type: MessageType.RequestVote, from: 3, to: 1, term: 1, index: 5, logTerm: 1 }));
    raft.step(makeMessage({ type: MessageType.Heartbeat, from: 3, to: 1, term: 1 }));

    mustRole(raft, Role.Follower, 2);
    assert.equal(raft.leaderId, 2);
    assert.equal(raft.vote, noLeader);
    assert.equal(raft.raftLog.lastIndex(), 0);
    assert.deepEqual(readMessages(raft), []);
  });
});

describe('§5.2 leader election', () => {
  test('§5.2 a server starts as a follower', () => {
    const raft = newTestRaft(1);
    mustRole(raft, Role.Follower, 0);
    assert.equal(raft.leaderId, noLeader);
    assert.deepEqual(readMessages(raft), []);
  });

  test('§5.2 a leader sends heartbeats to every follower each heartbeat interval', () => {
    const raft = newTestRaft(1, { heartbeatTick: 2 });
    raft.becomeCandidate();
    raft.becomeLeader();
    readMessages(raft);
    raft.tick();
    assert.deepEqual(readMessages(raft), [], 'no heartbeat before the interval passes');
    raft.tick();
    assert.deepEqual(
      sortMessages(readMessages(raft)).map((message) => [message.type, message.from, message.to, message.term, message.commit]),
      [
        [MessageType.Heartbeat, 1, 2, 1, 0],
        [MessageType.Heartbeat, 1, 3, 1, 0],
      ],
    );
  });

  for (const role of [Role.Follower, Role.Candidate]) {
    test(`§5.2 a ${role} whose election timeout elapses starts an election: new term, votes for itself, asks everyone`, () => {
      const raft = newTestRaft(1);
      if (role === Role.Follower) raft.becomeFollower(1, 2);
      else raft.becomeCandidate();
      readMessages(raft);

      for (let tick = 0; tick < 2 * 10; tick++) raft.tick();

      mustRole(raft, Role.Candidate, 2);
      assert.equal(raft.vote, 1, 'votes for itself');
      assert.deepEqual(
        sortMessages(readMessages(raft)).map((message) => [message.type, message.to, message.term]),
        [
          [MessageType.RequestVote, 2, 2],
          [MessageType.RequestVote, 3, 2],
        ],
      );
    });
  }

  const oneRoundCases: { size: number; votes: Record<number, boolean>; role: Role }[] = [
    { size: 1, votes: {}, role: Role.Leader },
    { size: 3, votes: { 2: true, 3: true }, role: Role.Leader },
    { size: 3, votes: { 2: true }, role: Role.Leader },
    { size: 5, votes: { 2: true, 3: true, 4: true, 5: true }, role: Role.Leader },
    { size: 5, votes: { 2: true, 3: true, 4: true }, role: Role.Leader },
    { size: 5, votes: { 2: true, 3: true }, role: Role.Leader },
    // Lost: a majority rejected.
    { size: 3, votes: { 2: false, 3: false }, role: Role.Follower },
    { size: 5, votes: { 2: false, 3: false, 4: false, 5: false }, role: Role.Follower },
    { size: 5, votes: { 2: true, 3: false, 4: false, 5: false }, role: Role.Follower },
    // Neither won nor lost yet (a split vote or lost messages): still a candidate.
    { size: 3, votes: {}, role: Role.Candidate },
    { size: 5, votes: { 2: true }, role: Role.Candidate },
    { size: 5, votes: { 2: false, 3: false }, role: Role.Candidate },
    { size: 5, votes: {}, role: Role.Candidate },
  ];
  for (const { size, votes, role } of oneRoundCases) {
    test(`§5.2 one round of ${size} voters with votes ${JSON.stringify(votes)} ends ${role}`, () => {
      const raft = newTestRaft(1, { voters: ids(size) });
      raft.step(makeMessage({ type: MessageType.Hup, from: 1, to: 1 }));
      for (const [id, granted] of Object.entries(votes)) {
        raft.step(makeMessage({ type: MessageType.RequestVoteResponse, from: Number(id), to: 1, term: raft.term, reject: !granted }));
      }
      mustRole(raft, role, 1);
    });
  }

  const firstComeCases: { vote: number; candidate: number; granted: boolean }[] = [
    { vote: noLeader, candidate: 2, granted: true },
    { vote: noLeader, candidate: 3, granted: true },
    { vote: 2, candidate: 2, granted: true },
    { vote: 3, candidate: 3, granted: true },
    { vote: 2, candidate: 3, granted: false },
    { vote: 3, candidate: 2, granted: false },
  ];
  for (const { vote, candidate, granted } of firstComeCases) {
    test(`§5.2 a follower that voted for ${vote} in this term ${granted ? 'grants' : 'refuses'} ${candidate} (at most one vote per term, first come first served)`, () => {
      const raft = newTestRaft(1, { storage: newTestStorage({ voters: [1, 2, 3], hardState: { term: 1, vote, commit: 0 } }) });
      raft.step(makeMessage({ type: MessageType.RequestVote, from: candidate, to: 1, term: 1 }));
      assert.deepEqual(
        readMessages(raft).map((message) => [message.type, message.to, message.term, message.reject]),
        [[MessageType.RequestVoteResponse, candidate, 1, !granted]],
      );
      assert.equal(raft.vote, granted ? candidate : vote);
    });
  }

  test('§5.2 a follower that knows the leader of its term refuses votes in that term', () => {
    const raft = newTestRaft(1);
    raft.becomeFollower(1, 2);
    raft.step(makeMessage({ type: MessageType.RequestVote, from: 3, to: 1, term: 1 }));
    assert.deepEqual(readMessages(raft).map((message) => message.reject), [true]);
    assert.equal(raft.vote, noLeader);
  });

  for (const leaderTerm of [1, 2]) {
    test(`§5.2 a candidate that hears from a leader of term ${leaderTerm} >= its own falls back to follower`, () => {
      const raft = newTestRaft(1);
      raft.becomeCandidate();
      raft.step(makeMessage({ type: MessageType.Append, from: 2, to: 1, term: leaderTerm }));
      mustRole(raft, Role.Follower, leaderTerm);
      assert.equal(raft.leaderId, 2);
    });
  }

  for (const role of [Role.Follower, Role.Candidate]) {
    test(`§5.2 ${role} election timeouts are randomized over [electionTick, 2 * electionTick)`, () => {
      const raft = newTestRaft(1, { seed: 42 });
      const seen = new Set<number>();
      for (let round = 0; round < 500; round++) {
        if (role === Role.Follower) raft.becomeFollower(raft.term + 1, 2);
        else raft.becomeCandidate();
        seen.add(ticksUntilCampaign(raft));
      }
      assert.deepEqual([...seen].sort((a, b) => a - b), [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    });
  }

  test('§5.2 randomized timeouts rarely make two followers campaign at the same tick', () => {
    const size = 5;
    let conflicts = 0;
    const rounds = 1000;
    const rafts = ids(size).map((id) => newTestRaft(id, { voters: ids(size), seed: 1000 + id }));
    for (let round = 0; round < rounds; round++) {
      for (const raft of rafts) raft.becomeFollower(raft.term + 1, noLeader);
      let campaigners = 0;
      while (campaigners === 0) {
        for (const raft of rafts) {
          raft.tick();
          if (raft.role === Role.Candidate) campaigners++;
        }
      }
      if (campaigners > 1) conflicts++;
    }
    // etcd allows 30%; with ten possible timeouts and five nodes the expectation is ~25%.
    assert.ok(conflicts / rounds <= 0.3, `conflict probability ${conflicts / rounds}`);
    assert.ok(conflicts > 0, 'some conflicts are expected: the check must not be vacuous');
  });

  test('§5.2 heartbeats from a live leader keep followers from starting elections', () => {
    const network = new TestNetwork([1, 2, 3]);
    network.node(1).campaign();
    network.settle();
    const term = network.node(1).status().hardState.term;
    // One tick at a time, each followed by delivery (tickAll(n) would tick n times first).
    for (let tick = 0; tick < 200; tick++) network.tickAll();
    assert.equal(network.leader(), 1);
    for (const id of [1, 2, 3]) assert.equal(network.node(id).status().hardState.term, term);
  });
});

describe('§5.3 log replication', () => {
  test('§5.3 the leader appends a proposal to its log and sends it to every follower in parallel', () => {
    const { raft } = newStableLeader([1, 2, 3]);
    const lastIndex = raft.raftLog.lastIndex();

    assert.equal(propose(raft, 'some data'), true);

    assert.equal(raft.raftLog.lastIndex(), lastIndex + 1);
    assert.equal(raft.raftLog.committed, lastIndex, 'not committed before a majority has it');
    mustEntriesEqual(raft.raftLog.unstableEntries(), [entry(lastIndex + 1, 1, 'some data')]);
    const expected = (to: number) => ({
      type: MessageType.Append,
      from: 1,
      to,
      term: 1,
      logTerm: 1,
      index: lastIndex,
      commit: lastIndex,
      reject: false,
      entries: [[lastIndex + 1, 1, 'some data']],
    });
    assert.deepEqual(sortMessages(readMessages(raft)).map(summary), [expected(2), expected(3)]);
  });

  test('§5.3 the leader commits an entry once a majority has it, applies it, and tells the followers', () => {
    const { raft } = newStableLeader([1, 2, 3]);
    const lastIndex = raft.raftLog.lastIndex();
    propose(raft, 'some data');
    for (const message of readMessages(raft)) raft.step(acceptAndReply(message));

    assert.equal(raft.raftLog.committed, lastIndex + 1);
    mustEntriesEqual(raft.raftLog.nextCommittedEntries(), [entry(lastIndex + 1, 1, 'some data')]);
    const messages = sortMessages(readMessages(raft));
    assert.deepEqual(
      messages.map((message) => [message.type, message.to, message.commit]),
      [
        [MessageType.Append, 2, lastIndex + 1],
        [MessageType.Append, 3, lastIndex + 1],
      ],
    );
  });

  const acknowledgeCases: { size: number; acceptors: number[]; committed: boolean }[] = [
    { size: 1, acceptors: [], committed: true },
    { size: 3, acceptors: [], committed: false },
    { size: 3, acceptors: [2], committed: true },
    { size: 3, acceptors: [2, 3], committed: true },
    { size: 5, acceptors: [], committed: false },
    { size: 5, acceptors: [2], committed: false },
    { size: 5, acceptors: [2, 3], committed: true },
    { size: 5, acceptors: [2, 3, 4], committed: true },
    { size: 5, acceptors: [2, 3, 4, 5], committed: true },
  ];
  for (const { size, acceptors, committed } of acknowledgeCases) {
    test(`§5.3 with ${size} voters and acceptors [${acceptors.join(',')}] the entry is ${committed ? '' : 'not '}committed`, () => {
      const { raft } = newStableLeader(ids(size));
      const lastIndex = raft.raftLog.lastIndex();
      propose(raft, 'some data');
      for (const message of readMessages(raft)) if (acceptors.includes(message.to)) raft.step(acceptAndReply(message));
      assert.equal(raft.raftLog.committed > lastIndex, committed);
    });
  }

  const precedingCases: Entry[][] = [[], entriesWithTerms(1, [2]), entriesWithTerms(1, [1, 2]), entriesWithTerms(1, [1])];
  for (const previous of precedingCases) {
    test(`§5.3 committing a current-term entry commits every preceding entry too (previous log terms [${previous.map((item) => item.term).join(',')}])`, () => {
      const storage = newTestStorage({ voters: [1, 2, 3], entries: previous, hardState: { term: 2, vote: 0, commit: 0 } });
      const raft = newTestRaft(1, { storage });
      raft.becomeCandidate();
      raft.becomeLeader();
      propose(raft, 'some data');
      for (const message of readMessages(raft)) raft.step(acceptAndReply(message));

      const lastIndex = previous.length;
      mustEntriesEqual(raft.raftLog.nextCommittedEntries(), [...previous, entry(lastIndex + 1, 3), entry(lastIndex + 2, 3, 'some data')]);
    });
  }

  const followerCommitCases: { entries: Entry[]; commit: number }[] = [
    { entries: [entry(1, 1, 'some data')], commit: 1 },
    { entries: [entry(1, 1, 'some data'), entry(2, 1, 'some data2')], commit: 2 },
    { entries: [entry(1, 1, 'some data2'), entry(2, 1, 'some data')], commit: 2 },
    { entries: [entry(1, 1, 'some data'), entry(2, 1, 'some data2')], commit: 1 },
  ];
  for (const { entries, commit } of followerCommitCases) {
    test(`§5.3 a follower that learns an entry is committed applies it, in log order (${entries.length} entries, commit ${commit})`, () => {
      const raft = newTestRaft(1);
      raft.becomeFollower(1, 2);
      raft.step(makeMessage({ type: MessageType.Append, from: 2, to: 1, term: 1, entries, commit }));
      assert.equal(raft.raftLog.committed, commit);
      mustEntriesEqual(raft.raftLog.nextCommittedEntries(), entries.slice(0, commit));
    });
  }

  test("Figure 2: a follower sets commitIndex = min(leaderCommit, index of last new entry), not its own last index", () => {
    // The follower holds stale entries 2..4 of term 1 that the leader's append does not vouch for.
    const raft = newTestRaft(1, { storage: newTestStorage({ voters: [1, 2, 3], entries: entriesWithTerms(1, [1, 1, 1, 1]) }) });
    raft.becomeFollower(2, 2);
    raft.step(makeMessage({ type: MessageType.Append, from: 2, to: 1, term: 2, index: 1, logTerm: 1, commit: 4 }));
    assert.equal(raft.raftLog.committed, 1);
    raft.step(makeMessage({ type: MessageType.Append, from: 2, to: 1, term: 2, index: 1, logTerm: 1, entries: [entry(2, 2)], commit: 4 }));
    assert.equal(raft.raftLog.committed, 2);
  });

  test('§5.3 a heartbeat advances the follower commit index only as far as the leader says', () => {
    const raft = newTestRaft(1, { storage: newTestStorage({ voters: [1, 2, 3], entries: entriesWithTerms(1, [1, 1, 1]) }) });
    raft.becomeFollower(1, 2);
    raft.step(makeMessage({ type: MessageType.Heartbeat, from: 2, to: 1, term: 1, commit: 1 }));
    assert.equal(raft.raftLog.committed, 1);
    raft.step(makeMessage({ type: MessageType.Heartbeat, from: 2, to: 1, term: 1, commit: 3 }));
    assert.equal(raft.raftLog.committed, 3);
    raft.step(makeMessage({ type: MessageType.Heartbeat, from: 2, to: 1, term: 1, commit: 2 }));
    assert.equal(raft.raftLog.committed, 3, 'never backwards');
  });

  const checkCases: { logTerm: number; index: number; response: number; reject: boolean; rejectHint: number; hintTerm: number }[] = [
    // Below the commit index: the follower answers with its commit index.
    { logTerm: 0, index: 0, response: 1, reject: false, rejectHint: 0, hintTerm: 0 },
    // Matches a committed entry.
    { logTerm: 1, index: 1, response: 1, reject: false, rejectHint: 0, hintTerm: 0 },
    // Matches an uncommitted entry.
    { logTerm: 2, index: 2, response: 2, reject: false, rejectHint: 0, hintTerm: 0 },
    // Mismatches an existing entry: hint at the last entry of a term <= the probe's.
    { logTerm: 1, index: 2, response: 2, reject: true, rejectHint: 1, hintTerm: 1 },
    // Beyond the follower's log: hint at its last entry.
    { logTerm: 3, index: 3, response: 3, reject: true, rejectHint: 2, hintTerm: 2 },
  ];
  for (const { logTerm, index, response, reject, rejectHint, hintTerm } of checkCases) {
    test(`§5.3 a follower ${reject ? 'refuses' : 'accepts'} an append after (index ${index}, term ${logTerm}) and says so`, () => {
      const storage = newTestStorage({ voters: [1, 2, 3], entries: entriesWithTerms(1, [1, 2]), hardState: { term: 0, vote: 0, commit: 1 } });
      const raft = newTestRaft(1, { storage });
      raft.becomeFollower(2, 2);
      raft.step(makeMessage({ type: MessageType.Append, from: 2, to: 1, term: 2, logTerm, index }));
      assert.deepEqual(
        readMessages(raft).map((message) => [message.type, message.to, message.term, message.index, message.reject, message.rejectHint, message.logTerm]),
        [[MessageType.AppendResponse, 2, 2, response, reject, rejectHint, hintTerm]],
      );
    });
  }

  const appendCases: { index: number; logTerm: number; entries: Entry[]; log: number[]; unstable: number[] }[] = [
    { index: 2, logTerm: 2, entries: entriesWithTerms(3, [3]), log: [1, 2, 3], unstable: [3] },
    { index: 1, logTerm: 1, entries: entriesWithTerms(2, [3, 4]), log: [1, 3, 4], unstable: [3, 4] },
    { index: 0, logTerm: 0, entries: entriesWithTerms(1, [1]), log: [1, 2], unstable: [] },
    { index: 0, logTerm: 0, entries: entriesWithTerms(1, [3]), log: [3], unstable: [3] },
  ];
  for (const { index, logTerm, entries, log, unstable } of appendCases) {
    test(`§5.3 a follower deletes conflicting entries and appends new ones (after ${index}, terms [${entries.map((item) => item.term).join(',')}])`, () => {
      const raft = newTestRaft(1, { storage: newTestStorage({ voters: [1, 2, 3], entries: entriesWithTerms(1, [1, 2]) }) });
      raft.becomeFollower(2, 2);
      raft.step(makeMessage({ type: MessageType.Append, from: 2, to: 1, term: 2, logTerm, index, entries }));
      assert.deepEqual(
        logTerms(raft).map(([, term]) => term),
        log,
      );
      // Only what changed is handed out for persistence.
      assert.deepEqual(
        raft.raftLog.unstableEntries().map((item) => item.term),
        unstable,
      );
    });
  }

  test('§5.3 after a rejection the leader backs up nextIndex (skipping by the hint) and retries', () => {
    const storage = newTestStorage({ voters: [1, 2], entries: entriesWithTerms(1, [1, 1, 1]), hardState: { term: 1, vote: 0, commit: 0 } });
    const raft = newTestRaft(1, { storage });
    raft.becomeCandidate();
    raft.becomeLeader();
    raft.bcastAppend();
    assert.deepEqual(
      readMessages(raft).map((message) => [message.type, message.index, message.logTerm]),
      [[MessageType.Append, 3, 1]],
      'the first probe follows the last entry of the old term',
    );
    // The follower has only index 1.
    raft.step(makeMessage({ type: MessageType.AppendResponse, from: 2, to: 1, term: 2, index: 3, reject: true, rejectHint: 1, logTerm: 1 }));
    assert.deepEqual(
      readMessages(raft).map((message) => [message.type, message.index, message.logTerm, message.entries.length]),
      [[MessageType.Append, 1, 1, 3]],
    );
  });

  test('§5.3 (§5.5) a duplicated append is harmless: the follower log is unchanged', () => {
    const raft = newTestRaft(1);
    raft.becomeFollower(1, 2);
    const append = makeMessage({ type: MessageType.Append, from: 2, to: 1, term: 1, entries: entriesWithTerms(1, [1, 1]), commit: 1 });
    raft.step(append);
    raft.step(makeMessage({ type: MessageType.Append, from: 2, to: 1, term: 1, index: 2, logTerm: 1, entries: entriesWithTerms(3, [1]), commit: 2 }));
    raft.step(append);
    assert.deepEqual(logTerms(raft), [
      [1, 1],
      [2, 1],
      [3, 1],
    ]);
    assert.equal(raft.raftLog.committed, 2);
  });

  // Figure 7: the leader's log, and logs a follower may have when the leader comes to power.
  const leaderLog = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
  const followerLogs: number[][] = [
    [1, 1, 1, 4, 4, 5, 5, 6, 6], // (a) missing an entry
    [1, 1, 1, 4], // (b) missing many
    [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6], // (c) an extra uncommitted entry
    [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7], // (d) extra entries of a later term
    [1, 1, 1, 4, 4, 4, 4], // (e) missing entries, extra of an old term
    [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3], // (f) a divergent history
  ];
  for (const [position, followerLog] of followerLogs.entries()) {
    test(`§5.3 Figure 7 (${'abcdef'[position]}): the leader brings a follower's log into agreement with its own`, () => {
      const term = 8;
      const leader = newTestRaft(1, {
        storage: newTestStorage({ voters: [1, 2, 3], entries: entriesWithTerms(1, leaderLog), hardState: { term, vote: 0, commit: leaderLog.length } }),
      });
      const follower = newTestRaft(2, {
        storage: newTestStorage({ voters: [1, 2, 3], entries: entriesWithTerms(1, followerLog), hardState: { term: term - 1, vote: 0, commit: 0 } }),
      });
      // Node 3 exists only to grant the vote the follower may refuse (its log may be longer).
      const network = new RaftNetwork([leader, follower]);
      network.hup(1);
      network.send(makeMessage({ type: MessageType.RequestVoteResponse, from: 3, to: 1, term: term + 1 }));
      mustRole(leader, Role.Leader, term + 1);
      network.propose(1, 'x');
      assert.deepEqual(logTerms(follower), logTerms(leader));
      assert.equal(follower.raftLog.committed, leader.raftLog.committed);
    });
  }

  test('§5.3 the leader retries an append that was lost until the follower has it', () => {
    const network = new RaftNetwork([newTestRaft(1, { voters: [1, 2] }), newTestRaft(2, { voters: [1, 2] })]);
    network.hup(1);
    const leader = network.peer(1);
    let lost = 0;
    network.dropIf = (message) => {
      const carriesLost = message.type === MessageType.Append && message.entries.some((item) => new TextDecoder().decode(item.data) === 'lost');
      if (!carriesLost || lost === 3) return false;
      lost++;
      return true;
    };
    network.propose(1, 'lost');
    assert.equal(network.peer(2).raftLog.lastIndex(), 1, 'the first append was lost');
    assert.equal(leader.raftLog.committed, 1);
    // Heartbeats reveal the gap; the leader sends again (lost twice more) until it lands.
    for (let tick = 0; tick < 5; tick++) {
      leader.tick();
      network.flush();
    }
    assert.equal(lost, 3);
    assert.deepEqual(logTerms(network.peer(2)), logTerms(leader));
    assert.equal(leader.raftLog.committed, 2);
    assert.equal(network.peer(2).raftLog.committed, 2);
  });
});

describe('§5.4 safety', () => {
  const voteRequestCases: { entries: Entry[]; term: number }[] = [
    { entries: entriesWithTerms(1, [1]), term: 2 },
    { entries: entriesWithTerms(1, [1, 2]), term: 3 },
  ];
  for (const { entries, term } of voteRequestCases) {
    test(`§5.4.1 a vote request carries the candidate's last log index and term (log terms [${entries.map((item) => item.term).join(',')}])`, () => {
      const raft = newTestRaft(1);
      raft.step(makeMessage({ type: MessageType.Append, from: 2, to: 1, term: term - 1, entries }));
      readMessages(raft);
      for (let tick = 0; tick < 2 * 10; tick++) raft.tick();
      const last = entries[entries.length - 1]!;
      assert.deepEqual(
        sortMessages(readMessages(raft)).map((message) => [message.type, message.to, message.term, message.index, message.logTerm]),
        [
          [MessageType.RequestVote, 2, term, last.index, last.term],
          [MessageType.RequestVote, 3, term, last.index, last.term],
        ],
      );
    });
  }

  const voterCases: { log: number[]; logTerm: number; index: number; reject: boolean }[] = [
    // Same last term: the longer log wins.
    { log: [1], logTerm: 1, index: 1, reject: false },
    { log: [1], logTerm: 1, index: 2, reject: false },
    { log: [1, 1], logTerm: 1, index: 1, reject: true },
    // The candidate's last term is higher.
    { log: [1], logTerm: 2, index: 1, reject: false },
    { log: [1], logTerm: 2, index: 2, reject: false },
    { log: [1, 1], logTerm: 2, index: 1, reject: false },
    // The voter's last term is higher.
    { log: [2], logTerm: 1, index: 1, reject: true },
    { log: [2], logTerm: 1, index: 2, reject: true },
    { log: [2, 2], logTerm: 1, index: 1, reject: true },
    { log: [1, 1], logTerm: 1, index: 1, reject: true },
  ];
  for (const { log, logTerm, index, reject } of voterCases) {
    test(`§5.4.1 a voter with log terms [${log.join(',')}] ${reject ? 'refuses' : 'grants'} a candidate whose last entry is (index ${index}, term ${logTerm})`, () => {
      const raft = newTestRaft(1, { storage: newTestStorage({ voters: [1, 2], entries: entriesWithTerms(1, log) }) });
      raft.step(makeMessage({ type: MessageType.RequestVote, from: 2, to: 1, term: 3, logTerm, index }));
      assert.deepEqual(
        readMessages(raft).map((message) => [message.type, message.reject]),
        [[MessageType.RequestVoteResponse, reject]],
      );
    });
  }

  test('§5.4.1 a node that misses committed entries cannot be elected; an up-to-date one can', () => {
    const network = new RaftNetwork([1, 2, 3].map((id) => newTestRaft(id)));
    network.hup(1);
    network.isolate(3);
    network.propose(1, 'committed while 3 was away');
    const committed = network.peer(1).raftLog.committed;
    assert.equal(network.peer(2).raftLog.committed, committed);
    network.recover();
    network.isolate(1);

    network.hup(3);
    assert.notEqual(network.peer(3).role, Role.Leader, '2 refuses: its log is more up to date');
    network.hup(2);
    mustRole(network.peer(2), Role.Leader);
    assert.equal(
      network.peer(2).raftLog.allEntries().some((item) => new TextDecoder().decode(item.data) === 'committed while 3 was away'),
      true,
    );
  });

  const currentTermCases: { acknowledged: number; committed: number }[] = [
    // Entries of earlier terms are not committed by counting replicas...
    { acknowledged: 1, committed: 0 },
    { acknowledged: 2, committed: 0 },
    // ...an entry of the current term is, and everything before it with it.
    { acknowledged: 3, committed: 3 },
  ];
  for (const { acknowledged, committed } of currentTermCases) {
    test(`§5.4.2 a leader only commits by counting replicas of current-term entries (follower has up to ${acknowledged})`, () => {
      const storage = newTestStorage({ voters: [1, 2], entries: entriesWithTerms(1, [1, 2]), hardState: { term: 2, vote: 0, commit: 0 } });
      const raft = newTestRaft(1, { storage });
      raft.becomeCandidate();
      raft.becomeLeader();
      readMessages(raft);
      propose(raft, 'current');
      raft.step(makeMessage({ type: MessageType.AppendResponse, from: 2, to: 1, term: raft.term, index: acknowledged }));
      assert.equal(raft.raftLog.committed, committed);
    });
  }

  /**
   * Figure 8. Five servers: S1 leads term 2 and wrote index 2 to S2 only; S5 led term 3
   * and wrote its own index 2 nowhere else. S1 wins term 4 and copies its term-2 entry to
   * S3, so it sits on a majority, but S1 fails before its term-4 entry reaches a majority.
   * The term-2 entry must not count as committed: S5 can still win term 5 and overwrite it.
   */
  function figure8(): RaftNetwork {
    const storage = (terms: number[], term: number, vote: number) =>
      newTestStorage({ voters: [1, 2, 3, 4, 5], entries: entriesWithTerms(1, terms), hardState: { term, vote, commit: 1 } });
    // One entry per message, so the old-term entry can arrive without the new-term one.
    const config = { maxSizePerMessageBytes: 1 };
    return new RaftNetwork([
      newTestRaft(1, { ...config, storage: storage([1, 2], 3, 0) }),
      newTestRaft(2, { ...config, storage: storage([1, 2], 3, 0) }),
      newTestRaft(3, { ...config, storage: storage([1], 3, 0) }),
      newTestRaft(4, { ...config, storage: storage([1], 3, 0) }),
      newTestRaft(5, { ...config, storage: storage([1, 3], 3, 5) }),
    ]);
  }

  test('§5.4.2 Figure 8: an old-term entry stored on a majority is not committed, and may be overwritten', () => {
    const network = figure8();
    const s1 = network.peer(1);
    // S1 (term 4) reaches S2 fully, S3 with the term-2 entry only, S4 and S5 not at all.
    // (S3 is let through while it lacks index 2, so it rejects the first probe and is sent index 2 alone.)
    network.dropIf = (message) =>
      message.type === MessageType.Append &&
      (message.to === 4 ||
        message.to === 5 ||
        (message.to === 3 && network.peer(3).raftLog.lastIndex() >= 2 && message.entries.some((item) => item.term === 4)));
    network.hup(1);
    mustRole(s1, Role.Leader, 4);
    for (const id of [1, 2, 3]) assert.deepEqual(logTerms(network.peer(id)).slice(0, 2), [[1, 1], [2, 2]], `S${id} holds the term-2 entry`);
    assert.equal(s1.tracker.committed(), 2, 'a majority matches index 2');
    assert.equal(s1.raftLog.committed, 1, 'yet the leader must not commit it by counting replicas');
    for (const id of [2, 3, 4, 5]) assert.equal(network.peer(id).raftLog.committed, 1);

    // S1 crashes; S5 (last term 3) wins term 5 with S3 and S4 and overwrites index 2.
    network.recover();
    network.isolate(1);
    network.hup(5);
    mustRole(network.peer(5), Role.Leader, 5);
    for (const id of [2, 3, 4, 5]) {
      assert.deepEqual(logTerms(network.peer(id)).slice(0, 2), [[1, 1], [2, 3]], `S${id} now holds S5's entry at index 2`);
      assert.equal(network.peer(id).raftLog.committed, 3);
    }
  });

  test('§5.4.2 Figure 8 (e): once the leader commits a current-term entry, the old-term entry is committed and safe', () => {
    const network = figure8();
    network.cut(1, 5);
    network.hup(1);
    mustRole(network.peer(1), Role.Leader, 4);
    assert.equal(network.peer(1).raftLog.committed, 3, 'the no-op of term 4 commits index 2 with it');
    network.recover();
    network.isolate(1);
    network.hup(5);
    network.hup(5);
    assert.notEqual(network.peer(5).role, Role.Leader, 'S5 cannot win: a majority holds a more up-to-date log');
    for (const id of [2, 3, 4]) assert.deepEqual(logTerms(network.peer(id)).slice(0, 3), [[1, 1], [2, 2], [3, 4]]);
  });

  test('§5.4.2 (§8) a new leader appends an empty entry of its term', () => {
    const storage = newTestStorage({ voters: [1, 2, 3], entries: entriesWithTerms(1, [1, 1]), hardState: { term: 1, vote: 0, commit: 0 } });
    const raft = newTestRaft(1, { storage });
    raft.becomeCandidate();
    raft.becomeLeader();
    mustEntriesEqual(raft.raftLog.unstableEntries(), [entry(3, 2)]);
  });
});

describe('Figure 2: persistent state', () => {
  test('a granted vote is in the same Ready as its response, for persisting before sending', () => {
    const network = new TestNetwork([1, 2, 3]);
    const node = network.node(1);
    node.step(makeMessage({ type: MessageType.RequestVote, from: 2, to: 1, term: 5 }));
    const ready = node.ready();
    assert.deepEqual(ready.hardState, { term: 5, vote: 2, commit: 0 });
    assert.equal(ready.mustSync, true);
    assert.deepEqual(
      ready.messages.map((message) => [message.type, message.to, message.reject]),
      [[MessageType.RequestVoteResponse, 2, false]],
    );
    node.advance(ready);
  });

  test('an accepted append is in the same Ready as its response, for persisting before sending', () => {
    const network = new TestNetwork([1, 2, 3]);
    const node = network.node(1);
    node.step(makeMessage({ type: MessageType.Append, from: 2, to: 1, term: 1, entries: [entry(1, 1, 'x')] }));
    const ready = node.ready();
    mustEntriesEqual(ready.entries, [entry(1, 1, 'x')]);
    assert.equal(ready.mustSync, true);
    assert.deepEqual(
      ready.messages.map((message) => [message.type, message.index, message.reject]),
      [[MessageType.AppendResponse, 1, false]],
    );
    node.advance(ready);
  });
});
