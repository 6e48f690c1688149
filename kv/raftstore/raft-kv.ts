import type * as metapb from '../../proto/gen/metapb.js';
import type * as raftCmdpb from '../../proto/gen/raft_cmdpb.js';
import type { Timestamp } from '../../common/ids.js';
import { ColumnFamily, type Engine } from '../engine/engine.js';
import { encodeUserKey, userKeyRangeOf } from '../../common/codec/mvcc-key.js';
import { gcRange, type GcStats } from '../mvcc/actions/gc.js';
import { LatchedMvccStore } from '../mvcc/latched-store.js';
import type { MvccTxn } from '../mvcc/mvcc-txn.js';
import type { MvccReader } from '../mvcc/reader.js';
import { MvccStore } from '../mvcc/store.js';
import type { RaftStore } from './raft-store.js';
import { RegionError, regionNotFoundError } from './region-errors.js';

/** Where transactional data lives; raw KV's column family is not among them. */
const txnColumnFamilies = [ColumnFamily.default, ColumnFamily.lock, ColumnFamily.write, ColumnFamily.latest] as const;

/** Which region a request is for, as the client planned it. */
export interface RegionContext {
  readonly regionId: bigint;
  readonly regionEpoch: metapb.RegionEpoch | undefined;
}

/**
 * MVCC over Raft: the store-side bridge the KV service calls. A read waits for the
 * region's read barrier on this store (leader lease, or ReadIndex), then reads the
 * engine. A write holds the latches of its keys, passes the read barrier, runs the MVCC
 * command on a snapshot, and proposes the command's modifications as one Raft command;
 * it returns once that command is applied here, and fails with the region error if it
 * was refused (not leader, stale epoch, key not in region) or overtaken (stale command).
 */
export class RaftKv {
  readonly store: RaftStore;
  readonly mvcc: LatchedMvccStore;

  /**
   * Told the lock-column-family keys whose locks a write removed here (commit, rollback,
   * resolve), once it applied: pessimistic lock waiters try again.
   */
  readonly lockReleaseListeners = new Set<(lockKeys: readonly Uint8Array[]) => void>();

  constructor(store: RaftStore, engine: Engine) {
    this.store = store;
    this.mvcc = new LatchedMvccStore(engine);
  }

  /** Runs a read after the region's read barrier; throws RegionError. */
  async read<T>(context: RegionContext, command: (mvcc: LatchedMvccStore) => Promise<T>): Promise<T> {
    await this.store.readBarrier(context.regionId, context.regionEpoch);
    return command(this.mvcc);
  }

  /** Runs an MVCC write command touching `keys` and replicates what it wrote; throws RegionError. */
  async write<T>(context: RegionContext, keys: readonly Uint8Array[], command: (reader: MvccReader, txn: MvccTxn) => Promise<T>): Promise<T> {
    return this.mvcc.latches.withLatches(keys, async () => {
      await this.store.readBarrier(context.regionId, context.regionEpoch);
      const { result, txn } = await this.mvcc.mvcc.compute(command);
      await this.replicate(context, txn);
      return result;
    });
  }

  /**
   * Garbage-collects the region's versions at or below `safePoint` (KvGC): each batch is
   * computed on a snapshot and replicated as one command. Like the local GC it takes no
   * latches: nothing writes at or below a safe point any more.
   */
  async gc(context: RegionContext, safePoint: Timestamp): Promise<GcStats> {
    await this.store.readBarrier(context.regionId, context.regionEpoch);
    const region = this.store.peer(context.regionId)?.region;
    if (region === undefined) throw new RegionError(regionNotFoundError(context.regionId));
    // Region boundaries are encoded user keys; the GC range is in user keys.
    const { start, end } = userKeyRangeOf(region.startKey, region.endKey);
    const replicated = new ReplicatedMvccStore(this.mvcc.mvcc.engine, (txn) => this.replicate(context, txn));
    return gcRange(replicated, { start, end, safePoint });
  }

  /**
   * KvDeleteRange: every version, lock and write record of the user keys in [start, end)
   * (an empty end: no upper bound), bypassing MVCC, as one Raft command. For ranges
   * nothing reads or writes any more (a dropped table past the GC safe point), as in TiKV.
   */
  async deleteRange(context: RegionContext, start: Uint8Array, end: Uint8Array, notifyOnly: boolean): Promise<void> {
    const startKey = Buffer.from(encodeUserKey(start));
    const endKey = end.length === 0 ? Buffer.alloc(0) : Buffer.from(encodeUserKey(end));
    const response = await this.store.propose({
      header: { regionId: context.regionId, ...(context.regionEpoch === undefined ? {} : { regionEpoch: context.regionEpoch }), term: 0n, syncLog: true, readQuorum: false, uuid: Buffer.alloc(0) },
      requests: txnColumnFamilies.map((cf) => ({ cmd: { $case: 'deleteRange' as const, value: { cf, startKey, endKey, notifyOnly } } })),
    });
    const error = response.header?.error;
    if (error !== undefined) throw new RegionError(error);
  }

  /** Proposes a command's modifications as one Raft command and waits for its apply here. */
  private async replicate(context: RegionContext, txn: MvccTxn): Promise<void> {
    if (txn.isEmpty) return;
    const request: raftCmdpb.RaftCmdRequest = {
      header: { regionId: context.regionId, ...(context.regionEpoch === undefined ? {} : { regionEpoch: context.regionEpoch }), term: 0n, syncLog: true, readQuorum: false, uuid: Buffer.alloc(0) },
      requests: txn.modifications.map((modification) =>
        modification.kind === 'put'
          ? { cmd: { $case: 'put' as const, value: { cf: modification.cf, key: Buffer.from(modification.key), value: Buffer.from(modification.value) } } }
          : { cmd: { $case: 'delete' as const, value: { cf: modification.cf, key: Buffer.from(modification.key) } } },
      ),
    };
    const response = await this.store.propose(request);
    const error = response.header?.error;
    if (error !== undefined) throw new RegionError(error);
    if (this.lockReleaseListeners.size === 0) return;
    const released = txn.modifications.filter((modification) => modification.kind === 'delete' && modification.cf === ColumnFamily.lock).map((modification) => modification.key);
    if (released.length === 0) return;
    for (const listener of this.lockReleaseListeners) listener(released);
  }
}

/** An MvccStore whose writes are replicated through Raft instead of written locally. */
class ReplicatedMvccStore extends MvccStore {
  private readonly replicate: (txn: MvccTxn) => Promise<void>;

  constructor(engine: Engine, replicate: (txn: MvccTxn) => Promise<void>) {
    super(engine);
    this.replicate = replicate;
  }

  override async write<T>(command: (reader: MvccReader, txn: MvccTxn) => Promise<T>): Promise<T> {
    const { result, txn } = await this.compute(command);
    await this.replicate(txn);
    return result;
  }
}
