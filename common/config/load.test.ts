import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError, ConfigHelpRequested } from './config-error.js';
import { loadConfig, loadConfigOrExit, type ExitIo } from './load.js';
import { durationMs, sizeBytes } from './unit-schemas.js';

const kvSchema = z
  .object({
    port: z.number().int().min(0).max(65535).default(20160).describe('gRPC port.'),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    dataDir: z.string().default('data/kv'),
    labels: z.record(z.string(), z.string()).default({}),
    raftstore: z
      .object({
        electionTimeoutTicks: z.number().int().min(1).default(10),
        regionSplitSize: sizeBytes().default(96 * 2 ** 20),
        baseTickInterval: durationMs().default(1000),
        syncLog: z.boolean().default(true),
        applyBatchRatio: z.number().positive().max(1).default(0.5),
        coprocessor: z.object({ batchRows: z.number().int().min(1).default(1024) }).strict(),
      })
      .strict(),
    pd: z.object({ endpoints: z.array(z.string().min(1)).default(['127.0.0.1:2379']) }).strict(),
  })
  .strict();

type KvConfig = z.output<typeof kvSchema>;

const defaults: KvConfig = {
  port: 20160,
  logLevel: 'info',
  dataDir: 'data/kv',
  labels: {},
  raftstore: {
    electionTimeoutTicks: 10,
    regionSplitSize: 96 * 2 ** 20,
    baseTickInterval: 1000,
    syncLog: true,
    applyBatchRatio: 0.5,
    coprocessor: { batchRows: 1024 },
  },
  pd: { endpoints: ['127.0.0.1:2379'] },
};

const directory = mkdtempSync(join(tmpdir(), 'tidedb-config-'));
after(() => rmSync(directory, { recursive: true, force: true }));
let fileCount = 0;

/** Writes a TOML file into the test's temporary directory and returns its path. */
function tomlFile(text: string): string {
  const path = join(directory, `kv-${++fileCount}.toml`);
  writeFileSync(path, text);
  return path;
}

