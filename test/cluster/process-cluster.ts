import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as kvrpcpb from '../../proto/gen/kvrpcpb.js';
import * as metapb from '../../proto/gen/metapb.js';
import { freePort } from '../../common/free-port.js';
import { repoRoot } from '../repo-root.js';

/** Where each process of a local cluster listens. */
export interface ClusterPorts {
  readonly pdClient: number;
  readonly pdPeer: number;
  readonly pdStatus: number;
  readonly kv: readonly number[];
  readonly kvStatus: readonly number[];
}

export const defaultPorts: ClusterPorts = { pdClient: 2379, pdPeer: 2380, pdStatus: 2381, kv: [20160, 20161, 20162], kvStatus: [20180, 20181, 20182] };

export interface ProcessCluster {
  readonly ports: ClusterPorts;
  readonly processes: ReadonlyArray<{ readonly name: string; readonly child: ChildProcess }>;
  /** Sends SIGTERM to every process and waits for all to exit; returns their exit codes. */
  stop(): Promise<Array<number | null>>;
  /** Starts one more tide-kv (data under `dataDir/kv<n>`), which joins through PD. */
  addStore(port: number, statusPort: number): void;
}

export interface ProcessClusterOptions {
  readonly dataDir: string;
  readonly ports?: ClusterPorts;
  /** Faster ticks and heartbeats, so a test cluster converges in seconds. */
  readonly fast?: boolean;
  readonly logLevel?: string;
  /** How often stores report to PD (default 10 s; a local playground uses 1 s to settle quickly). */
  readonly pdHeartbeatInterval?: string;
  /** Extra flags for every node process, e.g. `--cpu-prof` for a profile of each. */
  readonly nodeArgs?: readonly string[];
}

/**
 * Starts 1 tide-pd and 3 tide-kv as child processes on loopback (what `npm start` runs,
 * and what cluster tests use): data under `dataDir/pd` and `dataDir/kv1..3`, kept across
 * restarts. Processes inherit stderr so their logs stay visible.
 */
export async function startProcessCluster(options: ProcessClusterOptions): Promise<ProcessCluster> {
  const root = repoRoot();
  const ports = options.ports ?? defaultPorts;
  const logLevel = options.logLevel ?? 'warn';
  const processes: Array<{ name: string; child: ChildProcess }> = [];
  const spawnNode = (name: string, entry: string, args: string[]) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), join(root, 'dist', entry), ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    processes.push({ name, child });
  };
  await mkdir(options.dataDir, { recursive: true });
  const fastPd = options.fast === true ? ['--raft.tick-interval-ms', '20ms', '--schedule.interval-ms', '100ms'] : [];
  spawnNode('tide-pd', 'pd/main.js', [
    '--name', 'pd',
    '--data-dir', join(options.dataDir, 'pd'),
    '--client-urls', `127.0.0.1:${ports.pdClient}`,
    '--peer-urls', `127.0.0.1:${ports.pdPeer}`,
    '--status-urls', `127.0.0.1:${ports.pdStatus}`,
    '--log-level', logLevel,
    ...fastPd,
  ]);
  const heartbeat = options.fast === true ? '200ms' : (options.pdHeartbeatInterval ?? '10s');
  const fastKv = [...(options.fast === true ? ['--raftstore.tick-interval-ms', '20ms'] : []), '--raftstore.pd-heartbeat-interval-ms', heartbeat];
  let stores = 0;
  const spawnStore = (port: number, statusPort: number) => {
    stores++;
    spawnNode(`tide-kv-${stores}`, 'kv/main.js', [
      '--addr', `127.0.0.1:${port}`,
      '--status-addr', `127.0.0.1:${statusPort}`,
      '--data-dir', join(options.dataDir, `kv${stores}`),
      '--pd', `127.0.0.1:${ports.pdClient}`,
      '--log-level', logLevel,
      ...fastKv,
    ]);
  };
  for (const [index, port] of ports.kv.entries()) {
    // The first store starts alone, so it (not a race) bootstraps the cluster.
    if (index === 1) await waitForPdStores(ports, 1, 30_000);
    spawnStore(port, ports.kvStatus[index]!);
  }
  return {
    ports,
    processes,
    addStore: spawnStore,
    stop: async () =>
      Promise.all(
        processes.map(
          ({ child }) =>
            new Promise<number | null>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
              child.once('exit', (code) => resolve(code));
              child.kill('SIGTERM');
            }),
        ),
      ),
  };
}

