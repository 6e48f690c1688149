import { compareBytes } from '../../common/codec/bytes.js';
import * as metapb from '../../proto/gen/metapb.js';
import * as raftCmdpb from '../../proto/gen/raft_cmdpb.js';
import * as raftServerpb from '../../proto/gen/raft_serverpb.js';
import { allColumnFamilies, type ColumnFamily, type Engine, type WriteBatch } from '../engine/engine.js';
import { decodeConfChange } from '../raft/conf-change.js';
import { messageToProto } from '../raft/convert.js';
import { ProposalDroppedError, SnapshotTemporarilyUnavailableError } from '../raft/errors.js';
import { RawNode } from '../raft/raw-node.js';
import { type ConfState, ConfChangeType, EntryType, type Message, Role, type Snapshot } from '../raft/types.js';
import { applyStateKey, regionStateKey } from '../raftlog/keys.js';
import { PeerStorage } from '../raftlog/peer-storage.js';
import { ColumnFamily as CF } from '../engine/engine.js';
import { decodeSnapshotData, encodeSnapshotData, snapshotColumnFamilies, type SnapshotEntry } from './snapshot-data.js';
import { epochNotMatchError, keyNotInRegionError, notLeaderError, raftEntryTooLargeError, RegionError, regionNotFoundError, staleCommandError } from './region-errors.js';

export interface RegionPeerOptions {
  readonly engine: Engine;
  readonly storeId: bigint;
  readonly clock: () => number;
  readonly random: () => number;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  /** How long a leader may serve reads locally after a quorum acknowledged its proposal; below the election timeout. */
  readonly leaseDurationMs: number;
  /** Called when this peer starts or stops leading (after the Ready that changed it). */
  readonly onRoleChange?: (peer: RegionPeer, leading: boolean) => void;
}

type Resolve<T> = (value: T) => void;

interface PendingProposal {
  readonly index: number;
  readonly term: number;
  readonly proposedAtMs: number;
  readonly resolve: Resolve<raftCmdpb.RaftCmdResponse>;
}

/** Commands proposed in one turn, waiting to go into one Raft entry together. */
interface ProposalBatch {
  readonly header: raftCmdpb.RaftCmdRequest['header'];
  readonly requests: raftCmdpb.Request[];
  /** Each caller, with how many of `requests` are its own (in order). */
  readonly callers: Array<{ readonly count: number; readonly resolve: Resolve<raftCmdpb.RaftCmdResponse> }>;
  bytes: number;
}

/** A leader hands over only to a peer at most this many entries behind (TiKV's leader-transfer-max-log-lag). */
const maxTransferLogLag = 128;

/** A batch goes into an entry once it holds this many bytes of keys and values. */
const maxProposalBatchBytes = 1 << 20;

/**
 * The largest write command accepted, as TiKV's raft-entry-max-size: larger ones are
 * refused with RaftEntryTooLarge (the client splits them) rather than stall replication.
 */
export const maxRaftEntryBytes = 8 * 1024 * 1024;

interface PendingRead {
  readonly resolve: Resolve<void>;
  readonly reject: (error: unknown) => void;
  /** Set once Raft confirmed the read index. */
  index?: number;
}

const columnFamilies = new Set<string>(allColumnFamilies);

function asColumnFamily(name: string): ColumnFamily {
  const cf = name === '' ? CF.default : name;
  if (!columnFamilies.has(cf)) throw new RegionError({ message: `unknown column family "${name}"` });
  return cf as ColumnFamily;
}

/**
 * The key a write is routed by. Region boundaries live in the encoded key space of
 * transactional data (memcomparable user keys, as the client encodes them to look
 * regions up): lock and latest keys are exactly that, write and default keys are that
 * plus an 8-byte timestamp (and sort inside the same region, encodings being
 * prefix-free). Raw keys route as themselves.
 */
export function routingKey(cf: string, key: Uint8Array): Uint8Array {
  if (cf === CF.write || cf === CF.default || cf === '') return key.length > 8 ? key.subarray(0, key.length - 8) : key;
  return key;
}

function inRegion(key: Uint8Array, region: metapb.Region): boolean {
  return compareBytes(key, region.startKey) >= 0 && (region.endKey.length === 0 || compareBytes(key, region.endKey) < 0);
}

/** Work a Ready left for after its batch is durable: messages to send, callbacks to run. */
export interface ReadyOutcome {
  readonly messages: raftServerpb.RaftMessage[];
  readonly afterWrite: () => void;
  /** Regions a split applied in this Ready created: the store hosts their peers once the batch is durable. */
  readonly newRegions: readonly metapb.Region[];
  /** Committed entries this Ready applies. */
  readonly appliedEntries: number;
  /** Whether this Ready applies a snapshot from the leader. */
  readonly appliesSnapshot: boolean;
  /**
   * Committed entries that must read the engine to apply (a range delete needs the keys
   * the range holds): applied once the batch is durable, before `afterWrite`.
   */
  readonly applyRest: (() => Promise<void>) | undefined;
}

/** Where a new region's log starts (the regions of a split, like bootstrap regions). */
export const initialLogIndex = 5;
export const initialLogTerm = 5;

