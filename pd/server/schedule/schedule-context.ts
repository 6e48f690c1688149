import type { ClusterView } from '../cluster/types.js';
import type { Operator } from './operator.js';
import { addOperatorInfluence, collectStoreLoads, type StoreLoad } from './store-load.js';

/** Allocates a cluster-unique ID for a new peer (PD's ID allocator). */
export type AllocPeerId = () => bigint;

/** What checkers and schedulers need to know about operators already in flight. */
export interface OperatorTracker {
  /** Bumped whenever the set of operators or their progress changes. */
  readonly revision: number;
  getOperator(regionId: bigint): Operator | undefined;
  operators(): readonly Operator[];
  /** Whether one more operator touching the store fits under the per-store limit. */
  storeHasCapacity(storeId: bigint): boolean;
}

/**
 * Everything a checker or scheduler reads: the cluster snapshot, the operators in
 * flight, and where new peer IDs come from. It never changes the cluster; it only
 * proposes operators.
 */
export interface ScheduleContext {
  readonly view: ClusterView;
  readonly allocPeerId: AllocPeerId;
  hasOperator(regionId: bigint): boolean;
  storeHasCapacity(storeId: bigint): boolean;
  /** The store's load as the view shows it, plus what operators in flight will change. */
  storeLoad(storeId: bigint): StoreLoad;
}

export function createScheduleContext(view: ClusterView, tracker: OperatorTracker, allocPeerId: AllocPeerId): ScheduleContext {
  const baseLoads = collectStoreLoads(view);
  let cachedRevision = -1;
  let loads = baseLoads;
  const currentLoads = (): Map<bigint, StoreLoad> => {
    // Operators added earlier in the same round change the loads later decisions see.
    if (cachedRevision !== tracker.revision) {
      loads = new Map([...baseLoads].map(([storeId, load]) => [storeId, { ...load }]));
      for (const operator of tracker.operators()) addOperatorInfluence(loads, operator);
      cachedRevision = tracker.revision;
    }
    return loads;
  };
  return {
    view,
    allocPeerId,
    hasOperator: (regionId) => tracker.getOperator(regionId) !== undefined,
    storeHasCapacity: (storeId) => tracker.storeHasCapacity(storeId),
    storeLoad: (storeId) => ({ ...(currentLoads().get(storeId) ?? { leaderCount: 0, regionCount: 0, regionScoreBytes: 0n }) }),
  };
}
