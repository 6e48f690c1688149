import type * as kvrpcpb from '../../../proto/gen/kvrpcpb.js';
import { DeadlockError, KeyExistsError, TxnAbortedError, WriteConflictError, type KvClientError } from '../errors.js';

/**
 * A transactional KeyError as the client acts on it: a lock to resolve (and retry
 * after), or a typed error that ends the operation.
 */
export function classifyKeyError(error: kvrpcpb.KeyError): { readonly lock: kvrpcpb.LockInfo } | { readonly fatal: KvClientError } {
  if (error.locked !== undefined) return { lock: error.locked };
  if (error.conflict !== undefined) {
    const conflict = error.conflict;
    return { fatal: new WriteConflictError(conflict.key, conflict.startTs, conflict.conflictTs, conflict.conflictCommitTs) };
  }
  if (error.alreadyExist !== undefined) return { fatal: new KeyExistsError(error.alreadyExist.key) };
  if (error.deadlock !== undefined) return { fatal: new DeadlockError(error.deadlock.lockKey, error.deadlock.lockTs) };
  if (error.txnLockNotFound !== undefined) return { fatal: new TxnAbortedError(`the transaction's lock on key ${Buffer.from(error.txnLockNotFound.key).toString('hex')} is gone: it was rolled back`) };
  if (error.commitTsExpired !== undefined) return { fatal: new TxnAbortedError(`commit ts ${error.commitTsExpired.attemptedCommitTs} is below the lock's min commit ts ${error.commitTsExpired.minCommitTs}`) };
  if (error.txnNotFound !== undefined) return { fatal: new TxnAbortedError(`transaction ${error.txnNotFound.startTs} not found`) };
  return { fatal: new TxnAbortedError(error.abort !== '' ? error.abort : error.retryable !== '' ? error.retryable : 'the store refused the transactional request') };
}
