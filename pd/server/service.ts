import type { sendUnaryData, ServerDuplexStream, ServerUnaryCall } from '@grpc/grpc-js';
import { asTimestamp, logicalOf, physicalMsOf } from '../../common/ids.js';
import type * as metapb from '../../proto/gen/metapb.js';
import * as pdpb from '../../proto/gen/pdpb.js';
import type { BasicCluster } from './cluster/cluster.js';
import { ClusterError } from './cluster/errors.js';
import type { RegionInfo } from './cluster/types.js';
import type { GcSafePointStore } from './gc-safe-point.js';
import { IdAllocatorNotServingError, type IdAllocator } from './id-allocator.js';
import { NotLeaderError } from './member/pd-member.js';
import { TsoCountError, TsoNotServingError, type TimestampOracle } from './tso.js';

/** What only the serving leader has. */
export interface LeaderState {
  readonly tso: TimestampOracle;
  readonly ids: IdAllocator;
  readonly safePoint: GcSafePointStore;
  readonly cluster: BasicCluster;
  /** The next operator step for a region that just reported, if any (the scheduler). */
  readonly onRegionHeartbeat?: (region: RegionInfo) => Omit<pdpb.RegionHeartbeatResponse, 'header'> | undefined;
  /** Regions the tree dropped (merged away, or covered by a reported split): their operators end. */
  readonly onRegionsRemoved?: (regionIds: readonly bigint[]) => void;
}

/** What the PD service needs from the process. */
export interface PdServiceBackend {
  readonly clusterId: bigint;
  /** The members this one knows and the leader, for GetMembers. */
  members(): { members: pdpb.Member[]; leader: pdpb.Member | undefined };
  /** The leader's state while this member serves; undefined on followers. */
  leaderState(): LeaderState | undefined;
}

class RequestError extends Error {
  readonly type: pdpb.ErrorType;
  constructor(type: pdpb.ErrorType, message: string) {
    super(message);
    this.type = type;
  }
}

/** Maps a failure to the error PD puts in a response header. */
function headerError(error: unknown): pdpb.Error {
  if (error instanceof RequestError) return { type: error.type, message: error.message };
  if (error instanceof ClusterError) return { type: error.errorType, message: error.message };
  if (error instanceof NotLeaderError || error instanceof TsoNotServingError || error instanceof IdAllocatorNotServingError) {
    return { type: pdpb.ErrorType.NotLeader, message: error.message };
  }
  if (error instanceof TsoCountError || error instanceof RangeError) return { type: pdpb.ErrorType.InvalidValue, message: error.message };
  return { type: pdpb.ErrorType.Unknown, message: error instanceof Error ? error.message : String(error) };
}

function regionResponse(region: RegionInfo | undefined): Omit<pdpb.GetRegionResponse, 'header'> {
  if (region === undefined) return { downPeers: [], pendingPeers: [] };
  return {
    region: region.meta,
    ...(region.leader === undefined ? {} : { leader: region.leader }),
    downPeers: [...region.downPeers],
    pendingPeers: [...region.pendingPeers],
  };
}

/**
 * The PD gRPC service. Every request names its cluster; a request for another cluster
 * is refused with ClusterMismatch. Only the serving leader answers anything but
 * GetMembers: followers say NotLeader, and the client finds the leader through
 * GetMembers. Errors travel in the response header, as pdpb does.
 */
