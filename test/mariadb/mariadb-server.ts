import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import { freePort } from '../../common/free-port.js';

/**
 * A private MariaDB server for tests and benchmarks that use it as the reference: its own
 * data directory in a temporary folder, listening on 127.0.0.1 only, no grant tables, and
 * removed again by `stop()`. Install it first with test/mariadb/install-mariadb.sh.
 */
export interface MariaDbServer {
  readonly port: number;
  readonly host: '127.0.0.1';
  readonly version: string;
  /** The server process, for CPU accounting. */
  readonly pid: number;
  connect(): Promise<mysql.Connection>;
  stop(): Promise<void>;
}

export class MariaDbUnavailableError extends Error {
  override readonly name = 'MariaDbUnavailableError';
}

const serverPaths = ['/usr/sbin/mariadbd', '/usr/bin/mariadbd'];

export function mariaDbInstalled(): boolean {
  return serverPaths.some((path) => existsSync(path));
}

export interface StartOptions {
  /** Extra mariadbd options (`--innodb-buffer-pool-size=1G`). */
  readonly serverArgs?: readonly string[];
  /** How long to wait for the server to accept connections. */
  readonly startTimeoutMs?: number;
}

export async function startMariaDb(options: StartOptions = {}): Promise<MariaDbServer> {
  const binary = serverPaths.find((path) => existsSync(path));
  if (binary === undefined) throw new MariaDbUnavailableError('mariadbd is not installed (run test/mariadb/install-mariadb.sh as root)');
  const directory = mkdtempSync(join(tmpdir(), 'tidedb-mariadb-'));
  const dataDirectory = join(directory, 'data');
  const install = spawnSync('mariadb-install-db', ['--no-defaults', `--datadir=${dataDirectory}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db'], { encoding: 'utf8' });
  if (install.status !== 0) {
    rmSync(directory, { recursive: true, force: true });
    throw new MariaDbUnavailableError(`mariadb-install-db failed: ${install.stderr || install.stdout}`);
  }
  const port = await freePort();
  const child: ChildProcess = spawn(
    binary,
    ['--no-defaults', `--datadir=${dataDirectory}`, '--user=root', `--port=${port}`, '--bind-address=127.0.0.1', `--socket=${join(directory, 'mariadb.sock')}`, '--skip-grant-tables', '--skip-log-bin', ...(options.serverArgs ?? [])],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-8_192);
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const stop = async (): Promise<void> => {
    if (!exited) {
      child.kill('SIGTERM');
      for (let waited = 0; !exited && waited < 30_000; waited += 50) await sleep(50);
      if (!exited) child.kill('SIGKILL');
    }
    rmSync(directory, { recursive: true, force: true });
  };
  const connect = () => mysql.createConnection({ host: '127.0.0.1', port, user: 'root', multipleStatements: true });
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    if (exited) {
      await stop();
      throw new MariaDbUnavailableError(`mariadbd exited while starting: ${log}`);
    }
    try {
      const connection = await connect();
      const [rows] = await connection.query('SELECT VERSION() AS version');
      await connection.end();
      const version = String((rows as Array<{ version: string }>)[0]?.version);
      return { port, host: '127.0.0.1', version, pid: child.pid!, connect, stop };
    } catch (error) {
      if (Date.now() > deadline) {
        await stop();
        throw new MariaDbUnavailableError(`mariadbd did not accept connections in time: ${String(error)}; ${log}`);
      }
      await sleep(200);
    }
  }
}
