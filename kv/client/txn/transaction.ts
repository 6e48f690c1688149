import { compareBytes } from '../../../common/codec/bytes.js';
import { KvClientError } from '../errors.js';
import { keyId } from '../keys.js';
import type { Committer, CommitOptions } from './committer.js';
import type { KvPair, Snapshot } from './snapshot.js';

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

  constructor(
    private readonly snapshot: Snapshot,
    private readonly committer: Committer,
    private readonly options: CommitOptions = {},
  ) {}

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
    for (const key of keys) {
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
    const limit = options.limit ?? 10_240;
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
    if (key.length === 0) throw new KvClientError('a key must not be empty');
    this.buffer.set(keyId(key), { key: Uint8Array.from(key), value: Uint8Array.from(value) });
  }

  delete(key: Uint8Array): void {
    this.checkOpen();
    if (key.length === 0) throw new KvClientError('a key must not be empty');
    this.buffer.set(keyId(key), { key: Uint8Array.from(key), value: undefined });
  }

  /** Commits every buffered write atomically; resolves with the commit timestamp. */
  async commit(): Promise<bigint> {
    this.checkOpen();
    this.state = 'committing';
    const mutations = [...this.buffer.values()].sort((a, b) => compareBytes(a.key, b.key));
    try {
      this.commitTs = await this.committer.commit(this.startTs, mutations, this.options);
      this.state = 'committed';
      return this.commitTs;
    } catch (error) {
      this.state = 'rolled back';
      throw error;
    }
  }

  /** Drops the buffered writes; the transaction ends without writing anything. */
  rollback(): void {
    if (this.state === 'committed') throw new KvClientError('the transaction is already committed');
    this.state = 'rolled back';
    this.buffer.clear();
  }

  private checkOpen(): void {
    if (this.state !== 'open') throw new KvClientError(`the transaction is ${this.state}`);
  }
}
