import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import mysql from 'mysql2/promise';
import { type Datum, bytesDatum, decimalDatum, floatDatum, intDatum } from '../common/codec/datum.js';
import { encodeMvccKey, encodeUserKey } from '../common/codec/mvcc-key.js';
import { encodeRow } from '../common/codec/row.js';
import { recordKey, recordRange } from '../common/codec/table.js';
import { asTimestamp } from '../common/ids.js';
import type { AggregateCall } from '../common/expr/aggregate.js';
import type { Column } from '../common/expr/column.js';
import { EvalContext } from '../common/expr/context.js';
import { DagBuilder, type ScanColumn } from '../common/expr/dag-builder.js';
import { resultTypes } from '../common/expr/eval-type.js';
import { CompiledExpr } from '../common/expr/evaluate.js';
import { call, columnRef, constant, type Expr } from '../common/expr/expr.js';
import { Decimal } from '../common/types/decimal.js';
import { FieldTypeCode, newFieldType } from '../common/types/field-type.js';
import { MysqlTime } from '../common/types/time.js';
import { ScalarFuncSig } from '../proto/gen/dagpb.js';
import { TxnClient } from '../kv/client/txn-client.js';
import { decodeChunk } from '../common/expr/chunk-codec.js';
import { runDag } from '../kv/coprocessor/endpoint.js';
import { ColumnFamily } from '../kv/engine/engine.js';
import { LevelEngine } from '../kv/engine/level-engine.js';
import { scan } from '../kv/mvcc/scanner.js';
import { MvccStore } from '../kv/mvcc/store.js';
import { encodeLatestWrite, encodeWrite, WriteType } from '../kv/mvcc/txn-types.js';
import { freeClusterPorts, pdRegions, startProcessCluster, waitForHealthyCluster } from '../test/cluster/process-cluster.js';
import { type MariaDbServer, startMariaDb } from '../test/mariadb/mariadb-server.js';
import { totalCpu } from './process-cpu.js';

/**
 * `npm run bench:coprocessor`: analytics over one 6-column table,
 * `t(id BIGINT PRIMARY KEY, a INT, b VARCHAR(32), c DOUBLE, d DECIMAL(12,2), e DATETIME)`,
 * with N rows (1,000,000 by default) in a 3-store process cluster split into 8 regions:
 *
 *   Q1  SELECT COUNT(*) FROM t
 *   Q2  SELECT SUM(a) FROM t WHERE b LIKE 'x%'
 *   Q3  SELECT a, COUNT(*), SUM(d) FROM t GROUP BY a          (1,000 groups)
 *
 * each pushed down through TxnClient.coprocessor (scan → selection → partial aggregation
 * on the stores, merged here) and pulled (a TableScan-only DAG of the needed columns,
 * computed here). In the same run: the raw engine scan ceiling (classic-level nextv over
 * the same keys and values, in-process), the same DAGs in-process on one MVCC-written
 * LevelEngine (no gRPC, no Raft), and MariaDB on the same rows. Every answer is checked
 * against the generator's and against every other system's.
 *
 * Flags: --rows N, --repeat N (best of N, 3), --no-mariadb, --no-cluster, --no-in-process,
 * --profile DIR (a .cpuprofile per cluster process), --timeout-s N (the whole run, 1,800).
 */

// ---------------------------------------------------------------------------------------
// The table and its rows.

const tableId = 500n;
const groupCount = 1_000;
const matchingPrefix = 'x';
const bigint = resultTypes.bigint();
const int = newFieldType(FieldTypeCode.Long);
const varchar = resultTypes.varchar(32, 'utf8mb4_bin');
const money = resultTypes.decimal(12, 2);
/** Column ids as the row format stores them; id 1 (the handle) lives in the key. */
const columnIds = { id: 1, a: 2, b: 3, c: 4, d: 5, e: 6 } as const;
const epochMs = Date.UTC(2024, 0, 1);

export interface GeneratedRow {
  readonly id: number;
  readonly a: number;
  readonly b: string;
  readonly c: number;
  /** d in cents. */
  readonly cents: number;
  readonly e: Date;
}

