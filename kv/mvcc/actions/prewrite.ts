import { asTimestamp, maxTimestamp, type Timestamp } from '../../../common/ids.js';
import { KeyError, lockInfo } from '../errors.js';
import type { MvccTxn } from '../mvcc-txn.js';
import type { MvccReader } from '../reader.js';
import { type Lock, LockType, makeLock, shortValueMaxBytes, WriteType } from '../txn-types.js';
import { writeTypeOfLock } from './common.js';

export type MutationOp = 'put' | 'delete' | 'lock' | 'insert' | 'check-not-exists';

export interface Mutation {
  readonly op: MutationOp;
  readonly key: Uint8Array;
  readonly value?: Uint8Array;
}

export interface PrewriteProps {
  readonly startTs: Timestamp;
  readonly primary: Uint8Array;
  readonly lockTtlMs: bigint;
  readonly txnSize: bigint;
  /** Non-zero for pessimistic transactions. */
  readonly forUpdateTs: Timestamp;
  readonly minCommitTs: Timestamp;
  /** For async commit and 1PC: the commit ts may not exceed this (0 = unbounded). */
  readonly maxCommitTs: Timestamp;
  readonly useAsyncCommit: boolean;
  /** On the primary of an async-commit transaction: the other keys. */
  readonly secondaries: readonly Uint8Array[];
  /** Commit at once if this batch holds the whole transaction. */
  readonly tryOnePc: boolean;
  /** The store's maximum read ts seen so far (the concurrency manager's max_ts). */
  readonly maxReadTs: Timestamp;
}

export interface PrewriteKeyResult {
  /** For async commit and 1PC: the lowest ts this key may commit at. */
  readonly minCommitTs: Timestamp;
}

/**
 * Prewrites one key (Percolator's first phase). `isPessimisticLock` says the key was
 * locked by a pessimistic lock of this transaction, so no write-conflict check is
 * needed; such a key must still hold that lock.
 */
export async function prewriteKey(
  reader: MvccReader,
  txn: MvccTxn,
  props: PrewriteProps,
  mutation: Mutation,
  isPessimisticLock: boolean,
): Promise<PrewriteKeyResult> {
  const { key } = mutation;
  const existing = await reader.loadLock(key);
  if (existing !== undefined) {
    if (existing.startTs !== props.startTs) throw new KeyError({ kind: 'key-is-locked', lock: lockInfo(key, existing) });
    if (existing.type !== LockType.Pessimistic) {
      // Our own prewrite, retried: nothing to do.
      return { minCommitTs: existing.minCommitTs };
    }
    if (!isPessimisticLock) {
      // A pessimistic lock of ours on a key prewritten optimistically: treat as locked.
      throw new KeyError({ kind: 'lock-type-not-match', key, startTs: props.startTs, expected: 'prewrite' });
    }
  } else if (isPessimisticLock) {
    // The pessimistic lock was lost (resolved by another transaction): the key may have changed.
    const record = await reader.getTxnCommitRecord(key, props.startTs);
    if (record.kind === 'committed') return { minCommitTs: asTimestamp(0n) };
    throw new KeyError({ kind: 'pessimistic-lock-not-found', key, startTs: props.startTs });
  } else {
    await checkForNewerVersion(reader, props, key);
  }

  if (mutation.op === 'insert' || mutation.op === 'check-not-exists') await checkNotExists(reader, key);
  if (mutation.op === 'check-not-exists') return { minCommitTs: asTimestamp(0n) };

  const lockType = mutation.op === 'delete' ? LockType.Delete : mutation.op === 'lock' ? LockType.Lock : LockType.Put;
  let minCommitTs: bigint = props.minCommitTs;
  if (props.useAsyncCommit || props.tryOnePc) {
    // Above every read this store has served, so committing cannot change what a
    // finished read saw.
    minCommitTs = maxOf(minCommitTs, props.maxReadTs + 1n, props.startTs + 1n, props.forUpdateTs + 1n);
    if (props.maxCommitTs > 0n && minCommitTs > props.maxCommitTs) throw new KeyError({ kind: 'commit-ts-too-large', commitTs: asTimestamp(minCommitTs) });
  }
  const value = mutation.value ?? new Uint8Array(0);
  const isShort = lockType !== LockType.Put || value.length <= shortValueMaxBytes;
  const isPrimary = compareKeys(key, props.primary);
  const lock: Lock = makeLock({
    type: lockType,
    primary: props.primary,
    startTs: props.startTs,
    ttlMs: props.lockTtlMs,
    ...(lockType === LockType.Put && isShort ? { shortValue: value } : {}),
    forUpdateTs: props.forUpdateTs,
    txnSize: props.txnSize,
    minCommitTs: asTimestamp(minCommitTs),
    useAsyncCommit: props.useAsyncCommit,
    secondaries: props.useAsyncCommit && isPrimary ? props.secondaries : [],
  });
  if (lockType === LockType.Put && !isShort) txn.putValue(key, props.startTs, value);
  if (props.tryOnePc) {
    // 1PC: no lock; once every key passed these checks the caller writes the commit
    // records at the batch's largest minCommitTs (commitOnePc). A pessimistic lock of
    // ours goes away with them.
    if (existing !== undefined) txn.unlockKey(key);
    return { minCommitTs: asTimestamp(minCommitTs) };
  }
  txn.putLock(key, lock);
  return { minCommitTs: asTimestamp(minCommitTs) };
}

