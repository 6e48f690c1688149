import * as metapb from '../../proto/gen/metapb.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../common/log/index.js';
import { kvConfigSchema } from '../../kv/node/config.js';
import { StoreNode } from '../../kv/node/store-node.js';
import { pdConfigSchema } from '../../pd/server/config.js';
import { PdServer } from '../../pd/server/pd-server.js';

/**
 * A whole cluster in this process: one tide-pd and N tide-kv store nodes, each with its
 * own LevelDB data dir, talking real gRPC on loopback. Cheaper to start than the process
 * cluster, and a store can be stopped and started again on its data dir.
 */
export class LocalCluster {
  readonly stores: Array<StoreNode | undefined> = [];
  private constructor(
    readonly pd: PdServer,
    private readonly root: string,
  ) {}

  get pdEndpoint(): string {
    return `127.0.0.1:${this.pd.clientPort}`;
  }

  get pdStatusUrl(): string {
    return `http://127.0.0.1:${this.pd.statusPort}`;
  }

  static async start(storeCount = 3): Promise<LocalCluster> {
    const root = await mkdtemp(join(tmpdir(), 'tidedb-local-cluster-'));
    const pd = await PdServer.start(
      pdConfigSchema.parse({
        name: 'pd',
        dataDir: join(root, 'pd'),
        clientUrls: '127.0.0.1:0',
        peerUrls: '127.0.0.1:0',
        statusUrls: '127.0.0.1:0',
        raft: { tickIntervalMs: '20ms' },
        schedule: { intervalMs: '100ms' },
      }),
      createLogger({ component: 'pd', level: 'silent' }),
    );
    const cluster = new LocalCluster(pd, root);
    for (let index = 0; index < storeCount; index++) await cluster.startStore(index);
    return cluster;
  }

  /** Starts store `index` (again, on its data dir, if it ran before). */
  async startStore(index: number): Promise<StoreNode> {
    const config = kvConfigSchema.parse({
      addr: '127.0.0.1:0',
      statusAddr: '127.0.0.1:0',
      dataDir: join(this.root, `kv${index}`),
      pd: this.pdEndpoint,
      logLevel: 'silent',
      raftstore: { tickIntervalMs: '20ms', pdHeartbeatIntervalMs: '200ms', splitCheckIntervalMs: '200ms' },
    });
    const node = await StoreNode.start(config, createLogger({ component: 'kv', level: 'silent' }));
    this.stores[index] = node;
    return node;
  }

  async stopStore(index: number): Promise<void> {
    const node = this.stores[index];
    this.stores[index] = undefined;
    await node?.stop();
  }

  /** PD's view of the regions: every region with a leader and `replicas` voters. */
  async waitForRegions(replicas: number, timeoutMs = 30_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const body = (await (await fetch(`${this.pdStatusUrl}/pd/api/v1/regions`)).json()) as { regions?: Array<{ leader: unknown; peers: Array<{ role: number }> }> };
        const regions = body.regions ?? [];
        if (regions.length > 0 && regions.every((region) => region.leader !== null && region.peers.filter((peer) => peer.role === metapb.PeerRole.Voter).length === replicas)) return regions.length;
      } catch {
        // PD not ready yet.
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for every region to have ${replicas} replicas and a leader`);
      await sleep(100);
    }
  }

  async stop(): Promise<void> {
    for (let index = 0; index < this.stores.length; index++) await this.stopStore(index);
    await this.pd.stop();
    await rm(this.root, { recursive: true, force: true });
  }
}
