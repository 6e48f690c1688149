import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { bytesDatum, decimalDatum, floatDatum, intDatum, nullDatum, stringDatum, uintDatum, type Datum } from '../../common/codec/datum.js';
import { encodeRow } from '../../common/codec/row.js';
import { handleRange, indexKey, indexRange, recordKey, recordRange } from '../../common/codec/table.js';
import { type AggregateCall, DistinctSetMerger } from '../../common/expr/aggregate.js';
import { decodeChunk } from '../../common/expr/chunk-codec.js';
import type { Column } from '../../common/expr/column.js';
import { resultTypes } from '../../common/expr/eval-type.js';
import { valueReader } from '../../common/expr/evaluate.js';
import { defineScalar } from '../../common/expr/function.js';
import { call, columnRef, constant, type ScalarValue } from '../../common/expr/expr.js';
import { asTimestamp, type Timestamp } from '../../common/ids.js';
import { utf8mb4GeneralCiCollation } from '../../common/types/collation.js';
import { Decimal } from '../../common/types/decimal.js';
import { type FieldType, FieldTypeCode, newFieldType } from '../../common/types/field-type.js';
import { ScalarFuncSig as Sig } from '../../proto/gen/dagpb.js';
import * as dagpb from '../../proto/gen/dagpb.js';
import { commitKey } from '../mvcc/actions/commit.js';
import { prewriteKey } from '../mvcc/actions/prewrite.js';
import { rollbackKey } from '../mvcc/actions/rollback.js';
import { newStore, prewriteProps } from '../mvcc/test-helpers.js';
import type { MvccStore } from '../mvcc/store.js';
import { DagBuilder, type ScanColumn } from '../../common/expr/dag-builder.js';
import { runDag, type DagTask } from './endpoint.js';

const tableId = 42n;
const int = resultTypes.bigint();
const text = resultTypes.varchar(64, 'utf8mb4_general_ci');
const money = resultTypes.decimal(10, 2);
const double = resultTypes.double();
const bool = resultTypes.boolean();
const columns: ScanColumn[] = [
  { id: 1, type: int, handle: true },
  { id: 2, type: int },
  { id: 3, type: text },
  { id: 4, type: money },
  { id: 5, type: double },
];
const ts = (value: number) => asTimestamp(BigInt(value));

interface RowSpec {
  readonly id: bigint;
  readonly a: bigint | null;
  readonly b: string | null;
  readonly c: string | null;
  readonly d: number | null;
}

function rowValue(row: RowSpec): Uint8Array {
  const datum = (value: Datum | null) => value ?? nullDatum;
  return encodeRow([
    { id: 2, value: datum(row.a === null ? null : intDatum(row.a)) },
    { id: 3, value: datum(row.b === null ? null : stringDatum(row.b)) },
    { id: 4, value: datum(row.c === null ? null : decimalDatum(Decimal.parse(row.c), 10, 2)) },
    { id: 5, value: datum(row.d === null ? null : floatDatum(row.d)) },
  ]);
}

async function write(store: MvccStore, key: Uint8Array, value: Uint8Array | undefined, startTs: Timestamp, commitTs: Timestamp | 'rollback' | 'pending'): Promise<void> {
  await store.write((reader, txn) => prewriteKey(reader, txn, { ...prewriteProps('p', startTs), primary: key }, value === undefined ? { op: 'delete', key } : { op: 'put', key, value }, false));
  if (commitTs === 'pending') return;
  if (commitTs === 'rollback') await store.write((reader, txn) => rollbackKey(reader, txn, key, startTs, 0n));
  else await store.write((reader, txn) => commitKey(reader, txn, key, startTs, commitTs));
}

/** The chunks of a response as rows of scalar values, read with the DAG's output types. */
function rowsOf(response: dagpb.SelectResponse, schema: readonly FieldType[]): Array<Array<ScalarValue | null>> {
  assert.equal(response.error, undefined, response.error?.msg);
  const rows: Array<Array<ScalarValue | null>> = [];
  for (const chunk of response.chunks) {
    const decoded: Column[] = decodeChunk(chunk.rowsData);
    const readers = decoded.map((column, index) => valueReader(column, schema[index]!));
    for (let row = 0; row < (decoded[0]?.length ?? 0); row++) rows.push(readers.map((read) => read(row)));
  }
  return rows;
}

const plain = (value: ScalarValue | null): unknown => (value instanceof Uint8Array ? Buffer.from(value).toString() : value instanceof Decimal ? value.toString() : value);

