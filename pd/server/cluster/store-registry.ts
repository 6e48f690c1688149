import { StoreState } from '../../../proto/gen/metapb.js';
import type * as metapb from '../../../proto/gen/metapb.js';
import type * as pdpb from '../../../proto/gen/pdpb.js';
import {
  DuplicateStoreAddressError,
  InvalidClusterRequestError,
  InvalidStoreStateTransitionError,
  StoreNotFoundError,
  StoreTombstoneError,
} from './errors.js';
import { clusterLimits } from './limits.js';
import type { StoreInfo } from './types.js';

/** Whether PD hears from a store, derived from its last heartbeat and the clock. */
export const StoreLiveness = {
  /** Heard from within the last storeDisconnectedAfterMs. */
  up: 'Up',
  /** Silent for longer than that: send it no new work, but keep its replicas. */
  disconnected: 'Disconnected',
  /** Silent for longer than maxStoreDownTimeMs: its replicas should be replaced elsewhere. */
  down: 'Down',
} as const;
export type StoreLiveness = (typeof StoreLiveness)[keyof typeof StoreLiveness];

/**
 * A store's liveness at `nowMs`. Independent of its administrative state (Up, Offline,
 * Tombstone in `meta.state`): an Offline store that still heartbeats is live.
 */
export function storeLiveness(store: StoreInfo, nowMs: number, maxStoreDownTimeMs: number): StoreLiveness {
  const silentMs = nowMs - store.lastHeartbeatMs;
  if (silentMs > maxStoreDownTimeMs) return StoreLiveness.down;
  if (silentMs > clusterLimits.storeDisconnectedAfterMs) return StoreLiveness.disconnected;
  return StoreLiveness.up;
}

const nanosecondsPerMillisecond = 1_000_000n;

function cloneStoreMeta(meta: metapb.Store): metapb.Store {
  return { ...meta, labels: meta.labels.map((label) => ({ key: label.key, value: label.value })) };
}

/**
 * PD's stores in memory: their meta, the latest heartbeat stats and when PD last heard
 * from them. Pure bookkeeping without I/O: changes that must be durable come in two
 * steps, `prepare*` (validate and return the meta to persist, changing nothing) and
 * `apply*` (after the caller persisted it), so memory never runs ahead of storage.
 */
export class StoreRegistry {
  private readonly stores = new Map<bigint, StoreInfo>();

  get size(): number {
    return this.stores.size;
  }

  get(storeId: bigint): StoreInfo | undefined {
    return this.stores.get(storeId);
  }

  /** Every store in ID order, optionally without the tombstones. */
  all(excludeTombstone: boolean): StoreInfo[] {
    const out: StoreInfo[] = [];
    for (const store of this.stores.values()) {
      if (excludeTombstone && store.meta.state === StoreState.Tombstone) continue;
      out.push(store);
    }
    return out.sort((a, b) => (a.meta.id < b.meta.id ? -1 : a.meta.id > b.meta.id ? 1 : 0));
  }

  /**
   * Validates a PutStore (a store registering at start-up, or changing its address or
   * labels) and returns the meta to persist. A new store starts Up whatever it claims;
   * an existing store keeps its state (an Offline store that restarts stays Offline)
   * and takes the new address, labels, version and start time. Labels are replaced,
   * not merged: the store's own config is the source of truth for them.
   */
  preparePut(request: metapb.Store): metapb.Store {
    if (request.id === 0n) throw new InvalidClusterRequestError('store id must not be 0');
    if (request.address === '') throw new InvalidClusterRequestError(`store ${request.id} has an empty address`);
    const existing = this.stores.get(request.id);
    if (existing !== undefined && existing.meta.state === StoreState.Tombstone) throw new StoreTombstoneError(request.id);
    // A tombstone's address is free again: a new store may be started where a removed one ran.
    for (const other of this.stores.values()) {
      if (other.meta.id !== request.id && other.meta.state !== StoreState.Tombstone && other.meta.address === request.address) {
        throw new DuplicateStoreAddressError(request.id, request.address, other.meta.id);
      }
    }
    const meta = cloneStoreMeta(request);
    if (existing === undefined) return { ...meta, state: StoreState.Up };
    return { ...meta, state: existing.meta.state, lastHeartbeat: existing.meta.lastHeartbeat };
  }

  /**
   * Records a persisted PutStore. The store just talked to PD, which counts as hearing
   * from it; heartbeat stats that arrived meanwhile are kept.
   */
  applyPut(meta: metapb.Store, nowMs: number): StoreInfo {
    const existing = this.stores.get(meta.id);
    const lastHeartbeatMs = Math.max(existing?.lastHeartbeatMs ?? 0, nowMs);
    const info: StoreInfo = {
      meta: { ...meta, lastHeartbeat: BigInt(lastHeartbeatMs) * nanosecondsPerMillisecond },
      stats: existing?.stats,
      lastHeartbeatMs,
    };
    this.stores.set(meta.id, info);
    return info;
  }

  /**
   * Validates an administrative state change and returns the meta to persist (the same
   * object when nothing changes). Up <-> Offline either way; Offline -> Tombstone once no
   * region has a peer on the store (`regionCount`); nothing leaves Tombstone.
   */
  prepareStateChange(storeId: bigint, to: metapb.StoreState, regionCount: number): metapb.Store {
    const existing = this.stores.get(storeId);
    if (existing === undefined) throw new StoreNotFoundError(storeId);
    const from = existing.meta.state;
    if (from === to) return existing.meta;
    if (from === StoreState.Tombstone) throw new StoreTombstoneError(storeId);
    if (to === StoreState.Tombstone) {
      if (from !== StoreState.Offline) throw new InvalidStoreStateTransitionError(storeId, from, to, 'take the store offline first');
      if (regionCount > 0) throw new InvalidStoreStateTransitionError(storeId, from, to, `it still holds ${regionCount} region peers`);
    }
    return { ...existing.meta, state: to };
  }

  /** Records a persisted state change, keeping stats and heartbeat time. */
  applyState(meta: metapb.Store): StoreInfo {
    const existing = this.stores.get(meta.id);
    if (existing === undefined) throw new StoreNotFoundError(meta.id);
    const info: StoreInfo = { ...existing, meta: { ...existing.meta, state: meta.state } };
    this.stores.set(meta.id, info);
    return info;
  }

  /**
   * A store loaded from storage when PD starts or becomes leader. PD cannot know how long
   * the store has been silent across its own restart, so it starts counting at `nowMs`:
   * otherwise every store would look Down the moment a new PD leader starts and the
   * replica checker would start moving every region.
   */
  load(meta: metapb.Store, nowMs: number): StoreInfo {
    const info: StoreInfo = { meta: cloneStoreMeta(meta), stats: undefined, lastHeartbeatMs: nowMs };
    this.stores.set(meta.id, info);
    return info;
  }

  /** Records a store heartbeat. In memory only: stats are re-sent every few seconds. */
  heartbeat(stats: pdpb.StoreStats, nowMs: number): StoreInfo {
    const existing = this.stores.get(stats.storeId);
    if (existing === undefined) throw new StoreNotFoundError(stats.storeId);
    if (existing.meta.state === StoreState.Tombstone) throw new StoreTombstoneError(stats.storeId);
    const lastHeartbeatMs = Math.max(existing.lastHeartbeatMs, nowMs);
    const info: StoreInfo = {
      meta: { ...existing.meta, lastHeartbeat: BigInt(lastHeartbeatMs) * nanosecondsPerMillisecond },
      stats: { ...stats },
      lastHeartbeatMs,
    };
    this.stores.set(stats.storeId, info);
    return info;
  }
}
