import { ColumnFamily, type Engine } from '../../../kv/engine/engine.js';
import { PeerStorage } from '../../../kv/raftlog/peer-storage.js';
import { decodeConfChange } from '../../../kv/raft/conf-change.js';
import { ProposalDroppedError } from '../../../kv/raft/errors.js';
import { RawNode, type Ready } from '../../../kv/raft/raw-node.js';
import { EntryType, type Message, Role } from '../../../kv/raft/types.js';
import { EnginePdStorage, type PdStorage, type PdWrite } from '../storage.js';
import { decodeWriteEntry, encodeWriteEntry } from './write-entry.js';

/** How a member reaches the others; best effort, as Raft tolerates lost messages. */
export interface PeerTransport {
  send(to: bigint, messages: readonly Message[]): void;
}

/** This member is not the serving PD leader; `leaderId` names the one it knows, if any. */
export class NotLeaderError extends Error {
  override readonly name = 'NotLeaderError';
  readonly leaderId: bigint | undefined;

  constructor(message: string, leaderId: bigint | undefined) {
    super(message);
    this.leaderId = leaderId;
  }
}

export interface PdMemberOptions {
  readonly memberId: bigint;
  /** Every member of the PD cluster, this one included. */
  readonly memberIds: readonly bigint[];
  readonly engine: Engine;
  readonly transport: PeerTransport;
  readonly random: () => number;
  readonly tickIntervalMs?: number;
  readonly electionTicks?: number;
  readonly heartbeatTicks?: number;
  /** Called when this member starts serving as leader (after applying all earlier entries) and when it stops. */
  readonly onLeadershipChange?: (serving: boolean) => void;
}

/** PD's Raft group lives in the raft column family under this group id. */
const pdGroupId = 0n;

interface PendingProposal {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * One PD member: a Raft node over the member's engine that replicates every write of
 * PD's state. The leader serves; it starts serving only after it has applied every
 * entry of earlier terms (so, for example, the TSO window saved by the previous leader
 * is visible before a timestamp is handed out). A single-member cluster elects itself.
 *
 * The loop: ticks arrive from a timer, messages from the transport; each drive of the
 * Raft node persists its Ready (entries, hard state, and the writes of newly committed
 * entries with the applied index) in one synced batch, then sends messages, then
 * resolves the proposals that were applied.
 */
export class PdMember {
  readonly memberId: bigint;
  /** PD's state as this member has applied it; writes go through Raft. */
  readonly storage: PdStorage;
  private readonly options: PdMemberOptions;
  private readonly node: RawNode;
  private readonly peerStorage: PeerStorage;
  private readonly local: EnginePdStorage;
  private readonly pending = new Map<bigint, PendingProposal>();
  private nextProposalId: bigint;
  private timer: NodeJS.Timeout | undefined;
  private driving: Promise<void> | undefined;
  private driveAgain = false;
  private serving = false;
  /** As leader: the index of this term's first entry; serving starts once it is applied. */
  private leaderStartIndex = 0;
  private stopped = false;

  constructor(options: PdMemberOptions) {
    this.options = options;
    this.memberId = options.memberId;
    const voters = options.memberIds.map(Number);
    this.peerStorage = PeerStorage.load(options.engine, pdGroupId, { voters, learners: [] });
    this.node = new RawNode({
      id: Number(options.memberId),
      electionTick: options.electionTicks ?? 10,
      heartbeatTick: options.heartbeatTicks ?? 2,
      storage: this.peerStorage,
      applied: this.peerStorage.applied,
      random: options.random,
      checkQuorum: true,
      preVote: true,
    });
    this.local = new EnginePdStorage(options.engine);
    // Proposal ids only need to be unique among this member's in-flight proposals.
    this.nextProposalId = (BigInt(Date.now()) << 16n) ^ options.memberId;
    const member = this;
    this.storage = {
      get: (key) => member.local.get(key),
      scan: (prefix) => member.local.scan(prefix),
      write: (writes) => member.propose(writes),
    };
  }

  start(): void {
    if (this.options.memberIds.length === 1) this.node.campaign();
    this.timer = setInterval(() => {
      this.node.tick();
      this.scheduleDrive();
    }, this.options.tickIntervalMs ?? 100);
    this.scheduleDrive();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.driving;
    this.failPending(new NotLeaderError('the PD member is stopping', undefined));
  }

  /** A Raft message from another member. */
  step(message: Message): void {
    if (this.stopped) return;
    this.node.step(message);
    this.scheduleDrive();
  }

