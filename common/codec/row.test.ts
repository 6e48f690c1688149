import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CodecError } from '../errors.js';
import { SeededRandom } from '../random.js';
import { Decimal } from '../types/decimal.js';
import { Duration, MysqlTime } from '../types/time.js';
import { bytesDatum, type Datum, decimalDatum, floatDatum, intDatum, nullDatum, stringDatum, uintDatum } from './datum.js';
import { encodeRow, readCompactInt, readCompactIntAt, RowDecoder, type RowColumn, type RowColumnSpec, type RowColumnType, RowLookup, RowView } from './row.js';
import { randomBytes, randomFloat64, randomInt64, randomUint64 } from './test-values.js';

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

const columnTypes: readonly RowColumnType[] = [
  { kind: 'int' },
  { kind: 'uint' },
  { kind: 'float' },
  { kind: 'bytes' },
  { kind: 'decimal' },
  { kind: 'time', timeType: 'datetime', fsp: 6 },
  { kind: 'duration', fsp: 6 },
];

function randomValue(random: SeededRandom, type: RowColumnType): Datum {
  if (random.nextInt(5) === 0) return nullDatum;
  switch (type.kind) {
    case 'int':
      return intDatum(randomInt64(random));
    case 'uint':
      return uintDatum(randomUint64(random));
    case 'float':
      return floatDatum(randomFloat64(random));
    case 'bytes':
      return bytesDatum(randomBytes(random, random.nextInt(20) === 0 ? 2_000 : 30));
    case 'decimal':
      return decimalDatum(Decimal.fromScaled(BigInt(random.nextIntBetween(-1_000_000, 1_000_000)), 3), 10, 3);
    case 'time':
      return { kind: 'time', value: MysqlTime.fromPackedUint(MysqlTime.parse(`20${String(random.nextIntBetween(10, 39))}-0${random.nextIntBetween(1, 9)}-1${random.nextInt(10)} 0${random.nextInt(10)}:1${random.nextInt(10)}:2${random.nextInt(10)}.${random.nextIntBetween(100_000, 999_999)}`, 'datetime', 6).toPackedUint(), 'datetime', 6) };
    case 'duration':
      return { kind: 'duration', value: Duration.fromNanoseconds(BigInt(random.nextIntBetween(-3_000_000, 3_000_000)) * 1_000_000n, 6) };
  }
}

function normalized(datum: Datum): unknown {
  switch (datum.kind) {
    case 'decimal':
      return { kind: 'decimal', value: datum.value.toString(), precision: datum.precision, frac: datum.frac };
    case 'time':
      return { kind: 'time', value: datum.value.toString() };
    case 'duration':
      return { kind: 'duration', value: datum.value.nanoseconds };
    case 'float':
      return { kind: 'float', value: datum.value === 0 ? 0 : datum.value };
    case 'bytes':
      return { kind: 'bytes', value: hex(datum.value) };
    default:
      return datum;
  }
}

