import { assert } from '../../../common/assert.js';
import { CodecError } from '../../../common/errors.js';
import { compareBytes } from '../../../common/codec/bytes.js';
import { StoreState } from '../../../proto/gen/metapb.js';
import type * as metapb from '../../../proto/gen/metapb.js';
import type * as pdpb from '../../../proto/gen/pdpb.js';
import type { PdStorage, PdWrite } from '../storage.js';
import {
  clusterStorageKeys,
  decodeCluster,
  decodeRegion,
  decodeStore,
  deleteRegionWrite,
  putClusterWrite,
  putRegionWrite,
  putStoreWrite,
} from './cluster-storage.js';
import { LiveClusterView } from './cluster-view.js';
import {
  AlreadyBootstrappedError,
  InvalidClusterRequestError,
  NotBootstrappedError,
  RegionNotFoundError,
  StaleRegionEpochError,
  StoreNotFoundError,
  StoreTombstoneError,
} from './errors.js';
import { clusterLimits } from './limits.js';
import { PersistQueue } from './persist-queue.js';
import { clonePeer, cloneRegion, describeRegion, epochOf, isEpochStale, isValidRange } from './region-meta.js';
import { RegionTree, type RegionUpdate, type StaleReason, type StoreRegionStats } from './region-tree.js';
import { StoreRegistry, storeLiveness, type StoreLiveness } from './store-registry.js';
import { defaultScheduleConfig, type RegionInfo, type ScheduleConfig, type StoreInfo } from './types.js';

export interface BasicClusterOptions {
  readonly storage: PdStorage;
  /** PD's clock in milliseconds; injected so tests run on virtual time. */
  readonly clock: () => number;
  /** Hands out cluster-unique IDs (PD's ID allocator), for AskBatchSplit. */
  readonly allocateId: () => Promise<bigint>;
  /** Written into the cluster meta at bootstrap. */
  readonly clusterId?: bigint;
  readonly config?: ScheduleConfig;
}

/** What a region heartbeat did to PD's view. */
export type RegionHeartbeatResult =
  | {
      /** Ignored: older than what PD knows (a deposed leader or a peer that missed a split). */
      readonly kind: 'stale';
      readonly reason: StaleReason;
      readonly current: RegionInfo;
    }
  | {
      readonly kind: 'applied';
      readonly region: RegionInfo;
      readonly previous: RegionInfo | undefined;
      /** Regions with other IDs whose ranges the reported one covered; now gone. */
      readonly removed: readonly RegionInfo[];
      /** Whether the region's shape (range, epoch, peers) was new to PD. */
      readonly metaChanged: boolean;
      /** Whether this heartbeat wrote to storage (stats-only heartbeats stay in memory). */
      readonly persisted: boolean;
    };

/**
 * PD's cluster metadata: the bootstrap flag, the stores and the regions, kept in memory
 * for reads and scheduling and persisted through PdStorage for what must survive a
 * restart or a leader change (cluster meta, store meta, region shapes).
 *
 * Consistency rules:
 * - Bootstrap, PutStore and store state changes run one at a time (a lock), validate,
 *   persist, and only then change memory, so memory never shows what storage lacks.
 * - Region heartbeats are frequent and concurrent: they change memory first (the stale
 *   check must see every earlier heartbeat) and then persist through a queue that keeps
 *   write order. If a write fails the region is remembered as unpersisted and written by
 *   its next heartbeat even if nothing changed.
 * - Store heartbeats and region stats (leader, sizes, flow) live in memory only.
 *
 * The gRPC service calls the methods directly and maps `ClusterError`s to pdpb errors
 * through their `errorType`.
 */
export class BasicCluster {
  private readonly storage: PdStorage;
  private readonly clock: () => number;
  private readonly allocateId: () => Promise<bigint>;
  private readonly clusterId: bigint;
  private scheduleConfig: ScheduleConfig;
  private readonly persistQueue: PersistQueue;
  private readonly registry = new StoreRegistry();
  private readonly tree = new RegionTree();
  // Set once bootstrap is durable (or found in storage); never unset.
  private clusterMetaValue: metapb.Cluster | undefined;
  // Regions whose latest meta may not be in storage because a write failed.
  private readonly unpersistedRegionIds = new Set<bigint>();
  // Tail of the chain that runs bootstrap/PutStore/state changes one at a time.
  private metaLockTail: Promise<void> = Promise.resolve();