/**
 * One peer of a region on this store: the region's meta and epoch, its Raft node over a
 * PeerStorage, the proposals waiting to apply, and the reads waiting for a read index.
 * The store's loop drives it: `collectReady` adds the peer's Raft state and the writes
 * of its committed commands to the loop's batch; once that batch is durable the loop
 * sends the messages and runs `afterWrite`.
 */
export class RegionPeer {
  region: metapb.Region;
  readonly peer: metapb.Peer;
  readonly node: RawNode;
  readonly storage: PeerStorage;
  /** Set when a conf change removed this peer: the store destroys it. */
  removed = false;
  private unanswered = 0;
  /** Write commands proposed this turn; the loop puts them into one entry (see flushProposals). */
  private proposalBatch: ProposalBatch | undefined;
  /** Bytes of keys and values applied by writes: the split checker looks again after enough. */
  appliedWriteBytes = 0;
  /** Keys written (put or deleted) by applied commands: with appliedWriteBytes, the flow PD hears of. */
  appliedWriteKeys = 0;
  private readonly options: RegionPeerOptions;
  private proposals: PendingProposal[] = [];
  private readonly reads = new Map<string, PendingRead>();
  private nextReadId = 0;
  private leaseExpiresAtMs = 0;
  private leaseTerm = 0;
  /**
   * A term in which this leader began handing leadership over: the target campaigns at
   * once, past every follower's lease, so no lease read is safe for the rest of the term,
   * even after the transfer is aborted: its MsgTimeoutNow may still be in flight and reach
   * the target later in the term. Reads then take ReadIndex until the next term.
   */
  private leaseForbiddenTerm = 0;
  /** The term of the last applied entry: local reads need the leader to have applied one of its own term. */
  private appliedTerm = 0;
  private compactionInFlight = false;
  /** Regions created by splits applied in the Ready being collected. */
  private newRegions: metapb.Region[] = [];
  /** When a message from each peer last arrived (by peer id), for the down peers PD hears of. */
  private readonly lastHeardMs = new Map<bigint, number>();
  /** Peers learned from incoming messages: an uninitialized peer knows no members yet. */
  private readonly knownPeers = new Map<bigint, metapb.Peer>();
  private snapshotCache: Snapshot | undefined;
  private generatingSnapshot = false;

  /** Whether onRoleChange last said this peer leads. */
  private notifiedLeading = false;

  constructor(options: RegionPeerOptions, region: metapb.Region, peer: metapb.Peer) {
    this.options = options;
    this.region = region;
    this.peer = peer;
    const voters = region.peers.filter((member) => member.role === metapb.PeerRole.Voter).map((member) => Number(member.id));
    const learners = region.peers.filter((member) => member.role === metapb.PeerRole.Learner).map((member) => Number(member.id));
    this.storage = PeerStorage.load(options.engine, region.id, { voters, learners });
    this.storage.setSnapshotSource(() => this.snapshotForRaft());
    this.node = new RawNode({
      id: Number(peer.id),
      electionTick: options.electionTicks,
      heartbeatTick: options.heartbeatTicks,
      storage: this.storage,
      applied: this.storage.applied,
      random: options.random,
      checkQuorum: true,
      preVote: true,
    });
  }

  get regionId(): bigint {
    return this.region.id;
  }

  /** Commands proposed here and not yet answered (in the log or in this turn's batch). */
  get pendingProposals(): number {
    return this.unanswered;
  }

  isLeader(): boolean {
    return this.node.raft.role === Role.Leader;
  }

  leader(): metapb.Peer | undefined {
    const leaderId = this.node.raft.leaderId;
    return this.region.peers.find((member) => Number(member.id) === leaderId);
  }

  /**
   * On the leader: the other members no message has come from for `downAfterMs` or more,
   * with how long they have been silent (a member never heard from counts from now).
   */
  downPeers(downAfterMs: number): Array<{ peer: metapb.Peer; downSeconds: number }> {
    if (!this.isLeader()) return [];
    const now = this.options.clock();
    const down: Array<{ peer: metapb.Peer; downSeconds: number }> = [];
    for (const member of this.region.peers) {
      if (member.id === this.peer.id) continue;
      const last = this.lastHeardMs.get(member.id);
      if (last === undefined) this.lastHeardMs.set(member.id, now);
      else if (now - last >= downAfterMs) down.push({ peer: member, downSeconds: Math.floor((now - last) / 1000) });
    }
    return down;
  }

  /**
   * On the leader: the members that cannot catch up from the log (they need entries it
   * no longer has, so a snapshot) or are being sent one, as TiKV reports pending peers.
   */
  pendingPeers(): metapb.Peer[] {
    if (!this.isLeader()) return [];
    const truncated = this.storage.firstIndex() - 1;
    const progress = this.node.status().progress;
    return this.region.peers.filter((member) => {
      const entry = progress.get(Number(member.id));
      return entry !== undefined && (entry.match < truncated || entry.state === 'snapshot');
    });
  }

