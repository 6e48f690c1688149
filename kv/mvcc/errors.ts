import type { Timestamp } from '../../common/ids.js';
import type { Lock } from './txn-types.js';

/** Lock information as reported to clients, enough to resolve the lock. */
export interface LockInfo {
  readonly key: Uint8Array;
  readonly primary: Uint8Array;
  readonly startTs: Timestamp;
  readonly ttlMs: bigint;
  readonly type: Lock['type'];
  readonly txnSize: bigint;
  readonly forUpdateTs: Timestamp;
  readonly minCommitTs: Timestamp;
  readonly useAsyncCommit: boolean;
  readonly secondaries: readonly Uint8Array[];
}

export function lockInfo(key: Uint8Array, lock: Lock): LockInfo {
  return {
    key,
    primary: lock.primary,
    startTs: lock.startTs,
    ttlMs: lock.ttlMs,
    type: lock.type,
    txnSize: lock.txnSize,
    forUpdateTs: lock.forUpdateTs,
    minCommitTs: lock.minCommitTs,
    useAsyncCommit: lock.useAsyncCommit,
    secondaries: lock.secondaries,
  };
}

/** Every way a transactional command can fail on one key (kvrpcpb's KeyError cases). */
export type KeyErrorDetail =
  | { readonly kind: 'key-is-locked'; readonly lock: LockInfo }
  | {
      readonly kind: 'write-conflict';
      readonly key: Uint8Array;
      readonly primary: Uint8Array;
      readonly startTs: Timestamp;
      readonly conflictStartTs: Timestamp;
      readonly conflictCommitTs: Timestamp;
      readonly reason: 'optimistic' | 'pessimistic-retry' | 'self-rolled-back';
    }
  | { readonly kind: 'already-exist'; readonly key: Uint8Array }
  | { readonly kind: 'txn-lock-not-found'; readonly key: Uint8Array; readonly startTs: Timestamp; readonly commitTs: Timestamp }
  | { readonly kind: 'committed'; readonly key: Uint8Array; readonly startTs: Timestamp; readonly commitTs: Timestamp }
  | { readonly kind: 'txn-not-found'; readonly primary: Uint8Array; readonly startTs: Timestamp }
  | { readonly kind: 'commit-ts-expired'; readonly key: Uint8Array; readonly startTs: Timestamp; readonly commitTs: Timestamp; readonly minCommitTs: Timestamp }
  | { readonly kind: 'commit-ts-too-large'; readonly commitTs: Timestamp }
  | { readonly kind: 'pessimistic-lock-not-found'; readonly key: Uint8Array; readonly startTs: Timestamp }
  | { readonly kind: 'pessimistic-lock-rolled-back'; readonly key: Uint8Array; readonly startTs: Timestamp }
  | { readonly kind: 'lock-type-not-match'; readonly key: Uint8Array; readonly startTs: Timestamp; readonly expected: string }
  | {
      readonly kind: 'deadlock';
      /** The key whose lock the request would have waited for, and the txn holding it. */
      readonly key: Uint8Array;
      readonly lockTs: Timestamp;
      readonly deadlockKeyHash: bigint;
    };

function describe(detail: KeyErrorDetail): string {
  const key = 'key' in detail ? Buffer.from(detail.key).toString('hex') : 'lock' in detail ? Buffer.from(detail.lock.key).toString('hex') : '';
  switch (detail.kind) {
    case 'key-is-locked':
      return `key ${key} is locked by txn ${detail.lock.startTs} (primary ${Buffer.from(detail.lock.primary).toString('hex')}, ttl ${detail.lock.ttlMs} ms)`;
    case 'write-conflict':
      return `write conflict on key ${key}: txn ${detail.startTs} meets a commit at ${detail.conflictCommitTs} (of txn ${detail.conflictStartTs}), ${detail.reason}`;
    case 'already-exist':
      return `key ${key} already exists`;
    case 'txn-lock-not-found':
      return `txn ${detail.startTs} has no lock on key ${key} to commit at ${detail.commitTs}`;
    case 'committed':
      return `txn ${detail.startTs} is already committed at ${detail.commitTs} (key ${key})`;
    case 'txn-not-found':
      return `txn ${detail.startTs} not found on primary ${Buffer.from(detail.primary).toString('hex')}`;
    case 'commit-ts-expired':
      return `commit ts ${detail.commitTs} of txn ${detail.startTs} is below its min commit ts ${detail.minCommitTs} (key ${key})`;
    case 'commit-ts-too-large':
      return `commit ts ${detail.commitTs} exceeds the max commit ts`;
    case 'pessimistic-lock-not-found':
      return `txn ${detail.startTs} has no pessimistic lock on key ${key}`;
    case 'pessimistic-lock-rolled-back':
      return `the pessimistic lock of txn ${detail.startTs} on key ${key} was rolled back`;
    case 'lock-type-not-match':
      return `lock of txn ${detail.startTs} on key ${key} is not a ${detail.expected} lock`;
    case 'deadlock':
      return `deadlock: waiting for the lock of txn ${detail.lockTs} on key ${key} would close a cycle of waiting transactions`;
  }
}

/** A typed per-key error of a transactional command. */
export class KeyError extends Error {
  override readonly name = 'KeyError';
  readonly detail: KeyErrorDetail;

  constructor(detail: KeyErrorDetail) {
    super(describe(detail));
    this.detail = detail;
  }
}

export function isKeyError(error: unknown, kind?: KeyErrorDetail['kind']): error is KeyError {
  return error instanceof KeyError && (kind === undefined || error.detail.kind === kind);
}
