import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawClient } from '../kv/client/raw-client.js';
import { TxnClient } from '../kv/client/txn-client.js';
import { freeClusterPorts, startProcessCluster, waitForHealthyCluster } from '../test/cluster/process-cluster.js';
import { etcdInstalled } from './etcd-cluster.js';
import { benchEtcd, keyOf, keysWritten, measure, type PhaseResult, runPhase, valueBytes } from './rawkv-cluster.bench.js';

/**
 * `npm run bench:client`: the client library on 1 tide-pd + 3 tide-kv processes on
 * loopback, 64 operations in flight from one Node process. The phases are:
 * - raw put and raw get through RawClient (region routing, retries, BatchCommands);
 * - transactions through TxnClient, committing 1 key and 10 keys each;
 * - snapshot scans of 1,000 keys.
 * Then a 3-member etcd does the same puts and gets, and the ratios are reported.
 * Flags: --seconds N per phase (5), --concurrency N (64), --no-etcd.
 */
async function benchClient(concurrency: number, seconds: number, keyCount: number): Promise<PhaseResult[]> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tidedb-bench-client-'));
  const ports = await freeClusterPorts();
  const cluster = await startProcessCluster({ dataDir, ports, pdHeartbeatInterval: '1s' });
  let raw: RawClient | undefined;
  let txn: TxnClient | undefined;
  try {
    await waitForHealthyCluster(ports, 3, 60_000);
    const pd = `127.0.0.1:${ports.pdClient}`;
    raw = await RawClient.connect(pd);
    txn = await TxnClient.connect(pd);
    const rawClient = raw;
    const txnClient = txn;
    const pids = cluster.processes.map(({ child }) => child.pid ?? 0);
    const value = randomBytes(valueBytes);
    const results: PhaseResult[] = [];

    const puts = await measure('tidedb', 'raw put (client)', pids, undefined, () =>
      runPhase(concurrency, seconds, async (worker, iteration) => rawClient.put(keyOf('r', (iteration * concurrency + worker) % keyCount), value)),
    );
    results.push(puts);
    const written = keysWritten(puts.run, concurrency, keyCount);
    results.push(
      await measure('tidedb', 'raw get (client)', pids, undefined, () =>
        runPhase(concurrency, seconds, async (worker, iteration) => {
          const index = (iteration * concurrency + worker) % written;
          if ((await rawClient.get(keyOf('r', index))) === undefined) throw new Error(`lost raw key ${index}`);
        }),
      ),
    );
    for (const keysPerTxn of [1, 10]) {
      results.push(
        await measure('tidedb', `txn commit, ${keysPerTxn} key${keysPerTxn === 1 ? '' : 's'}`, pids, undefined, () =>
          runPhase(concurrency, seconds, async (worker, iteration) => {
            const transaction = await txnClient.begin();
            for (let index = 0; index < keysPerTxn; index++) transaction.set(keyOf(`t${keysPerTxn}-`, ((iteration * concurrency + worker) * keysPerTxn + index) % keyCount), value);
            await transaction.commit();
          }),
        ),
      );
    }
    // Scans read the keys the 10-key transactions wrote: up to 1,000 per scan.
    const scanned = await measure('tidedb', 'snapshot scan (keys)', pids, undefined, async () => {
      let keys = 0;
      const run = await runPhase(Math.min(concurrency, 8), seconds, async () => {
        const snapshot = await txnClient.snapshot();
        const pairs = await snapshot.scan(keyOf('t10-', 0), keyOf('t10-', 999_999), { limit: 1_000 });
        if (pairs.length === 0) throw new Error('the scan found nothing');
        keys += pairs.length;
      });
      // Count the keys actually read, not scans.
      return { ...run, ops: keys };
    });
    results.push(scanned);
    return results;
  } finally {
    raw?.close();
    txn?.close();
    await cluster.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

export function formatClientBench(results: readonly PhaseResult[]): string {
  const lines = [
    'client (kv/client on 3 stores + 1 PD as processes on loopback; one Node process, 64 in flight; 16 B keys, 256 B values)',
    `  ${'system'.padEnd(7)} ${'operation'.padEnd(24)} ${'ops/s'.padStart(10)} ${'server CPU ms/op'.padStart(17)} ${'client ms/op'.padStart(13)}`,
  ];
  for (const result of results) {
    lines.push(`  ${result.system.padEnd(7)} ${result.op.padEnd(24)} ${result.opsPerSecond.toFixed(0).padStart(10)} ${result.serverCpuMsPerOp.toFixed(4).padStart(17)} ${result.clientCpuMsPerOp.toFixed(4).padStart(13)}`);
  }
  const find = (system: string, prefix: string) => results.find((result) => result.system === system && result.op.startsWith(prefix));
  for (const [tideOp, etcdOp] of [['raw put', 'put'], ['raw get', 'get']] as const) {
    const tide = find('tidedb', tideOp);
    const etcd = find('etcd', etcdOp);
    if (tide === undefined || etcd === undefined) continue;
    lines.push(`  ${tideOp} through the client: TideDB/etcd ops/s ${(tide.opsPerSecond / etcd.opsPerSecond).toFixed(2)}x; server CPU per op ${(tide.serverCpuMsPerOp / etcd.serverCpuMsPerOp).toFixed(2)}x etcd's`);
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  const flag = (name: string) => {
    const index = argv.indexOf(name);
    return index >= 0 ? Number(argv[index + 1]) : undefined;
  };
  const seconds = flag('--seconds') ?? 5;
  const concurrency = flag('--concurrency') ?? 64;
  const keys = 100_000;
  const results = await benchClient(concurrency, seconds, keys);
  if (!argv.includes('--no-etcd')) {
    if (!etcdInstalled()) throw new Error('etcd is not installed: run bench/install-etcd.sh as root (apt-get install etcd-server), or pass --no-etcd');
    results.push(...(await benchEtcd(concurrency, seconds, keys)));
  }
  console.log(formatClientBench(results));
}
