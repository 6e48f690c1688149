import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PdClient } from '../pd/client/pd-client.js';
import * as kvrpcpb from '../proto/gen/kvrpcpb.js';
import type * as tikvpb from '../proto/gen/tikvpb.js';
import { type ClusterPorts, freeClusterPorts, leaderContext, pdRegions, startProcessCluster, waitForHealthyCluster } from '../test/cluster/process-cluster.js';
import { StoreStreams } from '../kv/client/store-streams.js';
import { EtcdKvClient, etcdInstalled, startEtcdCluster } from './etcd-cluster.js';
import { type CpuSeconds, processCpuSeconds, totalCpu } from './process-cpu.js';

/**
 * `npm run bench:rawkv-cluster`: 1 tide-pd + 3 tide-kv as processes on loopback, one
 * Node client with 64 operations in flight over one BatchCommands stream to the leader:
 * raw puts, raw gets, and transactions (2 timestamps + prewrite + commit), 16-byte keys
 * and 256-byte values. Then a 3-member etcd on loopback with the same client shape
 * (64 unary calls in flight, the way etcd's clients talk) doing the same puts and
 * linearizable gets. Reports ops/s, the servers' CPU per operation, and the ratios.
 * Flags: --seconds N per phase (5), --concurrency N (64), --no-etcd, --profile DIR (a .cpuprofile per TideDB process).
 */
export interface PhaseResult {
  readonly system: 'tidedb' | 'etcd';
  readonly op: string;
  readonly ops: number;
  readonly opsPerSecond: number;
  /** CPU of every server process (stores and PD, or etcd members) per operation. */
  readonly serverCpuMsPerOp: number;
  /** The part of the servers' CPU spent in the kernel (syscalls, fsync, loopback TCP). */
  readonly serverSystemShare: number;
  /** CPU of the process holding the leader (the TideDB leader store; for etcd, every member is summed above). */
  readonly leaderCpuMsPerOp?: number;
  readonly clientCpuMsPerOp: number;
  /** Requests per BatchCommands message (TideDB only). */
  readonly meanBatch?: number;
}

export const keyBytes = 16;
export const valueBytes = 256;
export const keyOf = (prefix: string, index: number): Buffer => Buffer.from(`${prefix}${String(index).padStart(keyBytes - prefix.length, '0')}`);

export interface PhaseRun {
  readonly ops: number;
  readonly elapsed: number;
  /** Iterations every worker completed: keys `0 .. minIterations * concurrency` were all written. */
  readonly minIterations: number;
}

export async function runPhase(concurrency: number, seconds: number, operation: (worker: number, iteration: number) => Promise<void>): Promise<PhaseRun> {
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  const iterations = Array.from({ length: concurrency }, () => 0);
  await Promise.all(
    iterations.map(async (_, worker) => {
      while (performance.now() < deadline) {
        await operation(worker, iterations[worker]!);
        iterations[worker]!++;
      }
    }),
  );
  const ops = iterations.reduce((sum, count) => sum + count, 0);
  return { ops, elapsed: (performance.now() - started) / 1000, minIterations: Math.min(...iterations) };
}

/** How many leading keys a put phase wrote for certain. */
export const keysWritten = (run: PhaseRun, concurrency: number, keyCount: number) => Math.min(run.minIterations * concurrency, keyCount);

export async function measure(
  system: PhaseResult['system'],
  op: string,
  serverPids: readonly number[],
  leaderPid: number | undefined,
  run: () => Promise<PhaseRun>,
  batches?: () => { messages: number; requests: number },
): Promise<PhaseResult & { readonly run: PhaseRun }> {
  const serverBefore = totalCpu(serverPids);
  const leaderBefore = leaderPid === undefined ? 0 : processCpuSeconds(leaderPid);
  const clientBefore = process.cpuUsage();
  const batchBefore = batches?.();
  const phase = await run();
  const { ops, elapsed } = phase;
  const client = process.cpuUsage(clientBefore);
  const perOp = (seconds: number) => (seconds * 1000) / Math.max(ops, 1);
  const batchAfter = batches?.();
  return {
    run: phase,
    system,
    op,
    ops,
    opsPerSecond: ops / elapsed,
    ...serverCpu(serverBefore, totalCpu(serverPids), perOp),
    ...(leaderPid === undefined ? {} : { leaderCpuMsPerOp: perOp(processCpuSeconds(leaderPid) - leaderBefore) }),
    clientCpuMsPerOp: perOp((client.user + client.system) / 1e6),
    ...(batchBefore === undefined || batchAfter === undefined ? {} : { meanBatch: (batchAfter.requests - batchBefore.requests) / Math.max(batchAfter.messages - batchBefore.messages, 1) }),
  };
}

