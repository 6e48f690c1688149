import { compareBytes } from '../../common/codec/bytes.js';
import { appendTimestamp, encodeMvccKey, encodeUserKey, splitMvccKey } from '../../common/codec/mvcc-key.js';
import { CodecError } from '../../common/errors.js';
import { asTimestamp, type Timestamp } from '../../common/ids.js';
import { ColumnFamily, type Engine, type EngineReader } from '../engine/engine.js';
import { pointGetBatchMaxKeys } from './limits.js';
import { checkLockForRead } from './read-lock-check.js';
import { decodeLock, decodeWrite, type Write, WriteType } from './txn-types.js';

interface PendingGet {
  readonly key: Uint8Array;
  readonly encodedKey: Uint8Array;
  readonly ts: Timestamp;
  readonly bypassLocks: ReadonlySet<bigint> | undefined;
  readonly resolve: (value: Uint8Array | undefined) => void;
  readonly reject: (error: unknown) => void;
}

/** How many versions one cursor step reads, so a Lock or Rollback record rarely costs a second seek. */
const versionsPerStep = 2;

/**
 * Serves concurrent snapshot point gets together: the gets that arrive in one turn of
 * the event loop share one multi-get of their locks and one write-CF cursor, sought
 * once per key in key order. A lone get costs what it did; many in flight cost close
 * to one engine read each instead of a snapshot, a lock read and a fresh cursor each.
 *
 * Locks are read straight from the engine, then one snapshot taken after that serves
 * the commit records and values of the whole batch. Reading locks first is what makes
 * this snapshot-isolated: a transaction that commits at or below a read's ts either
 * still holds its lock when the locks are read (the get reports it), or has already
 * replaced the lock by its commit record in one atomic batch before the snapshot. A
 * transaction that prewrites after the lock read gets a commit ts above the read's ts
 * (from the TSO, or for async commit and 1PC from the max read ts the caller raised
 * before queueing), so it cannot matter.
 */
export class PointGetBatcher {
  private readonly engine: Engine;
  private readonly scheduleFlush: (flush: () => void) => void;
  private pending: PendingGet[] = [];
  private scheduled = false;

  /**
   * `scheduleFlush` decides when a batch closes: by default at the next turn of the
   * event loop, which gathers every get issued meanwhile. A deterministic simulation
   * that must not depend on timers passes `queueMicrotask`.
   */
  constructor(engine: Engine, scheduleFlush: (flush: () => void) => void = setImmediate) {
    this.engine = engine;
    this.scheduleFlush = scheduleFlush;
  }

  get(key: Uint8Array, ts: Timestamp, bypassLocks?: ReadonlySet<bigint>): Promise<Uint8Array | undefined> {
    return new Promise((resolve, reject) => {
      this.pending.push({ key, encodedKey: encodeUserKey(key), ts, bypassLocks, resolve, reject });
      if (this.pending.length >= pointGetBatchMaxKeys) {
        this.flush();
      } else if (!this.scheduled) {
        this.scheduled = true;
        this.scheduleFlush(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    this.serve(batch).catch((error: unknown) => {
      for (const request of batch) request.reject(error);
    });
  }

  private async serve(batch: PendingGet[]): Promise<void> {
    // 1. Locks first (see the class comment for why this order makes a snapshot unnecessary).
    const locks = await this.engine.getMany(ColumnFamily.lock, batch.map((request) => request.encodedKey));
    const readable: PendingGet[] = [];
    for (let index = 0; index < batch.length; index++) {
      const request = batch[index]!;
      const lockBytes = locks[index];
      if (lockBytes !== undefined) {
        try {
          checkLockForRead(request.key, decodeLock(lockBytes), request.ts, request.bypassLocks);
        } catch (error) {
          request.reject(error);
          continue;
        }
      }
      readable.push(request);
    }
    if (readable.length === 0) return;

    // 2. Commit records with one cursor, in key order so the seeks move forward, and
    // large values from the same snapshot: one snapshot serves the whole batch.
    readable.sort((a, b) => compareBytes(a.encodedKey, b.encodedKey));
    const snapshot = this.engine.snapshot();
    let values: Array<Uint8Array | undefined>;
    const needsDefault: Array<{ request: PendingGet; write: Write }> = [];
    try {
      const cursor = snapshot.iterator(ColumnFamily.write);
      try {
        for (const request of readable) {
          const write = await this.newestDataWrite(cursor, request);
          if (write === undefined || write.type !== WriteType.Put) request.resolve(undefined);
          else if (write.shortValue !== undefined) request.resolve(write.shortValue);
          else needsDefault.push({ request, write });
        }
      } finally {
        await cursor.close();
      }
      // 3. Large values, in one multi-get.
      if (needsDefault.length === 0) return;
      values = await snapshot.getMany(
        ColumnFamily.default,
        needsDefault.map(({ request, write }) => encodeMvccKey(request.key, write.startTs)),
      );
    } finally {
      await snapshot.close();
    }
    for (let index = 0; index < needsDefault.length; index++) {
      const { request, write } = needsDefault[index]!;
      const value = values[index];
      if (value === undefined) request.reject(new CodecError(`value of ${Buffer.from(request.key).toString('hex')} at ${write.startTs} is missing from CF default`));
      else request.resolve(value);
    }
  }

  /** The newest Put or Delete of the request's key at or below its ts. */
  private async newestDataWrite(cursor: ReturnType<EngineReader['iterator']>, request: PendingGet): Promise<Write | undefined> {
    let readTs = request.ts;
    for (;;) {
      cursor.seek(appendTimestamp(request.encodedKey, readTs));
      const entries = await cursor.next(versionsPerStep);
      for (const [mvccKey, value] of entries) {
        const { encodedUserKey, ts: commitTs } = splitMvccKey(mvccKey);
        if (compareBytes(encodedUserKey, request.encodedKey) !== 0) return undefined;
        const write = decodeWrite(value);
        if (write.type === WriteType.Put || write.type === WriteType.Delete) return write;
        if (commitTs === 0n) return undefined;
        readTs = asTimestamp(commitTs - 1n);
      }
      if (entries.length < versionsPerStep) return undefined;
    }
  }
}
