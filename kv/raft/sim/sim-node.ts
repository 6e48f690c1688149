import { assert } from '../../../common/assert.js';
import type { RandomSource } from '../../../common/random.js';
import type { RaftConfig } from '../config.js';
import { decodeConfChange } from '../conf-change.js';
import { RawNode, type Ready } from '../raw-node.js';
import type { MemoryStorage } from '../storage.js';
import { type ConfChange, ConfChangeType, type Entry, EntryType, isEmptySnapshot, type Message, MessageType, Role, type Snapshot, type SoftState } from '../types.js';
import { describePayload, type InvariantChecker, InvariantRule, InvariantViolation, type LogView } from './checker.js';
import { decodeStateMachine, type StateMachine } from './state-machine.js';

/** What a node needs from the simulator while it handles a Ready. */
export interface NodeEnvironment {
  readonly checker: InvariantChecker;
  log(line: string): void;
  /** Hands a message to the network (step 2 of the Ready). */
  send(message: Message): void;
  /** A conf change entry was applied. */
  confChangeApplied(change: ConfChange): void;
}

/** The RawNode settings every node of a schedule shares. */
export type SharedRaftOptions = Omit<RaftConfig, 'id' | 'storage' | 'applied' | 'random'>;

/** Where a crash interrupts the handling of a Ready. */
export type ReadyCut =
  | { readonly kind: 'after-persist' }
  | { readonly kind: 'after-send'; readonly messageCount: number }
  | { readonly kind: 'after-apply'; readonly entryCount: number };

/** Bytes of ASCII text (payloads and contexts are ASCII in the simulator). */
export function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let position = 0; position < text.length; position++) out[position] = text.charCodeAt(position) & 0x7f;
  return out;
}

export function bytesKey(bytes: Uint8Array): string {
  let text = '';
  for (let position = 0; position < bytes.length; position++) text += String.fromCharCode(bytes[position]!);
  return text;
}

/** Payloads that start with this are the heal phase's liveness probes. */
export const livenessPrefix = 'live:';

/** The stable log of a MemoryStorage, as the checker sees it. */
export function storageLogView(storage: MemoryStorage): LogView {
  const snapshotIndex = storage.firstIndex() - 1;
  const lastIndex = storage.lastIndex();
  return {
    snapshotIndex,
    snapshotTerm: storage.term(snapshotIndex),
    lastIndex,
    term: (index) => storage.term(index),
    entries: () => (lastIndex > snapshotIndex ? storage.entries(snapshotIndex + 1, lastIndex + 1, Number.MAX_SAFE_INTEGER) : []),
  };
}

const followerSoftState: SoftState = { leaderId: 0, role: Role.Follower };

/**
 * One simulated node: what survives a crash (its MemoryStorage, which holds the
 * persisted log, snapshot and hard state, and its durable state machine) and what does
 * not (the RawNode and any Ready not yet handled).
 */
export class SimNode {
  raw: RawNode | undefined;
  /** Removed from the cluster and shut down for good. */
  destroyed = false;
  /** The role and leader last reported by a Ready. */
  softState: SoftState = followerSoftState;
  /** The term the node was in when its role was last observed. */
  observedTerm = 0;
  /** Snapshots this node installed from a leader. */
  snapshotsInstalled = 0;
  /** Read states this node received. */
  readStatesReceived = 0;
  /** Terms in which this node was observed as leader. */
  leadershipsObserved = 0;
  /** Liveness probes this node applied. */
  readonly livenessApplied = new Set<string>();
  // The term whose leadership was already checked for completeness.
  private leaderCheckedTerm = 0;
  // The highest index known committed when the node last handed out a Ready (or
  // started): an election reported by the next Ready happened after that moment.
  private committedWatermark = 0;
  // Invariant: registeredCommitIndex <= the persisted commit index.
  private registeredCommitIndex: number;

  constructor(
    readonly id: number,
    readonly storage: MemoryStorage,
    readonly stateMachine: StateMachine,
    registeredCommitIndex: number,
  ) {
    this.registeredCommitIndex = registeredCommitIndex;
  }

  get alive(): boolean {
    return this.raw !== undefined;
  }

  /** Starts (or restarts) the node from what it persisted. */
  start(options: SharedRaftOptions, random: RandomSource, committedWatermark: number): void {
    assert(this.raw === undefined && !this.destroyed, `node ${this.id} cannot start`);
    this.raw = new RawNode({ ...options, id: this.id, storage: this.storage, applied: this.stateMachine.appliedIndex, random });
    this.softState = followerSoftState;
    this.observedTerm = this.storage.initialState().hardState.term;
    this.committedWatermark = committedWatermark;
  }

