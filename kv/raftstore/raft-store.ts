import type { Counter, Gauge, Histogram, MetricsRegistry } from '../../common/metrics/index.js';
import * as eraftpb from '../../proto/gen/eraftpb.js';
import * as metapb from '../../proto/gen/metapb.js';
import type * as raftCmdpb from '../../proto/gen/raft_cmdpb.js';
import * as raftServerpb from '../../proto/gen/raft_serverpb.js';
import { ColumnFamily, type Engine } from '../engine/engine.js';
import { raftStateRange, regionStateKey, regionStatePrefix } from '../raftlog/keys.js';
import { snapshotColumnFamilies } from './snapshot-data.js';
import { compareBytes } from '../../common/codec/bytes.js';
import { PeerStorage } from '../raftlog/peer-storage.js';
import { messageFromProto } from '../raft/convert.js';
import { RegionError, regionNotFoundError, serverIsBusyError } from './region-errors.js';
import { initialLogIndex, initialLogTerm, RegionPeer, type ReadyOutcome } from './region-peer.js';

/** How a store reaches the others: best effort, as Raft tolerates loss. */
export interface StoreTransport {
  send(toStoreId: bigint, messages: readonly raftServerpb.RaftMessage[]): void;
  /**
   * Sends one snapshot message, data and all, apart from the other messages (it may be
   * large). Resolves once the receiving store has all of it; rejects when that failed.
   */
  sendSnapshot(toStoreId: bigint, message: raftServerpb.RaftMessage): Promise<void>;
}

export interface RaftStoreOptions {
  readonly storeId: bigint;
  readonly engine: Engine;
  readonly transport: StoreTransport;
  readonly clock?: () => number;
  readonly random?: () => number;
  readonly tickIntervalMs?: number;
  readonly electionTicks?: number;
  readonly heartbeatTicks?: number;
  /** Applied entries kept in a region's log before the leader compacts it. */
  readonly raftLogGcThresholdEntries?: number;
  /** Entries past which a region's log is compacted even if a lagging peer still needs them (it gets a snapshot). */
  readonly raftLogGcCountLimitEntries?: number;
  /** Where the loop's metrics go; none when absent. */
  readonly metrics?: MetricsRegistry;
  /**
   * Commands a region peer may have proposed and not yet applied; past it, new ones are
   * refused with ServerIsBusy so clients back off instead of piling up memory.
   */
  readonly maxPendingProposals?: number;
}

/** How long a client refused with ServerIsBusy is told to wait. */
const busyBackoffMs = 20n;

/** The loop's metrics (see RaftStoreOptions.metrics). */
interface LoopMetrics {
  readonly iterations: Counter;
  readonly readyPeers: Counter;
  readonly writeSeconds: Histogram;
  readonly messagesSent: Counter;
  readonly proposals: Counter;
  readonly appliedEntries: Counter;
  readonly snapshots: Counter<'event'>;
}

/**
 * One store's Raft loop over all its region peers. Ticks, incoming messages and
 * proposals mark work; each iteration collects every ready peer's Ready into ONE write
 * batch (log entries, hard states, and the writes of committed commands), makes it
 * durable with one synced write, then sends every message (grouped per store) and runs
 * the callbacks. Persisting before sending is Raft's contract; one sync per iteration
 * for all regions is what makes many regions cheap.
 */
