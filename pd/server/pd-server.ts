import { bindServer } from '../../common/grpc-bind.js';
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Server, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Logger } from '../../common/log/index.js';
import { createMetricsRegistry, HttpError, serveMetrics, type MetricsServer } from '../../common/metrics/index.js';
import { LevelEngine } from '../../kv/engine/level-engine.js';
import * as pdRaftpb from '../../proto/gen/pd_raftpb.js';
import * as metapb from '../../proto/gen/metapb.js';
import * as pdpb from '../../proto/gen/pdpb.js';
import { BasicCluster } from './cluster/cluster.js';
import { ClusterError } from './cluster/errors.js';
import { defaultScheduleConfig } from './cluster/types.js';
import { parseInitialCluster, type PdConfig } from './config.js';
import { GcSafePointStore } from './gc-safe-point.js';
import { IdAllocator } from './id-allocator.js';
import { GrpcPeerTransport } from './member/grpc-peer-transport.js';
import { PdMember } from './member/pd-member.js';
import { createPdService, type LeaderState, type PdServiceBackend } from './service.js';
import { TimestampOracle } from './tso.js';
import { Coordinator } from './schedule/coordinator.js';
import { OperatorController } from './schedule/operator-controller.js';

/** Peer ids reserved ahead, since the scheduler allocates synchronously. */
const peerIdPoolSize = 256;

/** A member id derived from its name: stable across restarts, a safe integer, never 0. */
export function memberIdOf(name: string): bigint {
  const digest = createHash('sha256').update(name).digest();
  return BigInt((digest.readUIntBE(0, 6) % (2 ** 48 - 1)) + 1);
}

interface MemberInfo {
  readonly name: string;
  readonly memberId: string;
  readonly clientUrls: readonly string[];
  readonly peerUrls: readonly string[];
}

const memberKeyPrefix = 'members/';
const membersRefreshMs = 1_000;

function hostOf(address: string): string {
  return address.slice(0, address.lastIndexOf(':'));
}

/**
 * One `tide-pd` process: its engine, its Raft member, the PD gRPC service for clients,
 * the PDPeer service for the other members, and the HTTP status port. The leader's
 * state (TSO, ID allocator, cluster model) exists only while this member serves.
 */
export class PdServer implements PdServiceBackend {
  readonly clusterId: bigint;
  readonly memberId: bigint;
  readonly config: PdConfig;
  clientPort = 0;
  peerPort = 0;
  statusPort = 0;
  private readonly logger: Logger;
  private engine: LevelEngine | undefined;
  private member: PdMember | undefined;
  private transport: GrpcPeerTransport | undefined;
  private clientServer: Server | undefined;
  private peerServer: Server | undefined;
  private statusServer: MetricsServer | undefined;
  private leader: LeaderState | undefined;
  private operators: OperatorController | undefined;
  private coordinator: Coordinator | undefined;
  private scheduleTimer: NodeJS.Timeout | undefined;
  private knownMembers = new Map<bigint, MemberInfo>();
  private refreshTimer: NodeJS.Timeout | undefined;
  private leadershipEpoch = 0;

  private constructor(config: PdConfig, logger: Logger) {
    this.config = config;
    this.logger = logger;
    this.clusterId = config.clusterId;
    this.memberId = memberIdOf(config.name);
  }

  static async start(config: PdConfig, logger: Logger): Promise<PdServer> {
    const server = new PdServer(config, logger);
    await server.open();
    return server;
  }

  private selfInfo(): MemberInfo {
    return {
      name: this.config.name,
      memberId: this.memberId.toString(),
      clientUrls: [`http://${hostOf(this.config.clientUrls)}:${this.clientPort}`],
      peerUrls: [`http://${hostOf(this.config.peerUrls)}:${this.peerPort}`],
    };
  }

