import { compareBytes } from '../../common/codec/bytes.js';
import { encodeUserKey, userKeyRangeOf } from '../../common/codec/mvcc-key.js';
import type * as kvrpcpb from '../../proto/gen/kvrpcpb.js';
import type * as metapb from '../../proto/gen/metapb.js';
import type { ReadOptions } from '../mvcc/point-getter.js';
import type { RegionContext } from '../raftstore/raft-kv.js';
import type { RaftStore } from '../raftstore/raft-store.js';
import { keyNotInRegionError, RegionError } from '../raftstore/region-errors.js';
import { InvalidRequestError } from './kv-errors.js';
import { requestMaxKeys } from './limits.js';

/**
 * Parsing and region checks shared by the KV handlers: input from the wire is checked
 * here once, and typed from then on.
 */

/** The region a request names; a missing context names region 0, which no store has. */
export function regionContextOf(context: kvrpcpb.Context | undefined): RegionContext {
  return { regionId: context?.regionId ?? 0n, regionEpoch: context?.regionEpoch };
}

/** Snapshot read options from the request context: resolved locks do not block, RC skips locks. */
export function readOptionsOf(context: kvrpcpb.Context | undefined): ReadOptions {
  const resolved = context?.resolvedLocks ?? [];
  // IsolationLevel.RC is 1: read the newest committed value, ignoring locks.
  const isolation = context?.isolationLevel === 1 ? 'rc' : 'si';
  return resolved.length === 0 ? { isolation } : { isolation, bypassLocks: new Set(resolved) };
}

export function requireKey(key: Uint8Array, what = 'key'): Uint8Array {
  if (key.length === 0) throw new InvalidRequestError(`${what} must not be empty`);
  return key;
}

export function requireKeys(keys: readonly Uint8Array[], what = 'keys'): Uint8Array[] {
  if (keys.length === 0) throw new InvalidRequestError(`${what} must not be empty`);
  if (keys.length > requestMaxKeys) throw new InvalidRequestError(`${what} holds ${keys.length} keys, at most ${requestMaxKeys} are allowed`);
  return keys.map((key) => requireKey(key, `every one of ${what}`));
}

function inRange(key: Uint8Array, region: metapb.Region): boolean {
  return compareBytes(key, region.startKey) >= 0 && (region.endKey.length === 0 || compareBytes(key, region.endKey) < 0);
}

/**
 * The region on this store, if any. When it is absent the read barrier or the proposal
 * that follows reports RegionNotFound, so the checks below let it through.
 */
function regionHere(store: RaftStore, context: RegionContext): metapb.Region | undefined {
  return store.peer(context.regionId)?.region;
}

/** Transactional keys route by their encoded form (region bounds are encoded keys). */
export function checkTxnKeysInRegion(store: RaftStore, context: RegionContext, keys: readonly Uint8Array[]): void {
  const region = regionHere(store, context);
  if (region === undefined) return;
  for (const key of keys) {
    const encoded = encodeUserKey(key);
    if (!inRange(encoded, region)) throw new RegionError(keyNotInRegionError(key, region));
  }
}

/** Each transactional range (user keys) must lie in the region; the first that does not is KeyNotInRegion. */
export function checkTxnRangesInRegion(store: RaftStore, context: RegionContext, ranges: readonly KeyRange[]): void {
  const region = regionHere(store, context);
  if (region === undefined) return;
  const inRegion = userKeyRangeOf(region.startKey, region.endKey);
  for (const range of ranges) {
    const startsInside = compareBytes(range.start, inRegion.start) >= 0;
    const endsInside = inRegion.end.length === 0 || (range.end.length > 0 && compareBytes(range.end, inRegion.end) <= 0);
    if (!startsInside || !endsInside) throw new RegionError(keyNotInRegionError(startsInside ? range.end : range.start, region));
  }
}

/** Raw keys route as themselves. */
export function checkRawKeysInRegion(store: RaftStore, context: RegionContext, keys: readonly Uint8Array[]): void {
  const region = regionHere(store, context);
  if (region === undefined) return;
  for (const key of keys) if (!inRange(key, region)) throw new RegionError(keyNotInRegionError(key, region));
}

/** A key range [start, end); an empty end is unbounded. */
export interface KeyRange {
  readonly start: Uint8Array;
  readonly end: Uint8Array;
}

/** The intersection of two ranges (empty ends unbounded). */
export function intersectRanges(a: KeyRange, b: KeyRange): KeyRange {
  const start = compareBytes(a.start, b.start) >= 0 ? a.start : b.start;
  const end = a.end.length === 0 ? b.end : b.end.length === 0 ? a.end : compareBytes(a.end, b.end) <= 0 ? a.end : b.end;
  return { start, end };
}


/**
 * The region's range in user keys, for scans of transactional data: exactly the user
 * keys whose encodings fall in [start, end). Region bounds are usually encoded user
 * keys; a raw-key split leaves a bound that is none, which maps to the smallest user key
 * encoded at or after it.
 */
export function txnRangeOfRegion(store: RaftStore, context: RegionContext): KeyRange {
  const region = regionHere(store, context);
  if (region === undefined) return { start: new Uint8Array(0), end: new Uint8Array(0) };
  return userKeyRangeOf(region.startKey, region.endKey);
}

/** The region's range for raw keys: its bounds as they are. */
export function rawRangeOfRegion(store: RaftStore, context: RegionContext): KeyRange {
  const region = regionHere(store, context);
  if (region === undefined) return { start: new Uint8Array(0), end: new Uint8Array(0) };
  return { start: region.startKey, end: region.endKey };
}

/**
 * The range a scan request covers in [start, end) form. A reverse request names its
 * upper bound (exclusive) in startKey and its lower bound (inclusive) in endKey.
 */
export function scanRangeOf(startKey: Uint8Array, endKey: Uint8Array, reverse: boolean): KeyRange {
  return reverse ? { start: endKey, end: startKey } : { start: startKey, end: endKey };
}

/** A request limit, capped; 0 means the cap. */
export function limitOf(limit: number, cap: number): number {
  if (!Number.isInteger(limit) || limit < 0) throw new InvalidRequestError(`limit must be a non-negative integer, got ${limit}`);
  return limit === 0 || limit > cap ? cap : limit;
}

