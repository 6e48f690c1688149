import { ScalarFuncSig as Sig } from '../../../proto/gen/dagpb.js';
import { type Collation, generalCiWeight } from '../../types/collation.js';
import { bytesStart, type BytesColumn, type Column, type IntColumn } from '../column.js';
import { defineScalar } from '../function.js';
import { codePoints, decodeCodePoint, replacementCharacter } from './utf8.js';

const anyOne = -1;
const anyMany = -2;

/**
 * A LIKE pattern compiled to characters: literal code points, and the wildcards `_`
 * (exactly one character) and `%` (any run). The escape character makes the next
 * character literal; at the end of the pattern it stands for itself, as in MySQL.
 */
export function compileLikePattern(pattern: Uint8Array, escape: number, binary: boolean): Int32Array {
  const characters = codePoints(pattern, binary);
  const out = new Int32Array(characters.length);
  let count = 0;
  for (let index = 0; index < characters.length; index++) {
    const character = characters[index]!;
    if (character === escape && index + 1 < characters.length) out[count++] = characters[++index]!;
    else if (character === 0x25 /* % */) {
      // Consecutive %s match what one does.
      if (count === 0 || out[count - 1] !== anyMany) out[count++] = anyMany;
    } else if (character === 0x5f /* _ */) out[count++] = anyOne;
    else out[count++] = character;
  }
  return out.subarray(0, count);
}

/**
 * Whether `text` matches a compiled pattern: the greedy wildcard match that backtracks
 * only to the last `%`, so it runs in O(text × pattern) at worst. Characters compare by
 * the collation: case- and accent-insensitively under utf8mb4_general_ci. LIKE does not
 * pad, so trailing spaces count.
 */
export function likeMatches(text: Int32Array, pattern: Int32Array, caseInsensitive: boolean): boolean {
  let textIndex = 0;
  let patternIndex = 0;
  let starPattern = -1;
  let starText = 0;
  while (textIndex < text.length) {
    const wanted = pattern[patternIndex];
    if (patternIndex < pattern.length && wanted !== anyMany && (wanted === anyOne || sameCharacter(wanted!, text[textIndex]!, caseInsensitive))) {
      textIndex++;
      patternIndex++;
    } else if (patternIndex < pattern.length && wanted === anyMany) {
      starPattern = patternIndex++;
      starText = textIndex;
    } else if (starPattern >= 0) {
      patternIndex = starPattern + 1;
      textIndex = ++starText;
    } else {
      return false;
    }
  }
  while (patternIndex < pattern.length && pattern[patternIndex] === anyMany) patternIndex++;
  return patternIndex === pattern.length;
}

function sameCharacter(left: number, right: number, caseInsensitive: boolean): boolean {
  return left === right || (caseInsensitive && generalCiWeight(left) === generalCiWeight(right));
}

function isCaseInsensitive(collation: Collation): boolean {
  return collation.name.endsWith('_ci');
}

// One compiled pattern is kept: a pattern is nearly always a constant.
let lastPattern: { bytes: Uint8Array; escape: number; binary: boolean; compiled: Int32Array } | undefined;

function compiledPattern(pattern: Uint8Array, escape: number, binary: boolean): Int32Array {
  if (lastPattern !== undefined && lastPattern.escape === escape && lastPattern.binary === binary && Buffer.compare(lastPattern.bytes, pattern) === 0) return lastPattern.compiled;
  const compiled = compileLikePattern(pattern, escape, binary);
  lastPattern = { bytes: Uint8Array.from(pattern), escape, binary, compiled };
  return compiled;
}

/**
 * The character of `data` at `offset` packed as `codePoint * 8 + length` (see
 * decodeCodePoint), reading no byte at or past `end`: a sequence cut by `end` is one
 * U+FFFD, exactly as if the value were its own array (the next value's bytes follow it
 * in the column buffer and must not complete it).
 */
function characterAt(data: Uint8Array, offset: number, end: number, binary: boolean): number {
  if (binary) return data[offset]! * 8 + 1;
  const decoded = decodeCodePoint(data, offset);
  return offset + (decoded & 7) > end ? replacementCharacter * 8 + 1 : decoded;
}

/**
 * `likeMatches` over the UTF-8 bytes `data[start..end)` as they lie in a column, decoding
 * characters as it walks (the same greedy match, backtracking to the last `%`).
 * Hot path: no array of code points, no view, nothing allocated per row.
 */
