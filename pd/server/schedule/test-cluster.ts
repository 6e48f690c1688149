import { assert } from '../../../common/assert.js';
import { ConfChangeType } from '../../../proto/gen/eraftpb.js';
import * as metapb from '../../../proto/gen/metapb.js';
import type * as pdpb from '../../../proto/gen/pdpb.js';
import { defaultScheduleConfig, type ClusterView, type RegionInfo, type ScheduleConfig, type StoreInfo } from '../cluster/types.js';
import { compareBigints } from './compare.js';
import type { Coordinator } from './coordinator.js';
import type { Operator } from './operator.js';
import type { OperatorController } from './operator-controller.js';
import { epochOf, peerOnStore } from './region-peers.js';

/**
 * Test support: an in-memory ClusterView that tests build store by store and region by
 * region, and that can play TiKV, carrying out heartbeat responses the way a region
 * leader would (checking the epoch first). Not used by production code.
 */

export interface TestStoreOptions {
  /** Location labels, e.g. { zone: 'z1', host: 'h1' }. */
  readonly labels?: Readonly<Record<string, string>>;
  readonly state?: metapb.StoreState;
  /** Defaults to now; a store stopped with `stopStore` keeps its last value. */
  readonly lastHeartbeatMs?: number;
  readonly capacityBytes?: bigint;
  readonly availableBytes?: bigint;
  readonly isBusy?: boolean;
}

export interface TestRegionOptions {
  readonly startKey?: string;
  readonly endKey?: string;
  readonly voterStoreIds: readonly bigint[];
  readonly learnerStoreIds?: readonly bigint[];
  /** Defaults to the first voter's store; null for a region without a known leader. */
  readonly leaderStoreId?: bigint | null;
  readonly sizeBytes?: bigint;
  readonly keys?: bigint;
  readonly downPeers?: readonly { readonly storeId: bigint; readonly downSeconds: bigint }[];
  readonly pendingStoreIds?: readonly bigint[];
  readonly confVer?: bigint;
  readonly version?: bigint;
}

export type ApplyResult =
  | { readonly applied: true; readonly removedRegionIds: readonly bigint[]; readonly createdRegionIds: readonly bigint[] }
  | { readonly applied: false; readonly reason: string };

const mebibyte = 1024n * 1024n;

export class TestCluster implements ClusterView {
  config: ScheduleConfig;
  nowMs: number;
  private readonly storeMap = new Map<bigint, StoreInfo>();
  private readonly stoppedStores = new Set<bigint>();
  private readonly regionMap = new Map<bigint, RegionInfo>();
  private nextPeerId = 100_000n;
  private nextRegionId = 900_000n;

  constructor(config: Partial<ScheduleConfig> = {}, nowMs = 100_000_000) {
    this.config = { ...defaultScheduleConfig, ...config };
    this.nowMs = nowMs;
  }

  /** PD's ID allocator, shared by operators and the simulated splits. */
  readonly allocPeerId = (): bigint => this.nextPeerId++;

  addStore(id: bigint, options: TestStoreOptions = {}): StoreInfo {
    assert(!this.storeMap.has(id), `store ${id} exists`);
    const hasStats = options.capacityBytes !== undefined || options.availableBytes !== undefined || options.isBusy !== undefined;
    const capacityBytes = options.capacityBytes ?? 1024n * 1024n * mebibyte;
    const store: StoreInfo = {
      meta: {
        id,
        address: `127.0.0.1:${20160 + Number(id)}`,
        labels: Object.entries(options.labels ?? {}).map(([key, value]) => ({ key, value })),
        version: '0.1.0',
        statusAddress: '',
        state: options.state ?? metapb.StoreState.Up,
        startTimestamp: 0n,
        lastHeartbeat: 0n,
      },
      stats: hasStats
        ? {
            storeId: id,
            capacityBytes,
            availableBytes: options.availableBytes ?? capacityBytes,
            regionCount: 0,
            leaderCount: 0,
            sendingSnapCount: 0,
            receivingSnapCount: 0,
            startTime: 0,
            applyingSnapCount: 0,
            isBusy: options.isBusy ?? false,
            usedSizeBytes: 0n,
            bytesWritten: 0n,
            keysWritten: 0n,
            bytesRead: 0n,
            keysRead: 0n,
          }
        : undefined,
      lastHeartbeatMs: options.lastHeartbeatMs ?? this.nowMs,
    };
    this.storeMap.set(id, store);
    return store;
  }

