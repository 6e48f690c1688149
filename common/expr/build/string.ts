import { ScalarFuncSig as Sig } from '../../../proto/gen/dagpb.js';
import { type FieldType, FieldTypeCode, newFieldType } from '../../types/field-type.js';
import { evalTypeOf } from '../eval-type.js';
import { call, constant, type Expr } from '../expr.js';
import { castToEvalType } from './cast.js';
import { defineFunction } from './registry.js';
import { defaultStringCollation, stringCollationOf, stringType } from './types.js';

/**
 * Rules for the string functions. Every string argument is converted to a string first
 * (numbers print as MySQL prints them), every position, length and count to an integer;
 * the result's collation is aggregated from the string arguments (binary wins), and
 * LOCATE/INSTR/STRCMP carry that collation on their integer result type so the
 * implementation compares with it.
 */

const unknownLength = -1;

function asString(arg: Expr): Expr {
  return castToEvalType(arg, 'bytes');
}

function asInteger(arg: Expr): Expr {
  return castToEvalType(arg, 'int');
}

/** A character length of a string argument (-1 when unknown). */
function lengthOf(type: FieldType): number {
  return type.length >= 0 ? type.length : unknownLength;
}

function sumOfLengths(types: readonly FieldType[]): number {
  let total = 0;
  for (const type of types) {
    if (type.length < 0) return unknownLength;
    total += type.length;
  }
  return total;
}

/** An integer constant's value (a literal, not an expression): undefined otherwise. */
function integerConstant(arg: Expr): bigint | null | undefined {
  if (arg.kind !== 'constant') return undefined;
  if (arg.value === null) return null;
  return evalTypeOf(arg.type) === 'int' ? (arg.value as bigint) : undefined;
}

/** At most `count` characters of a string of `length` characters, when `count` is a literal. */
function boundedLength(length: number, count: Expr): number {
  const value = integerConstant(count);
  if (value === undefined || value === null) return length;
  const bounded = value < 0n ? 0 : Number(value > 0xffffffffn ? 0xffffffffn : value);
  return length < 0 ? bounded : Math.min(length, bounded);
}

/** MySQL's integer result types: LENGTH and friends are INT(10), LOCATE INT(11). */
function integerResult(length: number, collation?: string): FieldType {
  return newFieldType(FieldTypeCode.LongLong, { length, ...(collation === undefined ? {} : { collation }) });
}

function stringCall(sig: Sig, args: readonly Expr[], length: number, collationSources: readonly Expr[] = args): Expr {
  return call(sig, args, stringType(length, collationSources.map((arg) => arg.type)));
}

/** A function of one string returning a string of the same length. */
function defineUnaryString(name: string, sig: Sig, aliases: readonly string[] = []): void {
  defineFunction(
    {
      name,
      minArgs: 1,
      maxArgs: 1,
      build: ([arg]) => {
        const text = asString(arg!);
        return stringCall(sig, [text], lengthOf(text.type));
      },
    },
    aliases,
  );
}

defineFunction({
  name: 'concat',
  minArgs: 1,
  maxArgs: Infinity,
  build: (args) => {
    const texts = args.map(asString);
    return stringCall(Sig.Concat, texts, sumOfLengths(texts.map((text) => text.type)));
  },
});

defineFunction({
  name: 'concat_ws',
  minArgs: 2,
  maxArgs: Infinity,
  build: (args) => {
    const texts = args.map(asString);
    const [separator, ...rest] = texts;
    const parts = sumOfLengths(rest.map((text) => text.type));
    const separators = lengthOf(separator!.type);
    const length = parts < 0 || separators < 0 ? unknownLength : parts + separators * Math.max(0, rest.length - 1);
    return stringCall(Sig.ConcatWs, texts, length);
  },
});

defineFunction({ name: 'length', minArgs: 1, maxArgs: 1, build: ([arg]) => call(Sig.Length, [asString(arg!)], integerResult(10)) }, ['octet_length']);
defineFunction({ name: 'char_length', minArgs: 1, maxArgs: 1, build: ([arg]) => call(Sig.CharLength, [asString(arg!)], integerResult(10)) }, ['character_length']);

defineUnaryString('lower', Sig.Lower, ['lcase']);
defineUnaryString('upper', Sig.Upper, ['ucase']);
defineUnaryString('reverse', Sig.Reverse);
defineUnaryString('ltrim', Sig.LTrim);
defineUnaryString('rtrim', Sig.RTrim);

// SUBSTRING(s, position[, length]); SUBSTRING(s FROM a FOR b) and MID arrive here too.
defineFunction(
  {
    name: 'substring',
    minArgs: 2,
    maxArgs: 3,
    build: (args) => {
      const text = asString(args[0]!);
      const position = asInteger(args[1]!);
      if (args.length === 2) return stringCall(Sig.Substring2Args, [text, position], lengthOf(text.type), [text]);
      const length = asInteger(args[2]!);
      return stringCall(Sig.Substring3Args, [text, position, length], boundedLength(lengthOf(text.type), args[2]!), [text]);
    },
  },
  ['substr', 'mid'],
);

for (const [name, sig] of [
  ['left', Sig.Left],
  ['right', Sig.Right],
] as const) {
  defineFunction({
    name,
    minArgs: 2,
    maxArgs: 2,
    build: ([arg, count]) => {
      const text = asString(arg!);
      return stringCall(sig, [text, asInteger(count!)], boundedLength(lengthOf(text.type), count!), [text]);
    },
  });
}

