import { compareBytes, keyId } from '../../common/codec/bytes.js';
import { KvClientError } from './errors.js';

/** `keys` without repeats (first occurrence kept, order kept). */
export function uniqueKeys(keys: readonly Uint8Array[]): Uint8Array[] {
  const seen = new Set<string>();
  return keys.filter((key) => {
    const id = keyId(key);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** A scan range [start, end) must be non-empty (an empty end means no upper bound). */
export function checkRange(start: Uint8Array, end: Uint8Array): void {
  if (end.length > 0 && compareBytes(start, end) >= 0) throw new KvClientError('the range needs start < end (an empty end means no upper bound)');
}

/** The most pairs a store answers to one scan request. */
export const storeScanMaxLimit = 10_240;

/** A scan's limit: the store's cap per request when absent. */
export function scanLimitOf(limit: number | undefined): number {
  if (limit === undefined) return storeScanMaxLimit;
  if (!Number.isInteger(limit) || limit <= 0) throw new KvClientError(`a scan limit must be a positive integer, got ${limit}`);
  return limit;
}

/**
 * How a range ending at `end` meets a region ending at `regionEnd` (one key space; an
 * empty end is unbounded): where its part in the region ends, and whether the range ends
 * there (so no later region holds any of it).
 */
export function clipToRegion(end: Uint8Array, regionEnd: Uint8Array): { readonly end: Uint8Array; readonly last: boolean } {
  const last = regionEnd.length === 0 || (end.length > 0 && compareBytes(end, regionEnd) <= 0);
  return { end: last ? end : regionEnd, last };
}

/** Keys of the APIs must not be empty (`what` names them in the error). */
export function checkKey(key: Uint8Array, what = 'a key'): void {
  if (key.length === 0) throw new KvClientError(`${what} must not be empty`);
}
