import { unreachable } from '../../../common/assert.js';
import { ConfChangeType } from '../../../proto/gen/eraftpb.js';
import * as metapb from '../../../proto/gen/metapb.js';
import type * as pdpb from '../../../proto/gen/pdpb.js';
import type { ClusterView, RegionInfo } from '../cluster/types.js';
import { scheduleLimits } from './limits.js';
import { storeHealth } from './placement.js';
import { epochOf, isLearner, isPeerPending, isVoter, peerDownMs, peerOnStore, sameRange } from './region-peers.js';

/**
 * One indivisible scheduling step. An operator is an ordered list of these; each is
 * sent to the region's leader in a heartbeat response until a later heartbeat shows it
 * done. Steps only describe the change: whether it happened is read off the region.
 */
export type OperatorStep =
  | AddLearnerStep
  | PromoteLearnerStep
  | RemovePeerStep
  | TransferLeaderStep
  | SplitRegionStep
  | MergeRegionStep;

/** Adds a non-voting peer that catches up by snapshot before it may vote. */
export interface AddLearnerStep {
  readonly type: 'addLearner';
  readonly storeId: bigint;
  readonly peerId: bigint;
}

/** Turns a caught-up learner into a voter. */
export interface PromoteLearnerStep {
  readonly type: 'promoteLearner';
  readonly storeId: bigint;
  readonly peerId: bigint;
}

/** Removes the peer on a store (never the leader's: a TransferLeader step comes first). */
export interface RemovePeerStep {
  readonly type: 'removePeer';
  readonly storeId: bigint;
  readonly peerId: bigint;
}

export interface TransferLeaderStep {
  readonly type: 'transferLeader';
  readonly fromStoreId: bigint;
  readonly toStoreId: bigint;
}

/** Splits the region `[startKey, endKey)` it was planned against, at keys or by a policy. */
export interface SplitRegionStep {
  readonly type: 'splitRegion';
  readonly startKey: Buffer;
  readonly endKey: Buffer;
  readonly policy: pdpb.CheckPolicy;
  readonly keys: readonly Buffer[];
}

/**
 * Merges `source` into its neighbour `target`. Two operators carry this step: the
 * active one on the source region sends the command, the passive one on the target
 * only holds the target so nothing else schedules it, and finishes when the target's
 * range grows.
 */
export interface MergeRegionStep {
  readonly type: 'mergeRegion';
  readonly source: metapb.Region;
  readonly target: metapb.Region;
  readonly passive: boolean;
}

/** The order-specific part of a heartbeat response: which command to run. */
export type StepCommand = Pick<pdpb.RegionHeartbeatResponse, 'changePeer' | 'transferLeader' | 'splitRegion' | 'merge'>;

export function describeStep(step: OperatorStep): string {
  switch (step.type) {
    case 'addLearner':
      return `add learner peer ${step.peerId} on store ${step.storeId}`;
    case 'promoteLearner':
      return `promote learner peer ${step.peerId} on store ${step.storeId} to voter`;
    case 'removePeer':
      return `remove peer ${step.peerId} on store ${step.storeId}`;
    case 'transferLeader':
      return `transfer leader from store ${step.fromStoreId} to store ${step.toStoreId}`;
    case 'splitRegion':
      return step.keys.length > 0 ? `split region at ${step.keys.length} key(s)` : `split region by policy ${step.policy}`;
    case 'mergeRegion':
      return `merge region ${step.source.id} into region ${step.target.id}${step.passive ? ' (passive)' : ''}`;
    default:
      return unreachable(step);
  }
}

/**
 * How long the step may take before the operator is abandoned. Adding a learner waits
 * for a snapshot and merging waits for the source's log to reach the target, so those
 * are slow steps; everything else is one Raft proposal.
 */
export function stepTimeoutMs(step: OperatorStep, fastStepTimeoutMs: number): number {
  switch (step.type) {
    case 'addLearner':
    case 'mergeRegion':
      return fastStepTimeoutMs * scheduleLimits.slowStepTimeoutMultiplier;
    case 'promoteLearner':
    case 'removePeer':
    case 'transferLeader':
    case 'splitRegion':
      return fastStepTimeoutMs;
    default:
      return unreachable(step);
  }
}

