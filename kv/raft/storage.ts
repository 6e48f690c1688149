import { assert } from '../../common/assert.js';
import { CompactedError, SnapshotOutOfDateError, UnavailableError } from './errors.js';
import { limitEntriesSize } from './util.js';
import { type ConfState, emptyHardState, type Entry, EntryType, type HardState, type Snapshot } from './types.js';

/**
 * What Raft reads from the application's stable storage. Raft calls these synchronously
 * from its own methods; errors are the typed ones of `errors.ts`.
 */
export interface Storage {
  /** The persisted hard state and the configuration as of the last snapshot or applied conf change. */
  initialState(): { hardState: HardState; confState: ConfState };
  /** Entries in [low, high), at least one if any exist, at most `maxSizeBytes` beyond the first. Throws CompactedError / UnavailableError. */
  entries(low: number, high: number, maxSizeBytes: number): Entry[];
  /** The term of the entry at `index`, which must lie in [firstIndex - 1, lastIndex]. */
  term(index: number): number;
  /** The index of the first entry available (older ones are in the snapshot). */
  firstIndex(): number;
  lastIndex(): number;
  /** The most recent snapshot. Throws SnapshotTemporarilyUnavailableError while one is being built. */
  snapshot(): Snapshot;
}

/**
 * An in-memory Storage for tests and the simulator. As in etcd-raft, `entries[0]` is a
 * dummy entry holding the index and term of the last snapshot (or 0/0).
 */
export class MemoryStorage implements Storage {
  private hardState: HardState = emptyHardState;
  private currentSnapshot: Snapshot;
  // Invariant: entries[0] is the dummy entry at the snapshot's index and term; the rest
  // are contiguous.
  private log: Entry[];

  constructor(initial?: { confState?: ConfState; snapshot?: Snapshot }) {
    const confState = initial?.snapshot?.metadata.confState ?? initial?.confState ?? { voters: [], learners: [] };
    const metadata = initial?.snapshot?.metadata ?? { index: 0, term: 0, confState };
    this.currentSnapshot = { data: initial?.snapshot?.data ?? new Uint8Array(0), metadata };
    this.log = [{ type: EntryType.Normal, term: metadata.term, index: metadata.index, data: new Uint8Array(0) }];
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: this.hardState, confState: this.currentSnapshot.metadata.confState };
  }

  setHardState(state: HardState): void {
    this.hardState = state;
  }

  /** Replaces the configuration returned by `initialState` (after applying a conf change). */
  setConfState(confState: ConfState): void {
    this.currentSnapshot = { ...this.currentSnapshot, metadata: { ...this.currentSnapshot.metadata, confState } };
  }

  private offset(): number {
    return this.log[0]!.index;
  }

  entries(low: number, high: number, maxSizeBytes: number): Entry[] {
    const offset = this.offset();
    if (low <= offset) throw new CompactedError();
    if (high > this.lastIndex() + 1) throw new UnavailableError(`entries' high ${high} is out of bound, last index ${this.lastIndex()}`);
    // Only the dummy entry: nothing to return.
    if (this.log.length === 1) throw new UnavailableError();
    return limitEntriesSize(this.log.slice(low - offset, high - offset), maxSizeBytes);
  }

  term(index: number): number {
    const offset = this.offset();
    if (index < offset) throw new CompactedError();
    if (index - offset >= this.log.length) throw new UnavailableError();
    return this.log[index - offset]!.term;
  }

  firstIndex(): number {
    return this.offset() + 1;
  }

  lastIndex(): number {
    return this.offset() + this.log.length - 1;
  }

  snapshot(): Snapshot {
    return this.currentSnapshot;
  }

  /** Replaces the storage's contents with the snapshot (a follower installing one). */
  applySnapshot(snapshot: Snapshot): void {
    if (this.currentSnapshot.metadata.index >= snapshot.metadata.index) throw new SnapshotOutOfDateError();
    this.currentSnapshot = snapshot;
    this.log = [{ type: EntryType.Normal, term: snapshot.metadata.term, index: snapshot.metadata.index, data: new Uint8Array(0) }];
  }

  /** Makes a snapshot at `index` (which must be applied), for later log compaction. */
  createSnapshot(index: number, confState: ConfState | undefined, data: Uint8Array): Snapshot {
    if (index <= this.currentSnapshot.metadata.index) throw new SnapshotOutOfDateError();
    const offset = this.offset();
    assert(index <= this.lastIndex(), `snapshot ${index} is out of bound lastindex(${this.lastIndex()})`);
    this.currentSnapshot = {
      data,
      metadata: { index, term: this.log[index - offset]!.term, confState: confState ?? this.currentSnapshot.metadata.confState },
    };
    return this.currentSnapshot;
  }

  /** Discards entries up to and including `compactIndex`. */
  compact(compactIndex: number): void {
    const offset = this.offset();
    if (compactIndex <= offset) throw new CompactedError();
    assert(compactIndex <= this.lastIndex(), `compact ${compactIndex} is out of bound lastindex(${this.lastIndex()})`);
    const kept = this.log.slice(compactIndex - offset);
    const first = kept[0]!;
    kept[0] = { type: EntryType.Normal, term: first.term, index: first.index, data: new Uint8Array(0) };
    this.log = kept;
  }

  /** Appends entries, truncating any conflicting suffix (entries must be contiguous). */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const last = entries[0]!.index + entries.length - 1;
    // Everything given is already compacted.
    if (last < first) return;
    const fresh = first > entries[0]!.index ? entries.slice(first - entries[0]!.index) : entries;
    const offset = fresh[0]!.index - this.offset();
    assert(offset <= this.log.length, `missing log entry [last: ${this.lastIndex()}, append at: ${fresh[0]!.index}]`);
    // Hot path: every Ready appends here, so truncate the conflicting suffix (if any) and
    // push in place instead of copying the whole log. Nothing outside holds `log`:
    // `entries` hands out copies and `compact` builds a new array.
    if (offset < this.log.length) this.log.length = offset;
    for (const entry of fresh) this.log.push(entry);
  }
}
