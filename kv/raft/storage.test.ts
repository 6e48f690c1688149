/** MemoryStorage (cases follow etcd-raft's storage_test.go). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AssertionError } from '../../common/assert.js';
import { CompactedError, SnapshotOutOfDateError, UnavailableError } from './errors.js';
import { MemoryStorage } from './storage.js';
import { entriesWithTerms, entry } from './test-raft.js';
import type { Entry } from './types.js';
import { entrySizeBytes } from './util.js';

const confState = { voters: [1, 2, 3], learners: [] };

/** Storage holding a snapshot at (3, term 3) and entries 4 and 5 with term = index. */
function storage345(): MemoryStorage {
  const storage = new MemoryStorage({ snapshot: { data: new Uint8Array(0), metadata: { index: 3, term: 3, confState } } });
  storage.append([entry(4, 4, 'four'), entry(5, 5, 'five')]);
  return storage;
}

function pairs(entries: readonly Entry[]): [number, number][] {
  return entries.map((item) => [item.index, item.term]);
}

function allPairs(storage: MemoryStorage): [number, number][] {
  const first = storage.firstIndex();
  const last = storage.lastIndex();
  return [[first - 1, storage.term(first - 1)], ...(last >= first ? pairs(storage.entries(first, last + 1, Number.MAX_SAFE_INTEGER)) : [])];
}

