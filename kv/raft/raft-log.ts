import { assert, AssertionError } from '../../common/assert.js';
import { CompactedError, UnavailableError } from './errors.js';
import { UnstableLog } from './log-unstable.js';
import type { Storage } from './storage.js';
import type { Entry, Snapshot } from './types.js';
import { limitEntriesSize } from './util.js';

/**
 * The log as Raft sees it: persisted entries in `storage`, then the unstable tail.
 */
export class RaftLog {
  readonly storage: Storage;
  readonly unstable: UnstableLog;
  // Invariant: applied <= committed <= lastIndex().
  committed: number;
  applied: number;
  private readonly maxNextCommittedSizeBytes: number;

  constructor(storage: Storage, maxNextCommittedSizeBytes: number) {
    this.storage = storage;
    this.maxNextCommittedSizeBytes = maxNextCommittedSizeBytes;
    const firstIndex = storage.firstIndex();
    const lastIndex = storage.lastIndex();
    this.unstable = new UnstableLog(lastIndex + 1);
    // Everything before the first available entry is in the snapshot, so committed and applied.
    this.committed = firstIndex - 1;
    this.applied = firstIndex - 1;
  }

  /**
   * Appends `entries` that follow (index, logTerm) if the log matches there, and advances
   * the commit index. Returns the last index of the new entries, or undefined on mismatch.
   */
  maybeAppend(index: number, logTerm: number, committed: number, entries: readonly Entry[]): number | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNewIndex = index + entries.length;
    const conflictIndex = this.findConflict(entries);
    if (conflictIndex !== 0) {
      if (conflictIndex <= this.committed) {
        throw new AssertionError(`entry ${conflictIndex} conflicts with committed entry [committed(${this.committed})]`);
      }
      this.append(entries.slice(conflictIndex - (index + 1)));
    }
    this.commitTo(Math.min(committed, lastNewIndex));
    return lastNewIndex;
  }

  append(entries: readonly Entry[]): number {
    if (entries.length === 0) return this.lastIndex();
    const after = entries[0]!.index - 1;
    // Hot path (here and in the other log checks): the message is built only on failure.
    if (after < this.committed) throw new AssertionError(`after(${after}) is out of range [committed(${this.committed})]`);
    this.unstable.truncateAndAppend(entries);
    return this.lastIndex();
  }

  /**
   * The index of the first entry whose term differs from the log's entry at that index
   * (or that is new), or 0 when all given entries are already present.
   */
  findConflict(entries: readonly Entry[]): number {
    for (const entry of entries) {
      if (!this.matchTerm(entry.index, entry.term)) return entry.index;
    }
    return 0;
  }

  /**
   * The largest index <= `index` whose term is <= `term`, with that term: a probe point
   * that skips a whole conflicting term at once. An index whose term is unknown
   * (compacted) is returned with term 0, as a possible match.
   */
  findConflictByTerm(index: number, term: number): [index: number, term: number] {
    for (let candidate = index; candidate > 0; candidate--) {
      const ourTerm = this.term(candidate);
      if (ourTerm === undefined) return [candidate, 0];
      if (ourTerm <= term) return [candidate, ourTerm];
    }
    return [0, 0];
  }

  unstableEntries(): readonly Entry[] {
    return this.unstable.entries;
  }

  /** Committed entries not yet handed out for applying, within the size bound. */
  nextCommittedEntries(): Entry[] {
    const offset = Math.max(this.applied + 1, this.firstIndex());
    if (this.committed + 1 > offset) return this.slice(offset, this.committed + 1, this.maxNextCommittedSizeBytes);
    return [];
  }

  hasNextCommittedEntries(): boolean {
    const offset = Math.max(this.applied + 1, this.firstIndex());
    return this.committed + 1 > offset;
  }

  hasPendingSnapshot(): boolean {
    return this.unstable.snapshot !== undefined && this.unstable.snapshot.metadata.index !== 0;
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  commitTo(index: number): void {
    if (this.committed >= index) return;
    if (this.lastIndex() < index) {
      throw new AssertionError(`tocommit(${index}) is out of range [lastIndex(${this.lastIndex()})]. Was the raft log corrupted, truncated, or lost?`);
    }
    this.committed = index;
  }

  appliedTo(index: number): void {
    if (index === 0) return;
    if (!(this.committed >= index && index >= this.applied)) {
      throw new AssertionError(`applied(${index}) is out of range [prevApplied(${this.applied}), committed(${this.committed})]`);
    }
    this.applied = index;
  }

  stableTo(index: number, term: number): void {
    this.unstable.stableTo(index, term);
  }

  stableSnapshotTo(index: number): void {
    this.unstable.stableSnapshotTo(index);
  }

  lastTerm(): number {
    const term = this.term(this.lastIndex());
    assert(term !== undefined, 'unexpected error when getting the last term');
    return term;
  }

  /**
   * The term of the entry at `index`, or undefined when it is compacted or beyond the
   * log. The term of firstIndex - 1 (the snapshot's last entry) is still known.
   */
  term(index: number): number | undefined {
    const unstableTerm = this.unstable.maybeTerm(index);
    if (unstableTerm !== undefined) return unstableTerm;
    if (index + 1 < this.firstIndex()) return undefined;
    if (index > this.lastIndex()) return undefined;
    try {
      return this.storage.term(index);
    } catch (error) {
      if (error instanceof CompactedError || error instanceof UnavailableError) return undefined;
      throw error;
    }
  }

  termOrZero(index: number): number {
    return this.term(index) ?? 0;
  }

  matchTerm(index: number, term: number): boolean {
    const found = this.term(index);
    return found !== undefined && found === term;
  }

  /** Whether a candidate's log (lastIndex, lastTerm) is at least as up to date as ours (§5.4.1). */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourLastTerm = this.lastTerm();
    return lastTerm > ourLastTerm || (lastTerm === ourLastTerm && lastIndex >= this.lastIndex());
  }

  /** Commits up to `maxIndex` if that entry is from `term`: only current-term entries commit by counting (§5.4.2). */
  maybeCommit(maxIndex: number, term: number): boolean {
    if (maxIndex > this.committed && this.termOrZero(maxIndex) === term) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  restore(snapshot: Snapshot): void {
    this.committed = snapshot.metadata.index;
    this.unstable.restore(snapshot);
  }

  /** Entries from `index` to the end, within `maxSizeBytes`. Throws CompactedError. */
  entries(index: number, maxSizeBytes: number): Entry[] {
    if (index > this.lastIndex()) return [];
    return this.slice(index, this.lastIndex() + 1, maxSizeBytes);
  }

  /** Every entry available, for tests and debugging. */
  allEntries(): Entry[] {
    for (;;) {
      try {
        return this.entries(this.firstIndex(), Number.POSITIVE_INFINITY);
      } catch (error) {
        // The storage may compact between reading firstIndex and the entries; retry.
        if (!(error instanceof CompactedError)) throw error;
      }
    }
  }

  /** Entries in [low, high), at most `maxSizeBytes` (but at least one). Throws CompactedError. */
  slice(low: number, high: number, maxSizeBytes: number): Entry[] {
    this.checkOutOfBounds(low, high);
    if (low === high) return [];
    let result: Entry[] | undefined;
    if (low < this.unstable.offset) {
      const storedHigh = Math.min(high, this.unstable.offset);
      let stored: Entry[];
      try {
        stored = this.storage.entries(low, storedHigh, maxSizeBytes);
      } catch (error) {
        if (error instanceof UnavailableError) {
          throw new AssertionError(`entries[${low}:${storedHigh}) is unavailable from storage`);
        }
        throw error;
      }
      // The size limit cut the stored part short: return just that.
      if (stored.length < storedHigh - low) return stored;
      result = stored;
    }
    if (high > this.unstable.offset) {
      const unstable = this.unstable.slice(Math.max(low, this.unstable.offset), high);
      result = result === undefined ? unstable : result.concat(unstable);
    }
    return limitEntriesSize(result ?? [], maxSizeBytes);
  }

  private checkOutOfBounds(low: number, high: number): void {
    if (low > high) throw new AssertionError(`invalid slice ${low} > ${high}`);
    const firstIndex = this.firstIndex();
    if (low < firstIndex) throw new CompactedError();
    const length = this.lastIndex() + 1 - firstIndex;
    if (high > firstIndex + length) throw new AssertionError(`slice[${low},${high}) out of bound [${firstIndex},${this.lastIndex()}]`);
  }
}
