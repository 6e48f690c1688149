import type { RegionInfo } from '../cluster/types.js';
import { OperatorPriority, type Operator } from './operator.js';
import { createMovePeerOperator } from './operator-builder.js';
import { isReplicaTarget, locationDistinctScore, storeHealth, storesOfPeers } from './placement.js';
import { isRegionHealthy, peerOnStore } from './region-peers.js';
import type { ScheduleContext } from './schedule-context.js';
import type { Scheduler } from './scheduler.js';
import { regionScoreSizeBytes } from './store-load.js';
import { scheduleLimits } from './limits.js';
import { compareBigints } from './compare.js';

/**
 * Moves a region's replica from the store with the largest total region size to the
 * one with the smallest (counting what operators in flight will move). A move happens
 * only when one of the two stores is at least `regionScheduleToleranceRatio` of the
 * mean away from it, and only with a region smaller than the two stores' difference:
 * each move then strictly lowers the sum of squared scores, so rounds converge. It
 * never puts two replicas of a region on one store, and never moves a replica
 * somewhere less isolated (location labels) than where it was.
 */
export function scheduleBalanceRegion(context: ScheduleContext): Operator | undefined {
  const { view } = context;
  const stores = view.stores().filter((store) => storeHealth(store, view) === 'up');
  if (stores.length < 2) return undefined;
  const scores = stores.map((store) => ({ store, scoreBytes: context.storeLoad(store.meta.id).regionScoreBytes }));
  const mean = Number(scores.reduce((sum, entry) => sum + entry.scoreBytes, 0n)) / scores.length;
  const tolerance = view.config.regionScheduleToleranceRatio * mean;
  const sources = [...scores].sort((first, second) => compareBigints(second.scoreBytes, first.scoreBytes) || compareBigints(first.store.meta.id, second.store.meta.id));
  const targets = [...scores].sort((first, second) => compareBigints(first.scoreBytes, second.scoreBytes) || compareBigints(first.store.meta.id, second.store.meta.id));
  const candidates = regionsByStore(context);

  for (const source of sources) {
    const sourceId = source.store.meta.id;
    if (!context.storeHasCapacity(sourceId)) continue;
    for (const target of targets) {
      const targetId = target.store.meta.id;
      if (targetId === sourceId) continue;
      const gapBytes = source.scoreBytes - target.scoreBytes;
      // Every region scores at least the minimum size, so no region fits a smaller gap.
      if (gapBytes <= scheduleLimits.minimumRegionScoreSizeBytes) break;
      if (Number(source.scoreBytes) - mean < tolerance && mean - Number(target.scoreBytes) < tolerance) break;
      if (!isReplicaTarget(target.store, view) || !context.storeHasCapacity(targetId)) continue;
      for (const region of candidates.get(sourceId) ?? []) {
        if (regionScoreSizeBytes(region.approximateSizeBytes) >= gapBytes) continue;
        if (peerOnStore(region.meta, targetId) !== undefined) continue;
        const staying = storesOfPeers(view, region.meta.peers.filter((peer) => peer.storeId !== sourceId));
        const labels = view.config.locationLabels;
        if (locationDistinctScore(labels, target.store, staying) < locationDistinctScore(labels, source.store, staying)) continue;
        const operator = createMovePeerOperator(context, region, sourceId, targetId, {
          kind: 'region',
          description: 'balance-region',
          priority: OperatorPriority.low,
        });
        if (operator !== undefined) return operator;
      }
    }
  }
  return undefined;
}

export const balanceRegionScheduler: Scheduler = { name: 'balance-region-scheduler', schedule: scheduleBalanceRegion };

/**
 * The healthy regions without an operator, per store: those the store follows first
 * (moving them needs no leader transfer), then those it leads, each by region ID.
 */
function regionsByStore(context: ScheduleContext): Map<bigint, RegionInfo[]> {
  const { view } = context;
  const followers = new Map<bigint, RegionInfo[]>();
  const leaders = new Map<bigint, RegionInfo[]>();
  const regions = [...view.regions()].sort((first, second) => compareBigints(first.meta.id, second.meta.id));
  for (const region of regions) {
    if (context.hasOperator(region.meta.id) || !isRegionHealthy(region, view.config.maxReplicas)) continue;
    for (const peer of region.meta.peers) {
      const map = peer.storeId === region.leader?.storeId ? leaders : followers;
      const list = map.get(peer.storeId) ?? [];
      list.push(region);
      map.set(peer.storeId, list);
    }
  }
  const result = new Map<bigint, RegionInfo[]>();
  for (const storeId of new Set([...followers.keys(), ...leaders.keys()])) {
    result.set(storeId, [...(followers.get(storeId) ?? []), ...(leaders.get(storeId) ?? [])]);
  }
  return result;
}