  private async open(): Promise<void> {
    const members = parseInitialCluster(this.config);
    await mkdir(this.config.dataDir, { recursive: true });
    this.engine = await LevelEngine.open(join(this.config.dataDir, 'engine'));

    this.peerServer = new Server();
    this.peerPort = await bindServer(this.peerServer, this.config.peerUrls);
    const addresses = new Map(members.map((member) => [memberIdOf(member.name), member.name === this.config.name ? `${hostOf(this.config.peerUrls)}:${this.peerPort}` : member.peerAddress]));
    this.transport = new GrpcPeerTransport(this.clusterId, addresses);
    this.peerServer.addService(pdRaftpb.PDPeerService, this.transport.service() as unknown as UntypedServiceImplementation);

    this.clientServer = new Server();
    this.clientServer.addService(pdpb.PDService, createPdService(this) as unknown as UntypedServiceImplementation);
    this.clientPort = await bindServer(this.clientServer, this.config.clientUrls);
    this.knownMembers.set(this.memberId, this.selfInfo());

    this.member = new PdMember({
      memberId: this.memberId,
      memberIds: [...addresses.keys()],
      engine: this.engine,
      transport: this.transport,
      random: Math.random,
      tickIntervalMs: this.config.raft.tickIntervalMs,
      electionTicks: this.config.raft.electionTicks,
      heartbeatTicks: this.config.raft.heartbeatTicks,
      onLeadershipChange: (serving) => void this.onLeadershipChange(serving),
    });
    this.transport.attach(this.member);
    this.member.start();
    this.refreshTimer = setInterval(() => void this.refreshMembers(), membersRefreshMs);

    const registry = createMetricsRegistry('pd');
    this.statusServer = await serveMetrics({
      host: hostOf(this.config.statusUrls),
      port: Number(this.config.statusUrls.slice(this.config.statusUrls.lastIndexOf(':') + 1)),
      registry,
      extraRoutes: {
        '/pd/api/v1/health': () => ({ name: this.config.name, memberId: this.memberId.toString(), serving: this.leader !== undefined, leader: this.members().leader?.name ?? null }),
        '/pd/api/v1/members': () => this.members(),
        '/pd/api/v1/stores': () => this.storesJson(),
        '/pd/api/v1/regions': () => this.regionsJson(),
        '/pd/api/v1/schedulers': () => ({ schedulers: this.coordinator?.schedulers() ?? [] }),
        '/pd/api/v1/operators': () => ({ operators: this.operators?.operators().map((operator) => operator.summary()) ?? [] }),
      },
      postRoutes: {
        // {"name": "balance-leader-scheduler", "enabled": false}: pause or resume a scheduler.
        '/pd/api/v1/schedulers': (body) => {
          const { name, enabled } = (body ?? {}) as { name?: unknown; enabled?: unknown };
          if (typeof name !== 'string' || typeof enabled !== 'boolean') throw new HttpError(400, 'expected {"name": string, "enabled": boolean}');
          const coordinator = this.requireLeader(this.coordinator);
          if (!coordinator.setSchedulerEnabled(name, enabled)) throw new HttpError(404, `no scheduler named ${name}`);
          return { schedulers: coordinator.schedulers() };
        },
        // {"name": "transfer-leader", "regionId": "2", "toStoreId": "4"}: move a region's leader by hand.
        '/pd/api/v1/operators': (body) => {
          const { name, regionId, toStoreId } = (body ?? {}) as { name?: unknown; regionId?: unknown; toStoreId?: unknown };
          const isId = (value: unknown) => (typeof value === 'string' && /^\d+$/.test(value)) || (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0);
          if (name !== 'transfer-leader' || !isId(regionId) || !isId(toStoreId)) {
            throw new HttpError(400, 'expected {"name": "transfer-leader", "regionId": string, "toStoreId": string}');
          }
          const coordinator = this.requireLeader(this.coordinator);
          const cluster = this.requireLeader(this.leader?.cluster);
          const result = coordinator.transferLeader(cluster.view(), BigInt(regionId as string | number), BigInt(toStoreId as string | number));
          if (!result.added) throw new HttpError(409, result.reason);
          return { operator: result.operator.summary() };
        },
        // {"storeId": "4", "state": "Offline"}: drain a store (Offline), bring it back (Up),
        // or retire an empty one (Tombstone).
        '/pd/api/v1/stores/state': async (body) => {
          const { storeId, state } = (body ?? {}) as { storeId?: unknown; state?: unknown };
          const states: Record<string, metapb.StoreState> = { Up: metapb.StoreState.Up, Offline: metapb.StoreState.Offline, Tombstone: metapb.StoreState.Tombstone };
          if ((typeof storeId !== 'string' && typeof storeId !== 'number') || typeof state !== 'string' || states[state] === undefined) {
            throw new HttpError(400, 'expected {"storeId": string, "state": "Up" | "Offline" | "Tombstone"}');
          }
          const cluster = this.requireLeader(this.leader?.cluster);
          try {
            const updated = await cluster.setStoreState(BigInt(storeId), states[state]);
            return { storeId: updated.meta.id, state };
          } catch (error) {
            if (error instanceof ClusterError) throw new HttpError(400, error.message);
            throw error;
          }
        },
      },
    });
    this.statusPort = this.statusServer.port;
    this.logger.info({ clientPort: this.clientPort, peerPort: this.peerPort, statusPort: this.statusPort, members: members.length }, 'PD member started');
  }

