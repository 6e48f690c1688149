import { AssertionError } from '../../common/assert.js';
import type { Entry, Snapshot } from './types.js';

/**
 * The tail of the log not yet persisted by the application, and an incoming snapshot
 * not yet persisted. `entries[i]` has index `offset + i`.
 */
export class UnstableLog {
  snapshot: Snapshot | undefined;
  entries: Entry[] = [];
  // Invariant: when entries is non-empty, entries[0].index === offset.
  offset: number;

  constructor(offset: number) {
    this.offset = offset;
  }

  /** The first index of the log if a pending snapshot sets it. */
  maybeFirstIndex(): number | undefined {
    return this.snapshot === undefined ? undefined : this.snapshot.metadata.index + 1;
  }

  maybeLastIndex(): number | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot === undefined ? undefined : this.snapshot.metadata.index;
  }

  maybeTerm(index: number): number | undefined {
    if (index < this.offset) {
      if (this.snapshot !== undefined && this.snapshot.metadata.index === index) return this.snapshot.metadata.term;
      return undefined;
    }
    const last = this.maybeLastIndex();
    if (last === undefined || index > last) return undefined;
    return this.entries[index - this.offset]!.term;
  }

  /** The application persisted entries up to `index` (with `term`); drop them from here. */
  stableTo(index: number, term: number): void {
    const found = this.maybeTerm(index);
    // Only entries still unstable and unchanged since they were handed out are stable now.
    if (found === undefined || found !== term || index < this.offset) return;
    this.entries = this.entries.slice(index + 1 - this.offset);
    this.offset = index + 1;
  }

  stableSnapshotTo(index: number): void {
    if (this.snapshot !== undefined && this.snapshot.metadata.index === index) this.snapshot = undefined;
  }

  restore(snapshot: Snapshot): void {
    this.offset = snapshot.metadata.index + 1;
    this.entries = [];
    this.snapshot = snapshot;
  }

  truncateAndAppend(entries: readonly Entry[]): void {
    const after = entries[0]!.index;
    if (after === this.offset + this.entries.length) {
      // The common case: a plain append.
      for (const entry of entries) this.entries.push(entry);
    } else if (after <= this.offset) {
      // Replaces everything unstable: the log is truncated below the unstable tail.
      this.offset = after;
      this.entries = entries.slice();
    } else {
      // Truncates the unstable tail at `after`, then appends.
      this.entries = this.entries.slice(0, after - this.offset).concat(entries);
    }
  }

  /** Entries in [low, high), which must lie within the unstable range. */
  slice(low: number, high: number): Entry[] {
    // Hot path: the messages are built only on failure.
    if (low > high) throw new AssertionError(`invalid unstable slice ${low} > ${high}`);
    const upper = this.offset + this.entries.length;
    if (!(low >= this.offset && high <= upper)) throw new AssertionError(`unstable slice [${low},${high}) out of bound [${this.offset},${upper}]`);
    return this.entries.slice(low - this.offset, high - this.offset);
  }
}
