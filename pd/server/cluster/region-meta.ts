import { compareBytes } from '../../../common/codec/bytes.js';
import type * as metapb from '../../../proto/gen/metapb.js';

/**
 * Small facts about region metadata shared by the region tree and the cluster: key
 * ranges (an empty end key means unbounded above), epochs and structural equality.
 */

const zeroEpoch: metapb.RegionEpoch = { confVer: 0n, version: 0n };

/** The region's epoch; a region without one (never valid from a store) counts as {0, 0}. */
export function epochOf(region: metapb.Region): metapb.RegionEpoch {
  return region.regionEpoch ?? zeroEpoch;
}

/**
 * True when `epoch` is older than `current` in either dimension: `version` (bumped by
 * splits and merges, so it orders key ranges) or `confVer` (bumped by membership
 * changes, so it orders peer lists). PD's rule: such metadata must never replace newer.
 */
export function isEpochStale(epoch: metapb.RegionEpoch, current: metapb.RegionEpoch): boolean {
  return epoch.version < current.version || epoch.confVer < current.confVer;
}

export function epochEquals(a: metapb.RegionEpoch, b: metapb.RegionEpoch): boolean {
  return a.version === b.version && a.confVer === b.confVer;
}

/** Whether `key` lies in [startKey, endKey). */
export function regionContainsKey(region: metapb.Region, key: Uint8Array): boolean {
  return compareBytes(key, region.startKey) >= 0 && (region.endKey.length === 0 || compareBytes(key, region.endKey) < 0);
}

/** Whether the ranges of `a` and `b` share at least one key. */
export function regionsOverlap(a: metapb.Region, b: metapb.Region): boolean {
  const aEndsBeforeB = a.endKey.length !== 0 && compareBytes(a.endKey, b.startKey) <= 0;
  const bEndsBeforeA = b.endKey.length !== 0 && compareBytes(b.endKey, a.startKey) <= 0;
  return !aEndsBeforeB && !bEndsBeforeA;
}

/** Whether the range is well formed: start < end, or end empty (unbounded). */
export function isValidRange(startKey: Uint8Array, endKey: Uint8Array): boolean {
  return endKey.length === 0 || compareBytes(startKey, endKey) < 0;
}

export function peerEquals(a: metapb.Peer | undefined, b: metapb.Peer | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.id === b.id && a.storeId === b.storeId && a.role === b.role;
}

/**
 * Peer lists as sets (order-insensitive): stores may list peers in any order. Peer IDs
 * within one list are unique (the cluster validates that at the gateway).
 */
export function peerSetsEqual(a: readonly metapb.Peer[], b: readonly metapb.Peer[]): boolean {
  if (a.length !== b.length) return false;
  // Hot path (every heartbeat): lists are a handful of peers and usually in the same
  // order, so compare in place first and fall back to a quadratic search without allocating.
  let sameOrder = true;
  for (let index = 0; index < a.length && sameOrder; index++) sameOrder = peerEquals(a[index], b[index]);
  if (sameOrder) return true;
  for (const peer of a) {
    let matches = 0;
    for (const other of b) if (other.id === peer.id) matches += peerEquals(peer, other) ? 1 : 2;
    if (matches !== 1) return false;
  }
  return true;
}

/**
 * Whether two region metas describe the same region shape: id, range, epoch and peers.
 * This is what PD persists, so a heartbeat that changes nothing here is stats-only.
 */
export function regionMetaEquals(a: metapb.Region, b: metapb.Region): boolean {
  return (
    a.id === b.id &&
    compareBytes(a.startKey, b.startKey) === 0 &&
    compareBytes(a.endKey, b.endKey) === 0 &&
    epochEquals(epochOf(a), epochOf(b)) &&
    peerSetsEqual(a.peers, b.peers)
  );
}

export function clonePeer(peer: metapb.Peer): metapb.Peer {
  return { id: peer.id, storeId: peer.storeId, role: peer.role };
}

/**
 * A deep copy. Keys are copied (not `Buffer.subarray`/`slice`, which are views), so a
 * caller that reuses its request buffers cannot change what PD holds.
 */
export function cloneRegion(region: metapb.Region): metapb.Region {
  const epoch = region.regionEpoch;
  return {
    id: region.id,
    startKey: Buffer.from(region.startKey),
    endKey: Buffer.from(region.endKey),
    regionEpoch: epoch === undefined ? undefined : { confVer: epoch.confVer, version: epoch.version },
    peers: region.peers.map(clonePeer),
  };
}

export function formatKey(key: Uint8Array): string {
  return key.length === 0 ? '""' : Buffer.from(key).toString('hex');
}

/** A short description for logs and error messages. */
export function describeRegion(region: metapb.Region): string {
  const epoch = epochOf(region);
  return `region ${region.id} [${formatKey(region.startKey)}, ${formatKey(region.endKey)}) epoch {confVer ${epoch.confVer}, version ${epoch.version}}`;
}