/** Row `id` of the data set: the same values for TideDB, the engine ceiling and MariaDB. */
export function generatedRow(id: number): GeneratedRow {
  // 7919 is prime to 1,000: a cycles through every group as id grows.
  const a = (id * 7919) % groupCount;
  const b = `${'xyzw'[(id * 31) % 4]!}-name-${id}`;
  return { id, a, b, c: id / 8, cents: (id * 37) % 1_000_000, e: new Date(epochMs + id * 1000) };
}

function rowDatums(row: GeneratedRow): Array<{ id: number; value: Datum }> {
  const e = row.e;
  const time = MysqlTime.fromFields({ year: e.getUTCFullYear(), month: e.getUTCMonth() + 1, day: e.getUTCDate(), hour: e.getUTCHours(), minute: e.getUTCMinutes(), second: e.getUTCSeconds() }, 'datetime', 0);
  return [
    { id: columnIds.a, value: intDatum(BigInt(row.a)) },
    { id: columnIds.b, value: bytesDatum(Buffer.from(row.b)) },
    { id: columnIds.c, value: floatDatum(row.c) },
    { id: columnIds.d, value: decimalDatum(Decimal.fromScaled(BigInt(row.cents), 2), 12, 2) },
    { id: columnIds.e, value: { kind: 'time', value: time } },
  ];
}

export function rowValue(row: GeneratedRow): Uint8Array {
  return encodeRow(rowDatums(row));
}

/** A query's answer in one comparable form. */
type Answer = string;

function groupsAnswer(groups: ReadonlyMap<number, { count: bigint; cents: bigint }>): Answer {
  return [...groups.entries()]
    .sort(([left], [right]) => left - right)
    .map(([a, { count, cents }]) => `${a}:${count}:${Decimal.fromScaled(cents, 2).toString()}`)
    .join(',');
}

/** The answers computed from the generator, the oracle every system must match. */
function expectedAnswers(rows: number): Record<QueryName, Answer> {
  let sumA = 0n;
  const groups = new Map<number, { count: bigint; cents: bigint }>();
  for (let id = 1; id <= rows; id++) {
    const row = generatedRow(id);
    if (row.b.startsWith(matchingPrefix)) sumA += BigInt(row.a);
    const group = groups.get(row.a) ?? { count: 0n, cents: 0n };
    group.count++;
    group.cents += BigInt(row.cents);
    groups.set(row.a, group);
  }
  return { q1: String(rows), q2: String(sumA), q3: groupsAnswer(groups) };
}

// ---------------------------------------------------------------------------------------
// The queries as DAGs, and how their results are merged (pushed) or computed (pulled).

export type QueryName = 'q1' | 'q2' | 'q3';
const queryNames: readonly QueryName[] = ['q1', 'q2', 'q3'];
const querySql: Readonly<Record<QueryName, string>> = {
  q1: 'SELECT COUNT(*) FROM t',
  q2: `SELECT SUM(a) FROM t WHERE b LIKE '${matchingPrefix}%'`,
  q3: 'SELECT a, COUNT(*), SUM(d) FROM t GROUP BY a',
};

const scanColumns: Readonly<Record<QueryName, readonly ScanColumn[]>> = {
  // COUNT(*) reads the handle alone, as TiDB's planner prunes it to.
  q1: [{ id: columnIds.id, type: bigint, handle: true }],
  q2: [{ id: columnIds.a, type: int }, { id: columnIds.b, type: varchar }],
  q3: [{ id: columnIds.a, type: int }, { id: columnIds.d, type: money }],
};

/** b LIKE 'x%' over the scan of (a, b), compared under b's collation. */
function likeCondition(): Expr {
  const escapeBackslash = 92n;
  return call(ScalarFuncSig.Like, [columnRef(1, varchar), constant(Buffer.from(`${matchingPrefix}%`), varchar), constant(escapeBackslash, bigint)], { ...resultTypes.boolean(), collation: 'utf8mb4_bin' });
}

const countStar: AggregateCall = { kind: 'count', args: [constant(1n, bigint)], distinct: false };

