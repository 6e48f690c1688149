import { Progress } from './progress.js';
import type { ConfState } from './types.js';

export type VoteResult = 'pending' | 'won' | 'lost';

/** Membership (voters and learners), replication progress, and election votes. */
export class ProgressTracker {
  readonly voters = new Set<number>();
  readonly learners = new Set<number>();
  readonly progress = new Map<number, Progress>();
  private readonly votes = new Map<number, boolean>();
  readonly maxInflightMessages: number;
  readonly maxInflightBytes: number;
  // Hot path: every broadcast walks the members in id order, so the sorted id list is
  // cached. Invariant: membership changes only through add and remove, which drop the
  // cache (undefined means "rebuild on next use"); a size mismatch rebuilds it too, as a
  // guard against a caller that edits `progress` directly.
  private sortedMemberIdsCache: readonly number[] | undefined;
  /** Scratch space for `committed`, one slot per voter, reused so it allocates nothing. */
  private matchScratch: number[] = [];

  constructor(maxInflightMessages: number, maxInflightBytes: number) {
    this.maxInflightMessages = maxInflightMessages;
    this.maxInflightBytes = maxInflightBytes;
  }

  /** Adds a member; its progress starts at (match, next). */
  add(id: number, isLearner: boolean, match: number, next: number): Progress {
    const progress = new Progress(match, next, this.maxInflightMessages, this.maxInflightBytes, isLearner);
    this.progress.set(id, progress);
    if (isLearner) this.learners.add(id);
    else this.voters.add(id);
    this.sortedMemberIdsCache = undefined;
    return progress;
  }

  remove(id: number): void {
    this.voters.delete(id);
    this.learners.delete(id);
    this.progress.delete(id);
    this.sortedMemberIdsCache = undefined;
  }

  promote(id: number): void {
    const progress = this.progress.get(id);
    if (progress === undefined) return;
    progress.isLearner = false;
    this.learners.delete(id);
    this.voters.add(id);
  }

  /**
   * Fresh progress for every member after a role change: everyone probes from the
   * leader's last index; only `selfId` is known to match it.
   */
  resetProgress(lastIndex: number, selfId: number): void {
    for (const [id, old] of this.progress) {
      const progress = new Progress(id === selfId ? lastIndex : 0, lastIndex + 1, this.maxInflightMessages, this.maxInflightBytes, old.isLearner);
      this.progress.set(id, progress);
    }
  }

  quorum(): number {
    return Math.floor(this.voters.size / 2) + 1;
  }

  /**
   * Whether the group has a single voter: its leader needs nobody to confirm a read.
   * Learners do not count: their acknowledgements prove nothing about leadership, and
   * waiting for them would stall reads while a learner is unreachable.
   */
  isSingleton(): boolean {
    return this.voters.size === 1;
  }

  /** The highest index replicated on a quorum of voters. */
  committed(): number {
    const count = this.voters.size;
    if (count === 0) return Number.MAX_SAFE_INTEGER;
    // Hot path: runs on every append and acknowledgement. An insertion sort (descending)
    // into reused scratch space: no allocation, and fast for the few voters a group has.
    if (this.matchScratch.length !== count) this.matchScratch = new Array<number>(count).fill(0);
    const matches = this.matchScratch;
    let position = 0;
    for (const id of this.voters) {
      const match = this.progress.get(id)?.match ?? 0;
      let slot = position++;
      while (slot > 0 && matches[slot - 1]! < match) {
        matches[slot] = matches[slot - 1]!;
        slot--;
      }
      matches[slot] = match;
    }
    return matches[this.quorum() - 1]!;
  }

  /** Whether a quorum of voters has been recently active. */
  quorumActive(): boolean {
    let active = 0;
    for (const id of this.voters) if (this.progress.get(id)?.recentActive === true) active++;
    return active >= this.quorum();
  }

  /** Whether the given set of acknowledging nodes includes a quorum of voters. */
  isQuorum(acknowledged: ReadonlySet<number>): boolean {
    let count = 0;
    for (const id of this.voters) if (acknowledged.has(id)) count++;
    return count >= this.quorum();
  }

  resetVotes(): void {
    this.votes.clear();
  }

  /** Records a vote; only the first vote of each node counts. */
  recordVote(id: number, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): { granted: number; rejected: number; result: VoteResult } {
    let granted = 0;
    let rejected = 0;
    for (const id of this.voters) {
      const vote = this.votes.get(id);
      if (vote === true) granted++;
      else if (vote === false) rejected++;
    }
    const quorum = this.quorum();
    let result: VoteResult = 'pending';
    if (granted >= quorum) result = 'won';
    else if (this.voters.size - rejected < quorum) result = 'lost';
    return { granted, rejected, result };
  }

  /** Member ids in ascending order, so every walk over members is deterministic. */
  sortedIds(): number[] {
    return [...this.progress.keys()].sort((a, b) => a - b);
  }

  /**
   * Member ids (voters and learners) in ascending order, cached until membership changes.
   * The array is never mutated: a membership change replaces it.
   */
  sortedMemberIds(): readonly number[] {
    if (this.sortedMemberIdsCache === undefined || this.sortedMemberIdsCache.length !== this.progress.size) {
      this.sortedMemberIdsCache = [...this.progress.keys()].sort((a, b) => a - b);
    }
    return this.sortedMemberIdsCache;
  }

  confState(): ConfState {
    return { voters: [...this.voters].sort((a, b) => a - b), learners: [...this.learners].sort((a, b) => a - b) };
  }
}
