import type { RegionInfo } from '../cluster/types.js';
import { scheduleLimits } from './limits.js';
import { OperatorPriority, type Operator } from './operator.js';
import { createMergeOperators } from './operator-builder.js';
import { isReplicaTarget } from './placement.js';
import { isRegionHealthy } from './region-peers.js';
import type { ScheduleContext } from './schedule-context.js';

/**
 * Whether a region has kept its shape long enough to be merged. A region just split
 * off is usually small and empty (a table's first region, say); merging it straight
 * back would undo the split, so the coordinator waits a split-merge interval.
 */
export type RegionSettled = (region: RegionInfo) => boolean;

/**
 * The merge checker: a healthy region smaller than `maxMergeRegionSizeBytes` and with
 * fewer than `maxMergeRegionKeys` keys is merged into the smaller of its healthy
 * neighbours, provided the result stays below the split size. Returns the active
 * operator (on the source) and the passive one (on the target), or undefined.
 */
export function checkMerge(context: ScheduleContext, region: RegionInfo, isSettled: RegionSettled): [Operator, Operator] | undefined {
  const { view } = context;
  const config = view.config;
  if (!isMergeCandidate(context, region, isSettled)) return undefined;
  if (region.approximateSizeBytes > config.maxMergeRegionSizeBytes || region.approximateKeys > config.maxMergeRegionKeys) return undefined;

  let target: RegionInfo | undefined;
  for (const neighbour of [view.getPrevRegion(region.meta), view.getNextRegion(region.meta)]) {
    if (neighbour === undefined || !isMergeCandidate(context, neighbour, isSettled)) continue;
    if (region.approximateSizeBytes + neighbour.approximateSizeBytes > scheduleLimits.mergedRegionMaxSizeBytes) continue;
    if (target === undefined || neighbour.approximateSizeBytes < target.approximateSizeBytes) target = neighbour;
  }
  if (target === undefined) return undefined;
  // Peers the merge has to move first need stores that can take them.
  const sourceStoreIds = new Set(region.meta.peers.map((peer) => peer.storeId));
  for (const peer of target.meta.peers) {
    if (sourceStoreIds.has(peer.storeId)) continue;
    const store = view.getStore(peer.storeId);
    if (store === undefined || !isReplicaTarget(store, view)) return undefined;
  }
  return createMergeOperators(context, region, target, { kind: 'merge', description: 'merge-region', priority: OperatorPriority.normal });
}

function isMergeCandidate(context: ScheduleContext, region: RegionInfo, isSettled: RegionSettled): boolean {
  return !context.hasOperator(region.meta.id) && isRegionHealthy(region, context.view.config.maxReplicas) && isSettled(region);
}
