import type { Timestamp } from '../../../common/ids.js';
import type { MvccTxn } from '../mvcc-txn.js';
import type { MvccReader } from '../reader.js';
import { commitKey } from './commit.js';
import { rollbackKey } from './rollback.js';

/**
 * Resolves the given keys of the transaction started at `startTs`: commits them at
 * `commitTs`, or rolls them back when commitTs is 0. Keys locked by other transactions
 * are left alone.
 */
export async function resolveLocks(reader: MvccReader, txn: MvccTxn, keys: readonly Uint8Array[], startTs: Timestamp, commitTs: Timestamp): Promise<void> {
  for (const key of keys) {
    const lock = await reader.loadLock(key);
    if (lock === undefined || lock.startTs !== startTs) continue;
    if (commitTs === 0n) await rollbackKey(reader, txn, key, startTs);
    else await commitKey(reader, txn, key, startTs, commitTs);
  }
}

/** The keys in [start, end) locked by the transaction started at `startTs`, at most `limit`. */
export async function scanLocksOfTxn(reader: MvccReader, start: Uint8Array, end: Uint8Array, startTs: Timestamp, limit: number): Promise<Uint8Array[]> {
  const locks = await reader.scanLocks(start, end, (lock) => lock.startTs === startTs, limit);
  return locks.map((entry) => entry.key);
}
