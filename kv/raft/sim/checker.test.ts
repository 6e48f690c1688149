import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Entry, EntryType, Role } from '../types.js';
import { InvariantChecker, InvariantRule, InvariantViolation, type LogView } from './checker.js';

const text = (value: string) => new TextEncoder().encode(value);

function entry(index: number, term: number, data: string): Entry {
  return { type: EntryType.Normal, index, term, data: text(data) };
}

/** A stable log starting right after the bootstrap snapshot at index 0. */
function logOf(entries: readonly Entry[], snapshotIndex = 0, snapshotTerm = 0): LogView {
  return {
    snapshotIndex,
    snapshotTerm,
    lastIndex: snapshotIndex + entries.length,
    term: (index) => (index === snapshotIndex ? snapshotTerm : entries[index - snapshotIndex - 1]!.term),
    entries: () => entries,
  };
}

function mustViolate(rule: InvariantRule, action: () => void, pattern?: RegExp): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof InvariantViolation, `expected an InvariantViolation, got ${String(error)}`);
    assert.equal(error.rule, rule);
    if (pattern !== undefined) assert.match(error.message, pattern);
    return true;
  });
}

describe('InvariantChecker catches fabricated violations', () => {
  test('two leaders in one term (election safety)', () => {
    const checker = new InvariantChecker();
    checker.observeRole(1, 5, Role.Leader, 1);
    checker.observeRole(2, 5, Role.Follower, 1);
    checker.observeRole(3, 6, Role.Leader, 3);
    mustViolate(InvariantRule.ElectionSafety, () => checker.observeRole(2, 5, Role.Leader, 2), /term 5 has two leaders: 1 .* and 2/);
  });

  test('a follower naming a different leader for a term already claimed', () => {
    const checker = new InvariantChecker();
    checker.observeRole(1, 3, Role.Leader, 1);
    mustViolate(InvariantRule.ElectionSafety, () => checker.observeRole(3, 3, Role.Follower, 2));
  });

  test('two different entries applied at one index (state machine safety)', () => {
    const checker = new InvariantChecker();
    checker.observeApply(1, entry(1, 1, 'a'));
    checker.observeApply(2, entry(1, 1, 'a'));
    checker.observeApply(1, entry(2, 1, 'b'));
    mustViolate(InvariantRule.StateMachineSafety, () => checker.observeApply(2, entry(2, 2, 'c')), /index 2 is committed as term 1/);
  });

  test('same index and term but different content applied', () => {
    const checker = new InvariantChecker();
    checker.observeApply(1, entry(1, 1, 'a'));
    mustViolate(InvariantRule.StateMachineSafety, () => checker.observeApply(2, entry(1, 1, 'b')));
  });

  test('an apply that skips or repeats an index', () => {
    const checker = new InvariantChecker();
    checker.observeApply(1, entry(1, 1, 'a'));
    mustViolate(InvariantRule.StateMachineSafety, () => checker.observeApply(1, entry(3, 1, 'c')), /applied index 3 right after index 1/);
    mustViolate(InvariantRule.StateMachineSafety, () => checker.observeApply(1, entry(1, 1, 'a')));
  });

  test('a stale read: the read index is below what was committed when the read was requested', () => {
    const checker = new InvariantChecker();
    checker.observeApply(1, entry(1, 1, 'a'));
    checker.observeApply(1, entry(2, 1, 'b'));
    checker.observeReadRequest('r1');
    checker.observeApply(1, entry(3, 1, 'c'));
    // Index 2 was committed at request time: a read point of 2 or more is fine, 1 is stale.
    checker.observeReadState(2, 'r1', 2);
    checker.observeReadState(2, 'r1', 3);
    mustViolate(InvariantRule.LinearizableRead, () => checker.observeReadState(2, 'r1', 1), /stale read/);
    mustViolate(InvariantRule.LinearizableRead, () => checker.observeReadState(2, 'r9', 5), /nobody requested/);
  });

  test('log matching: same index and term with different content or different history', () => {
    const checker = new InvariantChecker();
    checker.observeAppend(1, [entry(1, 1, 'a'), entry(2, 2, 'b')], 0, 0);
    checker.observeAppend(2, [entry(1, 1, 'a'), entry(2, 2, 'b')], 0, 0);
    mustViolate(InvariantRule.LogMatching, () => checker.observeAppend(3, [entry(2, 2, 'x')], 1, 0), /index 2 term 2 holds/);
    mustViolate(InvariantRule.LogMatching, () => checker.observeAppend(3, [entry(2, 2, 'b')], 2, 0), /follows an entry of term 1 on node 1 but of term 2/);
    mustViolate(InvariantRule.LogMatching, () => checker.observeAppend(3, [entry(5, 1, 'y')], 3, 0), /must not decrease/);
  });

  test('the pairwise log-matching check finds logs that agree at an index but differ before it', () => {
    const checker = new InvariantChecker();
    const left = logOf([entry(1, 1, 'a'), entry(2, 1, 'b'), entry(3, 2, 'c')]);
    const right = logOf([entry(1, 1, 'a'), entry(2, 1, 'B'), entry(3, 2, 'c')]);
    const divergent = logOf([entry(1, 1, 'a'), entry(2, 3, 'z')]);
    checker.checkLogMatching([
      { nodeId: 1, log: left },
      { nodeId: 3, log: divergent },
    ]);
    mustViolate(InvariantRule.LogMatching, () =>
      checker.checkLogMatching([
        { nodeId: 1, log: left },
        { nodeId: 2, log: right },
      ]),
    );
  });

  test('leader completeness: a new leader missing a committed entry', () => {
    const checker = new InvariantChecker();
    checker.observeApply(1, entry(1, 1, 'a'));
    checker.observeApply(1, entry(2, 1, 'b'));
    checker.observeLeader(2, 2, logOf([entry(1, 1, 'a'), entry(2, 1, 'b'), entry(3, 2, '')]), 2);
    mustViolate(InvariantRule.LeaderCompleteness, () => checker.observeLeader(3, 3, logOf([entry(1, 1, 'a'), entry(2, 2, 'x')]), 2), /term 2 at index 2/);
    mustViolate(InvariantRule.LeaderCompleteness, () => checker.observeLeader(3, 3, logOf([entry(1, 1, 'a')]), 2), /last index 1/);
    // An entry committed after the election (above the watermark) need not be there.
    checker.observeLeader(3, 4, logOf([entry(1, 1, 'a')]), 1);
  });

  test('hard state: a changed vote, a term going back, a commit going back', () => {
    const checker = new InvariantChecker();
    checker.observeHardState(1, { term: 2, vote: 3, commit: 4 });
    mustViolate(InvariantRule.HardState, () => checker.observeHardState(1, { term: 2, vote: 2, commit: 4 }), /changed its vote in term 2/);
    mustViolate(InvariantRule.HardState, () => checker.observeHardState(1, { term: 1, vote: 0, commit: 4 }));
    mustViolate(InvariantRule.HardState, () => checker.observeHardState(1, { term: 2, vote: 3, commit: 3 }));
    checker.observeHardState(1, { term: 3, vote: 0, commit: 5 });
  });

  test('persist before send: a vote or an acknowledgement the node has not persisted', () => {
    const checker = new InvariantChecker();
    checker.observeHardState(1, { term: 4, vote: 2, commit: 0 });
    checker.observeVoteGranted(1, 2, 4);
    checker.observeVoteGranted(1, 3, 3);
    mustViolate(InvariantRule.PersistBeforeSend, () => checker.observeVoteGranted(1, 3, 4));
    mustViolate(InvariantRule.PersistBeforeSend, () => checker.observeVoteGranted(1, 2, 5));
    checker.observeAppendAcknowledged(1, 7, 7);
    mustViolate(InvariantRule.PersistBeforeSend, () => checker.observeAppendAcknowledged(1, 8, 7));
  });

  test('durability: a node truncating an entry it had committed', () => {
    const checker = new InvariantChecker();
    checker.observeAppend(1, [entry(1, 1, 'a'), entry(2, 1, 'b')], 0, 0);
    checker.observeCommitted(1, 2, 1, entry(2, 1, 'b'), 'persisted commit');
    mustViolate(InvariantRule.Durability, () => checker.observeAppend(1, [entry(2, 2, 'x')], 1, 2), /overwrote committed index 2/);
    // Below the node's own commit index nothing may change; above it a follower may be overwritten.
    checker.observeAppend(2, [entry(2, 2, 'x')], 1, 1);
  });

  test('snapshot restore: rolling back, or a state that does not match its label', () => {
    const checker = new InvariantChecker();
    checker.observeApply(1, entry(1, 1, 'a'));
    checker.observeApply(1, entry(2, 1, 'b'));
    checker.observeRestore(2, 2, 1, [entry(1, 1, 'a'), entry(2, 1, 'b')]);
    mustViolate(InvariantRule.StateMachineSafety, () => checker.observeRestore(2, 2, 1, [entry(1, 1, 'a'), entry(2, 1, 'b')]), /rolling back/);
    mustViolate(InvariantRule.StateMachineSafety, () => checker.observeRestore(3, 2, 1, [entry(1, 1, 'a'), entry(2, 1, 'X')]));
    mustViolate(InvariantRule.StateMachineSafety, () => checker.observeRestore(4, 3, 1, [entry(1, 1, 'a'), entry(2, 1, 'b')]), /ends at index 2/);
  });

  test('a consistent history passes every check', () => {
    const checker = new InvariantChecker();
    const log = [entry(1, 1, 'a'), entry(2, 1, 'b'), entry(3, 2, '')];
    for (const node of [1, 2, 3]) {
      checker.observeHardState(node, { term: 2, vote: 1, commit: 0 });
      checker.observeAppend(node, log, 0, 0);
    }
    checker.observeRole(1, 2, Role.Leader, 1);
    checker.observeLeader(1, 2, logOf(log), 0);
    checker.observeReadRequest('r1');
    for (const node of [1, 2, 3]) for (const item of log) checker.observeApply(node, item);
    checker.observeReadState(1, 'r1', 3);
    checker.checkLogMatching([1, 2, 3].map((nodeId) => ({ nodeId, log: logOf(log) })));
    assert.equal(checker.maxCommittedIndex, 3);
    assert.equal(checker.maxAppliedIndex, 3);
  });
});
