import { assert, AssertionError } from '../../../common/assert.js';
import { compareBytes } from '../../../common/codec/bytes.js';
import type * as metapb from '../../../proto/gen/metapb.js';
import { describeRegion, epochEquals, epochOf, isEpochStale, isValidRange, regionContainsKey, regionMetaEquals } from './region-meta.js';
import type { RegionInfo } from './types.js';

/** Why the tree refused an update. */
export const StaleReason = {
  /** The region with the same ID has a newer version or confVer. */
  staleEpoch: 'staleEpoch',
  /** Same epoch as the stored region, but reported by a leader of an older Raft term. */
  staleTerm: 'staleTerm',
  /** Another region covering part of the range has a newer version. */
  overlapsNewer: 'overlapsNewer',
} as const;
export type StaleReason = (typeof StaleReason)[keyof typeof StaleReason];

/** What `RegionTree.update` did, so the caller knows what to persist. */
export type RegionUpdate =
  | {
      readonly kind: 'stale';
      readonly reason: StaleReason;
      /** The stored region that proves the update stale. */
      readonly current: RegionInfo;
    }
  | {
      /** No region with this ID was in the tree. */
      readonly kind: 'inserted';
      readonly region: RegionInfo;
      /** Regions with other IDs whose ranges the new one overlapped; they are gone. */
      readonly removed: readonly RegionInfo[];
    }
  | {
      readonly kind: 'updated';
      readonly region: RegionInfo;
      readonly previous: RegionInfo;
      /** Whether the persisted part (range, epoch, peers) changed, not only leader or stats. */
      readonly metaChanged: boolean;
      readonly removed: readonly RegionInfo[];
    };

/** What the tree knows about one store's share of the regions. */
export interface StoreRegionStats {
  /** Regions with a peer (of any role) on the store. */
  readonly regionCount: number;
  /** Regions whose leader is on the store. */
  readonly leaderCount: number;
  /** Sum of the approximate sizes of the regions with a peer on the store. */
  readonly regionSizeBytes: bigint;
  /** Sum of the approximate sizes of the regions led from the store. */
  readonly leaderSizeBytes: bigint;
}

interface MutableStoreRegionStats {
  regionCount: number;
  leaderCount: number;
  regionSizeBytes: bigint;
  leaderSizeBytes: bigint;
}

const emptyStoreStats: StoreRegionStats = { regionCount: 0, leaderCount: 0, regionSizeBytes: 0n, leaderSizeBytes: 0n };

/**
 * PD's regions keyed by start key, in byte order, with an index by ID and per-store
 * counts kept up to date on every change.
 *
 * A sorted array with binary search: lookups by key are O(log n), by ID O(1). An update
 * that keeps the region's range (every heartbeat between splits and merges) replaces the
 * entry in place in O(log n); one that changes ranges (a split, a merge, a new region)
 * costs O(log n + k) comparisons for k overlapped regions plus an O(n) `splice` — a
 * memmove of pointers, tens of microseconds at 100k regions, and range changes are rare
 * next to heartbeats. A B-tree would make that O(log n) if clusters grow far beyond that.
 *
 * RegionInfo objects are treated as immutable: the tree stores what it is given and
 * replaces entries, never edits them, so a reader holding one sees a consistent region.
 */
export class RegionTree {
  // Invariant: sorted by startKey, strictly increasing, and the ranges do not overlap
  // (each region's end key is <= the next region's start key and is non-empty unless
  // it is the last region). Gaps are allowed: PD only knows what heartbeats told it.
  private readonly sorted: RegionInfo[] = [];
  // Invariant: holds exactly the regions in `sorted`, by meta.id.
  private readonly byId = new Map<bigint, RegionInfo>();
  // Invariant: equals the sums over `sorted` (see accountRegion); stores with nothing are absent.
  private readonly storeStats = new Map<bigint, MutableStoreRegionStats>();

  get size(): number {
    return this.sorted.length;
  }

