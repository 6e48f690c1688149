import { copyBytes } from '../../common/codec/bytes.js';
import type * as raftCmdpb from '../../proto/gen/raft_cmdpb.js';
import { ColumnFamily, type Engine } from '../engine/engine.js';
import { Latches } from '../mvcc/latches.js';
import { type RawEntry, type RawKeyTtl, type RawPutEntry, type RawScanOptions, RawStore } from '../mvcc/raw/raw-store.js';
import { checkRawBatch, checkRawKey, checkRawTtl, rawValueOf } from '../mvcc/raw/raw-input.js';
import { decodeRawValue, encodeRawValue, isRawValueExpired, type RawValue } from '../mvcc/raw/raw-value.js';
import type { RegionContext } from './raft-kv.js';
import type { RaftStore } from './raft-store.js';
import { RegionError } from './region-errors.js';

/** Unix milliseconds now; injected so TTL behaviour is deterministic in tests. */
export type RawClock = () => number;

export interface RawCompareAndSwap {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  /** Succeed only if the key is absent (or expired). */
  readonly previousNotExist: boolean;
  /** Otherwise: succeed only if the key's live value equals this. */
  readonly previousValue?: Uint8Array;
  readonly ttlSeconds?: number;
}

export interface RawCompareAndSwapResult {
  readonly succeeded: boolean;
  readonly previousNotExist: boolean;
  readonly previousValue?: Uint8Array;
}

/**
 * Raw KV over Raft: the store-side bridge for raw calls. Reads wait for the region's
 * read barrier on this store and then read CF raw (the RawStore read path). Writes are
 * proposed as one Raft command of Put/Delete in CF raw, in the TTL value encoding, and
 * return once applied here; they fail with the region error when refused.
 *
 * Blind writes take no latches: Raft orders them. Compare-and-swap reads before it
 * writes, so it holds the key's latch from its read until its command has applied,
 * and every write holds the latches of its keys so none can land in between.
 */
export class RaftRawKv {
  readonly store: RaftStore;
  private readonly reads: RawStore;
  private readonly engine: Engine;
  private readonly clock: RawClock;
  private readonly latches = new Latches();

  constructor(store: RaftStore, engine: Engine, options: { readonly clock?: RawClock } = {}) {
    this.store = store;
    this.engine = engine;
    this.clock = options.clock ?? Date.now;
    this.reads = new RawStore(engine, { clock: this.clock });
  }

  async get(context: RegionContext, key: Uint8Array): Promise<Uint8Array | undefined> {
    await this.store.readBarrier(context.regionId, context.regionEpoch);
    return this.reads.get(key);
  }

  async batchGet(context: RegionContext, keys: readonly Uint8Array[]): Promise<RawEntry[]> {
    await this.store.readBarrier(context.regionId, context.regionEpoch);
    return this.reads.batchGet(keys);
  }

  async scan(context: RegionContext, options: RawScanOptions): Promise<RawEntry[]> {
    await this.store.readBarrier(context.regionId, context.regionEpoch);
    return this.reads.scan(options);
  }

  async getKeyTtl(context: RegionContext, key: Uint8Array): Promise<RawKeyTtl> {
    await this.store.readBarrier(context.regionId, context.regionEpoch);
    return this.reads.getKeyTtl(key);
  }

  /** Puts every entry in one Raft command; a later entry for the same key wins. */
  async batchPut(context: RegionContext, entries: readonly RawPutEntry[]): Promise<void> {
    checkRawBatch(entries.length, { allowEmpty: false });
    for (const entry of entries) {
      checkRawKey(entry.key);
      checkRawTtl(entry.ttlSeconds);
    }
    await this.latches.withLatches(
      entries.map((entry) => entry.key),
      async () => {
        const nowMs = this.clock();
        await this.propose(
          context,
          entries.map((entry) => putRequest(entry.key, rawValueOf(entry.value, entry.ttlSeconds, nowMs))),
        );
      },
    );
  }

  /** Deletes every key in one Raft command; absent keys are fine. */
  async batchDelete(context: RegionContext, keys: readonly Uint8Array[]): Promise<void> {
    checkRawBatch(keys.length, { allowEmpty: false });
    for (const key of keys) checkRawKey(key);
    await this.latches.withLatches(keys, () => this.propose(context, keys.map(deleteRequest)));
  }

  /**
   * Deletes every key in [start, end) (an empty end: to the region's end) as one Raft
   * command: the range goes at once for readers; it must lie inside the region.
   */
  async deleteRange(context: RegionContext, start: Uint8Array, end: Uint8Array): Promise<void> {
    await this.propose(context, [{ cmd: { $case: 'deleteRange', value: { cf: ColumnFamily.raw, startKey: Buffer.from(start), endKey: Buffer.from(end), notifyOnly: false } } }]);
  }

  /** Compare-and-swap under the key's latch; see the class comment. */
  async compareAndSwap(context: RegionContext, request: RawCompareAndSwap): Promise<RawCompareAndSwapResult> {
    checkRawKey(request.key);
    checkRawTtl(request.ttlSeconds);
    if (request.previousNotExist === (request.previousValue !== undefined)) {
      throw new RangeError('compare-and-swap needs exactly one of previousNotExist and previousValue');
    }
    return this.latches.withLatches([request.key], async () => {
      await this.store.readBarrier(context.regionId, context.regionEpoch);
      const nowMs = this.clock();
      const bytes = await this.engine.get(ColumnFamily.raw, request.key);
      const decoded = bytes === undefined ? undefined : decodeRawValue(bytes);
      const current = decoded === undefined || isRawValueExpired(decoded, nowMs) ? undefined : copyBytes(decoded.value);
      const succeeded = current === undefined ? request.previousNotExist : request.previousValue !== undefined && Buffer.compare(current, request.previousValue) === 0;
      if (succeeded) await this.propose(context, [putRequest(request.key, rawValueOf(request.value, request.ttlSeconds, nowMs))]);
      return current === undefined ? { succeeded, previousNotExist: true } : { succeeded, previousNotExist: false, previousValue: current };
    });
  }

  private async propose(context: RegionContext, requests: raftCmdpb.Request[]): Promise<void> {
    if (requests.length === 0) return;
    const response = await this.store.propose({
      header: { regionId: context.regionId, ...(context.regionEpoch === undefined ? {} : { regionEpoch: context.regionEpoch }), term: 0n, syncLog: true, readQuorum: false, uuid: Buffer.alloc(0) },
      requests,
    });
    const error = response.header?.error;
    if (error !== undefined) throw new RegionError(error);
  }
}

function putRequest(key: Uint8Array, value: RawValue): raftCmdpb.Request {
  return { cmd: { $case: 'put', value: { cf: ColumnFamily.raw, key: Buffer.from(key), value: Buffer.from(encodeRawValue(value)) } } };
}

function deleteRequest(key: Uint8Array): raftCmdpb.Request {
  return { cmd: { $case: 'delete', value: { cf: ColumnFamily.raw, key: Buffer.from(key) } } };
}
