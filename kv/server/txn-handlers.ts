import { keyAfter } from '../../common/codec/bytes.js';
import { encodeUserKey } from '../../common/codec/mvcc-key.js';
import { asTimestamp, maxTimestamp, type Timestamp, zeroTimestamp } from '../../common/ids.js';
import * as kvrpcpb from '../../proto/gen/kvrpcpb.js';
import { checkSecondaryLocks } from '../mvcc/actions/check-secondary-locks.js';
import { checkTxnStatus, type TxnStatus } from '../mvcc/actions/check-txn-status.js';
import { commitKey } from '../mvcc/actions/commit.js';
import { acquirePessimisticLock, pessimisticRollback } from '../mvcc/actions/pessimistic-lock.js';
import { commitOnePc, type Mutation, type MutationOp, prewriteKey, type PrewriteProps } from '../mvcc/actions/prewrite.js';
import { resolveLocks, scanLocksOfTxn } from '../mvcc/actions/resolve-lock.js';
import { rollbackKey } from '../mvcc/actions/rollback.js';
import { txnHeartBeat } from '../mvcc/actions/txn-heart-beat.js';
import type { MemoryLockGuard } from '../mvcc/concurrency-manager.js';
import { isKeyError, KeyError, lockInfo } from '../mvcc/errors.js';
import type { RaftKv, RegionContext } from '../raftstore/raft-kv.js';
import type { RaftStore } from '../raftstore/raft-store.js';
import { InvalidRequestError, KeyErrors, keyErrorListFields, keyErrorToProto, lockInfoToProto, singleKeyErrorFields, stringErrorFields } from './kv-errors.js';
import { guarded, type KvHandlers } from './kv-handlers.js';
import type { LockManager } from './lock-manager/lock-manager.js';
import { MaxTsSync } from './max-ts-sync.js';
import { resolveLockBatchKeys, scanMaxLimit } from './limits.js';
import {
  checkTxnKeysInRegion,
  intersectRanges,
  limitOf,
  readOptionsOf,
  regionContextOf,
  requireKey,
  requireKeys,
  scanRangeOf,
  txnRangeOfRegion,
} from './request-scope.js';

export type TxnCommandName =
  | 'get'
  | 'scan'
  | 'batchGet'
  | 'prewrite'
  | 'commit'
  | 'cleanup'
  | 'batchRollback'
  | 'checkTxnStatus'
  | 'checkSecondaryLocks'
  | 'resolveLock'
  | 'scanLock'
  | 'txnHeartBeat'
  | 'pessimisticLock'
  | 'pessimisticRollback'
  | 'gc'
  | 'deleteRange';

const empty = Buffer.alloc(0);

function prewriteOp(op: kvrpcpb.Op): MutationOp {
  switch (op) {
    case kvrpcpb.Op.Put:
      return 'put';
    case kvrpcpb.Op.Del:
      return 'delete';
    case kvrpcpb.Op.Lock:
      return 'lock';
    case kvrpcpb.Op.Insert:
      return 'insert';
    case kvrpcpb.Op.CheckNotExists:
      return 'check-not-exists';
    default:
      throw new InvalidRequestError(`mutation op ${op} cannot be prewritten`);
  }
}

function mutationOf(mutation: kvrpcpb.Mutation): Mutation {
  const op = prewriteOp(mutation.op);
  const key = requireKey(mutation.key, 'a mutation key');
  return op === 'put' || op === 'insert' ? { op, key, value: mutation.value } : { op, key };
}

/** A commit ts must follow the start ts; 0 means roll back where the command allows it. */
function checkCommitTs(startTs: bigint, commitTs: bigint, allowZero: boolean): void {
  if (allowZero && commitTs === 0n) return;
  if (commitTs <= startTs) throw new InvalidRequestError(`commit ts ${commitTs} must be above start ts ${startTs}`);
}