  /** Loses everything not persisted: the RawNode and any unhandled Ready. */
  crash(): void {
    this.raw = undefined;
    this.softState = followerSoftState;
  }

  /**
   * Handles one Ready in the documented order: persist, send, apply, read states,
   * advance. With `cut`, stops where a crash interrupts it (the caller then crashes the
   * node), so the rest of the Ready is lost.
   */
  handleReady(environment: NodeEnvironment, cut?: ReadyCut): void {
    const raw = this.raw;
    assert(raw !== undefined, `node ${this.id} is down`);
    const checker = environment.checker;
    const ready = raw.ready();
    const electionWatermark = this.committedWatermark;
    this.committedWatermark = checker.maxCommittedIndex;
    environment.log(`ready n${this.id}${describeReady(ready)}`);

    // 1. Persist: snapshot, entries, hard state.
    const commitBefore = this.storage.initialState().hardState.commit;
    if (ready.snapshot !== undefined && !isEmptySnapshot(ready.snapshot)) this.installSnapshot(environment, ready.snapshot);
    if (ready.entries.length > 0) this.persistEntries(environment, ready.entries, commitBefore);
    if (ready.hardState !== undefined) {
      checker.observeHardState(this.id, ready.hardState);
      this.storage.setHardState(ready.hardState);
    }
    this.registerCommitted(environment);
    this.observeRole(environment, raw, ready, electionWatermark);
    if (cut?.kind === 'after-persist') return;

    // 2. Send.
    const sendCount = cut?.kind === 'after-send' ? Math.min(cut.messageCount, ready.messages.length) : ready.messages.length;
    for (let position = 0; position < sendCount; position++) {
      const message = ready.messages[position]!;
      this.checkPromises(checker, message);
      environment.send(message);
    }
    if (cut?.kind === 'after-send') return;

    // 3. Apply.
    const applyCount = cut?.kind === 'after-apply' ? Math.min(cut.entryCount, ready.committedEntries.length) : ready.committedEntries.length;
    for (let position = 0; position < applyCount; position++) this.applyEntry(environment, raw, ready.committedEntries[position]!);
    if (cut?.kind === 'after-apply') return;

    // 4. Read states.
    for (const readState of ready.readStates) {
      const context = bytesKey(readState.requestContext);
      environment.log(`read-state n${this.id} ${context} index ${readState.index}`);
      checker.observeReadState(this.id, context, readState.index);
      this.readStatesReceived++;
    }

    // 5. Advance.
    raw.advance(ready);
  }

  private installSnapshot(environment: NodeEnvironment, snapshot: Snapshot): void {
    const metadata = snapshot.metadata;
    const image = decodeStateMachine(snapshot.data);
    if (image.appliedIndex !== metadata.index || image.appliedTerm !== metadata.term) {
      throw new InvariantViolation(
        InvariantRule.StateMachineSafety,
        `node ${this.id} got a snapshot labelled index ${metadata.index} term ${metadata.term} holding the state at index ${image.appliedIndex} term ${image.appliedTerm}`,
      );
    }
    environment.checker.observeRestore(this.id, metadata.index, metadata.term, image.records);
    // The storage and the state machine take the snapshot together (see StateMachine).
    this.storage.applySnapshot(snapshot);
    this.snapshotsInstalled++;
    const machine = this.stateMachine;
    machine.appliedIndex = image.appliedIndex;
    machine.appliedTerm = image.appliedTerm;
    machine.records = image.records.slice();
    machine.confState = metadata.confState;
    for (const record of image.records) {
      const key = bytesKey(record.data);
      if (key.startsWith(livenessPrefix)) this.livenessApplied.add(key);
    }
    environment.log(`install n${this.id} snapshot index ${metadata.index} term ${metadata.term} voters [${metadata.confState.voters}] learners [${metadata.confState.learners}]`);
  }

  private persistEntries(environment: NodeEnvironment, entries: readonly Entry[], commitBefore: number): void {
    this.storage.append(entries);
    // Entries below the storage's first index were compacted away as they arrived.
    const firstIndex = this.storage.firstIndex();
    const kept = entries[0]!.index >= firstIndex ? entries : entries.filter((entry) => entry.index >= firstIndex);
    if (kept.length === 0) return;
    environment.checker.observeAppend(this.id, kept, this.storage.term(kept[0]!.index - 1), commitBefore);
  }