  /** The region whose range contains `key`. */
  getRegion(key: Uint8Array): RegionInfo | undefined {
    const index = this.indexContaining(key);
    return index < 0 ? undefined : this.sorted[index];
  }

  /**
   * The region right before the one containing `key`, if the two are adjacent (the
   * previous one ends where the containing one starts). PD's GetPrevRegion: clients use
   * it to locate the region holding the keys just before a range's end.
   */
  getPrevRegion(key: Uint8Array): RegionInfo | undefined {
    const index = this.indexContaining(key);
    if (index <= 0) return undefined;
    const current = this.sorted[index]!;
    const previous = this.sorted[index - 1]!;
    return compareBytes(previous.meta.endKey, current.meta.startKey) === 0 ? previous : undefined;
  }

  getRegionById(id: bigint): RegionInfo | undefined {
    return this.byId.get(id);
  }

  /**
   * Regions in key order, from the one containing `startKey` (or the first one after it)
   * up to, not including, the first one starting at or after `endKey` (empty: no end).
   * `limit` 0 means no limit.
   */
  scanRegions(startKey: Uint8Array, endKey: Uint8Array, limit: number): RegionInfo[] {
    assert(Number.isSafeInteger(limit) && limit >= 0, `scan limit must be a non-negative integer, got ${limit}`);
    let index = this.upperBound(startKey) - 1;
    if (index < 0 || !regionContainsKey(this.sorted[index]!.meta, startKey)) index++;
    const out: RegionInfo[] = [];
    for (; index < this.sorted.length && (limit === 0 || out.length < limit); index++) {
      const region = this.sorted[index]!;
      if (endKey.length !== 0 && compareBytes(region.meta.startKey, endKey) >= 0) break;
      out.push(region);
    }
    return out;
  }

  /**
   * The regions right before and right after `region`'s range, each only if adjacent
   * (sharing the boundary key): the candidates a merge may pair it with.
   */
  getAdjacent(region: metapb.Region): { readonly prev: RegionInfo | undefined; readonly next: RegionInfo | undefined } {
    let prev: RegionInfo | undefined;
    let next: RegionInfo | undefined;
    if (region.startKey.length !== 0) {
      const candidate = this.sorted[this.lowerBound(region.startKey) - 1];
      if (candidate !== undefined && compareBytes(candidate.meta.endKey, region.startKey) === 0) prev = candidate;
    }
    if (region.endKey.length !== 0) {
      const candidate = this.sorted[this.lowerBound(region.endKey)];
      if (candidate !== undefined && compareBytes(candidate.meta.startKey, region.endKey) === 0) next = candidate;
    }
    return { prev, next };
  }

  /** Every region in key order (a copy: later updates do not show through). */
  regions(): RegionInfo[] {
    return this.sorted.slice();
  }

  storeRegionStats(storeId: bigint): StoreRegionStats {
    const stats = this.storeStats.get(storeId);
    return stats === undefined ? emptyStoreStats : { ...stats };
  }

  /**
   * Why `info` would be refused, or undefined if it would be applied. PD's rules: an
   * update never replaces a region with the same ID and a newer version or confVer, nor
   * one with the same epoch reported from a newer Raft term, nor any overlapping region
   * with a newer version (a stale peer that missed a split or merge).
   */
  checkStale(info: RegionInfo): { readonly reason: StaleReason; readonly current: RegionInfo } | undefined {
    const epoch = epochOf(info.meta);
    const origin = this.byId.get(info.meta.id);
    if (origin !== undefined) {
      const originEpoch = epochOf(origin.meta);
      if (isEpochStale(epoch, originEpoch)) return { reason: StaleReason.staleEpoch, current: origin };
      // A term of 0 means "not reported" (e.g. loaded from storage), so it proves nothing.
      if (epochEquals(epoch, originEpoch) && info.term !== 0n && info.term < origin.term) {
        return { reason: StaleReason.staleTerm, current: origin };
      }
      if (this.sameRange(origin.meta, info.meta)) return undefined;
    }
    const [low, high] = this.overlapBounds(info.meta);
    for (let index = low; index < high; index++) {
      const overlapped = this.sorted[index]!;
      if (overlapped.meta.id !== info.meta.id && epoch.version < epochOf(overlapped.meta).version) {
        return { reason: StaleReason.overlapsNewer, current: overlapped };
      }
    }
    return undefined;
  }

