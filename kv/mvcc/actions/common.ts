import { physicalMsOf, type Timestamp } from '../../../common/ids.js';
import type { MvccTxn } from '../mvcc-txn.js';
import type { MvccReader } from '../reader.js';
import { type Lock, LockType, WriteType } from '../txn-types.js';

/** A lock expires when the current time passes its start time plus its TTL. */
export function isLockExpired(lock: Lock, currentTs: Timestamp): boolean {
  return physicalMsOf(lock.startTs) + lock.ttlMs < physicalMsOf(currentTs);
}

/**
 * Records that the transaction started at `startTs` is rolled back on `key`, so a late
 * prewrite of it fails. If another transaction committed at exactly that ts, the record
 * there gains a flag instead of being overwritten.
 */
export async function writeRollbackRecord(reader: MvccReader, txn: MvccTxn, key: Uint8Array, startTs: Timestamp): Promise<void> {
  const existing = await reader.seekWrite(key, startTs);
  if (existing !== undefined && existing.commitTs === startTs) {
    if (existing.write.startTs === startTs) return;
    if (existing.write.hasOverlappedRollback !== true) txn.putWrite(key, startTs, { ...existing.write, hasOverlappedRollback: true });
    return;
  }
  txn.putWrite(key, startTs, { type: WriteType.Rollback, startTs });
}

/** Removes a lock of ours and what it wrote, leaving a rollback record. */
export async function rollbackLock(reader: MvccReader, txn: MvccTxn, key: Uint8Array, lock: Lock): Promise<void> {
  if (lock.type === LockType.Put && lock.shortValue === undefined) txn.deleteValue(key, lock.startTs);
  await writeRollbackRecord(reader, txn, key, lock.startTs);
  txn.unlockKey(key);
}

/** The write type a prewritten lock turns into on commit. */
export function writeTypeOfLock(lock: Lock): WriteType {
  switch (lock.type) {
    case LockType.Put:
      return WriteType.Put;
    case LockType.Delete:
      return WriteType.Delete;
    case LockType.Lock:
      return WriteType.Lock;
    case LockType.Pessimistic:
      throw new Error('a pessimistic lock has no write type: it was never prewritten');
  }
}
