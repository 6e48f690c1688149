import * as metapb from '../../../proto/gen/metapb.js';
import type { ClusterView, RegionInfo, StoreInfo } from '../cluster/types.js';
import { scheduleLimits } from './limits.js';
import { peerDownMs } from './region-peers.js';

/**
 * up: heartbeating and in service; disconnected: silent for a little while, or never
 * heard from (not a target, but its replicas stay); down: silent longer than
 * maxStoreDownTimeMs (its replicas are replaced); offline: being drained;
 * tombstone: removed for good.
 */
export type StoreHealth = 'up' | 'disconnected' | 'down' | 'offline' | 'tombstone';

export function storeHealth(store: StoreInfo, view: ClusterView): StoreHealth {
  if (store.meta.state === metapb.StoreState.Tombstone) return 'tombstone';
  if (store.meta.state === metapb.StoreState.Offline) return 'offline';
  if (store.lastHeartbeatMs === 0) return 'disconnected';
  const silentMs = view.nowMs - store.lastHeartbeatMs;
  if (silentMs > view.config.maxStoreDownTimeMs) return 'down';
  if (silentMs > Math.min(scheduleLimits.storeDisconnectedAfterMs, view.config.maxStoreDownTimeMs)) return 'disconnected';
  return 'up';
}

/** Whether the store may receive a new replica: in service, not busy, not short of space. */
export function isReplicaTarget(store: StoreInfo, view: ClusterView): boolean {
  if (storeHealth(store, view) !== 'up') return false;
  const stats = store.stats;
  if (stats === undefined) return true;
  if (stats.isBusy) return false;
  if (stats.capacityBytes > 0n) {
    const availableRatio = Number(stats.availableBytes) / Number(stats.capacityBytes);
    if (availableRatio < scheduleLimits.lowSpaceAvailableRatio) return false;
  }
  return true;
}

/** Why a peer must be replaced, or undefined if it is fine where it is. */
export type ReplaceReason = 'down' | 'offline';

export function peerReplaceReason(region: RegionInfo, peer: metapb.Peer, view: ClusterView): ReplaceReason | undefined {
  const store = view.getStore(peer.storeId);
  if (store === undefined) return 'down';
  switch (storeHealth(store, view)) {
    case 'down':
    case 'tombstone':
      return 'down';
    case 'offline':
      return 'offline';
    case 'up':
    case 'disconnected':
      break;
  }
  // The leader reports peers that stopped answering; one silent long enough is as good
  // as lost even if its store still heartbeats (a broken disk under one region, say).
  if (peerDownMs(region, peer.id) >= view.config.maxStoreDownTimeMs) return 'down';
  return undefined;
}

function labelValue(store: StoreInfo, key: string): string {
  for (const label of store.meta.labels) {
    if (label.key.toLowerCase() === key.toLowerCase()) return label.value;
  }
  return '';
}

/**
 * The first location level (index into `locationLabels`) at which two stores differ,
 * or -1 if they are in the same place. A missing label matches anything, as in PD.
 */
export function locationDifferenceLevel(locationLabels: readonly string[], first: StoreInfo, second: StoreInfo): number {
  for (let level = 0; level < locationLabels.length; level++) {
    const key = locationLabels[level]!;
    const firstValue = labelValue(first, key);
    const secondValue = labelValue(second, key);
    if (firstValue !== '' && secondValue !== '' && firstValue.toLowerCase() !== secondValue.toLowerCase()) return level;
  }
  return -1;
}

/**
 * How far `candidate` is from `others` (PD's distinct score): each other store adds
 * base^(levels - level - 1) for the widest level at which they differ, so being in
 * another zone outweighs being on another host in the same zone. Higher is better
 * isolated; 0 without location labels.
 */
export function locationDistinctScore(locationLabels: readonly string[], candidate: StoreInfo, others: readonly StoreInfo[]): number {
  const levels = Math.min(locationLabels.length, scheduleLimits.locationLabelLevels);
  const labels = locationLabels.slice(0, levels);
  let score = 0;
  for (const other of others) {
    if (other.meta.id === candidate.meta.id) continue;
    const level = locationDifferenceLevel(labels, candidate, other);
    if (level >= 0) score += scheduleLimits.locationScoreBase ** (levels - level - 1);
  }
  return score;
}

/** The stores of the given peers that the view knows, in peer order. */
export function storesOfPeers(view: ClusterView, peers: readonly metapb.Peer[]): StoreInfo[] {
  const stores: StoreInfo[] = [];
  for (const peer of peers) {
    const store = view.getStore(peer.storeId);
    if (store !== undefined) stores.push(store);
  }
  return stores;
}
