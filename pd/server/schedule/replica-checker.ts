import type * as metapb from '../../../proto/gen/metapb.js';
import type { RegionInfo, StoreInfo } from '../cluster/types.js';
import { OperatorPriority, type Operator } from './operator.js';
import {
  createAddReplicaOperator,
  createMovePeerOperator,
  createPromoteLearnerOperator,
  createRemovePeerOperator,
} from './operator-builder.js';
import { isReplicaTarget, locationDistinctScore, peerReplaceReason, storeHealth, storesOfPeers } from './placement.js';
import { isInJointState, isLearner, isPeerDownOrPending, isPeerPending, isVoter, voters } from './region-peers.js';
import type { ScheduleContext } from './schedule-context.js';

/**
 * The replica checker (PD's replica checker without placement rules): keeps every
 * region at `maxReplicas` voters on distinct, healthy stores, spread across locations.
 * In order, it
 *   1. settles learners left behind by abandoned operators (promote or remove),
 *   2. removes extra voters, from down or offline stores first, then the worst isolated,
 *   3. adds missing voters on the best store,
 *   4. replaces voters on down or offline stores,
 *   5. moves the worst-isolated voter to a better location, if one exists.
 * It returns at most one operator, and nothing for a region with an operator in
 * flight, without a leader, or in a joint-consensus state.
 */
export function checkReplicas(context: ScheduleContext, region: RegionInfo): Operator | undefined {
  if (context.hasOperator(region.meta.id)) return undefined;
  if (region.leader === undefined) return undefined;
  if (region.meta.peers.some(isInJointState)) return undefined;
  const learnerDecision = checkLearners(context, region);
  if (learnerDecision === 'wait') return undefined;
  return (
    learnerDecision ??
    checkExtraReplicas(context, region) ??
    checkMissingReplicas(context, region) ??
    checkBadReplicas(context, region) ??
    checkLocation(context, region)
  );
}

/** An operator for a learner, 'wait' while one is still catching up, or undefined if there is none. */
function checkLearners(context: ScheduleContext, region: RegionInfo): Operator | 'wait' | undefined {
  const { view } = context;
  const voterCount = voters(region.meta).length;
  for (const peer of region.meta.peers) {
    if (!isLearner(peer)) continue;
    const badStore = peerReplaceReason(region, peer, view) !== undefined;
    if (!badStore && voterCount < view.config.maxReplicas) {
      // A learner that is still catching up will be promoted once it has; adding
      // another replica meanwhile would only overshoot.
      if (isPeerPending(region, peer.id)) return 'wait';
      return createPromoteLearnerOperator(context, region, peer.storeId, {
        kind: 'replica',
        description: 'promote-learner',
        priority: OperatorPriority.high,
      });
    }
    return createRemovePeerOperator(context, region, peer.storeId, {
      kind: 'replica',
      description: badStore ? 'remove-bad-learner' : 'remove-extra-learner',
      priority: OperatorPriority.normal,
    });
  }
  return undefined;
}

function checkExtraReplicas(context: ScheduleContext, region: RegionInfo): Operator | undefined {
  const regionVoters = voters(region.meta);
  if (regionVoters.length <= context.view.config.maxReplicas) return undefined;
  const worst = rankVotersWorstFirst(context, region, regionVoters)[0];
  if (worst === undefined) return undefined;
  return createRemovePeerOperator(context, region, worst.storeId, {
    kind: 'replica',
    description: 'remove-extra-replica',
    priority: OperatorPriority.high,
  });
}

function checkMissingReplicas(context: ScheduleContext, region: RegionInfo): Operator | undefined {
  const regionVoters = voters(region.meta);
  if (regionVoters.length >= context.view.config.maxReplicas) return undefined;
  // Replicas about to be replaced do not count when judging where the new one goes.
  const healthy = regionVoters.filter((peer) => peerReplaceReason(region, peer, context.view) === undefined);
  const target = selectTargetStore(context, region, healthy);
  if (target === undefined) return undefined;
  return createAddReplicaOperator(context, region, target.meta.id, {
    kind: 'replica',
    description: 'make-up-replica',
    priority: OperatorPriority.high,
  });
}

function checkBadReplicas(context: ScheduleContext, region: RegionInfo): Operator | undefined {
  const { view } = context;
  const regionVoters = voters(region.meta);
  const withReasons = regionVoters.map((peer) => ({ peer, reason: peerReplaceReason(region, peer, view) }));
  // Down replicas cost redundancy now; offline ones only once their store goes away.
  const bad = withReasons.find((entry) => entry.reason === 'down') ?? withReasons.find((entry) => entry.reason === 'offline');
  if (bad === undefined || bad.reason === undefined) return undefined;
  const others = regionVoters.filter((peer) => peer !== bad.peer && peerReplaceReason(region, peer, view) === undefined);
  const target = selectTargetStore(context, region, others);
  if (target === undefined) return undefined;
  return createMovePeerOperator(context, region, bad.peer.storeId, target.meta.id, {
    kind: 'replica',
    description: bad.reason === 'down' ? 'replace-down-replica' : 'replace-offline-replica',
    priority: bad.reason === 'down' ? OperatorPriority.urgent : OperatorPriority.high,
  });
}

