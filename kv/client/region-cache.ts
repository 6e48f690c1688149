import { compareBytes } from '../../common/codec/bytes.js';
import type { PdClient, RegionRoute } from '../../pd/client/pd-client.js';
import * as metapb from '../../proto/gen/metapb.js';
import type { Backoffer } from './backoff.js';

/** Where a request for a key goes: the region, the peer to ask (its leader as far as we know), and that peer's store address. */
export interface RegionLocation {
  readonly region: metapb.Region;
  readonly peer: metapb.Peer;
  readonly address: string;
}

interface CachedRegion {
  region: metapb.Region;
  /** The peer requests go to: the known leader, or the next peer to try. */
  peer: metapb.Peer | undefined;
}

/**
 * Key → region routing for the client (client-go's region cache). A miss asks PD; each
 * region error updates exactly what it proves wrong: a new leader, replaced regions
 * after a split, a region or store that moved. Keys are routing keys: raw keys as they
 * are, transactional keys in their memcomparable encoding.
 */
export class RegionCache {
  /** Cached regions sorted by start key, never overlapping. */
  private sorted: CachedRegion[] = [];
  private readonly storeAddresses = new Map<bigint, string>();
  private readonly pd: PdClient;

  constructor(pd: PdClient) {
    this.pd = pd;
  }

  /** The region holding `key`, from the cache or PD. */
  async locate(key: Uint8Array, backoffer: Backoffer): Promise<RegionLocation> {
    for (;;) {
      let cached = this.cachedContaining(key);
      if (cached === undefined) {
        const route = await this.fromPd(() => this.pd.getRegion(key), backoffer, key);
        if (route !== undefined) cached = this.insert(route);
      }
      if (cached !== undefined) {
        const location = await this.locationOf(cached, backoffer);
        if (location !== undefined) return location;
        // Its peer's store is gone or unknown: ask PD afresh next time.
        this.invalidate(cached.region.id);
      }
      await backoffer.backoff('regionMiss', `no region with a reachable peer for key ${Buffer.from(key).toString('hex')}`);
    }
  }

  /**
   * The region holding the keys just below `end` (for reverse scans): the one holding
   * `end` if it starts before it, else the one before; with an empty `end`, the last.
   */
  async locateBefore(end: Uint8Array, backoffer: Backoffer): Promise<RegionLocation> {
    if (end.length === 0) return this.locateLast(backoffer);
    for (;;) {
      const holding = await this.locate(end, backoffer);
      if (compareBytes(holding.region.startKey, end) < 0) return holding;
      const cached = this.cachedEndingAt(end) ?? (await this.fromPd(() => this.pd.getPrevRegion(end), backoffer, end).then((route) => (route === undefined ? undefined : this.insert(route))));
      if (cached !== undefined) {
        const location = await this.locationOf(cached, backoffer);
        if (location !== undefined) return location;
      }
      await backoffer.backoff('regionMiss', `no region before key ${Buffer.from(end).toString('hex')}`);
    }
  }

  private async locateLast(backoffer: Backoffer): Promise<RegionLocation> {
    for (;;) {
      const last = this.sorted[this.sorted.length - 1];
      if (last !== undefined && last.region.endKey.length === 0) {
        const location = await this.locationOf(last, backoffer);
        if (location !== undefined) return location;
      }
      // Walk PD's regions from the last one cached to the end of the key space.
      let start = last?.region.endKey ?? new Uint8Array(0);
      let found: CachedRegion | undefined;
      for (;;) {
        const page = await this.fromPd(() => this.pd.scanRegions(start, new Uint8Array(0), 128), backoffer, start);
        if (page === undefined || page.length === 0) break;
        for (const route of page) found = this.insert(route);
        const tail = page[page.length - 1]!.region.endKey;
        if (tail.length === 0) break;
        start = tail;
      }
      if (found !== undefined && found.region.endKey.length === 0) {
        const location = await this.locationOf(found, backoffer);
        if (location !== undefined) return location;
      }
      await backoffer.backoff('regionMiss', 'no last region');
    }
  }

  // --- what region errors prove ---

  /** NotLeader with a hint: that peer leads now. Returns false if the hint names no member we know. */
  updateLeader(regionId: bigint, leader: metapb.Peer): boolean {
    const cached = this.byId(regionId);
    if (cached === undefined) return false;
    const member = cached.region.peers.find((peer) => peer.id === leader.id) ?? (leader.storeId !== 0n ? leader : undefined);
    if (member === undefined) return false;
    cached.peer = member;
    return true;
  }