export function pushedDag(query: QueryName): DagBuilder {
  const dag = new DagBuilder().tableScan(tableId, scanColumns[query]);
  switch (query) {
    case 'q1':
      return dag.aggregation([], [countStar]);
    case 'q2':
      return dag.selection([likeCondition()]).aggregation([], [{ kind: 'sum', args: [columnRef(0, int)], distinct: false }]);
    case 'q3':
      return dag.aggregation([columnRef(0, int)], [countStar, { kind: 'sum', args: [columnRef(1, money)], distinct: false }]);
  }
}

function pulledDag(query: QueryName): DagBuilder {
  return new DagBuilder().tableScan(tableId, scanColumns[query]);
}

/** Merges partial results, chunk by chunk (the columns of pushedDag(query)'s schema). */
class PushedMerger {
  private count = 0n;
  private sum = Decimal.zero;
  private readonly groups = new Map<number, { count: bigint; cents: bigint }>();

  constructor(private readonly query: QueryName) {}

  add(chunk: readonly Column[]): void {
    switch (this.query) {
      case 'q1': {
        const counts = chunk[0]!;
        if (counts.kind !== 'int') throw new Error('COUNT came back as a non-integer column');
        for (let row = 0; row < counts.length; row++) this.count += counts.values[row]!;
        return;
      }
      case 'q2': {
        const sums = chunk[0]!;
        if (sums.kind !== 'decimal') throw new Error('SUM came back as a non-decimal column');
        for (let row = 0; row < sums.length; row++) if (sums.nulls[row] === 0) this.sum = this.sum.add(sums.values[row]!);
        return;
      }
      case 'q3': {
        const [counts, sums, keys] = chunk;
        if (counts?.kind !== 'int' || sums?.kind !== 'decimal' || keys?.kind !== 'int') throw new Error('unexpected column kinds in the grouped result');
        for (let row = 0; row < keys.length; row++) {
          const a = Number(keys.values[row]!);
          const group = this.groups.get(a) ?? { count: 0n, cents: 0n };
          group.count += counts.values[row]!;
          if (sums.nulls[row] === 0) group.cents += centsOf(sums.values[row]!);
          this.groups.set(a, group);
        }
        return;
      }
    }
  }

  answer(): Answer {
    if (this.query === 'q1') return String(this.count);
    if (this.query === 'q2') return this.sum.toString();
    return groupsAnswer(this.groups);
  }
}

/** A DECIMAL(_, 2) value as a count of cents. */
function centsOf(value: Decimal): bigint {
  if (value.scale > 2) throw new Error(`a sum of DECIMAL(12,2) values came back with scale ${value.scale}`);
  return value.coefficient * 10n ** BigInt(2 - value.scale);
}

/** Computes a query in the client over the rows a TableScan-only DAG pulled. */
class PulledComputer {
  private count = 0n;
  private sumA = 0n;
  private readonly groups = new Map<number, { count: bigint; cents: bigint }>();
  private readonly like = new CompiledExpr(likeCondition());
  private readonly context = new EvalContext();

  constructor(private readonly query: QueryName) {}

  add(chunk: readonly Column[]): void {
    const rows = chunk[0]?.length ?? 0;
    switch (this.query) {
      case 'q1':
        this.count += BigInt(rows);
        return;
      case 'q2': {
        const a = chunk[0]!;
        // The SQL layer evaluates the same expression over the pulled rows.
        const matched = this.like.evaluate(this.context, chunk, rows);
        if (a.kind !== 'int' || matched.kind !== 'int') throw new Error('unexpected column kinds in the pulled rows');
        for (let row = 0; row < rows; row++) if (a.nulls[row] === 0 && matched.nulls[row] === 0 && matched.values[row] !== 0n) this.sumA += a.values[row]!;
        return;
      }
      case 'q3': {
        const [a, d] = chunk;
        if (a?.kind !== 'int' || d?.kind !== 'decimal') throw new Error('unexpected column kinds in the pulled rows');
        for (let row = 0; row < rows; row++) {
          const key = Number(a.values[row]!);
          let group = this.groups.get(key);
          if (group === undefined) {
            group = { count: 0n, cents: 0n };
            this.groups.set(key, group);
          }
          group.count++;
          if (d.nulls[row] === 0) group.cents += centsOf(d.values[row]!);
        }
        return;
      }
    }
  }

