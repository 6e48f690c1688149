import { bindServer } from '../../common/grpc-bind.js';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Server, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Logger } from '../../common/log/index.js';
import { createMetricsRegistry, serveMetrics, type MetricsServer } from '../../common/metrics/index.js';
import { PdClient } from '../../pd/client/pd-client.js';
import { PdClientError } from '../../pd/client/errors.js';
import * as deadlockpb from '../../proto/gen/deadlock.js';
import * as metapb from '../../proto/gen/metapb.js';
import * as raftServerpb from '../../proto/gen/raft_serverpb.js';
import * as tikvpb from '../../proto/gen/tikvpb.js';
import { ColumnFamily } from '../engine/engine.js';
import { LevelEngine } from '../engine/level-engine.js';
import { GrpcStoreTransport, storeServerOptions } from '../raftstore/grpc-store-transport.js';
import { PdWorker } from '../raftstore/pd-worker.js';
import { RaftKv } from '../raftstore/raft-kv.js';
import { RaftRawKv } from '../raftstore/raft-raw-kv.js';
import { initialRegion, RaftStore } from '../raftstore/raft-store.js';
import { createKvService } from '../server/kv-service.js';
import { ClusterDeadlockDetector, deadlockService } from '../server/lock-manager/deadlock-detector.js';
import { LockManager } from '../server/lock-manager/lock-manager.js';
import { WaitForGraph } from '../server/lock-manager/wait-for-graph.js';
import { type KvConfig, parseLabels } from './config.js';

/** The key of the store's identity in its engine: written once, when PD gives it an id. */
const storeIdentKey = new TextEncoder().encode('store-ident');

function hostOf(address: string): string {
  return address.slice(0, address.lastIndexOf(':'));
}

function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1));
}

/**
 * One `tide-kv` process: its engine, its identity from PD, the raftstore over all its
 * region peers, the KV gRPC service, the PD worker, and the status port.
 */
export class StoreNode {
  storeId = 0n;
  port = 0;
  statusPort = 0;
  private readonly config: KvConfig;
  private readonly logger: Logger;
  private engine: LevelEngine | undefined;
  private pd: PdClient | undefined;
  private store: RaftStore | undefined;
  private transport: GrpcStoreTransport | undefined;
  private detector: ClusterDeadlockDetector | undefined;
  private lockManager: LockManager | undefined;
  private worker: PdWorker | undefined;
  private server: Server | undefined;
  private status: MetricsServer | undefined;
  private readonly addresses = new Map<bigint, string>();

  private constructor(config: KvConfig, logger: Logger) {
    this.config = config;
    this.logger = logger;
  }

  static async start(config: KvConfig, logger: Logger): Promise<StoreNode> {
    const node = new StoreNode(config, logger);
    await node.open();
    return node;
  }

  private async open(): Promise<void> {
    const config = this.config;
    await mkdir(config.dataDir, { recursive: true });
    this.engine = await LevelEngine.open(join(config.dataDir, 'engine'));
    this.pd = await PdClient.connect(config.pd.split(',').map((endpoint) => endpoint.trim()).filter((endpoint) => endpoint !== ''), { timeoutMs: 30_000 });
    this.storeId = await this.identity();

    // The gRPC server binds first, so the store's real address (port 0 → chosen) goes to PD.
    this.server = new Server(storeServerOptions);
    this.port = await bindServer(this.server!, config.addr);
    const meta = metapb.Store.create({ id: this.storeId, address: `${hostOf(config.addr)}:${this.port}`, labels: parseLabels(config.labels), state: metapb.StoreState.Up, version: '0.1.0' });

    const registry = createMetricsRegistry('kv');
    this.transport = new GrpcStoreTransport((storeId) => this.resolve(storeId));
    this.store = new RaftStore({
      storeId: this.storeId,
      engine: this.engine,
      transport: this.transport,
      tickIntervalMs: config.raftstore.tickIntervalMs,
      electionTicks: config.raftstore.electionTicks,
      heartbeatTicks: config.raftstore.heartbeatTicks,
      raftLogGcThresholdEntries: config.raftstore.raftLogGcThresholdEntries,
      raftLogGcCountLimitEntries: config.raftstore.raftLogGcCountLimitEntries,
      metrics: registry,
    });
    const loaded = await this.store.loadRegions();
    const kv = new RaftKv(this.store, this.engine);
    // One deadlock detector for the cluster: the store leading the first region.
    const graph = new WaitForGraph();
    const isDetector = () => this.store?.regions().some((region) => region.startKey.length === 0 && this.store?.peer(region.id)?.isLeader() === true) ?? false;
    this.detector = new ClusterDeadlockDetector({ graph, isDetector, detectorAddress: () => this.detectorAddress() });
    // A store that stops leading the first region is no longer the detector: the next
    // one starts with an empty graph, and this one must not keep edges nobody cleans up.
    this.store.roleChangeListeners.add((region, leading) => {
      if (!leading && region.startKey.length === 0) graph.clear();
    });
    this.lockManager = new LockManager({ detector: this.detector });
    this.server.addService(deadlockpb.DeadlockService, deadlockService(graph, isDetector));
    this.server.addService(tikvpb.TikvService, createKvService(this.store, kv, {
        raw: new RaftRawKv(this.store, this.engine),
        metrics: registry,
        lockManager: this.lockManager,
        timestamp: () => this.pd!.getTimestamp(),
        split: async (regionId, epoch, keys) => {
          const worker = this.worker;
          if (worker === undefined) throw new Error('the store has not joined the cluster yet');
          return worker.splitRegion(regionId, epoch, keys);
        },
      }) as unknown as UntypedServiceImplementation);

    await this.joinCluster(meta, loaded);
    this.store.start();
    this.worker = new PdWorker({
      store: this.store,
      engine: this.engine,
      pd: this.pd,
      meta,
      storeHeartbeatIntervalMs: config.raftstore.pdHeartbeatIntervalMs,
      regionHeartbeatIntervalMs: config.raftstore.pdHeartbeatIntervalMs,
      regionMaxSizeBytes: config.raftstore.regionMaxSizeBytes,
      splitCheckIntervalMs: config.raftstore.splitCheckIntervalMs,
    });
    await this.worker.start();

    this.status = await serveMetrics({
      host: hostOf(config.statusAddr),
      port: portOf(config.statusAddr),
      registry,
      extraRoutes: {
        '/status': () => ({
          storeId: this.storeId,
          address: meta.address,
          regions: this.store?.regions().map((region) => ({ id: region.id, leader: this.store?.peer(region.id)?.isLeader() ?? false, peers: region.peers.length })) ?? [],
        }),
      },
    });
    this.statusPort = this.status.port;
    this.logger.info({ storeId: this.storeId, port: this.port, statusPort: this.statusPort, regions: loaded }, 'store started');
  }

