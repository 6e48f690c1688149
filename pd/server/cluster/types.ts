import type * as metapb from '../../../proto/gen/metapb.js';
import type * as pdpb from '../../../proto/gen/pdpb.js';

/**
 * PD's in-memory view of one store: its meta (address, labels, state) and what its
 * latest heartbeat said. Times are PD's clock in milliseconds.
 */
export interface StoreInfo {
  readonly meta: metapb.Store;
  /** The latest StoreHeartbeat's stats, if any arrived. */
  readonly stats: pdpb.StoreStats | undefined;
  /**
   * When PD last heard from the store (0: never): its latest heartbeat or PutStore. After
   * PD loads its state (a restart or a new leader) it is the load time, so a restart does
   * not make every store look down.
   */
  readonly lastHeartbeatMs: number;
}

/** PD's view of one region, as its leader last reported it. */
export interface RegionInfo {
  readonly meta: metapb.Region;
  readonly leader: metapb.Peer | undefined;
  readonly downPeers: readonly pdpb.PeerStats[];
  readonly pendingPeers: readonly metapb.Peer[];
  readonly approximateSizeBytes: bigint;
  readonly approximateKeys: bigint;
  readonly bytesWritten: bigint;
  readonly bytesRead: bigint;
  readonly keysWritten: bigint;
  readonly keysRead: bigint;
  /** The reporting leader's Raft term. */
  readonly term: bigint;
}

/** Scheduling settings (PD's `[schedule]` and `[replication]` config). */
export interface ScheduleConfig {
  /** Replicas every region should have (PD's max-replicas). */
  readonly maxReplicas: number;
  /** A store silent this long is Down: its replicas are replaced elsewhere. */
  readonly maxStoreDownTimeMs: number;
  /** Label keys from the widest failure domain to the narrowest, e.g. ['zone', 'host']. */
  readonly locationLabels: readonly string[];
  /** Operators that may be in flight per store at once. */
  readonly storeLimitOperators: number;
  /** How far from the mean a store's leader count may drift before leaders move. */
  readonly leaderScheduleTolerance: number;
  /** How far from the mean a store's region size may drift before regions move. */
  readonly regionScheduleToleranceRatio: number;
  /** Regions smaller than this (and with fewer keys than the next) are merge candidates. */
  readonly maxMergeRegionSizeBytes: bigint;
  readonly maxMergeRegionKeys: bigint;
  /** An operator step not confirmed by a heartbeat within this time is abandoned. */
  readonly operatorStepTimeoutMs: number;
}

export const defaultScheduleConfig: ScheduleConfig = {
  maxReplicas: 3,
  maxStoreDownTimeMs: 30 * 60 * 1000,
  locationLabels: [],
  storeLimitOperators: 4,
  leaderScheduleTolerance: 1,
  regionScheduleToleranceRatio: 0.05,
  maxMergeRegionSizeBytes: 20n * 1024n * 1024n,
  maxMergeRegionKeys: 200_000n,
  operatorStepTimeoutMs: 60 * 1000,
};

/** What schedulers and checkers read: a consistent snapshot of the cluster. */
export interface ClusterView {
  readonly config: ScheduleConfig;
  readonly nowMs: number;
  stores(): readonly StoreInfo[];
  getStore(id: bigint): StoreInfo | undefined;
  regions(): readonly RegionInfo[];
  getRegion(id: bigint): RegionInfo | undefined;
  /** The region right before `region` in key order, if adjacent. */
  getPrevRegion(region: metapb.Region): RegionInfo | undefined;
  /** The region right after `region` in key order, if adjacent. */
  getNextRegion(region: metapb.Region): RegionInfo | undefined;
}
