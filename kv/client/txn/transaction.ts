import { compareBytes, keyId } from '../../../common/codec/bytes.js';
import { KvClientError, WriteConflictError } from '../errors.js';
import { checkKey, scanLimitOf, uniqueKeys } from '../keys.js';
import type { RegionClient } from '../region-client.js';
import type { Committer, CommitOptions } from './committer.js';
import type { LockResolver } from './lock-resolver.js';
import { startPrimaryHeartbeat } from './heartbeat.js';
import { lockKeysPessimistically, releasePessimisticLocks } from './pessimistic-locks.js';
import type { KvPair, Snapshot } from './snapshot.js';

export interface TransactionOptions extends CommitOptions {
  /**
   * Pessimistic mode: `lockKeys` and `getForUpdate` lock keys as the transaction goes,
   * waiting for other transactions' locks, so commit meets no write conflict on them.
   */
  readonly pessimistic?: boolean;
  /** How long a pessimistic lock request waits for another transaction's lock (default: the store's, 1 s). */
  readonly lockWaitTimeoutMs?: number;
}

/** The machinery a transaction uses besides its snapshot and committer. */
export interface TransactionParts {
  readonly client: RegionClient;
  readonly resolver: LockResolver;
}

/** A write conflict on a pessimistic lock means a newer commit: lock again at a fresh timestamp, this many times at most. */
const maxLockRetries = 32;

/** A pessimistic lock's TTL; heartbeats renew it while the transaction runs (TiDB's managed lock TTL). */
const defaultPessimisticLockTtlMs = 20_000;

type TxnState = 'open' | 'committing' | 'committed' | 'rolled back';

/**
 * An optimistic transaction: reads see the snapshot at its start timestamp plus its own
 * writes, which wait in a sorted in-memory buffer until `commit` runs Percolator's two
 * phases. Nothing is written to the cluster before commit, so a rollback before commit
 * only drops the buffer. A commit that meets a newer write of one of its keys fails with
 * WriteConflictError: retry the whole transaction.
 */
export class Transaction {
  private readonly buffer = new Map<string, { readonly key: Uint8Array; readonly value: Uint8Array | undefined }>();
  private state: TxnState = 'open';
  /** The commit timestamp once committed. */
  commitTs: bigint | undefined;

  /** Pessimistic mode: the keys locked so far (by keyId), the primary, and the newest forUpdateTs used. */
  private readonly locked = new Map<string, Uint8Array>();
  private primary: Uint8Array | undefined;
  private forUpdateTs = 0n;
  private stopHeartbeat: () => void = () => undefined;

  constructor(
    private readonly snapshot: Snapshot,
    private readonly committer: Committer,
    private readonly parts: TransactionParts,
    private readonly options: TransactionOptions = {},
  ) {}

  get pessimistic(): boolean {
    return this.options.pessimistic === true;
  }

  /**
   * Pessimistic mode: locks `keys` now (waiting for other transactions' locks) and
   * answers their newest committed values. Fails with DeadlockError when waiting would
   * never end, LockWaitTimeoutError when the wait runs out.
   */
  async lockKeys(keys: readonly Uint8Array[]): Promise<Map<string, Uint8Array | undefined>> {
    this.checkOpen();
    if (!this.pessimistic) throw new KvClientError('lockKeys needs a pessimistic transaction (begin({ pessimistic: true }))');
    const wanted = uniqueKeys(keys).sort(compareBytes);
    if (wanted.length === 0) return new Map();
    // The primary is locked first and alone: every other lock names it.
    if (this.primary === undefined) {
      const primary = wanted[0]!;
      const values = await this.lock([primary], primary);
      this.primary = primary;
      this.keepAlive(primary);
      const rest = await this.lock(wanted.slice(1), primary);
      return new Map([...values, ...rest]);
    }
    return this.lock(wanted, this.primary);
  }

  /** Pessimistic mode: locks `key` and answers its newest committed value (SELECT ... FOR UPDATE). */
  async getForUpdate(key: Uint8Array): Promise<Uint8Array | undefined> {
    const buffered = this.buffer.get(keyId(key));
    const values = await this.lockKeys([key]);
    if (buffered !== undefined) return buffered.value;
    return values.get(keyId(key));
  }

  /** Heartbeats the primary's pessimistic lock until the transaction ends, so a long one never looks abandoned. */
  private keepAlive(primary: Uint8Array): void {
    this.stopHeartbeat = startPrimaryHeartbeat(this.parts.client, primary, this.startTs, this.options.lockTtlMs ?? defaultPessimisticLockTtlMs, () => undefined);
  }


