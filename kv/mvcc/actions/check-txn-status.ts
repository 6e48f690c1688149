import { asTimestamp, maxTimestamp, type Timestamp } from '../../../common/ids.js';
import { KeyError } from '../errors.js';
import type { MvccTxn } from '../mvcc-txn.js';
import type { MvccReader } from '../reader.js';
import { type Lock, LockType } from '../txn-types.js';
import { isLockExpired, rollbackLock, writeRollbackRecord } from './common.js';

export interface CheckTxnStatusRequest {
  readonly primary: Uint8Array;
  /** The start ts of the transaction whose status is asked. */
  readonly lockTs: Timestamp;
  /** The start ts of the reader that met the lock (max ts: do not push minCommitTs). */
  readonly callerStartTs: Timestamp;
  readonly currentTs: Timestamp;
  /** Write a rollback record when the primary has neither lock nor commit record. */
  readonly rollbackIfNotExist: boolean;
  /** Decide an async-commit transaction by TTL like any other. */
  readonly forceSyncCommit?: boolean;
}

export type TxnStatus =
  | { readonly kind: 'committed'; readonly commitTs: Timestamp }
  | { readonly kind: 'rolled-back'; readonly action: 'none' | 'ttl-expire-rollback' | 'lock-not-exist-rollback' | 'ttl-expire-pessimistic-rollback' }
  | { readonly kind: 'locked'; readonly lock: Lock; readonly minCommitTsPushed: boolean };

/**
 * Decides the fate of a transaction from its primary key (what a reader that met one
 * of its locks asks): committed, rolled back (rolling it back now if its lock expired),
 * or still locked — in which case the lock's minCommitTs is pushed above the caller's
 * start ts, so the reader can go on without waiting.
 */
export async function checkTxnStatus(reader: MvccReader, txn: MvccTxn, request: CheckTxnStatusRequest): Promise<TxnStatus> {
  const { primary, lockTs } = request;
  const lock = await reader.loadLock(primary);
  if (lock !== undefined && lock.startTs === lockTs) {
    // An async-commit transaction may be committed through its secondaries even though
    // its primary is locked: only CheckSecondaryLocks can tell.
    if (lock.useAsyncCommit && request.forceSyncCommit !== true) return { kind: 'locked', lock, minCommitTsPushed: false };
    if (isLockExpired(lock, request.currentTs)) {
      if (lock.type === LockType.Pessimistic) {
        txn.unlockKey(primary);
        return { kind: 'rolled-back', action: 'ttl-expire-pessimistic-rollback' };
      }
      await rollbackLock(reader, txn, primary, lock);
      return { kind: 'rolled-back', action: 'ttl-expire-rollback' };
    }
    if (lock.type !== LockType.Pessimistic && request.callerStartTs !== maxTimestamp && lock.minCommitTs <= request.callerStartTs) {
      const pushed: Lock = { ...lock, minCommitTs: asTimestamp(request.callerStartTs + 1n) };
      txn.putLock(primary, pushed);
      return { kind: 'locked', lock: pushed, minCommitTsPushed: true };
    }
    return { kind: 'locked', lock, minCommitTsPushed: false };
  }
  const record = await reader.getTxnCommitRecord(primary, lockTs);
  if (record.kind === 'committed') return { kind: 'committed', commitTs: record.commitTs };
  if (record.kind === 'rolled-back') return { kind: 'rolled-back', action: 'none' };
  if (!request.rollbackIfNotExist) throw new KeyError({ kind: 'txn-not-found', primary, startTs: lockTs });
  // The primary was never prewritten (or its prewrite is still in flight): roll back
  // now so that prewrite, if it comes, fails.
  await writeRollbackRecord(reader, txn, primary, lockTs);
  return { kind: 'rolled-back', action: 'lock-not-exist-rollback' };
}