  /** Writes the region's meta (its local state) into `batch`. */
  persistRegion(batch: WriteBatch): void {
    const state: raftServerpb.RegionLocalState = { state: this.removed ? raftServerpb.PeerState.Tombstone : raftServerpb.PeerState.Normal, region: this.region };
    batch.put(CF.raft, regionStateKey(this.region.id), raftServerpb.RegionLocalState.encode(state).finish());
  }

  // --- commands ---

  /** Checks the command's epoch and keys against the region; throws RegionError. */
  private checkCommand(command: raftCmdpb.RaftCmdRequest): void {
    const epoch = command.header?.regionEpoch;
    const current = this.region.regionEpoch;
    const isAdmin = command.adminRequest !== undefined;
    // Writes care about the key range (version); membership changes care about conf_ver too.
    const stale =
      epoch === undefined ||
      current === undefined ||
      epoch.version !== current.version ||
      (isAdmin && epoch.confVer !== current.confVer);
    if (stale) throw new RegionError(epochNotMatchError(`epoch of region ${this.region.id} is stale`, [this.region]));
    for (const request of command.requests) {
      const cmd = request.cmd;
      const key = cmd?.$case === 'put' || cmd?.$case === 'delete' ? routingKey(cmd.value.cf, cmd.value.key) : undefined;
      if (key !== undefined && !inRegion(key, this.region)) throw new RegionError(keyNotInRegionError(key, this.region));
      if (cmd?.$case === 'deleteRange') {
        const { cf, startKey, endKey } = cmd.value;
        if (!snapshotColumnFamilies.includes(asColumnFamily(cf))) throw new RegionError({ message: `column family "${cf}" holds no region data to delete` });
        if (!inRegion(startKey, this.region)) throw new RegionError(keyNotInRegionError(startKey, this.region));
        // The end is exclusive: it may equal the region's end, and may be open only if the region's is.
        const regionEnd = this.region.endKey;
        const endInside = endKey.length === 0 ? regionEnd.length === 0 : compareBytes(endKey, startKey) >= 0 && (regionEnd.length === 0 || compareBytes(endKey, regionEnd) <= 0);
        if (!endInside) throw new RegionError(keyNotInRegionError(endKey, this.region));
      }
    }
  }

  /** Proposes a command; resolves with its response once applied here (or with a region error). */
  propose(command: raftCmdpb.RaftCmdRequest): Promise<raftCmdpb.RaftCmdResponse> {
    return new Promise((answer) => {
      // Every path below answers each caller exactly once.
      this.unanswered++;
      const resolve = (response: raftCmdpb.RaftCmdResponse) => {
        this.unanswered--;
        answer(response);
      };
      const fail = (error: unknown) => resolve(errorResponse(error, this.node.raft.term));
      if (!this.isLeader()) return fail(new RegionError(notLeaderError(this.region.id, this.leader())));
      try {
        this.checkCommand(command);
        const admin = command.adminRequest?.cmd;
        if (admin?.$case === 'transferLeader') {
          // Not replicated: the leader starts the transfer and answers at once.
          const target = admin.value.peer;
          if (target !== undefined) {
            this.checkTransferTarget(target);
            this.forbidLease();
            this.node.transferLeader(Number(target.id));
          }
          return resolve(okResponse(this.node.raft.term, { cmd: { $case: 'transferLeader', value: {} } }));
        }
        const rangeDelete = command.requests.some((request) => request.cmd?.$case === 'deleteRange');
        if (rangeDelete && (admin !== undefined || command.requests.some((request) => request.cmd?.$case !== 'deleteRange'))) {
          throw new RegionError({ message: 'range deletes cannot share a command with other requests' });
        }
        if (admin === undefined && !rangeDelete) {
          const bytes = command.requests.reduce((sum, request) => sum + requestBytes(request), 0);
          if (bytes > maxRaftEntryBytes) throw new RegionError(raftEntryTooLargeError(this.region.id, bytes));
          return this.addToBatch(command, bytes, resolve);
        }
        // Commands proposed before this one go into the log before it.
        this.flushProposals();
        if (admin?.$case === 'changePeer') {
          const change = admin.value;
          if (change.peer === undefined) throw new RegionError({ message: 'ChangePeer needs a peer' });
          // As in TiKV: the leader cannot remove itself (its pending commands would have no
          // one to answer them); PD transfers the leadership away first.
          if (change.changeType === (ConfChangeType.RemoveNode as number) && change.peer.id === this.peer.id) {
            throw new RegionError({ message: `peer ${this.peer.id} leads region ${this.region.id}: transfer the leadership before removing it` });
          }
          this.node.proposeConfChange({ type: change.changeType as ConfChangeType, nodeId: Number(change.peer.id), context: metapb.Peer.encode(change.peer).finish() });
        } else {
          this.node.propose(raftCmdpb.RaftCmdRequest.encode(command).finish());
        }
      } catch (error) {
        return fail(error instanceof ProposalDroppedError ? new RegionError(notLeaderError(this.region.id, this.leader())) : error);
      }
      const raft = this.node.raft;
      this.proposals.push({ index: raft.raftLog.lastIndex(), term: raft.term, proposedAtMs: this.options.clock(), resolve });
    });
  }