async function fetchJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  return response.json();
}

async function waitForPdStores(ports: ClusterPorts, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const stores = (await fetchJson(`http://127.0.0.1:${ports.pdStatus}/pd/api/v1/stores`)) as { count?: number };
      if ((stores.count ?? 0) >= count) return;
    } catch {
      // PD is not up yet.
    }
    if (Date.now() > deadline) throw new Error(`PD did not see ${count} store(s) within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Waits until PD sees every store and every region with `replicas` peers and a leader. */
export async function waitForHealthyCluster(ports: ClusterPorts, replicas: number, timeoutMs: number): Promise<{ stores: number; regions: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const stores = (await fetchJson(`http://127.0.0.1:${ports.pdStatus}/pd/api/v1/stores`)) as { count?: number };
      const regions = (await fetchJson(`http://127.0.0.1:${ports.pdStatus}/pd/api/v1/regions`)) as { count?: number; regions?: Array<{ peers: Array<{ role: number }>; leader: unknown }> };
      const healthy =
        stores.count === ports.kv.length &&
        (regions.count ?? 0) > 0 &&
        (regions.regions ?? []).every((region) => region.leader !== null && region.peers.filter((peer) => peer.role === 0).length === replicas);
      if (healthy) return { stores: stores.count ?? 0, regions: regions.count ?? 0 };
    } catch {
      // Not up yet.
    }
    if (Date.now() > deadline) throw new Error(`the cluster did not become healthy within ${timeoutMs} ms`);
    await sleep(200);
  }
}

/** A region as PD's HTTP API lists it. */
export interface PdRegionJson {
  readonly id: string;
  /** Hex, as PD's API shows keys. */
  readonly startKey: string;
  readonly endKey: string;
  readonly epoch: { readonly confVer: string; readonly version: string };
  readonly peers: ReadonlyArray<{ readonly id: string; readonly storeId: string; readonly role: number }>;
  readonly leader: { readonly id: string; readonly storeId: string } | null;
}

export async function pdRegions(ports: ClusterPorts): Promise<PdRegionJson[]> {
  return ((await fetchJson(`http://127.0.0.1:${ports.pdStatus}/pd/api/v1/regions`)) as { regions: PdRegionJson[] }).regions;
}

/** The address of the store leading `region`, and a request context aimed at it. */
export async function leaderContext(ports: ClusterPorts, region: PdRegionJson): Promise<{ address: string; context: kvrpcpb.Context }> {
  const stores = (await fetchJson(`http://127.0.0.1:${ports.pdStatus}/pd/api/v1/stores`)) as { stores: Array<{ store: { id: string; address: string } }> };
  const leader = region.leader;
  const address = leader === null ? undefined : stores.stores.find((entry) => entry.store.id === leader.storeId)?.store.address;
  if (leader === null || address === undefined) throw new Error(`region ${region.id} has no leader PD knows the address of`);
  return {
    address,
    context: kvrpcpb.Context.create({
      regionId: BigInt(region.id),
      regionEpoch: { confVer: BigInt(region.epoch.confVer), version: BigInt(region.epoch.version) },
      peer: { id: BigInt(leader.id), storeId: BigInt(leader.storeId), role: metapb.PeerRole.Voter },
    }),
  };
}

/** Free loopback ports for 1 PD and 3 stores. */
export async function freeClusterPorts(): Promise<ClusterPorts> {
  return {
    pdClient: await freePort(),
    pdPeer: await freePort(),
    pdStatus: await freePort(),
    kv: [await freePort(), await freePort(), await freePort()],
    kvStatus: [await freePort(), await freePort(), await freePort()],
  };
}

/** A fast 1 PD + 3 KV process cluster on free ports in a temporary data dir, for tests. */
export interface TestProcessCluster {
  readonly cluster: ProcessCluster;
  readonly ports: ClusterPorts;
  /** Stops whatever still runs and removes the data dir. */
  dispose(): Promise<void>;
}

export async function startTestProcessCluster(): Promise<TestProcessCluster> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tidedb-processes-'));
  const ports = await freeClusterPorts();
  const cluster = await startProcessCluster({ dataDir, ports, fast: true });
  return {
    cluster,
    ports,
    dispose: async () => {
      await cluster.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
