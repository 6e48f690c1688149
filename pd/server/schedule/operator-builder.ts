import { assert } from '../../../common/assert.js';
import type * as metapb from '../../../proto/gen/metapb.js';
import type * as pdpb from '../../../proto/gen/pdpb.js';
import type { RegionInfo } from '../cluster/types.js';
import { Operator, type OperatorKind, type OperatorPriority } from './operator.js';
import { cloneRegion, type OperatorStep } from './operator-step.js';
import { storeHealth } from './placement.js';
import { epochOf, isPeerDownOrPending, isVoter, peerOnStore } from './region-peers.js';
import type { ScheduleContext } from './schedule-context.js';

/** What every operator states about itself. */
export interface OperatorLabel {
  readonly kind: OperatorKind;
  readonly description: string;
  readonly priority: OperatorPriority;
}

function build(
  context: ScheduleContext,
  region: RegionInfo,
  label: OperatorLabel,
  steps: readonly OperatorStep[],
  stepTimeoutsMs?: readonly number[],
): Operator {
  return new Operator({
    ...(stepTimeoutsMs === undefined ? {} : { stepTimeoutsMs }),
    regionId: region.meta.id,
    regionEpoch: epochOf(region.meta),
    kind: label.kind,
    description: label.description,
    priority: label.priority,
    steps,
    createdAtMs: context.view.nowMs,
    fastStepTimeoutMs: context.view.config.operatorStepTimeoutMs,
    regionSizeBytes: region.approximateSizeBytes,
  });
}

/**
 * Picks the voter that takes the leadership when the leader's own peer must go: a
 * healthy voter on an up store, other than `leavingStoreId`, with the fewest leaders.
 * `extraVoterStoreIds` are stores that will hold voters by then (peers the same
 * operator adds first).
 */
function chooseNewLeaderStore(
  context: ScheduleContext,
  region: RegionInfo,
  leavingStoreIds: ReadonlySet<bigint>,
  extraVoterStoreIds: readonly bigint[],
): bigint | undefined {
  const candidates = new Set<bigint>(extraVoterStoreIds);
  for (const peer of region.meta.peers) {
    if (isVoter(peer) && !isPeerDownOrPending(region, peer.id)) candidates.add(peer.storeId);
  }
  let best: { storeId: bigint; leaderCount: number } | undefined;
  for (const storeId of candidates) {
    if (leavingStoreIds.has(storeId)) continue;
    const store = context.view.getStore(storeId);
    if (store === undefined || storeHealth(store, context.view) !== 'up') continue;
    const leaderCount = context.storeLoad(storeId).leaderCount;
    if (best === undefined || leaderCount < best.leaderCount || (leaderCount === best.leaderCount && storeId < best.storeId)) {
      best = { storeId, leaderCount };
    }
  }
  return best?.storeId;
}

/**
 * The steps that remove the peers on `storeIds`, moving the leadership away first if
 * the leader is among them. Undefined if no voter could take the leadership.
 */
function removeSteps(
  context: ScheduleContext,
  region: RegionInfo,
  storeIds: readonly bigint[],
  extraVoterStoreIds: readonly bigint[],
): OperatorStep[] | undefined {
  const steps: OperatorStep[] = [];
  const leaving = new Set(storeIds);
  const leaderStoreId = region.leader?.storeId;
  if (leaderStoreId !== undefined && leaving.has(leaderStoreId)) {
    const newLeaderStoreId = chooseNewLeaderStore(context, region, leaving, extraVoterStoreIds);
    if (newLeaderStoreId === undefined) return undefined;
    steps.push({ type: 'transferLeader', fromStoreId: leaderStoreId, toStoreId: newLeaderStoreId });
  }
  for (const storeId of storeIds) {
    const peer = peerOnStore(region.meta, storeId);
    assert(peer !== undefined, `region ${region.meta.id} has no peer on store ${storeId} to remove`);
    steps.push({ type: 'removePeer', storeId, peerId: peer.id });
  }
  return steps;
}

function addSteps(context: ScheduleContext, storeId: bigint): OperatorStep[] {
  const peerId = context.allocPeerId();
  return [
    { type: 'addLearner', storeId, peerId },
    { type: 'promoteLearner', storeId, peerId },
  ];
}

/** Adds a voter on `toStoreId`: a learner first, promoted once it has caught up. */
export function createAddReplicaOperator(context: ScheduleContext, region: RegionInfo, toStoreId: bigint, label: OperatorLabel): Operator {
  assert(peerOnStore(region.meta, toStoreId) === undefined, `region ${region.meta.id} already has a peer on store ${toStoreId}`);
  return build(context, region, label, addSteps(context, toStoreId));
}

