import type { Timestamp } from '../../../common/ids.js';
import { KeyError } from '../errors.js';
import type { MvccTxn } from '../mvcc-txn.js';
import type { MvccReader } from '../reader.js';
import { LockType, WriteType } from '../txn-types.js';
import { writeTypeOfLock } from './common.js';

/**
 * Commits one key of the transaction started at `startTs` at `commitTs` (Percolator's
 * second phase). Committing an already committed key is a no-op; committing a key whose
 * lock is gone and that was not committed (rolled back, or never prewritten) fails.
 */
export async function commitKey(reader: MvccReader, txn: MvccTxn, key: Uint8Array, startTs: Timestamp, commitTs: Timestamp): Promise<void> {
  const lock = await reader.loadLock(key);
  if (lock !== undefined && lock.startTs === startTs) {
    if (commitTs < lock.minCommitTs) {
      throw new KeyError({ kind: 'commit-ts-expired', key, startTs, commitTs, minCommitTs: lock.minCommitTs });
    }
    if (lock.type === LockType.Pessimistic) throw new KeyError({ kind: 'lock-type-not-match', key, startTs, expected: 'prewritten' });
    const type = writeTypeOfLock(lock);
    const write = { type, startTs, ...(type === WriteType.Put && lock.shortValue !== undefined ? { shortValue: lock.shortValue } : {}) };
    if (type === WriteType.Put || type === WriteType.Delete) txn.putDataWrite(key, commitTs, write);
    else txn.putWrite(key, commitTs, write);
    txn.unlockKey(key);
    return;
  }
  const record = await reader.getTxnCommitRecord(key, startTs);
  if (record.kind === 'committed') return;
  throw new KeyError({ kind: 'txn-lock-not-found', key, startTs, commitTs });
}