export function createPdService(backend: PdServiceBackend): pdpb.PDServer {
  const checkHeader = (header: pdpb.RequestHeader | undefined): void => {
    const clusterId = header?.clusterId ?? 0n;
    // A zero cluster id is a client that does not know it yet (its first GetMembers).
    if (clusterId !== 0n && clusterId !== backend.clusterId) {
      throw new RequestError(pdpb.ErrorType.ClusterMismatch, `request for cluster ${clusterId} reached cluster ${backend.clusterId}`);
    }
  };
  const leader = (): LeaderState => {
    const state = backend.leaderState();
    if (state === undefined) {
      const known = backend.members().leader;
      throw new RequestError(pdpb.ErrorType.NotLeader, `this PD member is not the leader${known === undefined ? '' : `; the leader is ${known.name} at ${known.clientUrls.join(',')}`}`);
    }
    return state;
  };

  /** A unary handler: header check, leader check unless `anyMember`, error mapping. */
  function unary<Request extends { header?: pdpb.RequestHeader | undefined }, Response extends { header?: pdpb.ResponseHeader | undefined }>(
    handle: (request: Request, state: LeaderState | undefined) => Promise<Omit<Response, 'header'>> | Omit<Response, 'header'>,
    empty: Omit<Response, 'header'>,
    options: { anyMember?: boolean } = {},
  ): (call: ServerUnaryCall<Request, Response>, callback: sendUnaryData<Response>) => void {
    return (call, callback) => {
      void (async () => {
        try {
          checkHeader(call.request.header);
          const state = options.anyMember === true ? backend.leaderState() : leader();
          const body = await handle(call.request, state);
          callback(null, { ...body, header: { clusterId: backend.clusterId } } as Response);
        } catch (error) {
          callback(null, { ...empty, header: { clusterId: backend.clusterId, error: headerError(error) } } as Response);
        }
      })();
    };
  }

  const noRegion = { downPeers: [], pendingPeers: [] };

  return {
    getMembers: unary<pdpb.GetMembersRequest, pdpb.GetMembersResponse>(() => backend.members(), { members: [] }, { anyMember: true }),

    tso: (call: ServerDuplexStream<pdpb.TsoRequest, pdpb.TsoResponse>) => {
      // Requests on one stream are answered in order: each waits for the previous one.
      let chain = Promise.resolve();
      call.on('data', (request: pdpb.TsoRequest) => {
        chain = chain.then(async () => {
          try {
            checkHeader(request.header);
            const { last } = await leader().tso.getTimestamps(request.count);
            call.write({ header: { clusterId: backend.clusterId }, count: request.count, timestamp: { physical: physicalMsOf(last), logical: logicalOf(last), suffixBits: 0 } });
          } catch (error) {
            call.write({ header: { clusterId: backend.clusterId, error: headerError(error) }, count: 0 });
          }
        });
      });
      call.on('end', () => void chain.then(() => call.end()));
      call.on('error', () => undefined);
    },

    bootstrap: unary<pdpb.BootstrapRequest, pdpb.BootstrapResponse>(async (request, state) => {
      if (request.store === undefined || request.region === undefined) throw new RequestError(pdpb.ErrorType.InvalidValue, 'bootstrap needs a store and a region');
      await state!.cluster.bootstrap(request.store, request.region);
      return {};
    }, {}),
    isBootstrapped: unary<pdpb.IsBootstrappedRequest, pdpb.IsBootstrappedResponse>((_request, state) => ({ bootstrapped: state!.cluster.isBootstrapped() }), { bootstrapped: false }),
    allocId: unary<pdpb.AllocIDRequest, pdpb.AllocIDResponse>(async (_request, state) => ({ id: await state!.ids.alloc() }), { id: 0n }),

    getStore: unary<pdpb.GetStoreRequest, pdpb.GetStoreResponse>((request, state) => {
      const store = state!.cluster.getStore(request.storeId);
      if (store === undefined) throw new RequestError(pdpb.ErrorType.Unknown, `store ${request.storeId} not found`);
      return { store: store.meta, ...(store.stats === undefined ? {} : { stats: store.stats }) };
    }, {}),
    putStore: unary<pdpb.PutStoreRequest, pdpb.PutStoreResponse>(async (request, state) => {
      if (request.store === undefined) throw new RequestError(pdpb.ErrorType.InvalidValue, 'PutStore needs a store');
      state!.cluster.requireBootstrapped();
      await state!.cluster.putStore(request.store);
      return {};
    }, {}),
    getAllStores: unary<pdpb.GetAllStoresRequest, pdpb.GetAllStoresResponse>(
      (request, state) => ({ stores: state!.cluster.getAllStores(request.excludeTombstoneStores).map((store): metapb.Store => store.meta) }),
      { stores: [] },
    ),
    storeHeartbeat: unary<pdpb.StoreHeartbeatRequest, pdpb.StoreHeartbeatResponse>((request, state) => {
      if (request.stats === undefined) throw new RequestError(pdpb.ErrorType.InvalidValue, 'StoreHeartbeat needs stats');
      state!.cluster.requireBootstrapped();
      state!.cluster.storeHeartbeat(request.stats);
      return { clusterVersion: '' };
    }, { clusterVersion: '' }),

    regionHeartbeat: (call: ServerDuplexStream<pdpb.RegionHeartbeatRequest, pdpb.RegionHeartbeatResponse>) => {
      let chain = Promise.resolve();
      call.on('data', (request: pdpb.RegionHeartbeatRequest) => {
        chain = chain.then(async () => {
          try {
            checkHeader(request.header);
            const state = leader();
            const result = await state.cluster.regionHeartbeat(request);
            if (result.kind !== 'applied') return;
            if (result.removed.length > 0) state.onRegionsRemoved?.(result.removed.map((removed) => removed.meta.id));
            // PD answers a heartbeat only when it has an operator step for the region.
            const step = state.onRegionHeartbeat?.(result.region);
            if (step !== undefined) call.write({ ...step, header: { clusterId: backend.clusterId } });
          } catch (error) {
            call.write({ header: { clusterId: backend.clusterId, error: headerError(error) }, regionId: request.region?.id ?? 0n });
          }
        });
      });
      call.on('end', () => void chain.then(() => call.end()));
      call.on('error', () => undefined);
    },

    getRegion: unary<pdpb.GetRegionRequest, pdpb.GetRegionResponse>((request, state) => regionResponse(state!.cluster.getRegion(request.regionKey)), noRegion),
    getPrevRegion: unary<pdpb.GetRegionRequest, pdpb.GetRegionResponse>((request, state) => regionResponse(state!.cluster.getPrevRegion(request.regionKey)), noRegion),
    getRegionById: unary<pdpb.GetRegionByIDRequest, pdpb.GetRegionResponse>((request, state) => regionResponse(state!.cluster.getRegionById(request.regionId)), noRegion),
    scanRegions: unary<pdpb.ScanRegionsRequest, pdpb.ScanRegionsResponse>(
      (request, state) => ({
        regions: state!.cluster.scanRegions(request.startKey, request.endKey, request.limit <= 0 ? 1024 : request.limit).map((info) => regionResponse(info)),
      }),
      { regions: [] },
    ),
    askBatchSplit: unary<pdpb.AskBatchSplitRequest, pdpb.AskBatchSplitResponse>(async (request, state) => {
      if (request.region === undefined) throw new RequestError(pdpb.ErrorType.InvalidValue, 'AskBatchSplit needs a region');
      return { ids: await state!.cluster.askBatchSplit(request.region, request.splitCount) };
    }, { ids: [] }),
    reportBatchSplit: unary<pdpb.ReportBatchSplitRequest, pdpb.ReportBatchSplitResponse>(async (request, state) => {
      await state!.cluster.reportBatchSplit(request.regions);
      return {};
    }, {}),

    getGcSafePoint: unary<pdpb.GetGCSafePointRequest, pdpb.GetGCSafePointResponse>(async (_request, state) => ({ safePoint: await state!.safePoint.get() }), { safePoint: 0n }),
    updateGcSafePoint: unary<pdpb.UpdateGCSafePointRequest, pdpb.UpdateGCSafePointResponse>(
      async (request, state) => ({ newSafePoint: (await state!.safePoint.update(asTimestamp(request.safePoint))).current }),
      { newSafePoint: 0n },
    ),

    getClusterConfig: unary<pdpb.GetClusterConfigRequest, pdpb.GetClusterConfigResponse>((_request, state) => ({ cluster: state!.cluster.clusterMeta }), {}),
    putClusterConfig: unary<pdpb.PutClusterConfigRequest, pdpb.PutClusterConfigResponse>(() => {
      throw new RequestError(pdpb.ErrorType.InvalidValue, 'cluster config is set at bootstrap and through the HTTP API');
    }, {}),
  };
}
