/**
 * The storage engine interface of one store. Column families are separate key spaces;
 * an implementation may realize them as key prefixes in one LevelDB (as `LevelEngine`
 * does) or as separate maps (as `MemoryEngine` does). Nothing above this interface
 * knows which.
 */
export const ColumnFamily = {
  /** Large MVCC values at `key + startTs`. */
  default: 'default',
  /** Percolator locks at `key`. */
  lock: 'lock',
  /** MVCC commit records at `key + commitTs`. */
  write: 'write',
  /** Raft logs and local state (hard state, apply state, region state). */
  raft: 'raft',
  /**
   * For each user key, a copy of its newest Put or Delete commit record with its commit
   * ts: point reads at or above that ts need no seek (a read-path index over CF write).
   */
  latest: 'latest',
  /** Raw KV: plain keys and values (with an optional TTL), apart from transactional keys. */
  raw: 'raw',
} as const;
export type ColumnFamily = (typeof ColumnFamily)[keyof typeof ColumnFamily];

export const allColumnFamilies: readonly ColumnFamily[] = [ColumnFamily.default, ColumnFamily.lock, ColumnFamily.write, ColumnFamily.raft, ColumnFamily.raw, ColumnFamily.latest];

/** An atomic group of writes across column families. */
export interface WriteBatch {
  put(cf: ColumnFamily, key: Uint8Array, value: Uint8Array): void;
  delete(cf: ColumnFamily, key: Uint8Array): void;
  /** Number of operations added. */
  readonly count: number;
  /** Bytes of keys and values added, for batch size limits. */
  readonly sizeBytes: number;
}

export interface RangeOptions {
  /** Inclusive lower bound; the start of the column family when absent. */
  readonly start?: Uint8Array;
  /** Exclusive upper bound; the end of the column family when absent. */
  readonly end?: Uint8Array;
}

export interface IterateOptions extends RangeOptions {
  /** Iterate from the high end down. */
  readonly reverse?: boolean;
}

/** A key/value pair; keys are without any column-family prefix. */
export type KeyValue = readonly [key: Uint8Array, value: Uint8Array];

/**
 * A cursor over one column family within bounds. `seek` repositions it; `next` returns
 * up to `count` entries in iteration order and an empty array at the end.
 */
export interface EngineIterator {
  /** Forward: the first key >= target. Reverse: the last key <= target. Clamped to the bounds. */
  seek(target: Uint8Array): void;
  /** The arrays returned are the caller's: fresh ones, never reused or changed by later reads (scans keep views into them). */
  next(count: number): Promise<KeyValue[]>;
  close(): Promise<void>;
}

/** Reads that all see the engine as it was at one moment. */
export interface EngineReader {
  get(cf: ColumnFamily, key: Uint8Array): Promise<Uint8Array | undefined>;
  /** Several gets in one call into the engine; results in the order of `keys`. */
  getMany(cf: ColumnFamily, keys: readonly Uint8Array[]): Promise<Array<Uint8Array | undefined>>;
  /** A synchronous get, for callers that cannot await (Raft's storage interface). */
  getSync(cf: ColumnFamily, key: Uint8Array): Uint8Array | undefined;
  iterator(cf: ColumnFamily, options?: IterateOptions): EngineIterator;
}

/** A consistent point-in-time view. Must be closed. */
export interface EngineSnapshot extends EngineReader {
  close(): Promise<void>;
}

export interface Engine extends EngineReader {
  newBatch(): WriteBatch;
  /** Applies the batch atomically; with `sync`, durably (fsync) before resolving. */
  write(batch: WriteBatch, options?: { readonly sync?: boolean }): Promise<void>;
  snapshot(): EngineSnapshot;
  /** Deletes every key of the column family in the range. Not atomic with batches. */
  deleteRange(cf: ColumnFamily, range: RangeOptions): Promise<void>;
  /** An estimate of the bytes the range occupies on disk (for split checks). */
  approximateSizeBytes(cf: ColumnFamily, range: RangeOptions): Promise<number>;
  close(): Promise<void>;
}
