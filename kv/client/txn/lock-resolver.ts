import { encodeUserKey } from '../../../common/codec/mvcc-key.js';
import { physicalMsOf, asTimestamp } from '../../../common/ids.js';
import * as kvrpcpb from '../../../proto/gen/kvrpcpb.js';
import type { Backoffer } from '../backoff.js';
import { TxnAbortedError } from '../errors.js';
import type { RegionClient } from '../region-client.js';

/** Finished transactions remembered (start ts → commit ts); older ones are asked about again. */
const maxRememberedTxns = 16_384;

/** What became of the locks a request met. */
export interface ResolveOutcome {
  /** Every lock is gone (its transaction committed or rolled back, and the lock resolved). */
  readonly allResolved: boolean;
  /**
   * Transactions still running whose primary had its min commit ts pushed past the
   * reader's start ts: the reader may read past their locks (Context.resolvedLocks).
   */
  readonly pushed: readonly bigint[];
}

/**
 * Resolves the locks a read or prewrite met (client-go's LockResolver): it asks the
 * lock's primary what became of the transaction (CheckTxnStatus, which also rolls back
 * a transaction whose lock TTL ran out and pushes a live one's min commit ts past the
 * reader), then commits or rolls back the lock itself (ResolveLock). Transactions whose
 * fate is known are remembered.
 */
export class LockResolver {
  /** start ts → commit ts (0: rolled back), for finished transactions. */
  private readonly finished = new Map<bigint, bigint>();

  constructor(private readonly client: RegionClient) {}

  async resolve(locks: readonly kvrpcpb.LockInfo[], callerStartTs: bigint, backoffer: Backoffer): Promise<ResolveOutcome> {
    let allResolved = true;
    const pushed = new Set<bigint>();
    for (const lock of locks) {
      // A pessimistic lock blocks no reader and is removed with its transaction.
      const status = this.finished.get(lock.lockVersion) ?? (await this.checkStatus(lock, callerStartTs, backoffer));
      if (status === 'alive') {
        allResolved = false;
        continue;
      }
      if (status === 'pushed') {
        pushed.add(lock.lockVersion);
        continue;
      }
      this.finished.set(lock.lockVersion, status);
      // Remembered for a while, not for ever: the oldest entries go first.
      if (this.finished.size > maxRememberedTxns) this.finished.delete(this.finished.keys().next().value!);
      await this.resolveLock(lock, status, backoffer);
    }
    return { allResolved, pushed: [...pushed] };
  }

  /** The fate of the lock's transaction: its commit ts, 0 if rolled back, or still running. */
  private async checkStatus(lock: kvrpcpb.LockInfo, callerStartTs: bigint, backoffer: Backoffer): Promise<bigint | 'alive' | 'pushed'> {
    const currentTs = await this.client.pd.getTimestamp();
    // Only a lock whose TTL ran out may be rolled back when the primary has no lock yet
    // (its prewrite may still be on the way).
    const expired = physicalMsOf(asTimestamp(lock.lockVersion)) + lock.lockTtl <= physicalMsOf(currentTs);
    const response = await this.client.toKey(
      encodeUserKey(lock.primaryLock),
      'checkTxnStatus',
      {
        primaryKey: Buffer.from(lock.primaryLock),
        lockTs: lock.lockVersion,
        callerStartTs,
        currentTs,
        rollbackIfNotExist: expired,
        forceSyncCommit: false,
        resolvingPessimisticLock: lock.lockType === kvrpcpb.Op.PessimisticLock,
      },
      { backoffer },
    );
    if (response.error !== undefined) {
      if (response.error.txnNotFound !== undefined) return 'alive';
      throw new TxnAbortedError(`checking the status of txn ${lock.lockVersion}: ${response.error.abort || response.error.retryable || 'refused'}`);
    }
    if (response.commitVersion > 0n) return response.commitVersion;
    if (response.lockTtl === 0n && response.action !== kvrpcpb.Action.LockNotExistDoNothing) return 0n;
    const primaryLock = response.lockInfo;
    if (primaryLock?.useAsyncCommit === true) {
      // An async-commit transaction is decided by its keys, not its primary: once its
      // lock has expired (its client is gone), check them all.
      const primaryExpired = physicalMsOf(asTimestamp(primaryLock.lockVersion)) + primaryLock.lockTtl <= physicalMsOf(currentTs);
      return primaryExpired ? this.decideAsyncCommit(primaryLock, backoffer) : 'alive';
    }
    if (response.action === kvrpcpb.Action.MinCommitTsPushed) return 'pushed';
    return 'alive';
  }

  /**
   * The fate of an async-commit transaction whose client is gone: committed at the
   * largest min commit ts if every key still holds its lock (or at the commit ts of a
   * key already committed), rolled back if any key never got its lock (CheckSecondaryLocks
   * then makes sure it never will).
   */
  private async decideAsyncCommit(primaryLock: kvrpcpb.LockInfo, backoffer: Backoffer): Promise<bigint> {
    const keys = [primaryLock.key, ...primaryLock.secondaries];
    let commitTs = 0n;
    let locked = 0;
    let maxMinCommitTs = primaryLock.minCommitTs;
    await this.client.byRegion(
      keys,
      (key) => encodeUserKey(key),
      (key) => key.length,
      async (location, part, attemptBackoffer) => {
        const response = await this.client.sender.attempt(location, attemptBackoffer, 'checkSecondaryLocks', { keys: part.map((key) => Buffer.from(key)), startVersion: primaryLock.lockVersion });
        if (response === undefined) return undefined;
        if (response.error !== undefined) throw new TxnAbortedError(`checking the keys of txn ${primaryLock.lockVersion}: ${response.error.abort || response.error.retryable || 'refused'}`);
        if (response.commitTs > commitTs) commitTs = response.commitTs;
        locked += response.locks.length;
        for (const lock of response.locks) if (lock.minCommitTs > maxMinCommitTs) maxMinCommitTs = lock.minCommitTs;
        return response;
      },
      backoffer,
    );
    if (commitTs > 0n) return commitTs;
    return locked === keys.length ? maxMinCommitTs : 0n;
  }

  private async resolveLock(lock: kvrpcpb.LockInfo, commitTs: bigint, backoffer: Backoffer): Promise<void> {
    if (lock.lockType === kvrpcpb.Op.PessimisticLock) {
      // A pessimistic lock holds no data: whatever became of its transaction, it just goes
      // (committing one would fail: only prewritten locks commit).
      const released = await this.client.toKey(encodeUserKey(lock.key), 'pessimisticRollback', { startVersion: lock.lockVersion, forUpdateTs: lock.lockForUpdateTs, keys: [Buffer.from(lock.key)] }, { backoffer });
      if (released.errors.length > 0) throw new TxnAbortedError(`releasing the pessimistic lock of txn ${lock.lockVersion}: ${released.errors[0]!.abort || 'refused'}`);
      return;
    }
    const response = await this.client.toKey(encodeUserKey(lock.key), 'resolveLock', { startVersion: lock.lockVersion, commitVersion: commitTs, txnInfos: [], keys: [Buffer.from(lock.key)] }, { backoffer });
    if (response.error !== undefined) throw new TxnAbortedError(`resolving the lock of txn ${lock.lockVersion}: ${response.error.abort || response.error.retryable || 'refused'}`);
  }
}