function actionOf(status: TxnStatus): kvrpcpb.Action {
  switch (status.kind) {
    case 'committed':
      return kvrpcpb.Action.NoAction;
    case 'locked':
      return status.minCommitTsPushed ? kvrpcpb.Action.MinCommitTsPushed : kvrpcpb.Action.NoAction;
    case 'rolled-back':
      switch (status.action) {
        case 'none':
          return kvrpcpb.Action.NoAction;
        case 'ttl-expire-rollback':
          return kvrpcpb.Action.TTLExpireRollback;
        case 'lock-not-exist-rollback':
          return kvrpcpb.Action.LockNotExistRollback;
        case 'ttl-expire-pessimistic-rollback':
          return kvrpcpb.Action.TTLExpirePessimisticRollback;
      }
  }
}

/** The transactional commands over Raft: reads after the read barrier, writes as Raft commands. */
/**
 * Runs `attempt` (a pessimistic lock acquisition) and, each time it meets another txn's
 * lock, waits for that lock through the lock manager and tries again, until it succeeds,
 * fails otherwise, or the wait budget is spent (then the lock error goes back, for the
 * client to resolve the lock). A deadlock ends it at once.
 */
async function withLockWaits<T>(kv: RaftKv, lockManager: LockManager, wait: { startTs: Timestamp; isFirstLock: boolean; budgetMs: number }, attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + wait.budgetMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      const remaining = deadline - Date.now();
      if (!isKeyError(error, 'key-is-locked') || error.detail.kind !== 'key-is-locked' || remaining <= 0) throw error;
      const lock = error.detail.lock;
      const outcome = await lockManager.waitFor({
        key: lock.key,
        lockKey: encodeUserKey(lock.key),
        lockTs: lock.startTs,
        startTs: wait.startTs,
        isFirstLock: wait.isFirstLock,
        timeoutMs: remaining,
        stillLocked: async () => (await kv.mvcc.read((reader) => reader.loadLock(lock.key)))?.startTs === lock.startTs,
      });
      if (outcome !== 'released') throw error;
    }
  }
}

/**
 * The transactional commands. With `timestamp` (PD's TSO), async-commit and 1PC
 * prewrites wait for the leader's max ts to be synced (see MaxTsSync); without it
 * (stores with no PD, in tests) they trust the local max ts.
 */
