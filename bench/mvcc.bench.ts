import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { encodeMvccKey, encodeUserKey } from '../common/codec/mvcc-key.js';
import { asTimestamp } from '../common/ids.js';
import { SeededRandom } from '../common/random.js';
import { ColumnFamily } from '../kv/engine/engine.js';
import { LevelEngine } from '../kv/engine/level-engine.js';
import { commitKey } from '../kv/mvcc/actions/commit.js';
import { prewriteKey, type PrewriteProps } from '../kv/mvcc/actions/prewrite.js';
import { LatchedMvccStore } from '../kv/mvcc/latched-store.js';
import { RawStore } from '../kv/mvcc/raw/raw-store.js';
import { scan } from '../kv/mvcc/scanner.js';
import { encodeLatestWrite, encodeWrite, WriteType } from '../kv/mvcc/txn-types.js';

/**
 * MVCC on one store, no Raft, next to the raw engine ceiling measured in the same run:
 * plain classic-level puts, gets and iteration over the same number of keys.
 */
export interface MvccBenchOptions {
  /** Keys in the read data set (each with 3 versions). */
  readonly keys?: number;
  readonly budgetMs?: number;
  readonly concurrency?: number;
}

interface Row {
  readonly name: string;
  readonly opsPerSecond: number;
  readonly note?: string;
}

const valueBytes = 64;

function keyOf(index: number): Uint8Array {
  return new TextEncoder().encode(`user${String(index).padStart(10, '0')}`);
}

/** Runs `operation` with `concurrency` callers until `budgetMs` passes; returns ops/s. */
async function timed(budgetMs: number, concurrency: number, operation: (worker: number, iteration: number) => Promise<number>): Promise<number> {
  const deadline = performance.now() + budgetMs;
  let operations = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let iteration = 0; performance.now() < deadline; iteration++) {
        // Not `operations += await ...`: that reads `operations` before the await and
        // loses every increment made by other workers meanwhile.
        const done = await operation(worker, iteration);
        operations += done;
      }
    }),
  );
  return operations / ((performance.now() - start) / 1000);
}