/**
 * Moves the peer on `fromStoreId` to `toStoreId`: add a learner, promote it, move the
 * leadership away if needed, then remove the old peer. The region never has fewer
 * voters than it started with.
 */
export function createMovePeerOperator(
  context: ScheduleContext,
  region: RegionInfo,
  fromStoreId: bigint,
  toStoreId: bigint,
  label: OperatorLabel,
): Operator | undefined {
  assert(peerOnStore(region.meta, toStoreId) === undefined, `region ${region.meta.id} already has a peer on store ${toStoreId}`);
  const removal = removeSteps(context, region, [fromStoreId], [toStoreId]);
  if (removal === undefined) return undefined;
  return build(context, region, label, [...addSteps(context, toStoreId), ...removal]);
}

/** Removes the peer on `fromStoreId`, moving the leadership away first if needed. */
export function createRemovePeerOperator(context: ScheduleContext, region: RegionInfo, fromStoreId: bigint, label: OperatorLabel): Operator | undefined {
  const removal = removeSteps(context, region, [fromStoreId], []);
  if (removal === undefined) return undefined;
  return build(context, region, label, removal);
}

/** Promotes the learner on `storeId` (one left behind by an abandoned operator). */
export function createPromoteLearnerOperator(context: ScheduleContext, region: RegionInfo, storeId: bigint, label: OperatorLabel): Operator {
  const peer = peerOnStore(region.meta, storeId);
  assert(peer !== undefined && !isVoter(peer), `region ${region.meta.id} has no learner on store ${storeId}`);
  return build(context, region, label, [{ type: 'promoteLearner', storeId, peerId: peer.id }]);
}

export function createTransferLeaderOperator(
  context: ScheduleContext,
  region: RegionInfo,
  fromStoreId: bigint,
  toStoreId: bigint,
  label: OperatorLabel,
): Operator {
  const peer = peerOnStore(region.meta, toStoreId);
  assert(peer !== undefined && isVoter(peer), `region ${region.meta.id} has no voter on store ${toStoreId}`);
  return build(context, region, label, [{ type: 'transferLeader', fromStoreId, toStoreId }]);
}

/** Splits the region at `keys`, or by `policy` (the store finds the key) when none are given. */
export function createSplitRegionOperator(
  context: ScheduleContext,
  region: RegionInfo,
  policy: pdpb.CheckPolicy,
  keys: readonly Buffer[],
  label: OperatorLabel,
): Operator {
  return build(context, region, label, [
    {
      type: 'splitRegion',
      startKey: Buffer.from(region.meta.startKey),
      endKey: Buffer.from(region.meta.endKey),
      policy,
      keys: keys.map((key) => Buffer.from(key)),
    },
  ]);
}

/**
 * Merges `source` into its neighbour `target`: first moves the source's peers onto the
 * target's stores (TiKV merges only regions whose peers sit on the same stores), then
 * asks the source's leader to merge. Returns the active operator on the source and the
 * passive one that holds the target until the merge shows in its range.
 */
export function createMergeOperators(
  context: ScheduleContext,
  source: RegionInfo,
  target: RegionInfo,
  label: OperatorLabel,
): [Operator, Operator] | undefined {
  const targetStoreIds = target.meta.peers.map((peer) => peer.storeId);
  const sourceStoreIds = new Set(source.meta.peers.map((peer) => peer.storeId));
  const toAdd = targetStoreIds.filter((storeId) => !sourceStoreIds.has(storeId));
  const toRemove = [...sourceStoreIds].filter((storeId) => !targetStoreIds.includes(storeId));
  const steps: OperatorStep[] = [];
  for (const storeId of toAdd) steps.push(...addSteps(context, storeId));
  if (toRemove.length > 0) {
    const removal = removeSteps(context, source, toRemove, toAdd);
    if (removal === undefined) return undefined;
    steps.push(...removal);
  }
  const sourceMeta: metapb.Region = cloneRegion(source.meta);
  const targetMeta: metapb.Region = cloneRegion(target.meta);
  steps.push({ type: 'mergeRegion', source: sourceMeta, target: targetMeta, passive: false });
  const active = build(context, source, label, steps);
  // The passive half waits for the whole active half, peer moves included.
  const activeTotalMs = active.stepTimeoutsMs.reduce((sum, timeoutMs) => sum + timeoutMs, 0);
  const passive = build(context, target, label, [{ type: 'mergeRegion', source: sourceMeta, target: targetMeta, passive: true }], [activeTotalMs]);
  return [active, passive];
}
