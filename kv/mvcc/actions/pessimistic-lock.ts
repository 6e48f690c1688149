import { maxTimestamp, type Timestamp } from '../../../common/ids.js';
import { KeyError, lockInfo } from '../errors.js';
import type { MvccTxn } from '../mvcc-txn.js';
import type { MvccReader } from '../reader.js';
import { LockType, makeLock, WriteType } from '../txn-types.js';

export interface PessimisticLockRequest {
  readonly key: Uint8Array;
  readonly primary: Uint8Array;
  readonly startTs: Timestamp;
  readonly forUpdateTs: Timestamp;
  readonly lockTtlMs: bigint;
  /** INSERT semantics: fail with AlreadyExist if the key has a value. */
  readonly shouldNotExist?: boolean;
  /** Return the key's latest committed value (SELECT ... FOR UPDATE). */
  readonly returnValue?: boolean;
}

/**
 * Takes a pessimistic lock at DML time (MySQL's locking reads and writes). A commit
 * newer than forUpdateTs is a write conflict: the statement retries with a newer
 * forUpdateTs. Re-locking a key we hold only raises its forUpdateTs.
 */
export async function acquirePessimisticLock(reader: MvccReader, txn: MvccTxn, request: PessimisticLockRequest): Promise<Uint8Array | undefined> {
  const { key, startTs, forUpdateTs } = request;
  const lock = await reader.loadLock(key);
  if (lock !== undefined) {
    if (lock.startTs !== startTs) throw new KeyError({ kind: 'key-is-locked', lock: lockInfo(key, lock) });
    if (lock.type === LockType.Pessimistic && lock.forUpdateTs < forUpdateTs) txn.putLock(key, { ...lock, forUpdateTs });
    return request.returnValue === true ? reader.getValue(key, maxTimestamp) : undefined;
  }
  const newest = await reader.seekWrite(key, maxTimestamp);
  if (newest !== undefined) {
    if (newest.commitTs > forUpdateTs) {
      throw new KeyError({
        kind: 'write-conflict',
        key,
        primary: request.primary,
        startTs,
        conflictStartTs: newest.write.startTs,
        conflictCommitTs: newest.commitTs,
        reason: 'pessimistic-retry',
      });
    }
  }
  const record = await reader.getTxnCommitRecord(key, startTs);
  if (record.kind === 'rolled-back') throw new KeyError({ kind: 'pessimistic-lock-rolled-back', key, startTs });
  if (record.kind === 'committed') throw new KeyError({ kind: 'committed', key, startTs, commitTs: record.commitTs });
  const visible = await reader.getWrite(key, maxTimestamp);
  if (request.shouldNotExist === true && visible !== undefined && visible.write.type === WriteType.Put) throw new KeyError({ kind: 'already-exist', key });
  txn.putLock(key, makeLock({ type: LockType.Pessimistic, primary: request.primary, startTs, ttlMs: request.lockTtlMs, forUpdateTs }));
  if (request.returnValue !== true || visible === undefined || visible.write.type !== WriteType.Put) return undefined;
  return reader.loadValue(key, visible.write);
}

/** Releases pessimistic locks of ours taken at or below forUpdateTs (a statement rolled back). */
export async function pessimisticRollback(reader: MvccReader, txn: MvccTxn, keys: readonly Uint8Array[], startTs: Timestamp, forUpdateTs: Timestamp): Promise<void> {
  for (const key of keys) {
    const lock = await reader.loadLock(key);
    if (lock !== undefined && lock.startTs === startTs && lock.type === LockType.Pessimistic && lock.forUpdateTs <= forUpdateTs) txn.unlockKey(key);
  }
}
