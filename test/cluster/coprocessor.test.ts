import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { intDatum, nullDatum, stringDatum } from '../../common/codec/datum.js';
import { encodeRow } from '../../common/codec/row.js';
import { recordKey, recordRange } from '../../common/codec/table.js';
import { clearFailpoints, configureFailpoint } from '../../common/failpoint/index.js';
import { type AggregateCall, DistinctSetMerger } from '../../common/expr/aggregate.js';
import { resultTypes } from '../../common/expr/eval-type.js';
import { valueReader } from '../../common/expr/evaluate.js';
import { call, columnRef, constant, type ScalarValue } from '../../common/expr/expr.js';
import { Decimal } from '../../common/types/decimal.js';
import type { FieldType } from '../../common/types/field-type.js';
import { ScalarFuncSig as Sig } from '../../proto/gen/dagpb.js';
import { BackoffExhaustedError, CoprocessorExecutionError } from '../../kv/client/errors.js';
import type { CopResult } from '../../kv/client/coprocessor.js';
import { TxnClient } from '../../kv/client/txn-client.js';
import { DagBuilder, type ScanColumn } from '../../common/expr/dag-builder.js';
import { LocalCluster } from './local-cluster.js';

const tableId = 77n;
const rowCount = 400;
const int = resultTypes.bigint();
const columns: ScanColumn[] = [
  { id: 1, type: int, handle: true },
  { id: 2, type: int },
  { id: 3, type: int },
];
// Row h: k = h % 7, v = h % 50 (NULL when h % 13 == 0), name one of six spellings of three names under utf8mb4_general_ci (NULL when h % 11 == 0).
const kOf = (handle: number) => BigInt(handle % 7);
const vOf = (handle: number) => (handle % 13 === 0 ? null : BigInt(handle % 50));
const names = ['ant', 'ANT', 'Ant ', 'bee', 'BEE', 'cat'];
const nameOf = (handle: number) => (handle % 11 === 0 ? null : names[handle % names.length]!);
const rowOf = (handle: number, bump = 0n) =>
  encodeRow([
    { id: 2, value: intDatum(kOf(handle)) },
    { id: 3, value: vOf(handle) === null ? nullDatum : intDatum(vOf(handle)! + bump) },
    { id: 4, value: nameOf(handle) === null ? nullDatum : stringDatum(nameOf(handle)!) },
  ]);

function rowsOf(results: readonly CopResult[], schema: readonly FieldType[]): Array<Array<ScalarValue | null>> {
  const rows: Array<Array<ScalarValue | null>> = [];
  for (const result of results) {
    for (const chunk of result.chunks) {
      const readers = chunk.map((column, index) => valueReader(column, schema[index]!));
      for (let row = 0; row < (chunk[0]?.length ?? 0); row++) rows.push(readers.map((read) => read(row)));
    }
  }
  return rows;
}

