import { compareBytes } from '../../common/codec/bytes.js';
import { appendTimestamp, encodeMvccKey, encodeUserKey, splitMvccKey } from '../../common/codec/mvcc-key.js';
import { CodecError } from '../../common/errors.js';
import { asTimestamp, type Timestamp } from '../../common/ids.js';
import { ColumnFamily, type Engine, type EngineReader, type EngineSnapshot } from '../engine/engine.js';
import { pointGetBatchMaxKeys, pointGetMinKeysPerRead, pointGetParallelReads } from './limits.js';
import { checkLockForRead } from './read-lock-check.js';
import { decodeLatestWrite, decodeLock, decodeWrite, type Write, WriteType } from './txn-types.js';

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

/** Splits a multi-get into a few concurrent ones, so the engine's threads share it. */
async function multiGet(snapshot: EngineSnapshot, cf: ColumnFamily, keys: readonly Uint8Array[]): Promise<Array<Uint8Array | undefined>> {
  const parts = Math.min(pointGetParallelReads, Math.ceil(keys.length / pointGetMinKeysPerRead));
  if (parts <= 1) return snapshot.getMany(cf, keys);
  const partLength = Math.ceil(keys.length / parts);
  const results = await Promise.all(Array.from({ length: parts }, (_, part) => snapshot.getMany(cf, keys.slice(part * partLength, (part + 1) * partLength))));
  return results.flat();
}

/**
 * Serves concurrent snapshot point gets together: the gets that arrive in one turn of
 * the event loop share one engine snapshot, and read their keys' locks and CF latest
 * entries (each key's newest Put or Delete with its commit ts) in a few multi-gets.
 * A read at or above that commit ts — the common case, reading recent data — is then
 * answered with no seek; only reads of older versions seek CF write, with one cursor
 * per batch in key order. Everything comes from one snapshot, so a batch reads exactly
 * what a lone snapshot read would.
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
    const snapshot = this.engine.snapshot();
    try {
      await this.serveFrom(snapshot, batch);
    } finally {
      await snapshot.close();
    }
  }

  private async serveFrom(snapshot: EngineSnapshot, batch: PendingGet[]): Promise<void> {
    // 1. Each key's lock and its CF latest entry, from one snapshot, in a few multi-gets
    // that run side by side on the engine's thread pool.
    const keys = batch.map((request) => request.encodedKey);
    const [locks, latest] = await Promise.all([multiGet(snapshot, ColumnFamily.lock, keys), multiGet(snapshot, ColumnFamily.latest, keys)]);
    const needsDefault: Array<{ request: PendingGet; write: Write }> = [];
    const needsSeek: PendingGet[] = [];
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
      const latestBytes = latest[index];
      // No CF latest entry: the key has no Put or Delete at all.
      if (latestBytes === undefined) {
        request.resolve(undefined);
        continue;
      }
      const newest = decodeLatestWrite(latestBytes);
      if (newest.commitTs > request.ts) {
        // The read wants an older version: find it in CF write.
        needsSeek.push(request);
        continue;
      }
      this.settle(request, newest.write, needsDefault);
    }

    // 2. Reads below a key's newest version seek CF write, in key order so the cursor moves forward.
    if (needsSeek.length > 0) {
      needsSeek.sort((a, b) => compareBytes(a.encodedKey, b.encodedKey));
      const cursor = snapshot.iterator(ColumnFamily.write);
      try {
        for (const request of needsSeek) {
          const write = await this.newestDataWrite(cursor, request);
          if (write === undefined) request.resolve(undefined);
          else this.settle(request, write, needsDefault);
        }
      } finally {
        await cursor.close();
      }
    }

    // 3. Values too large to live inline, in one multi-get.
    if (needsDefault.length === 0) return;
    const values = await snapshot.getMany(
      ColumnFamily.default,
      needsDefault.map(({ request, write }) => encodeMvccKey(request.key, write.startTs)),
    );
    for (let index = 0; index < needsDefault.length; index++) {
      const { request, write } = needsDefault[index]!;
      const value = values[index];
      if (value === undefined) request.reject(new CodecError(`value of ${Buffer.from(request.key).toString('hex')} at ${write.startTs} is missing from CF default`));
      else request.resolve(value);
    }
  }

  private settle(request: PendingGet, write: Write, needsDefault: Array<{ request: PendingGet; write: Write }>): void {
    if (write.type !== WriteType.Put) request.resolve(undefined);
    else if (write.shortValue !== undefined) request.resolve(write.shortValue);
    else needsDefault.push({ request, write });
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