function serverCpu(before: CpuSeconds, after: CpuSeconds, perOp: (seconds: number) => number): { serverCpuMsPerOp: number; serverSystemShare: number } {
  const user = after.user - before.user;
  const system = after.system - before.system;
  return { serverCpuMsPerOp: perOp(user + system), serverSystemShare: system / Math.max(user + system, 1e-9) };
}

async function routeToLeader(ports: ClusterPorts): Promise<{ address: string; context: kvrpcpb.Context }> {
  const regions = await pdRegions(ports);
  if (regions.length !== 1) throw new Error(`expected the bootstrap region alone, found ${regions.length} regions`);
  return leaderContext(ports, regions[0]!);
}

type Command = NonNullable<tikvpb.BatchCommandsResponse_Response['cmd']>;
type ResponseOf<C extends Command['$case']> = Extract<Command, { $case: C }>['value'];

/** The answer of the kind asked for, or a thrown error naming what came back instead. */
function expectCase<C extends Command['$case']>(response: tikvpb.BatchCommandsResponse_Response, kind: C): ResponseOf<C>;
function expectCase(response: tikvpb.BatchCommandsResponse_Response, kind: Command['$case']): unknown {
  const cmd = response.cmd;
  if (cmd?.$case !== kind) throw new Error(`expected a ${kind} response, got ${cmd?.$case ?? 'nothing'}`);
  return cmd.value;
}