  /** Tells the checker about every entry newly covered by the persisted commit index. */
  private registerCommitted(environment: NodeEnvironment): void {
    const commit = this.storage.initialState().hardState.commit;
    if (commit <= this.registeredCommitIndex) return;
    const firstIndex = this.storage.firstIndex();
    const lastIndex = this.storage.lastIndex();
    if (commit > lastIndex) {
      throw new InvariantViolation(InvariantRule.Durability, `node ${this.id} persisted commit index ${commit} beyond its stable log, which ends at ${lastIndex}`);
    }
    let from = this.registeredCommitIndex + 1;
    if (from < firstIndex) {
      const snapshotIndex = firstIndex - 1;
      environment.checker.observeCommitted(this.id, snapshotIndex, this.storage.term(snapshotIndex), undefined, 'snapshot in storage');
      from = firstIndex;
    }
    if (from <= commit) {
      for (const entry of this.storage.entries(from, commit + 1, Number.MAX_SAFE_INTEGER)) {
        environment.checker.observeCommitted(this.id, entry.index, entry.term, entry, 'persisted commit');
      }
    }
    this.registeredCommitIndex = commit;
  }

  /** Observes the role when it or the term changed: election safety and leader completeness. */
  private observeRole(environment: NodeEnvironment, raw: RawNode, ready: Ready, electionWatermark: number): void {
    const term = ready.hardState?.term;
    if (ready.softState === undefined && (term === undefined || term === this.observedTerm)) return;
    const status = raw.status();
    this.softState = status.softState;
    this.observedTerm = status.hardState.term;
    environment.log(`role n${this.id} ${status.softState.role} term ${status.hardState.term} leader ${status.softState.leaderId}`);
    environment.checker.observeRole(this.id, status.hardState.term, status.softState.role, status.softState.leaderId);
    if (status.softState.role === Role.Leader && this.leaderCheckedTerm !== status.hardState.term) {
      this.leaderCheckedTerm = status.hardState.term;
      this.leadershipsObserved++;
      environment.checker.observeLeader(this.id, status.hardState.term, storageLogView(this.storage), electionWatermark);
    }
  }

  /** A granted vote and an append acknowledgement promise state that must already be stable. */
  private checkPromises(checker: InvariantChecker, message: Message): void {
    if (message.type === MessageType.RequestVoteResponse && !message.reject) checker.observeVoteGranted(this.id, message.to, message.term);
    else if (message.type === MessageType.AppendResponse && !message.reject) checker.observeAppendAcknowledged(this.id, message.index, this.storage.lastIndex());
  }

  private applyEntry(environment: NodeEnvironment, raw: RawNode, entry: Entry): void {
    const persistedCommit = this.storage.initialState().hardState.commit;
    if (entry.index > persistedCommit) {
      throw new InvariantViolation(InvariantRule.Durability, `node ${this.id} was handed index ${entry.index} to apply, beyond its persisted commit index ${persistedCommit}`);
    }
    environment.checker.observeApply(this.id, entry);
    this.stateMachine.apply(entry);
    if (entry.type === EntryType.ConfChange && entry.data.length > 0) {
      const change = decodeConfChange(entry.data);
      const confState = raw.applyConfChange(change);
      this.storage.setConfState(confState);
      this.stateMachine.confState = confState;
      environment.log(`apply n${this.id} index ${entry.index} term ${entry.term} conf change ${describeConfChange(change)} -> voters [${confState.voters}] learners [${confState.learners}]`);
      environment.confChangeApplied(change);
      return;
    }
    const key = bytesKey(entry.data);
    if (key.startsWith(livenessPrefix)) this.livenessApplied.add(key);
    environment.log(`apply n${this.id} index ${entry.index} term ${entry.term} ${describePayload(entry.data)}`);
  }
}

export function describeConfChange(change: ConfChange): string {
  const kind = change.type === ConfChangeType.AddNode ? 'add-voter' : change.type === ConfChangeType.RemoveNode ? 'remove' : 'add-learner';
  return `${kind} ${change.nodeId} (${bytesKey(change.context)})`;
}

function describeReady(ready: Ready): string {
  let text = '';
  if (ready.softState !== undefined) text += ` soft(${ready.softState.role} leader ${ready.softState.leaderId})`;
  if (ready.hardState !== undefined) text += ` hard(term ${ready.hardState.term} vote ${ready.hardState.vote} commit ${ready.hardState.commit})`;
  if (ready.snapshot !== undefined) text += ` snapshot(${ready.snapshot.metadata.index}/${ready.snapshot.metadata.term})`;
  if (ready.entries.length > 0) text += ` entries(${ready.entries[0]!.index}..${ready.entries[ready.entries.length - 1]!.index})`;
  if (ready.committedEntries.length > 0) {
    text += ` committed(${ready.committedEntries[0]!.index}..${ready.committedEntries[ready.committedEntries.length - 1]!.index})`;
  }
  if (ready.messages.length > 0) text += ` messages(${ready.messages.length})`;
  if (ready.readStates.length > 0) text += ` reads(${ready.readStates.length})`;
  return text;
}