  /**
   * Puts `info` in the tree unless it is stale (see checkStale), removing the stored
   * region with the same ID and every region its range overlaps.
   */
  update(info: RegionInfo): RegionUpdate {
    const meta = info.meta;
    assert(meta.id !== 0n, 'region id must not be 0');
    if (!isValidRange(meta.startKey, meta.endKey)) throw new AssertionError(`invalid key range in ${describeRegion(meta)}`);
    const stale = this.checkStale(info);
    if (stale !== undefined) return { kind: 'stale', reason: stale.reason, current: stale.current };

    const origin = this.byId.get(meta.id);
    if (origin !== undefined && this.sameRange(origin.meta, meta)) {
      // Hot path: a heartbeat of a region whose range did not change replaces it in place.
      const index = this.upperBound(meta.startKey) - 1;
      if (this.sorted[index] !== origin) throw missingFromKeyOrder(meta.id);
      this.sorted[index] = info;
      this.byId.set(meta.id, info);
      this.accountRegion(origin, -1);
      this.accountRegion(info, 1);
      return { kind: 'updated', region: info, previous: origin, metaChanged: !regionMetaEquals(origin.meta, meta), removed: [] };
    }

    let [low, high] = this.overlapBounds(meta);
    if (origin !== undefined) {
      // The range changed. The old entry usually lies inside the overlapped span and goes
      // with it; if it lies outside (a region that moved entirely), remove it on its own.
      const originIndex = this.upperBound(origin.meta.startKey) - 1;
      if (this.sorted[originIndex] !== origin) throw missingFromKeyOrder(meta.id);
      if (originIndex < low || originIndex >= high) {
        this.sorted.splice(originIndex, 1);
        if (originIndex < low) {
          low--;
          high--;
        }
      }
      this.byId.delete(meta.id);
      this.accountRegion(origin, -1);
    }
    const overlapped = this.sorted.splice(low, high - low, info);
    const removed: RegionInfo[] = [];
    for (const region of overlapped) {
      if (region === origin) continue;
      this.byId.delete(region.meta.id);
      this.accountRegion(region, -1);
      removed.push(region);
    }
    this.byId.set(meta.id, info);
    this.accountRegion(info, 1);
    if (origin === undefined) return { kind: 'inserted', region: info, removed };
    return { kind: 'updated', region: info, previous: origin, metaChanged: true, removed };
  }

  /** Removes the region with this ID, if present. */
  remove(id: bigint): RegionInfo | undefined {
    const region = this.byId.get(id);
    if (region === undefined) return undefined;
    const index = this.upperBound(region.meta.startKey) - 1;
    if (this.sorted[index] !== region) throw missingFromKeyOrder(id);
    this.sorted.splice(index, 1);
    this.byId.delete(id);
    this.accountRegion(region, -1);
    return region;
  }

  /** Checks every invariant from scratch (O(n)); for tests and debugging. */
  checkInvariants(): void {
    assert(this.byId.size === this.sorted.length, `index holds ${this.byId.size} regions, key order ${this.sorted.length}`);
    const expected = new Map<bigint, MutableStoreRegionStats>();
    for (let index = 0; index < this.sorted.length; index++) {
      const region = this.sorted[index]!;
      assert(this.byId.get(region.meta.id) === region, `region ${region.meta.id} is not indexed by id`);
      if (!isValidRange(region.meta.startKey, region.meta.endKey)) throw new AssertionError(`invalid range in ${describeRegion(region.meta)}`);
      const next = this.sorted[index + 1];
      if (next !== undefined) {
        if (region.meta.endKey.length === 0 || compareBytes(region.meta.endKey, next.meta.startKey) > 0) {
          throw new AssertionError(`${describeRegion(region.meta)} overlaps ${describeRegion(next.meta)}`);
        }
      }
      addRegionTo(expected, region, 1);
    }
    assert(expected.size === this.storeStats.size, 'per-store stats track a different set of stores');
    for (const [storeId, stats] of expected) {
      const actual = this.storeStats.get(storeId);
      assert(
        actual !== undefined &&
          actual.regionCount === stats.regionCount &&
          actual.leaderCount === stats.leaderCount &&
          actual.regionSizeBytes === stats.regionSizeBytes &&
          actual.leaderSizeBytes === stats.leaderSizeBytes,
        `per-store stats of store ${storeId} drifted`,
      );
    }
  }

