import { Inflights } from './inflights.js';

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

/**
 * The leader's view of one follower. In `probe` it sends one append at a time until it
 * finds where the logs match; in `replicate` it streams appends optimistically within
 * the inflights window; in `snapshot` it waits for a snapshot to be applied.
 */
export class Progress {
  // Invariant: match < next.
  match: number;
  next: number;
  state: ProgressState = 'probe';
  /** In `snapshot`: the index of the snapshot being sent. */
  pendingSnapshot = 0;
  /** Heard from the follower since the last check-quorum round. */
  recentActive = false;
  /** In `probe`: an append was sent and not yet answered; wait (a heartbeat response unpauses). */
  probeSent = false;
  readonly inflights: Inflights;
  isLearner: boolean;

  constructor(match: number, next: number, maxInflightMessages: number, maxInflightBytes: number, isLearner: boolean) {
    this.match = match;
    this.next = next;
    this.inflights = new Inflights(maxInflightMessages, maxInflightBytes);
    this.isLearner = isLearner;
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    if (this.state === 'snapshot') {
      // Resume after the snapshot: the follower has at least what it contained.
      const pendingSnapshot = this.pendingSnapshot;
      this.resetState('probe');
      this.next = Math.max(this.match + 1, pendingSnapshot + 1);
    } else {
      this.resetState('probe');
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState('snapshot');
    this.pendingSnapshot = snapshotIndex;
  }

  /** Bookkeeping after sending an append of `entryCount` entries taking `bytes`. */
  sentEntries(entryCount: number, bytes: number): void {
    if (this.state === 'replicate') {
      if (entryCount > 0) {
        const last = this.next + entryCount - 1;
        this.next = last + 1;
        this.inflights.add(last, bytes);
      }
    } else if (this.state === 'probe') {
      if (entryCount > 0) this.probeSent = true;
    }
  }

  /** The follower acknowledged up to `index`. Returns whether match advanced. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /**
   * The follower rejected an append at `rejected`; `matchHint` is where it suggests
   * probing. Returns false for a stale rejection.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      // A rejection of an index at or below match is stale: an older append's answer.
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    // In probe, only the answer to the append just sent counts.
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), 1);
    this.probeSent = false;
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }
}
