import type * as metapb from '../../proto/gen/metapb.js';
import type * as raftCmdpb from '../../proto/gen/raft_cmdpb.js';
import type { Engine } from '../engine/engine.js';
import { LatchedMvccStore } from '../mvcc/latched-store.js';
import type { MvccTxn } from '../mvcc/mvcc-txn.js';
import type { MvccReader } from '../mvcc/reader.js';
import type { RaftStore } from './raft-store.js';
import { RegionError } from './region-errors.js';

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
      if (txn.isEmpty) return result;
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
      return result;
    });
  }
}