export function createTxnHandlers(store: RaftStore, kv: RaftKv, lockManager: LockManager, timestamp?: () => Promise<bigint>): Pick<KvHandlers, TxnCommandName> {
  const concurrency = kv.mvcc.concurrency;
  const maxTsSync = timestamp === undefined ? undefined : new MaxTsSync(store, concurrency, timestamp);
  if (maxTsSync !== undefined) {
    store.roleChangeListeners.add((region, leading) => {
      if (leading) maxTsSync.sync(region.id);
    });
  }

  /** Resolves every lock of txn `startTs` in the region, a bounded batch at a time. */
  async function resolveRegionLocks(context: RegionContext, startTs: Timestamp, commitTs: Timestamp): Promise<void> {
    let range = txnRangeOfRegion(store, context);
    for (;;) {
      const scanned = range;
      const keys = await kv.read(context, (mvcc) => mvcc.read((reader) => scanLocksOfTxn(reader, scanned.start, scanned.end, startTs, resolveLockBatchKeys)));
      if (keys.length === 0) return;
      await kv.write(context, keys, (reader, txn) => resolveLocks(reader, txn, keys, startTs, commitTs));
      if (keys.length < resolveLockBatchKeys) return;
      range = { start: keyAfter(keys[keys.length - 1]!), end: range.end };
    }
  }

  return {
    get: guarded(
      async (request: kvrpcpb.GetRequest) => {
        const context = regionContextOf(request.context);
        const key = requireKey(request.key);
        checkTxnKeysInRegion(store, context, [key]);
        const value = await kv.read(context, (mvcc) => mvcc.get(key, asTimestamp(request.version), readOptionsOf(request.context)));
        return kvrpcpb.GetResponse.create({ value: value === undefined ? empty : Buffer.from(value), notFound: value === undefined });
      },
      (failure) => kvrpcpb.GetResponse.create({ ...singleKeyErrorFields(failure), notFound: false }),
    ),

    scan: guarded(
      async (request: kvrpcpb.ScanRequest) => {
        const context = regionContextOf(request.context);
        const limit = limitOf(request.limit, scanMaxLimit);
        const range = intersectRanges(scanRangeOf(request.startKey, request.endKey, request.reverse), txnRangeOfRegion(store, context));
        const options = readOptionsOf(request.context);
        const entries = await kv.read(context, (mvcc) =>
          mvcc.scan({
            start: range.start,
            end: range.end,
            ts: asTimestamp(request.version),
            limit,
            keyOnly: request.keyOnly,
            reverse: request.reverse,
            ...(options.bypassLocks === undefined ? {} : { bypassLocks: options.bypassLocks }),
          }),
        );
        return kvrpcpb.ScanResponse.create({
          pairs: entries.map((entry) =>
            'error' in entry ? { key: Buffer.from(entry.key), value: empty, error: keyErrorToProto(entry.error) } : { key: Buffer.from(entry.key), value: Buffer.from(entry.value) },
          ),
        });
      },
      (failure) => kvrpcpb.ScanResponse.create(singleKeyErrorFields(failure)),
    ),

    batchGet: guarded(
      async (request: kvrpcpb.BatchGetRequest) => {
        const context = regionContextOf(request.context);
        const keys = requireKeys(request.keys);
        checkTxnKeysInRegion(store, context, keys);
        const entries = await kv.read(context, (mvcc) => mvcc.batchGet(keys, asTimestamp(request.version), readOptionsOf(request.context)));
        return kvrpcpb.BatchGetResponse.create({
          pairs: entries.map((entry) => {
            if (!('error' in entry)) return { key: Buffer.from(entry.key), value: Buffer.from(entry.value) };
            const error = entry.error instanceof KeyError ? keyErrorToProto(entry.error) : kvrpcpb.KeyError.create({ abort: entry.error.message });
            return { key: Buffer.from(entry.key), value: empty, error };
          }),
        });
      },
      (failure) => kvrpcpb.BatchGetResponse.create(singleKeyErrorFields(failure)),
    ),

    prewrite: guarded(
      async (request: kvrpcpb.PrewriteRequest) => {
        const context = regionContextOf(request.context);
        if (request.mutations.length === 0) throw new InvalidRequestError('a prewrite needs at least one mutation');
        const mutations = request.mutations.map(mutationOf);
        const keys = requireKeys(mutations.map((mutation) => mutation.key), 'mutations');
        const pessimistic = request.isPessimisticLock;
        if (pessimistic.length !== 0 && pessimistic.length !== mutations.length) {
          throw new InvalidRequestError(`isPessimisticLock has ${pessimistic.length} flags for ${mutations.length} mutations`);
        }
        const startTs = asTimestamp(request.startVersion);
        const props: Omit<PrewriteProps, 'maxReadTs'> = {
          startTs,
          primary: requireKey(request.primaryLock, 'primaryLock'),
          lockTtlMs: request.lockTtl,
          txnSize: request.txnSize,
          forUpdateTs: asTimestamp(request.forUpdateTs),
          minCommitTs: asTimestamp(request.minCommitTs),
          maxCommitTs: asTimestamp(request.maxCommitTs),
          useAsyncCommit: request.useAsyncCommit,
          secondaries: request.secondaries,
          tryOnePc: request.tryOnePc,
        };
        checkTxnKeysInRegion(store, context, keys);
        // Async commit and 1PC choose their commit ts from the store's max read ts; their keys
        // stay in the memory lock table until the write has applied (see ConcurrencyManager).
        const usesMaxTs = props.useAsyncCommit || props.tryOnePc;
        if (usesMaxTs) maxTsSync?.check(context.regionId);
        const held: { guard?: MemoryLockGuard } = {};
        try {
          const result = await kv.write(context, keys, async (reader, txn) => {
            if (usesMaxTs) held.guard = concurrency.lockKeys(keys, startTs);
            const fullProps: PrewriteProps = { ...props, maxReadTs: usesMaxTs ? concurrency.maxTs() : zeroTimestamp };
            const errors: KeyError[] = [];
            let minCommitTs = 0n;
            for (let index = 0; index < mutations.length; index++) {
              try {
                const outcome = await prewriteKey(reader, txn, fullProps, mutations[index]!, pessimistic[index] ?? false);
                if (outcome.minCommitTs > minCommitTs) minCommitTs = outcome.minCommitTs;
              } catch (error) {
                // Every key's error goes back, so the client resolves all the locks at once.
                if (!(error instanceof KeyError)) throw error;
                errors.push(error);
              }
            }
            if (errors.length > 0) throw new KeyErrors(errors);
            if (!usesMaxTs) return { minCommitTs: 0n, onePcCommitTs: 0n };
            if (!props.tryOnePc) return { minCommitTs, onePcCommitTs: 0n };
            const commitTs = asTimestamp(minCommitTs > startTs ? minCommitTs : startTs + 1n);
            commitOnePc(txn, startTs, commitTs, mutations);
            return { minCommitTs: commitTs, onePcCommitTs: commitTs };
          });
          return kvrpcpb.PrewriteResponse.create(result);
        } finally {
          held.guard?.release();
        }
      },
      (failure) => kvrpcpb.PrewriteResponse.create(keyErrorListFields(failure)),
    ),

    commit: guarded(
      async (request: kvrpcpb.CommitRequest) => {
        const context = regionContextOf(request.context);
        const keys = requireKeys(request.keys);
        checkCommitTs(request.startVersion, request.commitVersion, false);
        checkTxnKeysInRegion(store, context, keys);
        const startTs = asTimestamp(request.startVersion);
        const commitTs = asTimestamp(request.commitVersion);
        await kv.write(context, keys, async (reader, txn) => {
          for (const key of keys) await commitKey(reader, txn, key, startTs, commitTs);
        });
        return kvrpcpb.CommitResponse.create({ commitVersion: commitTs });
      },
      (failure) => kvrpcpb.CommitResponse.create(singleKeyErrorFields(failure)),
    ),

    cleanup: guarded(
      async (request: kvrpcpb.CleanupRequest) => {
        const context = regionContextOf(request.context);
        const key = requireKey(request.key);
        checkTxnKeysInRegion(store, context, [key]);
        const startTs = asTimestamp(request.startVersion);
        const currentTs = asTimestamp(request.currentTs);
        try {
          await kv.write(context, [key], (reader, txn) => rollbackKey(reader, txn, key, startTs, currentTs));
        } catch (error) {
          // A committed transaction cannot be cleaned up: the caller learns its commit ts.
          if (error instanceof KeyError && error.detail.kind === 'committed') return kvrpcpb.CleanupResponse.create({ commitVersion: error.detail.commitTs });
          throw error;
        }
        return kvrpcpb.CleanupResponse.create({});
      },
      (failure) => kvrpcpb.CleanupResponse.create(singleKeyErrorFields(failure)),
    ),

    batchRollback: guarded(
      async (request: kvrpcpb.BatchRollbackRequest) => {
        const context = regionContextOf(request.context);
        const keys = requireKeys(request.keys);
        checkTxnKeysInRegion(store, context, keys);
        const startTs = asTimestamp(request.startVersion);
        await kv.write(context, keys, async (reader, txn) => {
          for (const key of keys) await rollbackKey(reader, txn, key, startTs);
        });
        return kvrpcpb.BatchRollbackResponse.create({});
      },
      (failure) => kvrpcpb.BatchRollbackResponse.create(singleKeyErrorFields(failure)),
    ),

    checkTxnStatus: guarded(
      async (request: kvrpcpb.CheckTxnStatusRequest) => {
        const context = regionContextOf(request.context);
        const primary = requireKey(request.primaryKey, 'primaryKey');
        checkTxnKeysInRegion(store, context, [primary]);
        const callerStartTs = asTimestamp(request.callerStartTs);
        // Pushing a lock's minCommitTs above the caller is only safe if later async commits
        // on this store also land above it.
        if (callerStartTs !== maxTimestamp) concurrency.updateMaxTs(callerStartTs);
        const status = await kv.write(context, [primary], (reader, txn) =>
          checkTxnStatus(reader, txn, {
            primary,
            lockTs: asTimestamp(request.lockTs),
            callerStartTs,
            currentTs: asTimestamp(request.currentTs),
            rollbackIfNotExist: request.rollbackIfNotExist,
            forceSyncCommit: request.forceSyncCommit,
          }),
        );
        const action = actionOf(status);
        switch (status.kind) {
          case 'committed':
            return kvrpcpb.CheckTxnStatusResponse.create({ commitVersion: status.commitTs, action });
          case 'rolled-back':
            return kvrpcpb.CheckTxnStatusResponse.create({ action });
          case 'locked':
            return kvrpcpb.CheckTxnStatusResponse.create({ lockTtl: status.lock.ttlMs, action, lockInfo: lockInfoToProto(lockInfo(primary, status.lock)) });
        }
      },
      (failure) => kvrpcpb.CheckTxnStatusResponse.create(singleKeyErrorFields(failure)),
    ),

    checkSecondaryLocks: guarded(
      async (request: kvrpcpb.CheckSecondaryLocksRequest) => {
        const context = regionContextOf(request.context);
        const keys = requireKeys(request.keys);
        checkTxnKeysInRegion(store, context, keys);
        const startTs = asTimestamp(request.startVersion);
        const status = await kv.write(context, keys, (reader, txn) => checkSecondaryLocks(reader, txn, keys, startTs));
        switch (status.kind) {
          case 'locked':
            return kvrpcpb.CheckSecondaryLocksResponse.create({ locks: status.locks.map(({ key, lock }) => lockInfoToProto(lockInfo(key, lock))) });
          case 'committed':
            return kvrpcpb.CheckSecondaryLocksResponse.create({ commitTs: status.commitTs });
          case 'rolled-back':
            return kvrpcpb.CheckSecondaryLocksResponse.create({});
        }
      },
      (failure) => kvrpcpb.CheckSecondaryLocksResponse.create(singleKeyErrorFields(failure)),
    ),

    resolveLock: guarded(
      async (request: kvrpcpb.ResolveLockRequest) => {
        const context = regionContextOf(request.context);
        if (request.txnInfos.length > 0) {
          // Several transactions at once: each status is its commit ts, or 0 to roll back.
          for (const info of request.txnInfos) {
            checkCommitTs(info.txn, info.status, true);
            await resolveRegionLocks(context, asTimestamp(info.txn), asTimestamp(info.status));
          }
          return kvrpcpb.ResolveLockResponse.create({});
        }
        checkCommitTs(request.startVersion, request.commitVersion, true);
        const startTs = asTimestamp(request.startVersion);
        const commitTs = asTimestamp(request.commitVersion);
        if (request.keys.length === 0) {
          await resolveRegionLocks(context, startTs, commitTs);
          return kvrpcpb.ResolveLockResponse.create({});
        }
        const keys = requireKeys(request.keys);
        checkTxnKeysInRegion(store, context, keys);
        await kv.write(context, keys, (reader, txn) => resolveLocks(reader, txn, keys, startTs, commitTs));
        return kvrpcpb.ResolveLockResponse.create({});
      },
      (failure) => kvrpcpb.ResolveLockResponse.create(singleKeyErrorFields(failure)),
    ),

    scanLock: guarded(
      async (request: kvrpcpb.ScanLockRequest) => {
        const context = regionContextOf(request.context);
        const limit = limitOf(request.limit, scanMaxLimit);
        const range = intersectRanges({ start: request.startKey, end: request.endKey }, txnRangeOfRegion(store, context));
        const maxVersion = request.maxVersion;
        const locks = await kv.read(context, (mvcc) => mvcc.read((reader) => reader.scanLocks(range.start, range.end, (lock) => lock.startTs <= maxVersion, limit)));
        return kvrpcpb.ScanLockResponse.create({ locks: locks.map(({ key, lock }) => lockInfoToProto(lockInfo(key, lock))) });
      },
      (failure) => kvrpcpb.ScanLockResponse.create(singleKeyErrorFields(failure)),
    ),

    txnHeartBeat: guarded(
      async (request: kvrpcpb.TxnHeartBeatRequest) => {
        const context = regionContextOf(request.context);
        const primary = requireKey(request.primaryLock, 'primaryLock');
        checkTxnKeysInRegion(store, context, [primary]);
        const startTs = asTimestamp(request.startVersion);
        const lockTtl = await kv.write(context, [primary], (reader, txn) => txnHeartBeat(reader, txn, primary, startTs, request.adviseLockTtl));
        return kvrpcpb.TxnHeartBeatResponse.create({ lockTtl });
      },
      (failure) => kvrpcpb.TxnHeartBeatResponse.create(singleKeyErrorFields(failure)),
    ),

    gc: guarded(
      async (request: kvrpcpb.GCRequest) => {
        await kv.gc(regionContextOf(request.context), asTimestamp(request.safePoint));
        return kvrpcpb.GCResponse.create({});
      },
      (failure) => kvrpcpb.GCResponse.create(singleKeyErrorFields(failure)),
    ),

    deleteRange: guarded(
      async (request: kvrpcpb.DeleteRangeRequest) => {
        const context = regionContextOf(request.context);
        if (request.endKey.length > 0 && Buffer.compare(request.startKey, request.endKey) >= 0) {
          throw new InvalidRequestError('KvDeleteRange needs start_key before end_key (an empty end_key means no upper bound)');
        }
        await kv.deleteRange(context, request.startKey, request.endKey, request.notifyOnly);
        return kvrpcpb.DeleteRangeResponse.create({});
      },
      (failure) => kvrpcpb.DeleteRangeResponse.create(stringErrorFields(failure)),
    ),

    pessimisticLock: guarded(
      async (request: kvrpcpb.PessimisticLockRequest) => {
        const context = regionContextOf(request.context);
        if (request.mutations.length === 0) throw new InvalidRequestError('a pessimistic lock request needs at least one mutation');
        const locks = request.mutations.map((mutation) => {
          if (mutation.op !== kvrpcpb.Op.PessimisticLock && mutation.op !== kvrpcpb.Op.CheckNotExists) {
            throw new InvalidRequestError(`mutation op ${mutation.op} cannot take a pessimistic lock`);
          }
          return { key: requireKey(mutation.key, 'a mutation key'), shouldNotExist: mutation.op === kvrpcpb.Op.CheckNotExists };
        });
        const keys = requireKeys(locks.map((lock) => lock.key), 'mutations');
        checkTxnKeysInRegion(store, context, keys);
        const primary = requireKey(request.primaryLock, 'primaryLock');
        const startTs = asTimestamp(request.startVersion);
        const forUpdateTs = asTimestamp(request.forUpdateTs);
        const acquire = () =>
          kv.write(context, keys, async (reader, txn) => {
            const out: Array<Uint8Array | undefined> = [];
            for (const lock of locks) {
              out.push(
                await acquirePessimisticLock(reader, txn, {
                  key: lock.key,
                  primary,
                  startTs,
                  forUpdateTs,
                  lockTtlMs: request.lockTtl,
                  shouldNotExist: lock.shouldNotExist,
                  returnValue: request.returnValues,
                }),
              );
            }
            return out;
          });
        const values = await withLockWaits(kv, lockManager, { startTs, isFirstLock: request.isFirstLock, budgetMs: lockManager.waitBudgetMs(request.waitTimeoutMs) }, acquire);
        if (!request.returnValues) return kvrpcpb.PessimisticLockResponse.create({});
        return kvrpcpb.PessimisticLockResponse.create({
          values: values.map((value) => (value === undefined ? empty : Buffer.from(value))),
          notFounds: values.map((value) => value === undefined),
        });
      },
      (failure) => kvrpcpb.PessimisticLockResponse.create(keyErrorListFields(failure)),
    ),

    pessimisticRollback: guarded(
      async (request: kvrpcpb.PessimisticRollbackRequest) => {
        const context = regionContextOf(request.context);
        const keys = requireKeys(request.keys);
        checkTxnKeysInRegion(store, context, keys);
        const startTs = asTimestamp(request.startVersion);
        const forUpdateTs = asTimestamp(request.forUpdateTs);
        await kv.write(context, keys, (reader, txn) => pessimisticRollback(reader, txn, keys, startTs, forUpdateTs));
        return kvrpcpb.PessimisticRollbackResponse.create({});
      },
      (failure) => kvrpcpb.PessimisticRollbackResponse.create(keyErrorListFields(failure)),
    ),
  };
}
