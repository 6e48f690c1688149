import { encodeUserKey } from '../../../common/codec/mvcc-key.js';
import { failpoint } from '../../../common/failpoint/index.js';
import * as kvrpcpb from '../../../proto/gen/kvrpcpb.js';
import { BackoffExhaustedError, CommitUndeterminedError, KvClientError, TxnTooLargeError, WriteConflictError } from '../errors.js';
import { keyId } from '../../../common/codec/bytes.js';
import type { RegionClient } from '../region-client.js';
import { startPrimaryHeartbeat } from './heartbeat.js';
import { classifyKeyError } from './key-errors.js';
import type { LockResolver } from './lock-resolver.js';

export interface Mutation {
  readonly key: Uint8Array;
  /** undefined: delete the key. */
  readonly value: Uint8Array | undefined;
  /** Only lock the key (a pessimistic lock on a key the transaction read but did not write). */
  readonly lockOnly?: boolean;
}

export interface CommitOptions {
  /** How long a lock lives without a heartbeat before readers may roll the transaction back. */
  readonly lockTtlMs?: number;
  /**
   * One-phase commit: a transaction whose keys all go in one prewrite request (one
   * region) commits in that request, at a ts the store derives from its max read ts.
   * On by default; optimistic transactions only.
   */
  readonly onePc?: boolean;
  /**
   * Async commit: the transaction is committed once every prewrite succeeded, at the
   * largest min commit ts the stores answered; the commit phase runs in the background,
   * and readers settle leftover locks by checking every key (CheckSecondaryLocks).
   * On by default; used for optimistic transactions of at most 256 keys.
   */
  readonly asyncCommit?: boolean;
}

/** The most keys an async-commit transaction carries (its primary lock lists them all). */
const maxAsyncCommitKeys = 256;

/** What a pessimistic transaction adds to its commit: the keys it holds locks on, and its primary. */
export interface PessimisticCommit {
  readonly primary: Uint8Array;
  readonly forUpdateTs: bigint;
  readonly lockedKeys: ReadonlySet<string>;
}

/** The most mutations one transaction may carry (TiDB's default txn-entry limit is 300,000). */
export const maxTxnMutations = 300_000;

/**
 * Percolator two-phase commit (client-go's twoPhaseCommitter). The first key is the
 * primary. Prewrite locks every key, grouped by region, in parallel; then the commit
 * timestamp comes from PD, the primary is committed (the transaction's commit point),
 * and the secondaries are committed in the background (a failure there is harmless:
 * readers resolve those locks from the primary). A failed prewrite rolls back what it
 * locked. While the commit runs, a heartbeat keeps the primary lock alive.
 */
export class Committer {
  constructor(
    private readonly client: RegionClient,
    private readonly resolver: LockResolver,
    private readonly onBackgroundError: (error: unknown) => void = () => undefined,
  ) {}

  /** Commits `mutations` (sorted, unique keys) of the transaction that started at `startTs`; returns the commit ts. */
  async commit(startTs: bigint, written: readonly Mutation[], options: CommitOptions = {}, pessimistic?: PessimisticCommit): Promise<bigint> {
    const mutations = pessimistic === undefined ? written : withLockedKeys(written, pessimistic);
    if (mutations.length === 0) return startTs;
    if (mutations.length > maxTxnMutations) throw new TxnTooLargeError(`a transaction may write at most ${maxTxnMutations} keys, this one writes ${mutations.length}`);
    const primary = mutations[0]!.key;
    const lockTtlMs = options.lockTtlMs ?? defaultLockTtlMs(mutations.length);
    // Keeps the primary lock alive while the commit runs (a slow commit must not look abandoned).
    const stopHeartbeat = startPrimaryHeartbeat(this.client, primary, startTs, lockTtlMs, this.onBackgroundError);
    try {
      let onePcCommitTs = 0n;
      const onePc = { mayHaveCommitted: false };
      const asyncCommit = options.asyncCommit !== false && pessimistic === undefined && mutations.length <= maxAsyncCommitKeys;
      const asyncMinCommitTs = { value: asyncCommit ? 0n : -1n };
      try {
        onePcCommitTs = await this.prewrite(startTs, primary, mutations, lockTtlMs, pessimistic, options.onePc !== false && pessimistic === undefined, onePc, asyncCommit ? asyncMinCommitTs : undefined);
      } catch (error) {
        if (error instanceof CommitUndeterminedError) throw error;
        // A one-phase prewrite that got no answer may have committed: say so, and leave
        // the keys alone (a rollback could not undo a commit, only confuse readers).
        if (onePc.mayHaveCommitted && error instanceof BackoffExhaustedError) {
          throw new CommitUndeterminedError(`the one-phase commit of txn ${startTs} got no answer: it may or may not have committed (${error.message})`);
        }
        void this.rollback(startTs, mutations.map((mutation) => mutation.key)).catch((cleanup: unknown) => this.onBackgroundError(cleanup));
        throw error;
      }
      // Committed in the prewrite itself: nothing is locked, nothing left to do.
      if (onePcCommitTs > 0n) return onePcCommitTs;
      // A client that dies here leaves every key locked: readers settle them from the primary.
      if (failpoint('kv-client/txn/after-prewrite') !== undefined) return 0n;
      // Async commit: every prewrite succeeded with a min commit ts, so the transaction is
      // committed at the largest; the locks are cleared in the background.
      if (asyncCommit && asyncMinCommitTs.value > 0n) {
        const commitTs = asyncMinCommitTs.value;
        void this.commitKeys(startTs, commitTs, mutations.map((mutation) => mutation.key)).catch((error: unknown) => this.onBackgroundError(error));
        return commitTs;
      }
      const commitTs = await this.client.pd.getTimestamp();
      await this.commitPrimary(startTs, primary, commitTs);
      if (failpoint('kv-client/txn/after-commit-primary') !== undefined) return commitTs;
      const secondaries = mutations.slice(1).map((mutation) => mutation.key);
      void this.commitKeys(startTs, commitTs, secondaries).catch((error: unknown) => this.onBackgroundError(error));
      return commitTs;
    } finally {
      stopHeartbeat();
    }
  }