/** The stores whose work this step adds to (what the per-store operator limit counts). */
export function stepStoreIds(step: OperatorStep): bigint[] {
  switch (step.type) {
    case 'addLearner':
    case 'promoteLearner':
    case 'removePeer':
      return [step.storeId];
    case 'transferLeader':
      return [step.fromStoreId, step.toStoreId];
    case 'splitRegion':
    case 'mergeRegion':
      return [];
    default:
      return unreachable(step);
  }
}

/** Whether the region, as its latest heartbeat shows it, has taken the step. */
export function isStepFinished(step: OperatorStep, region: RegionInfo): boolean {
  const meta = region.meta;
  switch (step.type) {
    case 'addLearner': {
      // A peer that is still pending has not finished applying its snapshot. If someone
      // already promoted it, the learner exists all the same, and the promote step that
      // follows will see it done.
      const peer = peerOnStore(meta, step.storeId);
      return peer !== undefined && peer.id === step.peerId && !isPeerPending(region, peer.id);
    }
    case 'promoteLearner': {
      const peer = peerOnStore(meta, step.storeId);
      return peer !== undefined && peer.id === step.peerId && peer.role === metapb.PeerRole.Voter;
    }
    case 'removePeer':
      return peerOnStore(meta, step.storeId) === undefined;
    case 'transferLeader':
      return region.leader?.storeId === step.toStoreId;
    case 'splitRegion':
      return !sameRange(meta, step.startKey, step.endKey);
    case 'mergeRegion':
      // The source region disappears when the merge commits, so its own heartbeats
      // never report it done: the controller finishes it with the passive operator on
      // the target, or when the cluster drops the source region.
      return step.passive && !sameRange(meta, step.target.startKey, step.target.endKey);
    default:
      return unreachable(step);
  }
}

/** How much the step has moved the region's conf version (0 or 1), judged from the region. */
export function stepConfVerChange(step: OperatorStep, region: RegionInfo): bigint {
  const meta = region.meta;
  switch (step.type) {
    case 'addLearner':
    case 'promoteLearner': {
      const peer = peerOnStore(meta, step.storeId);
      if (peer === undefined || peer.id !== step.peerId) return 0n;
      // Adding the learner is one conf change and promoting it another.
      return step.type === 'addLearner' || peer.role === metapb.PeerRole.Voter ? 1n : 0n;
    }
    case 'removePeer': {
      const peer = peerOnStore(meta, step.storeId);
      return peer === undefined || peer.id !== step.peerId ? 1n : 0n;
    }
    case 'transferLeader':
    case 'splitRegion':
    case 'mergeRegion':
      return 0n;
    default:
      return unreachable(step);
  }
}

/**
 * Why the step can no longer be carried out on this region (the operator is stale and
 * is cancelled), or undefined while it still can. `view` is the cluster as PD sees it
 * now: a step that needs a store PD knows to be down is stale too (see targetDownReason).
 */
export function stepStaleReason(step: OperatorStep, region: RegionInfo, view: ClusterView): string | undefined {
  const meta = region.meta;
  switch (step.type) {
    case 'addLearner': {
      const peer = peerOnStore(meta, step.storeId);
      if (peer !== undefined && peer.id !== step.peerId) {
        return `store ${step.storeId} already holds peer ${peer.id} of region ${meta.id}`;
      }
      return targetDownReason(region, step.storeId, peer, view);
    }
    case 'promoteLearner': {
      const peer = peerOnStore(meta, step.storeId);
      if (peer === undefined || peer.id !== step.peerId) return `learner ${step.peerId} on store ${step.storeId} is gone`;
      return targetDownReason(region, step.storeId, peer, view);
    }
    case 'removePeer':
      // Removing a peer needs nothing from its store: a down store is the usual reason.
      if (region.leader?.storeId === step.storeId) return `the peer to remove on store ${step.storeId} is the leader`;
      return undefined;
    case 'transferLeader': {
      const peer = peerOnStore(meta, step.toStoreId);
      if (peer === undefined) return `no peer on store ${step.toStoreId} to take the leadership`;
      if (isLearner(peer)) return `the peer on store ${step.toStoreId} is a learner and cannot lead`;
      return targetDownReason(region, step.toStoreId, peer, view);
    }
    case 'splitRegion':
      return undefined;
    case 'mergeRegion': {
      // The target must still be the neighbour the merge was planned against, and the
      // source must still hold peers on exactly the target's stores.
      if (step.passive) return undefined;
      const targetStores = new Set(step.target.peers.map((peer) => peer.storeId));
      const sourceStores = meta.peers.map((peer) => peer.storeId);
      if (sourceStores.length !== targetStores.size || !sourceStores.every((storeId) => targetStores.has(storeId))) {
        return `region ${meta.id} no longer has its peers on the stores of region ${step.target.id}`;
      }
      return undefined;
    }
    default:
      return unreachable(step);
  }
}

