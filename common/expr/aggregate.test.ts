import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ByteWriter } from '../codec/buffer.js';
import { encodeCompactBytes } from '../codec/bytes.js';
import { CodecError } from '../errors.js';
import { Decimal } from '../types/decimal.js';
import { FieldTypeCode, newFieldType, type FieldType } from '../types/field-type.js';
import { Duration, MysqlTime } from '../types/time.js';
import {
  type AggregateCall,
  checkAggregate,
  decodeDistinctEntry,
  decodeDistinctSet,
  DistinctEntryEncoder,
  DistinctSetMerger,
  distinctSetLimits,
  encodeDistinctSet,
  newAccumulator,
  partialResultTypes,
} from './aggregate.js';
import { ExprError } from './context.js';
import { resultTypes } from './eval-type.js';
import { columnRef, type ScalarValue } from './expr.js';
import { aggregateFromProto, aggregateToProto } from './proto-expr.js';

const int = resultTypes.bigint();
const unsigned = resultTypes.unsignedBigint();
const double = resultTypes.double();
const money = resultTypes.decimal(10, 2);
const ci = resultTypes.varchar(-1, 'utf8mb4_general_ci');
const bin = resultTypes.varchar(-1, 'utf8mb4_bin');
const datetime = newFieldType(FieldTypeCode.Datetime, { decimals: 3 });
const time = newFieldType(FieldTypeCode.Duration, { decimals: 0 });
const json = newFieldType(FieldTypeCode.JSON);
const text = (value: string) => Uint8Array.from(Buffer.from(value));

const distinct = (kind: AggregateCall['kind'], ...types: FieldType[]): AggregateCall => ({ kind, args: types.map((type, index) => columnRef(index, type)), distinct: true });

/** One region's partial set of the aggregate over `rows` (one tuple per row). */
function partialSet(aggregate: AggregateCall, rows: ReadonlyArray<ReadonlyArray<ScalarValue | null>>): Uint8Array {
  const accumulator = newAccumulator(aggregate);
  for (const row of rows) {
    if (row.length === 1) accumulator.add(row[0]!);
    else accumulator.addTuple(row);
  }
  const [set] = accumulator.partial();
  assert.ok(set instanceof Uint8Array);
  return set;
}

function mustMerge(aggregate: AggregateCall, sets: ReadonlyArray<Uint8Array | null>): DistinctSetMerger {
  const merger = new DistinctSetMerger(aggregate);
  for (const set of sets) merger.add(set);
  return merger;
}