describe('MemoryStorage', () => {
  test('a new storage is empty at index 0 and reports its hard and conf state', () => {
    const storage = new MemoryStorage({ confState });
    assert.equal(storage.firstIndex(), 1);
    assert.equal(storage.lastIndex(), 0);
    assert.equal(storage.term(0), 0);
    assert.deepEqual(storage.initialState(), { hardState: { term: 0, vote: 0, commit: 0 }, confState });
    storage.setHardState({ term: 2, vote: 1, commit: 0 });
    storage.setConfState({ voters: [1], learners: [2] });
    assert.deepEqual(storage.initialState(), { hardState: { term: 2, vote: 1, commit: 0 }, confState: { voters: [1], learners: [2] } });
  });

  test('term: compacted below the snapshot, known from the snapshot index to the last index', () => {
    const storage = storage345();
    assert.throws(() => storage.term(2), CompactedError);
    assert.equal(storage.term(3), 3);
    assert.equal(storage.term(4), 4);
    assert.equal(storage.term(5), 5);
    assert.throws(() => storage.term(6), UnavailableError);
  });

  test('entries: compacted at or below the snapshot, unavailable past the end, bounded by size', () => {
    const storage = storage345();
    storage.append([entry(6, 6, 'six!')]);
    const size = entrySizeBytes(entry(4, 4, 'four'));
    assert.throws(() => storage.entries(2, 6, Number.MAX_SAFE_INTEGER), CompactedError);
    assert.throws(() => storage.entries(3, 4, Number.MAX_SAFE_INTEGER), CompactedError);
    assert.throws(() => storage.entries(4, 8, Number.MAX_SAFE_INTEGER), UnavailableError);
    assert.deepEqual(pairs(storage.entries(4, 5, Number.MAX_SAFE_INTEGER)), [[4, 4]]);
    assert.deepEqual(pairs(storage.entries(4, 7, Number.MAX_SAFE_INTEGER)), [[4, 4], [5, 5], [6, 6]]);
    // At least one entry even when it alone exceeds the bound.
    assert.deepEqual(pairs(storage.entries(4, 7, 0)), [[4, 4]]);
    assert.deepEqual(pairs(storage.entries(4, 7, 2 * size - 1)), [[4, 4]]);
    assert.deepEqual(pairs(storage.entries(4, 7, 2 * size)), [[4, 4], [5, 5]]);
    assert.deepEqual(pairs(storage.entries(4, 7, 3 * size)), [[4, 4], [5, 5], [6, 6]]);
  });

  test('entries hands out copies: changing the result does not change the log', () => {
    const storage = storage345();
    const first = storage.entries(4, 6, Number.MAX_SAFE_INTEGER);
    first.pop();
    assert.equal(storage.entries(4, 6, Number.MAX_SAFE_INTEGER).length, 2);
  });

  test('first and last index follow the snapshot and the entries', () => {
    const storage = storage345();
    assert.equal(storage.firstIndex(), 4);
    assert.equal(storage.lastIndex(), 5);
    storage.append([entry(6, 5)]);
    assert.equal(storage.lastIndex(), 6);
    storage.compact(4);
    assert.equal(storage.firstIndex(), 5);
    assert.equal(storage.lastIndex(), 6);
  });

  test('compact discards entries up to an index and keeps its term', () => {
    const cases: { index: number; error?: new () => Error; first: number; terms: number[] }[] = [
      { index: 2, error: CompactedError, first: 4, terms: [3, 4, 5] },
      { index: 3, error: CompactedError, first: 4, terms: [3, 4, 5] },
      { index: 4, first: 5, terms: [4, 5] },
      { index: 5, first: 6, terms: [5] },
    ];
    for (const { index, error, first, terms } of cases) {
      const storage = storage345();
      if (error !== undefined) assert.throws(() => storage.compact(index), error);
      else storage.compact(index);
      assert.equal(storage.firstIndex(), first, `compact(${index})`);
      assert.deepEqual(
        allPairs(storage).map(([, term]) => term),
        terms,
        `compact(${index})`,
      );
    }
    assert.throws(() => storage345().compact(6), AssertionError);
  });

  test('createSnapshot records index, term, configuration and data; older snapshots are refused', () => {
    const storage = storage345();
    const data = new TextEncoder().encode('state');
    const snapshot = storage.createSnapshot(4, { voters: [1, 2], learners: [3] }, data);
    assert.deepEqual(snapshot.metadata, { index: 4, term: 4, confState: { voters: [1, 2], learners: [3] } });
    assert.equal(snapshot.data, data);
    assert.equal(storage.snapshot(), snapshot);
    assert.deepEqual(storage.initialState().confState, { voters: [1, 2], learners: [3] });
    assert.equal(storage.createSnapshot(5, undefined, data).metadata.confState.voters.length, 2, 'keeps the configuration when none is given');
    assert.throws(() => storage.createSnapshot(5, undefined, data), SnapshotOutOfDateError);
    assert.throws(() => storage.createSnapshot(4, undefined, data), SnapshotOutOfDateError);
    // Creating a snapshot does not compact by itself.
    assert.equal(storage.firstIndex(), 4);
  });

  test('applySnapshot replaces the contents; an older or equal snapshot is refused', () => {
    const storage = new MemoryStorage({ confState });
    const snapshot = (index: number, term: number) => ({ data: new Uint8Array([index]), metadata: { index, term, confState } });
    storage.append(entriesWithTerms(1, [1, 1]));
    storage.applySnapshot(snapshot(4, 4));
    assert.equal(storage.firstIndex(), 5);
    assert.equal(storage.lastIndex(), 4);
    assert.equal(storage.term(4), 4);
    assert.throws(() => storage.term(3), CompactedError);
    assert.throws(() => storage.applySnapshot(snapshot(3, 3)), SnapshotOutOfDateError);
    assert.throws(() => storage.applySnapshot(snapshot(4, 4)), SnapshotOutOfDateError);
    storage.append(entriesWithTerms(5, [4]));
    assert.equal(storage.lastIndex(), 5);
  });

  const appendCases: { append: Entry[]; want?: [number, number][]; error?: boolean }[] = [
    // Entirely compacted: ignored.
    { append: entriesWithTerms(1, [1, 2]), want: [[3, 3], [4, 4], [5, 5]] },
    // Already present.
    { append: entriesWithTerms(3, [3, 4, 5]), want: [[3, 3], [4, 4], [5, 5]] },
    // A conflict truncates the rest.
    { append: entriesWithTerms(3, [3, 6, 6]), want: [[3, 3], [4, 6], [5, 6]] },
    { append: entriesWithTerms(3, [3, 4, 5, 5]), want: [[3, 3], [4, 4], [5, 5], [6, 5]] },
    // The compacted part of the given entries is skipped.
    { append: entriesWithTerms(2, [3, 3, 5]), want: [[3, 3], [4, 5]] },
    // Truncates the existing log and appends.
    { append: entriesWithTerms(4, [5]), want: [[3, 3], [4, 5]] },
    // A plain append.
    { append: entriesWithTerms(6, [5]), want: [[3, 3], [4, 4], [5, 5], [6, 5]] },
    // A gap is a caller bug.
    { append: entriesWithTerms(7, [5]), error: true },
  ];
  for (const { append, want, error } of appendCases) {
    test(`append ${JSON.stringify(pairs(append))} onto (3:3) 4:4 5:5`, () => {
      const storage = storage345();
      if (error === true) {
        assert.throws(() => storage.append(append), AssertionError);
        return;
      }
      storage.append(append);
      assert.deepEqual(allPairs(storage), want);
    });
  }

  test('appending nothing changes nothing', () => {
    const storage = storage345();
    storage.append([]);
    assert.deepEqual(allPairs(storage), [
      [3, 3],
      [4, 4],
      [5, 5],
    ]);
  });
});