  setStoreState(id: bigint, state: metapb.StoreState): void {
    const store = this.mustStore(id);
    this.storeMap.set(id, { ...store, meta: { ...store.meta, state } });
  }

  /** The store stops heartbeating: after maxStoreDownTimeMs it is Down. */
  stopStore(id: bigint): void {
    this.mustStore(id);
    this.stoppedStores.add(id);
  }

  /** Moves the clock; every store not stopped heartbeats at the new time. */
  advanceTime(durationMs: number): void {
    this.nowMs += durationMs;
    for (const [id, store] of this.storeMap) {
      if (!this.stoppedStores.has(id)) this.storeMap.set(id, { ...store, lastHeartbeatMs: this.nowMs });
    }
  }

  addRegion(id: bigint, options: TestRegionOptions): RegionInfo {
    assert(!this.regionMap.has(id), `region ${id} exists`);
    const peers: metapb.Peer[] = [];
    for (const storeId of options.voterStoreIds) peers.push({ id: this.allocPeerId(), storeId, role: metapb.PeerRole.Voter });
    for (const storeId of options.learnerStoreIds ?? []) peers.push({ id: this.allocPeerId(), storeId, role: metapb.PeerRole.Learner });
    const storeIds = peers.map((peer) => peer.storeId);
    assert(new Set(storeIds).size === storeIds.length, `region ${id} has two peers on one store`);
    const leaderStoreId = options.leaderStoreId === undefined ? options.voterStoreIds[0] : options.leaderStoreId;
    const leader = leaderStoreId === null || leaderStoreId === undefined ? undefined : peers.find((peer) => peer.storeId === leaderStoreId);
    assert(leaderStoreId === null || leaderStoreId === undefined || leader !== undefined, 'the leader must be one of the peers');
    const region: RegionInfo = {
      meta: {
        id,
        startKey: Buffer.from(options.startKey ?? ''),
        endKey: Buffer.from(options.endKey ?? ''),
        regionEpoch: { confVer: options.confVer ?? 1n, version: options.version ?? 1n },
        peers,
      },
      leader: leader === undefined ? undefined : { ...leader },
      downPeers: (options.downPeers ?? []).map((entry) => ({ peer: { ...peers.find((peer) => peer.storeId === entry.storeId)! }, downSeconds: entry.downSeconds })),
      pendingPeers: (options.pendingStoreIds ?? []).map((storeId) => ({ ...peers.find((peer) => peer.storeId === storeId)! })),
      approximateSizeBytes: options.sizeBytes ?? 10n * mebibyte,
      approximateKeys: options.keys ?? 10_000n,
      bytesWritten: 0n,
      bytesRead: 0n,
      keysWritten: 0n,
      keysRead: 0n,
      term: 1n,
    };
    this.regionMap.set(id, region);
    return region;
  }

  /** Replaces parts of a region's state, as a later heartbeat would. */
  updateRegion(id: bigint, patch: Partial<RegionInfo>): RegionInfo {
    const region = { ...this.mustRegion(id), ...patch };
    this.regionMap.set(id, region);
    return region;
  }

  removeRegion(id: bigint): void {
    this.regionMap.delete(id);
  }

  stores(): readonly StoreInfo[] {
    return [...this.storeMap.values()].sort((first, second) => compareBigints(first.meta.id, second.meta.id));
  }

