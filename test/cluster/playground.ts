import { join } from 'node:path';
import { repoRoot } from '../repo-root.js';
import { defaultPorts, startProcessCluster, waitForHealthyCluster } from './process-cluster.js';

/**
 * `npm start`: a local cluster of 1 tide-pd and 3 tide-kv processes on loopback, data
 * under ./data (kept across restarts). It waits until every region has 3 replicas and a
 * leader, prints how to reach it, and stops everything cleanly on Ctrl-C. The SQL
 * server is not built yet, so there is no MySQL port to connect to.
 */
async function main(): Promise<void> {
  const dataDir = join(repoRoot(), 'data');
  const ports = defaultPorts;
  console.log(`Starting TideDB: 1 PD + 3 KV stores on 127.0.0.1, data in ${dataDir}`);
  const cluster = await startProcessCluster({ dataDir, ports, logLevel: 'warn', pdHeartbeatInterval: '1s' });
  let stopping = false;
  const stop = async (reason: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log(`\nStopping (${reason})...`);
    const codes = await cluster.stop();
    console.log(`Stopped: exit codes ${codes.join(', ')}`);
    process.exit(codes.every((code) => code === 0) ? 0 : 1);
  };
  process.on('SIGINT', () => void stop('Ctrl-C'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  for (const { name, child } of cluster.processes) {
    child.once('exit', (code) => {
      if (!stopping) {
        console.error(`${name} exited unexpectedly (code ${code}); stopping the others`);
        void stop(`${name} exited`);
      }
    });
  }
  const health = await waitForHealthyCluster(ports, 3, 120_000);
  console.log(
    [
      '',
      `TideDB is up: ${health.stores} stores, ${health.regions} region(s), every region with 3 replicas and a leader.`,
      `  PD (gRPC)         127.0.0.1:${ports.pdClient}     use as the PD endpoint of pd/client`,
      `  PD HTTP API       http://127.0.0.1:${ports.pdStatus}/pd/api/v1/stores  (also /regions, /operators, /schedulers, /metrics)`,
      `  KV stores (gRPC)  ${ports.kv.map((port) => `127.0.0.1:${port}`).join(', ')}`,
      `  KV status         ${ports.kvStatus.map((port) => `http://127.0.0.1:${port}/status`).join(', ')}`,
      '',
      'The SQL server (port 4000) is not built yet. Press Ctrl-C to stop the cluster.',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
