import { pathToFileURL } from 'node:url';
import { bytesDatum, intDatum } from '../common/codec/datum.js';
import { encodeRow } from '../common/codec/row.js';
import { indexKey, recordKey, recordRange } from '../common/codec/table.js';
import { DagBuilder } from '../common/expr/dag-builder.js';
import { resultTypes } from '../common/expr/eval-type.js';
import { valueReader } from '../common/expr/evaluate.js';
import { call, columnRef, constant } from '../common/expr/expr.js';
import { Decimal } from '../common/types/decimal.js';
import { ScalarFuncSig } from '../proto/gen/dagpb.js';
import { TxnClient } from '../kv/client/txn-client.js';

/**
 * Push-down analytics without SQL: write a table `t(id BIGINT PRIMARY KEY, k VARCHAR, v
 * BIGINT)` with an index on k through the transactional API, split it over eight regions,
 * then run `SELECT k, COUNT(*), SUM(v) FROM t WHERE v > 10 GROUP BY k` on the stores and
 * merge the regions' partial results here. Run it against a running cluster (`npm start`,
 * then `node dist/examples/coprocessor.js 127.0.0.1:2379`).
 */
export async function coprocessorExample(pdEndpoint: string, print: (line: string) => void = console.log): Promise<void> {
  const client = await TxnClient.connect(pdEndpoint);
  const tableId = 1001n;
  const kIndexId = 1n;
  try {
    // Rows: id 1..800, k one of four names (changing every 7 ids), v = id % 25. Row values use the row format
    // (column id → value); the index key holds k's value and the row's handle.
    const names = ['ant', 'bee', 'cat', 'dog'];
    for (let from = 1; from <= 800; from += 200) {
      const txn = await client.begin();
      for (let id = from; id < from + 200; id++) {
        const k = names[Math.floor(id / 7) % names.length]!;
        txn.set(recordKey(tableId, BigInt(id)), encodeRow([{ id: 2, value: bytesDatum(Buffer.from(k)) }, { id: 3, value: intDatum(BigInt(id % 25)) }]));
        txn.set(indexKey(tableId, kIndexId, [bytesDatum(Buffer.from(k))], BigInt(id)), Uint8Array.of(0x30));
      }
      await txn.commit();
    }
    await client.splitRegions([100, 200, 300, 400, 500, 600, 700].map((id) => recordKey(tableId, BigInt(id))));

    // The DAG: scan (id, k, v) → WHERE v > 10 → partial COUNT(*), SUM(v) GROUP BY k.
    const bigint = resultTypes.bigint();
    const varchar = resultTypes.varchar(32, 'utf8mb4_bin');
    const v = columnRef(2, bigint);
    const k = columnRef(1, varchar);
    const dag = new DagBuilder()
      .tableScan(tableId, [
        { id: 1, type: bigint, handle: true },
        { id: 2, type: varchar },
        { id: 3, type: bigint },
      ])
      .selection([call(ScalarFuncSig.GtInt, [v, constant(10n, bigint)], resultTypes.boolean())])
      .aggregation([k], [
        { kind: 'count', args: [constant(1n, bigint)], distinct: false },
        { kind: 'sum', args: [v], distinct: false },
      ]);

    // Each region answers columnar chunks: COUNT, SUM (DECIMAL), then k.
    const results = await client.coprocessorAll(dag.build(), { ranges: [recordRange(tableId)] });
    const totals = new Map<string, { count: bigint; sum: Decimal }>();
    for (const result of results) {
      for (const chunk of result.chunks) {
        const [count, sum, group] = chunk.map((column, index) => valueReader(column, dag.schema[index]!));
        for (let row = 0; row < chunk[0]!.length; row++) {
          const name = Buffer.from(group!(row) as Uint8Array).toString();
          const total = totals.get(name) ?? { count: 0n, sum: Decimal.zero };
          total.count += count!(row) as bigint;
          total.sum = total.sum.add((sum!(row) as Decimal | null) ?? Decimal.zero);
          totals.set(name, total);
        }
      }
    }
    print(`${new Set(results.map((result) => result.regionId)).size} regions answered`);
    for (const name of [...totals.keys()].sort()) print(`${name}: count=${totals.get(name)!.count} sum=${totals.get(name)!.sum.toString()}`);
  } finally {
    client.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await coprocessorExample(process.argv[2] ?? '127.0.0.1:2379');
}