  getStore(id: bigint): StoreInfo | undefined {
    return this.storeMap.get(id);
  }

  regions(): readonly RegionInfo[] {
    return [...this.regionMap.values()].sort((first, second) => compareBigints(first.meta.id, second.meta.id));
  }

  getRegion(id: bigint): RegionInfo | undefined {
    return this.regionMap.get(id);
  }

  getPrevRegion(region: metapb.Region): RegionInfo | undefined {
    if (region.startKey.length === 0) return undefined;
    return [...this.regionMap.values()].find((other) => other.meta.id !== region.id && other.meta.endKey.equals(region.startKey));
  }

  getNextRegion(region: metapb.Region): RegionInfo | undefined {
    if (region.endKey.length === 0) return undefined;
    return [...this.regionMap.values()].find((other) => other.meta.id !== region.id && other.meta.startKey.equals(region.endKey));
  }

  /** Leaders per store (every store listed, zero included). */
  leaderCounts(): Map<bigint, number> {
    const counts = new Map<bigint, number>([...this.storeMap.keys()].map((id) => [id, 0]));
    for (const region of this.regionMap.values()) {
      if (region.leader !== undefined) counts.set(region.leader.storeId, (counts.get(region.leader.storeId) ?? 0) + 1);
    }
    return counts;
  }

  /** Peers per store (every store listed, zero included). */
  regionCounts(): Map<bigint, number> {
    const counts = new Map<bigint, number>([...this.storeMap.keys()].map((id) => [id, 0]));
    for (const region of this.regionMap.values()) {
      for (const peer of region.meta.peers) counts.set(peer.storeId, (counts.get(peer.storeId) ?? 0) + 1);
    }
    return counts;
  }

  /**
   * Carries out a heartbeat response as the region's leader would: the epoch in the
   * response must match the region's, the target must be the leader, and the change must
   * make sense; otherwise nothing happens.
   */
  applyResponse(response: pdpb.RegionHeartbeatResponse): ApplyResult {
    const region = this.regionMap.get(response.regionId);
    if (region === undefined) return { applied: false, reason: `region ${response.regionId} not found` };
    const epoch = epochOf(region.meta);
    const expected = response.regionEpoch;
    if (expected === undefined || expected.confVer !== epoch.confVer || expected.version !== epoch.version) {
      return { applied: false, reason: 'epoch not match' };
    }
    if (response.targetPeer?.id !== region.leader?.id) return { applied: false, reason: 'not leader' };
    if (response.changePeer !== undefined) return this.applyChangePeer(region, response.changePeer);
    if (response.transferLeader !== undefined) {
      const peer = response.transferLeader.peer === undefined ? undefined : peerOnStore(region.meta, response.transferLeader.peer.storeId);
      if (peer === undefined || peer.role !== metapb.PeerRole.Voter) return { applied: false, reason: 'no voter to transfer to' };
      this.regionMap.set(region.meta.id, { ...region, leader: { ...peer } });
      return { applied: true, removedRegionIds: [], createdRegionIds: [] };
    }
    if (response.splitRegion !== undefined) return this.applySplit(region, response.splitRegion);
    if (response.merge !== undefined) return this.applyMerge(region, response.merge);
    return { applied: false, reason: 'empty response' };
  }

