import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PdClient } from './client/pd-client.js';

const main = fileURLToPath(new URL('./main.js', import.meta.url));

describe('tide-pd process', () => {
  test('starts from flags, serves, and exits 0 on SIGTERM', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tidedb-pd-main-'));
    try {
      const child = spawn(process.execPath, [main, '--name', 'pd-main-test', '--data-dir', dataDir, '--client-urls', '127.0.0.1:0', '--peer-urls', '127.0.0.1:0', '--status-urls', '127.0.0.1:0', '--log-level', 'warn'], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const port = await new Promise<number>((resolve, reject) => {
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /serving PD on [\d.]+:(\d+)/.exec(output);
          if (match !== null) resolve(Number(match[1]));
        });
        child.once('exit', (code) => reject(new Error(`tide-pd exited early with ${code}: ${output}`)));
      });
      const client = await PdClient.connect([`127.0.0.1:${port}`], { timeoutMs: 10_000 });
      assert.ok((await client.getTimestamp()) > 0n);
      client.close();
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('--help prints the settings; a bad flag is a clear error with exit code 2', () => {
    const help = spawnSync(process.execPath, [main, '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0);
    assert.match(help.stdout + help.stderr, /--client-urls/);
    const bad = spawnSync(process.execPath, [main, '--no-such-flag'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /no-such-flag/);
  });
});