  private async onLeadershipChange(serving: boolean): Promise<void> {
    const epoch = ++this.leadershipEpoch;
    const previous = this.leader;
    this.leader = undefined;
    this.operators = undefined;
    this.coordinator = undefined;
    if (this.scheduleTimer !== undefined) clearInterval(this.scheduleTimer);
    this.scheduleTimer = undefined;
    previous?.tso.resign();
    previous?.ids.resign();
    if (!serving) {
      this.logger.info('PD member stopped serving');
      return;
    }
    const storage = this.member!.storage;
    try {
      const tso = new TimestampOracle({ storage, clock: Date.now, sleep: (ms) => sleep(ms), saveIntervalMs: this.config.tso.saveIntervalMs });
      await tso.initialize();
      const ids = new IdAllocator({ storage });
      await ids.initialize();
      const cluster = await BasicCluster.load({
        storage,
        clock: Date.now,
        allocateId: () => ids.alloc(),
        clusterId: this.clusterId,
        config: {
          ...defaultScheduleConfig,
          maxReplicas: this.config.schedule.maxReplicas,
          maxStoreDownTimeMs: this.config.schedule.maxStoreDownTimeMs,
          locationLabels: this.config.schedule.locationLabels.split(',').map((label) => label.trim()).filter((label) => label !== ''),
          storeLimitOperators: this.config.schedule.storeLimitOperators,
        },
      });
      await storage.write([{ key: `${memberKeyPrefix}${this.memberId}`, value: new TextEncoder().encode(JSON.stringify(this.selfInfo())) }]);
      if (epoch !== this.leadershipEpoch) {
        tso.resign();
        ids.resign();
        return;
      }
      const operators = new OperatorController({ config: () => cluster.config });
      const peerIds: bigint[] = await ids.allocMany(peerIdPoolSize);
      const coordinator = new Coordinator(operators, {
        allocPeerId: () => {
          const id = peerIds.shift();
          if (id === undefined) throw new Error('the peer id pool is empty; the next scheduling round refills it');
          return id;
        },
      });
      this.operators = operators;
      this.coordinator = coordinator;
      this.leader = {
        tso,
        ids,
        safePoint: new GcSafePointStore(storage),
        cluster,
        // The view is cheap (it reads the live structures): one per heartbeat.
        onRegionHeartbeat: (region) => operators.onRegionHeartbeat(region, cluster.view()),
        onRegionsRemoved: (regionIds) => {
          for (const regionId of regionIds) operators.onRegionRemoved(regionId, Date.now());
        },
      };
      let scheduling = false;
      this.scheduleTimer = setInterval(() => {
        if (scheduling || this.leader === undefined) return;
        scheduling = true;
        void (async () => {
          try {
            if (peerIds.length < peerIdPoolSize / 2) peerIds.push(...(await ids.allocMany(peerIdPoolSize - peerIds.length)));
            if (cluster.isBootstrapped()) coordinator.scheduleOnce(cluster.view());
          } catch (error) {
            this.logger.warn({ error }, 'scheduling round failed');
          } finally {
            scheduling = false;
          }
        })();
      }, this.config.schedule.intervalMs);
      this.logger.info('PD member is the leader and serving');
    } catch (error) {
      this.logger.warn({ error }, 'PD member could not start serving');
    }
  }

