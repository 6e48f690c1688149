import type { Timestamp } from '../../common/ids.js';
import type { Engine } from '../engine/engine.js';
import { ConcurrencyManager } from './concurrency-manager.js';
import { Latches } from './latches.js';
import type { MvccTxn } from './mvcc-txn.js';
import { PointGetBatcher } from './point-get-batcher.js';
import { batchGet, type BatchGetResult, pointGet, type ReadOptions } from './point-getter.js';
import type { MvccReader } from './reader.js';
import { scan, type ScanEntry, type ScanOptions } from './scanner.js';
import { MvccStore } from './store.js';

/**
 * An MvccStore for concurrent callers (TiKV's scheduler, minus the thread pools):
 * - every write command holds the latches of the keys it touches from its snapshot read
 *   until its batch is in the engine, so commands on the same key never interleave (see
 *   `Latches` for the ordering guarantee);
 * - every client snapshot read (`get`, `batchGet`, `scan`) goes through the concurrency
 *   manager first, which tracks the max read ts and waits out in-flight async-commit
 *   and 1PC prewrites of the keys read.
 * Reads take no latches: a snapshot never sees half a command, as each command's
 * writes land in one atomic batch.
 */
export class LatchedMvccStore {
  readonly mvcc: MvccStore;
  readonly latches: Latches;
  readonly concurrency: ConcurrencyManager;

  private readonly pointGets: PointGetBatcher;

  constructor(
    engine: Engine,
    options: { readonly latches?: Latches; readonly concurrency?: ConcurrencyManager; readonly schedulePointGetFlush?: (flush: () => void) => void } = {},
  ) {
    this.mvcc = new MvccStore(engine);
    this.pointGets = new PointGetBatcher(engine, options.schedulePointGetFlush);
    this.latches = options.latches ?? new Latches();
    this.concurrency = options.concurrency ?? new ConcurrencyManager();
  }

  get engine(): Engine {
    return this.mvcc.engine;
  }

  /**
   * Runs a write command holding the latches of `keys`: it must touch no key outside
   * them. Its snapshot is taken after the latches are granted, so it sees every earlier
   * command on those keys.
   */
  async write<T>(keys: readonly Uint8Array[], command: (reader: MvccReader, txn: MvccTxn) => Promise<T>, options: { sync?: boolean } = {}): Promise<T> {
    return this.latches.withLatches(keys, () => this.mvcc.write(command, options));
  }

  /** A read-only command on a snapshot, without max-ts tracking (lock status checks, lock scans). */
  async read<T>(command: (reader: MvccReader) => Promise<T>): Promise<T> {
    return this.mvcc.read(command);
  }

  /** A client's snapshot read of one key at `ts`. */
  async get(key: Uint8Array, ts: Timestamp, options: ReadOptions = {}): Promise<Uint8Array | undefined> {
    if (!isSnapshotRead(options)) return this.mvcc.read((reader) => pointGet(reader, key, ts, options));
    await this.concurrency.readKeyCheck(key, ts);
    // Hot path: concurrent gets share one lock multi-get and one cursor (PointGetBatcher).
    return this.pointGets.get(key, ts, options.bypassLocks);
  }

  /** A client's snapshot read of several keys at `ts` (see `batchGet`). */
  async batchGet(keys: readonly Uint8Array[], ts: Timestamp, options: ReadOptions = {}): Promise<BatchGetResult> {
    if (isSnapshotRead(options)) for (const key of keys) await this.concurrency.readKeyCheck(key, ts);
    return this.mvcc.read((reader) => batchGet(reader, keys, ts, options));
  }

  /**
   * A snapshot read of several ranges at `ts` by one command (the coprocessor): the
   * ranges are checked against in-flight async-commit prewrites first, as a scan's are.
   */
  async readRanges<T>(ranges: ReadonlyArray<{ readonly start: Uint8Array; readonly end: Uint8Array }>, ts: Timestamp, command: (reader: MvccReader) => Promise<T>): Promise<T> {
    for (const range of ranges) await this.concurrency.readRangeCheck(range.start, range.end, ts);
    return this.mvcc.read(command);
  }

  /** A client's snapshot scan (see `scan`). */
  async scan(options: ScanOptions): Promise<ScanEntry[]> {
    await this.concurrency.readRangeCheck(options.start, options.end, options.ts);
    return this.mvcc.read((reader) => scan(reader, options));
  }
}

function isSnapshotRead(options: ReadOptions): boolean {
  return (options.isolation ?? 'si') === 'si';
}