export function likeMatchesBytes(data: Uint8Array, start: number, end: number, pattern: Int32Array, binary: boolean, caseInsensitive: boolean): boolean {
  let textOffset = start;
  let patternIndex = 0;
  let starPattern = -1;
  let starText = start;
  while (textOffset < end) {
    const wanted = pattern[patternIndex];
    const character = characterAt(data, textOffset, end, binary);
    if (patternIndex < pattern.length && wanted !== anyMany && (wanted === anyOne || sameCharacter(wanted!, character >> 3, caseInsensitive))) {
      textOffset += character & 7;
      patternIndex++;
    } else if (patternIndex < pattern.length && wanted === anyMany) {
      starPattern = patternIndex++;
      starText = textOffset;
    } else if (starPattern >= 0) {
      patternIndex = starPattern + 1;
      starText += characterAt(data, starText, end, binary) & 7;
      textOffset = starText;
    } else {
      return false;
    }
  }
  while (patternIndex < pattern.length && pattern[patternIndex] === anyMany) patternIndex++;
  return patternIndex === pattern.length;
}

/**
 * LIKE over a batch. The pattern and escape are nearly always constants: compiled once
 * for the batch, then every row is matched in place in the column's bytes.
 */
function likeBatch(text: BytesColumn, pattern: BytesColumn, escape: IntColumn, rows: number, collation: Collation): IntColumn {
  const binary = collation.name === 'binary';
  const caseInsensitive = isCaseInsensitive(collation);
  const values = new BigInt64Array(rows);
  const nulls = new Uint8Array(rows);
  const textStep = text.length === 1 ? 0 : 1;
  const constantPattern = pattern.length === 1 && escape.length === 1;
  const fixed = constantPattern && pattern.nulls[0] === 0 && escape.nulls[0] === 0 ? compiledPattern(pattern.data.subarray(0, pattern.ends[0]!), Number(escape.values[0]!), binary) : undefined;
  for (let row = 0; row < rows; row++) {
    const textRow = row * textStep;
    const patternRow = pattern.length === 1 ? 0 : row;
    const escapeRow = escape.length === 1 ? 0 : row;
    if (text.nulls[textRow] === 1 || pattern.nulls[patternRow] === 1 || escape.nulls[escapeRow] === 1) {
      nulls[row] = 1;
      continue;
    }
    const compiled = fixed ?? compiledPattern(pattern.data.subarray(bytesStart(pattern, patternRow), pattern.ends[patternRow]!), Number(escape.values[escapeRow]!), binary);
    if (likeMatchesBytes(text.data, bytesStart(text, textRow), text.ends[textRow]!, compiled, binary, caseInsensitive)) values[row] = 1n;
  }
  return { kind: 'int', length: rows, values, nulls };
}

function allNull(rows: number): IntColumn {
  return { kind: 'int', length: rows, values: new BigInt64Array(rows), nulls: new Uint8Array(rows).fill(1) };
}

function bytesArgument(column: Column | undefined): BytesColumn {
  if (column === undefined || (column.kind !== 'bytes' && column.kind !== 'json')) throw new TypeError(`LIKE takes strings, got a ${column?.kind ?? 'missing'} column`);
  return column;
}

defineScalar({
  sig: Sig.Like,
  name: 'like',
  args: ['bytes', 'bytes', 'int'],
  returns: 'int',
  row: (_context, [text, pattern, escape], call) => {
    const binary = call.collation.name === 'binary';
    const compiled = compiledPattern(pattern as Uint8Array, Number(escape as bigint), binary);
    return likeMatches(codePoints(text as Uint8Array, binary), compiled, isCaseInsensitive(call.collation)) ? 1n : 0n;
  },
  batch: (_context, args, rows, call) => {
    // A NULL literal may stand for any argument, whatever its column kind: all NULL.
    if (args.some((arg) => arg.length === 1 && arg.nulls[0] === 1)) return allNull(rows);
    const [text, pattern, escape] = args;
    if (escape?.kind !== 'int') throw new TypeError(`LIKE's escape is an integer, got a ${escape?.kind ?? 'missing'} column`);
    return likeBatch(bytesArgument(text), bytesArgument(pattern), escape, rows, call.collation);
  },
});