  private async refreshMembers(): Promise<void> {
    if (this.member === undefined) return;
    try {
      for (const { key, value } of await this.member.storage.scan(memberKeyPrefix)) {
        const info = JSON.parse(new TextDecoder().decode(value)) as MemberInfo;
        const id = BigInt(key.slice(memberKeyPrefix.length));
        if (id !== this.memberId) this.knownMembers.set(id, info);
      }
    } catch (error) {
      this.logger.warn({ error }, 'could not refresh the PD member list');
    }
  }

  members(): { members: pdpb.Member[]; leader: pdpb.Member | undefined } {
    const toMember = (info: MemberInfo): pdpb.Member => ({ name: info.name, memberId: BigInt(info.memberId), clientUrls: [...info.clientUrls], peerUrls: [...info.peerUrls], leaderPriority: 0 });
    const members = [...this.knownMembers.values()].map(toMember);
    const leaderId = this.leader !== undefined ? this.memberId : this.member?.leaderId();
    const leaderInfo = leaderId === undefined ? undefined : this.knownMembers.get(leaderId);
    return { members, leader: leaderInfo === undefined ? undefined : toMember(leaderInfo) };
  }

  leaderState(): LeaderState | undefined {
    return this.leader;
  }

  private requireLeader<T>(value: T | undefined): T {
    if (value === undefined) throw new HttpError(503, `not the PD leader; the leader is ${this.members().leader?.clientUrls.join(',') ?? 'unknown'}`);
    return value;
  }

  private storesJson(): unknown {
    const cluster = this.leader?.cluster;
    if (cluster === undefined) return { error: 'not the PD leader', leader: this.members().leader?.clientUrls ?? [] };
    const stores = cluster.getAllStores(false).map((store) => ({
      store: { id: store.meta.id.toString(), address: store.meta.address, stateName: ['Up', 'Offline', 'Tombstone'][store.meta.state] ?? String(store.meta.state), labels: store.meta.labels },
      status: { liveness: cluster.storeLiveness(store.meta.id), ...cluster.storeRegionStats(store.meta.id), lastHeartbeatMs: store.lastHeartbeatMs },
    }));
    return { count: stores.length, stores };
  }

  private regionsJson(): unknown {
    const cluster = this.leader?.cluster;
    if (cluster === undefined) return { error: 'not the PD leader', leader: this.members().leader?.clientUrls ?? [] };
    const regions = cluster.scanRegions(new Uint8Array(0), new Uint8Array(0), 100_000).map((region) => ({
      id: region.meta.id.toString(),
      startKey: Buffer.from(region.meta.startKey).toString('hex'),
      endKey: Buffer.from(region.meta.endKey).toString('hex'),
      epoch: { confVer: region.meta.regionEpoch?.confVer.toString(), version: region.meta.regionEpoch?.version.toString() },
      peers: region.meta.peers.map((peer) => ({ id: peer.id.toString(), storeId: peer.storeId.toString(), role: peer.role })),
      leader: region.leader === undefined ? null : { id: region.leader.id.toString(), storeId: region.leader.storeId.toString() },
      approximateSize: region.approximateSizeBytes.toString(),
      approximateKeys: region.approximateKeys.toString(),
      // The flow of the leader's last heartbeat interval.
      writtenBytes: region.bytesWritten.toString(),
      writtenKeys: region.keysWritten.toString(),
      downPeers: region.downPeers.map((stats) => ({ id: stats.peer?.id.toString(), storeId: stats.peer?.storeId.toString(), downSeconds: stats.downSeconds.toString() })),
      pendingPeers: region.pendingPeers.map((peer) => ({ id: peer.id.toString(), storeId: peer.storeId.toString() })),
    }));
    return { count: regions.length, regions };
  }

  async stop(): Promise<void> {
    if (this.refreshTimer !== undefined) clearInterval(this.refreshTimer);
    if (this.scheduleTimer !== undefined) clearInterval(this.scheduleTimer);
    this.leader?.tso.resign();
    this.leader?.ids.resign();
    this.leader = undefined;
    await this.member?.stop();
    this.transport?.close();
    this.clientServer?.forceShutdown();
    this.peerServer?.forceShutdown();
    await this.statusServer?.close();
    await this.engine?.close();
    this.logger.info('PD member stopped');
  }
}
