import { encodeUserKey } from '../../../common/codec/mvcc-key.js';
import { physicalMsOf, asTimestamp, type Timestamp } from '../../../common/ids.js';
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

  /**
   * Settles `locks`: each transaction's status is checked once (one timestamp for the
   * whole call), and each finished transaction's locks are resolved together, one
   * request per region.
   */
  async resolve(locks: readonly kvrpcpb.LockInfo[], callerStartTs: bigint, backoffer: Backoffer): Promise<ResolveOutcome> {
    let allResolved = true;
    const pushed = new Set<bigint>();
    const checked = new Map<bigint, TxnStatus>();
    let currentTs: Timestamp | undefined;
    const now = async () => (currentTs ??= await this.client.pd.getTimestamp());
    const finishedLocks = new Map<bigint, kvrpcpb.LockInfo[]>();
    for (const lock of locks) {
      let status = this.finished.get(lock.lockVersion) ?? checked.get(lock.lockVersion);
      if (status === undefined) {
        status = await this.checkStatus(lock, callerStartTs, await now(), backoffer);
        checked.set(lock.lockVersion, status);
      }
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
      const group = finishedLocks.get(lock.lockVersion) ?? [];
      group.push(lock);
      finishedLocks.set(lock.lockVersion, group);
    }
    for (const [startTs, group] of finishedLocks) await this.resolveLocks(startTs, this.finished.get(startTs)!, group, backoffer);
    return { allResolved, pushed: [...pushed] };
  }

  /** The fate of the lock's transaction: its commit ts, 0 if rolled back, or still running. */
  private async checkStatus(lock: kvrpcpb.LockInfo, callerStartTs: bigint, currentTs: Timestamp, backoffer: Backoffer): Promise<TxnStatus> {
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

  /** Commits (at `commitTs`) or rolls back (0) one finished transaction's locks, one request per region. */
  private async resolveLocks(startTs: bigint, commitTs: bigint, locks: readonly kvrpcpb.LockInfo[], backoffer: Backoffer): Promise<void> {
    // A pessimistic lock holds no data: whatever became of its transaction, it just goes
    // (committing one would fail: only prewritten locks commit).
    const pessimistic = locks.filter((lock) => lock.lockType === kvrpcpb.Op.PessimisticLock);
    const prewritten = locks.filter((lock) => lock.lockType !== kvrpcpb.Op.PessimisticLock);
    const forUpdateTs = pessimistic.reduce((max, lock) => (lock.lockForUpdateTs > max ? lock.lockForUpdateTs : max), 0n);
    const keysOf = (group: readonly kvrpcpb.LockInfo[]) => group.map((lock) => lock.key);
    if (pessimistic.length > 0) {
      await this.client.byRegion(keysOf(pessimistic), encodeUserKey, (key) => key.length, async (location, part, attemptBackoffer) => {
        const released = await this.client.sender.attempt(location, attemptBackoffer, 'pessimisticRollback', { startVersion: startTs, forUpdateTs, keys: part.map((key) => Buffer.from(key)) });
        if (released !== undefined && released.errors.length > 0) throw new TxnAbortedError(`releasing the pessimistic locks of txn ${startTs}: ${released.errors[0]!.abort || 'refused'}`);
        return released;
      }, backoffer);
    }
    if (prewritten.length > 0) {
      await this.client.byRegion(keysOf(prewritten), encodeUserKey, (key) => key.length, async (location, part, attemptBackoffer) => {
        const response = await this.client.sender.attempt(location, attemptBackoffer, 'resolveLock', { startVersion: startTs, commitVersion: commitTs, txnInfos: [], keys: part.map((key) => Buffer.from(key)) });
        if (response?.error !== undefined) throw new TxnAbortedError(`resolving the locks of txn ${startTs}: ${response.error.abort || response.error.retryable || 'refused'}`);
        return response;
      }, backoffer);
    }
  }
}

/** What became of a lock's transaction: its commit ts (0: rolled back), or still running (its min commit ts pushed past the reader, or not). */
type TxnStatus = bigint | 'alive' | 'pushed';
