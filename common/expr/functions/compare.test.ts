import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScalarFuncSig as Sig } from '../../../proto/gen/dagpb.js';
import { SeededRandom } from '../../random.js';
import { FieldFlag, FieldTypeCode, newFieldType, type FieldType } from '../../types/field-type.js';
import { BytesColumnBuilder, type Column, IntColumnBuilder, RealColumnBuilder } from '../column.js';
import { EvalContext } from '../context.js';
import { resultTypes } from '../eval-type.js';
import { valueReader } from '../evaluate.js';
import type { ScalarValue } from '../expr.js';
import { callInfo, scalarFunction } from '../function.js';
import './index.js';

/** Every row of a call evaluated by the row implementation, as the evaluator would without a batch one. */
function rowByRow(sig: number, args: readonly Column[], types: readonly FieldType[], rows: number, resultType: FieldType): Array<ScalarValue | null> {
  const fn = scalarFunction(sig)!;
  const info = callInfo(types, resultType);
  const readers = args.map((arg, index) => valueReader(arg, types[index]!));
  const context = new EvalContext();
  return Array.from({ length: rows }, (_, row) => {
    const values = readers.map((read) => read(row));
    return values.some((value) => value === null) && !fn.nullTolerant ? null : fn.row(context, values, info);
  });
}

/** The same call through the batch implementation, read back as scalar values. */
function batched(sig: number, args: readonly Column[], types: readonly FieldType[], rows: number, resultType: FieldType): Array<ScalarValue | null> {
  const fn = scalarFunction(sig)!;
  assert.ok(fn.batch !== undefined, `${fn.name} (${sig}) has a batch implementation`);
  const column = fn.batch(new EvalContext(), args, rows, callInfo(types, resultType));
  assert.equal(column.length, rows);
  const read = valueReader(column, resultType);
  return Array.from({ length: rows }, (_, row) => read(row));
}

const rows = 300;
const operators = ['Lt', 'Le', 'Gt', 'Ge', 'Eq', 'Ne'] as const;

/** A column of `rows` values from `next` (some NULL), or one value (a constant) when `constant`. */
function columnOf<T>(builder: { push(value: T): void; pushNull(): void; finish(): Column }, random: SeededRandom, count: number, next: () => T): Column {
  for (let row = 0; row < count; row++) {
    if (random.chance(0.1)) builder.pushNull();
    else builder.push(next());
  }
  return builder.finish();
}

function shapes(make: (count: number) => Column): Array<[Column, Column, string]> {
  return [
    [make(rows), make(rows), 'two columns'],
    [make(rows), make(1), 'a constant on the right'],
    [make(1), make(rows), 'a constant on the left'],
    [make(rows), nullConstant(), 'a NULL literal'],
  ];
}

function nullConstant(): Column {
  const builder = new IntColumnBuilder(1);
  builder.pushNull();
  return builder.finish();
}

test('integer comparisons: the batch implementation agrees with the row one, signed and unsigned, NULLs and constants', () => {
  const random = new SeededRandom(11);
  const signed = resultTypes.bigint();
  const unsigned = newFieldType(FieldTypeCode.LongLong, { flags: FieldFlag.Unsigned });
  // Small values collide often; extremes check the unsigned reading of negative bit patterns.
  const extremes = [0n, 1n, -1n, 9_223_372_036_854_775_807n, -9_223_372_036_854_775_808n];
  const nextInt = () => (random.chance(0.2) ? extremes[random.nextInt(extremes.length)]! : BigInt(random.nextIntBetween(-5, 5)));
  for (const types of [[signed, signed], [unsigned, unsigned], [unsigned, signed], [signed, unsigned]] as const) {
    for (const [left, right, shape] of shapes((count) => columnOf(new IntColumnBuilder(count), random, count, nextInt))) {
      for (const operator of operators) {
        const sig = Sig[`${operator}Int`];
        const count = Math.max(left.length, right.length);
        assert.deepEqual(batched(sig, [left, right], types, count, resultTypes.boolean()), rowByRow(sig, [left, right], types, count, resultTypes.boolean()), `${operator}Int, ${shape}`);
      }
    }
  }
});

test('real comparisons: the batch implementation agrees with the row one', () => {
  const random = new SeededRandom(12);
  const double = resultTypes.double();
  const values = [0, -0, 1.5, -1.5, 1e300, -1e-300, 2];
  for (const [left, right, shape] of shapes((count) => columnOf(new RealColumnBuilder(count), random, count, () => values[random.nextInt(values.length)]!))) {
    for (const operator of operators) {
      const sig = Sig[`${operator}Real`];
      const count = Math.max(left.length, right.length);
      assert.deepEqual(batched(sig, [left, right], [double, double], count, resultTypes.boolean()), rowByRow(sig, [left, right], [double, double], count, resultTypes.boolean()), `${operator}Real, ${shape}`);
    }
  }
});

test('string comparisons: the batch implementation agrees with the row one under binary, utf8mb4_bin and utf8mb4_general_ci', () => {
  const random = new SeededRandom(13);
  // Case, accents, trailing spaces (PAD SPACE), a tab below space, multi-byte and invalid UTF-8.
  const pieces = ['a', 'A', 'b', 'é', 'E', ' ', '\t', '€', '😀'].map((piece) => Buffer.from(piece));
  pieces.push(Buffer.from([0xe2, 0x82]), Buffer.from([0xff]));
  const nextString = () => Buffer.concat(Array.from({ length: random.nextInt(4) }, () => pieces[random.nextInt(pieces.length)]!));
  for (const collation of ['binary', 'utf8mb4_bin', 'utf8mb4_general_ci']) {
    const type = resultTypes.varchar(16, collation);
    const result = { ...resultTypes.boolean(), collation };
    for (const [left, right, shape] of shapes((count) => columnOf(new BytesColumnBuilder('bytes', count), random, count, nextString))) {
      for (const operator of operators) {
        const sig = Sig[`${operator}String`];
        const count = Math.max(left.length, right.length);
        assert.deepEqual(batched(sig, [left, right], [type, type], count, result), rowByRow(sig, [left, right], [type, type], count, result), `${operator}String under ${collation}, ${shape}`);
      }
    }
  }
});