  private constructor(options: BasicClusterOptions) {
    this.storage = options.storage;
    this.clock = options.clock;
    this.allocateId = options.allocateId;
    this.clusterId = options.clusterId ?? 0n;
    this.scheduleConfig = options.config ?? defaultScheduleConfig;
    this.persistQueue = new PersistQueue(options.storage, clusterLimits.maxWritesPerPersistBatch);
  }

  /**
   * Builds the cluster from storage: the bootstrap flag, every store and every region.
   * Call it when PD starts and whenever a member becomes leader. Region entries that
   * storage still holds but a newer region has replaced (left behind by a failed
   * delete) are dropped and deleted.
   */
  static async load(options: BasicClusterOptions): Promise<BasicCluster> {
    const cluster = new BasicCluster(options);
    await cluster.loadFromStorage();
    return cluster;
  }

  private async loadFromStorage(): Promise<void> {
    const clusterValue = await this.storage.get(clusterStorageKeys.cluster);
    const storeEntries = await this.storage.scan(clusterStorageKeys.storePrefix);
    const regionEntries = await this.storage.scan(clusterStorageKeys.regionPrefix);
    if (clusterValue === undefined) {
      // Bootstrap writes the cluster meta together with the first store and region.
      if (storeEntries.length > 0 || regionEntries.length > 0) {
        throw new CodecError('storage holds stores or regions but no cluster meta');
      }
      return;
    }
    this.clusterMetaValue = decodeCluster(clusterValue);
    const nowMs = this.clock();
    for (const { key, value } of storeEntries) this.registry.load(decodeStore(key, value), nowMs);
    const leftovers: PdWrite[] = [];
    for (const { key, value } of regionEntries) {
      const meta = decodeRegion(key, value);
      if (meta.regionEpoch === undefined || !isValidRange(meta.startKey, meta.endKey) || meta.id === 0n) {
        throw new CodecError(`invalid stored region at ${key}: ${describeRegion(meta)}`);
      }
      const update = this.tree.update(regionInfoOf(meta, undefined));
      if (update.kind === 'stale') leftovers.push(deleteRegionWrite(meta.id));
      else for (const removed of update.removed) leftovers.push(deleteRegionWrite(removed.meta.id));
    }
    if (leftovers.length > 0) await this.persistQueue.write(leftovers);
  }

  get config(): ScheduleConfig {
    return this.scheduleConfig;
  }

  setConfig(config: ScheduleConfig): void {
    this.scheduleConfig = config;
  }

  /** The cluster meta written at bootstrap, or undefined before. */
  get clusterMeta(): metapb.Cluster | undefined {
    return this.clusterMetaValue;
  }

  isBootstrapped(): boolean {
    return this.clusterMetaValue !== undefined;
  }

  /** Throws NotBootstrappedError before bootstrap; for service handlers. */
  requireBootstrapped(): void {
    if (this.clusterMetaValue === undefined) throw new NotBootstrappedError();
  }

  /**
   * Bootstraps the cluster with its first store and the first region (the whole key
   * space, one peer on that store), exactly once: of two racing calls the second gets
   * AlreadyBootstrappedError, as does any call after a restart.
   */
  bootstrap(store: metapb.Store, region: metapb.Region): Promise<void> {
    return this.withMetaLock(async () => {
      if (this.clusterMetaValue !== undefined) throw new AlreadyBootstrappedError();
      validateBootstrap(store, region);
      const storeMeta = this.registry.preparePut(store);
      const regionMeta = cloneRegion(region);
      const clusterMeta: metapb.Cluster = { id: this.clusterId, maxPeerCount: this.scheduleConfig.maxReplicas };
      await this.persistQueue.write([putClusterWrite(clusterMeta), putStoreWrite(storeMeta), putRegionWrite(regionMeta)]);
      this.registry.applyPut(storeMeta, this.clock());
      const update = this.tree.update(regionInfoOf(regionMeta, undefined));
      assert(update.kind === 'inserted' && update.removed.length === 0, 'an unbootstrapped cluster has no regions');
      this.clusterMetaValue = clusterMeta;
    });
  }

  /** Registers a store or updates its address/labels (see StoreRegistry.preparePut). */
  putStore(store: metapb.Store): Promise<StoreInfo> {
    return this.withMetaLock(async () => {
      this.requireBootstrapped();
      const meta = this.registry.preparePut(store);
      await this.persistQueue.write([putStoreWrite(meta)]);
      return this.registry.applyPut(meta, this.clock());
    });
  }

  getStore(storeId: bigint): StoreInfo | undefined {
    return this.registry.get(storeId);
  }

  /** Every store in ID order. */
  getAllStores(excludeTombstone: boolean): StoreInfo[] {
    return this.registry.all(excludeTombstone);
  }

