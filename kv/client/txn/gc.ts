import { keyAfter } from '../../../common/codec/bytes.js';
import { encodeUserKey, userKeyRangeOf } from '../../../common/codec/mvcc-key.js';
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
  const locksResolved = await resolveOldLocks(client, resolver, safePoint);
  const newSafePoint = await client.pd.updateGcSafePoint(safePoint);
  // Region by region through the whole key space, each located afresh: a region split
  // during the round is walked as the regions it became, so no part is skipped.
  const backoffer = client.backoffer();
  let regions = 0;
  let route: Uint8Array = new Uint8Array(0);
  for (;;) {
    const location = await client.cache.locate(route, backoffer);
    const response = await client.sender.attempt(location, backoffer, 'gc', { safePoint: newSafePoint });
    if (response === undefined) continue;
    if (response.error !== undefined) throw new KvServerError(`GC of region ${location.region.id}: ${response.error.abort || response.error.retryable || 'refused'}`);
    regions++;
    if (location.region.endKey.length === 0) return { safePoint: newSafePoint, regions, locksResolved };
    route = location.region.endKey;
  }
}

/** Settles the locks of transactions that started at or before `safePoint`, over the whole key space. */
async function resolveOldLocks(client: RegionClient, resolver: LockResolver, safePoint: bigint): Promise<number> {
  const backoffer = client.backoffer();
  let resolved = 0;
  // `route` locates the region to ask; `from` is the first user key not yet scanned.
  let route: Uint8Array = new Uint8Array(0);
  let from: Uint8Array = new Uint8Array(0);
  for (;;) {
    const location = await client.cache.locate(route, backoffer);
    const { end } = userKeyRangeOf(location.region.startKey, location.region.endKey);
    const response = await client.sender.attempt(location, backoffer, 'scanLock', { maxVersion: safePoint, startKey: Buffer.from(from), limit: scanLockBatch, endKey: Buffer.from(end) });
    // The region changed (split, merged, moved): locate the same place again.
    if (response === undefined) continue;
    if (response.error !== undefined) throw new KvServerError(`scanning locks: ${response.error.abort || response.error.retryable || 'refused'}`);
    if (response.locks.length > 0) {
      const outcome = await resolver.resolve(response.locks, 0n, backoffer);
      if (!outcome.allResolved) throw new TxnAbortedError(`GC to ${safePoint} waits for a transaction that is still running (e.g. txn ${response.locks[0]!.lockVersion})`);
      resolved += response.locks.length;
    }
    if (response.locks.length === scanLockBatch) {
      // More in this region: go on right after the last lock, routed by it.
      from = keyAfter(response.locks[response.locks.length - 1]!.key);
      route = encodeUserKey(from);
      continue;
    }
    if (location.region.endKey.length === 0) return resolved;
    route = location.region.endKey;
    from = end;
  }
}