export async function runMvccBench(options: MvccBenchOptions = {}): Promise<Row[]> {
  const keyCount = options.keys ?? 1_000_000;
  const budgetMs = options.budgetMs ?? 3_000;
  const concurrency = options.concurrency ?? 64;
  const rows: Row[] = [];
  const value = new Uint8Array(valueBytes).fill(0x61);
  const random = new SeededRandom(7);
  const directory = await mkdtemp(join(tmpdir(), 'tidedb-bench-mvcc-'));
  try {
    // --- the engine ceiling: plain classic-level ---
    const plain = new ClassicLevel<Uint8Array, Uint8Array>(join(directory, 'plain'), { keyEncoding: 'view', valueEncoding: 'view' });
    await plain.open();
    let loadStart = performance.now();
    for (let index = 0; index < keyCount; index += 1000) {
      const batch = plain.batch();
      for (let offset = index; offset < Math.min(index + 1000, keyCount); offset++) batch.put(keyOf(offset), value);
      await batch.write();
    }
    rows.push({ name: 'engine: chained batch put (1,000/batch)', opsPerSecond: keyCount / ((performance.now() - loadStart) / 1000) });
    const engineGet = await timed(budgetMs, concurrency, async () => {
      await plain.get(keyOf(random.nextInt(keyCount)));
      return 1;
    });
    rows.push({ name: `engine: random get (${concurrency} in flight)`, opsPerSecond: engineGet });
    const iterateStart = performance.now();
    const iterator = plain.iterator();
    let iterated = 0;
    for (;;) {
      const entries = await iterator.nextv(1000);
      if (entries.length === 0) break;
      iterated += entries.length;
    }
    await iterator.close();
    const engineScan = iterated / ((performance.now() - iterateStart) / 1000);
    rows.push({ name: 'engine: iterate (nextv 1,000)', opsPerSecond: engineScan });
    await plain.close();

    // --- MVCC: 3 committed versions per key, loaded directly as commit records ---
    const engine = await LevelEngine.open(join(directory, 'mvcc'));
    const store = new LatchedMvccStore(engine);
    loadStart = performance.now();
    for (let index = 0; index < keyCount; index += 1000) {
      const batch = engine.newBatch();
      for (let offset = index; offset < Math.min(index + 1000, keyCount); offset++) {
        for (let version = 1; version <= 3; version++) {
          const startTs = asTimestamp(BigInt(version * 10));
          const write = { type: WriteType.Put, startTs, shortValue: value };
          batch.put(ColumnFamily.write, encodeMvccKey(keyOf(offset), asTimestamp(startTs + 1n)), encodeWrite(write));
          // What committing writes too: the key's newest data record in CF latest.
          if (version === 3) batch.put(ColumnFamily.latest, encodeUserKey(keyOf(offset)), encodeLatestWrite({ commitTs: asTimestamp(startTs + 1n), write }));
        }
      }
      await engine.write(batch);
    }
    rows.push({ name: 'mvcc: load 3 versions per key (engine batches)', opsPerSecond: (keyCount * 3) / ((performance.now() - loadStart) / 1000), note: 'versions/s' });
    const readTs = asTimestamp(100n);
    const mvccGet = await timed(budgetMs, concurrency, async () => {
      const found = await store.get(keyOf(random.nextInt(keyCount)), readTs);
      if (found === undefined) throw new Error('missing key in the benchmark data set');
      return 1;
    });
    rows.push({ name: `mvcc: point get at latest (${concurrency} in flight)`, opsPerSecond: mvccGet, note: `${(engineGet / mvccGet).toFixed(2)}x the engine's get cost` });
    const olderGet = await timed(budgetMs, concurrency, async () => {
      await store.get(keyOf(random.nextInt(keyCount)), asTimestamp(15n));
      return 1;
    });
    rows.push({ name: 'mvcc: point get of the oldest version', opsPerSecond: olderGet, note: `${(engineGet / olderGet).toFixed(2)}x the engine's get cost` });
    const scanStart = performance.now();
    let scanned = 0;
    let cursor = keyOf(0);
    const scanDeadline = scanStart + budgetMs;
    while (performance.now() < scanDeadline) {
      const page = await store.read((reader) => scan(reader, { start: cursor, end: new Uint8Array(0), ts: readTs, limit: 1000 }));
      if (page.length === 0) break;
      scanned += page.length;
      const last = page[page.length - 1]!.key;
      cursor = new Uint8Array(last.length + 1);
      cursor.set(last);
    }
    const mvccScan = scanned / ((performance.now() - scanStart) / 1000);
    rows.push({ name: 'mvcc: scan at latest (pages of 1,000)', opsPerSecond: mvccScan, note: `${(engineScan / mvccScan).toFixed(2)}x the engine's per-key scan cost` });

    // --- transactions: prewrite + commit on fresh keys ---
    let txnCounter = 0;
    for (const keysPerTxn of [1, 10]) {
      const txnsPerSecond = await timed(budgetMs, concurrency, async (worker, iteration) => {
        const startTs = asTimestamp(BigInt(1_000 + ++txnCounter * 2));
        const keys = Array.from({ length: keysPerTxn }, (_, offset) => new TextEncoder().encode(`txn-${keysPerTxn}-${worker}-${iteration}-${offset}`));
        const props: PrewriteProps = {
          startTs,
          primary: keys[0]!,
          lockTtlMs: 3000n,
          txnSize: BigInt(keysPerTxn),
          forUpdateTs: asTimestamp(0n),
          minCommitTs: asTimestamp(0n),
          maxCommitTs: asTimestamp(0n),
          useAsyncCommit: false,
          secondaries: [],
          tryOnePc: false,
          maxReadTs: asTimestamp(0n),
        };
        await store.write(keys, async (reader, txn) => {
          for (const key of keys) await prewriteKey(reader, txn, props, { op: 'put', key, value }, false);
        });
        await store.write(keys, async (reader, txn) => {
          for (const key of keys) await commitKey(reader, txn, key, startTs, asTimestamp(startTs + 1n));
        });
        return 1;
      });
      rows.push({ name: `mvcc: prewrite+commit, ${keysPerTxn} key(s)/txn (${concurrency} txns in flight)`, opsPerSecond: txnsPerSecond, note: 'txns/s' });
    }

    // --- raw KV ---
    const raw = new RawStore(engine);
    let rawCounter = 0;
    const rawPut = await timed(budgetMs, concurrency, async () => {
      const entries = Array.from({ length: 64 }, () => ({ key: new TextEncoder().encode(`raw${String(++rawCounter).padStart(10, '0')}`), value }));
      await raw.batchPut(entries);
      return entries.length;
    });
    rows.push({ name: 'raw: batch put (64 keys/batch)', opsPerSecond: rawPut, note: 'keys/s' });
    const rawGet = await timed(budgetMs, concurrency, async () => {
      await raw.get(new TextEncoder().encode(`raw${String(1 + random.nextInt(Math.max(1, rawCounter))).padStart(10, '0')}`));
      return 1;
    });
    rows.push({ name: `raw: get (${concurrency} in flight)`, opsPerSecond: rawGet, note: `${(engineGet / rawGet).toFixed(2)}x the engine's get cost` });
    await engine.close();
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
  return rows;
}

export function formatMvccBench(rows: readonly Row[], keyCount: number): string {
  const lines = [`mvcc on one store (no Raft), ${keyCount.toLocaleString('en-US')} keys`];
  for (const row of rows) {
    const rate = row.opsPerSecond >= 1e6 ? `${(row.opsPerSecond / 1e6).toFixed(2)}M/s` : `${(row.opsPerSecond / 1e3).toFixed(1)}k/s`;
    lines.push(`  ${row.name.padEnd(62)} ${rate.padStart(10)}${row.note === undefined ? '' : `  ${row.note}`}`);
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const keysArgument = process.argv.indexOf('--keys');
  const keys = keysArgument > 0 ? Number(process.argv[keysArgument + 1]) : 1_000_000;
  console.log(formatMvccBench(await runMvccBench({ keys }), keys));
}