  /**
   * Resolves when a read on this peer is linearizable: at once under the leader lease,
   * otherwise after a ReadIndex round and once this peer has applied that index.
   */
  readBarrier(epoch: metapb.RegionEpoch | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.isLeader()) return reject(new RegionError(notLeaderError(this.region.id, this.leader())));
      if (epoch === undefined || this.region.regionEpoch === undefined || epoch.version !== this.region.regionEpoch.version) {
        return reject(new RegionError(epochNotMatchError(`epoch of region ${this.region.id} is stale`, [this.region])));
      }
      const raft = this.node.raft;
      if (raft.leadTransferee !== 0) this.forbidLease();
      if (this.holdsLease && this.appliedTerm === raft.term) return resolve();
      const id = `${this.peer.id}:${this.nextReadId++}`;
      this.reads.set(id, { resolve, reject });
      this.node.readIndex(new TextEncoder().encode(id));
    });
  }

  /**
   * Log GC (on the leader): once more than `thresholdEntries` applied entries sit in the
   * log and every peer has them, propose compacting up to what every peer matched.
   * Entries a lagging peer still needs stay, until the log holds more than
   * `countLimitEntries`: then it is compacted up to the applied index regardless, and
   * the laggard catches up from a snapshot (TiKV's raft-log-gc-count-limit).
   */
  maybeCompactLog(thresholdEntries: number, countLimitEntries = Number.POSITIVE_INFINITY): void {
    if (!this.isLeader() || this.compactionInFlight) return;
    const progress = this.node.status().progress;
    const applied = this.storage.applied;
    let compactTo = applied;
    for (const member of progress.values()) compactTo = Math.min(compactTo, member.match);
    const firstIndex = this.storage.firstIndex();
    // A member far behind (down, or cut off) must not make the log grow without bound:
    // past the count limit the log goes up to what is applied, and it gets a snapshot.
    if (applied - firstIndex + 1 > countLimitEntries) compactTo = applied;
    if (compactTo - firstIndex + 1 <= thresholdEntries) return;
    const term = this.storage.term(compactTo);
    this.compactionInFlight = true;
    void this.propose({
      header: { regionId: this.region.id, ...(this.region.regionEpoch === undefined ? {} : { regionEpoch: this.region.regionEpoch }), term: 0n, syncLog: true, readQuorum: false, uuid: Buffer.alloc(0) },
      requests: [],
      adminRequest: { cmd: { $case: 'compactLog', value: { compactIndex: BigInt(compactTo), compactTerm: BigInt(term) } } },
    }).finally(() => {
      this.compactionInFlight = false;
    });
  }

  // --- driving ---

  tick(): void {
    this.node.tick();
  }

  step(message: Message, from?: metapb.Peer): void {
    if (from !== undefined) this.knownPeers.set(from.id, from);
    this.lastHeardMs.set(BigInt(message.from), this.options.clock());
    this.node.step(message);
    // A follower may ask the leader to hand over (MsgTransferLeader) too.
    if (this.node.raft.leadTransferee !== 0) this.forbidLease();
  }

  /**
   * As TiKV's pre-transfer check: the target must have answered recently and be close to
   * the log's end. A transfer to a dead or far-behind peer would stall the region: Raft
   * drops proposals while a transfer is under way, until it times out.
   */
  private checkTransferTarget(target: metapb.Peer): void {
    if (target.id === this.peer.id) return;
    const heard = this.lastHeardMs.get(target.id);
    // Twice the lease (well over an election timeout): followers answer every heartbeat.
    if (heard === undefined || this.options.clock() - heard > 2 * this.options.leaseDurationMs) {
      throw new RegionError({ message: `peer ${target.id} has not answered recently; region ${this.region.id} keeps its leader` });
    }
    const match = this.node.status().progress.get(Number(target.id))?.match ?? 0;
    const lag = this.node.raft.raftLog.lastIndex() - match;
    if (lag > maxTransferLogLag) throw new RegionError({ message: `peer ${target.id} is ${lag} entries behind; region ${this.region.id} keeps its leader` });
  }

  /** No lease reads for the rest of this term (see leaseForbiddenTerm). */
  private forbidLease(): void {
    this.leaseForbiddenTerm = this.node.raft.term;
    this.leaseExpiresAtMs = 0;
  }

  /** Whether a read here right now is served under the leader lease, without a Raft round trip. */
  get holdsLease(): boolean {
    const raft = this.node.raft;
    return this.isLeader() && this.leaseTerm === raft.term && this.leaseForbiddenTerm !== raft.term && this.options.clock() < this.leaseExpiresAtMs;
  }

  hasReady(): boolean {
    this.flushProposals();
    return this.node.hasReady();
  }

  /**
   * Joins a write command to this turn's batch: every write proposed while the loop
   * waits for its next iteration goes into ONE entry, so encoding, replication and apply
   * are paid per batch rather than per command (TiKV batches proposals the same way).
   * Commands join only a batch planned with the same epoch, so a stale one cannot fail
   * the others; each caller gets its own slice of the responses.
   */
  private addToBatch(command: raftCmdpb.RaftCmdRequest, bytes: number, resolve: Resolve<raftCmdpb.RaftCmdResponse>): void {
    const batch = this.proposalBatch;
    if (batch !== undefined && (!sameEpoch(batch.header?.regionEpoch, command.header?.regionEpoch) || batch.bytes + bytes > maxProposalBatchBytes)) this.flushProposals();
    const open = this.proposalBatch ?? (this.proposalBatch = { header: command.header, requests: [], callers: [], bytes: 0 });
    open.requests.push(...command.requests);
    open.callers.push({ count: command.requests.length, resolve });
    open.bytes += bytes;
  }

  /** Proposes this turn's batch of write commands as one entry. */
  private flushProposals(): void {
    const batch = this.proposalBatch;
    if (batch === undefined) return;
    this.proposalBatch = undefined;
    const answerAll = (response: raftCmdpb.RaftCmdResponse) => {
      let offset = 0;
      for (const caller of batch.callers) {
        const own = response.header?.error === undefined ? response.responses.slice(offset, offset + caller.count) : [];
        offset += caller.count;
        caller.resolve({ ...response, responses: own });
      }
    };
    if (!this.isLeader()) {
      answerAll(errorResponse(new RegionError(notLeaderError(this.region.id, this.leader())), this.node.raft.term));
      return;
    }
    try {
      this.node.propose(raftCmdpb.RaftCmdRequest.encode({ header: batch.header, requests: batch.requests }).finish());
    } catch (error) {
      answerAll(errorResponse(error instanceof ProposalDroppedError ? new RegionError(notLeaderError(this.region.id, this.leader())) : error, this.node.raft.term));
      return;
    }
    const raft = this.node.raft;
    this.proposals.push({ index: raft.raftLog.lastIndex(), term: raft.term, proposedAtMs: this.options.clock(), resolve: answerAll });
  }

  /**
   * Adds this peer's Ready to the loop's batch: log entries and hard state, then the
   * writes of committed commands and the applied index (apply rides in the same batch:
   * one synced write per loop iteration covers both).
   */
  collectReady(batch: WriteBatch): ReadyOutcome {
    const ready = this.node.ready();
    const snapshot = ready.snapshot !== undefined && ready.snapshot.metadata.index > 0 ? ready.snapshot : undefined;
    if (snapshot !== undefined) this.applySnapshot(batch, snapshot);
    this.storage.append(batch, ready.entries);
    if (ready.hardState !== undefined) this.storage.setHardState(batch, ready.hardState);
    const results: Array<{ index: number; term: number; response: raftCmdpb.RaftCmdResponse }> = [];
    this.newRegions = [];
    // Entries apply into the loop's batch up to the first range delete; it and those after
    // it wait until that batch is in the engine, where the range delete looks for keys.
    const commands = ready.committedEntries.map((entry) => ({ entry, command: entry.type === EntryType.Normal && entry.data.length > 0 ? raftCmdpb.RaftCmdRequest.decode(entry.data) : undefined }));
    const firstRangeDelete = commands.findIndex(({ command }) => command !== undefined && isRangeDelete(command));
    const inBatch = firstRangeDelete < 0 ? commands : commands.slice(0, firstRangeDelete);
    const rest = firstRangeDelete < 0 ? [] : commands.slice(firstRangeDelete);
    for (const { entry, command } of inBatch) {
      results.push({ index: entry.index, term: entry.term, response: this.applyEntry(batch, entry, command) });
    }
    const lastInBatch = inBatch[inBatch.length - 1]?.entry;
    if (lastInBatch !== undefined) this.storage.setApplied(batch, lastInBatch.index);
    const last = ready.committedEntries[ready.committedEntries.length - 1];
    const applyRest =
      rest.length === 0
        ? undefined
        : async () => {
            const engine = this.options.engine;
            for (const { entry, command } of rest) {
              const entryBatch = engine.newBatch();
              const response = command !== undefined && isRangeDelete(command) ? await this.applyRangeDelete(entryBatch, command) : this.applyEntry(entryBatch, entry, command);
              this.storage.setApplied(entryBatch, entry.index);
              await engine.write(entryBatch, { sync: true });
              results.push({ index: entry.index, term: entry.term, response });
            }
          };
    const messages = ready.messages.map((message) => this.wrap(message));
    const readStates = ready.readStates;
    const roleChanged = ready.softState !== undefined;
    const newRegions = this.newRegions;
    return {
      messages,
      newRegions,
      appliedEntries: ready.committedEntries.length,
      appliesSnapshot: snapshot !== undefined,
      applyRest,
      afterWrite: () => {
        this.node.advance(ready);
        // Only now are the applied writes in the engine, where local reads look.
        if (last !== undefined) this.appliedTerm = last.term;
        for (const result of results) this.finishProposal(result.index, result.term, result.response);
        for (const state of readStates) {
          const read = this.reads.get(new TextDecoder().decode(state.requestContext));
          if (read !== undefined) read.index = state.index;
        }
        this.serveReads();
        // A new leader starts the silence of every peer from now, not from its follower days.
        if (roleChanged && this.isLeader()) this.lastHeardMs.clear();
        if (roleChanged && !this.isLeader()) this.failAll(staleCommandError(`peer ${this.peer.id} is no longer the leader of region ${this.region.id}`));
        if (roleChanged && this.isLeader() !== this.notifiedLeading) {
          this.notifiedLeading = this.isLeader();
          this.options.onRoleChange?.(this, this.notifiedLeading);
        }
      },
    };
  }

  /**
   * How sending a snapshot to peer `to` ended (the transport streams it apart from other
   * messages): Raft keeps that follower paused until told, then probes it again; after
   * a failure the next probe asks for a fresh snapshot.
   */
  reportSnapshot(to: bigint, status: 'finish' | 'failure'): void {
    if (this.removed) return;
    this.node.reportSnapshot(Number(to), status);
  }

  /**
   * Raft asks for a snapshot (a follower needs entries the log no longer has, or a new
   * peer has none): hand out the last one built if the log still continues after it,
   * else start building one and ask Raft to retry.
   */
  private snapshotForRaft(): Snapshot {
    const cached = this.snapshotCache;
    if (cached !== undefined && cached.metadata.index >= this.storage.firstIndex() - 1) return cached;
    if (!this.generatingSnapshot) {
      this.generatingSnapshot = true;
      void this.generateSnapshot().finally(() => {
        this.generatingSnapshot = false;
      });
    }
    throw new SnapshotTemporarilyUnavailableError(`region ${this.region.id}: building a snapshot`);
  }

  /**
   * Builds a snapshot from one engine snapshot: the applied index and the region meta
   * come from the same view as the data, so they describe exactly that data.
   */
  private async generateSnapshot(): Promise<void> {
    const engineSnapshot = this.options.engine.snapshot();
    try {
      const applyBytes = engineSnapshot.getSync(CF.raft, applyStateKey(this.region.id));
      const regionBytes = engineSnapshot.getSync(CF.raft, regionStateKey(this.region.id));
      if (applyBytes === undefined || regionBytes === undefined) return;
      const index = Number(raftServerpb.RaftApplyState.decode(applyBytes).appliedIndex);
      const region = raftServerpb.RegionLocalState.decode(regionBytes).region;
      if (region === undefined || index === 0) return;
      const term = this.storage.term(index);
      const entries: SnapshotEntry[] = [];
      for (const cf of snapshotColumnFamilies) {
        const cursor = engineSnapshot.iterator(cf, { start: region.startKey, ...(region.endKey.length === 0 ? {} : { end: region.endKey }) });
        try {
          for (;;) {
            const batch = await cursor.next(1024);
            if (batch.length === 0) break;
            for (const [key, value] of batch) entries.push({ cf, key, value });
          }
        } finally {
          await cursor.close();
        }
      }
      const confState: ConfState = {
        voters: region.peers.filter((member) => member.role === metapb.PeerRole.Voter).map((member) => Number(member.id)),
        learners: region.peers.filter((member) => member.role === metapb.PeerRole.Learner).map((member) => Number(member.id)),
      };
      // A membership change that landed while this was built makes it stale already.
      if (region.regionEpoch?.confVer !== this.region.regionEpoch?.confVer) return;
      this.snapshotCache = { data: encodeSnapshotData(region, entries), metadata: { index, term, confState } };
    } catch {
      // The log moved under us (compacted past the applied index seen): the next request retries.
    } finally {
      await engineSnapshot.close();
    }
  }

  /** Installs a snapshot from the leader: its data, region meta and Raft position, in the loop's batch. */
  private applySnapshot(batch: WriteBatch, snapshot: Snapshot): void {
    const { region, entries } = decodeSnapshotData(snapshot.data);
    // The peer is new to this range, so there is nothing of it to clear first; a store
    // reusing a range it once held must have cleaned it when that peer was destroyed.
    for (const entry of entries) batch.put(entry.cf, entry.key, entry.value);
    this.storage.applySnapshot(batch, snapshot);
    this.region = region;
    this.persistRegion(batch);
  }

  private wrap(message: Message): raftServerpb.RaftMessage {
    const toPeer = this.region.peers.find((member) => Number(member.id) === message.to) ?? this.knownPeers.get(BigInt(message.to));
    return {
      regionId: this.region.id,
      fromPeer: this.peer,
      ...(toPeer === undefined ? {} : { toPeer }),
      message: messageToProto(message),
      ...(this.region.regionEpoch === undefined ? {} : { regionEpoch: this.region.regionEpoch }),
      isTombstone: false,
      startKey: this.region.startKey,
      endKey: this.region.endKey,
    };
  }

  /**
   * A command of range deletes (proposed alone, see propose): every key each range holds
   * in the engine right now, deleted in the entry's batch, so readers see all of the
   * range go at once. The loop waits for it, so no other write of this region lands
   * between the scan and the batch.
   */
  private async applyRangeDelete(batch: WriteBatch, command: raftCmdpb.RaftCmdRequest): Promise<raftCmdpb.RaftCmdResponse> {
    const term = this.node.raft.term;
    try {
      this.checkCommand(command);
    } catch (error) {
      return errorResponse(error, term);
    }
    const responses: raftCmdpb.Response[] = [];
    for (const request of command.requests) {
      if (request.cmd?.$case !== 'deleteRange') return errorResponse(new RegionError({ message: 'a range delete command holds only range deletes' }), term);
      const { cf, startKey, endKey, notifyOnly } = request.cmd.value;
      if (!notifyOnly) {
        const cursor = this.options.engine.iterator(asColumnFamily(cf), { start: startKey, ...(endKey.length === 0 ? {} : { end: endKey }) });
        try {
          for (;;) {
            const entries = await cursor.next(1024);
            if (entries.length === 0) break;
            for (const [key] of entries) batch.delete(asColumnFamily(cf), key);
          }
        } finally {
          await cursor.close();
        }
      }
      responses.push({ cmd: { $case: 'deleteRange', value: {} } });
    }
    return { header: { uuid: Buffer.alloc(0), currentTerm: BigInt(term) }, responses };
  }

  /** Applies one committed entry into `batch`; `command` is its decoded command (none for conf changes and no-ops). */
  private applyEntry(batch: WriteBatch, entry: { readonly type: EntryType; readonly data: Uint8Array }, command: raftCmdpb.RaftCmdRequest | undefined): raftCmdpb.RaftCmdResponse {
    const term = this.node.raft.term;
    if (entry.type === EntryType.ConfChange) return this.applyConfChange(batch, entry.data);
    // An empty entry: the no-op a new leader appends.
    if (command === undefined) return okResponse(term);
    try {
      this.checkCommand(command);
    } catch (error) {
      return errorResponse(error, term);
    }
    const admin = command.adminRequest?.cmd;
    if (admin?.$case === 'batchSplit') return this.applySplit(batch, admin.value, term);
    if (admin?.$case === 'compactLog') {
      const index = Number(admin.value.compactIndex);
      if (index > this.storage.firstIndex() - 1 && index <= this.storage.applied) this.storage.compactTo(batch, index);
      return okResponse(term, { cmd: { $case: 'compactLog', value: {} } });
    }
    const responses: raftCmdpb.Response[] = [];
    for (const request of command.requests) {
      const cmd = request.cmd;
      switch (cmd?.$case) {
        case 'put':
          batch.put(asColumnFamily(cmd.value.cf), cmd.value.key, cmd.value.value);
          this.appliedWriteBytes += cmd.value.key.length + cmd.value.value.length;
          this.appliedWriteKeys++;
          responses.push({ cmd: { $case: 'put', value: {} } });
          break;
        case 'delete':
          batch.delete(asColumnFamily(cmd.value.cf), cmd.value.key);
          this.appliedWriteKeys++;
          responses.push({ cmd: { $case: 'delete', value: {} } });
          break;
        default:
          return errorResponse(new RegionError({ message: `command ${cmd?.$case ?? 'empty'} is not supported in a write` }), term);
      }
    }
    return { header: { uuid: Buffer.alloc(0), currentTerm: BigInt(term) }, responses };
  }

  /**
   * A split: the region keeps [start, firstSplitKey) and each split key starts a new
   * region up to the next, with the same members (new peer ids, in member order). No
   * data moves; each new region's Raft state starts at the initial log position, and
   * every replica applies the same split, so the new regions' peers exist on the same
   * stores and elect their own leaders.
   */
  private applySplit(batch: WriteBatch, split: raftCmdpb.BatchSplitRequest, term: number): raftCmdpb.RaftCmdResponse {
    const keys = split.requests.map((request) => request.splitKey);
    let previous: Uint8Array = this.region.startKey;
    for (const [index, key] of keys.entries()) {
      const request = split.requests[index]!;
      const ordered = compareBytes(key, previous) > 0 && (this.region.endKey.length === 0 || compareBytes(key, this.region.endKey) < 0);
      if (!ordered || request.newPeerIds.length !== this.region.peers.length) {
        return errorResponse(new RegionError({ message: `invalid split of region ${this.region.id} at ${Buffer.from(key).toString('hex')}` }), term);
      }
      previous = key;
    }
    const epoch = this.region.regionEpoch ?? { confVer: 0n, version: 0n };
    const version = epoch.version + BigInt(keys.length);
    const regions: metapb.Region[] = [];
    for (const [index, request] of split.requests.entries()) {
      const end = index + 1 < keys.length ? keys[index + 1]! : this.region.endKey;
      const region = metapb.Region.create({
        id: request.newRegionId,
        startKey: Buffer.from(request.splitKey),
        endKey: Buffer.from(end),
        regionEpoch: { confVer: epoch.confVer, version },
        peers: this.region.peers.map((member, position) => ({ ...member, id: request.newPeerIds[position]! })),
      });
      regions.push(region);
      // The new region's Raft state and meta go in this same batch.
      const voters = region.peers.filter((member) => member.role === metapb.PeerRole.Voter).map((member) => Number(member.id));
      const learners = region.peers.filter((member) => member.role === metapb.PeerRole.Learner).map((member) => Number(member.id));
      const storage = PeerStorage.load(this.options.engine, region.id, { voters, learners });
      if (!storage.isInitialized) storage.initialize(batch, initialLogIndex, initialLogTerm);
      const state: raftServerpb.RegionLocalState = { state: raftServerpb.PeerState.Normal, region };
      batch.put(CF.raft, regionStateKey(region.id), raftServerpb.RegionLocalState.encode(state).finish());
    }
    this.region = { ...this.region, endKey: Buffer.from(keys[0]!), regionEpoch: { ...epoch, version } };
    this.persistRegion(batch);
    this.snapshotCache = undefined;
    this.newRegions.push(...regions);
    return okResponse(term, { cmd: { $case: 'batchSplit', value: { regions: [this.region, ...regions] } } });
  }

  private applyConfChange(batch: WriteBatch, data: Uint8Array): raftCmdpb.RaftCmdResponse {
    const change = decodeConfChange(data);
    const peer = metapb.Peer.decode(change.context);
    const peers = this.region.peers.filter((member) => member.id !== peer.id);
    if (change.type === ConfChangeType.AddNode) peers.push({ ...peer, role: metapb.PeerRole.Voter });
    else if (change.type === ConfChangeType.AddLearnerNode) peers.push({ ...peer, role: metapb.PeerRole.Learner });
    const epoch = this.region.regionEpoch ?? { confVer: 0n, version: 0n };
    this.region = { ...this.region, peers, regionEpoch: { ...epoch, confVer: epoch.confVer + 1n } };
    const confState = this.node.applyConfChange(change);
    this.storage.setConfState(confState);
    // A snapshot from before this change describes the old membership (a new peer would
    // not find itself in it): build the next one afresh.
    this.snapshotCache = undefined;
    if (change.type === ConfChangeType.RemoveNode && peer.id === this.peer.id) this.removed = true;
    this.persistRegion(batch);
    return okResponse(this.node.raft.term, { cmd: { $case: 'changePeer', value: { region: this.region } } });
  }

  private finishProposal(index: number, term: number, response: raftCmdpb.RaftCmdResponse): void {
    while (this.proposals.length > 0 && this.proposals[0]!.index <= index) {
      const proposal = this.proposals.shift()!;
      if (proposal.index === index && proposal.term === term) {
        // A quorum accepted an entry proposed at proposedAtMs: no other leader can have
        // been elected before that time plus the lease (which is below the election timeout).
        if (this.isLeader() && term === this.node.raft.term && term !== this.leaseForbiddenTerm) {
          this.leaseTerm = term;
          this.leaseExpiresAtMs = Math.max(this.leaseExpiresAtMs, proposal.proposedAtMs + this.options.leaseDurationMs);
        }
        proposal.resolve(response);
      } else {
        proposal.resolve(errorResponse(new RegionError(staleCommandError(`command proposed at ${proposal.term}/${proposal.index} was overwritten`)), term));
      }
    }
  }

  private serveReads(): void {
    for (const [id, read] of this.reads) {
      if (read.index !== undefined && this.storage.applied >= read.index) {
        this.reads.delete(id);
        read.resolve();
      }
    }
  }

  /** Answers every command and read still waiting here: the peer is being destroyed. */
  abandon(): void {
    this.failAll(regionNotFoundError(this.region.id));
  }

  private failAll(error: ReturnType<typeof staleCommandError>): void {
    for (const proposal of this.proposals) proposal.resolve(errorResponse(new RegionError(error), this.node.raft.term));
    this.proposals = [];
    for (const caller of this.proposalBatch?.callers ?? []) caller.resolve(errorResponse(new RegionError(error), this.node.raft.term));
    this.proposalBatch = undefined;
    for (const read of this.reads.values()) read.reject(new RegionError(notLeaderError(this.region.id, this.leader())));
    this.reads.clear();
    this.leaseExpiresAtMs = 0;
  }
}