  /** Prewrites every mutation; answers the commit ts when the store committed them in one phase, else 0. */
  private async prewrite(
    startTs: bigint,
    primary: Uint8Array,
    mutations: readonly Mutation[],
    lockTtlMs: number,
    pessimistic: PessimisticCommit | undefined,
    onePc: boolean,
    /** Set once a one-phase attempt ended without proof that it did not commit (lost answer, stale command). */
    onePcState: { mayHaveCommitted: boolean },
    /** Async commit: collects the largest min commit ts; set to 0 when a store fell back to 2PC. */
    asyncMinCommitTs?: { value: bigint },
  ): Promise<bigint> {
    const backoffer = this.client.backoffer();
    let onePcCommitTs = 0n;
    const primaryId = keyId(primary);
    // The primary's lock lists every other key (async commit), so a reader can check them all.
    const secondaries = asyncMinCommitTs === undefined ? [] : mutations.filter((mutation) => keyId(mutation.key) !== primaryId).map((mutation) => Buffer.from(mutation.key));
    await this.client.byRegion(
      mutations,
      (mutation) => encodeUserKey(mutation.key),
      (mutation) => mutation.key.length + (mutation.value?.length ?? 0),
      async (location, part, attemptBackoffer) => {
        // Tests lose every prewrite but the primary's, as a client dying mid-prewrite would.
        const holdsPrimary = part.some((mutation) => keyId(mutation.key) === primaryId);
        if (!holdsPrimary && failpoint('kv-client/txn/skip-secondary-prewrites') !== undefined) return kvrpcpb.PrewriteResponse.create();
        // Only a request holding every mutation may commit them all at once.
        const tryOnePc = onePc && part.length === mutations.length;
        // A one-phase request sent again after an attempt whose outcome is unknown: that one may have committed.
        // (An attempt answered with a lock or a region error other than StaleCommand proves it did not.)
        const retriedOnePc = tryOnePc && onePcState.mayHaveCommitted;
        const response = await this.client.sender.attempt(location, attemptBackoffer, 'prewrite', {
          mutations: part.map((mutation) =>
            kvrpcpb.Mutation.create({
              op: mutation.lockOnly === true ? kvrpcpb.Op.Lock : mutation.value === undefined ? kvrpcpb.Op.Del : kvrpcpb.Op.Put,
              key: Buffer.from(mutation.key),
              value: Buffer.from(mutation.value ?? new Uint8Array(0)),
            }),
          ),
          primaryLock: Buffer.from(primary),
          startVersion: startTs,
          lockTtl: BigInt(lockTtlMs),
          skipConstraintCheck: false,
          isPessimisticLock: pessimistic === undefined ? [] : part.map((mutation) => pessimistic.lockedKeys.has(keyId(mutation.key))),
          txnSize: BigInt(mutations.length),
          forUpdateTs: pessimistic?.forUpdateTs ?? 0n,
          minCommitTs: 0n,
          useAsyncCommit: asyncMinCommitTs !== undefined,
          secondaries: holdsPrimary ? secondaries : [],
          tryOnePc,
          maxCommitTs: 0n,
        }, tryOnePc ? { onUndetermined: () => (onePcState.mayHaveCommitted = true) } : {});
        if (response === undefined) return undefined;
        if (response.errors.length === 0) {
          // Tests lose the answer of a one-phase commit here, as a broken connection would.
          if (response.onePcCommitTs > 0n && failpoint('kv-client/txn/lose-one-pc-answer') !== undefined) {
            onePcState.mayHaveCommitted = true;
            return undefined;
          }
          if (response.onePcCommitTs > 0n) onePcCommitTs = response.onePcCommitTs;
          if (asyncMinCommitTs !== undefined && asyncMinCommitTs.value >= 0n) {
            // A store that answers no min commit ts fell back to two phases: so does the transaction.
            if (response.minCommitTs === 0n) asyncMinCommitTs.value = -1n;
            else if (response.minCommitTs > asyncMinCommitTs.value) asyncMinCommitTs.value = response.minCommitTs;
          }
          return response;
        }
        const locks: kvrpcpb.LockInfo[] = [];
        for (const error of response.errors) {
          const kind = classifyKeyError(error);
          if ('fatal' in kind) {
            // A retried one-phase prewrite meeting this transaction's own commit record:
            // the earlier attempt committed (its answer was lost).
            const own = kind.fatal instanceof WriteConflictError && retriedOnePc && kind.fatal.conflictStartTs === startTs && kind.fatal.conflictCommitTs > startTs;
            // Another transaction's newer commit may stand on top of this one's: unknown.
            if (!own && retriedOnePc && kind.fatal instanceof WriteConflictError) {
              throw new CommitUndeterminedError(`txn ${startTs}'s one-phase commit was retried and met a newer commit: it may or may not have committed`);
            }
            if (!own) throw kind.fatal;
            onePcCommitTs = (kind.fatal as WriteConflictError).conflictCommitTs;
            continue;
          }
          locks.push(kind.lock);
        }
        if (locks.length === 0) return response;
        // Another transaction's locks stand in the way: settle them, then prewrite this part again.
        const outcome = await this.resolver.resolve(locks, 0n, attemptBackoffer);
        if (!outcome.allResolved) await attemptBackoffer.backoff('txnLock', `prewrite met ${locks.length} live lock(s), e.g. of txn ${locks[0]!.lockVersion}`);
        return undefined;
      },
      backoffer,
    );
    return onePcCommitTs;
  }