async function benchTideDb(concurrency: number, seconds: number, keyCount: number, profileDir: string | undefined): Promise<PhaseResult[]> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tidedb-bench-rawkv-'));
  const ports = await freeClusterPorts();
  const cluster = await startProcessCluster({ dataDir, ports, pdHeartbeatInterval: '1s', ...(profileDir === undefined ? {} : { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir] }) });
  let client: StoreStreams | undefined;
  let pd: PdClient | undefined;
  try {
    await waitForHealthyCluster(ports, 3, 60_000);
    const route = await routeToLeader(ports);
    const pids = cluster.processes.map(({ child }) => child.pid ?? 0);
    const leaderIndex = ports.kv.findIndex((port) => route.address.endsWith(`:${port}`));
    const leaderPid = cluster.processes.filter(({ name }) => name.startsWith('tide-kv'))[leaderIndex]?.child.pid;
    const streams = new StoreStreams();
    client = streams;
    const stream = { send: (request: Parameters<StoreStreams['send']>[1]) => streams.send(route.address, request, 30_000) };
    const batches = () => streams.stats();
    pd = await PdClient.connect([`127.0.0.1:${ports.pdClient}`], { timeoutMs: 20_000 });
    const tso = pd;
    const value = randomBytes(valueBytes);
    const context = route.context;
    const results: PhaseResult[] = [];
    const puts = await measure('tidedb', 'raw put', pids, leaderPid, () =>
      runPhase(concurrency, seconds, async (worker, iteration) => {
        const index = (iteration * concurrency + worker) % keyCount;
        const response = expectCase(await stream.send({ cmd: { $case: 'rawPut', value: kvrpcpb.RawPutRequest.create({ context, key: keyOf('r', index), value }) } }), 'rawPut');
        if (response.regionError !== undefined || response.error !== '') throw new Error(`raw put failed: ${response.error}`);
      }),
    batches);
    results.push(puts);
    const written = keysWritten(puts.run, concurrency, keyCount);
    results.push(
      await measure('tidedb', 'raw get', pids, leaderPid, () =>
        runPhase(concurrency, seconds, async (worker, iteration) => {
          const index = (iteration * concurrency + worker) % written;
          const response = expectCase(await stream.send({ cmd: { $case: 'rawGet', value: kvrpcpb.RawGetRequest.create({ context, key: keyOf('r', index) }) } }), 'rawGet');
          if (response.regionError !== undefined || response.value.length !== valueBytes) throw new Error(`raw get of key ${index} failed`);
        }),
      batches),
    );
    results.push(
      await measure('tidedb', 'txn (prewrite+commit)', pids, leaderPid, () =>
        runPhase(concurrency, seconds, async (worker, iteration) => {
          const key = keyOf(`t${worker}_`, iteration);
          const startVersion = await tso.getTimestamp();
          const prewrite = expectCase(
            await stream.send({ cmd: { $case: 'prewrite', value: kvrpcpb.PrewriteRequest.create({ context, mutations: [{ op: kvrpcpb.Op.Put, key, value }], primaryLock: key, startVersion, lockTtl: 3_000n }) } }),
            'prewrite',
          );
          if (prewrite.regionError !== undefined || prewrite.errors.length > 0) throw new Error(`prewrite failed: ${JSON.stringify(prewrite.errors[0] ?? prewrite.regionError, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
          const commitVersion = await tso.getTimestamp();
          const commit = expectCase(await stream.send({ cmd: { $case: 'commit', value: kvrpcpb.CommitRequest.create({ context, startVersion, keys: [key], commitVersion }) } }), 'commit');
          if (commit.regionError !== undefined || commit.error !== undefined) throw new Error('commit failed');
        }),
      batches),
    );
    return results;
  } finally {
    client?.close();
    pd?.close();
    await cluster.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

export async function benchEtcd(concurrency: number, seconds: number, keyCount: number): Promise<PhaseResult[]> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tidedb-bench-etcd-'));
  const etcd = await startEtcdCluster(dataDir);
  const client = new EtcdKvClient(etcd.clientUrls[0]!);
  try {
    const value = randomBytes(valueBytes);
    const results: PhaseResult[] = [];
    const puts = await measure('etcd', 'put', etcd.pids, undefined, () =>
      runPhase(concurrency, seconds, async (worker, iteration) => {
        await client.put(keyOf('r', (iteration * concurrency + worker) % keyCount), value);
      }),
    );
    results.push(puts);
    const written = keysWritten(puts.run, concurrency, keyCount);
    results.push(
      await measure('etcd', 'get (linearizable)', etcd.pids, undefined, () =>
        runPhase(concurrency, seconds, async (worker, iteration) => {
          const index = (iteration * concurrency + worker) % written;
          if ((await client.get(keyOf('r', index))) !== 1) throw new Error(`etcd lost key ${index}`);
        }),
      ),
    );
    return results;
  } finally {
    client.close();
    await etcd.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

export function formatRawKvClusterBench(results: readonly PhaseResult[]): string {
  const lines = [
    'rawkv-cluster (3 stores + 1 PD as processes on loopback; one Node client, 64 in flight; 16 B keys, 256 B values)',
    `  ${'system'.padEnd(7)} ${'operation'.padEnd(22)} ${'ops/s'.padStart(9)} ${'server CPU ms/op'.padStart(17)} ${'kernel'.padStart(7)} ${'leader ms/op'.padStart(13)} ${'client ms/op'.padStart(13)} ${'batch'.padStart(6)}`,
  ];
  for (const result of results) {
    lines.push(
      `  ${result.system.padEnd(7)} ${result.op.padEnd(22)} ${result.opsPerSecond.toFixed(0).padStart(9)} ${result.serverCpuMsPerOp.toFixed(3).padStart(17)} ${`${(result.serverSystemShare * 100).toFixed(0)}%`.padStart(7)} ${(result.leaderCpuMsPerOp?.toFixed(3) ?? '').padStart(13)} ${result.clientCpuMsPerOp.toFixed(3).padStart(13)} ${(result.meanBatch?.toFixed(1) ?? '').padStart(6)}`,
    );
  }
  const find = (system: string, prefix: string) => results.find((result) => result.system === system && result.op.startsWith(prefix));
  for (const [tideOp, etcdOp] of [['raw put', 'put'], ['raw get', 'get']] as const) {
    const tide = find('tidedb', tideOp);
    const etcd = find('etcd', etcdOp);
    if (tide === undefined || etcd === undefined) continue;
    lines.push(`  ${tideOp}: TideDB/etcd ops/s ${(tide.opsPerSecond / etcd.opsPerSecond).toFixed(2)}x (goal >= 1.5x); server CPU per op ${(tide.serverCpuMsPerOp / etcd.serverCpuMsPerOp).toFixed(2)}x etcd's (goal <= 1.5x)`);
  }
  return lines.join('\n');
}

export async function runRawKvClusterBench(options: { concurrency?: number; seconds?: number; keys?: number; etcd?: boolean; profileDir?: string } = {}): Promise<PhaseResult[]> {
  const concurrency = options.concurrency ?? 64;
  const seconds = options.seconds ?? 5;
  const keys = options.keys ?? 100_000;
  const results = await benchTideDb(concurrency, seconds, keys, options.profileDir);
  if (options.etcd !== false) {
    if (!etcdInstalled()) throw new Error('etcd is not installed: run bench/install-etcd.sh as root (apt-get install etcd-server), or pass --no-etcd');
    results.push(...(await benchEtcd(concurrency, seconds, keys)));
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  const flag = (name: string) => {
    const index = argv.indexOf(name);
    return index >= 0 ? Number(argv[index + 1]) : undefined;
  };
  const seconds = flag('--seconds');
  const profileIndex = argv.indexOf('--profile');
  const profileDir = profileIndex >= 0 ? argv[profileIndex + 1] : undefined;
  const concurrency = flag('--concurrency');
  const results = await runRawKvClusterBench({ ...(seconds === undefined ? {} : { seconds }), ...(concurrency === undefined ? {} : { concurrency }), ...(profileDir === undefined ? {} : { profileDir }), etcd: !argv.includes('--no-etcd') });
  console.log(formatRawKvClusterBench(results));
}