function sameEpoch(a: metapb.RegionEpoch | undefined, b: metapb.RegionEpoch | undefined): boolean {
  return a?.version === b?.version && a?.confVer === b?.confVer;
}

/** Bytes of keys and values a write request carries. */
/** Whether a command deletes ranges (such commands hold nothing else; see propose). */
function isRangeDelete(command: raftCmdpb.RaftCmdRequest): boolean {
  return command.adminRequest === undefined && command.requests[0]?.cmd?.$case === 'deleteRange';
}

function requestBytes(request: raftCmdpb.Request): number {
  const cmd = request.cmd;
  switch (cmd?.$case) {
    case 'put':
      return cmd.value.key.length + cmd.value.value.length;
    case 'delete':
      return cmd.value.key.length;
    default:
      return 64;
  }
}

function okResponse(term: number, adminResponse?: raftCmdpb.AdminResponse): raftCmdpb.RaftCmdResponse {
  return { header: { uuid: Buffer.alloc(0), currentTerm: BigInt(term) }, responses: [], ...(adminResponse === undefined ? {} : { adminResponse }) };
}

function errorResponse(error: unknown, term: number): raftCmdpb.RaftCmdResponse {
  const regionError = error instanceof RegionError ? error.error : { message: error instanceof Error ? error.message : String(error) };
  return { header: { error: regionError, uuid: Buffer.alloc(0), currentTerm: BigInt(term) }, responses: [] };
}
