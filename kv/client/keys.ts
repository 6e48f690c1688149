import { compareBytes } from '../../common/codec/bytes.js';
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

/** A string that names a key exactly, for maps and sets. */
export function keyId(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}

/** A scan range [start, end) must be non-empty (an empty end means no upper bound). */
export function checkRange(start: Uint8Array, end: Uint8Array): void {
  if (end.length > 0 && compareBytes(start, end) >= 0) throw new KvClientError('the range needs start < end (an empty end means no upper bound)');
}

/** A scan's limit: 10,240 (the store's cap per request) when absent. */
export function scanLimitOf(limit: number | undefined): number {
  if (limit === undefined) return 10_240;
  if (!Number.isInteger(limit) || limit <= 0) throw new KvClientError(`a scan limit must be a positive integer, got ${limit}`);
  return limit;
}