// TRIM(s), TRIM(r FROM s) → trim(s, r), TRIM(LEADING|TRAILING|BOTH r FROM s) → trim(s, r, 1|2|0).
defineFunction({
  name: 'trim',
  minArgs: 1,
  maxArgs: 3,
  build: (args) => {
    const text = asString(args[0]!);
    if (args.length === 1) return stringCall(Sig.Trim1Arg, [text], lengthOf(text.type));
    const remove = asString(args[1]!);
    if (args.length === 2) return stringCall(Sig.Trim2Args, [text, remove], lengthOf(text.type));
    return stringCall(Sig.Trim3Args, [text, remove, asInteger(args[2]!)], lengthOf(text.type), [text, remove]);
  },
});

defineFunction({
  name: 'replace',
  minArgs: 3,
  maxArgs: 3,
  build: (args) => {
    const [text, from, to] = args.map(asString) as [Expr, Expr, Expr];
    // Each character may become the whole replacement.
    const length = lengthOf(text.type) < 0 || lengthOf(to.type) < 0 ? unknownLength : lengthOf(text.type) * Math.max(1, lengthOf(to.type));
    return stringCall(Sig.Replace, [text, from, to], length);
  },
});

/** The collation LOCATE/INSTR/STRCMP compare with, carried on their integer result. */
function comparisonResult(length: number, texts: readonly Expr[]): FieldType {
  return integerResult(length, stringCollationOf(texts.map((text) => text.type)).collation);
}

// LOCATE(needle, haystack[, position]); POSITION(a IN b) arrives as locate(a, b).
defineFunction({
  name: 'locate',
  minArgs: 2,
  maxArgs: 3,
  build: (args) => {
    const needle = asString(args[0]!);
    const haystack = asString(args[1]!);
    if (args.length === 2) return call(Sig.Locate2Args, [needle, haystack], comparisonResult(11, [needle, haystack]));
    return call(Sig.Locate3Args, [needle, haystack, asInteger(args[2]!)], comparisonResult(11, [needle, haystack]));
  },
});

defineFunction({
  name: 'instr',
  minArgs: 2,
  maxArgs: 2,
  build: ([haystackArg, needleArg]) => {
    const haystack = asString(haystackArg!);
    const needle = asString(needleArg!);
    return call(Sig.Instr, [haystack, needle], comparisonResult(11, [haystack, needle]));
  },
});

defineFunction({
  name: 'strcmp',
  minArgs: 2,
  maxArgs: 2,
  build: (args) => {
    const texts = args.map(asString);
    return call(Sig.Strcmp, texts, comparisonResult(2, texts));
  },
});

defineFunction({
  name: 'repeat',
  minArgs: 2,
  maxArgs: 2,
  build: ([arg, count]) => {
    const text = asString(arg!);
    const times = integerConstant(count!);
    const length = times === undefined || times === null || lengthOf(text.type) < 0 ? unknownLength : Number(times < 0n ? 0n : times > 0xffffffn ? 0xffffffn : times) * lengthOf(text.type);
    return stringCall(Sig.Repeat, [text, asInteger(count!)], length, [text]);
  },
});

defineFunction({ name: 'ascii', minArgs: 1, maxArgs: 1, build: ([arg]) => call(Sig.Ascii, [asString(arg!)], integerResult(3)) });

// HEX of a number is the hex of its integer value (as MySQL 8 converts it: a double by
// rint, so HEX(2.5e0) is 2; MariaDB rounds half away from zero and says 3); HEX of anything
// else is the hex of its bytes. The result is plain ASCII text.
defineFunction({
  name: 'hex',
  minArgs: 1,
  maxArgs: 1,
  build: ([arg]) => {
    const evalType = evalTypeOf(arg!.type);
    const numeric = evalType === 'int' || evalType === 'real' || evalType === 'decimal';
    const type = newFieldType(FieldTypeCode.VarString, { length: numeric ? 16 : lengthOf(arg!.type) < 0 ? unknownLength : lengthOf(arg!.type) * 8, charset: 'utf8mb4', collation: defaultStringCollation });
    if (numeric && !(arg!.kind === 'constant' && arg!.value === null)) return call(Sig.HexIntArg, [asInteger(arg!)], type);
    return call(Sig.HexStringArg, [asString(arg!)], type);
  },
});

for (const [name, sig] of [
  ['lpad', Sig.LPad],
  ['rpad', Sig.RPad],
] as const) {
  defineFunction({
    name,
    minArgs: 2,
    maxArgs: 3,
    build: (args) => {
      const text = asString(args[0]!);
      // LPAD(s, n) pads with spaces (MariaDB 10.3 and later).
      const padding = args.length === 3 ? asString(args[2]!) : constant(Uint8Array.of(0x20), newFieldType(FieldTypeCode.VarString, { length: 1, charset: 'utf8mb4', collation: defaultStringCollation }));
      const length = integerConstant(args[1]!);
      const resultLength = length === undefined || length === null ? unknownLength : Number(length < 0n ? 0n : length > 0xffffffn ? 0xffffffn : length);
      return stringCall(sig, [text, asInteger(args[1]!), padding], resultLength, [text, padding]);
    },
  });
}

defineFunction({
  name: 'space',
  minArgs: 1,
  maxArgs: 1,
  build: ([count]) => {
    const value = integerConstant(count!);
    const length = value === undefined || value === null ? unknownLength : Number(value < 0n ? 0n : value > 0xffffffn ? 0xffffffn : value);
    return call(Sig.Space, [asInteger(count!)], newFieldType(FieldTypeCode.VarString, { length, charset: 'utf8mb4', collation: defaultStringCollation }));
  },
});

defineFunction({
  name: 'substring_index',
  minArgs: 3,
  maxArgs: 3,
  build: ([arg, delimiterArg, count]) => {
    const text = asString(arg!);
    const delimiter = asString(delimiterArg!);
    return stringCall(Sig.SubstringIndex, [text, delimiter, asInteger(count!)], lengthOf(text.type), [text, delimiter]);
  },
});