  /**
   * Takes a store offline (Up -> Offline), brings it back (Offline -> Up) or removes it
   * for good once it holds no region peers (Offline -> Tombstone).
   */
  setStoreState(storeId: bigint, state: metapb.StoreState): Promise<StoreInfo> {
    return this.withMetaLock(async () => {
      this.requireBootstrapped();
      const existing = this.registry.get(storeId);
      const meta = this.registry.prepareStateChange(storeId, state, this.tree.storeRegionStats(storeId).regionCount);
      if (existing !== undefined && meta === existing.meta) return existing;
      await this.persistQueue.write([putStoreWrite(meta)]);
      return this.registry.applyState(meta);
    });
  }

  /** Records a store heartbeat's stats. In memory only. */
  storeHeartbeat(stats: pdpb.StoreStats): StoreInfo {
    this.requireBootstrapped();
    return this.registry.heartbeat(stats, this.clock());
  }

  /** Up / Disconnected / Down now; undefined for an unknown store. */
  storeLiveness(storeId: bigint): StoreLiveness | undefined {
    const store = this.registry.get(storeId);
    return store === undefined ? undefined : storeLiveness(store, this.clock(), this.scheduleConfig.maxStoreDownTimeMs);
  }

  /** Region/leader counts and sizes of a store, derived from the region tree. */
  storeRegionStats(storeId: bigint): StoreRegionStats {
    return this.tree.storeRegionStats(storeId);
  }

  /**
   * Applies a region heartbeat unless it is stale (an older epoch than PD's, or the same
   * epoch from an older term, or overlapping a region with a newer version), and
   * persists the region's meta when its shape changed. Heartbeats that only carry a new
   * leader or new stats change memory only.
   */
  async regionHeartbeat(request: pdpb.RegionHeartbeatRequest): Promise<RegionHeartbeatResult> {
    this.requireBootstrapped();
    const region = request.region;
    if (region === undefined) throw new InvalidClusterRequestError('region heartbeat without a region');
    validateRegion(region);
    const leader = request.leader;
    if (leader === undefined) throw new InvalidClusterRequestError(`heartbeat of region ${region.id} without a leader`);
    if (!region.peers.some((peer) => peer.id === leader.id && peer.storeId === leader.storeId)) {
      throw new InvalidClusterRequestError(`leader peer ${leader.id} on store ${leader.storeId} is not a peer of ${describeRegion(region)}`);
    }
    const leaderStore = this.registry.get(leader.storeId);
    if (leaderStore === undefined) throw new StoreNotFoundError(leader.storeId);
    if (leaderStore.meta.state === StoreState.Tombstone) throw new StoreTombstoneError(leader.storeId);

    const info: RegionInfo = {
      meta: cloneRegion(region),
      leader: clonePeer(leader),
      downPeers: request.downPeers.map((stats) => ({ ...stats, peer: stats.peer === undefined ? undefined : clonePeer(stats.peer) })),
      pendingPeers: request.pendingPeers.map(clonePeer),
      approximateSizeBytes: request.approximateSizeBytes,
      approximateKeys: request.approximateKeys,
      bytesWritten: request.bytesWritten,
      bytesRead: request.bytesRead,
      keysWritten: request.keysWritten,
      keysRead: request.keysRead,
      term: request.term,
    };
    const update = this.tree.update(info);
    if (update.kind === 'stale') return { kind: 'stale', reason: update.reason, current: update.current };
    const metaChanged = update.kind === 'inserted' || update.metaChanged;
    const previous = update.kind === 'updated' ? update.previous : undefined;
    const mustPersist = metaChanged || update.removed.length > 0 || this.unpersistedRegionIds.has(region.id);
    if (mustPersist) await this.persistRegions([info], update.removed);
    return { kind: 'applied', region: info, previous, removed: update.removed, metaChanged, persisted: mustPersist };
  }

  /** The region containing `key`. */
  getRegion(key: Uint8Array): RegionInfo | undefined {
    return this.tree.getRegion(key);
  }

  /** The region right before the one containing `key`, if adjacent. */
  getPrevRegion(key: Uint8Array): RegionInfo | undefined {
    return this.tree.getPrevRegion(key);
  }

  getRegionById(regionId: bigint): RegionInfo | undefined {
    return this.tree.getRegionById(regionId);
  }