  /** The peer asked is unreachable or not leading and named no one: try the next member. */
  switchPeer(regionId: bigint, failed: metapb.Peer): void {
    const cached = this.byId(regionId);
    if (cached === undefined) return;
    const voters = cached.region.peers.filter((peer) => peer.role !== metapb.PeerRole.Learner);
    const index = voters.findIndex((peer) => peer.id === failed.id);
    cached.peer = voters[(index + 1) % Math.max(1, voters.length)];
  }

  /** EpochNotMatch: the regions the store reported replace what we had for that range. */
  replaceRegions(regions: readonly metapb.Region[]): void {
    for (const region of regions) {
      const old = this.byId(region.id);
      this.insert({ region, leader: old?.peer !== undefined && region.peers.some((peer) => peer.id === old.peer!.id) ? old.peer : undefined });
    }
  }

  /** RegionNotFound, KeyNotInRegion and the like: forget the region; the next locate asks PD. */
  invalidate(regionId: bigint): void {
    this.sorted = this.sorted.filter((entry) => entry.region.id !== regionId);
  }

  /** StoreNotMatch or an unreachable store: look its address up again next time. */
  invalidateStore(storeId: bigint): void {
    this.storeAddresses.delete(storeId);
  }

  // --- internals ---

  private byId(regionId: bigint): CachedRegion | undefined {
    return this.sorted.find((entry) => entry.region.id === regionId);
  }

  private cachedContaining(key: Uint8Array): CachedRegion | undefined {
    let low = 0;
    let high = this.sorted.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const entry = this.sorted[middle]!;
      if (compareBytes(entry.region.startKey, key) > 0) high = middle - 1;
      else if (entry.region.endKey.length > 0 && compareBytes(entry.region.endKey, key) <= 0) low = middle + 1;
      else return entry;
    }
    return undefined;
  }

  private cachedEndingAt(end: Uint8Array): CachedRegion | undefined {
    return this.sorted.find((entry) => entry.region.endKey.length > 0 && compareBytes(entry.region.endKey, end) === 0);
  }

  /** Caches a region, dropping every cached one it overlaps (they are older views of its range). */
  private insert(route: RegionRoute): CachedRegion {
    const { region } = route;
    const kept = this.sorted.filter((entry) => !overlaps(entry.region, region) && entry.region.id !== region.id);
    const fresh: CachedRegion = { region, peer: route.leader ?? region.peers.find((peer) => peer.role !== metapb.PeerRole.Learner) };
    kept.push(fresh);
    kept.sort((a, b) => compareBytes(a.region.startKey, b.region.startKey));
    this.sorted = kept;
    return fresh;
  }

  private async locationOf(cached: CachedRegion, backoffer: Backoffer): Promise<RegionLocation | undefined> {
    const peer = cached.peer;
    if (peer === undefined) return undefined;
    const address = await this.addressOf(peer.storeId, backoffer);
    if (address === undefined) return undefined;
    return { region: cached.region, peer, address };
  }

  private async addressOf(storeId: bigint, backoffer: Backoffer): Promise<string | undefined> {
    const known = this.storeAddresses.get(storeId);
    if (known !== undefined) return known;
    const store = await this.fromPd(() => this.pd.getStore(storeId), backoffer, `store ${storeId}`);
    if (store === undefined || store.address === '' || store.state === metapb.StoreState.Tombstone) return undefined;
    this.storeAddresses.set(storeId, store.address);
    return store.address;
  }

  private async fromPd<T>(call: () => Promise<T>, backoffer: Backoffer, what: Uint8Array | string): Promise<T> {
    for (;;) {
      try {
        return await call();
      } catch (error) {
        await backoffer.backoff('pdRpc', error instanceof Error ? error : new Error(`PD lookup of ${typeof what === 'string' ? what : Buffer.from(what).toString('hex')} failed`));
      }
    }
  }
}

function overlaps(a: metapb.Region, b: metapb.Region): boolean {
  const aBeforeB = a.endKey.length > 0 && compareBytes(a.endKey, b.startKey) <= 0;
  const bBeforeA = b.endKey.length > 0 && compareBytes(b.endKey, a.startKey) <= 0;
  return !aBeforeB && !bBeforeA;
}