  /** Whether this member is the leader and has caught up: it may serve requests. */
  isServing(): boolean {
    return this.serving;
  }

  /** The member this one believes leads, if any. */
  leaderId(): bigint | undefined {
    const leader = this.node.status().softState.leaderId;
    return leader === 0 ? undefined : BigInt(leader);
  }

  /** Replicates `writes`; resolves once they are applied here. Only the leader accepts writes. */
  propose(writes: readonly PdWrite[]): Promise<void> {
    if (!this.serving) return Promise.reject(new NotLeaderError(`PD member ${this.memberId} is not the leader`, this.leaderId()));
    const proposalId = this.nextProposalId++;
    return new Promise((resolve, reject) => {
      this.pending.set(proposalId, { resolve, reject });
      try {
        this.node.propose(encodeWriteEntry(proposalId, writes));
      } catch (error) {
        this.pending.delete(proposalId);
        reject(error instanceof ProposalDroppedError ? new NotLeaderError(error.message, this.leaderId()) : error);
        return;
      }
      this.scheduleDrive();
    });
  }

  private scheduleDrive(): void {
    if (this.driving !== undefined) {
      this.driveAgain = true;
      return;
    }
    this.driving = this.drive().finally(() => {
      this.driving = undefined;
      if (this.driveAgain && !this.stopped) {
        this.driveAgain = false;
        this.scheduleDrive();
      }
    });
  }

  private async drive(): Promise<void> {
    while (this.node.hasReady()) {
      const ready = this.node.ready();
      const applied = await this.persist(ready);
      this.send(ready.messages);
      for (const proposalId of applied) {
        const proposal = this.pending.get(proposalId);
        this.pending.delete(proposalId);
        proposal?.resolve();
      }
      this.node.advance(ready);
      this.updateLeadership(ready);
    }
  }

  /** Sends messages grouped by destination, one transport call per member. */
  private send(messages: readonly Message[]): void {
    const byMember = new Map<number, Message[]>();
    for (const message of messages) {
      const group = byMember.get(message.to);
      if (group === undefined) byMember.set(message.to, [message]);
      else group.push(message);
    }
    for (const [to, group] of byMember) this.options.transport.send(BigInt(to), group);
  }

  /** Persists a Ready in one synced batch; returns the proposal ids its committed entries carry. */
  private async persist(ready: Ready): Promise<bigint[]> {
    const batch = this.options.engine.newBatch();
    this.peerStorage.append(batch, ready.entries);
    if (ready.hardState !== undefined) this.peerStorage.setHardState(batch, ready.hardState);
    const applied: bigint[] = [];
    for (const entry of ready.committedEntries) {
      if (entry.type === EntryType.ConfChange) {
        this.peerStorage.setConfState(this.node.applyConfChange(decodeConfChange(entry.data)));
      } else if (entry.data.length > 0) {
        const { proposalId, writes } = decodeWriteEntry(entry.data);
        for (const { key, value } of writes) {
          if (value === undefined) batch.delete(ColumnFamily.default, new TextEncoder().encode(key));
          else batch.put(ColumnFamily.default, new TextEncoder().encode(key), value);
        }
        applied.push(proposalId);
      }
    }
    const last = ready.committedEntries[ready.committedEntries.length - 1];
    if (last !== undefined) this.peerStorage.setApplied(batch, last.index);
    await this.options.engine.write(batch, { sync: true });
    return applied;
  }

  private updateLeadership(ready: Ready): void {
    const role = this.node.status().softState.role;
    if (ready.softState !== undefined) {
      if (role === Role.Leader && !this.serving && this.leaderStartIndex === 0) {
        this.leaderStartIndex = this.peerStorage.lastIndex();
      }
      if (role !== Role.Leader) {
        this.leaderStartIndex = 0;
        if (this.serving) {
          this.serving = false;
          this.failPending(new NotLeaderError(`PD member ${this.memberId} lost leadership`, this.leaderId()));
          this.options.onLeadershipChange?.(false);
        }
      }
    }
    // Serve once this term's first entry (and so everything before it) is applied.
    if (role === Role.Leader && !this.serving && this.leaderStartIndex > 0 && this.peerStorage.applied >= this.leaderStartIndex) {
      this.serving = true;
      this.options.onLeadershipChange?.(true);
    }
  }

  private failPending(error: Error): void {
    for (const proposal of this.pending.values()) proposal.reject(error);
    this.pending.clear();
  }
}
