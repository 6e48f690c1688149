import { resolveRaftConfig, type RaftConfig } from './config.js';
import { encodeConfChange } from './conf-change.js';
import { ProposalDroppedError, StepLocalMessageError } from './errors.js';
import { Raft } from './raft.js';
import {
  type ConfChange,
  type ConfState,
  type Entry,
  EntryType,
  type HardState,
  hardStatesEqual,
  isEmptyHardState,
  isLocalMessage,
  isResponseMessage,
  type Message,
  MessageType,
  messageTypeName,
  type ReadState,
  type Snapshot,
  type SoftState,
} from './types.js';

/** What the application must persist, send and apply; see README.md for the order. */
export interface Ready {
  /** Present when it changed since the last Ready. */
  readonly softState?: SoftState;
  /** Present when it changed since the last Ready; persist it with `entries`. */
  readonly hardState?: HardState;
  readonly readStates: readonly ReadState[];
  /** Entries to persist before sending `messages`. */
  readonly entries: readonly Entry[];
  /** A snapshot to persist and apply before the entries. */
  readonly snapshot?: Snapshot;
  /** Entries committed and ready to apply, in order. */
  readonly committedEntries: readonly Entry[];
  readonly messages: readonly Message[];
  /** Whether the hard state or entries must be written with fsync. */
  readonly mustSync: boolean;
}

export type SnapshotStatus = 'finish' | 'failure';

export interface ProgressStatus {
  readonly match: number;
  readonly next: number;
  readonly state: 'probe' | 'replicate' | 'snapshot';
  readonly recentActive: boolean;
  readonly isLearner: boolean;
}

export interface Status {
  readonly id: number;
  readonly hardState: HardState;
  readonly softState: SoftState;
  readonly applied: number;
  readonly leadTransferee: number;
  /** Per-peer replication progress; empty unless this node is the leader. */
  readonly progress: ReadonlyMap<number, ProgressStatus>;
  readonly confState: ConfState;
}

/**
 * Drops acknowledgements (accepted AppendResponses) from an earlier term than the node's.
 * Between two Readies a node may step several messages: it can queue "I have up to N"
 * for entries of term T, then have those unpersisted entries truncated by the leader of
 * a later term. Sending the old acknowledgement after persisting this Ready would claim
 * entries the node never stored, and the old leader could count it toward a commit.
 * Within one term a leader never truncates what it sent, so a current-term
 * acknowledgement is always backed by what this Ready persists. Dropping a message is
 * always safe: the sender retries. (Found by the simulator; see sim/sim.test.ts.)
 */
function withoutStaleAcknowledgements(messages: Message[], term: number): Message[] {
  // Hot path: scan first, and allocate only when something must go.
  let stale = false;
  for (const message of messages) {
    if (message.type === MessageType.AppendResponse && !message.reject && message.term < term) {
      stale = true;
      break;
    }
  }
  if (!stale) return messages;
  return messages.filter((message) => !(message.type === MessageType.AppendResponse && !message.reject && message.term < term));
}

/**
 * The application's handle on one Raft node: feed it ticks, messages and proposals,
 * drain `Ready`s, and `advance` after handling each.
 */
export class RawNode {
  readonly raft: Raft;
  private previousSoftState: SoftState;
  private previousHardState: HardState;

  constructor(config: RaftConfig) {
    this.raft = new Raft(resolveRaftConfig(config));
    this.previousSoftState = this.raft.softState();
    this.previousHardState = this.raft.hardState();
  }

  tick(): void {
    this.raft.tick();
  }

  /** Starts an election now (tests, or a node that knows it should lead). */
  campaign(): void {
    this.raft.step(this.local(MessageType.Hup, []));
  }

  /** Proposes data to be appended to the log. Throws ProposalDroppedError when it cannot be. */
  propose(data: Uint8Array): void {
    this.proposeEntry({ type: EntryType.Normal, term: 0, index: 0, data });
  }

  /**
   * Proposes several entries at once: they are appended together and share one append
   * message per follower (a raftstore drains its proposal inbox this way). All or none
   * are accepted; throws ProposalDroppedError when none are.
   */
  proposeBatch(data: readonly Uint8Array[]): void {
    if (data.length === 0) return;
    const entries = data.map((payload): Entry => ({ type: EntryType.Normal, term: 0, index: 0, data: payload }));
    const result = this.raft.step(this.local(MessageType.Propose, entries, this.raft.id));
    if (result === 'proposal-dropped') {
      throw new ProposalDroppedError(`node ${this.raft.id} (${this.raft.role}, leader ${this.raft.leaderId}) dropped ${data.length} proposals`);
    }
  }

  /** Proposes a membership change; apply it with `applyConfChange` once it is committed. */
  proposeConfChange(change: ConfChange): void {
    this.proposeEntry({ type: EntryType.ConfChange, term: 0, index: 0, data: encodeConfChange(change) });
  }

  private proposeEntry(entry: Entry): void {
    // Hot path: one message object per proposal (no spread copy).
    const result = this.raft.step(this.local(MessageType.Propose, [entry], this.raft.id));
    if (result === 'proposal-dropped') {
      throw new ProposalDroppedError(`node ${this.raft.id} (${this.raft.role}, leader ${this.raft.leaderId}) dropped the proposal`);
    }
  }

  /** Applies a committed membership change; returns the new configuration to persist. */
  applyConfChange(change: ConfChange): ConfState {
    return this.raft.applyConfChange(change);
  }

