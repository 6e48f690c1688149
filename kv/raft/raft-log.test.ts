/** RaftLog: the persisted log plus its unstable tail (cases follow etcd-raft's log_test.go). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AssertionError } from '../../common/assert.js';
import { CompactedError } from './errors.js';
import { RaftLog } from './raft-log.js';
import { MemoryStorage } from './storage.js';
import { entriesWithTerms, entry } from './test-raft.js';
import type { Entry } from './types.js';
import { entrySizeBytes } from './util.js';

const noLimit = Number.MAX_SAFE_INTEGER;
const confState = { voters: [1], learners: [] };

/** A log whose storage holds `stored` after a snapshot at (snapshotIndex, snapshotTerm). */
function newLog(stored: readonly Entry[] = [], snapshotIndex = 0, snapshotTerm = 0, maxNextCommittedSizeBytes = noLimit): RaftLog {
  const storage = new MemoryStorage(snapshotIndex === 0 ? { confState } : { snapshot: { data: new Uint8Array(0), metadata: { index: snapshotIndex, term: snapshotTerm, confState } } });
  storage.append(stored);
  return new RaftLog(storage, maxNextCommittedSizeBytes);
}

function terms(log: RaftLog): number[] {
  return log.allEntries().map((item) => item.term);
}

function indexes(entries: readonly Entry[]): number[] {
  return entries.map((item) => item.index);
}

