import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { formatHelp } from './help.js';
import { durationMs, sizeBytes } from './unit-schemas.js';

const schema = z
  .object({
    port: z.number().int().min(0).max(65535).default(20160).describe('Port of the gRPC server.'),
    logLevel: z.enum(['trace', 'debug', 'info']).default('info').describe('Least severe level that is logged.'),
    dataDir: z.string().default('data/kv').describe('Where the store keeps its LevelDB.'),
    clusterId: z.string().describe('Cluster this store belongs to.'),
    note: z.string().optional(),
    raftstore: z
      .object({
        regionSplitSize: sizeBytes().default(96 * 2 ** 20).describe('Split a region past this size.'),
        heartbeatInterval: durationMs().default(90_000),
        syncLog: z.boolean().default(true).describe('fsync the Raft log on every write.'),
      })
      .strict()
      .describe('Raft store'),
    pd: z.object({ endpoints: z.array(z.string()).default(['127.0.0.1:2379', '127.0.0.1:2382']) }).strict(),
  })
  .strict();

describe('formatHelp', () => {
  const help = formatHelp(schema, { programName: 'tide-kv' });
  const lines = help.split('\n');

  test('starts with the usage line and the built-in flags', () => {
    assert.equal(lines[0], 'Usage: tide-kv [--config <file.toml>] [--flag=value ...]');
    assert.ok(lines.some((line) => /^ {2}--config <file\.toml> +Read settings from this TOML file\.$/.test(line)));
    assert.ok(lines.some((line) => /^ {2}-h, --help +Print this help and exit\.$/.test(line)));
    assert.ok(help.endsWith('\n'));
  });

  test('lists each setting with placeholder, description and default, aligned', () => {
    const row = (flag: string): string => lines.find((line) => line.startsWith(`  ${flag} `)) ?? '';
    assert.equal(row('--port'), `${'  --port <integer 0..65535>'.padEnd(44)}Port of the gRPC server. (default: 20160)`);
    assert.equal(row('--data-dir'), `${'  --data-dir <string>'.padEnd(44)}Where the store keeps its LevelDB. (default: "data/kv")`);
    assert.equal(row('--cluster-id'), `${'  --cluster-id <string>'.padEnd(44)}Cluster this store belongs to. (required)`);
    assert.equal(row('--note').trimEnd(), '  --note <string>');
    assert.equal(row('--raftstore.region-split-size'), `${'  --raftstore.region-split-size <size>'.padEnd(44)}Split a region past this size. (default: 96MiB)`);
    assert.equal(row('--[no-]raftstore.sync-log'), `${'  --[no-]raftstore.sync-log'.padEnd(44)}fsync the Raft log on every write. (default: true)`);
    assert.equal(row('--pd.endpoints'), `${'  --pd.endpoints <string,...>'.padEnd(44)}(default: 127.0.0.1:2379,127.0.0.1:2382)`);
  });

  test('a long flag puts its description on the next line', () => {
    assert.ok(lines.includes(`${'  --log-level <trace|debug|info>'.padEnd(44)}Least severe level that is logged. (default: info)`));
    const heartbeat = lines.findIndex((line) => line === '  --raftstore.heartbeat-interval <duration>');
    assert.equal(lines[heartbeat + 1], `${' '.repeat(44)}(default: 1m30s)`);
  });

  test('groups settings under their TOML section with its description', () => {
    const settings = lines.indexOf('Settings:');
    const raftstore = lines.indexOf('[raftstore] Raft store');
    const pd = lines.indexOf('[pd]');
    assert.ok(settings > 0 && raftstore > settings && pd > raftstore, `${settings} ${raftstore} ${pd}`);
    assert.ok(lines.findIndex((line) => line.includes('raftstore.sync-log')) > raftstore);
    assert.ok(lines.findIndex((line) => line.includes('--port')) < raftstore);
  });
});
