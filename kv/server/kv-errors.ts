import type * as errorpb from '../../proto/gen/errorpb.js';
import * as kvrpcpb from '../../proto/gen/kvrpcpb.js';
import { KeyError, type LockInfo } from '../mvcc/errors.js';
import { LockType } from '../mvcc/txn-types.js';
import { RegionError } from '../raftstore/region-errors.js';

/**
 * Several per-key errors of one command (a prewrite meeting several locks): the client
 * resolves all of them before it retries, so all of them go back.
 */
export class KeyErrors extends Error {
  override readonly name = 'KeyErrors';
  readonly errors: readonly KeyError[];

  constructor(errors: readonly KeyError[]) {
    super(errors.map((error) => error.message).join('; '));
    this.errors = errors;
  }
}

/** A request the service refuses before running it (empty key, unknown op, bad limit). */
export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError';
}

/** How a failed command is reported: a region error, per-key errors, or a message. */
export type Failure =
  | { readonly kind: 'region'; readonly error: errorpb.Error }
  | { readonly kind: 'keys'; readonly errors: kvrpcpb.KeyError[] }
  | { readonly kind: 'other'; readonly message: string };

export function classifyFailure(error: unknown): Failure {
  if (error instanceof RegionError) return { kind: 'region', error: error.error };
  if (error instanceof KeyError) return { kind: 'keys', errors: [keyErrorToProto(error)] };
  if (error instanceof KeyErrors) return { kind: 'keys', errors: error.errors.map(keyErrorToProto) };
  return { kind: 'other', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
}

/** The response fields of a failure for responses with one `error: KeyError`. */
export function singleKeyErrorFields(failure: Failure): { regionError?: errorpb.Error; error?: kvrpcpb.KeyError } {
  switch (failure.kind) {
    case 'region':
      return { regionError: failure.error };
    case 'keys':
      return failure.errors[0] === undefined ? {} : { error: failure.errors[0] };
    case 'other':
      return { error: kvrpcpb.KeyError.create({ abort: failure.message }) };
  }
}

/** The response fields of a failure for responses with `errors: KeyError[]`. */
export function keyErrorListFields(failure: Failure): { regionError?: errorpb.Error; errors: kvrpcpb.KeyError[] } {
  switch (failure.kind) {
    case 'region':
      return { regionError: failure.error, errors: [] };
    case 'keys':
      return { errors: failure.errors };
    case 'other':
      return { errors: [kvrpcpb.KeyError.create({ abort: failure.message })] };
  }
}

/** The response fields of a failure for responses whose `error` is a string (raw KV). */
export function stringErrorFields(failure: Failure): { regionError?: errorpb.Error; error: string } {
  switch (failure.kind) {
    case 'region':
      return { regionError: failure.error, error: '' };
    case 'keys':
      return { error: failure.errors.map((error) => error.abort || error.retryable || 'key error').join('; ') };
    case 'other':
      return { error: failure.message };
  }
}

export function lockTypeToOp(type: LockInfo['type']): kvrpcpb.Op {
  switch (type) {
    case LockType.Put:
      return kvrpcpb.Op.Put;
    case LockType.Delete:
      return kvrpcpb.Op.Del;
    case LockType.Lock:
      return kvrpcpb.Op.Lock;
    case LockType.Pessimistic:
      return kvrpcpb.Op.PessimisticLock;
  }
}

export function lockInfoToProto(lock: LockInfo): kvrpcpb.LockInfo {
  return {
    primaryLock: Buffer.from(lock.primary),
    lockVersion: lock.startTs,
    key: Buffer.from(lock.key),
    lockTtl: lock.ttlMs,
    txnSize: lock.txnSize,
    lockType: lockTypeToOp(lock.type),
    lockForUpdateTs: lock.forUpdateTs,
    useAsyncCommit: lock.useAsyncCommit,
    minCommitTs: lock.minCommitTs,
    secondaries: lock.secondaries.map((key) => Buffer.from(key)),
  };
}

/** kvrpcpb's KeyError for one typed MVCC error; cases without a field of their own abort. */
export function keyErrorToProto(error: KeyError): kvrpcpb.KeyError {
  const detail = error.detail;
  switch (detail.kind) {
    case 'key-is-locked':
      return kvrpcpb.KeyError.create({ locked: lockInfoToProto(detail.lock) });
    case 'write-conflict':
      return kvrpcpb.KeyError.create({
        conflict: {
          startTs: detail.startTs,
          conflictTs: detail.conflictStartTs,
          key: Buffer.from(detail.key),
          primary: Buffer.from(detail.primary),
          conflictCommitTs: detail.conflictCommitTs,
        },
        // A pessimistic statement retries with a newer forUpdateTs; the others restart.
        retryable: error.message,
      });
    case 'already-exist':
      return kvrpcpb.KeyError.create({ alreadyExist: { key: Buffer.from(detail.key) } });
    case 'txn-lock-not-found':
      return kvrpcpb.KeyError.create({ txnLockNotFound: { key: Buffer.from(detail.key) }, abort: error.message });
    case 'txn-not-found':
      return kvrpcpb.KeyError.create({ txnNotFound: { startTs: detail.startTs, primaryKey: Buffer.from(detail.primary) } });
    case 'commit-ts-expired':
      return kvrpcpb.KeyError.create({
        commitTsExpired: { startTs: detail.startTs, attemptedCommitTs: detail.commitTs, key: Buffer.from(detail.key), minCommitTs: detail.minCommitTs },
      });
    case 'commit-ts-too-large':
      return kvrpcpb.KeyError.create({ commitTsTooLarge: { commitTs: detail.commitTs } });
    case 'deadlock':
      return kvrpcpb.KeyError.create({ deadlock: { lockTs: detail.lockTs, lockKey: Buffer.from(detail.key), deadlockKeyHash: detail.deadlockKeyHash } });
    case 'committed':
    case 'pessimistic-lock-not-found':
    case 'pessimistic-lock-rolled-back':
    case 'lock-type-not-match':
      return kvrpcpb.KeyError.create({ abort: error.message });
  }
}