describe('kv/coprocessor: DAG requests over an MVCC snapshot', () => {
  const store = newStore();
  const readTs = ts(100);
  const range = recordRange(tableId);
  const run = (dag: dagpb.DAGRequest, overrides: Partial<DagTask> = {}) => store.read((reader) => runDag(reader, { dag, ts: readTs, ranges: [range], pagingSize: 0, ...overrides }));
  const done = async (dag: dagpb.DAGRequest, overrides: Partial<DagTask> = {}) => {
    const outcome = await run(dag, overrides);
    assert.equal(outcome.kind, 'done');
    return outcome as Extract<typeof outcome, { kind: 'done' }>;
  };

  before(async () => {
    const rows: RowSpec[] = [
      { id: 1n, a: 5n, b: 'apple', c: '1.50', d: 0.5 },
      { id: 2n, a: 20n, b: 'Apple', c: '2.25', d: null },
      { id: 3n, a: 1n, b: 'pear', c: null, d: 1.5 },
      { id: 4n, a: 30n, b: 'PEAR', c: '10.00', d: -2 },
      { id: 5n, a: null, b: null, c: '0.01', d: 3 },
      { id: 7n, a: 15n, b: 'plum', c: '7.00', d: 4 },
    ];
    for (const row of rows) await write(store, recordKey(tableId, row.id), rowValue(row), ts(10), ts(11));
    // Row 3 gets two newer versions; the read sees the one committed at 31.
    await write(store, recordKey(tableId, 3n), rowValue({ id: 3n, a: 2n, b: 'pear', c: '3.00', d: 1.5 }), ts(20), ts(21));
    await write(store, recordKey(tableId, 3n), rowValue({ id: 3n, a: 12n, b: 'pear', c: '3.00', d: 1.5 }), ts(30), ts(31));
    // Row 4 is deleted; row 6 was written by a transaction that rolled back; row 8 is committed after the read ts.
    await write(store, recordKey(tableId, 4n), undefined, ts(40), ts(41));
    await write(store, recordKey(tableId, 6n), rowValue({ id: 6n, a: 99n, b: 'x', c: null, d: null }), ts(50), 'rollback');
    await write(store, recordKey(tableId, 8n), rowValue({ id: 8n, a: 99n, b: 'x', c: null, d: null }), ts(150), ts(151));
    // A non-unique index on b (its collation's sort key) with the handle appended.
    for (const row of rows.filter((each) => each.id !== 4n)) {
      const b = row.id === 3n ? 'pear' : row.b;
      const value = b === null ? nullDatum : bytesDatum(utf8mb4GeneralCiCollation.sortKey(b));
      await write(store, indexKey(tableId, 1n, [value], row.id), Uint8Array.of(0x30), ts(60), ts(61));
    }
  });

  test('a table scan reads the newest visible version of each row: no deleted, rolled-back or later rows; NULLs as NULL', async () => {
    const dag = new DagBuilder().tableScan(tableId, columns);
    const outcome = await done(dag.build());
    assert.deepEqual(rowsOf(outcome.response, dag.schema).map((row) => row.map(plain)), [
      [1n, 5n, 'apple', '1.50', 0.5],
      [2n, 20n, 'Apple', '2.25', null],
      [3n, 12n, 'pear', '3.00', 1.5],
      [5n, null, null, '0.01', 3],
      [7n, 15n, 'plum', '7.00', 4],
    ]);
    assert.deepEqual(outcome.response.outputCounts, [5n]);
    assert.equal(outcome.scannedRows, 5);
    // Versions read to find them: rows 1, 2, 5, 7 one each, row 3 three, row 4 its put and
    // delete, row 6 its rollback, row 8 its commit above the read ts.
    assert.equal(outcome.versionsRead, 11);
  });

  test('descending scans, selection, projection, TopN and limit', async () => {
    const a = columnRef(1, int);
    const desc = new DagBuilder().tableScan(tableId, columns, { desc: true }).limit(2);
    assert.deepEqual(rowsOf((await done(desc.build())).response, desc.schema).map((row) => row[0]), [7n, 5n]);

    const filtered = new DagBuilder()
      .tableScan(tableId, columns)
      .selection([call(Sig.GtInt, [a, constant(10n, int)], bool)])
      .projection([columnRef(0, int), call(Sig.MultiplyInt, [a, constant(2n, int)], int)]);
    assert.deepEqual(rowsOf((await done(filtered.build())).response, filtered.schema), [
      [2n, 40n],
      [3n, 24n],
      [7n, 30n],
    ]);

    const top = new DagBuilder().tableScan(tableId, columns).topN([{ expr: columnRef(4, double), desc: true }], 3);
    assert.deepEqual(rowsOf((await done(top.build())).response, top.schema).map((row) => row[0]), [7n, 5n, 3n]);
    const nullsFirst = new DagBuilder().tableScan(tableId, columns).topN([{ expr: a }], 2);
    assert.deepEqual(rowsOf((await done(nullsFirst.build())).response, nullsFirst.schema).map((row) => row[0]), [5n, 1n], 'NULL sorts first ascending');
  });

  test('aggregation: partial COUNT, SUM, AVG (count and sum), MIN, MAX per group; strings grouped by collation', async () => {
    const b = columnRef(2, text);
    const c = columnRef(3, money);
    const dag = new DagBuilder().tableScan(tableId, columns).aggregation(
      [b],
      [
        { kind: 'count', args: [constant(1n, int)], distinct: false },
        { kind: 'sum', args: [columnRef(1, int)], distinct: false },
        { kind: 'avg', args: [c], distinct: false },
        { kind: 'min', args: [c], distinct: false },
        { kind: 'max', args: [b], distinct: false },
      ],
    );
    const rows = rowsOf((await done(dag.build())).response, dag.schema).map((row) => row.map(plain));
    assert.deepEqual(rows, [
      [2n, '25', 2n, '3.75', '1.50', 'apple', 'apple'],
      [1n, '12', 1n, '3.00', '3.00', 'pear', 'pear'],
      [1n, null, 1n, '0.01', '0.01', null, null],
      [1n, '15', 1n, '7.00', '7.00', 'plum', 'plum'],
    ]);
    const total = new DagBuilder().tableScan(tableId, columns).selection([call(Sig.GtInt, [columnRef(1, int), constant(1000n, int)], bool)]).aggregation([], [{ kind: 'count', args: [constant(1n, int)], distinct: false }, { kind: 'sum', args: [columnRef(4, double)], distinct: false }]);
    assert.deepEqual(rowsOf((await done(total.build())).response, total.schema), [[0n, null]], 'no GROUP BY: one row even over no rows');
  });

  test('aggregation grouped by one integer (NULL a group of its own): the same groups and partial results whether hashed or streamed', async () => {
    const a = columnRef(1, int);
    const aboveTen = call(Sig.GtInt, [a, constant(10n, int)], bool);
    const aggregates = [
      { kind: 'count', args: [constant(1n, int)], distinct: false },
      { kind: 'sum', args: [a], distinct: false },
      { kind: 'avg', args: [a], distinct: false },
    ] as const;
    const hashed = new DagBuilder().tableScan(tableId, columns).aggregation([aboveTen], aggregates);
    // a = 5, 20, 12, NULL, 15 for ids 1, 2, 3, 5, 7: groups in the order first seen.
    const expected = [
      [1n, '5', 1n, '5', 0n],
      [3n, '47', 3n, '47', 1n],
      [1n, null, 0n, null, null],
    ];
    assert.deepEqual(rowsOf((await done(hashed.build())).response, hashed.schema).map((row) => row.map(plain)), expected);
    const byA = new DagBuilder().tableScan(tableId, columns).aggregation([a], [aggregates[0]]);
    assert.deepEqual(rowsOf((await done(byA.build())).response, byA.schema).map((row) => row.map(plain)), [[1n, 5n], [1n, 20n], [1n, 12n], [1n, null], [1n, 15n]]);
    // Streamed input sorted by the key: one group per run of equal keys.
    const streamed = new DagBuilder().tableScan(tableId, columns).aggregation([columnRef(0, int)], [aggregates[1]], { streamed: true });
    assert.deepEqual(rowsOf((await done(streamed.build())).response, streamed.schema).map((row) => row.map(plain)), [['5', 1n], ['20', 2n], ['12', 3n], [null, 5n], ['15', 7n]]);
  });

  test('an index scan reads values and handles from the keys alone', async () => {
    const dag = new DagBuilder().indexScan(tableId, 1n, [{ id: 3, type: resultTypes.varchar(64, 'binary') }, { id: 1, type: int, handle: true }]);
    const handles = rowsOf((await done(dag.build({ outputOffsets: [1] }), { ranges: [indexRange(tableId, 1n)] })).response, [int]).map((row) => row[0]);
    // NULL first, then by the general_ci sort key: APPLE (1, 2), PEAR (3), PLUM (7).
    assert.deepEqual(handles, [5n, 1n, 2n, 3n, 7n]);
  });

  test('a pending lock at or below the read ts is reported for the client to resolve; one above it is not', async () => {
    const key = recordKey(tableId, 9n);
    await write(store, key, rowValue({ id: 9n, a: 1n, b: 'z', c: null, d: null }), ts(90), 'pending');
    try {
      const outcome = await run(new DagBuilder().tableScan(tableId, columns).build());
      assert.equal(outcome.kind, 'locked');
      assert.equal(outcome.kind === 'locked' ? outcome.error.lock.startTs : 0n, 90n);
      const older = await store.read((reader) => runDag(reader, { dag: new DagBuilder().tableScan(tableId, columns).build(), ts: ts(80), ranges: [range], pagingSize: 0 }));
      assert.equal(older.kind, 'done');
    } finally {
      await store.write((reader, txn) => rollbackKey(reader, txn, key, ts(90), 0n));
    }
  });

  test('paging: a response covers a prefix of the range and says which; resuming from there loses and repeats nothing', async () => {
    const dag = new DagBuilder().tableScan(tableId, columns);
    const seen: unknown[] = [];
    let start = range.start;
    for (let page = 0; page < 10; page++) {
      const outcome = await done(dag.build(), { ranges: [{ start, end: range.end }], pagingSize: 2 });
      seen.push(...rowsOf(outcome.response, dag.schema).map((row) => row[0]));
      if (outcome.range === undefined) break;
      start = outcome.range.end;
    }
    assert.deepEqual(seen, [1n, 2n, 3n, 5n, 7n]);
  });

  test('limits: too many scanned rows, too much memory, a bad expression and a function that may not be pushed down end the request with a typed error', async () => {
    const scan = new DagBuilder().tableScan(tableId, columns).build();
    assert.equal((await done(scan, { budget: { maxScannedRows: 2 } })).response.error?.code, 1105);
    const grouped = new DagBuilder().tableScan(tableId, columns).aggregation([columnRef(0, int)], [{ kind: 'count', args: [constant(1n, int)], distinct: false }]).build();
    assert.equal((await done(grouped, { budget: { maxMemoryBytes: 300 } })).response.error?.code, 8175);
    const overflow = new DagBuilder().tableScan(tableId, columns).projection([call(Sig.MultiplyInt, [columnRef(1, int), constant(9223372036854775807n, int)], int)]).build();
    const error = (await done(overflow)).response.error;
    assert.equal(error?.code, 1690);
    assert.match(error?.msg ?? '', /BIGINT value is out of range/);
    const sessionOnly = defineScalar({ sig: 99_002 as Sig, name: 'session_only', args: [], returns: 'int', pushable: false, row: () => 1n });
    const refused = (await done(new DagBuilder().tableScan(tableId, columns).selection([call(sessionOnly.sig, [], bool)]).build())).response;
    assert.equal(refused.error?.code, 1105);
    assert.match(refused.error?.msg ?? '', /cannot be pushed down/);
    assert.equal(refused.chunks.length, 0, 'refused before any row is read');
  });
  /** The final value of a DISTINCT aggregate from one response's partial set. */
  const mergedValue = (aggregate: AggregateCall, set: ScalarValue | null) => {
    const merger = new DistinctSetMerger(aggregate);
    merger.add(set);
    return plain(merger.result());
  };

  test('COUNT/SUM(DISTINCT) partial sets: newest versions only (no deleted, rolled-back or later rows), NULLs never counted, strings by collation', async () => {
    const a = columnRef(1, int);
    const b = columnRef(2, text);
    const c = columnRef(3, money);
    const d = columnRef(4, double);
    const countA: AggregateCall = { kind: 'count', args: [a], distinct: true };
    const countB: AggregateCall = { kind: 'count', args: [b], distinct: true };
    const countBc: AggregateCall = { kind: 'count', args: [b, c], distinct: true };
    const sumD: AggregateCall = { kind: 'sum', args: [d], distinct: true };
    const total = new DagBuilder().tableScan(tableId, columns).aggregation([], [countA, countB, countBc, sumD, { kind: 'count', args: [b], distinct: false }]);
    const [row] = rowsOf((await done(total.build())).response, total.schema);
    // a: 5, 20, 12 (row 3's newest version; 1 and 2 are older), NULL, 15; row 4 (30) is deleted, row 6 (99) rolled back, row 8 later.
    const mergerA = new DistinctSetMerger(countA);
    mergerA.add(row![0]!);
    assert.deepEqual(mergerA.tuples(), [[5n], [12n], [15n], [20n]]);
    assert.equal(mergedValue(countB, row![1]!), 3n, "'apple' and 'Apple' are one value under utf8mb4_general_ci; NULL is none");
    assert.equal(mergedValue(countBc, row![2]!), 4n, '(apple, 1.50), (Apple, 2.25), (pear, 3.00), (plum, 7.00): a tuple with a NULL is not counted');
    assert.equal(mergedValue(sumD, row![3]!), 9, '0.5 + 1.5 + 3 + 4');
    assert.equal(row![4], 4n, 'COUNT(b) without DISTINCT counts every non-NULL value');

    const grouped = new DagBuilder().tableScan(tableId, columns).aggregation([b], [countA]);
    const groups = rowsOf((await done(grouped.build())).response, grouped.schema).map(([set, group]) => [plain(group!), mergedValue(countA, set!)]);
    assert.deepEqual(groups, [
      ['apple', 2n],
      ['pear', 1n],
      [null, 0n],
      ['plum', 1n],
    ]);
  });

  test('a distinct set charges the request budget per distinct value', async () => {
    const a = columnRef(1, int);
    const distinctA = new DagBuilder().tableScan(tableId, columns).aggregation([], [{ kind: 'count', args: [a], distinct: true }]).build();
    const plainA = new DagBuilder().tableScan(tableId, columns).aggregation([], [{ kind: 'count', args: [a], distinct: false }]).build();
    // One group (256 bytes) and its result fit in 400; four distinct values (73 bytes each) more do not.
    assert.equal((await done(plainA, { budget: { maxMemoryBytes: 400 } })).response.error, undefined);
    assert.equal((await done(distinctA, { budget: { maxMemoryBytes: 400 } })).response.error?.code, 8175);
    assert.equal((await done(distinctA, { budget: { maxMemoryBytes: 800 } })).response.error, undefined, 'the group, four entries and the encoded result');
  });

  describe('ENUM, SET and JSON columns', () => {
    const enumTableId = 43n;
    const size = newFieldType(FieldTypeCode.Enum, { elements: ['small', 'medium', 'large'], collation: 'utf8mb4_general_ci' });
    const colors = newFieldType(FieldTypeCode.Set, { elements: ['red', 'green', 'blue'] });
    const document = newFieldType(FieldTypeCode.JSON);
    // Column 5 was added later with DEFAULT 'large': rows without it read the default (row format: the index as a compact uint).
    const enumColumns: ScanColumn[] = [
      { id: 1, type: int, handle: true },
      { id: 2, type: size },
      { id: 3, type: colors },
      { id: 4, type: document },
      { id: 5, type: size, defaultValue: Uint8Array.of(3) },
    ];
    const enumRow = (sizeIndex: bigint | null, colorBits: bigint | null, json: string | null, added?: bigint) =>
      encodeRow([
        { id: 2, value: sizeIndex === null ? nullDatum : uintDatum(sizeIndex) },
        { id: 3, value: colorBits === null ? nullDatum : uintDatum(colorBits) },
        { id: 4, value: json === null ? nullDatum : stringDatum(json) },
        ...(added === undefined ? [] : [{ id: 5, value: uintDatum(added) }]),
      ]);
    const enumRange = recordRange(enumTableId);

    before(async () => {
      await write(store, recordKey(enumTableId, 1n), enumRow(2n, 0b101n, '{"a": 1}'), ts(10), ts(11));
      // Index 0 and the empty bitmask are MySQL's '' values.
      await write(store, recordKey(enumTableId, 2n), enumRow(0n, 0n, '[1, 2]', 1n), ts(10), ts(11));
      await write(store, recordKey(enumTableId, 3n), enumRow(null, null, null), ts(10), ts(11));
      await write(store, recordKey(enumTableId, 4n), enumRow(1n, 0b001n, '1'), ts(10), ts(11));
      await write(store, recordKey(enumTableId, 4n), enumRow(3n, 0b111n, ' "x"'), ts(20), ts(21));
      await write(store, recordKey(enumTableId, 5n), enumRow(1n, 0b010n, 'null'), ts(10), ts(11));
      await write(store, recordKey(enumTableId, 5n), undefined, ts(30), ts(31));
      await write(store, recordKey(enumTableId, 6n), enumRow(1n, 0b010n, 'true'), ts(150), ts(151));
      // An index on the ENUM column holds its index (a uint datum), so it sorts by element order.
      for (const [handle, sizeIndex] of [[1n, 2n], [2n, 0n], [4n, 3n]] as const) await write(store, indexKey(enumTableId, 1n, [uintDatum(sizeIndex)], handle), Uint8Array.of(0x30), ts(60), ts(61));
      await write(store, indexKey(enumTableId, 1n, [nullDatum], 3n), Uint8Array.of(0x30), ts(60), ts(61));
    });

    test('a table scan reads ENUM and SET as their names and JSON as its text; defaults, NULLs, versions and deletes as for any column', async () => {
      const dag = new DagBuilder().tableScan(enumTableId, enumColumns);
      // Through the wire form: the elements travel in ColumnInfo.elems, JSON's length as -1.
      const wire = dagpb.DAGRequest.decode(dagpb.DAGRequest.encode(dag.build()).finish());
      assert.deepEqual(rowsOf((await done(wire, { ranges: [enumRange] })).response, dag.schema).map((row) => row.map(plain)), [
        [1n, 'medium', 'red,blue', '{"a": 1}', 'large'],
        [2n, '', '', '[1, 2]', 'small'],
        [3n, null, null, null, 'large'],
        [4n, 'large', 'red,green,blue', ' "x"', 'large'],
      ]);
    });

    test('ENUM and SET names are strings to the functions and aggregates: compared, grouped and counted by their collation', async () => {
      const sizeColumn = columnRef(1, size);
      const medium = new DagBuilder()
        .tableScan(enumTableId, enumColumns)
        .selection([call(Sig.EqString, [sizeColumn, constant(Uint8Array.from(Buffer.from('medium')), size)], bool)]);
      assert.deepEqual(rowsOf((await done(medium.build({ outputOffsets: [0] }), { ranges: [enumRange] })).response, [int]), [[1n]]);
      const countSizes: AggregateCall = { kind: 'count', args: [sizeColumn], distinct: true };
      const grouped = new DagBuilder().tableScan(enumTableId, enumColumns).aggregation([columnRef(4, size)], [countSizes, { kind: 'count', args: [constant(1n, int)], distinct: false }]);
      const groups = rowsOf((await done(grouped.build(), { ranges: [enumRange] })).response, grouped.schema).map(([set, count, group]) => [plain(group!), mergedValue(countSizes, set!), count]);
      assert.deepEqual(groups, [
        ['large', 2n, 3n],
        ['small', 1n, 1n],
      ]);
    });

    test('an index scan reads an ENUM from its key as its name, in element order', async () => {
      const dag = new DagBuilder().indexScan(enumTableId, 1n, [{ id: 2, type: size }, { id: 1, type: int, handle: true }]);
      const rows = rowsOf((await done(dag.build(), { ranges: [indexRange(enumTableId, 1n)] })).response, dag.schema).map((row) => row.map(plain));
      assert.deepEqual(rows, [
        [null, 3n],
        ['', 2n],
        ['medium', 1n],
        ['large', 4n],
      ]);
    });

    test('an ENUM index or SET bit past the elements, TiDB binary JSON, and ENUM without elements are refused with 1105', async () => {
      const corruptTableId = 44n;
      const cases: Array<[Uint8Array, string]> = [
        [enumRow(4n, 0n, '1'), 'ENUM index 4'],
        [enumRow(1n, 0b1000n, '1'), 'bits past'],
        [encodeRow([{ id: 4, value: bytesDatum(Uint8Array.of(0x01, 0, 0, 0, 0)) }]), 'binary JSON'],
      ];
      for (const [index, [value, message]] of cases.entries()) {
        const key = recordKey(corruptTableId, BigInt(index + 1));
        await write(store, key, value, ts(70), ts(71));
        const response = (await done(new DagBuilder().tableScan(corruptTableId, enumColumns).build(), { ranges: [handleRange(corruptTableId, BigInt(index + 1), BigInt(index + 2))] })).response;
        assert.equal(response.error?.code, 1105, message);
        assert.match(response.error?.msg ?? '', new RegExp(`corrupt data: .*${message}`));
      }
      const noElements = new DagBuilder().tableScan(enumTableId, [{ id: 2, type: newFieldType(FieldTypeCode.Enum) }]).build();
      const error = (await done(noElements, { ranges: [enumRange] })).response.error;
      assert.equal(error?.code, 1105);
      assert.match(error?.msg ?? '', /needs its elements/);
    });
  });
});