describe('RaftLog', () => {
  test('a new log over compacted storage starts committed and applied at the snapshot', () => {
    const log = newLog(entriesWithTerms(101, [5, 5]), 100, 5);
    assert.equal(log.firstIndex(), 101);
    assert.equal(log.lastIndex(), 102);
    assert.equal(log.committed, 100);
    assert.equal(log.applied, 100);
    assert.equal(log.unstable.offset, 103);
  });

  const conflictCases: { entries: Entry[]; conflict: number }[] = [
    { entries: [], conflict: 0 },
    // Everything already present.
    { entries: entriesWithTerms(1, [1, 2, 3]), conflict: 0 },
    { entries: entriesWithTerms(2, [2, 3]), conflict: 0 },
    { entries: entriesWithTerms(3, [3]), conflict: 0 },
    // New entries past the end.
    { entries: entriesWithTerms(1, [1, 2, 3, 4, 4]), conflict: 4 },
    { entries: entriesWithTerms(2, [2, 3, 4, 4]), conflict: 4 },
    { entries: entriesWithTerms(3, [3, 4, 4]), conflict: 4 },
    { entries: entriesWithTerms(4, [4, 4]), conflict: 4 },
    // Entries that disagree with the log.
    { entries: entriesWithTerms(1, [4, 4]), conflict: 1 },
    { entries: entriesWithTerms(2, [1, 4, 4]), conflict: 2 },
    { entries: entriesWithTerms(3, [1, 2, 4, 4]), conflict: 3 },
  ];
  for (const { entries, conflict } of conflictCases) {
    test(`findConflict of ${JSON.stringify(entries.map((item) => [item.index, item.term]))} is ${conflict}`, () => {
      const log = newLog(entriesWithTerms(1, [1, 2, 3]));
      assert.equal(log.findConflict(entries), conflict);
    });
  }

  const byTermCases: { snapshot: [number, number]; entries: Entry[]; index: number; term: number; want: [number, number] }[] = [
    // A log from index 1 with terms 2, 2, 5, 5, 5.
    { snapshot: [0, 0], entries: entriesWithTerms(1, [2, 2, 5, 5, 5]), index: 100, term: 2, want: [100, 0] },
    { snapshot: [0, 0], entries: entriesWithTerms(1, [2, 2, 5, 5, 5]), index: 5, term: 6, want: [5, 5] },
    { snapshot: [0, 0], entries: entriesWithTerms(1, [2, 2, 5, 5, 5]), index: 5, term: 5, want: [5, 5] },
    { snapshot: [0, 0], entries: entriesWithTerms(1, [2, 2, 5, 5, 5]), index: 5, term: 4, want: [2, 2] },
    { snapshot: [0, 0], entries: entriesWithTerms(1, [2, 2, 5, 5, 5]), index: 5, term: 2, want: [2, 2] },
    { snapshot: [0, 0], entries: entriesWithTerms(1, [2, 2, 5, 5, 5]), index: 5, term: 1, want: [0, 0] },
    { snapshot: [0, 0], entries: entriesWithTerms(1, [2, 2, 5, 5, 5]), index: 1, term: 2, want: [1, 2] },
    { snapshot: [0, 0], entries: entriesWithTerms(1, [2, 2, 5, 5, 5]), index: 1, term: 1, want: [0, 0] },
    { snapshot: [0, 0], entries: entriesWithTerms(1, [2, 2, 5, 5, 5]), index: 0, term: 0, want: [0, 0] },
    // A log compacted up to (10, term 3), then terms 3, 3, 4, 4, 4.
    { snapshot: [10, 3], entries: entriesWithTerms(11, [3, 3, 4, 4, 4]), index: 30, term: 3, want: [30, 0] },
    { snapshot: [10, 3], entries: entriesWithTerms(11, [3, 3, 4, 4, 4]), index: 14, term: 9, want: [14, 4] },
    { snapshot: [10, 3], entries: entriesWithTerms(11, [3, 3, 4, 4, 4]), index: 14, term: 4, want: [14, 4] },
    { snapshot: [10, 3], entries: entriesWithTerms(11, [3, 3, 4, 4, 4]), index: 14, term: 3, want: [12, 3] },
    { snapshot: [10, 3], entries: entriesWithTerms(11, [3, 3, 4, 4, 4]), index: 14, term: 2, want: [9, 0] },
    { snapshot: [10, 3], entries: entriesWithTerms(11, [3, 3, 4, 4, 4]), index: 11, term: 5, want: [11, 3] },
    { snapshot: [10, 3], entries: entriesWithTerms(11, [3, 3, 4, 4, 4]), index: 10, term: 5, want: [10, 3] },
    { snapshot: [10, 3], entries: entriesWithTerms(11, [3, 3, 4, 4, 4]), index: 10, term: 3, want: [10, 3] },
    { snapshot: [10, 3], entries: entriesWithTerms(11, [3, 3, 4, 4, 4]), index: 10, term: 2, want: [9, 0] },
    // Compacted indexes have unknown terms: a possible match.
    { snapshot: [10, 3], entries: entriesWithTerms(11, [3, 3, 4, 4, 4]), index: 9, term: 2, want: [9, 0] },
    { snapshot: [10, 3], entries: entriesWithTerms(11, [3, 3, 4, 4, 4]), index: 4, term: 2, want: [4, 0] },
    { snapshot: [10, 3], entries: entriesWithTerms(11, [3, 3, 4, 4, 4]), index: 0, term: 0, want: [0, 0] },
  ];
  for (const { snapshot, entries, index, term, want } of byTermCases) {
    test(`findConflictByTerm(${index}, ${term}) over snapshot ${snapshot.join('/')} and terms [${entries.map((item) => item.term).join(',')}] is ${want.join('/')}`, () => {
      const log = newLog(entries, snapshot[0], snapshot[1]);
      assert.deepEqual(log.findConflictByTerm(index, term), want);
    });
  }

  const upToDateCases: { lastIndex: number; lastTerm: number; upToDate: boolean }[] = [
    // A higher last term wins whatever the length.
    { lastIndex: 2, lastTerm: 4, upToDate: true },
    { lastIndex: 3, lastTerm: 4, upToDate: true },
    { lastIndex: 4, lastTerm: 4, upToDate: true },
    // A lower last term loses whatever the length.
    { lastIndex: 2, lastTerm: 2, upToDate: false },
    { lastIndex: 3, lastTerm: 2, upToDate: false },
    { lastIndex: 4, lastTerm: 2, upToDate: false },
    // The same last term: the longer log wins, ties are up to date.
    { lastIndex: 2, lastTerm: 3, upToDate: false },
    { lastIndex: 3, lastTerm: 3, upToDate: true },
    { lastIndex: 4, lastTerm: 3, upToDate: true },
  ];
  for (const { lastIndex, lastTerm, upToDate } of upToDateCases) {
    test(`a candidate ending at (${lastIndex}, term ${lastTerm}) is ${upToDate ? '' : 'not '}as up to date as terms [1,2,3]`, () => {
      assert.equal(newLog(entriesWithTerms(1, [1, 2, 3])).isUpToDate(lastIndex, lastTerm), upToDate);
    });
  }

  const appendCases: { entries: Entry[]; lastIndex: number; terms: number[]; unstableOffset: number }[] = [
    { entries: [], lastIndex: 2, terms: [1, 2], unstableOffset: 3 },
    { entries: entriesWithTerms(3, [2]), lastIndex: 3, terms: [1, 2, 2], unstableOffset: 3 },
    // A conflict at the first index replaces the whole log.
    { entries: entriesWithTerms(1, [2]), lastIndex: 1, terms: [2], unstableOffset: 1 },
    // A conflict in the middle truncates from there.
    { entries: entriesWithTerms(2, [3, 3]), lastIndex: 3, terms: [1, 3, 3], unstableOffset: 2 },
  ];
  for (const { entries, lastIndex, terms: expected, unstableOffset } of appendCases) {
    test(`append ${JSON.stringify(entries.map((item) => [item.index, item.term]))} to stored terms [1,2]`, () => {
      const log = newLog(entriesWithTerms(1, [1, 2]));
      assert.equal(log.append(entries), lastIndex);
      assert.deepEqual(terms(log), expected);
      assert.equal(log.unstable.offset, unstableOffset);
    });
  }

  test('append refuses to overwrite committed entries', () => {
    const log = newLog(entriesWithTerms(1, [1, 2]));
    log.commitTo(2);
    assert.throws(() => log.append(entriesWithTerms(2, [3])), AssertionError);
  });

  const maybeAppendCases: { logTerm: number; index: number; commit: number; entries: Entry[]; result: number | undefined; committed: number; terms?: number[] }[] = [
    // The log does not hold (index, logTerm): refused, nothing changes.
    { logTerm: 2, index: 3, commit: 3, entries: entriesWithTerms(4, [4]), result: undefined, committed: 1 },
    { logTerm: 3, index: 4, commit: 3, entries: entriesWithTerms(5, [4]), result: undefined, committed: 1 },
    // Matches the last entry: commit = min(leader commit, last new index), never backwards.
    { logTerm: 3, index: 3, commit: 3, entries: [], result: 3, committed: 3 },
    { logTerm: 3, index: 3, commit: 4, entries: [], result: 3, committed: 3 },
    { logTerm: 3, index: 3, commit: 2, entries: [], result: 3, committed: 2 },
    { logTerm: 3, index: 3, commit: 0, entries: [], result: 3, committed: 1 },
    { logTerm: 3, index: 3, commit: 3, entries: entriesWithTerms(4, [4]), result: 4, committed: 3 },
    { logTerm: 3, index: 3, commit: 4, entries: entriesWithTerms(4, [4]), result: 4, committed: 4 },
    { logTerm: 3, index: 3, commit: 5, entries: entriesWithTerms(4, [4]), result: 4, committed: 4 },
    { logTerm: 3, index: 3, commit: 5, entries: entriesWithTerms(4, [4, 4]), result: 5, committed: 5 },
    // Matches an earlier entry: the tail is kept when the new entries agree with it.
    { logTerm: 2, index: 2, commit: 3, entries: [], result: 2, committed: 2, terms: [1, 2, 3] },
    { logTerm: 2, index: 2, commit: 3, entries: entriesWithTerms(3, [3]), result: 3, committed: 3, terms: [1, 2, 3] },
    // ...and truncated from the first disagreement.
    { logTerm: 1, index: 1, commit: 4, entries: entriesWithTerms(2, [4]), result: 2, committed: 2, terms: [1, 4] },
    { logTerm: 2, index: 2, commit: 4, entries: entriesWithTerms(3, [4, 4]), result: 4, committed: 4, terms: [1, 2, 4, 4] },
  ];
  for (const { logTerm, index, commit, entries, result, committed, terms: expected } of maybeAppendCases) {
    test(`maybeAppend after (${index}, term ${logTerm}) with commit ${commit} and ${entries.length} entries on terms [1,2,3] committed to 1`, () => {
      const log = newLog(entriesWithTerms(1, [1, 2, 3]));
      log.commitTo(1);
      assert.equal(log.maybeAppend(index, logTerm, commit, entries), result);
      assert.equal(log.committed, committed);
      assert.deepEqual(terms(log), expected ?? [1, 2, 3, ...(result === undefined ? [] : entries.map((item) => item.term))]);
      if (result !== undefined && entries.length > 0) assert.deepEqual(log.allEntries().slice(index, result), entries);
    });
  }

  test('maybeAppend refuses to truncate a committed entry', () => {
    const log = newLog(entriesWithTerms(1, [1, 2, 3]));
    log.commitTo(1);
    assert.throws(() => log.maybeAppend(0, 0, 3, entriesWithTerms(1, [4])), AssertionError);
  });

  test('commitTo never moves backwards and never past the last index', () => {
    const log = newLog(entriesWithTerms(1, [1, 2, 3]));
    log.commitTo(3);
    assert.equal(log.committed, 3);
    log.commitTo(1);
    assert.equal(log.committed, 3);
    assert.throws(() => log.commitTo(4), AssertionError);
  });

  test('maybeCommit commits only an entry of the given term', () => {
    const log = newLog(entriesWithTerms(1, [1, 1, 2]));
    assert.equal(log.maybeCommit(2, 2), false);
    assert.equal(log.committed, 0);
    assert.equal(log.maybeCommit(3, 2), true);
    assert.equal(log.committed, 3);
    assert.equal(log.maybeCommit(3, 2), false, 'no change, no commit');
  });

  test('appliedTo stays within [applied, committed]', () => {
    const log = newLog(entriesWithTerms(1, [1, 1, 1]));
    log.commitTo(2);
    log.appliedTo(2);
    assert.equal(log.applied, 2);
    assert.throws(() => log.appliedTo(3), AssertionError);
    assert.throws(() => log.appliedTo(1), AssertionError);
    log.appliedTo(0);
    assert.equal(log.applied, 2, 'zero means nothing applied yet');
  });

  for (const applied of [3, 4, 5]) {
    test(`the next committed entries after a snapshot at 3 with applied ${applied} and commit 5`, () => {
      const log = newLog(entriesWithTerms(4, [1, 1, 1]), 3, 1);
      log.commitTo(5);
      log.appliedTo(applied);
      const expected = [4, 5].filter((index) => index > applied);
      assert.deepEqual(indexes(log.nextCommittedEntries()), expected);
      assert.equal(log.hasNextCommittedEntries(), expected.length > 0);
    });
  }

  test('the next committed entries respect the size bound, but always include one', () => {
    const entries = [entry(1, 1, 'aaaa'), entry(2, 1, 'bbbb'), entry(3, 1, 'cccc')];
    const size = entrySizeBytes(entries[0]!);
    for (const [bound, count] of [
      [0, 1],
      [size, 1],
      [2 * size - 1, 1],
      [2 * size, 2],
      [noLimit, 3],
    ] as const) {
      const log = newLog(entries, 0, 0, bound);
      log.commitTo(3);
      assert.equal(log.nextCommittedEntries().length, count, `bound ${bound}`);
    }
  });

  test('stableTo drops persisted entries from the unstable tail, but only for a matching term and index', () => {
    const log = newLog();
    log.append(entriesWithTerms(1, [1, 2]));
    log.stableTo(2, 1);
    assert.equal(log.unstable.offset, 1, 'a term mismatch means the entry was replaced since: ignored');
    log.stableTo(3, 1);
    assert.equal(log.unstable.offset, 1, 'beyond the log: ignored');
    log.stableTo(1, 1);
    assert.equal(log.unstable.offset, 2);
    assert.deepEqual(indexes(log.unstableEntries()), [2]);
    log.stableTo(2, 2);
    assert.equal(log.unstable.offset, 3);
    assert.deepEqual(log.unstableEntries(), []);
  });

  test('terms: compacted indexes are unknown, the snapshot index is known, beyond the end is unknown', () => {
    const log = newLog(entriesWithTerms(4, [4, 5]), 3, 3);
    log.append(entriesWithTerms(6, [6]));
    assert.equal(log.term(2), undefined);
    assert.equal(log.term(3), 3);
    assert.equal(log.term(4), 4);
    assert.equal(log.term(5), 5);
    assert.equal(log.term(6), 6);
    assert.equal(log.term(7), undefined);
    assert.equal(log.lastTerm(), 6);
    assert.equal(log.matchTerm(3, 3), true);
    assert.equal(log.matchTerm(2, 0), false);
  });

  test('slice reads across storage and the unstable tail, within a size bound', () => {
    // Stored: snapshot at 100, then 101..104; unstable: 105..108. Term = index.
    const stored = [101, 102, 103, 104].map((index) => entry(index, index, 'x'));
    const log = newLog(stored, 100, 100);
    log.append([105, 106, 107, 108].map((index) => entry(index, index, 'x')));
    const size = entrySizeBytes(stored[0]!);
    assert.throws(() => log.slice(100, 102, noLimit), CompactedError);
    assert.deepEqual(indexes(log.slice(101, 101, noLimit)), []);
    assert.deepEqual(indexes(log.slice(101, 103, noLimit)), [101, 102]);
    assert.deepEqual(indexes(log.slice(103, 107, noLimit)), [103, 104, 105, 106]);
    assert.deepEqual(indexes(log.slice(106, 109, noLimit)), [106, 107, 108]);
    assert.throws(() => log.slice(106, 110, noLimit), AssertionError);
    // Size bounds: at least one entry, and stored and unstable parts count together.
    assert.deepEqual(indexes(log.slice(101, 109, 0)), [101]);
    assert.deepEqual(indexes(log.slice(101, 109, 2 * size)), [101, 102]);
    assert.deepEqual(indexes(log.slice(103, 109, 3 * size)), [103, 104, 105]);
    assert.deepEqual(indexes(log.slice(105, 109, 2 * size)), [105, 106]);
    assert.throws(() => log.entries(100, noLimit), CompactedError);
    assert.deepEqual(indexes(log.entries(107, noLimit)), [107, 108]);
    assert.deepEqual(log.entries(109, noLimit), []);
  });

  test('restore replaces the log with a snapshot', () => {
    const log = newLog(entriesWithTerms(1, [1, 1]));
    log.restore({ data: new Uint8Array(0), metadata: { index: 100, term: 1000, confState } });
    assert.equal(log.committed, 100);
    assert.equal(log.firstIndex(), 101);
    assert.equal(log.lastIndex(), 100);
    assert.equal(log.term(100), 1000);
    assert.equal(log.hasPendingSnapshot(), true);
    assert.equal(log.snapshot().metadata.index, 100);
    assert.deepEqual(log.allEntries(), []);
    log.stableSnapshotTo(100);
    assert.equal(log.hasPendingSnapshot(), false);
  });
});