  private applyChangePeer(region: RegionInfo, change: pdpb.ChangePeer): ApplyResult {
    const requested = change.peer;
    if (requested === undefined) return { applied: false, reason: 'change without a peer' };
    let peers = region.meta.peers.map((peer) => ({ ...peer }));
    switch (change.changeType) {
      case ConfChangeType.AddLearnerNode:
        if (peers.some((peer) => peer.storeId === requested.storeId)) return { applied: false, reason: 'store already has a peer' };
        peers.push({ id: requested.id, storeId: requested.storeId, role: metapb.PeerRole.Learner });
        break;
      case ConfChangeType.AddNode: {
        const existing = peers.find((peer) => peer.id === requested.id);
        if (existing === undefined) {
          if (peers.some((peer) => peer.storeId === requested.storeId)) return { applied: false, reason: 'store already has a peer' };
          peers.push({ id: requested.id, storeId: requested.storeId, role: metapb.PeerRole.Voter });
        } else if (existing.role === metapb.PeerRole.Voter) {
          return { applied: false, reason: 'already a voter' };
        } else {
          existing.role = metapb.PeerRole.Voter;
        }
        break;
      }
      case ConfChangeType.RemoveNode:
        if (requested.id === region.leader?.id) return { applied: false, reason: 'cannot remove the leader' };
        if (!peers.some((peer) => peer.id === requested.id)) return { applied: false, reason: 'no such peer' };
        peers = peers.filter((peer) => peer.id !== requested.id);
        break;
      default:
        return { applied: false, reason: `unknown change type ${change.changeType}` };
    }
    const epoch = epochOf(region.meta);
    const peerIds = new Set(peers.map((peer) => peer.id));
    this.regionMap.set(region.meta.id, {
      ...region,
      meta: { ...region.meta, peers, regionEpoch: { confVer: epoch.confVer + 1n, version: epoch.version } },
      downPeers: region.downPeers.filter((entry) => entry.peer !== undefined && peerIds.has(entry.peer.id)),
      pendingPeers: region.pendingPeers.filter((peer) => peerIds.has(peer.id)),
    });
    return { applied: true, removedRegionIds: [], createdRegionIds: [] };
  }

  private applySplit(region: RegionInfo, split: pdpb.SplitRegion): ApplyResult {
    const splitKey = split.keys[0] ?? Buffer.concat([region.meta.startKey, Buffer.from([0])]);
    const meta = region.meta;
    if (splitKey.compare(meta.startKey) <= 0 || (meta.endKey.length > 0 && splitKey.compare(meta.endKey) >= 0)) {
      return { applied: false, reason: 'split key outside the region' };
    }
    const epoch = epochOf(meta);
    const newEpoch = { confVer: epoch.confVer, version: epoch.version + 1n };
    const halfSize = region.approximateSizeBytes / 2n;
    const halfKeys = region.approximateKeys / 2n;
    const rightPeers = meta.peers.map((peer) => ({ ...peer, id: this.allocPeerId() }));
    const rightLeader = region.leader === undefined ? undefined : rightPeers.find((peer) => peer.storeId === region.leader!.storeId);
    const rightId = this.nextRegionId++;
    this.regionMap.set(meta.id, {
      ...region,
      meta: { ...meta, endKey: Buffer.from(splitKey), regionEpoch: newEpoch },
      approximateSizeBytes: halfSize,
      approximateKeys: halfKeys,
    });
    this.regionMap.set(rightId, {
      ...region,
      meta: { id: rightId, startKey: Buffer.from(splitKey), endKey: Buffer.from(meta.endKey), regionEpoch: { ...newEpoch }, peers: rightPeers },
      leader: rightLeader === undefined ? undefined : { ...rightLeader },
      downPeers: [],
      pendingPeers: [],
      approximateSizeBytes: halfSize,
      approximateKeys: halfKeys,
    });
    return { applied: true, removedRegionIds: [], createdRegionIds: [rightId] };
  }

