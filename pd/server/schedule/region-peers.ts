import * as metapb from '../../../proto/gen/metapb.js';
import type { RegionInfo } from '../cluster/types.js';

/**
 * Small questions about a region's peers that checkers, schedulers and operator steps
 * all ask. A voter here is any peer that votes in the current configuration; a learner
 * (or a voter being demoted by joint consensus) does not count towards replicas.
 */

export function peerOnStore(region: metapb.Region, storeId: bigint): metapb.Peer | undefined {
  return region.peers.find((peer) => peer.storeId === storeId);
}

export function isVoter(peer: metapb.Peer): boolean {
  return peer.role === metapb.PeerRole.Voter || peer.role === metapb.PeerRole.IncomingVoter;
}

export function isLearner(peer: metapb.Peer): boolean {
  return !isVoter(peer);
}

export function voters(region: metapb.Region): metapb.Peer[] {
  return region.peers.filter(isVoter);
}

export function learners(region: metapb.Region): metapb.Peer[] {
  return region.peers.filter(isLearner);
}

export function isPeerPending(region: RegionInfo, peerId: bigint): boolean {
  return region.pendingPeers.some((peer) => peer.id === peerId);
}

/** How long, in milliseconds, the leader has reported the peer as unresponsive (0: not down). */
export function peerDownMs(region: RegionInfo, peerId: bigint): number {
  const stats = region.downPeers.find((entry) => entry.peer?.id === peerId);
  return stats === undefined ? 0 : Number(stats.downSeconds) * 1000;
}

export function isPeerDownOrPending(region: RegionInfo, peerId: bigint): boolean {
  return peerDownMs(region, peerId) > 0 || isPeerPending(region, peerId);
}

export function leaderStoreId(region: RegionInfo): bigint | undefined {
  return region.leader?.storeId;
}

export function epochOf(region: metapb.Region): metapb.RegionEpoch {
  return region.regionEpoch ?? { confVer: 0n, version: 0n };
}

export function sameRange(region: metapb.Region, startKey: Buffer, endKey: Buffer): boolean {
  return region.startKey.equals(startKey) && region.endKey.equals(endKey);
}

/**
 * Whether the peer is midway through a joint-consensus change. Schedulers leave such
 * regions alone: the store leaves the joint state by itself.
 */
export function isInJointState(peer: metapb.Peer): boolean {
  return peer.role === metapb.PeerRole.IncomingVoter || peer.role === metapb.PeerRole.DemotingVoter;
}

/**
 * Whether the region is in a state balancing may touch: it has a leader, exactly
 * `maxReplicas` voters and no learners, no peer reported down or pending, and no
 * joint-consensus change under way. Anything else is the replica checker's business.
 */
export function isRegionHealthy(region: RegionInfo, maxReplicas: number): boolean {
  if (region.leader === undefined) return false;
  if (region.downPeers.length > 0 || region.pendingPeers.length > 0) return false;
  if (region.meta.peers.some((peer) => peer.role !== metapb.PeerRole.Voter)) return false;
  return region.meta.peers.length === maxReplicas;
}