  /** Regions in key order overlapping [startKey, endKey) (empty end: no end); limit 0: all. */
  scanRegions(startKey: Uint8Array, endKey: Uint8Array, limit: number): RegionInfo[] {
    if (!Number.isSafeInteger(limit) || limit < 0) throw new InvalidClusterRequestError(`invalid scan limit ${limit}`);
    return this.tree.scanRegions(startKey, endKey, limit);
  }

  /** Number of regions PD knows. */
  get regionCount(): number {
    return this.tree.size;
  }

  /**
   * IDs for splitting `region` into `splitCount` more regions: for each, a new region ID
   * and one new peer ID per peer of the region. The region must be known and the
   * request's epoch not older than PD's (a stale leader must not split).
   */
  async askBatchSplit(region: metapb.Region, splitCount: number): Promise<pdpb.SplitId[]> {
    this.requireBootstrapped();
    if (!Number.isSafeInteger(splitCount) || splitCount < 1 || splitCount > clusterLimits.maxSplitCountPerRequest) {
      throw new InvalidClusterRequestError(`split count must be in [1, ${clusterLimits.maxSplitCountPerRequest}], got ${splitCount}`);
    }
    validateRegion(region);
    const current = this.tree.getRegionById(region.id);
    if (current === undefined) throw new RegionNotFoundError(`id ${region.id}`);
    if (isEpochStale(epochOf(region), epochOf(current.meta))) {
      throw new StaleRegionEpochError(region.id, epochOf(region), epochOf(current.meta));
    }
    const ids: pdpb.SplitId[] = [];
    for (let index = 0; index < splitCount; index++) {
      const newRegionId = await this.allocateId();
      const newPeerIds: bigint[] = [];
      for (let peerIndex = 0; peerIndex < region.peers.length; peerIndex++) newPeerIds.push(await this.allocateId());
      ids.push({ newRegionId, newPeerIds });
    }
    return ids;
  }

  /**
   * A store reports the regions a batch split produced, in key order. PD applies them
   * right away (heartbeats would bring them too, a little later) so routing sees the new
   * regions at once. Leaders of the new regions are unknown until they heartbeat; sizes
   * are estimated by dividing the split region's size evenly, so the new regions do not
   * look empty (and ripe for merging) in the meantime. Stale entries are ignored.
   */
  async reportBatchSplit(regions: readonly metapb.Region[]): Promise<RegionUpdate[]> {
    this.requireBootstrapped();
    if (regions.length < 2 || regions.length > clusterLimits.maxRegionsPerSplitReport) {
      throw new InvalidClusterRequestError(`a split report needs 2 to ${clusterLimits.maxRegionsPerSplitReport} regions, got ${regions.length}`);
    }
    const ids = new Set<bigint>();
    for (const [index, region] of regions.entries()) {
      validateRegion(region);
      if (ids.has(region.id)) throw new InvalidClusterRequestError(`region ${region.id} appears twice in a split report`);
      ids.add(region.id);
      const next = regions[index + 1];
      if (next !== undefined && (region.endKey.length === 0 || compareBytes(region.endKey, next.startKey) !== 0)) {
        throw new InvalidClusterRequestError(`split report regions are not contiguous: ${describeRegion(region)} then ${describeRegion(next)}`);
      }
    }
    const count = BigInt(regions.length);
    // Entries already known at this epoch or newer are skipped, so fewer updates than
    // regions may come back.
    const updates: RegionUpdate[] = [];
    const removed = new Map<bigint, RegionInfo>();
    // Look the reported IDs up before changing anything: applying the first entry may
    // remove the split region (its old range overlaps), and its leader must survive.
    const existingById = new Map(regions.map((region) => [region.id, this.tree.getRegionById(region.id)] as const));
    // The region that was split: the one whose ID one of the reported regions kept.
    const source = [...existingById.values()].find((region) => region !== undefined) ?? this.tree.getRegion(regions[0]!.startKey);
    for (const region of regions) {
      const meta = cloneRegion(region);
      const existing = existingById.get(meta.id);
      // A heartbeat may have brought this shape already, with real stats: keep those.
      if (existing !== undefined && !isEpochNewer(epochOf(meta), epochOf(existing.meta))) continue;
      const leader = existing?.leader !== undefined && meta.peers.some((peer) => peer.id === existing.leader?.id) ? existing.leader : undefined;
      const info: RegionInfo = {
        ...regionInfoOf(meta, leader),
        approximateSizeBytes: source === undefined ? 0n : source.approximateSizeBytes / count,
        approximateKeys: source === undefined ? 0n : source.approximateKeys / count,
        term: leader === undefined ? 0n : (existing?.term ?? 0n),
      };
      const update = this.tree.update(info);
      updates.push(update);
      if (update.kind !== 'stale') for (const gone of update.removed) removed.set(gone.meta.id, gone);
    }
    // A region removed by an earlier entry of the report may be put back by a later one.
    const applied: RegionInfo[] = [];
    for (const update of updates) {
      if (update.kind === 'stale') continue;
      if (update.kind === 'updated' && !update.metaChanged) continue;
      if (this.tree.getRegionById(update.region.meta.id) === update.region) applied.push(update.region);
    }
    const gone = [...removed.values()].filter((region) => this.tree.getRegionById(region.meta.id) === undefined);
    if (applied.length > 0 || gone.length > 0) await this.persistRegions(applied, gone);
    return updates;
  }