  private applyMerge(source: RegionInfo, merge: pdpb.Merge): ApplyResult {
    const targetId = merge.target?.id;
    const target = targetId === undefined ? undefined : this.regionMap.get(targetId);
    if (target === undefined) return { applied: false, reason: 'merge target not found' };
    const sourceStores = source.meta.peers.map((peer) => peer.storeId).sort(compareBigints);
    const targetStores = target.meta.peers.map((peer) => peer.storeId).sort(compareBigints);
    if (sourceStores.join() !== targetStores.join()) return { applied: false, reason: 'peers on different stores' };
    let startKey: Buffer;
    let endKey: Buffer;
    if (source.meta.endKey.length > 0 && source.meta.endKey.equals(target.meta.startKey)) {
      startKey = source.meta.startKey;
      endKey = target.meta.endKey;
    } else if (target.meta.endKey.length > 0 && target.meta.endKey.equals(source.meta.startKey)) {
      startKey = target.meta.startKey;
      endKey = source.meta.endKey;
    } else {
      return { applied: false, reason: 'regions are not adjacent' };
    }
    const sourceEpoch = epochOf(source.meta);
    const targetEpoch = epochOf(target.meta);
    const version = (sourceEpoch.version > targetEpoch.version ? sourceEpoch.version : targetEpoch.version) + 1n;
    this.regionMap.delete(source.meta.id);
    this.regionMap.set(target.meta.id, {
      ...target,
      meta: { ...target.meta, startKey: Buffer.from(startKey), endKey: Buffer.from(endKey), regionEpoch: { confVer: targetEpoch.confVer, version } },
      approximateSizeBytes: source.approximateSizeBytes + target.approximateSizeBytes,
      approximateKeys: source.approximateKeys + target.approximateKeys,
    });
    return { applied: true, removedRegionIds: [source.meta.id], createdRegionIds: [] };
  }

  private mustStore(id: bigint): StoreInfo {
    const store = this.storeMap.get(id);
    assert(store !== undefined, `no store ${id}`);
    return store;
  }

  private mustRegion(id: bigint): RegionInfo {
    const region = this.regionMap.get(id);
    assert(region !== undefined, `no region ${id}`);
    return region;
  }
}

/** The keys of the `index`-th of `count` adjacent regions covering the whole key space. */
export function adjacentRegionKeys(index: number, count: number): { startKey: string; endKey: string } {
  const key = (position: number): string => `k${String(position).padStart(6, '0')}`;
  return { startKey: index === 0 ? '' : key(index), endKey: index === count - 1 ? '' : key(index + 1) };
}

/**
 * Plays the region leaders for every operator in flight: heartbeats the region, applies
 * what comes back, and repeats until the operator has nothing more to send now.
 */
export function driveOperators(cluster: TestCluster, controller: OperatorController, heartbeatsPerRegion = 16): void {
  for (const operator of controller.operators()) {
    for (let heartbeat = 0; heartbeat < heartbeatsPerRegion; heartbeat++) {
      const region = cluster.getRegion(operator.regionId);
      if (region === undefined) {
        controller.onRegionRemoved(operator.regionId, cluster.nowMs);
        break;
      }
      const response = controller.onRegionHeartbeat(region, cluster);
      if (response === undefined) break;
      const result = cluster.applyResponse(response);
      if (!result.applied) break;
      for (const removedId of result.removedRegionIds) controller.onRegionRemoved(removedId, cluster.nowMs);
    }
  }
}

export interface RunResult {
  /** Rounds run, including the final one that produced nothing. */
  readonly rounds: number;
  readonly operators: readonly Operator[];
  /** Whether a round ended with no new operator and none in flight. */
  readonly settled: boolean;
}

/** Scheduling rounds, each followed by carrying out the operators, until nothing more happens. */
export function runUntilSettled(
  cluster: TestCluster,
  coordinator: Coordinator,
  controller: OperatorController,
  maxRounds: number,
  roundIntervalMs = 10_000,
): RunResult {
  const operators: Operator[] = [];
  for (let round = 1; round <= maxRounds; round++) {
    cluster.advanceTime(roundIntervalMs);
    const created = coordinator.scheduleOnce(cluster);
    operators.push(...created);
    driveOperators(cluster, controller);
    if (created.length === 0 && controller.operators().length === 0) return { rounds: round, operators, settled: true };
  }
  return { rounds: maxRounds, operators, settled: false };
}