function maxOf(...values: bigint[]): bigint {
  return values.reduce((a, b) => (a > b ? a : b));
}

function compareKeys(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

/** First committer wins: a commit after our start, or our own rollback, is a conflict. */
async function checkForNewerVersion(reader: MvccReader, props: PrewriteProps, key: Uint8Array): Promise<void> {
  const newest = await reader.seekWrite(key, maxTimestamp);
  if (newest === undefined) return;
  if (newest.commitTs > props.startTs) {
    throw new KeyError({
      kind: 'write-conflict',
      key,
      primary: props.primary,
      startTs: props.startTs,
      conflictStartTs: newest.write.startTs,
      conflictCommitTs: newest.commitTs,
      reason: 'optimistic',
    });
  }
  if (newest.commitTs === props.startTs && (newest.write.type === WriteType.Rollback || newest.write.hasOverlappedRollback === true)) {
    throw new KeyError({
      kind: 'write-conflict',
      key,
      primary: props.primary,
      startTs: props.startTs,
      conflictStartTs: newest.write.startTs,
      conflictCommitTs: newest.commitTs,
      reason: 'self-rolled-back',
    });
  }
}

/** For INSERT: the key must have no visible value (the newest Put/Delete is not a Put). */
async function checkNotExists(reader: MvccReader, key: Uint8Array): Promise<void> {
  const found = await reader.getWrite(key, maxTimestamp);
  if (found !== undefined && found.write.type === WriteType.Put) throw new KeyError({ kind: 'already-exist', key });
}

/**
 * Writes the commit records of a 1PC prewrite directly, at `commitTs`: the batch held
 * every key of the transaction, so no lock is needed.
 */
export function commitOnePc(txn: MvccTxn, startTs: Timestamp, commitTs: Timestamp, mutations: readonly Mutation[]): void {
  for (const mutation of mutations) {
    if (mutation.op === 'check-not-exists') continue;
    const value = mutation.value ?? new Uint8Array(0);
    const lockType = mutation.op === 'delete' ? LockType.Delete : mutation.op === 'lock' ? LockType.Lock : LockType.Put;
    const type = writeTypeOfLock(makeLock({ type: lockType, primary: mutation.key, startTs, ttlMs: 0n }));
    const isShort = value.length <= shortValueMaxBytes;
    const write = { type, startTs, ...(type === WriteType.Put && isShort ? { shortValue: value } : {}) };
    if (type === WriteType.Put || type === WriteType.Delete) txn.putDataWrite(mutation.key, commitTs, write);
    else txn.putWrite(mutation.key, commitTs, write);
  }
}