  answer(): Answer {
    if (this.query === 'q1') return String(this.count);
    if (this.query === 'q2') return String(this.sumA);
    return groupsAnswer(this.groups);
  }
}

// ---------------------------------------------------------------------------------------
// Measurement.

interface Timing {
  readonly seconds: number;
  /** CPU of every process involved (servers and this client). */
  readonly cpuSeconds: number;
  readonly answer: Answer;
}

/** Runs `run` `repeat` times after one warm-up; keeps the fastest run. */
async function bestOf(repeat: number, pids: readonly number[], run: () => Promise<Answer>): Promise<Timing> {
  await run();
  let best: Timing | undefined;
  for (let attempt = 0; attempt < repeat; attempt++) {
    const serverBefore = totalCpu(pids);
    const clientBefore = process.cpuUsage();
    const started = performance.now();
    const answer = await run();
    const seconds = (performance.now() - started) / 1000;
    const serverAfter = totalCpu(pids);
    const client = process.cpuUsage(clientBefore);
    const cpuSeconds = serverAfter.user + serverAfter.system - serverBefore.user - serverBefore.system + (client.user + client.system) / 1e6;
    if (best === undefined || seconds < best.seconds) best = { seconds, cpuSeconds, answer };
  }
  return best!;
}

function mustAgree(what: string, expected: Answer, actual: Answer): void {
  if (expected !== actual) throw new Error(`${what}: the answer differs from the expected one\n  expected ${expected.slice(0, 200)}\n  actual   ${actual.slice(0, 200)}`);
}

// ---------------------------------------------------------------------------------------
// The process cluster.

interface ClusterResults {
  readonly loadRowsPerSecond: number;
  readonly regions: number;
  readonly leadersPerStore: string;
  readonly pushed: Record<QueryName, Timing>;
  readonly pulled: Record<QueryName, Timing>;
}

/** Rows per transaction: at most one prewrite request (4,096 keys), so each commits in one phase. */
const rowsPerTransaction = 4_000;
const regionCount = 8;

