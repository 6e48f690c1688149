import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PdClient } from '../pd/client/pd-client.js';
import { freePort } from '../common/free-port.js';

/**
 * `npm run bench:tso`: timestamps/s through pd/client from one process with 1,000
 * concurrent callers against a one-member tide-pd (a child process) on loopback, and
 * the latency of one getTimestamp. Every caller checks its timestamps increase.
 */
export interface TsoBenchResult {
  readonly callers: number;
  readonly seconds: number;
  readonly timestamps: number;
  readonly timestampsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export async function runTsoBench(options: { callers?: number; budgetMs?: number } = {}): Promise<TsoBenchResult> {
  const callers = options.callers ?? 1_000;
  const budgetMs = options.budgetMs ?? 5_000;
  const dataDir = await mkdtemp(join(tmpdir(), 'tidedb-bench-tso-'));
  const [clientPort, peerPort, statusPort] = [await freePort(), await freePort(), await freePort()];
  const main = fileURLToPath(new URL('../pd/main.js', import.meta.url));
  const child = spawn(
    process.execPath,
    [main, '--name', 'bench-pd', '--data-dir', dataDir, '--client-urls', `127.0.0.1:${clientPort}`, '--peer-urls', `127.0.0.1:${peerPort}`, '--status-urls', `127.0.0.1:${statusPort}`, '--log-level', 'warn'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  try {
    const client = await PdClient.connect([`127.0.0.1:${clientPort}`], { timeoutMs: 20_000 });
    try {
      // Warm up: the leader is elected and serving, the stream is open.
      await Promise.all(Array.from({ length: callers }, () => client.getTimestamp()));
      const latenciesMs: number[] = [];
      let timestamps = 0;
      const start = performance.now();
      const deadline = start + budgetMs;
      await Promise.all(
        Array.from({ length: callers }, async () => {
          let previous = 0n;
          // Reading the clock costs as much as a timestamp here: time every 8th call
          // (a uniform sample of the latency distribution) and check the deadline as often.
          for (let call = 0; ; call++) {
            const timed = (call & 7) === 0;
            if (timed && performance.now() >= deadline) break;
            const began = timed ? performance.now() : 0;
            const ts = await client.getTimestamp();
            if (timed) latenciesMs.push(performance.now() - began);
            if (ts <= previous) throw new Error(`timestamp went back: ${ts} after ${previous}`);
            previous = ts;
            timestamps++;
          }
        }),
      );
      const seconds = (performance.now() - start) / 1000;
      latenciesMs.sort((a, b) => a - b);
      const percentile = (p: number) => latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(latenciesMs.length * p))] ?? 0;
      return { callers, seconds, timestamps, timestampsPerSecond: timestamps / seconds, p50Ms: percentile(0.5), p99Ms: percentile(0.99) };
    } finally {
      client.close();
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await rm(dataDir, { recursive: true, force: true });
  }
}

export function formatTsoBench(result: TsoBenchResult): string {
  return [
    `tso through pd/client: ${result.callers} concurrent callers, one tide-pd member on loopback (child process)`,
    `  ${(result.timestampsPerSecond / 1e6).toFixed(3)}M timestamps/s (${result.timestamps.toLocaleString('en-US')} in ${result.seconds.toFixed(1)} s)`,
    `  getTimestamp latency p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(formatTsoBench(await runTsoBench()));
}