/** The problems of the ConfigError that loading with `argv` throws. */
function problemsOf(argv: readonly string[], env?: Record<string, string>): readonly string[] {
  try {
    loadConfig(env === undefined ? { schema: kvSchema, argv } : { schema: kvSchema, argv, env });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.equal(error.message, error.problems.map((problem) => `config error: ${problem}`).join('\n'));
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('loadConfig: sources and precedence', () => {
  test('defaults fill every section when nothing is given', () => {
    assert.deepEqual(loadConfig({ schema: kvSchema, argv: [] }), defaults);
  });

  test('the file overrides the defaults, in nested sections too', () => {
    const file = tomlFile(
      [
        'port = 20161',
        'log-level = "debug"',
        'labels = { zone = "z1", host = "h1" }',
        '',
        '[raftstore]',
        'election-timeout-ticks = 12',
        'region-split-size = "144MB"',
        'base-tick-interval = "500ms"',
        'sync-log = false',
        '',
        '[raftstore.coprocessor]',
        'batch-rows = 256',
        '',
        '[pd]',
        'endpoints = ["10.0.0.1:2379", "10.0.0.2:2379"]',
      ].join('\n'),
    );
    const config = loadConfig({ schema: kvSchema, argv: ['--config', file] });
    assert.deepEqual(config, {
      ...defaults,
      port: 20161,
      logLevel: 'debug',
      labels: { zone: 'z1', host: 'h1' },
      raftstore: {
        electionTimeoutTicks: 12,
        regionSplitSize: 144 * 2 ** 20,
        baseTickInterval: 500,
        syncLog: false,
        applyBatchRatio: 0.5,
        coprocessor: { batchRows: 256 },
      },
      pd: { endpoints: ['10.0.0.1:2379', '10.0.0.2:2379'] },
    });
  });

  test('flags override the file, keys the file does not set keep their defaults', () => {
    const file = tomlFile('port = 1\n[raftstore]\nsync-log = false\nelection-timeout-ticks = 7\n');
    const config = loadConfig({
      schema: kvSchema,
      argv: ['--port=2', `--config=${file}`, '--raftstore.sync-log', '--log-level', 'warn', '--data-dir', '/tmp/x'],
    });
    assert.equal(config.port, 2);
    assert.equal(config.raftstore.syncLog, true);
    assert.equal(config.raftstore.electionTimeoutTicks, 7);
    assert.equal(config.logLevel, 'warn');
    assert.equal(config.dataDir, '/tmp/x');
    assert.equal(config.raftstore.applyBatchRatio, 0.5);
  });

  test('flags: numbers parsed per the schema, --no-flag, lists, tables, sizes, durations, dotted sections', () => {
    const config = loadConfig({
      schema: kvSchema,
      argv: [
        '--no-raftstore.sync-log',
        '--raftstore.apply-batch-ratio=0.25',
        '--raftstore.region-split-size',
        '1GiB',
        '--raftstore.base-tick-interval=2s',
        '--raftstore.coprocessor.batch-rows=64',
        '--pd.endpoints=127.0.0.1:2379,127.0.0.1:2382',
        '--pd.endpoints',
        '127.0.0.1:2385',
        '--labels=zone=z2,rack=r1',
      ],
    });
    assert.equal(config.raftstore.syncLog, false);
    assert.equal(config.raftstore.applyBatchRatio, 0.25);
    assert.equal(config.raftstore.regionSplitSize, 2 ** 30);
    assert.equal(config.raftstore.baseTickInterval, 2000);
    assert.equal(config.raftstore.coprocessor.batchRows, 64);
    assert.deepEqual(config.pd.endpoints, ['127.0.0.1:2379', '127.0.0.1:2382', '127.0.0.1:2385']);
    assert.deepEqual(config.labels, { zone: 'z2', rack: 'r1' });
  });

  test('booleans accept --flag=true|false, and the last of repeated flags wins', () => {
    const config = loadConfig({ schema: kvSchema, argv: ['--raftstore.sync-log=false', '--port=1', '--port=3'] });
    assert.equal(config.raftstore.syncLog, false);
    assert.equal(config.port, 3);
  });

  test('environment variables sit between the file and the flags', () => {
    const file = tomlFile('port = 1\nlog-level = "debug"\n[raftstore]\nelection-timeout-ticks = 5\n');
    const env = {
      TIDEDB_PORT: '2',
      TIDEDB_LOG_LEVEL: 'error',
      TIDEDB_RAFTSTORE_SYNC_LOG: 'false',
      TIDEDB_PD_ENDPOINTS: 'a:1,b:2',
      TIDEDB_SOMETHING_ELSE: 'ignored: another component may own it',
      PORT: '9',
    };
    const config = loadConfig({ schema: kvSchema, argv: ['--config', file, '--log-level=trace'], env });
    assert.equal(config.port, 2);
    assert.equal(config.logLevel, 'trace');
    assert.equal(config.raftstore.electionTimeoutTicks, 5);
    assert.equal(config.raftstore.syncLog, false);
    assert.deepEqual(config.pd.endpoints, ['a:1', 'b:2']);
    // Without `env`, the environment is not read at all.
    assert.equal(loadConfig({ schema: kvSchema, argv: [] }).port, 20160);
    const prefixed = loadConfig({ schema: kvSchema, argv: [], env: { KV_PORT: '7' }, envPrefix: 'KV_' });
    assert.equal(prefixed.port, 7);
  });
});

describe('loadConfig: errors name the source, key, expectation and given value', () => {
  test('unknown key in the file, with its section, file, line and a suggestion', () => {
    const file = tomlFile('# kv\nport = 1\n\n[raftstore]\nsync-log = true\nelecton-timeout-ticks = 3\n');
    assert.deepEqual(problemsOf(['--config', file]), [
      `[raftstore] unknown key "electon-timeout-ticks" in ${file}:6; did you mean "election-timeout-ticks"?`,
    ]);
  });

  test('unknown top-level key and unknown section', () => {
    const file = tomlFile('prot = 1\n\n[raftstor]\nx = 1\n[raftstore.copro]\ny = 2\n');
    assert.deepEqual(problemsOf(['--config', file]), [
      `unknown key "prot" in ${file}:1; did you mean "port"?`,
      `unknown section [raftstor] in ${file}:3; did you mean "raftstore"?`,
      `[raftstore] unknown section [raftstore.copro] in ${file}:5`,
    ]);
  });

  test('camelCase keys in the file are unknown: files use kebab-case', () => {
    const file = tomlFile('logLevel = "debug"\n');
    assert.deepEqual(problemsOf(['--config', file]), [`unknown key "logLevel" in ${file}:1; did you mean "log-level"?`]);
  });

  test('bad value types in the file', () => {
    const file = tomlFile(
      ['port = "abc"', 'log-level = "loud"', '[raftstore]', 'sync-log = "yes"', 'region-split-size = "96XB"', 'base-tick-interval = 1000', '[pd]', 'endpoints = "a:1"'].join('\n'),
    );
    assert.deepEqual(problemsOf(['--config', file]), [
      `port: expected an integer between 0 and 65535, got "abc" in ${file}:1`,
      `log-level: expected one of trace, debug, info, warn, error, fatal, silent, got "loud" in ${file}:2`,
      // Schema-checked problems come in schema order, not file order.
      `[raftstore] region-split-size: expected a size like "96MiB" or a number of bytes, got "96XB" in ${file}:5`,
      `[raftstore] base-tick-interval: expected a duration like "3s", "100ms" or "1h30m", got 1000 in ${file}:6`,
      `[raftstore] sync-log: expected true or false, got "yes" in ${file}:4`,
      `[pd] endpoints: expected a list of strings, got "a:1" in ${file}:8`,
    ]);
  });

  test('a table where a value belongs and a value where a section belongs', () => {
    const file = tomlFile('raftstore = 5\n[port]\nx = 1\n');
    assert.deepEqual(problemsOf(['--config', file]), [
      `raftstore: expected a section [raftstore], got 5 in ${file}:1`,
      `port: expected an integer between 0 and 65535, got a table in ${file}:2`,
    ]);
  });

  test('bad flag values', () => {
    assert.deepEqual(problemsOf(['--port', 'abc']), ['--port: expected an integer between 0 and 65535, got "abc"']);
    assert.deepEqual(problemsOf(['--port=70000']), ['--port: expected an integer between 0 and 65535, got "70000"']);
    assert.deepEqual(problemsOf(['--port=1.5']), ['--port: expected an integer between 0 and 65535, got "1.5"']);
    assert.deepEqual(problemsOf(['--raftstore.apply-batch-ratio=0']), [
      '--raftstore.apply-batch-ratio: expected a number greater than 0 and at most 1, got "0"',
    ]);
    assert.deepEqual(problemsOf(['--raftstore.election-timeout-ticks=0']), [
      '--raftstore.election-timeout-ticks: expected an integer at least 1, got "0"',
    ]);
    assert.deepEqual(problemsOf(['--log-level', 'verbose']), [
      '--log-level: expected one of trace, debug, info, warn, error, fatal, silent, got "verbose"',
    ]);
    assert.deepEqual(problemsOf(['--raftstore.base-tick-interval=5']), [
      '--raftstore.base-tick-interval: expected a duration like "3s", "100ms" or "1h30m", got "5"',
    ]);
    assert.deepEqual(problemsOf(['--raftstore.sync-log=maybe']), ['--raftstore.sync-log: expected no value, true or false, got "maybe"']);
    assert.deepEqual(loadConfig({ schema: kvSchema, argv: ['--pd.endpoints=a:1,'] }).pd.endpoints, ['a:1']);
  });

  test('unknown flags, short flags, stray arguments and missing values', () => {
    assert.deepEqual(problemsOf(['--prot', '1']), ['--prot: unknown flag; did you mean --port?']);
    assert.deepEqual(problemsOf(['--raftstore.election-timeout=3']), [
      '--raftstore.election-timeout: unknown flag; did you mean --raftstore.election-timeout-ticks?',
    ]);
    assert.deepEqual(problemsOf(['--completely-unrelated']), ['--completely-unrelated: unknown flag']);
    assert.deepEqual(problemsOf(['-p', '1']), ['-p: unknown flag; only -h has a short form']);
    assert.deepEqual(problemsOf(['kv.toml']), ['unexpected argument "kv.toml": settings are given as --flag=value']);
    assert.deepEqual(problemsOf(['--port']), ['--port: expected an integer between 0 and 65535, got nothing']);
    assert.deepEqual(problemsOf(['--port', '-5']), [
      '--port: expected an integer between 0 and 65535, got nothing (for a value starting with "-", write --port=-5)',
    ]);
    assert.deepEqual(problemsOf(['--config']), ['--config: expected a file path, got nothing']);
    assert.deepEqual(problemsOf(['--no-port']), ['--no-port: unknown flag; --port takes a value, only true/false flags have a --no- form']);
  });

  test('bad environment values name the variable', () => {
    assert.deepEqual(problemsOf([], { TIDEDB_PORT: 'abc' }), ['TIDEDB_PORT: expected an integer between 0 and 65535, got "abc"']);
    assert.deepEqual(problemsOf([], { TIDEDB_PORT: '99999' }), ['TIDEDB_PORT: expected an integer between 0 and 65535, got "99999"']);
  });

  test('every problem is reported at once, file problems first', () => {
    const file = tomlFile('bogus = 1\n');
    assert.deepEqual(problemsOf(['--config', file, '--port=x', '--nope']), [
      `unknown key "bogus" in ${file}:1`,
      '--port: expected an integer between 0 and 65535, got "x"',
      '--nope: unknown flag',
    ]);
  });

  test('unreadable and malformed files', () => {
    const missing = join(directory, 'missing.toml');
    const [unreadable] = problemsOf(['--config', missing]);
    assert.match(unreadable ?? '', new RegExp(`^cannot read config file ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ENOENT`));
    const broken = tomlFile('port = 1\n[raftstore\n');
    const [invalid] = problemsOf(['--config', broken]);
    assert.match(invalid ?? '', new RegExp(`^invalid TOML in .*kv-\\d+\\.toml:2:\\d+: `));
  });

  test('a required setting without a default that nobody sets', () => {
    const schema = z.object({ cluster: z.object({ id: z.string().describe('Cluster ID.') }).strict() }).strict();
    assert.throws(() => loadConfig({ schema, argv: [] }), {
      name: 'ConfigError',
      message: 'config error: [cluster] id: missing; set it in the config file or with --cluster.id',
    });
    assert.deepEqual(loadConfig({ schema, argv: ['--cluster.id=c1'] }), { cluster: { id: 'c1' } });
  });

  test('refinements report their own message at the setting', () => {
    const schema = z
      .object({ shards: z.number().int().default(4).refine((value) => (value & (value - 1)) === 0, 'must be a power of two') })
      .strict();
    assert.throws(() => loadConfig({ schema, argv: ['--shards=6'] }), { message: 'config error: --shards: must be a power of two' });
  });

  test('optional sections stay absent unless given', () => {
    const schema = z
      .object({ tls: z.object({ certFile: z.string(), keyFile: z.string() }).strict().optional(), port: z.number().int().default(1) })
      .strict();
    assert.deepEqual(loadConfig({ schema, argv: [] }), { port: 1 });
    const config = loadConfig({ schema, argv: ['--tls.cert-file=a.pem', '--tls.key-file=a.key'] });
    assert.deepEqual(config.tls, { certFile: 'a.pem', keyFile: 'a.key' });
  });
});

describe('help', () => {
  test('--help and -h throw ConfigHelpRequested with the help text, even next to bad flags', () => {
    for (const argv of [['--help'], ['-h'], ['--port=abc', '--help']]) {
      assert.throws(
        () => loadConfig({ schema: kvSchema, argv, programName: 'tide-kv' }),
        (error: unknown) => error instanceof ConfigHelpRequested && error.helpText.startsWith('Usage: tide-kv '),
      );
    }
  });

  test('loadConfigOrExit prints help and exits 0, prints problems and exits 2', () => {
    class Exit extends Error {
      constructor(readonly code: number) {
        super(`exit ${code}`);
      }
    }
    let stdout = '';
    let stderr = '';
    const io: ExitIo = {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      exit: (code: number): never => {
        throw new Exit(code);
      },
    };
    assert.throws(() => loadConfigOrExit({ schema: kvSchema, argv: ['-h'] }, io), { code: 0 });
    assert.match(stdout, /--raftstore\.election-timeout-ticks <integer>/);
    assert.throws(() => loadConfigOrExit({ schema: kvSchema, argv: ['--port=x'] }, io), { code: 2 });
    assert.equal(stderr, 'config error: --port: expected an integer between 0 and 65535, got "x"\n(run with --help to see every setting)\n');
    assert.deepEqual(loadConfigOrExit({ schema: kvSchema, argv: [] }, io), defaults);
  });
});
