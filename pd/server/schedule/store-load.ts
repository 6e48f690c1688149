import { unreachable } from '../../../common/assert.js';
import type { ClusterView } from '../cluster/types.js';
import { scheduleLimits } from './limits.js';
import type { Operator } from './operator.js';

/**
 * A store's load as the schedulers score it. Leader and region counts come from the
 * region tree (what leaders report), not from store heartbeats, so they agree with the
 * regions the schedulers pick from.
 */
export interface StoreLoad {
  leaderCount: number;
  regionCount: number;
  /** The sum of the sizes of the store's regions, each counted at least at the minimum score size. */
  regionScoreBytes: bigint;
}

/** The size a region counts for in a store's region score. */
export function regionScoreSizeBytes(approximateSizeBytes: bigint): bigint {
  return approximateSizeBytes > scheduleLimits.minimumRegionScoreSizeBytes
    ? approximateSizeBytes
    : scheduleLimits.minimumRegionScoreSizeBytes;
}

function emptyLoad(): StoreLoad {
  return { leaderCount: 0, regionCount: 0, regionScoreBytes: 0n };
}

/** Every store's load as the view shows it. */
export function collectStoreLoads(view: ClusterView): Map<bigint, StoreLoad> {
  const loads = new Map<bigint, StoreLoad>();
  for (const store of view.stores()) loads.set(store.meta.id, emptyLoad());
  for (const region of view.regions()) {
    const sizeBytes = regionScoreSizeBytes(region.approximateSizeBytes);
    for (const peer of region.meta.peers) {
      const load = loadOf(loads, peer.storeId);
      load.regionCount++;
      load.regionScoreBytes += sizeBytes;
    }
    if (region.leader !== undefined) loadOf(loads, region.leader.storeId).leaderCount++;
  }
  return loads;
}

/**
 * Adds what an operator's unfinished steps will do to the stores once they are done,
 * so a scheduler does not pile more work onto a store that is already receiving it.
 */
export function addOperatorInfluence(loads: Map<bigint, StoreLoad>, operator: Operator): void {
  const sizeBytes = regionScoreSizeBytes(operator.regionSizeBytes);
  for (const step of operator.remainingSteps()) {
    switch (step.type) {
      case 'addLearner': {
        const load = loadOf(loads, step.storeId);
        load.regionCount++;
        load.regionScoreBytes += sizeBytes;
        break;
      }
      case 'removePeer': {
        const load = loadOf(loads, step.storeId);
        load.regionCount--;
        load.regionScoreBytes -= sizeBytes;
        break;
      }
      case 'transferLeader':
        loadOf(loads, step.fromStoreId).leaderCount--;
        loadOf(loads, step.toStoreId).leaderCount++;
        break;
      case 'promoteLearner':
      case 'splitRegion':
      case 'mergeRegion':
        break;
      default:
        unreachable(step);
    }
  }
}

function loadOf(loads: Map<bigint, StoreLoad>, storeId: bigint): StoreLoad {
  let load = loads.get(storeId);
  if (load === undefined) {
    load = emptyLoad();
    loads.set(storeId, load);
  }
  return load;
}
