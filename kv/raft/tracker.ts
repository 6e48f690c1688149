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
    return progress;
  }

  remove(id: number): void {
    this.voters.delete(id);
    this.learners.delete(id);
    this.progress.delete(id);
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

  isSingleton(): boolean {
    return this.voters.size === 1 && this.learners.size === 0;
  }

  /** The highest index replicated on a quorum of voters. */
  committed(): number {
    const count = this.voters.size;
    if (count === 0) return Number.MAX_SAFE_INTEGER;
    const matches: number[] = [];
    for (const id of this.voters) matches.push(this.progress.get(id)?.match ?? 0);
    matches.sort((a, b) => b - a);
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

  confState(): ConfState {
    return { voters: [...this.voters].sort((a, b) => a - b), learners: [...this.learners].sort((a, b) => a - b) };
  }
}