/**
 * Why the store a step needs to take part (the new learner's, the promoted peer's, the
 * new leader's) cannot: PD has no such store, or counts it down or tombstone, or the
 * leader reports the step's peer there silent for as long as a store takes to count as
 * down. Such a step never finishes: a learner on a dead store never catches up, and
 * leadership offered to a dead peer never arrives, so the leader keeps its own and PD
 * would resend the step until its timeout (a minute, ten for a learner), meanwhile
 * keeping the replica checker off the region. PD's validateStore ends such steps once
 * the store is down; the leader's report about the peer is often the earlier sign. The
 * replica checker then removes whatever the operator had half added.
 */
function targetDownReason(region: RegionInfo, storeId: bigint, peer: metapb.Peer | undefined, view: ClusterView): string | undefined {
  const store = view.getStore(storeId);
  if (store === undefined) return `store ${storeId} is unknown`;
  const health = storeHealth(store, view);
  if (health === 'down' || health === 'tombstone') return `store ${storeId} is ${health}`;
  if (peer !== undefined && peerDownMs(region, peer.id) >= view.config.maxStoreDownTimeMs) {
    return `peer ${peer.id} on store ${storeId} is reported down by the leader`;
  }
  return undefined;
}

/**
 * The command that makes the leader take the step, or undefined when there is nothing
 * to send now (a learner that exists but is still catching up, a passive merge).
 */
export function stepCommand(step: OperatorStep, region: RegionInfo): StepCommand | undefined {
  const meta = region.meta;
  switch (step.type) {
    case 'addLearner':
      if (peerOnStore(meta, step.storeId) !== undefined) return undefined;
      return {
        changePeer: {
          peer: { id: step.peerId, storeId: step.storeId, role: metapb.PeerRole.Learner },
          changeType: ConfChangeType.AddLearnerNode,
        },
      };
    case 'promoteLearner':
      return {
        changePeer: {
          peer: { id: step.peerId, storeId: step.storeId, role: metapb.PeerRole.Voter },
          changeType: ConfChangeType.AddNode,
        },
      };
    case 'removePeer': {
      const peer = peerOnStore(meta, step.storeId);
      if (peer === undefined) return undefined;
      return { changePeer: { peer: { ...peer }, changeType: ConfChangeType.RemoveNode } };
    }
    case 'transferLeader': {
      const peer = peerOnStore(meta, step.toStoreId);
      if (peer === undefined || !isVoter(peer)) return undefined;
      return { transferLeader: { peer: { ...peer }, peers: [] } };
    }
    case 'splitRegion':
      return { splitRegion: { policy: step.policy, keys: [...step.keys] } };
    case 'mergeRegion':
      if (step.passive) return undefined;
      return { merge: { target: cloneRegion(step.target) } };
    default:
      return unreachable(step);
  }
}

export function cloneRegion(region: metapb.Region): metapb.Region {
  return {
    id: region.id,
    startKey: Buffer.from(region.startKey),
    endKey: Buffer.from(region.endKey),
    regionEpoch: { ...epochOf(region) },
    peers: region.peers.map((peer) => ({ ...peer })),
  };
}
