import type * as metapb from '../../../proto/gen/metapb.js';
import type { RegionTree, StoreRegionStats } from './region-tree.js';
import { storeLiveness, type StoreLiveness, type StoreRegistry } from './store-registry.js';
import type { ClusterView, RegionInfo, ScheduleConfig, StoreInfo } from './types.js';

/**
 * The ClusterView handed to schedulers and checkers. It reads the live structures
 * instead of copying 100k regions per scheduling pass: cluster state only changes in
 * synchronous steps between awaits, so a scheduler that runs synchronously (snapshot
 * in, operators out) sees one consistent state. Take a fresh view for each pass; do not
 * keep one across an await. `stores()` and `regions()` return copies taken on first
 * use, so iterating them is safe even if the caller does await in between.
 */
export class LiveClusterView implements ClusterView {
  readonly config: ScheduleConfig;
  readonly nowMs: number;
  private readonly registry: StoreRegistry;
  private readonly tree: RegionTree;
  private storeList: readonly StoreInfo[] | undefined;
  private regionList: readonly RegionInfo[] | undefined;

  constructor(config: ScheduleConfig, nowMs: number, registry: StoreRegistry, tree: RegionTree) {
    this.config = config;
    this.nowMs = nowMs;
    this.registry = registry;
    this.tree = tree;
  }

  /** Every store in ID order, tombstones included (check `meta.state`). */
  stores(): readonly StoreInfo[] {
    this.storeList ??= this.registry.all(false);
    return this.storeList;
  }

  getStore(id: bigint): StoreInfo | undefined {
    return this.registry.get(id);
  }

  /** Every region in key order. */
  regions(): readonly RegionInfo[] {
    this.regionList ??= this.tree.regions();
    return this.regionList;
  }

  getRegion(id: bigint): RegionInfo | undefined {
    return this.tree.getRegionById(id);
  }

  getPrevRegion(region: metapb.Region): RegionInfo | undefined {
    return this.tree.getAdjacent(region).prev;
  }

  getNextRegion(region: metapb.Region): RegionInfo | undefined {
    return this.tree.getAdjacent(region).next;
  }

  // Beyond ClusterView: what schedulers may want without scanning every region.

  /** The region containing `key`. */
  getRegionByKey(key: Uint8Array): RegionInfo | undefined {
    return this.tree.getRegion(key);
  }

  /** Region and leader counts and sizes of a store, kept up to date by the region tree. */
  storeRegionStats(storeId: bigint): StoreRegionStats {
    return this.tree.storeRegionStats(storeId);
  }

  /** Up / Disconnected / Down at this view's `nowMs`; undefined for an unknown store. */
  storeLiveness(storeId: bigint): StoreLiveness | undefined {
    const store = this.registry.get(storeId);
    return store === undefined ? undefined : storeLiveness(store, this.nowMs, this.config.maxStoreDownTimeMs);
  }
}