  private accountRegion(region: RegionInfo, sign: 1 | -1): void {
    addRegionTo(this.storeStats, region, sign);
  }

  private sameRange(a: metapb.Region, b: metapb.Region): boolean {
    return compareBytes(a.startKey, b.startKey) === 0 && compareBytes(a.endKey, b.endKey) === 0;
  }

  /** [low, high): the indexes of the stored regions whose ranges overlap `meta`'s. */
  private overlapBounds(meta: metapb.Region): [number, number] {
    let low = this.upperBound(meta.startKey) - 1;
    if (low < 0 || !regionContainsKey(this.sorted[low]!.meta, meta.startKey)) low++;
    const high = meta.endKey.length === 0 ? this.sorted.length : this.lowerBound(meta.endKey);
    return [low, Math.max(low, high)];
  }

  /** The index of the region containing `key`, or -1. */
  private indexContaining(key: Uint8Array): number {
    const index = this.upperBound(key) - 1;
    return index >= 0 && regionContainsKey(this.sorted[index]!.meta, key) ? index : -1;
  }

  /** The first index whose start key is > `key` (sorted.length if none). */
  private upperBound(key: Uint8Array): number {
    let low = 0;
    let high = this.sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareBytes(this.sorted[middle]!.meta.startKey, key) <= 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** The first index whose start key is >= `key` (sorted.length if none). */
  private lowerBound(key: Uint8Array): number {
    let low = 0;
    let high = this.sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareBytes(this.sorted[middle]!.meta.startKey, key) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

function missingFromKeyOrder(id: bigint): AssertionError {
  return new AssertionError(`region ${id} is indexed by id but missing from the key order`);
}

// Hot path (every update): no closures, no messages built unless an assertion fails.
function addRegionTo(target: Map<bigint, MutableStoreRegionStats>, region: RegionInfo, sign: 1 | -1): void {
  const size = sign === 1 ? region.approximateSizeBytes : -region.approximateSizeBytes;
  for (const peer of region.meta.peers) {
    const stats = statsFor(target, peer.storeId);
    stats.regionCount += sign;
    stats.regionSizeBytes += size;
    if (sign === -1) settle(target, peer.storeId, stats);
  }
  const leader = region.leader;
  if (leader !== undefined) {
    const stats = statsFor(target, leader.storeId);
    stats.leaderCount += sign;
    stats.leaderSizeBytes += size;
    if (sign === -1) settle(target, leader.storeId, stats);
  }
}

function statsFor(target: Map<bigint, MutableStoreRegionStats>, storeId: bigint): MutableStoreRegionStats {
  let stats = target.get(storeId);
  if (stats === undefined) {
    stats = { regionCount: 0, leaderCount: 0, regionSizeBytes: 0n, leaderSizeBytes: 0n };
    target.set(storeId, stats);
  }
  return stats;
}

/** Drops a store's entry once it has nothing, so removed stores do not linger. */
function settle(target: Map<bigint, MutableStoreRegionStats>, storeId: bigint, stats: MutableStoreRegionStats): void {
  if (stats.regionCount < 0 || stats.leaderCount < 0) throw new AssertionError(`negative region counts for store ${storeId}`);
  if (stats.regionCount === 0 && stats.leaderCount === 0) {
    if (stats.regionSizeBytes !== 0n || stats.leaderSizeBytes !== 0n) throw new AssertionError(`size without regions for store ${storeId}`);
    target.delete(storeId);
  }
}