  private async lock(keys: readonly Uint8Array[], primary: Uint8Array): Promise<Map<string, Uint8Array | undefined>> {
    if (keys.length === 0) return new Map();
    for (let attempt = 0; ; attempt++) {
      const forUpdateTs = await this.parts.client.pd.getTimestamp();
      // Recorded before any lock is taken: a rollback releases locks up to this forUpdateTs.
      if (forUpdateTs > this.forUpdateTs) this.forUpdateTs = forUpdateTs;
      try {
        const values = await lockKeysPessimistically(this.parts.client, this.parts.resolver, {
          startTs: this.startTs,
          forUpdateTs,
          primary,
          keys,
          isFirstLock: this.locked.size === 0,
          waitTimeoutMs: BigInt(this.options.lockWaitTimeoutMs ?? 0),
          lockTtlMs: this.options.lockTtlMs ?? defaultPessimisticLockTtlMs,
          // Each region's keys count as locked as soon as that region answers, so a
          // failure in another region leaves none of them behind unknown.
          onLocked: (locked) => {
            for (const key of locked) this.locked.set(keyId(key), key);
          },
        });
        return values;
      } catch (error) {
        if (!(error instanceof WriteConflictError) || attempt >= maxLockRetries) throw error;
      }
    }
  }

  get startTs(): bigint {
    return this.snapshot.ts;
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    this.checkOpen();
    const buffered = this.buffer.get(keyId(key));
    if (buffered !== undefined) return buffered.value;
    return this.snapshot.get(key);
  }

  /** The pairs of the keys that exist (this transaction's writes included), in key order. */
  async batchGet(keys: readonly Uint8Array[]): Promise<KvPair[]> {
    this.checkOpen();
    const fromBuffer: KvPair[] = [];
    const unbuffered: Uint8Array[] = [];
    // A key asked for twice is answered once, as the snapshot answers it.
    for (const key of uniqueKeys(keys)) {
      const buffered = this.buffer.get(keyId(key));
      if (buffered === undefined) unbuffered.push(key);
      else if (buffered.value !== undefined) fromBuffer.push({ key: buffered.key, value: buffered.value });
    }
    const fromSnapshot = unbuffered.length === 0 ? [] : await this.snapshot.batchGet(unbuffered);
    return [...fromBuffer, ...fromSnapshot].sort((a, b) => compareBytes(a.key, b.key));
  }

  /** Pairs with start ≤ key < end, ascending: the snapshot's, overlaid with this transaction's writes. */
  async scan(start: Uint8Array, end: Uint8Array, options: { limit?: number } = {}): Promise<KvPair[]> {
    this.checkOpen();
    const limit = scanLimitOf(options.limit);
    const inRange = [...this.buffer.values()].filter((entry) => compareBytes(entry.key, start) >= 0 && (end.length === 0 || compareBytes(entry.key, end) < 0));
    // Each buffered delete can hide at most one snapshot pair: ask for that many more.
    const snapshotPairs = await this.snapshot.scan(start, end, { limit: limit + inRange.length });
    const merged = new Map<string, KvPair>();
    for (const pair of snapshotPairs) merged.set(keyId(pair.key), pair);
    for (const entry of inRange) {
      if (entry.value === undefined) merged.delete(keyId(entry.key));
      else merged.set(keyId(entry.key), { key: entry.key, value: entry.value });
    }
    const sorted = [...merged.values()].sort((a, b) => compareBytes(a.key, b.key));
    // Past the last snapshot pair read, the snapshot was not asked: only buffered keys below it count.
    const lastRead = snapshotPairs.length === limit + inRange.length ? snapshotPairs[snapshotPairs.length - 1]?.key : undefined;
    const complete = lastRead === undefined ? sorted : sorted.filter((pair) => compareBytes(pair.key, lastRead) <= 0);
    return complete.slice(0, limit);
  }

  set(key: Uint8Array, value: Uint8Array): void {
    this.checkOpen();
    checkKey(key);
    this.buffer.set(keyId(key), { key: Uint8Array.from(key), value: Uint8Array.from(value) });
  }

  delete(key: Uint8Array): void {
    this.checkOpen();
    checkKey(key);
    this.buffer.set(keyId(key), { key: Uint8Array.from(key), value: undefined });
  }

  /** Commits every buffered write atomically; resolves with the commit timestamp. */
  async commit(): Promise<bigint> {
    this.checkOpen();
    this.state = 'committing';
    const mutations = [...this.buffer.values()].sort((a, b) => compareBytes(a.key, b.key));
    this.stopHeartbeat();
    const pessimistic = this.primary === undefined ? undefined : { primary: this.primary, forUpdateTs: this.forUpdateTs, lockedKeys: new Set(this.locked.keys()) };
    try {
      this.commitTs = await this.committer.commit(this.startTs, mutations, this.options, pessimistic);
      this.state = 'committed';
      return this.commitTs;
    } catch (error) {
      this.state = 'rolled back';
      throw error;
    }
  }

  /** Drops the buffered writes and releases any pessimistic locks; nothing is written. */
  async rollback(): Promise<void> {
    if (this.state === 'committed') throw new KvClientError('the transaction is already committed');
    this.state = 'rolled back';
    this.stopHeartbeat();
    this.buffer.clear();
    const locked = [...this.locked.values()];
    this.locked.clear();
    await releasePessimisticLocks(this.parts.client, this.startTs, this.forUpdateTs, locked);
  }

  private checkOpen(): void {
    if (this.state !== 'open') throw new KvClientError(`the transaction is ${this.state}`);
  }
}