export class RaftStore {
  readonly storeId: bigint;
  /**
   * Told when a peer here starts or stops leading its region, once that Ready is applied
   * (lock waiters of a region that moved away give up; a new leader syncs its max ts).
   */
  readonly roleChangeListeners = new Set<(region: metapb.Region, leading: boolean) => void>();
  private readonly options: Required<Omit<RaftStoreOptions, 'storeId' | 'engine' | 'transport' | 'metrics'>> & RaftStoreOptions;
  private readonly metrics: LoopMetrics | undefined;
  private readonly peers = new Map<bigint, RegionPeer>();
  /** Regions whose peer here was removed, with the conf version at removal. */
  private readonly tombstones = new Map<bigint, bigint>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(options: RaftStoreOptions) {
    this.storeId = options.storeId;
    this.options = { clock: Date.now, random: Math.random, tickIntervalMs: 100, electionTicks: 10, heartbeatTicks: 2, raftLogGcThresholdEntries: 1024, raftLogGcCountLimitEntries: 16_384, maxPendingProposals: 20_000, ...options };
    const registry = options.metrics;
    if (registry !== undefined) {
      this.metrics = {
        iterations: registry.counter({ name: 'tidedb_kv_raftstore_iterations_total', help: 'Raft loop iterations (one synced batch each)' }),
        readyPeers: registry.counter({ name: 'tidedb_kv_raftstore_ready_peers_total', help: 'region peers handled by loop iterations (divide by iterations for peers per batch)' }),
        writeSeconds: registry.histogram({ name: 'tidedb_kv_raftstore_write_duration_seconds', help: 'time of the synced batch write per loop iteration', buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1] }),
        messagesSent: registry.counter({ name: 'tidedb_kv_raftstore_messages_sent_total', help: 'Raft messages sent to other stores' }),
        proposals: registry.counter({ name: 'tidedb_kv_raftstore_proposals_total', help: 'commands handed to region peers on this store to propose (refused ones included)' }),
        appliedEntries: registry.counter({ name: 'tidedb_kv_raftstore_applied_entries_total', help: 'committed Raft entries applied on this store' }),
        snapshots: registry.counter({ name: 'tidedb_kv_raftstore_snapshots_total', help: 'region snapshots streamed to other stores (sent, send_failed), received and applied here', labelNames: ['event'] }),
      };
      const peers = this.peers;
      registry.gauge({
        name: 'tidedb_kv_raftstore_regions_count',
        help: 'region peers on this store, and how many of them lead',
        labelNames: ['role'],
        collect(this: Gauge<'role'>) {
          this.set({ role: 'all' }, peers.size);
          this.set({ role: 'leader' }, [...peers.values()].filter((peer) => peer.isLeader()).length);
        },
      });
    }
  }

  /**
   * Re-creates the peers of every region this store hosted, from the region states in
   * the engine (a restart): their Raft logs and applied data come back with them.
   */
  async loadRegions(): Promise<number> {
    const cursor = this.options.engine.iterator(ColumnFamily.raft, { start: Uint8Array.of(regionStatePrefix), end: Uint8Array.of(regionStatePrefix + 1) });
    let loaded = 0;
    try {
      for (;;) {
        const entries = await cursor.next(256);
        if (entries.length === 0) return loaded;
        for (const [, value] of entries) {
          const state = raftServerpb.RegionLocalState.decode(value);
          if (state.region === undefined) continue;
          if (state.state === raftServerpb.PeerState.Tombstone) {
            this.tombstones.set(state.region.id, state.region.regionEpoch?.confVer ?? 0n);
            continue;
          }
          this.addRegion(state.region);
          loaded++;
        }
      }
    } finally {
      await cursor.close();
    }
  }

  /** Creates a region here for the first time and persists its meta before it runs. */
  async bootstrapRegion(region: metapb.Region): Promise<RegionPeer> {
    // Every initial peer starts its log at the same position, past index 0: a peer added
    // later has an empty log and must get a snapshot (see PeerStorage.initialize).
    const batch = this.options.engine.newBatch();
    const voters = region.peers.filter((peer) => peer.role === metapb.PeerRole.Voter).map((peer) => Number(peer.id));
    PeerStorage.load(this.options.engine, region.id, { voters, learners: [] }).initialize(batch, initialLogIndex, initialLogTerm);
    const state: raftServerpb.RegionLocalState = { state: raftServerpb.PeerState.Normal, region };
    batch.put(ColumnFamily.raft, regionStateKey(region.id), raftServerpb.RegionLocalState.encode(state).finish());
    await this.options.engine.write(batch, { sync: true });
    return this.addRegion(region);
  }

  /**
   * Deletes what a removed peer left: its Raft log and its range's data. The tombstone
   * (its region state) stays, so stale messages cannot resurrect it.
   */
  private async destroyData(region: metapb.Region): Promise<void> {
    const engine = this.options.engine;
    // Another region here may have taken part of the range meanwhile (a split child): keep that.
    const overlapping = [...this.peers.values()].some(
      (peer) => peer.region.peers.length > 0 && rangesOverlap(peer.region.startKey, peer.region.endKey, region.startKey, region.endKey),
    );
    try {
      // The region's Raft log, Raft state and apply state (all under one prefix); the
      // region state, now a tombstone, lives elsewhere and stays.
      await engine.deleteRange(ColumnFamily.raft, raftStateRange(region.id));
      if (overlapping) return;
      const range = { start: region.startKey, ...(region.endKey.length === 0 ? {} : { end: region.endKey }) };
      for (const cf of snapshotColumnFamilies) await engine.deleteRange(cf, range);
    } catch {
      // The engine is closing: the next start finds the tombstone and the leftovers are harmless.
    }
  }

  private addUninitialized(regionId: bigint, peer: metapb.Peer, message: raftServerpb.RaftMessage): RegionPeer {
    const region = metapb.Region.create({ id: regionId, startKey: message.startKey, endKey: message.endKey, regionEpoch: { confVer: 0n, version: 0n }, peers: [] });
    return this.addRegion(region, peer);
  }

  /** Hosts a peer of `region` (its member on this store). */
  addRegion(region: metapb.Region, self?: metapb.Peer): RegionPeer {
    const member = self ?? region.peers.find((peer) => peer.storeId === this.storeId);
    if (member === undefined) throw new RegionError({ message: `region ${region.id} has no peer on store ${this.storeId}` });
    const options = this.options;
    const peer = new RegionPeer(
      {
        engine: options.engine,
        storeId: this.storeId,
        clock: options.clock,
        random: options.random,
        electionTicks: options.electionTicks,
        heartbeatTicks: options.heartbeatTicks,
        // Safely inside the shortest election timeout, leaving room for clock drift.
        leaseDurationMs: Math.max(0, (options.electionTicks - 2) * options.tickIntervalMs),
        onRoleChange: (changed, leading) => {
          for (const listener of this.roleChangeListeners) listener(changed.region, leading);
        },
      },
      region,
      member,
    );
    this.peers.set(region.id, peer);
    return peer;
  }

  peer(regionId: bigint): RegionPeer | undefined {
    return this.peers.get(regionId);
  }

  regions(): metapb.Region[] {
    return [...this.peers.values()].map((peer) => peer.region);
  }

  start(): void {
    this.timer = setInterval(() => {
      for (const peer of this.peers.values()) {
        peer.tick();
        peer.maybeCompactLog(this.options.raftLogGcThresholdEntries, this.options.raftLogGcCountLimitEntries);
      }
      this.wake();
    }, this.options.tickIntervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.running;
  }

  /** A Raft message from another store. */
  receive(message: raftServerpb.RaftMessage): void {
    if (this.stopped || message.message === undefined) return;
    let peer = this.peers.get(message.regionId);
    if (peer === undefined) {
      // A message for a peer of a region this store does not have yet: PD added it. It
      // starts empty and learns the region from the leader's snapshot.
      const to = message.toPeer;
      if (to === undefined || to.storeId !== this.storeId || message.isTombstone) return;
      // A message for a peer this store removed must not bring it back; only a newer
      // membership (the region re-added a peer here) may create one.
      const removedAt = this.tombstones.get(message.regionId);
      if (removedAt !== undefined && (message.regionEpoch?.confVer ?? 0n) <= removedAt) return;
      peer = this.addUninitialized(message.regionId, to, message);
    }
    if (peer.removed) return;
    try {
      peer.step(messageFromProto(message.message), message.fromPeer);
    } catch {
      // A message Raft refuses is dropped, as a lost one would be.
      return;
    }
    this.wake();
  }

  /** Proposes a command to the region's leader peer here; resolves once applied. */
  async propose(command: raftCmdpb.RaftCmdRequest): Promise<raftCmdpb.RaftCmdResponse> {
    const regionId = command.header?.regionId ?? 0n;
    const peer = this.peers.get(regionId);
    if (peer === undefined) return { header: { error: regionNotFoundError(regionId), uuid: Buffer.alloc(0), currentTerm: 0n }, responses: [] };
    this.metrics?.proposals.inc();
    if (peer.pendingProposals >= this.options.maxPendingProposals) {
      return { header: { error: serverIsBusyError(`region ${regionId} has ${peer.pendingProposals} commands waiting to apply`, busyBackoffMs), uuid: Buffer.alloc(0), currentTerm: 0n }, responses: [] };
    }
    const response = peer.propose(command);
    this.wake();
    return response;
  }

  /**
   * Proposes splitting a region at `splitKeys` (routing keys, ascending) into new regions
   * with ids and peer ids from PD; resolves once applied here.
   */
  async proposeSplit(regionId: bigint, splitKeys: readonly Uint8Array[], ids: ReadonlyArray<{ newRegionId: bigint; newPeerIds: readonly bigint[] }>): Promise<raftCmdpb.RaftCmdResponse> {
    const peer = this.peers.get(regionId);
    if (peer === undefined) return { header: { error: regionNotFoundError(regionId), uuid: Buffer.alloc(0), currentTerm: 0n }, responses: [] };
    const region = peer.region;
    return this.propose({
      header: { regionId, ...(region.regionEpoch === undefined ? {} : { regionEpoch: region.regionEpoch }), term: 0n, syncLog: true, readQuorum: false, uuid: Buffer.alloc(0) },
      requests: [],
      adminRequest: {
        cmd: {
          $case: 'batchSplit',
          value: { requests: splitKeys.map((splitKey, index) => ({ splitKey: Buffer.from(splitKey), newRegionId: ids[index]!.newRegionId, newPeerIds: [...ids[index]!.newPeerIds] })), rightDerive: false },
        },
      },
    });
  }

  /** Waits until a read of the region on this store is linearizable (lease or ReadIndex). */
  async readBarrier(regionId: bigint, epoch: metapb.RegionEpoch | undefined): Promise<void> {
    const peer = this.peers.get(regionId);
    if (peer === undefined) throw new RegionError(regionNotFoundError(regionId));
    const barrier = peer.readBarrier(epoch);
    this.wake();
    return barrier;
  }

  /**
   * Streams a snapshot to another store and tells the sending peer how that ended: Raft
   * holds the follower until it hears, so every send must end in a report.
   */
  private sendSnapshot(toStoreId: bigint, message: raftServerpb.RaftMessage): void {
    const report = (status: 'finish' | 'failure') => {
      if (this.stopped) return;
      this.metrics?.snapshots.inc({ event: status === 'finish' ? 'sent' : 'send_failed' });
      const peer = this.peers.get(message.regionId);
      const to = message.toPeer?.id;
      if (peer === undefined || to === undefined) return;
      peer.reportSnapshot(to, status);
      this.wake();
    };
    this.options.transport.sendSnapshot(toStoreId, message).then(
      () => report('finish'),
      () => report('failure'),
    );
  }

  /** Asks the loop to run an iteration soon (coalesced). */
  wake(): void {
    if (this.stopped) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        this.wake();
      }
    });
  }

  private async loop(): Promise<void> {
    // Let the current turn's messages and proposals gather first: one batch for all of them.
    await new Promise((resolve) => setImmediate(resolve));
    for (;;) {
      const ready = [...this.peers.values()].filter((peer) => peer.hasReady());
      if (ready.length === 0) return;
      const batch = this.options.engine.newBatch();
      const outcomes: ReadyOutcome[] = ready.map((peer) => peer.collectReady(batch));
      const writeStarted = performance.now();
      await this.options.engine.write(batch, { sync: true });
      if (this.metrics !== undefined) {
        this.metrics.iterations.inc();
        this.metrics.readyPeers.inc(ready.length);
        this.metrics.writeSeconds.observe((performance.now() - writeStarted) / 1000);
        for (const outcome of outcomes) {
          this.metrics.appliedEntries.inc(outcome.appliedEntries);
          if (outcome.appliesSnapshot) this.metrics.snapshots.inc({ event: 'applied' });
        }
      }
      const byStore = new Map<bigint, raftServerpb.RaftMessage[]>();
      for (const outcome of outcomes) {
        for (const message of outcome.messages) {
          const to = message.toPeer?.storeId;
          if (to === undefined) continue;
          if (message.message?.msgType === eraftpb.MessageType.MsgSnapshot) {
            this.sendSnapshot(to, message);
            continue;
          }
          const group = byStore.get(to);
          if (group === undefined) byStore.set(to, [message]);
          else group.push(message);
        }
      }
      for (const [storeId, messages] of byStore) {
        this.options.transport.send(storeId, messages);
        this.metrics?.messagesSent.inc(messages.length);
      }
      // Range deletes read the engine, so they apply now that this batch is in it.
      for (const outcome of outcomes) if (outcome.applyRest !== undefined) await outcome.applyRest();
      // Regions created by splits: their state is durable now, so their peers can run.
      for (const outcome of outcomes) {
        for (const region of outcome.newRegions) {
          const existing = this.peers.get(region.id);
          // An empty peer created early by a message from the new region's leader gives way.
          if (existing === undefined || !existing.storage.isInitialized || existing.region.peers.length === 0) this.addRegion(region);
        }
      }
      for (const outcome of outcomes) outcome.afterWrite();
      for (const [regionId, peer] of this.peers) {
        if (!peer.removed) continue;
        peer.abandon();
        this.peers.delete(regionId);
        this.tombstones.set(regionId, peer.region.regionEpoch?.confVer ?? 0n);
        void this.destroyData(peer.region);
      }
    }
  }
}

function rangesOverlap(startA: Uint8Array, endA: Uint8Array, startB: Uint8Array, endB: Uint8Array): boolean {
  const aBeforeB = endA.length > 0 && compareBytes(endA, startB) <= 0;
  const bBeforeA = endB.length > 0 && compareBytes(endB, startA) <= 0;
  return !aBeforeB && !bBeforeA;
}

/** The first region of a new cluster: the whole key space, with `peers`. */
export function initialRegion(regionId: bigint, peers: readonly metapb.Peer[]): metapb.Region {
  return metapb.Region.create({ id: regionId, startKey: Buffer.alloc(0), endKey: Buffer.alloc(0), regionEpoch: { confVer: 1n, version: 1n }, peers: [...peers] });
}
