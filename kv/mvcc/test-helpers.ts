import assert from 'node:assert/strict';
import { asTimestamp, composeTimestamp, type Timestamp } from '../../common/ids.js';
import { MemoryEngine } from '../engine/memory-engine.js';
import { checkTxnStatus, type CheckTxnStatusRequest, type TxnStatus } from './actions/check-txn-status.js';
import { commitKey } from './actions/commit.js';
import { type Mutation, prewriteKey, type PrewriteProps } from './actions/prewrite.js';
import { rollbackKey } from './actions/rollback.js';
import { isKeyError, type KeyError, type KeyErrorDetail } from './errors.js';
import { pointGet } from './point-getter.js';
import { MvccStore } from './store.js';
import type { Lock } from './txn-types.js';

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
export const text = (value: Uint8Array | undefined): string | undefined => (value === undefined ? undefined : new TextDecoder().decode(value));

/** A timestamp whose physical part is `physicalMs`, for TTL arithmetic. */
export function tsAt(physicalMs: number, logical = 0): Timestamp {
  return composeTimestamp(BigInt(physicalMs), BigInt(logical));
}

/** Small plain timestamps for scenario tests (physical time 0). */
export function ts(value: number): Timestamp {
  return asTimestamp(BigInt(value));
}

export function newStore(): MvccStore {
  return new MvccStore(new MemoryEngine());
}

export function prewriteProps(primary: string, startTs: Timestamp, overrides: Partial<PrewriteProps> = {}): PrewriteProps {
  return {
    startTs,
    primary: bytes(primary),
    lockTtlMs: 3000n,
    txnSize: 1n,
    forUpdateTs: asTimestamp(0n),
    minCommitTs: asTimestamp(0n),
    maxCommitTs: asTimestamp(0n),
    useAsyncCommit: false,
    secondaries: [],
    tryOnePc: false,
    maxReadTs: asTimestamp(0n),
    ...overrides,
  };
}

export async function mustPrewrite(store: MvccStore, mutation: Mutation, primary: string, startTs: Timestamp, overrides: Partial<PrewriteProps> = {}, isPessimisticLock = false): Promise<Timestamp> {
  const result = await store.write((reader, txn) => prewriteKey(reader, txn, prewriteProps(primary, startTs, overrides), mutation, isPessimisticLock));
  return result.minCommitTs;
}

export function mustPrewritePut(store: MvccStore, key: string, value: string, primary: string, startTs: Timestamp): Promise<Timestamp> {
  return mustPrewrite(store, { op: 'put', key: bytes(key), value: bytes(value) }, primary, startTs);
}

export function mustPrewriteDelete(store: MvccStore, key: string, primary: string, startTs: Timestamp): Promise<Timestamp> {
  return mustPrewrite(store, { op: 'delete', key: bytes(key) }, primary, startTs);
}

export async function mustPrewriteError(store: MvccStore, mutation: Mutation, primary: string, startTs: Timestamp, kind: KeyErrorDetail['kind'], overrides: Partial<PrewriteProps> = {}): Promise<KeyError> {
  return mustFail(store.write((reader, txn) => prewriteKey(reader, txn, prewriteProps(primary, startTs, overrides), mutation, false)), kind);
}

export async function mustCommit(store: MvccStore, key: string, startTs: Timestamp, commitTs: Timestamp): Promise<void> {
  await store.write((reader, txn) => commitKey(reader, txn, bytes(key), startTs, commitTs));
}

export async function mustCommitError(store: MvccStore, key: string, startTs: Timestamp, commitTs: Timestamp, kind: KeyErrorDetail['kind']): Promise<KeyError> {
  return mustFail(store.write((reader, txn) => commitKey(reader, txn, bytes(key), startTs, commitTs)), kind);
}

export async function mustRollback(store: MvccStore, key: string, startTs: Timestamp, currentTs: Timestamp | 0n = 0n): Promise<void> {
  await store.write((reader, txn) => rollbackKey(reader, txn, bytes(key), startTs, currentTs));
}

export async function mustGet(store: MvccStore, key: string, readTs: Timestamp, expected: string | undefined): Promise<void> {
  const value = await store.read((reader) => pointGet(reader, bytes(key), readTs));
  assert.equal(text(value), expected, `get ${key} at ${readTs}`);
}

export async function mustGetLocked(store: MvccStore, key: string, readTs: Timestamp): Promise<KeyError> {
  return mustFail(store.read((reader) => pointGet(reader, bytes(key), readTs)), 'key-is-locked');
}

export async function mustLocked(store: MvccStore, key: string, startTs: Timestamp): Promise<Lock> {
  const lock = await store.read((reader) => reader.loadLock(bytes(key)));
  assert.ok(lock !== undefined, `${key} should be locked`);
  assert.equal(lock.startTs, startTs, `${key} should be locked by ${startTs}`);
  return lock;
}

export async function mustUnlocked(store: MvccStore, key: string): Promise<void> {
  const lock = await store.read((reader) => reader.loadLock(bytes(key)));
  assert.equal(lock, undefined, `${key} should not be locked`);
}

export async function mustCheckTxnStatus(
  store: MvccStore,
  request: Partial<Omit<CheckTxnStatusRequest, 'primary'>> & Pick<CheckTxnStatusRequest, 'lockTs'> & { primary: string },
): Promise<TxnStatus> {
  return store.write((reader, txn) =>
    checkTxnStatus(reader, txn, {
      callerStartTs: asTimestamp(0n),
      currentTs: asTimestamp(0n),
      rollbackIfNotExist: false,
      ...request,
      primary: bytes(request.primary),
    }),
  );
}

export async function mustFail<T>(promise: Promise<T>, kind: KeyErrorDetail['kind']): Promise<KeyError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isKeyError(error, kind), `expected KeyError ${kind}, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected KeyError ${kind}, but the command succeeded`);
}