describe('row format v2', () => {
  test('matches the TiDB layout byte for byte', () => {
    const row = encodeRow([
      { id: 3, value: stringDatum('ab') },
      { id: 1, value: intDatum(1n) },
      { id: 2, value: nullDatum },
    ]);
    // version 128, flags 0, 2 not-null, 1 null, ids 1 3 | 2, end offsets 1 3, data.
    assert.equal(hex(row), '80000200010001030201000300016162');
  });

  test('integers take the fewest of 1, 2, 4 or 8 little-endian bytes', () => {
    const sizes: Array<[bigint, number]> = [[127n, 1], [-128n, 1], [128n, 2], [-32768n, 2], [32768n, 4], [2n ** 31n, 8], [-(2n ** 63n), 8]];
    for (const [value, size] of sizes) {
      const view = new RowView(encodeRow([{ id: 1, value: intDatum(value) }]));
      assert.equal(view.valueBytes(1)?.length, size, `int ${value}`);
    }
    const view = new RowView(encodeRow([{ id: 1, value: uintDatum(255n) }, { id: 2, value: uintDatum(256n) }]));
    assert.equal(view.valueBytes(1)?.length, 1);
    assert.equal(view.valueBytes(2)?.length, 2);
  });

  test('random rows round-trip, in full and by subsets', () => {
    const random = new SeededRandom(41);
    for (let index = 0; index < 3_000; index++) {
      const columnCount = random.nextInt(12);
      const ids = new Set<number>();
      while (ids.size < columnCount) ids.add(random.nextInt(10) === 0 ? random.nextIntBetween(256, 100_000) : random.nextIntBetween(1, 255));
      const specs: RowColumnSpec[] = [...ids].map((id) => ({ id, type: random.pick(columnTypes) }));
      const columns: RowColumn[] = specs.map((spec) => ({ id: spec.id, value: randomValue(random, spec.type) }));
      const row = encodeRow(columns);
      const view = new RowView(row);
      assert.equal(view.large, specs.some((spec) => spec.id > 255) || row.length > 70_000);
      const decoded = new RowDecoder(specs).decode(row);
      assert.deepEqual(decoded.map(normalized), columns.map((column) => normalized(column.value)));

      const subset = specs.filter(() => random.nextBoolean());
      const missing: RowColumnSpec = { id: 200_000, type: { kind: 'int' }, defaultValue: intDatum(42n) };
      const subsetDecoded = new RowDecoder([...subset, missing]).decode(row);
      assert.deepEqual(
        subsetDecoded.map(normalized),
        [...subset.map((spec) => normalized(columns.find((column) => column.id === spec.id)!.value)), normalized(intDatum(42n))],
      );
    }
  });

  test('a row whose data reaches 65,535 bytes switches to the large layout', () => {
    const big = encodeRow([{ id: 1, value: bytesDatum(new Uint8Array(70_000)) }, { id: 2, value: intDatum(5n) }]);
    assert.equal(new RowView(big).large, true);
    assert.deepEqual(new RowDecoder([{ id: 2, type: { kind: 'int' } }]).decode(big), [intDatum(5n)]);
    assert.equal(new RowView(encodeRow([{ id: 1, value: bytesDatum(new Uint8Array(100)) }])).large, false);
  });

  test('one view reset from row to row locates each value in place, as valueBytes finds it', () => {
    const random = new SeededRandom(31);
    const view = new RowView(encodeRow([]));
    for (let index = 0; index < 500; index++) {
      const columns: RowColumn[] = [];
      for (let id = 1; id <= 300; id += 1 + random.nextInt(90)) columns.push({ id, value: random.chance(0.2) ? nullDatum : intDatum(randomInt64(random)) });
      const row = encodeRow(columns);
      view.reset(row);
      for (let id = 0; id <= 300; id++) {
        const bytes = view.valueBytes(id);
        const found = view.locate(id);
        assert.equal(found, bytes === undefined ? RowLookup.absent : bytes === null ? RowLookup.null : RowLookup.found, `column ${id}`);
        if (bytes instanceof Uint8Array) {
          assert.deepEqual(view.rowBytes.subarray(view.valueStart, view.valueEnd), bytes);
          assert.equal(readCompactIntAt(view.rowBytes, view.valueStart, view.valueEnd), readCompactInt(bytes));
        }
      }
    }
  });

  test('a column the row never stored reads as its default, NULL without one', () => {
    const row = encodeRow([{ id: 1, value: intDatum(1n) }]);
    assert.deepEqual(new RowDecoder([{ id: 2, type: { kind: 'int' } }]).decode(row), [nullDatum]);
    assert.deepEqual(new RowDecoder([{ id: 2, type: { kind: 'int' }, defaultValue: intDatum(7n) }]).decode(row), [intDatum(7n)]);
  });

  test('rejects duplicate ids and values that cannot be stored', () => {
    assert.throws(() => encodeRow([{ id: 1, value: intDatum(1n) }, { id: 1, value: nullDatum }]), RangeError);
    assert.throws(() => encodeRow([{ id: -1, value: intDatum(1n) }]), RangeError);
    assert.throws(() => encodeRow([{ id: 1, value: { kind: 'max' } }]), RangeError);
  });

  test('every truncation and random corruption throws CodecError or decodes, never anything else', () => {
    const random = new SeededRandom(42);
    const specs: RowColumnSpec[] = columnTypes.map((type, index) => ({ id: index + 1, type }));
    for (let index = 0; index < 300; index++) {
      const row = encodeRow(specs.map((spec) => ({ id: spec.id, value: randomValue(random, spec.type) })));
      const decoder = new RowDecoder(specs);
      for (let length = 0; length < row.length; length++) {
        assert.throws(() => decoder.decode(row.subarray(0, length)), CodecError, `truncated to ${length}`);
      }
      const corrupt = Uint8Array.from(row);
      const flipAt = random.nextInt(corrupt.length);
      corrupt[flipAt] = corrupt[flipAt]! ^ (1 << random.nextInt(8));
      try {
        decoder.decode(corrupt);
      } catch (error) {
        assert.ok(error instanceof CodecError, `unexpected ${String(error)}`);
      }
    }
    assert.throws(() => new RowView(Uint8Array.of(127, 0, 0, 0, 0, 0)), CodecError);
    assert.throws(() => new RowView(Uint8Array.of(128, 4, 0, 0, 0, 0)), CodecError);
  });
});