function checkLocation(context: ScheduleContext, region: RegionInfo): Operator | undefined {
  const { view } = context;
  const labels = view.config.locationLabels;
  if (labels.length === 0) return undefined;
  const regionVoters = voters(region.meta);
  const worst = rankVotersWorstFirst(context, region, regionVoters)[0];
  if (worst === undefined) return undefined;
  const worstStore = view.getStore(worst.storeId);
  if (worstStore === undefined) return undefined;
  const others = regionVoters.filter((peer) => peer !== worst);
  const otherStores = storesOfPeers(view, others);
  const worstScore = locationDistinctScore(labels, worstStore, otherStores);
  const target = selectTargetStore(context, region, others);
  if (target === undefined) return undefined;
  // Strictly better only: equal scores would shuffle replicas around forever.
  if (locationDistinctScore(labels, target, otherStores) <= worstScore) return undefined;
  if (!context.storeHasCapacity(worst.storeId)) return undefined;
  return createMovePeerOperator(context, region, worst.storeId, target.meta.id, {
    kind: 'replica',
    description: 'move-to-better-location',
    priority: OperatorPriority.normal,
  });
}

/**
 * The best store for a new replica of the region, given the voters that stay: a store
 * without a peer of the region that can take one and has room under its operator limit,
 * the most distinct in location from the staying voters, then the least loaded.
 */
export function selectTargetStore(context: ScheduleContext, region: RegionInfo, stayingPeers: readonly metapb.Peer[]): StoreInfo | undefined {
  const { view } = context;
  const occupied = new Set(region.meta.peers.map((peer) => peer.storeId));
  const stayingStores = storesOfPeers(view, stayingPeers);
  let best: { store: StoreInfo; distinct: number; scoreBytes: bigint; regionCount: number } | undefined;
  for (const store of view.stores()) {
    const storeId = store.meta.id;
    if (occupied.has(storeId) || !isReplicaTarget(store, view) || !context.storeHasCapacity(storeId)) continue;
    const load = context.storeLoad(storeId);
    const candidate = {
      store,
      distinct: locationDistinctScore(view.config.locationLabels, store, stayingStores),
      scoreBytes: load.regionScoreBytes,
      regionCount: load.regionCount,
    };
    if (best === undefined || isBetterTarget(candidate, best)) best = candidate;
  }
  return best?.store;
}

function isBetterTarget(
  candidate: { store: StoreInfo; distinct: number; scoreBytes: bigint; regionCount: number },
  best: { store: StoreInfo; distinct: number; scoreBytes: bigint; regionCount: number },
): boolean {
  if (candidate.distinct !== best.distinct) return candidate.distinct > best.distinct;
  if (candidate.scoreBytes !== best.scoreBytes) return candidate.scoreBytes < best.scoreBytes;
  if (candidate.regionCount !== best.regionCount) return candidate.regionCount < best.regionCount;
  return candidate.store.meta.id < best.store.meta.id;
}

/**
 * The voters from the one most worth removing to the least: on a down store, on an
 * offline store, reported down or pending by the leader, then the least distinct in
 * location from the others, then on the most loaded store.
 */
export function rankVotersWorstFirst(context: ScheduleContext, region: RegionInfo, regionVoters: readonly metapb.Peer[]): metapb.Peer[] {
  const { view } = context;
  const ranked = regionVoters.filter(isVoter).map((peer) => {
    const store = view.getStore(peer.storeId);
    const reason = peerReplaceReason(region, peer, view);
    const others = storesOfPeers(view, regionVoters.filter((other) => other !== peer));
    return {
      peer,
      badness: reason === 'down' ? 3 : reason === 'offline' ? 2 : isPeerDownOrPending(region, peer.id) ? 1 : 0,
      // A store PD has lost track of is as good as being everywhere: remove it first.
      distinct: store === undefined ? -1 : locationDistinctScore(view.config.locationLabels, store, others),
      unhealthyStore: store === undefined || storeHealth(store, view) !== 'up' ? 1 : 0,
      scoreBytes: context.storeLoad(peer.storeId).regionScoreBytes,
    };
  });
  ranked.sort((first, second) => {
    if (first.badness !== second.badness) return second.badness - first.badness;
    if (first.unhealthyStore !== second.unhealthyStore) return second.unhealthyStore - first.unhealthyStore;
    if (first.distinct !== second.distinct) return first.distinct - second.distinct;
    if (first.scoreBytes !== second.scoreBytes) return first.scoreBytes > second.scoreBytes ? -1 : 1;
    return first.peer.storeId > second.peer.storeId ? -1 : first.peer.storeId < second.peer.storeId ? 1 : 0;
  });
  return ranked.map((entry) => entry.peer);
}