describe('common/expr/aggregate: DISTINCT partial sets and their merge', () => {
  test('the partial result of COUNT/SUM/AVG(DISTINCT) is one binary BLOB; MIN/MAX(DISTINCT) keep their value', () => {
    for (const kind of ['count', 'sum', 'avg'] as const) {
      const [type, ...rest] = partialResultTypes(distinct(kind, int));
      assert.equal(rest.length, 0);
      assert.equal(type!.code, FieldTypeCode.LongBlob);
      assert.equal(type!.collation, 'binary');
    }
    assert.deepEqual(partialResultTypes(distinct('max', money)).map((type) => type.code), [money.code]);
    assert.deepEqual(partialResultTypes(distinct('count', int, ci)).length, 1);
    // The wire form carries every argument and the DISTINCT flag.
    const back = aggregateFromProto(aggregateToProto(distinct('count', int, ci)));
    assert.equal(back.distinct, true);
    assert.equal(back.args.length, 2);
  });

  test('equal values encode to one entry: strings by collation sort key, decimals by value, -0 as 0', () => {
    const strings = new DistinctEntryEncoder([ci]);
    assert.equal(strings.encodeValue(text('apple')), strings.encodeValue(text('APPLE')));
    assert.equal(strings.encodeValue(text('apple')), strings.encodeValue(text('apple  ')), 'PAD SPACE: trailing spaces do not count');
    assert.notEqual(strings.encodeValue(text('apple')), strings.encodeValue(text('apples')));
    const binary = new DistinctEntryEncoder([bin]);
    assert.notEqual(binary.encodeValue(text('apple')), binary.encodeValue(text('APPLE')));
    const decimals = new DistinctEntryEncoder([money]);
    assert.equal(decimals.encodeValue(Decimal.parse('1.0')), decimals.encodeValue(Decimal.parse('1.00')));
    assert.equal(decimals.encodeValue(Decimal.parse('0.000')), decimals.encodeValue(Decimal.zero));
    assert.notEqual(decimals.encodeValue(Decimal.parse('1.01')), decimals.encodeValue(Decimal.parse('1.1')));
    const reals = new DistinctEntryEncoder([double]);
    assert.equal(reals.encodeValue(-0), reals.encodeValue(0));
    const tuples = new DistinctEntryEncoder([int, ci]);
    assert.equal(tuples.encodeTuple([1n, text('a')]), tuples.encodeTuple([1n, text('A')]));
    assert.notEqual(tuples.encodeTuple([1n, text('a')]), tuples.encodeTuple([2n, text('a')]));
    assert.equal(tuples.encodeTuple([1n, null]), undefined, 'a tuple with a NULL is not counted');
    assert.equal(tuples.encodeTuple([null, text('a')]), undefined);
  });

  test('a set is its entries sorted, whatever order they came in; decoding checks the form', () => {
    const aggregate = distinct('count', int);
    const forward = partialSet(aggregate, [[3n], [1n], [2n], [1n], [null]]);
    const backward = partialSet(aggregate, [[2n], [null], [3n], [3n], [1n]]);
    assert.deepEqual(forward, backward);
    const encoder = new DistinctEntryEncoder([int]);
    assert.deepEqual(decodeDistinctSet(forward), [1n, 2n, 3n].map((value) => encoder.encodeValue(value)));
    assert.deepEqual(decodeDistinctSet(forward).map((entry) => decodeDistinctEntry(entry, [int])), [[1n], [2n], [3n]]);
    assert.deepEqual(partialSet(aggregate, [[null], [null]]), new Uint8Array(0), 'only NULLs: the empty set');
    assert.deepEqual(encodeDistinctSet(decodeDistinctSet(forward)), forward);

    const entries = (...values: string[]) => {
      const writer = new ByteWriter();
      for (const value of values) encodeCompactBytes(writer, Buffer.from(value, 'latin1'));
      return writer.finish();
    };
    assert.throws(() => decodeDistinctSet(entries('b', 'a')), CodecError, 'out of order');
    assert.throws(() => decodeDistinctSet(entries('a', 'a')), CodecError, 'an entry twice');
    assert.throws(() => decodeDistinctSet(entries('')), CodecError, 'an empty entry');
    assert.throws(() => decodeDistinctSet(forward.subarray(0, forward.length - 1)), CodecError, 'truncated');
    assert.throws(() => decodeDistinctEntry(encoder.encodeValue(1n) + 'x', [int]), CodecError, 'bytes after the values');
  });

  test('every type round-trips through an entry: unsigned beyond int64, times, durations, decimals (normalized)', () => {
    const types = [unsigned, double, money, datetime, time];
    const values: ScalarValue[] = [(1n << 64n) - 1n, 2.5, Decimal.parse('-12.50'), MysqlTime.parse('2024-02-29 12:34:56.789', 'datetime', 3), Duration.parse('-838:59:59')];
    const encoder = new DistinctEntryEncoder(types);
    const back = decodeDistinctEntry(encoder.encodeTuple(values)!, types);
    assert.equal(back[0], values[0]);
    assert.equal(back[1], 2.5);
    assert.equal((back[2] as Decimal).toString(), '-12.5');
    assert.equal((back[3] as MysqlTime).toString(), '2024-02-29 12:34:56.789');
    assert.equal((back[4] as Duration).nanoseconds, (values[4] as Duration).nanoseconds);
  });

  test('merging sets from many regions counts each distinct value once, strings by collation; NULL partials add nothing', () => {
    const aggregate = distinct('count', ci);
    const regions = [
      [['apple'], ['Apple'], ['pear'], [null]],
      [['APPLE'], ['plum']],
      [],
      [['pear '], ['fig'], ['Fig']],
    ].map((rows) => partialSet(aggregate, rows.map((row) => row.map((value) => (value === null ? null : text(value))))));
    const merger = mustMerge(aggregate, [...regions, null]);
    assert.equal(merger.result(), 4n);
    assert.equal(merger.size, 4);
    // Strings come back as sort keys: they equal the sort key of any spelling.
    assert.equal(merger.tuples().length, 4);

    const pairs = distinct('count', int, ci);
    const left = partialSet(pairs, [[1n, text('a')], [1n, text('b')], [2n, null], [null, text('a')]]);
    const right = partialSet(pairs, [[1n, text('A')], [2n, text('a')]]);
    assert.equal(mustMerge(pairs, [left, right]).result(), 3n, '(1,a), (1,b), (2,a); tuples with a NULL never count');
  });

  test('SUM and AVG(DISTINCT) over the union: DECIMAL with the argument scale (AVG 4 more), DOUBLE for floats, NULL for no values', () => {
    const sumMoney = distinct('sum', money);
    const first = partialSet(sumMoney, [[Decimal.parse('1.50')], [Decimal.parse('2.50')], [null]]);
    const second = partialSet(sumMoney, [[Decimal.parse('1.5')], [Decimal.parse('6.00')]]);
    assert.equal((mustMerge(sumMoney, [first, second]).result() as Decimal).toString(), '10.00');
    const averageMoney = distinct('avg', money);
    assert.equal((mustMerge(averageMoney, [partialSet(averageMoney, [[Decimal.parse('1.00')], [Decimal.parse('2.00')]]), partialSet(averageMoney, [[Decimal.parse('2.0')]])]).result() as Decimal).toString(), '1.500000');
    const averageInt = distinct('avg', int);
    assert.equal((mustMerge(averageInt, [partialSet(averageInt, [[1n], [2n]]), partialSet(averageInt, [[2n], [2n]])]).result() as Decimal).toString(), '1.5000');
    const sumInt = distinct('sum', int);
    assert.equal((mustMerge(sumInt, [partialSet(sumInt, [[5n], [-5n], [7n]]), partialSet(sumInt, [[7n]])]).result() as Decimal).toString(), '7');
    const sumDouble = distinct('sum', double);
    assert.equal(mustMerge(sumDouble, [partialSet(sumDouble, [[0.5], [-0]]), partialSet(sumDouble, [[0], [0.5], [2]])]).result(), 2.5);
    assert.equal(mustMerge(distinct('avg', double), [partialSet(distinct('avg', double), [[1], [2]])]).result(), 1.5);
    assert.equal(mustMerge(sumMoney, [new Uint8Array(0)]).result(), null);
    assert.equal(mustMerge(distinct('count', int), []).result(), 0n);
  });

  test('memory: a store charges every new distinct value once; a merge past its bound fails with 8175', () => {
    let charged = 0;
    let charges = 0;
    const accumulator = newAccumulator(distinct('count', int), {
      chargeMemory: (bytes) => {
        charged += bytes;
        charges++;
      },
    });
    for (const value of [1n, 2n, 1n, null, 2n, 3n]) accumulator.add(value);
    assert.equal(charges, 3, 'repeats and NULLs are free');
    assert.equal(charged, 3 * (9 + distinctSetLimits.entryOverheadBytes), 'an int entry is a flag and 8 bytes');
    const refusing = newAccumulator(distinct('count', int), {
      chargeMemory: () => {
        throw new RangeError('over budget');
      },
    });
    assert.throws(() => refusing.add(1n), RangeError);
    assert.deepEqual(refusing.partial(), [new Uint8Array(0)], 'a value the budget refused is not kept');

    const aggregate = distinct('count', int);
    const small = new DistinctSetMerger(aggregate, 2 * (9 + distinctSetLimits.entryOverheadBytes));
    small.add(partialSet(aggregate, [[1n], [2n]]));
    small.add(partialSet(aggregate, [[1n], [2n]]));
    assert.throws(() => small.add(partialSet(aggregate, [[3n]])), (error: unknown) => error instanceof ExprError && error.code === 8175);
  });

  test('aggregates the coprocessor cannot compute are refused with typed errors', () => {
    const refused = (aggregate: AggregateCall, code: number) => assert.throws(() => checkAggregate(aggregate), (error: unknown) => error instanceof ExprError && error.code === code);
    refused(distinct('count', json), 1105);
    refused(distinct('bitAnd', int), 1105);
    refused(distinct('first', int), 1105);
    refused(distinct('sum', int, int), 1210);
    refused({ kind: 'count', args: [columnRef(0, int), columnRef(1, int)], distinct: false }, 1210);
    refused({ kind: 'count', args: [], distinct: true }, 1210);
    refused(distinct('sum', ci), 1105);
    assert.throws(() => new DistinctSetMerger({ kind: 'count', args: [columnRef(0, int)], distinct: false }), ExprError);
  });
});
