/** UnstableLog: entries and a snapshot not yet persisted (cases follow etcd-raft's log_unstable_test.go). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AssertionError } from '../../common/assert.js';
import { UnstableLog } from './log-unstable.js';
import { entriesWithTerms } from './test-raft.js';
import type { Entry, Snapshot } from './types.js';

function snapshotAt(index: number, term: number): Snapshot {
  return { data: new Uint8Array(0), metadata: { index, term, confState: { voters: [1], learners: [] } } };
}

function unstable(offset: number, entries: readonly Entry[] = [], snapshot?: Snapshot): UnstableLog {
  const log = new UnstableLog(offset);
  log.entries = [...entries];
  log.snapshot = snapshot;
  return log;
}

function pairs(log: UnstableLog): [number, number][] {
  return log.entries.map((item) => [item.index, item.term]);
}

describe('UnstableLog', () => {
  test('maybeFirstIndex is known only through a pending snapshot', () => {
    assert.equal(unstable(5, entriesWithTerms(5, [1])).maybeFirstIndex(), undefined);
    assert.equal(unstable(0).maybeFirstIndex(), undefined);
    assert.equal(unstable(5, entriesWithTerms(5, [1]), snapshotAt(4, 1)).maybeFirstIndex(), 5);
    assert.equal(unstable(5, [], snapshotAt(4, 1)).maybeFirstIndex(), 5);
  });

  test('maybeLastIndex comes from the entries, else the snapshot, else is unknown', () => {
    assert.equal(unstable(5, entriesWithTerms(5, [1])).maybeLastIndex(), 5);
    assert.equal(unstable(5, entriesWithTerms(5, [1, 1]), snapshotAt(4, 1)).maybeLastIndex(), 6);
    assert.equal(unstable(5, [], snapshotAt(4, 1)).maybeLastIndex(), 4);
    assert.equal(unstable(0).maybeLastIndex(), undefined);
  });

  const termCases: { log: () => UnstableLog; index: number; term: number | undefined }[] = [
    { log: () => unstable(5, entriesWithTerms(5, [1])), index: 5, term: 1 },
    { log: () => unstable(5, entriesWithTerms(5, [1])), index: 6, term: undefined },
    { log: () => unstable(5, entriesWithTerms(5, [1])), index: 4, term: undefined },
    { log: () => unstable(5, entriesWithTerms(5, [1]), snapshotAt(4, 1)), index: 5, term: 1 },
    { log: () => unstable(5, entriesWithTerms(5, [1]), snapshotAt(4, 1)), index: 4, term: 1 },
    { log: () => unstable(5, entriesWithTerms(5, [1]), snapshotAt(4, 1)), index: 3, term: undefined },
    { log: () => unstable(5, entriesWithTerms(5, [1]), snapshotAt(4, 1)), index: 6, term: undefined },
    { log: () => unstable(5, [], snapshotAt(4, 1)), index: 4, term: 1 },
    { log: () => unstable(5, [], snapshotAt(4, 1)), index: 5, term: undefined },
    { log: () => unstable(0), index: 5, term: undefined },
  ];
  for (const [position, { log, index, term }] of termCases.entries()) {
    test(`maybeTerm case ${position}: index ${index} has term ${term}`, () => {
      assert.equal(log().maybeTerm(index), term);
    });
  }

  test('restore replaces everything with the snapshot', () => {
    const log = unstable(5, entriesWithTerms(5, [1]), snapshotAt(4, 1));
    log.restore(snapshotAt(6, 2));
    assert.equal(log.offset, 7);
    assert.deepEqual(log.entries, []);
    assert.equal(log.snapshot?.metadata.index, 6);
  });

  const stableCases: { log: () => UnstableLog; index: number; term: number; offset: number; remaining: number }[] = [
    { log: () => unstable(0), index: 5, term: 1, offset: 0, remaining: 0 },
    // Stable to the first entry.
    { log: () => unstable(5, entriesWithTerms(5, [1])), index: 5, term: 1, offset: 6, remaining: 0 },
    { log: () => unstable(5, entriesWithTerms(5, [1, 1])), index: 5, term: 1, offset: 6, remaining: 1 },
    // A term mismatch: the entry was replaced after it was handed out.
    { log: () => unstable(6, entriesWithTerms(6, [2])), index: 6, term: 1, offset: 6, remaining: 1 },
    // Below the offset or beyond the end: stale, ignored.
    { log: () => unstable(5, entriesWithTerms(5, [1])), index: 4, term: 1, offset: 5, remaining: 1 },
    { log: () => unstable(5, entriesWithTerms(5, [1])), index: 4, term: 2, offset: 5, remaining: 1 },
    { log: () => unstable(5, entriesWithTerms(5, [1])), index: 6, term: 1, offset: 5, remaining: 1 },
    // With a snapshot pending.
    { log: () => unstable(5, entriesWithTerms(5, [1]), snapshotAt(4, 1)), index: 5, term: 1, offset: 6, remaining: 0 },
    { log: () => unstable(5, entriesWithTerms(5, [1, 1]), snapshotAt(4, 1)), index: 5, term: 1, offset: 6, remaining: 1 },
    { log: () => unstable(6, entriesWithTerms(6, [2]), snapshotAt(5, 1)), index: 6, term: 1, offset: 6, remaining: 1 },
    { log: () => unstable(5, entriesWithTerms(5, [1]), snapshotAt(4, 1)), index: 4, term: 1, offset: 5, remaining: 1 },
    { log: () => unstable(5, entriesWithTerms(5, [2]), snapshotAt(4, 2)), index: 4, term: 1, offset: 5, remaining: 1 },
  ];
  for (const [position, { log, index, term, offset, remaining }] of stableCases.entries()) {
    test(`stableTo case ${position}: (${index}, term ${term}) leaves offset ${offset} and ${remaining} entries`, () => {
      const subject = log();
      const snapshotBefore = subject.snapshot;
      subject.stableTo(index, term);
      assert.equal(subject.offset, offset);
      assert.equal(subject.entries.length, remaining);
      if (remaining > 0) assert.equal(subject.entries[0]!.index, offset);
      assert.equal(subject.snapshot, snapshotBefore, 'stableTo never touches the snapshot');
    });
  }

  test('stableSnapshotTo forgets the snapshot once that snapshot is persisted', () => {
    const log = unstable(5, [], snapshotAt(4, 1));
    log.stableSnapshotTo(3);
    assert.notEqual(log.snapshot, undefined);
    log.stableSnapshotTo(4);
    assert.equal(log.snapshot, undefined);
  });

  const truncateCases: { offset: number; entries: Entry[]; append: Entry[]; wantOffset: number; want: [number, number][] }[] = [
    // A plain append.
    { offset: 5, entries: entriesWithTerms(5, [1]), append: entriesWithTerms(6, [1, 1]), wantOffset: 5, want: [[5, 1], [6, 1], [7, 1]] },
    // Replaces the whole unstable tail.
    { offset: 5, entries: entriesWithTerms(5, [1]), append: entriesWithTerms(5, [2, 2]), wantOffset: 5, want: [[5, 2], [6, 2]] },
    { offset: 5, entries: entriesWithTerms(5, [1]), append: entriesWithTerms(4, [2, 2, 2]), wantOffset: 4, want: [[4, 2], [5, 2], [6, 2]] },
    // Truncates inside the unstable tail, then appends.
    { offset: 5, entries: entriesWithTerms(5, [1, 1, 1]), append: entriesWithTerms(6, [2]), wantOffset: 5, want: [[5, 1], [6, 2]] },
    { offset: 5, entries: entriesWithTerms(5, [1, 1, 1]), append: entriesWithTerms(7, [2, 2]), wantOffset: 5, want: [[5, 1], [6, 1], [7, 2], [8, 2]] },
  ];
  for (const { offset, entries, append, wantOffset, want } of truncateCases) {
    test(`truncateAndAppend ${JSON.stringify(append.map((item) => [item.index, item.term]))} onto ${JSON.stringify(entries.map((item) => [item.index, item.term]))}`, () => {
      const log = unstable(offset, entries);
      log.truncateAndAppend(append);
      assert.equal(log.offset, wantOffset);
      assert.deepEqual(pairs(log), want);
    });
  }

  test('slice returns entries in [low, high) and refuses ranges outside the unstable tail', () => {
    const log = unstable(5, entriesWithTerms(5, [1, 2, 3]));
    assert.deepEqual(
      log.slice(5, 8).map((item) => item.index),
      [5, 6, 7],
    );
    assert.deepEqual(
      log.slice(6, 7).map((item) => item.term),
      [2],
    );
    assert.deepEqual(log.slice(6, 6), []);
    assert.throws(() => log.slice(4, 6), AssertionError);
    assert.throws(() => log.slice(6, 9), AssertionError);
    assert.throws(() => log.slice(7, 6), AssertionError);
  });
});