describe('coprocessor requests through the client against a 3-store cluster', () => {
  let cluster: LocalCluster;
  let client: TxnClient;
  const range = recordRange(tableId);
  before(async () => {
    cluster = await LocalCluster.start(3);
    await cluster.waitForRegions(3);
    client = await TxnClient.connect(cluster.pdEndpoint, { budgetMs: 30_000 });
    for (let from = 1; from <= rowCount; from += 100) {
      const txn = await client.begin();
      for (let handle = from; handle < from + 100; handle++) txn.set(recordKey(tableId, BigInt(handle)), rowOf(handle));
      await txn.commit();
    }
    // Nine regions over the table.
    await client.splitRegions([50, 100, 150, 200, 250, 300, 350, 380].map((handle) => recordKey(tableId, BigInt(handle))));
  });
  after(async () => {
    clearFailpoints();
    client?.close();
    await cluster?.stop();
  });

  const groupedSum = () => {
    const k = columnRef(1, int);
    const v = columnRef(2, int);
    return new DagBuilder()
      .tableScan(tableId, columns)
      .selection([call(Sig.GtInt, [v, constant(10n, int)], resultTypes.boolean())])
      .aggregation([k], [{ kind: 'count', args: [constant(1n, int)], distinct: false }, { kind: 'sum', args: [v], distinct: false }]);
  };

  /** SELECT k, COUNT(*), SUM(v) FROM t WHERE v > 10 GROUP BY k, merged from the regions' partial results. */
  function merge(rows: ReadonlyArray<ReadonlyArray<ScalarValue | null>>): Map<bigint, { count: bigint; sum: string }> {
    const merged = new Map<bigint, { count: bigint; sum: Decimal }>();
    for (const [count, sum, k] of rows) {
      const entry = merged.get(k as bigint) ?? { count: 0n, sum: Decimal.zero };
      entry.count += count as bigint;
      if (sum !== null) entry.sum = entry.sum.add(sum as Decimal);
      merged.set(k as bigint, entry);
    }
    return new Map([...merged].map(([k, entry]) => [k, { count: entry.count, sum: entry.sum.toString() }]));
  }

  /** The answer computed row by row; `bumps` adds to v of the rows a test rewrote. */
  function expected(bumps: ReadonlyMap<number, bigint> = new Map()): Map<bigint, { count: bigint; sum: string }> {
    const out = new Map<bigint, { count: bigint; sum: bigint }>();
    for (let handle = 1; handle <= rowCount; handle++) {
      const stored = vOf(handle);
      if (stored === null) continue;
      const v = stored + (bumps.get(handle) ?? 0n);
      if (v <= 10n) continue;
      const entry = out.get(kOf(handle)) ?? { count: 0n, sum: 0n };
      entry.count++;
      entry.sum += v;
      out.set(kOf(handle), entry);
    }
    return new Map([...out].map(([k, entry]) => [k, { count: entry.count, sum: String(entry.sum) }]));
  }

  test('a grouped aggregation pushed to nine regions merges to the exact answer, with and without paging', async () => {
    const dag = groupedSum();
    const results = await client.coprocessorAll(dag.build(), { ranges: [range] });
    assert.ok(new Set(results.map((result) => result.regionId)).size >= 8, 'answered by at least eight regions');
    assert.deepEqual(merge(rowsOf(results, dag.schema)), expected());
    const paged = await client.coprocessorAll(dag.build(), { ranges: [range], pagingSize: 16 });
    assert.ok(paged.length > results.length, 'paging splits regions into more responses');
    assert.deepEqual(merge(rowsOf(paged, dag.schema)), expected());
    const unordered: CopResult[] = [];
    for await (const result of client.coprocessor(dag.build(), { ranges: [range], keepOrder: false, concurrency: 3 })) unordered.push(result);
    assert.deepEqual(merge(rowsOf(unordered, dag.schema)), expected());
  });

  test('COUNT(DISTINCT) and SUM(DISTINCT) over nine regions: the partial sets merge to the exact answer, with and without paging', async () => {
    const name = resultTypes.varchar(16, 'utf8mb4_general_ci');
    const k = columnRef(1, int);
    const v = columnRef(2, int);
    const nameColumn = columnRef(3, name);
    const countV: AggregateCall = { kind: 'count', args: [v], distinct: true };
    const countName: AggregateCall = { kind: 'count', args: [nameColumn], distinct: true };
    const sumV: AggregateCall = { kind: 'sum', args: [v], distinct: true };
    const countPairs: AggregateCall = { kind: 'count', args: [v, nameColumn], distinct: true };
    const scan = () => new DagBuilder().tableScan(tableId, [...columns, { id: 4, type: name }]);
    // SELECT k, COUNT(DISTINCT v), COUNT(DISTINCT name), SUM(DISTINCT v) FROM t GROUP BY k, and SELECT COUNT(DISTINCT v, name) FROM t.
    const grouped = scan().aggregation([k], [countV, countName, sumV]);
    const total = scan().aggregation([], [countPairs]);

    const expectedGroups = new Map<bigint, { v: Set<bigint>; names: Set<string> }>();
    const expectedPairs = new Set<string>();
    for (let handle = 1; handle <= rowCount; handle++) {
      const entry = expectedGroups.get(kOf(handle)) ?? { v: new Set<bigint>(), names: new Set<string>() };
      const value = vOf(handle);
      const spelled = nameOf(handle);
      if (value !== null) entry.v.add(value);
      // The oracle for utf8mb4_general_ci over these ASCII names: case and trailing spaces do not count.
      if (spelled !== null) entry.names.add(spelled.toLowerCase().trimEnd());
      if (value !== null && spelled !== null) expectedPairs.add(`${value}/${spelled.toLowerCase().trimEnd()}`);
      expectedGroups.set(kOf(handle), entry);
    }
    const expected = new Map([...expectedGroups].map(([group, entry]) => [group, [BigInt(entry.v.size), BigInt(entry.names.size), String([...entry.v].reduce((sum, value) => sum + value, 0n))]]));

    const mergeGroups = (results: readonly CopResult[]) => {
      const mergers = new Map<bigint, DistinctSetMerger[]>();
      for (const [setV, setName, setSum, group] of rowsOf(results, grouped.schema)) {
        let entry = mergers.get(group as bigint);
        if (entry === undefined) mergers.set(group as bigint, (entry = [new DistinctSetMerger(countV), new DistinctSetMerger(countName), new DistinctSetMerger(sumV)]));
        entry[0]!.add(setV!);
        entry[1]!.add(setName!);
        entry[2]!.add(setSum!);
      }
      return new Map([...mergers].map(([group, [byV, byName, bySum]]) => [group, [byV!.result(), byName!.result(), (bySum!.result() as Decimal).toString()]]));
    };
    const mergeTotal = (results: readonly CopResult[]) => {
      const merger = new DistinctSetMerger(countPairs);
      for (const [set] of rowsOf(results, total.schema)) merger.add(set!);
      return merger.result();
    };

    const results = await client.coprocessorAll(grouped.build(), { ranges: [range] });
    assert.ok(new Set(results.map((result) => result.regionId)).size >= 8, 'answered by at least eight regions');
    assert.deepEqual(mergeGroups(results), expected);
    // Every region holds most v values of every group, so adding the regions' own counts would overcount.
    const perRegionSum = rowsOf(results, grouped.schema).reduce((sum, [setV]) => {
      const merger = new DistinctSetMerger(countV);
      merger.add(setV!);
      return sum + (merger.result() as bigint);
    }, 0n);
    assert.ok(perRegionSum > [...expected.values()].reduce((sum, [count]) => sum + (count as bigint), 0n), 'distinct values repeat across regions');

    const paged = await client.coprocessorAll(grouped.build(), { ranges: [range], pagingSize: 16 });
    assert.ok(paged.length > results.length, 'paging splits regions into more responses');
    assert.deepEqual(mergeGroups(paged), expected);
    const unordered: CopResult[] = [];
    for await (const result of client.coprocessor(grouped.build(), { ranges: [range], keepOrder: false, concurrency: 3 })) unordered.push(result);
    assert.deepEqual(mergeGroups(unordered), expected);

    assert.equal(mergeTotal(await client.coprocessorAll(total.build(), { ranges: [range] })), BigInt(expectedPairs.size));
    assert.equal(mergeTotal(await client.coprocessorAll(total.build(), { ranges: [range], pagingSize: 16 })), BigInt(expectedPairs.size));
  });

  test('a scan in key order returns every row once, ascending and descending', async () => {
    const up = new DagBuilder().tableScan(tableId, columns);
    const handles = rowsOf(await client.coprocessorAll(up.build({ outputOffsets: [0] }), { ranges: [range] }), [int]).map((row) => Number(row[0]));
    assert.deepEqual(handles, Array.from({ length: rowCount }, (_, index) => index + 1));
    const down = new DagBuilder().tableScan(tableId, columns, { desc: true }).limit(5);
    const last = rowsOf(await client.coprocessorAll(down.build({ outputOffsets: [0] }), { ranges: [range] }), [int]).map((row) => Number(row[0]));
    assert.deepEqual(last.slice(0, 5), [400, 399, 398, 397, 396], 'each region stops after five; the last region answers first');
  });

  test('a lock left by a client that died after committing its primary is resolved (rolled forward), and the task retried', async () => {
    // Rows 10 and 391 live in the first and the last region; 10 is the primary.
    configureFailpoint('kv-client/txn/after-commit-primary', 'return');
    try {
      const dying = await client.begin({ onePc: false, asyncCommit: false });
      dying.set(recordKey(tableId, 10n), rowOf(10, 1000n));
      dying.set(recordKey(tableId, 391n), rowOf(391, 1000n));
      await dying.commit();
    } finally {
      clearFailpoints();
    }
    const dag = groupedSum();
    // Row 391 is still locked: a store that skipped the lock would answer its old value.
    assert.deepEqual(merge(rowsOf(await client.coprocessorAll(dag.build(), { ranges: [range] }), dag.schema)), expected(new Map([[10, 1000n], [391, 1000n]])));
    const restore = await client.begin();
    restore.set(recordKey(tableId, 10n), rowOf(10));
    restore.set(recordKey(tableId, 391n), rowOf(391));
    await restore.commit();
    assert.deepEqual(merge(rowsOf(await client.coprocessorAll(dag.build(), { ranges: [range] }), dag.schema)), expected());
  });

  test('regions split while a paged scan is under way: no row is lost or repeated', async () => {
    const dag = new DagBuilder().tableScan(tableId, columns);
    const seen: number[] = [];
    let split = false;
    for await (const result of client.coprocessor(dag.build({ outputOffsets: [0] }), { ranges: [range], pagingSize: 10, keepOrder: true, concurrency: 1 })) {
      seen.push(...rowsOf([result], [int]).map((row) => Number(row[0])));
      if (!split) {
        split = true;
        await client.splitRegions([20, 30, 120, 125, 260].map((handle) => recordKey(tableId, BigInt(handle))));
      }
    }
    assert.deepEqual(seen, Array.from({ length: rowCount }, (_, index) => index + 1));
  });

  test('leaders move between the pages of a request: the answer stays exact', async () => {
    const pd = cluster.pdStatusUrl;
    type RegionJson = { id: string; leader: { storeId: string } | null; peers: Array<{ storeId: string }> };
    const leaders = async () => new Map((((await (await fetch(`${pd}/pd/api/v1/regions`)).json()) as { regions: RegionJson[] }).regions).map((region) => [region.id, region]));
    const dag = groupedSum();
    const rows: Array<Array<ScalarValue | null>> = [];
    let before: Map<string, RegionJson> | undefined;
    let ordered = 0;
    for await (const result of client.coprocessor(dag.build(), { ranges: [range], pagingSize: 20, keepOrder: true, concurrency: 2 })) {
      rows.push(...rowsOf([result], dag.schema));
      if (before === undefined) {
        before = await leaders();
        for (const region of before.values()) {
          const target = region.peers.find((peer) => peer.storeId !== region.leader?.storeId)?.storeId;
          if (target === undefined) continue;
          const response = await fetch(`${pd}/pd/api/v1/operators`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'transfer-leader', regionId: region.id, toStoreId: target }) });
          if (response.ok) ordered++;
        }
        await sleep(300);
      }
    }
    assert.deepEqual(merge(rows), expected());
    const after = await leaders();
    const moved = [...before!.values()].filter((region) => after.get(region.id)?.leader?.storeId !== region.leader?.storeId).length;
    assert.ok(ordered > 0 && moved > 0, `${ordered} transfers ordered, ${moved} leaders moved while the request ran`);
  });

  test('an evaluation error on the store reaches the caller as a typed error with its MySQL code', async () => {
    const overflow = new DagBuilder().tableScan(tableId, columns).projection([call(Sig.MultiplyInt, [columnRef(1, int), constant(9223372036854775807n, int)], int)]);
    await assert.rejects(client.coprocessorAll(overflow.build(), { ranges: [range] }), (error: unknown) => error instanceof CoprocessorExecutionError && error.code === 1690);
  });

  // Last: it takes the cluster's majority away.
  test('with two of three stores down, a request gives up once its backoff budget is spent', { timeout: 60_000 }, async () => {
    const impatient = await TxnClient.connect(cluster.pdEndpoint, { budgetMs: 1_500 });
    try {
      await cluster.stopStore(1);
      await cluster.stopStore(2);
      await assert.rejects(impatient.coprocessorAll(groupedSum().build(), { ranges: [range] }), BackoffExhaustedError);
    } finally {
      impatient.close();
    }
  });
});
