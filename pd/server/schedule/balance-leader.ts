import type { RegionInfo } from '../cluster/types.js';
import { OperatorPriority, type Operator } from './operator.js';
import { createTransferLeaderOperator } from './operator-builder.js';
import { storeHealth } from './placement.js';
import { isInJointState, isPeerDownOrPending, isVoter, peerOnStore } from './region-peers.js';
import type { ScheduleContext } from './schedule-context.js';
import type { Scheduler } from './scheduler.js';
import { compareBigints } from './compare.js';

/**
 * Moves leaders from the store with the most to the one with the fewest (counting
 * leaders that operators in flight are already moving). A move happens only when one
 * of the two stores is `leaderScheduleTolerance` or more from the mean (a drift below
 * the tolerance is tolerated), and the two differ by at least two leaders: each move
 * then strictly lowers the sum of squared counts, so repeated rounds converge and stop
 * instead of passing a leader back and forth. With the default tolerance of 1 that
 * ends with every store within one leader of every other.
 */
export function scheduleBalanceLeader(context: ScheduleContext): Operator | undefined {
  const { view } = context;
  const stores = view.stores().filter((store) => storeHealth(store, view) === 'up');
  if (stores.length < 2) return undefined;
  const counts = stores.map((store) => ({ storeId: store.meta.id, leaderCount: context.storeLoad(store.meta.id).leaderCount }));
  const mean = counts.reduce((sum, entry) => sum + entry.leaderCount, 0) / counts.length;
  const tolerance = view.config.leaderScheduleTolerance;
  const sources = [...counts].sort((first, second) => second.leaderCount - first.leaderCount || compareBigints(first.storeId, second.storeId));
  const targets = [...counts].sort((first, second) => first.leaderCount - second.leaderCount || compareBigints(first.storeId, second.storeId));

  const regionsByLeaderStore = new Map<bigint, RegionInfo[]>();
  for (const region of [...view.regions()].sort((first, second) => compareBigints(first.meta.id, second.meta.id))) {
    if (region.leader === undefined || context.hasOperator(region.meta.id)) continue;
    if (region.meta.peers.some(isInJointState)) continue;
    const list = regionsByLeaderStore.get(region.leader.storeId) ?? [];
    list.push(region);
    regionsByLeaderStore.set(region.leader.storeId, list);
  }

  for (const source of sources) {
    if (!context.storeHasCapacity(source.storeId)) continue;
    for (const target of targets) {
      if (target.storeId === source.storeId) continue;
      // Targets come fewest-first: once one is too close, every later one is too.
      if (source.leaderCount - target.leaderCount < 2) break;
      if (source.leaderCount - mean < tolerance && mean - target.leaderCount < tolerance) break;
      if (!context.storeHasCapacity(target.storeId)) continue;
      const region = (regionsByLeaderStore.get(source.storeId) ?? []).find((candidate) => {
        const peer = peerOnStore(candidate.meta, target.storeId);
        return peer !== undefined && isVoter(peer) && !isPeerDownOrPending(candidate, peer.id);
      });
      if (region === undefined) continue;
      return createTransferLeaderOperator(context, region, source.storeId, target.storeId, {
        kind: 'leader',
        description: 'balance-leader',
        priority: OperatorPriority.low,
      });
    }
  }
  return undefined;
}

export const balanceLeaderScheduler: Scheduler = { name: 'balance-leader-scheduler', schedule: scheduleBalanceLeader };
