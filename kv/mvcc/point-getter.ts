import type { Timestamp } from '../../common/ids.js';
import { checkLockForRead } from './read-lock-check.js';
import type { MvccReader } from './reader.js';
import { WriteType } from './txn-types.js';

export interface ReadOptions {
  /** Locks of these start timestamps are known resolved and do not block. */
  readonly bypassLocks?: ReadonlySet<bigint>;
  /** Isolation: 'si' checks locks, 'rc' reads the latest committed value ignoring locks. */
  readonly isolation?: 'si' | 'rc';
}

/**
 * A snapshot read of one key at `ts`: fails with KeyError 'key-is-locked' when a lock
 * may hide a version at or below ts; otherwise returns the newest committed value.
 */
export async function pointGet(reader: MvccReader, key: Uint8Array, ts: Timestamp, options: ReadOptions = {}): Promise<Uint8Array | undefined> {
  if ((options.isolation ?? 'si') === 'si') {
    const lock = await reader.loadLock(key);
    if (lock !== undefined) checkLockForRead(key, lock, ts, options.bypassLocks);
  }
  const found = await reader.getWrite(key, ts);
  if (found === undefined || found.write.type !== WriteType.Put) return undefined;
  return reader.loadValue(key, found.write);
}

export type BatchGetResult = Array<{ readonly key: Uint8Array; readonly value: Uint8Array } | { readonly key: Uint8Array; readonly error: Error }>;

/**
 * Reads several keys at one ts. Present keys come back with their values, locked keys
 * with their KeyError; absent keys are left out (as TiKV's BatchGet does).
 */
export async function batchGet(reader: MvccReader, keys: readonly Uint8Array[], ts: Timestamp, options: ReadOptions = {}): Promise<BatchGetResult> {
  const out: BatchGetResult = [];
  for (const key of keys) {
    try {
      const value = await pointGet(reader, key, ts, options);
      if (value !== undefined) out.push({ key, value });
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      if (error.name !== 'KeyError') throw error;
      out.push({ key, error });
    }
  }
  return out;
}