  /** The store id: from the engine, or allocated by PD on the very first start. */
  private async identity(): Promise<bigint> {
    const stored = this.engine!.getSync(ColumnFamily.raft, storeIdentKey);
    if (stored !== undefined) {
      const ident = raftServerpb.StoreIdent.decode(stored);
      if (ident.clusterId !== this.pd!.clusterId) throw new Error(`this store belongs to cluster ${ident.clusterId}, PD serves cluster ${this.pd!.clusterId}`);
      return ident.storeId;
    }
    const storeId = await this.pd!.allocId();
    const batch = this.engine!.newBatch();
    batch.put(ColumnFamily.raft, storeIdentKey, raftServerpb.StoreIdent.encode({ clusterId: this.pd!.clusterId, storeId }).finish());
    await this.engine!.write(batch, { sync: true });
    return storeId;
  }

  /** The first store of a new cluster bootstraps it with the first region; the others register. */
  private async joinCluster(meta: metapb.Store, loadedRegions: number): Promise<void> {
    const pd = this.pd!;
    if (!(await pd.isBootstrapped()) && loadedRegions === 0) {
      const regionId = await pd.allocId();
      const peerId = await pd.allocId();
      const region = initialRegion(regionId, [metapb.Peer.create({ id: peerId, storeId: this.storeId, role: metapb.PeerRole.Voter })]);
      try {
        await pd.bootstrap(meta, region);
        await this.store!.bootstrapRegion(region);
        this.logger.info({ regionId }, 'bootstrapped the cluster');
        return;
      } catch (error) {
        // Another store won the bootstrap race: join as an ordinary store.
        if (!(error instanceof PdClientError && error.serverErrorType === 'AlreadyBootstrapped')) throw error;
      }
    }
    await pd.putStore(meta);
  }

  /** Store addresses from PD, cached; an unknown store is looked up in the background. */
  private resolve(storeId: bigint): string | undefined {
    const known = this.addresses.get(storeId);
    if (known !== undefined) return known;
    void this.pd
      ?.getStore(storeId)
      .then((store) => {
        if (store !== undefined && store.address !== '') this.addresses.set(storeId, store.address);
      })
      .catch(() => undefined);
    return undefined;
  }

  /** Where the deadlock detector is: the store PD sees leading the region of the empty key. */
  private async detectorAddress(): Promise<string | undefined> {
    const route = await this.pd?.getRegion(new Uint8Array(0));
    const leaderStore = route?.leader?.storeId;
    if (leaderStore === undefined) return undefined;
    return this.addresses.get(leaderStore) ?? (await this.pd?.getStore(leaderStore))?.address;
  }

  async stop(): Promise<void> {
    // Waiting lock requests answer with the lock they met instead of holding the shutdown.
    this.lockManager?.waiters.close();
    this.detector?.close();
    await this.worker?.stop();
    await this.store?.stop();
    this.transport?.close();
    this.server?.forceShutdown();
    await this.status?.close();
    this.pd?.close();
    await this.engine?.close();
    this.logger.info('store stopped');
  }
}
