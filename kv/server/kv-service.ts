import { type handleUnaryCall, status } from '@grpc/grpc-js';
import { encodeUserKey } from '../../common/codec/mvcc-key.js';
import * as coprocessorpb from '../../proto/gen/coprocessor.js';
import type * as errorpb from '../../proto/gen/errorpb.js';
import * as kvrpcpb from '../../proto/gen/kvrpcpb.js';
import type * as metapb from '../../proto/gen/metapb.js';
import type * as tikvpb from '../../proto/gen/tikvpb.js';
import { raftMessageHandlers } from '../raftstore/grpc-store-transport.js';
import type { RaftKv } from '../raftstore/raft-kv.js';
import { RaftRawKv, type RawClock } from '../raftstore/raft-raw-kv.js';
import type { RaftStore } from '../raftstore/raft-store.js';
import { handleBatchCommands } from './batch-commands.js';
import { type CoprocessorOptions, createCoprocessorHandler } from './coprocessor-handler.js';
import type { KvHandlers } from './kv-handlers.js';
import { instrumentHandlers } from './request-metrics.js';
import type { MetricsRegistry } from '../../common/metrics/index.js';
import { createRawHandlers } from './raw-handlers.js';
import { LockManager } from './lock-manager/lock-manager.js';
import { createTxnHandlers } from './txn-handlers.js';

export interface KvServiceOptions {
  /** Raw KV over Raft; built from `kv`'s store and engine when absent. */
  readonly raw?: RaftRawKv;
  /** Unix ms for raw TTLs when `raw` is built here. */
  readonly clock?: RawClock;
  /** Where request metrics go (tidedb_kv_requests_total, tidedb_kv_request_duration_seconds). */
  readonly metrics?: MetricsRegistry;
  /** PD's TSO: a new leader syncs its max ts from it before async-commit or 1PC prewrites. */
  readonly timestamp?: () => Promise<bigint>;
  /** Pessimistic lock waits and deadlock detection; a store-local one when absent. */
  readonly lockManager?: LockManager;
  /** Limits of coprocessor requests. */
  readonly coprocessor?: CoprocessorOptions;
  /** Splits a region at routing keys through PD (the SplitRegion RPC); unsupported when absent. */
  readonly split?: (regionId: bigint, epoch: metapb.RegionEpoch | undefined, splitKeys: readonly Uint8Array[]) => Promise<{ regionError?: errorpb.Error; regions: metapb.Region[] }>;
}

const coprocessorStreamUnsupported = 'the coprocessor stream is not supported: use Coprocessor (unary or on BatchCommands) with paging';

/** Every KV command of the store, as functions (see KvHandlers). */
export function createKvHandlers(store: RaftStore, kv: RaftKv, options: KvServiceOptions = {}): KvHandlers {
  const lockManager = options.lockManager ?? new LockManager();
  kv.lockReleaseListeners.add((lockKeys) => lockManager.waiters.released(lockKeys));
  // Releases are reported where they are proposed: waiters of a region this store no
  // longer leads would wait out their time, so they retry at the new leader instead.
  store.roleChangeListeners.add((region, leading) => {
    if (!leading) lockManager.waiters.cancelRange(region.startKey, region.endKey);
  });
  const raw = options.raw ?? new RaftRawKv(store, kv.mvcc.engine, options.clock === undefined ? {} : { clock: options.clock });
  return {
    ...createTxnHandlers(store, kv, lockManager, options.timestamp),
    ...createRawHandlers(store, raw),
    coprocessor: createCoprocessorHandler(store, kv, options.coprocessor ?? {}),
    empty: async (request) => ({ testId: request.testId }),
  };
}

/** A unary gRPC method over a handler; handlers do not reject, but a bug becomes INTERNAL, not a crash. */
function unary<Request, Response>(handler: (request: Request) => Promise<Response>): handleUnaryCall<Request, Response> {
  return (call, callback) => {
    handler(call.request).then(
      (response) => callback(null, response),
      (error: unknown) => callback({ code: status.INTERNAL, details: error instanceof Error ? error.message : String(error) }),
    );
  };
}

/**
 * The Tikv gRPC service of one store: transactional and raw KV over Raft, the
 * BatchCommands stream, the Raft message streams between stores, and the coprocessor.
 */
export function createKvService(store: RaftStore, kv: RaftKv, options: KvServiceOptions = {}): tikvpb.TikvServer {
  const plain = createKvHandlers(store, kv, options);
  const handlers = options.metrics === undefined ? plain : instrumentHandlers(plain, options.metrics);
  const raft = raftMessageHandlers(store);
  return {
    kvGet: unary(handlers.get),
    kvScan: unary(handlers.scan),
    kvBatchGet: unary(handlers.batchGet),
    kvPrewrite: unary(handlers.prewrite),
    kvCommit: unary(handlers.commit),
    kvCleanup: unary(handlers.cleanup),
    kvBatchRollback: unary(handlers.batchRollback),
    kvCheckTxnStatus: unary(handlers.checkTxnStatus),
    kvCheckSecondaryLocks: unary(handlers.checkSecondaryLocks),
    kvResolveLock: unary(handlers.resolveLock),
    kvScanLock: unary(handlers.scanLock),
    kvTxnHeartBeat: unary(handlers.txnHeartBeat),
    kvPessimisticLock: unary(handlers.pessimisticLock),
    kvPessimisticRollback: unary(handlers.pessimisticRollback),
    kvGc: unary(handlers.gc),
    kvDeleteRange: unary(handlers.deleteRange),
    rawGet: unary(handlers.rawGet),
    rawBatchGet: unary(handlers.rawBatchGet),
    rawPut: unary(handlers.rawPut),
    rawBatchPut: unary(handlers.rawBatchPut),
    rawDelete: unary(handlers.rawDelete),
    rawBatchDelete: unary(handlers.rawBatchDelete),
    rawScan: unary(handlers.rawScan),
    rawDeleteRange: unary(handlers.rawDeleteRange),
    rawCompareAndSwap: unary(handlers.rawCompareAndSwap),
    rawGetKeyTtl: unary(handlers.rawGetKeyTtl),
    coprocessor: unary(handlers.coprocessor),
    coprocessorStream: (call) => {
      call.write(coprocessorpb.Response.create({ otherError: coprocessorStreamUnsupported }));
      call.end();
    },
    splitRegion: (call, callback) => {
      const split = options.split;
      if (split === undefined) return callback({ code: status.UNIMPLEMENTED, details: 'SplitRegion needs PD, which this server was built without' });
      const request = call.request;
      // Raw keys route as themselves; transactional keys by their memcomparable encoding.
      const keys = request.splitKeys.map((key) => (request.isRawKv ? key : encodeUserKey(key)));
      split(request.context?.regionId ?? 0n, request.context?.regionEpoch, keys).then(
        (result) => callback(null, kvrpcpb.SplitRegionResponse.create(result)),
        (error: unknown) => callback({ code: status.UNAVAILABLE, details: `SplitRegion failed: ${error instanceof Error ? error.message : String(error)}` }),
      );
    },
    raft: raft.raft,
    batchRaft: raft.batchRaft,
    snapshot: raft.snapshot,
    batchCommands: (call) => handleBatchCommands(handlers, call),
  };
}
