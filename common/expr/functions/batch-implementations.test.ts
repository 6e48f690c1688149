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

// LIKE's batch implementation.
const likeRows = 400;
const bigint = resultTypes.bigint();

function bytesColumn(values: ReadonlyArray<Uint8Array | null>): Column {
  const builder = new BytesColumnBuilder('bytes', values.length);
  for (const value of values) {
    if (value === null) builder.pushNull();
    else builder.push(value);
  }
  return builder.finish();
}

function intColumn(values: ReadonlyArray<bigint | null>): Column {
  const builder = new IntColumnBuilder(values.length);
  for (const value of values) {
    if (value === null) builder.pushNull();
    else builder.push(value);
  }
  return builder.finish();
}

test('LIKE: the batch implementation agrees with the row one (wildcards, escapes, collations, invalid UTF-8 cut at value ends)', () => {
  const random = new SeededRandom(21);
  // A truncated '€' (e2 82) at the end of one value is followed by the next value's bytes
  // in the column's shared buffer: the batch matcher must not read across.
  const textPieces = ['a', 'A', 'b', 'x', 'é', 'É', ' ', '€', '😀', '%', '_', '\\'].map((piece) => Buffer.from(piece));
  textPieces.push(Buffer.from([0xe2, 0x82]), Buffer.from([0x82, 0xac]), Buffer.from([0xff]));
  const patternPieces = ['a', 'A', 'x', 'é', 'e', '€', '%', '%', '_', '\\', '\\%', '\\_', '#', '#%'].map((piece) => Buffer.from(piece));
  patternPieces.push(Buffer.from([0xe2, 0x82]));
  const concat = (pieces: readonly Buffer[], most: number) => Buffer.concat(Array.from({ length: random.nextInt(most + 1) }, () => pieces[random.nextInt(pieces.length)]!));
  const texts = () => bytesColumn(Array.from({ length: likeRows }, () => (random.chance(0.05) ? null : concat(textPieces, 6))));
  for (const collation of ['binary', 'utf8mb4_bin', 'utf8mb4_general_ci']) {
    const type = resultTypes.varchar(32, collation);
    const types = [type, type, bigint];
    const result = { ...resultTypes.boolean(), collation };
    for (let round = 0; round < 40; round++) {
      const text = texts();
      const escape = intColumn([random.chance(0.5) ? 92n : 35n]);
      // A constant pattern (the usual case), compiled once per batch.
      const pattern = bytesColumn([concat(patternPieces, 4)]);
      assert.deepEqual(batched(Sig.Like, [text, pattern, escape], types, likeRows, result), rowByRow(Sig.Like, [text, pattern, escape], types, likeRows, result), `constant pattern under ${collation}`);
    }
    // A pattern and escape per row, NULLs included.
    const text = texts();
    const patterns = bytesColumn(Array.from({ length: likeRows }, () => (random.chance(0.05) ? null : concat(patternPieces, 4))));
    const escapes = intColumn(Array.from({ length: likeRows }, () => (random.chance(0.05) ? null : random.chance(0.5) ? 92n : 35n)));
    assert.deepEqual(batched(Sig.Like, [text, patterns, escapes], types, likeRows, result), rowByRow(Sig.Like, [text, patterns, escapes], types, likeRows, result), `a pattern per row under ${collation}`);
    // A NULL literal pattern (typed as an integer, as a NULL constant may be).
    const nullPattern = intColumn([null]);
    assert.deepEqual(batched(Sig.Like, [text, nullPattern, intColumn([92n])], types, likeRows, result), Array.from({ length: likeRows }, () => null), `a NULL pattern under ${collation}`);
  }
});

test('LIKE: a UTF-8 sequence cut at the end of a value is not completed by the next value in the buffer', () => {
  const type = resultTypes.varchar(32, 'utf8mb4_bin');
  const result = { ...resultTypes.boolean(), collation: 'utf8mb4_bin' };
  // 'a' e2 82 is three characters (a, U+FFFD, U+FFFD); followed by 82 ac it would read as 'a' U+2082.
  const text = bytesColumn([Buffer.from([0x61, 0xe2, 0x82]), Buffer.from([0x82, 0xac])]);
  for (const pattern of ['a_', 'a__', 'a%', '_', '__']) {
    const args = [text, bytesColumn([Buffer.from(pattern)]), intColumn([92n])];
    assert.deepEqual(batched(Sig.Like, args, [type, type, bigint], 2, result), rowByRow(Sig.Like, args, [type, type, bigint], 2, result), pattern);
  }
  assert.deepEqual(batched(Sig.Like, [text, bytesColumn([Buffer.from('a__')]), intColumn([92n])], [type, type, bigint], 2, result), [1n, 0n]);
});

test('LIKE: a constant text against a constant pattern is one row', () => {
  const type = resultTypes.varchar(32, 'utf8mb4_bin');
  const result = { ...resultTypes.boolean(), collation: 'utf8mb4_bin' };
  const args = [bytesColumn([Buffer.from('xylophone')]), bytesColumn([Buffer.from('x%e')]), intColumn([92n])];
  assert.deepEqual(batched(Sig.Like, args, [type, type, bigint], 1, result), [1n]);
});
