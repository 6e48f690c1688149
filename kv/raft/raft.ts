import { assert, AssertionError, unreachable } from '../../common/assert.js';
import { type ResolvedRaftConfig, type ReadOnlyOption } from './config.js';
import { decodeConfChange } from './conf-change.js';
import { SnapshotTemporarilyUnavailableError, CompactedError } from './errors.js';
import { RaftLog } from './raft-log.js';
import { ReadOnly } from './read-only.js';
import { ProgressTracker } from './tracker.js';
import {
  type ConfChange,
  ConfChangeType,
  type ConfState,
  type Entry,
  EntryType,
  type HardState,
  isEmptyHardState,
  isEmptySnapshot,
  type Message,
  MessageType,
  noLeader,
  type ReadState,
  Role,
  type Snapshot,
  type SoftState,
} from './types.js';
import { entryPayloadSizeBytes, entrySizeBytes } from './util.js';

/** Why a campaign starts: a normal election, its pre-vote round, or a leader transfer. */
type CampaignKind = 'pre-election' | 'election' | 'transfer';

/** The context that marks votes of a leader transfer: they override the leader lease. */
const campaignTransferContext = new TextEncoder().encode('CampaignTransfer');

export type StepResult = 'ok' | 'proposal-dropped';

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  if (a === undefined || a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

function voteResponseType(type: MessageType): MessageType {
  if (type === MessageType.RequestVote) return MessageType.RequestVoteResponse;
  if (type === MessageType.RequestPreVote) return MessageType.RequestPreVoteResponse;
  throw new AssertionError(`not a vote message: ${type}`);
}

/** The entry list of messages that carry none; shared, as nothing mutates a message's entries. */
const noEntries: readonly Entry[] = [];

/** A message under construction: `send` fills in `from` and, for most types, `term`. */
type Outgoing = Partial<Message> & Pick<Message, 'type' | 'to'>;


/**
 * The Raft state machine of one node (Ongaro's thesis, structured as etcd-raft). Pure:
 * it only changes its own fields and queues messages; RawNode hands them out.
 */
export class Raft {
  readonly id: number;
  // Invariant: persisted together with vote and commit before any message of this term is sent.
  term = 0;
  vote = noLeader;
  readStates: ReadState[] = [];
  readonly raftLog: RaftLog;
  tracker: ProgressTracker;
  role: Role = Role.Follower;
  /** Whether this node is a learner in the current configuration. */
  isLearner = false;
  messages: Message[] = [];
  leaderId = noLeader;
  /** The node a leader transfer is under way to, or 0. */
  leadTransferee = noLeader;
  /**
   * The log index of the latest conf change proposed; a new one is refused until the log
   * is applied past it (one change at a time).
   */
  pendingConfIndex = 0;
  /** Payload bytes of entries appended but not yet committed (leader only). */
  uncommittedSizeBytes = 0;
  readOnly = new ReadOnly();
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  /** ReadIndex requests that arrived before this leader committed an entry of its term. */
  private pendingReadIndexMessages: Message[] = [];

  private readonly config: ResolvedRaftConfig;
  readonly readOnlyOption: ReadOnlyOption;

  constructor(config: ResolvedRaftConfig) {
    this.config = config;
    this.id = config.id;
    this.readOnlyOption = config.readOnlyOption;
    this.raftLog = new RaftLog(config.storage, config.maxCommittedSizePerReadyBytes);
    const { hardState, confState } = config.storage.initialState();
    this.tracker = this.trackerFromConfState(confState);
    this.isLearner = this.tracker.learners.has(this.id);
    if (!isEmptyHardState(hardState)) this.loadState(hardState);
    if (config.applied > 0) this.raftLog.appliedTo(config.applied);
    this.becomeFollower(this.term, noLeader);
  }

  private trackerFromConfState(confState: ConfState): ProgressTracker {
    const tracker = new ProgressTracker(this.config.maxInflightMessages, this.config.maxInflightBytes);
    const next = this.raftLog.lastIndex() + 1;
    for (const id of confState.voters) tracker.add(id, false, 0, next);
    for (const id of confState.learners) {
      assert(!tracker.voters.has(id), `node ${id} is both voter and learner`);
      tracker.add(id, true, 0, next);
    }
    return tracker;
  }

  private loadState(state: HardState): void {
    assert(
      state.commit >= this.raftLog.committed && state.commit <= this.raftLog.lastIndex(),
      `${this.id} state.commit ${state.commit} is out of range [${this.raftLog.committed}, ${this.raftLog.lastIndex()}]`,
    );
    this.raftLog.committed = state.commit;
    this.term = state.term;
    this.vote = state.vote;
  }

  softState(): SoftState {
    return { leaderId: this.leaderId, role: this.role };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.raftLog.committed };
  }

  // --- sending ---

  private send(message: Outgoing): void {
    const type = message.type;
    let term = message.term ?? 0;
    // Hot path: every message passes here, so the assertion messages are built only on
    // failure and the message is one object literal with the optional fields added only
    // when present (no spread temporaries, no fresh empty entry list).
    if (type === MessageType.RequestVote || type === MessageType.RequestVoteResponse || type === MessageType.RequestPreVote || type === MessageType.RequestPreVoteResponse) {
      // Vote messages carry the term they are about (for pre-votes, the future term).
      if (term === 0) throw new AssertionError(`term should be set when sending ${type}`);
    } else {
      if (term !== 0) throw new AssertionError(`term should not be set when sending ${type} (was ${term})`);
      // Forwarded proposals and read requests travel as local messages without a term.
      if (type !== MessageType.Propose && type !== MessageType.ReadIndex) term = this.term;
    }
    const out: { -readonly [Field in keyof Message]: Message[Field] } = {
      type,
      to: message.to,
      // A forwarded message keeps its origin (e.g. the transferee of a TransferLeader).
      from: message.from === undefined || message.from === noLeader ? this.id : message.from,
      term,
      logTerm: message.logTerm ?? 0,
      index: message.index ?? 0,
      entries: message.entries ?? noEntries,
      commit: message.commit ?? 0,
      reject: message.reject ?? false,
      rejectHint: message.rejectHint ?? 0,
    };
    if (message.snapshot !== undefined) out.snapshot = message.snapshot;
    if (message.context !== undefined) out.context = message.context;
    this.messages.push(out);
  }

  /** Sends an append (or a snapshot) to `to` if its progress allows; always when `sendIfEmpty`. */
  maybeSendAppend(to: number, sendIfEmpty: boolean): boolean {
    const progress = this.tracker.progress.get(to);
    if (progress === undefined || progress.isPaused()) return false;
    // Hot path: after every acknowledgement the leader tries to fill the window; with
    // nothing new to send, stop before reading terms and slicing the log (the general
    // path below would find no entries and return false too).
    if (!sendIfEmpty && progress.next > this.raftLog.lastIndex()) return false;
    const previousIndex = progress.next - 1;
    const previousTerm = this.raftLog.term(previousIndex);
    let entries: Entry[] | undefined;
    try {
      entries = this.raftLog.entries(progress.next, this.config.maxSizePerMessageBytes);
    } catch (error) {
      if (!(error instanceof CompactedError)) throw error;
      entries = undefined;
    }
    if (entries !== undefined && entries.length === 0 && !sendIfEmpty) return false;

    if (previousTerm === undefined || entries === undefined) {
      // The entries the follower needs are compacted: send a snapshot instead.
      if (!progress.recentActive) return false;
      let snapshot: Snapshot;
      try {
        snapshot = this.raftLog.snapshot();
      } catch (error) {
        if (error instanceof SnapshotTemporarilyUnavailableError) return false;
        throw error;
      }
      assert(!isEmptySnapshot(snapshot), 'need a non-empty snapshot');
      progress.becomeSnapshot(snapshot.metadata.index);
      this.send({ to, type: MessageType.Snapshot, snapshot });
      return true;
    }

    let bytes = 0;
    for (const entry of entries) bytes += entrySizeBytes(entry);
    this.send({ to, type: MessageType.Append, index: previousIndex, logTerm: previousTerm, entries, commit: this.raftLog.committed });
    progress.sentEntries(entries.length, bytes);
    return true;
  }

  sendAppend(to: number): void {
    this.maybeSendAppend(to, true);
  }

  private sendHeartbeat(to: number, context: Uint8Array | undefined): void {
    // The follower may not have everything up to our commit: never tell it more than it matches.
    const progress = this.tracker.progress.get(to);
    const commit = Math.min(progress?.match ?? 0, this.raftLog.committed);
    this.send({ to, type: MessageType.Heartbeat, commit, ...(context === undefined ? {} : { context }) });
  }

  bcastAppend(): void {
    // Hot path: runs on every proposal and commit; the sorted member list is cached.
    for (const id of this.tracker.sortedMemberIds()) if (id !== this.id) this.sendAppend(id);
  }

  private bcastHeartbeat(): void {
    this.bcastHeartbeatWithContext(this.readOnly.lastPendingRequestContext());
  }

  private bcastHeartbeatWithContext(context: Uint8Array | undefined): void {
    for (const id of this.tracker.sortedMemberIds()) if (id !== this.id) this.sendHeartbeat(id, context);
  }

  /** Advances the commit index to what a quorum has; returns whether it moved. */
  maybeCommit(): boolean {
    return this.raftLog.maybeCommit(this.tracker.committed(), this.term);
  }

  // --- roles ---

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = noLeader;
    }
    this.leaderId = noLeader;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.abortLeaderTransfer();
    this.tracker.resetVotes();
    this.tracker.resetProgress(this.raftLog.lastIndex(), this.id);
    this.pendingConfIndex = 0;
    this.uncommittedSizeBytes = 0;
    this.readOnly = new ReadOnly();
    this.pendingReadIndexMessages = [];
  }

  private resetRandomizedElectionTimeout(): void {
    const electionTimeout = this.config.electionTick;
    this.randomizedElectionTimeout = electionTimeout + Math.floor(this.config.random() * electionTimeout);
  }

  becomeFollower(term: number, leaderId: number): void {
    this.reset(term);
    this.leaderId = leaderId;
    this.role = Role.Follower;
  }

  becomePreCandidate(): void {
    assert(this.role !== Role.Leader, 'invalid transition [leader -> pre-candidate]');
    // A pre-candidate changes neither its term nor its vote: it only asks whether it could win.
    this.tracker.resetVotes();
    this.leaderId = noLeader;
    this.role = Role.PreCandidate;
  }

  becomeCandidate(): void {
    assert(this.role !== Role.Leader, 'invalid transition [leader -> candidate]');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = Role.Candidate;
  }

  becomeLeader(): void {
    assert(this.role !== Role.Follower, 'invalid transition [follower -> leader]');
    this.reset(this.term);
    this.leaderId = this.id;
    this.role = Role.Leader;
    const self = this.tracker.progress.get(this.id);
    if (self !== undefined) {
      // The leader's own progress is always "replicating" and active.
      self.becomeReplicate();
      self.recentActive = true;
    }
    // Conservatively treat any unapplied entry as a possible conf change: no new change
    // may be proposed until everything in the log at election time is applied.
    this.pendingConfIndex = this.raftLog.lastIndex();
    // An empty entry of the new term: committing it commits everything before it (§5.4.2).
    const appended = this.appendEntries([{ type: EntryType.Normal, term: 0, index: 0, data: new Uint8Array(0) }]);
    assert(appended, 'empty entry was dropped');
  }

  private promotable(): boolean {
    const progress = this.tracker.progress.get(this.id);
    return progress !== undefined && !progress.isLearner && !this.raftLog.hasPendingSnapshot();
  }

  private hup(kind: CampaignKind): void {
    if (this.role === Role.Leader) return;
    if (!this.promotable()) return;
    // Committed but unapplied conf changes would change who may vote: wait for them.
    if (this.raftLog.committed > this.raftLog.applied) {
      const unapplied = this.raftLog.slice(this.raftLog.applied + 1, this.raftLog.committed + 1, Number.POSITIVE_INFINITY);
      if (unapplied.some((entry) => entry.type === EntryType.ConfChange)) return;
    }
    this.campaign(kind);
  }

  private campaign(kind: CampaignKind): void {
    if (!this.promotable()) return;
    let voteType: MessageType;
    let term: number;
    if (kind === 'pre-election') {
      this.becomePreCandidate();
      voteType = MessageType.RequestPreVote;
      // Pre-votes ask about the next term without moving to it.
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      voteType = MessageType.RequestVote;
      term = this.term;
    }
    if (this.poll(this.id, voteResponseType(voteType), true) === 'won') {
      // A single-voter cluster wins at once.
      if (kind === 'pre-election') this.campaign('election');
      else this.becomeLeader();
      return;
    }
    for (const id of [...this.tracker.voters].sort((a, b) => a - b)) {
      if (id === this.id) continue;
      this.send({
        to: id,
        type: voteType,
        term,
        index: this.raftLog.lastIndex(),
        logTerm: this.raftLog.lastTerm(),
        ...(kind === 'transfer' ? { context: campaignTransferContext } : {}),
      });
    }
  }

  private poll(id: number, _type: MessageType, granted: boolean): 'pending' | 'won' | 'lost' {
    this.tracker.recordVote(id, granted);
    return this.tracker.tallyVotes().result;
  }

  // --- ticking ---

  tick(): void {
    if (this.role === Role.Leader) this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.step(this.localMessage(MessageType.Hup));
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.config.electionTick) {
      this.electionElapsed = 0;
      if (this.config.checkQuorum) this.step(this.localMessage(MessageType.CheckQuorum));
      // A transfer that has not finished within an election timeout is abandoned.
      if (this.role === Role.Leader && this.leadTransferee !== noLeader) this.abortLeaderTransfer();
    }
    if (this.role !== Role.Leader) return;
    if (this.heartbeatElapsed >= this.config.heartbeatTick) {
      this.heartbeatElapsed = 0;
      this.step(this.localMessage(MessageType.Beat));
    }
  }

  private localMessage(type: MessageType): Message {
    return { type, to: this.id, from: this.id, term: 0, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0 };
  }

  // --- stepping ---

  step(message: Message): StepResult {
    if (message.term === 0) {
      // Local message (or a forwarded proposal / read request).
    } else if (message.term > this.term) {
      if (message.type === MessageType.RequestVote || message.type === MessageType.RequestPreVote) {
        const force = sameBytes(message.context, campaignTransferContext);
        const inLease = this.config.checkQuorum && this.leaderId !== noLeader && this.electionElapsed < this.config.electionTick;
        // While we heard from a live leader within the election timeout, a vote request
        // is from a disruptive node: ignore it and do not raise our term (§4.2.3).
        if (!force && inLease) return 'ok';
      }
      if (message.type === MessageType.RequestPreVote) {
        // A pre-vote request never changes our term.
      } else if (message.type === MessageType.RequestPreVoteResponse && !message.reject) {
        // A granted pre-vote carries the future term; we move to it only on winning.
      } else if (message.type === MessageType.Append || message.type === MessageType.Heartbeat || message.type === MessageType.Snapshot) {
        this.becomeFollower(message.term, message.from);
      } else {
        this.becomeFollower(message.term, noLeader);
      }
    } else if (message.term < this.term) {
      if ((this.config.checkQuorum || this.config.preVote) && (message.type === MessageType.Heartbeat || message.type === MessageType.Append)) {
        // A stale leader would otherwise never learn of the new term: with check-quorum or
        // pre-vote our higher term does not reach it through votes. Tell it.
        this.send({ to: message.from, type: MessageType.AppendResponse });
      } else if (message.type === MessageType.RequestPreVote) {
        this.send({ to: message.from, term: this.term, type: MessageType.RequestPreVoteResponse, reject: true });
      }
      return 'ok';
    }

    switch (message.type) {
      case MessageType.Hup:
        this.hup(this.config.preVote ? 'pre-election' : 'election');
        return 'ok';
      case MessageType.RequestVote:
      case MessageType.RequestPreVote: {
        const canVote =
          this.vote === message.from ||
          (this.vote === noLeader && this.leaderId === noLeader) ||
          (message.type === MessageType.RequestPreVote && message.term > this.term);
        if (canVote && this.raftLog.isUpToDate(message.index, message.logTerm)) {
          this.send({ to: message.from, term: message.term, type: voteResponseType(message.type) });
          if (message.type === MessageType.RequestVote) {
            this.electionElapsed = 0;
            this.vote = message.from;
          }
        } else {
          this.send({ to: message.from, term: this.term, type: voteResponseType(message.type), reject: true });
        }
        return 'ok';
      }
      default:
        switch (this.role) {
          case Role.Leader:
            return this.stepLeader(message);
          case Role.Candidate:
          case Role.PreCandidate:
            return this.stepCandidate(message);
          case Role.Follower:
            return this.stepFollower(message);
          default:
            return unreachable(this.role);
        }
    }
  }

  private stepLeader(message: Message): StepResult {
    switch (message.type) {
      case MessageType.Beat:
        this.bcastHeartbeat();
        return 'ok';
      case MessageType.CheckQuorum:
        if (!this.tracker.quorumActive()) this.becomeFollower(this.term, noLeader);
        // Everyone but us must prove activity again before the next check.
        for (const [id, progress] of this.tracker.progress) if (id !== this.id) progress.recentActive = false;
        return 'ok';
      case MessageType.Propose:
        return this.stepLeaderPropose(message);
      case MessageType.ReadIndex:
        if (this.tracker.isSingleton()) {
          this.respondToReadIndex(message, this.raftLog.committed);
          return 'ok';
        }
        // Until an entry of this term commits, our commit index may be behind the
        // previous leader's: postpone the request (§6.4).
        if (!this.committedEntryInCurrentTerm()) {
          this.pendingReadIndexMessages.push(message);
          return 'ok';
        }
        this.sendReadIndexResponse(message);
        return 'ok';
      default:
        break;
    }

    const progress = this.tracker.progress.get(message.from);
    if (progress === undefined) return 'ok';
    switch (message.type) {
      case MessageType.AppendResponse: {
        progress.recentActive = true;
        if (message.reject) {
          let nextProbeIndex = message.rejectHint;
          if (message.logTerm > 0) {
            // The follower told us the term at its hint: skip every entry of ours with a
            // larger term in one step.
            nextProbeIndex = this.raftLog.findConflictByTerm(message.rejectHint, message.logTerm)[0];
          }
          if (progress.maybeDecrTo(message.index, nextProbeIndex)) {
            if (progress.state === 'replicate') progress.becomeProbe();
            this.sendAppend(message.from);
          }
          return 'ok';
        }
        const wasPaused = progress.isPaused();
        if (progress.maybeUpdate(message.index) || (progress.match === message.index && progress.state === 'probe')) {
          if (progress.state === 'probe') {
            progress.becomeReplicate();
          } else if (progress.state === 'snapshot' && progress.match + 1 >= this.raftLog.firstIndex()) {
            // The follower can continue from the log: back to replicating via probe.
            progress.becomeProbe();
            progress.becomeReplicate();
          } else if (progress.state === 'replicate') {
            progress.inflights.freeLE(message.index);
          }
          if (this.maybeCommit()) {
            this.releasePendingReadIndexMessages();
            this.bcastAppend();
          } else if (wasPaused) {
            this.sendAppend(message.from);
          }
          // Fill the window.
          while (this.maybeSendAppend(message.from, false)) {
            // keep sending
          }
          if (message.from === this.leadTransferee && progress.match === this.raftLog.lastIndex()) {
            this.sendTimeoutNow(message.from);
          }
        }
        return 'ok';
      }
      case MessageType.HeartbeatResponse: {
        progress.recentActive = true;
        progress.probeSent = false;
        // The follower is alive: free one slot so a full window can make progress.
        if (progress.state === 'replicate' && progress.inflights.full()) progress.inflights.freeFirstOne();
        if (progress.match < this.raftLog.lastIndex()) this.sendAppend(message.from);
        if (this.readOnlyOption !== 'safe' || message.context === undefined || message.context.length === 0) return 'ok';
        const acknowledged = this.readOnly.receiveAcknowledgement(message.from, message.context);
        if (acknowledged === undefined || !this.tracker.isQuorum(acknowledged)) return 'ok';
        for (const status of this.readOnly.advance(message.context)) this.respondToReadIndex(status.request, status.index);
        return 'ok';
      }
      case MessageType.SnapshotStatus:
        if (progress.state !== 'snapshot') return 'ok';
        if (message.reject) progress.pendingSnapshot = 0;
        progress.becomeProbe();
        // Wait for a heartbeat response before sending the next append.
        progress.probeSent = true;
        return 'ok';
      case MessageType.Unreachable:
        // The follower may have dropped our appends: probe again.
        if (progress.state === 'replicate') progress.becomeProbe();
        return 'ok';
      case MessageType.TransferLeader: {
        if (progress.isLearner) return 'ok';
        const transferee = message.from;
        if (this.leadTransferee !== noLeader) {
          if (this.leadTransferee === transferee) return 'ok';
          this.abortLeaderTransfer();
        }
        if (transferee === this.id) return 'ok';
        // The transfer must finish within one election timeout.
        this.electionElapsed = 0;
        this.leadTransferee = transferee;
        if (progress.match === this.raftLog.lastIndex()) this.sendTimeoutNow(transferee);
        else this.sendAppend(transferee);
        return 'ok';
      }
      default:
        return 'ok';
    }
  }

  private stepLeaderPropose(message: Message): StepResult {
    // Hot path: runs once per proposal, so the assertion message is built only on failure
    // and the entries are copied only when a conf change must be replaced.
    if (message.entries.length === 0) throw new AssertionError(`${this.id} stepped an empty proposal`);
    if (!this.tracker.progress.has(this.id)) return 'proposal-dropped';
    if (this.leadTransferee !== noLeader) return 'proposal-dropped';
    let entries = message.entries;
    for (let index = 0; index < entries.length; index++) {
      const entry = entries[index]!;
      if (entry.type !== EntryType.ConfChange) continue;
      const alreadyPending = this.pendingConfIndex > this.raftLog.applied;
      let refused = alreadyPending;
      if (!refused) {
        const change = decodeConfChange(entry.data);
        // Removing the last voter would leave nobody to commit anything.
        refused = change.type === ConfChangeType.RemoveNode && this.tracker.voters.size === 1 && this.tracker.voters.has(change.nodeId);
      }
      if (refused) {
        // Replace the change with an empty entry so the proposal's slot still commits.
        const replaced = entries.slice();
        replaced[index] = { type: EntryType.Normal, term: 0, index: 0, data: new Uint8Array(0) };
        entries = replaced;
      } else {
        this.pendingConfIndex = this.raftLog.lastIndex() + index + 1;
      }
    }
    if (!this.appendEntries(entries)) return 'proposal-dropped';
    this.bcastAppend();
    return 'ok';
  }

  private stepCandidate(message: Message): StepResult {
    const myVoteResponse = this.role === Role.PreCandidate ? MessageType.RequestPreVoteResponse : MessageType.RequestVoteResponse;
    switch (message.type) {
      case MessageType.Propose:
        return 'proposal-dropped';
      case MessageType.Append:
        this.becomeFollower(message.term, message.from);
        this.handleAppendEntries(message);
        return 'ok';
      case MessageType.Heartbeat:
        this.becomeFollower(message.term, message.from);
        this.handleHeartbeat(message);
        return 'ok';
      case MessageType.Snapshot:
        this.becomeFollower(message.term, message.from);
        this.handleSnapshot(message);
        return 'ok';
      case myVoteResponse: {
        const result = this.poll(message.from, message.type, !message.reject);
        if (result === 'won') {
          if (this.role === Role.PreCandidate) {
            this.campaign('election');
          } else {
            this.becomeLeader();
            this.bcastAppend();
          }
        } else if (result === 'lost') {
          // A pre-vote loss may come with a higher term in rejections; staying at our term is safe.
          this.becomeFollower(this.term, noLeader);
        }
        return 'ok';
      }
      default:
        return 'ok';
    }
  }

  private stepFollower(message: Message): StepResult {
    switch (message.type) {
      case MessageType.Propose:
        if (this.leaderId === noLeader || this.config.disableProposalForwarding) return 'proposal-dropped';
        this.send({ to: this.leaderId, type: MessageType.Propose, from: message.from, entries: message.entries });
        return 'ok';
      case MessageType.Append:
        this.electionElapsed = 0;
        this.leaderId = message.from;
        this.handleAppendEntries(message);
        return 'ok';
      case MessageType.Heartbeat:
        this.electionElapsed = 0;
        this.leaderId = message.from;
        this.handleHeartbeat(message);
        return 'ok';
      case MessageType.Snapshot:
        this.electionElapsed = 0;
        this.leaderId = message.from;
        this.handleSnapshot(message);
        return 'ok';
      case MessageType.TransferLeader:
        if (this.leaderId === noLeader) return 'ok';
        this.send({ to: this.leaderId, type: MessageType.TransferLeader, from: message.from });
        return 'ok';
      case MessageType.TimeoutNow:
        // A transfer skips pre-vote: the leader itself asked us to take over.
        this.hup('transfer');
        return 'ok';
      case MessageType.ReadIndex:
        if (this.leaderId === noLeader) return 'ok';
        this.send({ to: this.leaderId, type: MessageType.ReadIndex, from: message.from, entries: message.entries });
        return 'ok';
      case MessageType.ReadIndexResponse:
        if (message.entries.length !== 1) return 'ok';
        this.readStates.push({ index: message.index, requestContext: message.entries[0]!.data });
        return 'ok';
      default:
        return 'ok';
    }
  }

  private handleAppendEntries(message: Message): void {
    if (message.index < this.raftLog.committed) {
      this.send({ to: message.from, type: MessageType.AppendResponse, index: this.raftLog.committed });
      return;
    }
    const lastNewIndex = this.raftLog.maybeAppend(message.index, message.logTerm, message.commit, message.entries);
    if (lastNewIndex !== undefined) {
      this.send({ to: message.from, type: MessageType.AppendResponse, index: lastNewIndex });
      return;
    }
    // Reject with a hint: the largest index <= the probe whose term is <= the probe's
    // term, so the leader can skip a whole conflicting term at once.
    const hintIndex = Math.min(message.index, this.raftLog.lastIndex());
    const [rejectHint, logTerm] = this.raftLog.findConflictByTerm(hintIndex, message.logTerm);
    this.send({ to: message.from, type: MessageType.AppendResponse, index: message.index, reject: true, rejectHint, logTerm });
  }

  private handleHeartbeat(message: Message): void {
    this.raftLog.commitTo(message.commit);
    this.send({ to: message.from, type: MessageType.HeartbeatResponse, ...(message.context === undefined ? {} : { context: message.context }) });
  }

  private handleSnapshot(message: Message): void {
    const snapshot = message.snapshot;
    if (snapshot !== undefined && this.restore(snapshot)) {
      this.send({ to: message.from, type: MessageType.AppendResponse, index: this.raftLog.lastIndex() });
    } else {
      this.send({ to: message.from, type: MessageType.AppendResponse, index: this.raftLog.committed });
    }
  }

  /** Installs a snapshot from the leader; returns false when it is stale or not for us. */
  restore(snapshot: Snapshot): boolean {
    const metadata = snapshot.metadata;
    if (metadata.index <= this.raftLog.committed) return false;
    if (this.role !== Role.Follower) {
      // Defense in depth: only followers install snapshots.
      this.becomeFollower(this.term + 1, noLeader);
      return false;
    }
    const confState = metadata.confState;
    if (!confState.voters.includes(this.id) && !confState.learners.includes(this.id)) return false;
    if (this.raftLog.matchTerm(metadata.index, metadata.term)) {
      // We already have the snapshot's last entry: just fast-forward the commit index.
      this.raftLog.commitTo(metadata.index);
      return false;
    }
    this.raftLog.restore(snapshot);
    this.tracker = this.trackerFromConfState(confState);
    this.isLearner = this.tracker.learners.has(this.id);
    const self = this.tracker.progress.get(this.id);
    if (self !== undefined) self.maybeUpdate(self.next - 1);
    return true;
  }

  // --- reads ---

  private committedEntryInCurrentTerm(): boolean {
    return this.raftLog.termOrZero(this.raftLog.committed) === this.term;
  }

  private respondToReadIndex(request: Message, readIndex: number): void {
    if (request.from === noLeader || request.from === this.id) {
      this.readStates.push({ index: readIndex, requestContext: request.entries[0]!.data });
      return;
    }
    this.send({ to: request.from, type: MessageType.ReadIndexResponse, index: readIndex, entries: request.entries });
  }

  private sendReadIndexResponse(message: Message): void {
    if (this.readOnlyOption === 'safe') {
      const context = message.entries[0]!.data;
      this.readOnly.addRequest(this.raftLog.committed, message);
      // The leader acknowledges its own heartbeat.
      this.readOnly.receiveAcknowledgement(this.id, context);
      this.bcastHeartbeatWithContext(context);
    } else {
      // Lease-based: the leader lease (check-quorum within an election timeout) stands
      // in for the heartbeat round; correct only while clocks drift boundedly.
      this.respondToReadIndex(message, this.raftLog.committed);
    }
  }

  private releasePendingReadIndexMessages(): void {
    if (this.pendingReadIndexMessages.length === 0 || !this.committedEntryInCurrentTerm()) return;
    const messages = this.pendingReadIndexMessages;
    this.pendingReadIndexMessages = [];
    for (const message of messages) this.sendReadIndexResponse(message);
  }

  // --- appending ---

  private appendEntries(entries: readonly Entry[]): boolean {
    const lastIndex = this.raftLog.lastIndex();
    const stamped = entries.map((entry, offset) => ({ type: entry.type, data: entry.data, term: this.term, index: lastIndex + 1 + offset }));
    if (!this.increaseUncommittedSize(stamped)) return false;
    const newLastIndex = this.raftLog.append(stamped);
    // The leader's own log counts toward the quorum; it persists before sending, so this
    // is safe (see Ready's contract).
    this.tracker.progress.get(this.id)?.maybeUpdate(newLastIndex);
    this.maybeCommit();
    return true;
  }

  private increaseUncommittedSize(entries: readonly Entry[]): boolean {
    const limit = this.config.maxUncommittedEntriesSizeBytes;
    let size = 0;
    for (const entry of entries) size += entryPayloadSizeBytes(entry);
    // Always accept something when nothing is uncommitted, so a large entry cannot wedge the log.
    if (limit > 0 && this.uncommittedSizeBytes > 0 && size > 0 && this.uncommittedSizeBytes + size > limit) return false;
    this.uncommittedSizeBytes += size;
    return true;
  }

  reduceUncommittedSize(entries: readonly Entry[]): void {
    if (this.uncommittedSizeBytes === 0) return;
    let size = 0;
    for (const entry of entries) size += entryPayloadSizeBytes(entry);
    this.uncommittedSizeBytes = size > this.uncommittedSizeBytes ? 0 : this.uncommittedSizeBytes - size;
  }

  // --- leader transfer ---

  private sendTimeoutNow(to: number): void {
    this.send({ to, type: MessageType.TimeoutNow });
  }

  abortLeaderTransfer(): void {
    this.leadTransferee = noLeader;
  }

  // --- membership ---

  applyConfChange(change: ConfChange): ConfState {
    switch (change.type) {
      case ConfChangeType.AddNode:
        this.addNode(change.nodeId, false);
        break;
      case ConfChangeType.AddLearnerNode:
        this.addNode(change.nodeId, true);
        break;
      case ConfChangeType.RemoveNode:
        this.tracker.remove(change.nodeId);
        break;
      default:
        unreachable(change.type);
    }
    return this.afterConfChange();
  }

  private addNode(id: number, asLearner: boolean): void {
    const existing = this.tracker.progress.get(id);
    if (existing === undefined) {
      // Probe from the last entry (as etcd-raft does), not past it: the first append then
      // carries an entry, so afterConfChange reaches the new member at once instead of a
      // heartbeat round later.
      const progress = this.tracker.add(id, asLearner, 0, Math.max(this.raftLog.lastIndex(), 1));
      // A new member counts as active, or check-quorum could depose the leader before
      // the member has had a chance to answer.
      progress.recentActive = true;
      return;
    }
    // Demoting a voter to a learner is not supported without joint consensus: ignored.
    if (!asLearner && existing.isLearner) this.tracker.promote(id);
  }

  private afterConfChange(): ConfState {
    const confState = this.tracker.confState();
    const self = this.tracker.progress.get(this.id);
    this.isLearner = self?.isLearner ?? false;
    if ((self === undefined || this.isLearner) && this.role === Role.Leader) {
      // A removed leader steps down; the others elect a new one.
      this.becomeFollower(this.term, noLeader);
      return confState;
    }
    if (this.role !== Role.Leader || confState.voters.length === 0) return confState;
    // The quorum may have changed: commit what it allows, and reach new members.
    if (this.maybeCommit()) {
      this.bcastAppend();
    } else {
      for (const id of this.tracker.sortedIds()) if (id !== this.id) this.maybeSendAppend(id, false);
    }
    if (this.leadTransferee !== noLeader && !this.tracker.voters.has(this.leadTransferee)) this.abortLeaderTransfer();
    return confState;
  }
}
