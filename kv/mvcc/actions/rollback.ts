import type { Timestamp } from '../../../common/ids.js';
import { KeyError, lockInfo } from '../errors.js';
import type { MvccTxn } from '../mvcc-txn.js';
import type { MvccReader } from '../reader.js';
import { isLockExpired, rollbackLock, writeRollbackRecord } from './common.js';

/**
 * Rolls back one key of the transaction started at `startTs`. With a non-zero
 * `currentTs` (Cleanup), a live lock (TTL not expired) is not touched: KeyIsLocked.
 * Rolling back a committed key fails with 'committed'; an absent transaction gets a
 * rollback record anyway, which makes a late prewrite of it fail.
 */
export async function rollbackKey(reader: MvccReader, txn: MvccTxn, key: Uint8Array, startTs: Timestamp, currentTs: Timestamp | 0n = 0n): Promise<void> {
  const lock = await reader.loadLock(key);
  if (lock !== undefined && lock.startTs === startTs) {
    if (currentTs !== 0n && !isLockExpired(lock, currentTs)) throw new KeyError({ kind: 'key-is-locked', lock: lockInfo(key, lock) });
    await rollbackLock(reader, txn, key, lock);
    return;
  }
  const record = await reader.getTxnCommitRecord(key, startTs);
  if (record.kind === 'committed') throw new KeyError({ kind: 'committed', key, startTs, commitTs: record.commitTs });
  if (record.kind === 'rolled-back') return;
  await writeRollbackRecord(reader, txn, key, startTs);
}
