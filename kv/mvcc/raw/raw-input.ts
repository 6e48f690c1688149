import { rawBatchMaxKeys, rawTtlMaxSeconds } from '../limits.js';
import type { RawValue } from './raw-value.js';

/**
 * What raw KV accepts, checked the same way whether the write goes to the engine
 * directly (RawStore) or through Raft (RaftRawKv).
 */
export function checkRawKey(key: Uint8Array): void {
  if (key.length === 0) throw new RangeError('a raw key must not be empty');
}

export function checkRawBatch(count: number, options: { allowEmpty: boolean }): void {
  if (count === 0 && !options.allowEmpty) throw new RangeError('a raw batch needs at least one key');
  if (count > rawBatchMaxKeys) throw new RangeError(`a raw batch may hold at most ${rawBatchMaxKeys} keys, got ${count}`);
}

export function checkRawTtl(ttlSeconds: number | undefined): void {
  if (ttlSeconds === undefined) return;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 0 || ttlSeconds > rawTtlMaxSeconds) {
    throw new RangeError(`ttlSeconds must be an integer in 0..${rawTtlMaxSeconds}, got ${ttlSeconds}`);
  }
}

/** The stored form of a value put at `nowMs` with a TTL (none, or 0: it never expires). */
export function rawValueOf(value: Uint8Array, ttlSeconds: number | undefined, nowMs: number): RawValue {
  if (ttlSeconds === undefined || ttlSeconds === 0) return { value };
  return { value, expireAtMs: nowMs + ttlSeconds * 1000 };
}