  /**
   * Steps a message received from a peer. Responses from nodes not in the configuration
   * are dropped; a proposal forwarded to us that we cannot accept is dropped too (the
   * proposer learns of it by timing out, as with any lost message).
   */
  step(message: Message): void {
    if (isLocalMessage(message.type)) {
      throw new StepLocalMessageError(`cannot step the local message ${messageTypeName(message.type)}`);
    }
    if (!this.raft.tracker.progress.has(message.from) && isResponseMessage(message.type)) return;
    this.raft.step(message);
  }

  /**
   * Requests a linearizable read point; a ReadState with the same context appears in a
   * later Ready once it is confirmed.
   */
  readIndex(requestContext: Uint8Array): void {
    this.raft.step(this.local(MessageType.ReadIndex, [{ type: EntryType.Normal, term: 0, index: 0, data: requestContext }]));
  }

  /** Asks the leader to hand leadership to `transferee`. */
  transferLeader(transferee: number): void {
    this.raft.step({ ...this.local(MessageType.TransferLeader, []), from: transferee });
  }

  /** The transport failed to reach `id`; the leader goes back to probing it. */
  reportUnreachable(id: number): void {
    this.raft.step({ ...this.local(MessageType.Unreachable, []), from: id });
  }

  /** The outcome of sending a snapshot to `id`. */
  reportSnapshot(id: number, status: SnapshotStatus): void {
    this.raft.step({ ...this.local(MessageType.SnapshotStatus, []), from: id, reject: status === 'failure' });
  }

  private local(type: MessageType, entries: Entry[], from = 0): Message {
    return { type, to: this.raft.id, from, term: 0, logTerm: 0, index: 0, entries, commit: 0, reject: false, rejectHint: 0 };
  }

  hasReady(): boolean {
    const raft = this.raft;
    const softState = raft.softState();
    if (softState.leaderId !== this.previousSoftState.leaderId || softState.role !== this.previousSoftState.role) return true;
    const hardState = raft.hardState();
    if (!isEmptyHardState(hardState) && !hardStatesEqual(hardState, this.previousHardState)) return true;
    if (raft.raftLog.hasPendingSnapshot()) return true;
    if (raft.messages.length > 0 || raft.raftLog.unstableEntries().length > 0 || raft.raftLog.hasNextCommittedEntries()) return true;
    return raft.readStates.length > 0;
  }

  /** Everything to persist, send and apply since the last Ready. Call `advance` after handling it. */
  ready(): Ready {
    const raft = this.raft;
    const softState = raft.softState();
    const hardState = raft.hardState();
    const softChanged = softState.leaderId !== this.previousSoftState.leaderId || softState.role !== this.previousSoftState.role;
    const hardChanged = !isEmptyHardState(hardState) && !hardStatesEqual(hardState, this.previousHardState);
    const entries = raft.raftLog.unstableEntries().slice();
    const snapshot = raft.raftLog.unstable.snapshot;
    // Hot path: one Ready per node per loop iteration. Conditional spreads here made V8
    // build the object field by field in its slow path (and made every reader of it slow);
    // a fixed literal with the optional fields assigned afterwards stays fast.
    const ready: { -readonly [Field in keyof Ready]: Ready[Field] } = {
      readStates: raft.readStates,
      entries,
      committedEntries: raft.raftLog.nextCommittedEntries(),
      messages: withoutStaleAcknowledgements(raft.messages, raft.term),
      mustSync: entries.length > 0 || (hardChanged && (hardState.term !== this.previousHardState.term || hardState.vote !== this.previousHardState.vote)),
    };
    if (softChanged) ready.softState = softState;
    if (hardChanged) ready.hardState = hardState;
    if (snapshot !== undefined) ready.snapshot = snapshot;
    // Messages and read states are handed out once; the rest is acknowledged in advance().
    raft.messages = [];
    raft.readStates = [];
    if (softChanged) this.previousSoftState = softState;
    return ready;
  }

  /** The application handled `ready`: its entries are persisted and its committed entries applied. */
  advance(ready: Ready): void {
    const raft = this.raft;
    if (ready.hardState !== undefined) this.previousHardState = ready.hardState;
    // Hot path: read a last element only when there is one; indexing an empty array at -1
    // is a slow named-property lookup in V8, and most Readies lack one of the two lists.
    const committedCount = ready.committedEntries.length;
    const lastCommitted = committedCount > 0 ? ready.committedEntries[committedCount - 1] : undefined;
    if (lastCommitted !== undefined) {
      raft.raftLog.appliedTo(lastCommitted.index);
      raft.reduceUncommittedSize(ready.committedEntries);
    } else if (ready.snapshot !== undefined && ready.snapshot.metadata.index > raft.raftLog.applied) {
      raft.raftLog.appliedTo(ready.snapshot.metadata.index);
    }
    const lastEntry = ready.entries.length > 0 ? ready.entries[ready.entries.length - 1] : undefined;
    if (lastEntry !== undefined) raft.raftLog.stableTo(lastEntry.index, lastEntry.term);
    if (ready.snapshot !== undefined) raft.raftLog.stableSnapshotTo(ready.snapshot.metadata.index);
  }

  status(): Status {
    const raft = this.raft;
    const progress = new Map<number, ProgressStatus>();
    if (raft.role === 'leader') {
      for (const [id, entry] of raft.tracker.progress) {
        progress.set(id, { match: entry.match, next: entry.next, state: entry.state, recentActive: entry.recentActive, isLearner: entry.isLearner });
      }
    }
    return {
      id: raft.id,
      hardState: raft.hardState(),
      softState: raft.softState(),
      applied: raft.raftLog.applied,
      leadTransferee: raft.leadTransferee,
      progress,
      confState: raft.tracker.confState(),
    };
  }
}
