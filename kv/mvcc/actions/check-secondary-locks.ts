import type { Timestamp } from '../../../common/ids.js';
import type { MvccTxn } from '../mvcc-txn.js';
import type { MvccReader } from '../reader.js';
import { type Lock, LockType } from '../txn-types.js';
import { rollbackLock, writeRollbackRecord } from './common.js';

export type SecondaryLocksStatus =
  /** Every key still holds its prewrite lock: the transaction may commit at max(minCommitTs). */
  | { readonly kind: 'locked'; readonly locks: ReadonlyArray<{ key: Uint8Array; lock: Lock }> }
  | { readonly kind: 'committed'; readonly commitTs: Timestamp }
  | { readonly kind: 'rolled-back' };

/**
 * For an async-commit transaction whose primary cannot decide: checks its secondaries.
 * A secondary with no lock that was never committed is rolled back now (protecting it
 * from a late prewrite), which makes the whole transaction rolled back.
 */
export async function checkSecondaryLocks(reader: MvccReader, txn: MvccTxn, keys: readonly Uint8Array[], startTs: Timestamp): Promise<SecondaryLocksStatus> {
  const locks: Array<{ key: Uint8Array; lock: Lock }> = [];
  let rolledBack = false;
  for (const key of keys) {
    const lock = await reader.loadLock(key);
    if (lock !== undefined && lock.startTs === startTs) {
      if (lock.type === LockType.Pessimistic) {
        // Never prewritten: it cannot be part of a commit.
        await rollbackLock(reader, txn, key, lock);
        rolledBack = true;
      } else {
        locks.push({ key, lock });
      }
      continue;
    }
    const record = await reader.getTxnCommitRecord(key, startTs);
    if (record.kind === 'committed') return { kind: 'committed', commitTs: record.commitTs };
    if (record.kind === 'none') await writeRollbackRecord(reader, txn, key, startTs);
    rolledBack = true;
  }
  return rolledBack ? { kind: 'rolled-back' } : { kind: 'locked', locks };
}