  private async commitPrimary(startTs: bigint, primary: Uint8Array, commitTs: bigint): Promise<void> {
    let response: kvrpcpb.CommitResponse;
    try {
      response = await this.client.toKey(encodeUserKey(primary), 'commit', { startVersion: startTs, keys: [Buffer.from(primary)], commitVersion: commitTs });
    } catch (error) {
      // The commit may have reached the store before the failures: its outcome is unknown.
      if (error instanceof BackoffExhaustedError) throw new CommitUndeterminedError(`the commit of txn ${startTs} at ${commitTs} got no answer: it may or may not have committed (${error.message})`);
      throw error;
    }
    if (response.error !== undefined) {
      const kind = classifyKeyError(response.error);
      throw 'fatal' in kind ? kind.fatal : new KvClientError(`the primary of txn ${startTs} is locked by txn ${kind.lock.lockVersion}`);
    }
  }

  /** Commits keys whose primary is committed; what fails here, readers resolve later. */
  private async commitKeys(startTs: bigint, commitTs: bigint, keys: readonly Uint8Array[]): Promise<void> {
    if (keys.length === 0) return;
    await this.client.byRegion(
      keys,
      (key) => encodeUserKey(key),
      (key) => key.length,
      async (location, part, backoffer) => {
        const response = await this.client.sender.attempt(location, backoffer, 'commit', { startVersion: startTs, keys: part.map((key) => Buffer.from(key)), commitVersion: commitTs });
        if (response?.error !== undefined) throw new KvClientError(`committing secondaries of txn ${startTs}: ${JSON.stringify(response.error.abort || response.error.retryable)}`);
        return response;
      },
    );
  }

  /** Rolls back the locks a failed transaction may have written (BatchRollback, by region). */
  async rollback(startTs: bigint, keys: readonly Uint8Array[]): Promise<void> {
    if (keys.length === 0) return;
    await this.client.byRegion(
      keys,
      (key) => encodeUserKey(key),
      (key) => key.length,
      async (location, part, backoffer) => this.client.sender.attempt(location, backoffer, 'batchRollback', { startVersion: startTs, keys: part.map((key) => Buffer.from(key)) }),
    );
  }

}

/**
 * A pessimistic transaction's mutations: its primary first (locked only, if it was not
 * written), then the rest in key order, with every locked but unwritten key as a lock-only
 * mutation so prewrite turns its pessimistic lock into a regular one.
 */
function withLockedKeys(written: readonly Mutation[], pessimistic: PessimisticCommit): Mutation[] {
  const byKey = new Map(written.map((mutation) => [keyId(mutation.key), mutation] as const));
  for (const id of pessimistic.lockedKeys) {
    if (!byKey.has(id)) byKey.set(id, { key: Buffer.from(id, 'latin1'), value: undefined, lockOnly: true });
  }
  const primaryId = keyId(pessimistic.primary);
  const primary = byKey.get(primaryId) ?? { key: pessimistic.primary, value: undefined, lockOnly: true };
  byKey.delete(primaryId);
  return [primary, ...[...byKey.values()].sort((a, b) => Buffer.compare(a.key, b.key))];
}

/** client-go's rule: 3 s, and more for large transactions (up to 20 min). */
function defaultLockTtlMs(mutations: number): number {
  if (mutations < 1_000) return 3_000;
  return Math.min(20 * 60_000, 3_000 + Math.floor(mutations / 1_000) * 1_000);
}
