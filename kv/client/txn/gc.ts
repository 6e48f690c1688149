import { keyAfter, smallestDecodedAtOrAfter } from '../../../common/codec/bytes.js';
import type * as metapb from '../../../proto/gen/metapb.js';
import { KvServerError, TxnAbortedError } from '../errors.js';
import type { RegionClient } from '../region-client.js';
import type { LockResolver } from './lock-resolver.js';

export interface GcRound {
  /** The safe point PD holds after this round (never lower than before). */
  readonly safePoint: bigint;
  readonly regions: number;
  readonly locksResolved: number;
}

/** Locks asked for per ScanLock request. */
const scanLockBatch = 1_024;

/**
 * One round of garbage collection, as TiDB's GC worker runs it:
 * 1. settle every lock older than the safe point (a transaction that started before it
 *    must be committed or rolled back first, or its data could go);
 * 2. advance PD's safe point (PD never lets it move backwards);
 * 3. ask every region's leader to drop the versions no read at or after the safe point
 *    can see (KvGC).
 * A lock of a transaction still running makes the round fail: the next round tries again.
 */
export async function runGcRound(client: RegionClient, resolver: LockResolver, safePoint: bigint): Promise<GcRound> {
  const regions = await allRegions(client);
  let locksResolved = 0;
  for (const region of regions) locksResolved += await resolveOldLocks(client, resolver, region, safePoint);
  const newSafePoint = await client.pd.updateGcSafePoint(safePoint);
  for (const region of regions) {
    const start = region.startKey;
    const response = await client.toKey(start, 'gc', { safePoint: newSafePoint });
    if (response.error !== undefined) throw new KvServerError(`GC of the region at ${Buffer.from(start).toString('hex')}: ${response.error.abort || response.error.retryable || 'refused'}`);
  }
  return { safePoint: newSafePoint, regions: regions.length, locksResolved };
}

async function allRegions(client: RegionClient): Promise<metapb.Region[]> {
  const regions: metapb.Region[] = [];
  let start: Uint8Array = new Uint8Array(0);
  for (;;) {
    const page = await client.pd.scanRegions(start, new Uint8Array(0), 256);
    if (page.length === 0) return regions;
    for (const route of page) regions.push(route.region);
    const last = page[page.length - 1]!.region.endKey;
    if (last.length === 0) return regions;
    start = last;
  }
}

/** Settles the locks of transactions that started at or before `safePoint` in one region's range. */
async function resolveOldLocks(client: RegionClient, resolver: LockResolver, region: metapb.Region, safePoint: bigint): Promise<number> {
  const end = region.endKey.length === 0 ? region.endKey : smallestDecodedAtOrAfter(region.endKey);
  let from = smallestDecodedAtOrAfter(region.startKey);
  let resolved = 0;
  const backoffer = client.backoffer();
  for (;;) {
    // Routed by the region's own start: a raw-key boundary has no user key to route by.
    const response = await client.toKey(region.startKey, 'scanLock', { maxVersion: safePoint, startKey: Buffer.from(from), limit: scanLockBatch, endKey: Buffer.from(end) }, { backoffer });
    if (response.error !== undefined) throw new KvServerError(`scanning locks: ${response.error.abort || response.error.retryable || 'refused'}`);
    if (response.locks.length === 0) return resolved;
    const outcome = await resolver.resolve(response.locks, 0n, backoffer);
    if (!outcome.allResolved) throw new TxnAbortedError(`GC to ${safePoint} waits for a transaction that is still running (e.g. txn ${response.locks[0]!.lockVersion})`);
    resolved += response.locks.length;
    if (response.locks.length < scanLockBatch) return resolved;
    from = keyAfter(response.locks[response.locks.length - 1]!.key);
  }
}