async function benchCluster(rows: number, repeat: number, profileDir: string | undefined, expected: Record<QueryName, Answer>, track: (child: ChildProcess) => void): Promise<ClusterResults> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tidedb-bench-coprocessor-'));
  const ports = await freeClusterPorts();
  const cluster = await startProcessCluster({ dataDir, ports, pdHeartbeatInterval: '1s', ...(profileDir === undefined ? {} : { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir] }) });
  for (const { child } of cluster.processes) track(child);
  let client: TxnClient | undefined;
  try {
    await waitForHealthyCluster(ports, 3, 60_000);
    client = await TxnClient.connect(`127.0.0.1:${ports.pdClient}`);
    const txn = client;
    // Split first, so the load runs on every region at once and each transaction stays
    // inside one region (one prewrite request: a one-phase commit).
    const rowsPerRegion = Math.ceil(rows / regionCount);
    const regionStarts: number[] = [];
    for (let id = 1; id <= rows; id += rowsPerRegion) regionStarts.push(id);
    await txn.splitRegions(regionStarts.slice(1).map((id) => recordKey(tableId, BigInt(id))));
    const loadStarted = performance.now();
    const commitRows = async (first: number, last: number) => {
      const transaction = await txn.begin();
      for (let id = first; id <= last; id++) transaction.set(recordKey(tableId, BigInt(id)), rowValue(generatedRow(id)));
      await transaction.commit();
    };
    // The order matters to the stores. A prewrite checks each key for newer commits with
    // one seek, and a LevelDB seek steps one by one over every entry its snapshot cannot
    // see (newer, or deleted) until it meets one it can. So each region loads its last
    // row first (one at a time, before anything else runs), then one transaction at a
    // time from the top down: the next key after every key prewritten is then one
    // committed before the transaction started. Loading ascending with 16 transactions in
    // flight made every seek walk over the other transactions' fresh rows (quadratic):
    // 454 CPU-seconds on one store for 100,000 rows, against 9 this way.
    for (const first of regionStarts) {
      const last = Math.min(first + rowsPerRegion - 1, rows);
      await commitRows(last, last);
    }
    await Promise.all(
      regionStarts.map(async (regionFirst) => {
        for (let last = Math.min(regionFirst + rowsPerRegion - 1, rows) - 1; last >= regionFirst; last -= rowsPerTransaction) {
          await commitRows(Math.max(regionFirst, last - rowsPerTransaction + 1), last);
        }
      }),
    );
    const loadRowsPerSecond = rows / ((performance.now() - loadStarted) / 1000);
    const regions = await pdRegions(ports);
    if (regions.length < regionCount) throw new Error(`the table should span ${regionCount} regions, PD lists ${regions.length}`);
    const leaders = new Map<string, number>();
    for (const region of regions) leaders.set(region.leader?.storeId ?? 'none', (leaders.get(region.leader?.storeId ?? 'none') ?? 0) + 1);
    const leadersPerStore = [...leaders.entries()].sort().map(([store, count]) => `store ${store}: ${count}`).join(', ');

    const pids = cluster.processes.map(({ child }) => child.pid ?? 0);
    const ranges = [recordRange(tableId)];
    const pushed = {} as Record<QueryName, Timing>;
    const pulled = {} as Record<QueryName, Timing>;
    for (const query of queryNames) {
      const pushedBuilder = pushedDag(query);
      const pushedRequest = pushedBuilder.build();
      pushed[query] = await bestOf(repeat, pids, async () => {
        const merger = new PushedMerger(query);
        for await (const result of txn.coprocessor(pushedRequest, { ranges })) for (const chunk of result.chunks) merger.add(chunk);
        return merger.answer();
      });
      mustAgree(`${query} pushed down`, expected[query], pushed[query].answer);
      const pulledRequest = pulledDag(query).build();
      pulled[query] = await bestOf(repeat, pids, async () => {
        const computer = new PulledComputer(query);
        for await (const result of txn.coprocessor(pulledRequest, { ranges })) for (const chunk of result.chunks) computer.add(chunk);
        return computer.answer();
      });
      mustAgree(`${query} pulled`, expected[query], pulled[query].answer);
    }
    return { loadRowsPerSecond, regions: regions.length, leadersPerStore, pushed, pulled };
  } finally {
    client?.close();
    await cluster.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------
// In-process: the engine ceiling and the DAG pipeline on one store.

interface InProcessResults {
  /** classic-level nextv(1,000) over the same keys and values. */
  readonly engine: Timing;
  /** kv/mvcc's scanner alone, in pages of 1,024 (what the coprocessor's scanner calls). */
  readonly mvccScan: Timing;
  readonly dags: Record<QueryName, Timing>;
}

async function benchInProcess(rows: number, repeat: number, expected: Record<QueryName, Answer>): Promise<InProcessResults> {
  const directory = await mkdtemp(join(tmpdir(), 'tidedb-bench-coprocessor-engine-'));
  try {
    // The ceiling: the record keys with their row values, as plain pairs in one LevelDB.
    const plain = new ClassicLevel<Uint8Array, Uint8Array>(join(directory, 'plain'), { keyEncoding: 'view', valueEncoding: 'view' });
    await plain.open();
    for (let id = 1; id <= rows; id += 1000) {
      const batch = plain.batch();
      for (let each = id; each < Math.min(id + 1000, rows + 1); each++) batch.put(recordKey(tableId, BigInt(each)), rowValue(generatedRow(each)));
      await batch.write();
    }
    const engine = await bestOf(repeat, [], async () => {
      const iterator = plain.iterator();
      let keys = 0;
      for (;;) {
        const entries = await iterator.nextv(1000);
        if (entries.length === 0) break;
        keys += entries.length;
      }
      await iterator.close();
      return String(keys);
    });
    mustAgree('engine iteration', String(rows), engine.answer);
    await plain.close();

    // The MVCC engine: one committed version per row (start ts 10, commit ts 11), the
    // records a committed transaction leaves (CF write with the short value, CF latest).
    const levelEngine = await LevelEngine.open(join(directory, 'mvcc'));
    try {
      const startTs = asTimestamp(10n);
      const commitTs = asTimestamp(11n);
      for (let id = 1; id <= rows; id += 1000) {
        const batch = levelEngine.newBatch();
        for (let each = id; each < Math.min(id + 1000, rows + 1); each++) {
          const key = recordKey(tableId, BigInt(each));
          const write = { type: WriteType.Put, startTs, shortValue: rowValue(generatedRow(each)) };
          batch.put(ColumnFamily.write, encodeMvccKey(key, commitTs), encodeWrite(write));
          batch.put(ColumnFamily.latest, encodeUserKey(key), encodeLatestWrite({ commitTs, write }));
        }
        await levelEngine.write(batch);
      }
      const store = new MvccStore(levelEngine);
      const readTs = asTimestamp(100n);
      const range = recordRange(tableId);
      const mvccScan = await bestOf(repeat, [], () =>
        store.read(async (reader) => {
          let keys = 0;
          let start = range.start;
          for (;;) {
            const page = await scan(reader, { start, end: range.end, ts: readTs, limit: 1024 });
            if (page.length === 0) break;
            keys += page.length;
            const last = page[page.length - 1]!.key;
            start = new Uint8Array(last.length + 1);
            start.set(last);
          }
          return String(keys);
        }),
      );
      mustAgree('mvcc scan', String(rows), mvccScan.answer);
      const dags = {} as Record<QueryName, Timing>;
      for (const query of queryNames) {
        const request = pushedDag(query).build();
        dags[query] = await bestOf(repeat, [], () =>
          store.read(async (reader) => {
            const outcome = await runDag(reader, { dag: request, ts: readTs, ranges: [range], pagingSize: 0 });
            if (outcome.kind !== 'done') throw new Error(`${query} in-process met a lock`);
            if (outcome.response.error !== undefined) throw new Error(`${query} in-process failed: ${outcome.response.error.msg}`);
            const merger = new PushedMerger(query);
            for (const chunk of outcome.response.chunks) merger.add(decodeChunk(chunk.rowsData));
            return merger.answer();
          }),
        );
        mustAgree(`${query} in-process`, expected[query], dags[query].answer);
      }
      return { engine, mvccScan, dags };
    } finally {
      await levelEngine.close();
    }
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------
// MariaDB on the same rows.

interface MariaDbResults {
  readonly loadRowsPerSecond: number;
  readonly queries: Record<QueryName, Timing>;
}

async function benchMariaDb(rows: number, repeat: number, expected: Record<QueryName, Answer>): Promise<MariaDbResults> {
  // LOAD DATA INFILE reads only from the server's secure-file-priv folder: the rows go there.
  const directory = await mkdtemp(join(tmpdir(), 'tidedb-bench-mariadb-rows-'));
  let server: MariaDbServer | undefined;
  let connection: mysql.Connection | undefined;
  try {
    server = await startMariaDb({
      serverArgs: [`--secure-file-priv=${directory}`, '--innodb-buffer-pool-size=2G', '--innodb-log-file-size=512M', '--innodb-flush-log-at-trx-commit=2'],
    });
    connection = await server.connect();
    await connection.query('CREATE DATABASE bench');
    await connection.query('USE bench');
    await connection.query('CREATE TABLE t (id BIGINT PRIMARY KEY, a INT, b VARCHAR(32) COLLATE utf8mb4_bin, c DOUBLE, d DECIMAL(12,2), e DATETIME) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4');
    const file = join(directory, 'rows.tsv');
    await writeTsv(file, rows);
    const loadStarted = performance.now();
    await connection.query(`LOAD DATA INFILE ${connection.escape(file)} INTO TABLE t`);
    const loadRowsPerSecond = rows / ((performance.now() - loadStarted) / 1000);
    const queries = {} as Record<QueryName, Timing>;
    const sql = connection;
    for (const query of queryNames) {
      queries[query] = await bestOf(repeat, [server.pid], async () => {
        const [result] = await sql.query<mysql.RowDataPacket[]>(querySql[query]);
        return mariaDbAnswer(query, result);
      });
      mustAgree(`${query} on MariaDB`, expected[query], queries[query].answer);
    }
    return { loadRowsPerSecond, queries };
  } finally {
    await connection?.end().catch(() => undefined);
    await server?.stop();
    await rm(directory, { recursive: true, force: true });
  }
}

function mariaDbAnswer(query: QueryName, result: mysql.RowDataPacket[]): Answer {
  const values = result.map((row) => Object.values(row) as unknown[]);
  if (query === 'q1') return String(values[0]![0]);
  if (query === 'q2') return String(values[0]![0]);
  const groups = new Map<number, { count: bigint; cents: bigint }>();
  for (const [a, count, sum] of values) groups.set(Number(a), { count: BigInt(String(count)), cents: centsOf(Decimal.parse(String(sum))) });
  return groupsAnswer(groups);
}

async function writeTsv(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  let lines: string[] = [];
  const pad = (value: number) => String(value).padStart(2, '0');
  for (let id = 1; id <= rows; id++) {
    const row = generatedRow(id);
    const e = row.e;
    const when = `${e.getUTCFullYear()}-${pad(e.getUTCMonth() + 1)}-${pad(e.getUTCDate())} ${pad(e.getUTCHours())}:${pad(e.getUTCMinutes())}:${pad(e.getUTCSeconds())}`;
    lines.push(`${row.id}\t${row.a}\t${row.b}\t${row.c}\t${Decimal.fromScaled(BigInt(row.cents), 2).toString()}\t${when}\n`);
    if (lines.length === 10_000 || id === rows) {
      if (!out.write(lines.join(''))) await once(out, 'drain');
      lines = [];
    }
  }
  out.end();
  await once(out, 'finish');
}

// ---------------------------------------------------------------------------------------
// Report.

export interface CoprocessorBenchResults {
  readonly rows: number;
  readonly cluster?: ClusterResults;
  readonly inProcess?: InProcessResults;
  readonly mariaDb?: MariaDbResults;
}

const perCore = (rows: number, timing: Timing) => rows / Math.max(timing.cpuSeconds, 1e-9);
const format = (value: number) => (value >= 1e6 ? `${(value / 1e6).toFixed(2)}M` : `${(value / 1e3).toFixed(0)}k`);

export function formatCoprocessorBench(results: CoprocessorBenchResults): string {
  const { rows, cluster, inProcess, mariaDb } = results;
  const ceiling = inProcess === undefined ? undefined : perCore(rows, inProcess.engine);
  const lines = [`coprocessor (${rows.toLocaleString('en-US')} rows of t(id BIGINT PK, a INT, b VARCHAR(32), c DOUBLE, d DECIMAL(12,2), e DATETIME))`];
  if (inProcess !== undefined) {
    lines.push(
      `  engine ceiling (classic-level nextv 1,000, in-process): ${format(rows / inProcess.engine.seconds)} keys/s, ${format(ceiling!)} keys/CPU-s`,
      `  mvcc scanner alone (pages of 1,024, in-process):       ${format(rows / inProcess.mvccScan.seconds)} keys/s, ${format(perCore(rows, inProcess.mvccScan))} keys/CPU-s`,
    );
    for (const query of queryNames) {
      const timing = inProcess.dags[query];
      lines.push(`  in-process DAG ${query} (one store, no gRPC):            ${format(rows / timing.seconds)} keys/s, ${format(perCore(rows, timing))} keys/CPU-s (ceiling ${(ceiling! / perCore(rows, timing)).toFixed(1)}x)`);
    }
  }
  if (cluster !== undefined) lines.push(`  cluster: load ${format(cluster.loadRowsPerSecond)} rows/s through TxnClient (1PC transactions of ${rowsPerTransaction.toLocaleString('en-US')} rows, one per region at a time); ${cluster.regions} regions; leaders ${cluster.leadersPerStore}`);
  if (mariaDb !== undefined) lines.push(`  MariaDB: LOAD DATA ${format(mariaDb.loadRowsPerSecond)} rows/s`);
  lines.push(
    `  ${'query'.padEnd(46)} ${'pushed s'.padStart(9)} ${'rows/s/core'.padStart(11)} ${'pulled s'.padStart(9)} ${'rows/s/core'.padStart(11)} ${'ceil/push'.padStart(9)} ${'ceil/pull'.padStart(9)} ${'MariaDB s'.padStart(9)} ${'rows/s/core'.padStart(11)} ${'push/Maria'.padStart(10)}`,
  );
  for (const query of queryNames) {
    const pushed = cluster?.pushed[query];
    const pulled = cluster?.pulled[query];
    const maria = mariaDb?.queries[query];
    const cell = (value: number | undefined, width: number, digits = 2) => (value === undefined ? '' : value.toFixed(digits)).padStart(width);
    const rate = (timing: Timing | undefined) => (timing === undefined ? '' : format(perCore(rows, timing))).padStart(11);
    const ratio = (timing: Timing | undefined) => (timing === undefined || ceiling === undefined ? '' : `${(ceiling / perCore(rows, timing)).toFixed(1)}x`).padStart(9);
    lines.push(
      `  ${`${query} ${querySql[query]}`.padEnd(46)} ${cell(pushed?.seconds, 9)} ${rate(pushed)} ${cell(pulled?.seconds, 9)} ${rate(pulled)} ${ratio(pushed)} ${ratio(pulled)} ${cell(maria?.seconds, 9, 3)} ${rate(maria)} ${(pushed === undefined || maria === undefined ? '' : `${(pushed.seconds / maria.seconds).toFixed(2)}x`).padStart(10)}`,
    );
  }
  lines.push('  rows/s/core: rows per CPU-second of every process involved (stores, PD and the client; mariadbd alone for MariaDB). ceil/x: how many times the engine ceiling\'s keys per CPU-second. push/Maria: pushed-down time over MariaDB\'s (best of the runs, warm).');
  return lines.join('\n');
}

export async function runCoprocessorBench(options: { rows?: number; repeat?: number; cluster?: boolean; inProcess?: boolean; mariaDb?: boolean; profileDir?: string; track?: (child: ChildProcess) => void } = {}): Promise<CoprocessorBenchResults> {
  const rows = options.rows ?? 1_000_000;
  const repeat = options.repeat ?? 3;
  const track = options.track ?? (() => undefined);
  const expected = expectedAnswers(rows);
  const inProcess = options.inProcess === false ? undefined : await benchInProcess(rows, repeat, expected);
  const cluster = options.cluster === false ? undefined : await benchCluster(rows, repeat, options.profileDir, expected, track);
  const mariaDb = options.mariaDb === false ? undefined : await benchMariaDb(rows, repeat, expected);
  return { rows, ...(cluster === undefined ? {} : { cluster }), ...(inProcess === undefined ? {} : { inProcess }), ...(mariaDb === undefined ? {} : { mariaDb }) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  const flag = (name: string) => {
    const index = argv.indexOf(name);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const numberFlag = (name: string) => {
    const value = flag(name);
    return value === undefined ? undefined : Number(value);
  };
  // The run stops by itself: past the timeout every child is killed and the process exits.
  const children: ChildProcess[] = [];
  const timeoutSeconds = numberFlag('--timeout-s') ?? 1_800;
  const watchdog = setTimeout(() => {
    console.error(`bench:coprocessor: still running after ${timeoutSeconds} s; stopping every process it started`);
    for (const child of children) child.kill('SIGKILL');
    process.exit(2);
  }, timeoutSeconds * 1000);
  watchdog.unref();
  const rows = numberFlag('--rows');
  const repeat = numberFlag('--repeat');
  const profileDir = flag('--profile');
  const results = await runCoprocessorBench({
    ...(rows === undefined ? {} : { rows }),
    ...(repeat === undefined ? {} : { repeat }),
    ...(profileDir === undefined ? {} : { profileDir }),
    cluster: !argv.includes('--no-cluster'),
    inProcess: !argv.includes('--no-in-process'),
    mariaDb: !argv.includes('--no-mariadb'),
    track: (child) => children.push(child),
  });
  console.log(formatCoprocessorBench(results));
  clearTimeout(watchdog);
}