  /** A view of the cluster for schedulers (see LiveClusterView for its lifetime). */
  view(nowMs: number = this.clock()): LiveClusterView {
    return new LiveClusterView(this.scheduleConfig, nowMs, this.registry, this.tree);
  }

  /** Checks the region tree's invariants from scratch; for tests. */
  checkInvariants(): void {
    this.tree.checkInvariants();
  }

  private async persistRegions(put: readonly RegionInfo[], deleted: readonly RegionInfo[]): Promise<void> {
    const writes: PdWrite[] = [];
    for (const region of deleted) {
      writes.push(deleteRegionWrite(region.meta.id));
      this.unpersistedRegionIds.delete(region.meta.id);
    }
    for (const region of put) {
      writes.push(putRegionWrite(region.meta));
      this.unpersistedRegionIds.delete(region.meta.id);
    }
    try {
      await this.persistQueue.write(writes);
    } catch (error) {
      // Memory is already ahead; make the next heartbeat of each region write it again.
      // (Entries of deleted regions left behind are dropped by the next load.)
      for (const region of put) this.unpersistedRegionIds.add(region.meta.id);
      throw error;
    }
  }

  private withMetaLock<T>(action: () => Promise<T>): Promise<T> {
    const run = this.metaLockTail.then(action);
    this.metaLockTail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}

/** Whether `epoch` is ahead of `current` in at least one dimension. */
function isEpochNewer(epoch: metapb.RegionEpoch, current: metapb.RegionEpoch): boolean {
  return epoch.version > current.version || epoch.confVer > current.confVer;
}

/** A RegionInfo with no stats yet: loaded from storage, bootstrapped or reported by a split. */
function regionInfoOf(meta: metapb.Region, leader: metapb.Peer | undefined): RegionInfo {
  return {
    meta,
    leader,
    downPeers: [],
    pendingPeers: [],
    approximateSizeBytes: 0n,
    approximateKeys: 0n,
    bytesWritten: 0n,
    bytesRead: 0n,
    keysWritten: 0n,
    keysRead: 0n,
    term: 0n,
  };
}

/** Checks a region that came from the wire: ID, epoch, range, peers. */
function validateRegion(region: metapb.Region): void {
  if (region.id === 0n) throw new InvalidClusterRequestError('region id must not be 0');
  if (region.regionEpoch === undefined) throw new InvalidClusterRequestError(`region ${region.id} has no epoch`);
  if (!isValidRange(region.startKey, region.endKey)) throw new InvalidClusterRequestError(`invalid key range in ${describeRegion(region)}`);
  if (region.peers.length > clusterLimits.maxPeersPerRegion) {
    throw new InvalidClusterRequestError(`region ${region.id} has ${region.peers.length} peers, more than ${clusterLimits.maxPeersPerRegion}`);
  }
  const peerIds = new Set<bigint>();
  const storeIds = new Set<bigint>();
  for (const peer of region.peers) {
    if (peer.id === 0n || peer.storeId === 0n) throw new InvalidClusterRequestError(`region ${region.id} has a peer with id or store 0`);
    if (peerIds.has(peer.id) || storeIds.has(peer.storeId)) {
      throw new InvalidClusterRequestError(`region ${region.id} lists peer ${peer.id} or store ${peer.storeId} twice`);
    }
    peerIds.add(peer.id);
    storeIds.add(peer.storeId);
  }
}

function validateBootstrap(store: metapb.Store, region: metapb.Region): void {
  validateRegion(region);
  if (region.startKey.length !== 0 || region.endKey.length !== 0) {
    throw new InvalidClusterRequestError('the first region must cover the whole key space');
  }
  const peer = region.peers[0];
  if (region.peers.length !== 1 || peer === undefined || peer.storeId !== store.id) {
    throw new InvalidClusterRequestError('the first region must have exactly one peer, on the bootstrapping store');
  }
}
