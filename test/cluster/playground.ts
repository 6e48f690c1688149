import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../repo-root.js';

/**
 * `npm start`. It will start 1 PD, 3 KV stores and the SQL server as child processes on
 * loopback with data under ./data. Until those processes exist it says so, and shows
 * what this checkout does contain, rather than pretending to start a cluster.
 */
interface Component {
  readonly name: string;
  readonly entry: string;
  readonly role: string;
  readonly issue: string;
}

const components: readonly Component[] = [
  { name: 'tide-pd', entry: 'pd/main.js', role: 'Placement Driver: TSO, IDs, routing, scheduling (gRPC 2379)', issue: 'PD issue' },
  { name: 'tide-kv', entry: 'kv/main.js', role: 'KV store: Raft regions, MVCC, Percolator, coprocessor (gRPC 20160)', issue: 'raftstore issue' },
  { name: 'tide-sql', entry: 'sql/main.js', role: 'MySQL protocol server (port 4000)', issue: 'SQL layer' },
];

function packageVersion(root: string, name: string): string {
  try {
    const manifest = JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version?: string };
    return manifest.version ?? 'unknown';
  } catch {
    return 'not installed';
  }
}

function main(): void {
  const root = repoRoot();
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const lines: string[] = [];
  lines.push(`TideDB ${manifest.version} (node ${process.version})`);
  lines.push('');
  lines.push('Components:');
  const built = components.filter((component) => existsSync(join(root, 'dist', component.entry)));
  for (const component of components) {
    const present = built.includes(component);
    lines.push(`  ${component.name.padEnd(9)} ${present ? 'built    ' : 'not built'}  ${component.role}`);
  }
  lines.push('');
  lines.push('Libraries in this checkout: proto/ (gRPC definitions), common/codec (TiDB-compatible keys and rows),');
  lines.push('common/types (DECIMAL, time types, collations), common/failpoint, common/metrics, common/log, common/config,');
  lines.push('kv/raft (Raft), kv/engine (LevelDB storage engine), kv/mvcc (MVCC, Percolator transactions, raw KV).');
  lines.push('');
  lines.push('Dependencies:');
  for (const name of ['@grpc/grpc-js', 'classic-level', 'prom-client', 'pino', 'mysql2', 'node-sql-parser']) {
    lines.push(`  ${name.padEnd(16)} ${packageVersion(root, name)}`);
  }
  lines.push('');
  if (built.length < components.length) {
    lines.push('No cluster was started: the processes above marked "not built" do not exist yet.');
    lines.push('Run `npm test` to exercise what is here.');
  } else {
    lines.push('All processes are built, but this launcher does not start them yet.');
  }
  console.log(lines.join('\n'));
}

main();
