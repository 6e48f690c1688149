import { ScalarFuncSig as Sig } from '../../../proto/gen/dagpb.js';
import { assert } from '../../assert.js';
import { generalCiWeight } from '../../types/collation.js';
import type { FieldType } from '../../types/field-type.js';
import type { EvalContext } from '../context.js';
import type { ScalarValue } from '../expr.js';
import { type CallInfo, defineScalar } from '../function.js';
import { lowerCaseRuns, upperCaseRuns } from './case-mapping.js';
import { decodeCodePoint } from './utf8.js';

/**
 * The string functions, as MariaDB 10.11 (utf8mb4) computes them: positions and lengths
 * count characters (bytes for binary strings), searches that MySQL does bytewise (REPLACE,
 * TRIM, SUBSTRING_INDEX) stay bytewise, and LOCATE/INSTR/STRCMP compare by the call's
 * collation. Arguments arrive as bytes (the rules convert other types first) and results
 * are views or fresh buffers; no JavaScript string is built per row.
 */

export const stringLimits = {
  /**
   * MySQL's max_allowed_packet as the server here runs it (16 MiB): a REPEAT, LPAD, RPAD,
   * SPACE, CONCAT or REPLACE result longer than this is NULL with warning 1301.
   */
  maxResultBytes: 16 * 1024 * 1024,
  /** utf8mb4's longest character: LPAD/RPAD bound their result by characters × this. */
  maxBytesPerCharacter: 4,
} as const;

/** ER_WARN_ALLOWED_PACKET_OVERFLOWED. */
const packetOverflowedCode = 1301;

const empty = new Uint8Array(0);
const space = 0x20;
const int32Max = 2147483647n;
const int32Min = -2147483648n;

/** A result too long for max_allowed_packet: NULL, with MySQL's warning 1301. */
function tooLong(context: EvalContext, functionName: string): null {
  context.warn(packetOverflowedCode, `Result of ${functionName}() was larger than max_allowed_packet (${stringLimits.maxResultBytes}) - truncated`);
  return null;
}

/** Whether a string type holds raw bytes (a character is one byte). */
export function isBinaryType(type: FieldType): boolean {
  return type.charset === 'binary' || type.collation === 'binary';
}

/** Length in bytes of the character starting at `offset` (1 for a binary string or an invalid byte). */
function characterLength(bytes: Uint8Array, offset: number, binary: boolean): number {
  if (binary || bytes[offset]! < 0x80) return 1;
  return decodeCodePoint(bytes, offset) & 7;
}

/** Number of characters in `bytes`. */
function characterCount(bytes: Uint8Array, binary: boolean): number {
  if (binary) return bytes.length;
  let count = 0;
  for (let offset = 0; offset < bytes.length; count++) offset += characterLength(bytes, offset, false);
  return count;
}

/**
 * The byte offset `characters` characters after `from` (MySQL's charpos), or bytes.length
 * when the string ends first.
 */
function byteOffsetAfter(bytes: Uint8Array, from: number, characters: number, binary: boolean): number {
  if (binary) return Math.min(bytes.length, from + characters);
  let offset = from;
  for (let count = 0; count < characters && offset < bytes.length; count++) offset += characterLength(bytes, offset, false);
  return Math.min(offset, bytes.length);
}

/** A bigint that may be huge, as a non-negative number capped at `cap` (negative becomes 0). */
function cappedCount(value: bigint, cap: number): number {
  if (value <= 0n) return 0;
  return value >= BigInt(cap) ? cap : Number(value);
}

function concatenate(parts: readonly Uint8Array[], separator?: Uint8Array): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.length;
  if (separator !== undefined && parts.length > 1) total += separator.length * (parts.length - 1);
  const out = new Uint8Array(total);
  let offset = 0;
  parts.forEach((part, index) => {
    if (separator !== undefined && index > 0) {
      out.set(separator, offset);
      offset += separator.length;
    }
    out.set(part, offset);
    offset += part.length;
  });
  return out;
}

/** Whether `needle` occurs in `haystack` at byte `offset`. */
function bytesAt(haystack: Uint8Array, offset: number, needle: Uint8Array): boolean {
  if (offset + needle.length > haystack.length) return false;
  for (let index = 0; index < needle.length; index++) if (haystack[offset + index] !== needle[index]) return false;
  return true;
}

/** The first byte offset >= `from` where `needle` (non-empty) occurs, or -1. */
function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0]!;
  const last = haystack.length - needle.length;
  for (let offset = from; offset <= last; offset++) {
    if (haystack[offset] === first && bytesAt(haystack, offset, needle)) return offset;
  }
  return -1;
}

// Case mapping: one 16-bit code point per BMP code point, from MariaDB's own table
// (case-mapping.ts); nothing above U+FFFF changes case in utf8mb4_general_ci.
function buildCaseTable(runs: readonly number[]): Uint16Array {
  const table = new Uint16Array(0x10000);
  for (let codePoint = 0; codePoint < table.length; codePoint++) table[codePoint] = codePoint;
  for (let index = 0; index < runs.length; index += 4) {
    const [first, last, step, delta] = [runs[index]!, runs[index + 1]!, runs[index + 2]!, runs[index + 3]!];
    // mapCase passes 4-byte characters through unchanged; a Uint16Array would drop the write silently.
    assert(last < table.length && last + delta < table.length, `case mapping run U+${first.toString(16)}..U+${last.toString(16)} leaves the BMP`);
    for (let codePoint = first; codePoint <= last; codePoint += step) {
      // mapCase writes into a buffer of the input's length: no mapping may need more bytes.
      assert(utf8Length(codePoint + delta) <= utf8Length(codePoint), `case mapping of U+${codePoint.toString(16)} lengthens its encoding`);
      table[codePoint] = codePoint + delta;
    }
  }
  return table;
}

function utf8Length(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}

const upperTable = buildCaseTable(upperCaseRuns);
const lowerTable = buildCaseTable(lowerCaseRuns);

function encodeCodePoint(out: Uint8Array, offset: number, codePoint: number): number {
  if (codePoint < 0x80) {
    out[offset] = codePoint;
    return 1;
  }
  if (codePoint < 0x800) {
    out[offset] = 0xc0 | (codePoint >> 6);
    out[offset + 1] = 0x80 | (codePoint & 0x3f);
    return 2;
  }
  out[offset] = 0xe0 | (codePoint >> 12);
  out[offset + 1] = 0x80 | ((codePoint >> 6) & 0x3f);
  out[offset + 2] = 0x80 | (codePoint & 0x3f);
  return 3;
}

/**
 * UPPER/LOWER of UTF-8 text. MariaDB's table never maps a character to a longer encoding,
 * so the result fits in the input's length. Invalid bytes are copied unchanged.
 */
// Hot path: one output buffer, no strings.
function mapCase(bytes: Uint8Array, table: Uint16Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  let written = 0;
  for (let offset = 0; offset < bytes.length; ) {
    const first = bytes[offset]!;
    if (first < 0x80) {
      out[written++] = table[first]!;
      offset++;
      continue;
    }
    const decoded = decodeCodePoint(bytes, offset);
    const length = decoded & 7;
    const codePoint = decoded >> 3;
    if (length === 1 || length === 4) {
      // An invalid byte (a lone byte above 0x7f), or a supplementary character: unchanged.
      out.set(bytes.subarray(offset, offset + length), written);
      written += length;
    } else {
      written += encodeCodePoint(out, written, table[codePoint]!);
    }
    offset += length;
  }
  return written === out.length ? out : out.subarray(0, written);
}

/**
 * Whether `haystack[offset..offset + needle.length)` equals `needle` under
 * utf8mb4_general_ci without padding (MariaDB's strnncoll over a window of the needle's
 * byte length). A window that cuts a character matches only bytewise, as in MariaDB.
 */
function generalCiWindowEquals(haystack: Uint8Array, offset: number, needle: Uint8Array): boolean {
  const end = offset + needle.length;
  let left = offset;
  let right = 0;
  while (left < end && right < needle.length) {
    const leftDecoded = decodeCodePoint(haystack, left);
    const rightDecoded = decodeCodePoint(needle, right);
    const leftLength = leftDecoded & 7;
    if (left + leftLength > end) return bytesAt(haystack, left, needle.subarray(right)) && end - left === needle.length - right;
    if (generalCiWeight(leftDecoded >> 3) !== generalCiWeight(rightDecoded >> 3)) return false;
    left += leftLength;
    right += rightDecoded & 7;
  }
  return left === end && right === needle.length;
}

/**
 * MariaDB's instr: the number of characters before the first match of `needle` in
 * `haystack` (starting at byte `from`), or -1. Only character starts are tried; under a
 * case-insensitive collation each window of the needle's byte length is compared by
 * weights, so 'É' finds 'é' (same length) but 'e' does not find 'é'.
 */
function instr(haystack: Uint8Array, from: number, needle: Uint8Array, call: CallInfo): number {
  const binary = call.collation.name === 'binary';
  const caseInsensitive = call.collation.name.endsWith('_ci');
  let characters = 0;
  for (let offset = from; offset + needle.length <= haystack.length; characters++) {
    if (caseInsensitive ? generalCiWindowEquals(haystack, offset, needle) : bytesAt(haystack, offset, needle)) return characters;
    offset += characterLength(haystack, offset, binary);
  }
  return -1;
}

/**
 * LOCATE(needle, haystack[, position]) as MariaDB computes it. A position counts
 * characters but is checked against the byte length, and an empty needle answers the byte
 * offset + 1 (LOCATE('', 'ééé', 2) is 3); both are MySQL's behaviour too.
 */
function locate(needle: Uint8Array, haystack: Uint8Array, position: bigint | undefined, call: CallInfo): bigint {
  const binary = call.collation.name === 'binary';
  let start = 0;
  let startCharacters = 0n;
  if (position !== undefined) {
    if (position <= 0n || position > BigInt(haystack.length)) return 0n;
    startCharacters = position - 1n;
    start = byteOffsetAfterUnbounded(haystack, Number(startCharacters), binary);
    if (start + needle.length > haystack.length) return 0n;
  }
  if (needle.length === 0) return BigInt(start + 1);
  const found = instr(haystack, start, needle, call);
  return found < 0 ? 0n : BigInt(found) + startCharacters + 1n;
}

/** MySQL's charpos: past the end, every missing character counts as one byte. */
function byteOffsetAfterUnbounded(bytes: Uint8Array, characters: number, binary: boolean): number {
  if (binary) return characters;
  let offset = 0;
  let count = 0;
  while (count < characters && offset < bytes.length) {
    offset += characterLength(bytes, offset, false);
    count++;
  }
  return offset + (characters - count);
}

/** SUBSTRING(s, position[, length]): MySQL's positions (1-based, negative from the end). */
function substring(bytes: Uint8Array, position: bigint, length: bigint | undefined, call: CallInfo): Uint8Array {
  const binary = isBinaryType(call.type);
  if (length !== undefined && length <= 0n) return empty;
  if (position < int32Min || position > int32Max) return empty;
  const characters = position < 0n ? characterCount(bytes, binary) : 0;
  const startCharacter = position < 0n ? characters + Number(position) : Number(position) - 1;
  if (startCharacter < 0) return empty;
  const start = byteOffsetAfterUnbounded(bytes, startCharacter, binary);
  if (start >= bytes.length) return empty;
  if (length === undefined) return bytes.subarray(start);
  const end = byteOffsetAfter(bytes, start, cappedCount(length, bytes.length), binary);
  return bytes.subarray(start, end);
}

function left(bytes: Uint8Array, count: bigint, binary: boolean): Uint8Array {
  if (count <= 0n) return empty;
  if (BigInt(bytes.length) <= count) return bytes;
  return bytes.subarray(0, byteOffsetAfter(bytes, 0, Number(count), binary));
}

function right(bytes: Uint8Array, count: bigint, binary: boolean): Uint8Array {
  if (count <= 0n) return empty;
  if (BigInt(bytes.length) <= count) return bytes;
  const characters = characterCount(bytes, binary);
  if (characters <= Number(count)) return bytes;
  return bytes.subarray(byteOffsetAfter(bytes, 0, characters - Number(count), binary));
}

const trimBoth = 0n;
const trimLeading = 1n;
const trimTrailing = 2n;

/**
 * TRIM: removes whole repetitions of `remove` bytewise (case-sensitively, as MySQL does
 * whatever the collation), leading first. For valid UTF-8 a match of a valid `remove`
 * always starts on a character boundary, so bytewise is also characterwise.
 */
function trim(bytes: Uint8Array, remove: Uint8Array, direction: bigint): Uint8Array {
  if (remove.length === 0) return bytes;
  let start = 0;
  let end = bytes.length;
  if (direction !== trimTrailing) {
    while (end - start >= remove.length && bytesAt(bytes, start, remove)) start += remove.length;
  }
  if (direction !== trimLeading) {
    while (end - start >= remove.length && bytesAt(bytes, end - remove.length, remove)) end -= remove.length;
  }
  return bytes.subarray(start, end);
}

function trimSpaces(bytes: Uint8Array, leading: boolean, trailing: boolean): Uint8Array {
  let start = 0;
  let end = bytes.length;
  if (leading) while (start < end && bytes[start] === space) start++;
  if (trailing) while (end > start && bytes[end - 1] === space) end--;
  return bytes.subarray(start, end);
}

/** REPLACE: every non-overlapping occurrence, left to right, bytewise. */
function replace(context: EvalContext, bytes: Uint8Array, from: Uint8Array, to: Uint8Array): Uint8Array | null {
  if (from.length === 0) return bytes;
  let found = indexOfBytes(bytes, from, 0);
  if (found < 0) return bytes;
  const parts: Uint8Array[] = [];
  let copied = 0;
  let total = 0;
  while (found >= 0) {
    parts.push(bytes.subarray(copied, found), to);
    total += found - copied + to.length;
    if (total > stringLimits.maxResultBytes) return tooLong(context, 'replace');
    copied = found + from.length;
    found = indexOfBytes(bytes, from, copied);
  }
  parts.push(bytes.subarray(copied));
  if (total + bytes.length - copied > stringLimits.maxResultBytes) return tooLong(context, 'replace');
  return concatenate(parts);
}

function reverse(bytes: Uint8Array, binary: boolean): Uint8Array {
  const out = new Uint8Array(bytes.length);
  if (binary) {
    for (let index = 0; index < bytes.length; index++) out[bytes.length - 1 - index] = bytes[index]!;
    return out;
  }
  for (let offset = 0; offset < bytes.length; ) {
    const length = characterLength(bytes, offset, false);
    out.set(bytes.subarray(offset, offset + length), bytes.length - offset - length);
    offset += length;
  }
  return out;
}

function repeat(context: EvalContext, bytes: Uint8Array, count: bigint): Uint8Array | null {
  if (count <= 0n || bytes.length === 0) return empty;
  if (BigInt(bytes.length) * count > BigInt(stringLimits.maxResultBytes)) return tooLong(context, 'repeat');
  const times = Number(count);
  const out = new Uint8Array(bytes.length * times);
  for (let index = 0; index < times; index++) out.set(bytes, index * bytes.length);
  return out;
}

const hexDigits = Uint8Array.from(Buffer.from('0123456789ABCDEF'));

function hexOfBytes(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length * 2);
  for (let index = 0; index < bytes.length; index++) {
    out[index * 2] = hexDigits[bytes[index]! >> 4]!;
    out[index * 2 + 1] = hexDigits[bytes[index]! & 15]!;
  }
  return out;
}

/** HEX(n): the value as an unsigned 64-bit integer (-1 is 16 Fs), without leading zeros. */
function hexOfInteger(value: bigint): Uint8Array {
  let rest = BigInt.asUintN(64, value);
  let digits = 1;
  while (rest >> BigInt(digits * 4) !== 0n && digits < 16) digits++;
  const out = new Uint8Array(digits);
  for (let index = digits - 1; index >= 0; index--, rest >>= 4n) out[index] = hexDigits[Number(rest & 15n)]!;
  return out;
}

/**
 * LPAD/RPAD: `length` characters of `bytes`, padded on the left or right with repetitions
 * of `pad`, as MySQL 8 computes them: NULL for a negative length; the result bounded by
 * its bytes plus 4 (utf8mb4's longest character) per missing character; an empty pad that
 * would be needed gives '' (MariaDB gives NULL).
 */
function pad(context: EvalContext, bytes: Uint8Array, length: bigint, padding: Uint8Array, call: CallInfo, onLeft: boolean): Uint8Array | null {
  const binary = isBinaryType(call.type);
  if (length < 0n) return null;
  const characters = characterCount(bytes, binary);
  if (length <= BigInt(characters)) return bytes.subarray(0, byteOffsetAfter(bytes, 0, Number(length), binary));
  const bytesPerCharacter = binary ? 1 : stringLimits.maxBytesPerCharacter;
  if (BigInt(bytes.length) + (length - BigInt(characters)) * BigInt(bytesPerCharacter) > BigInt(stringLimits.maxResultBytes)) return tooLong(context, onLeft ? 'lpad' : 'rpad');
  const padCharacters = characterCount(padding, binary);
  if (padCharacters === 0) return empty;
  const missing = Number(length) - characters;
  const whole = Math.floor(missing / padCharacters);
  const tail = byteOffsetAfter(padding, 0, missing - whole * padCharacters, binary);
  const out = new Uint8Array(bytes.length + whole * padding.length + tail);
  let offset = onLeft ? 0 : bytes.length;
  for (let index = 0; index < whole; index++, offset += padding.length) out.set(padding, offset);
  out.set(padding.subarray(0, tail), offset);
  out.set(bytes, onLeft ? out.length - bytes.length : 0);
  return out;
}

function spaces(context: EvalContext, count: bigint): Uint8Array | null {
  if (count <= 0n) return empty;
  if (count > BigInt(stringLimits.maxResultBytes)) return tooLong(context, 'space');
  return new Uint8Array(Number(count)).fill(space);
}

/**
 * SUBSTRING_INDEX(s, delimiter, count): matching is bytewise and non-overlapping. For text
 * a negative count takes the matches found left to right; for a binary string they are
 * found right to left, so 'aaa', 'aa', -1 gives 'a' as text and '' as bytes (MySQL and
 * MariaDB alike). A count outside the 32-bit range returns the whole string, as MySQL 8
 * does (MariaDB truncates the count to 32 bits: 4294967297 counts as 1).
 */
function substringIndex(bytes: Uint8Array, delimiter: Uint8Array, countValue: bigint, binary: boolean): Uint8Array {
  if (bytes.length === 0 || delimiter.length === 0 || countValue === 0n) return empty;
  if (countValue < int32Min || countValue > int32Max) return bytes;
  const count = Number(countValue);
  if (count > 0) {
    let remaining = count;
    for (let found = indexOfBytes(bytes, delimiter, 0); found >= 0; found = indexOfBytes(bytes, delimiter, found + delimiter.length)) {
      if (--remaining === 0) return bytes.subarray(0, found);
    }
    return bytes;
  }
  if (binary) {
    let remaining = -count;
    for (let end = bytes.length; end >= delimiter.length; ) {
      const found = lastIndexOfBytes(bytes, delimiter, end);
      if (found < 0) break;
      if (--remaining === 0) return bytes.subarray(found + delimiter.length);
      end = found;
    }
    return bytes;
  }
  const matches: number[] = [];
  for (let found = indexOfBytes(bytes, delimiter, 0); found >= 0; found = indexOfBytes(bytes, delimiter, found + delimiter.length)) matches.push(found);
  const wanted = matches.length + count;
  if (wanted < 0) return bytes;
  return bytes.subarray(matches[wanted]! + delimiter.length);
}

/** The last byte offset where `needle` occurs ending at or before `end`, or -1. */
function lastIndexOfBytes(haystack: Uint8Array, needle: Uint8Array, end: number): number {
  for (let offset = end - needle.length; offset >= 0; offset--) if (bytesAt(haystack, offset, needle)) return offset;
  return -1;
}

function asBytes(value: ScalarValue | null | undefined): Uint8Array {
  return value as Uint8Array;
}

function asInt(value: ScalarValue | null | undefined): bigint {
  return value as bigint;
}

defineScalar({ sig: Sig.Length, name: 'length', args: ['bytes'], returns: 'int', row: (_context, [value]) => BigInt(asBytes(value).length) });
defineScalar({
  sig: Sig.CharLength,
  name: 'char_length',
  args: ['bytes'],
  returns: 'int',
  row: (_context, [value], call) => BigInt(characterCount(asBytes(value), isBinaryType(call.args[0]!))),
});

defineScalar({
  sig: Sig.Concat,
  name: 'concat',
  args: { each: () => 'bytes', min: 1 },
  returns: 'bytes',
  row: (context, args) => {
    const parts = args as readonly Uint8Array[];
    if (parts.length === 1) return parts[0]!;
    let total = 0;
    for (const part of parts) total += part.length;
    return total > stringLimits.maxResultBytes ? tooLong(context, 'concat') : concatenate(parts);
  },
});

// CONCAT_WS skips NULL arguments; only a NULL separator makes it NULL.
defineScalar({
  sig: Sig.ConcatWs,
  name: 'concat_ws',
  args: { each: () => 'bytes', min: 2 },
  returns: 'bytes',
  nullTolerant: true,
  row: (context, [separator, ...args]) => {
    if (separator === null) return null;
    const parts = args.filter((arg) => arg !== null) as Uint8Array[];
    let total = asBytes(separator!).length * Math.max(0, parts.length - 1);
    for (const part of parts) total += part.length;
    return total > stringLimits.maxResultBytes ? tooLong(context, 'concat_ws') : concatenate(parts, asBytes(separator!));
  },
});

// A binary string has no case: UPPER and LOWER return it unchanged, as in MySQL.
defineScalar({ sig: Sig.Lower, name: 'lower', args: ['bytes'], returns: 'bytes', row: (_context, [value], call) => (isBinaryType(call.type) ? asBytes(value) : mapCase(asBytes(value), lowerTable)) });
defineScalar({ sig: Sig.Upper, name: 'upper', args: ['bytes'], returns: 'bytes', row: (_context, [value], call) => (isBinaryType(call.type) ? asBytes(value) : mapCase(asBytes(value), upperTable)) });

defineScalar({ sig: Sig.Substring2Args, name: 'substring', args: ['bytes', 'int'], returns: 'bytes', row: (_context, [value, position], call) => substring(asBytes(value), asInt(position), undefined, call) });
defineScalar({
  sig: Sig.Substring3Args,
  name: 'substring',
  args: ['bytes', 'int', 'int'],
  returns: 'bytes',
  row: (_context, [value, position, length], call) => substring(asBytes(value), asInt(position), asInt(length), call),
});
defineScalar({ sig: Sig.Left, name: 'left', args: ['bytes', 'int'], returns: 'bytes', row: (_context, [value, count], call) => left(asBytes(value), asInt(count), isBinaryType(call.type)) });
defineScalar({ sig: Sig.Right, name: 'right', args: ['bytes', 'int'], returns: 'bytes', row: (_context, [value, count], call) => right(asBytes(value), asInt(count), isBinaryType(call.type)) });

defineScalar({ sig: Sig.Trim1Arg, name: 'trim', args: ['bytes'], returns: 'bytes', row: (_context, [value]) => trimSpaces(asBytes(value), true, true) });
defineScalar({ sig: Sig.Trim2Args, name: 'trim', args: ['bytes', 'bytes'], returns: 'bytes', row: (_context, [value, remove]) => trim(asBytes(value), asBytes(remove), trimBoth) });
// TRIM(LEADING|TRAILING|BOTH r FROM s): the direction is 1 (LEADING), 2 (TRAILING) or 0 (BOTH).
defineScalar({
  sig: Sig.Trim3Args,
  name: 'trim',
  args: ['bytes', 'bytes', 'int'],
  returns: 'bytes',
  row: (_context, [value, remove, direction]) => trim(asBytes(value), asBytes(remove), asInt(direction)),
});
defineScalar({ sig: Sig.LTrim, name: 'ltrim', args: ['bytes'], returns: 'bytes', row: (_context, [value]) => trimSpaces(asBytes(value), true, false) });
defineScalar({ sig: Sig.RTrim, name: 'rtrim', args: ['bytes'], returns: 'bytes', row: (_context, [value]) => trimSpaces(asBytes(value), false, true) });

defineScalar({
  sig: Sig.Replace,
  name: 'replace',
  args: ['bytes', 'bytes', 'bytes'],
  returns: 'bytes',
  row: (context, [value, from, to]) => replace(context, asBytes(value), asBytes(from), asBytes(to)),
});

// LOCATE(needle, haystack[, position]) and INSTR(haystack, needle); the result type's
// collation is the one they compare with.
defineScalar({ sig: Sig.Locate2Args, name: 'locate', args: ['bytes', 'bytes'], returns: 'int', row: (_context, [needle, haystack], call) => locate(asBytes(needle), asBytes(haystack), undefined, call) });
defineScalar({
  sig: Sig.Locate3Args,
  name: 'locate',
  args: ['bytes', 'bytes', 'int'],
  returns: 'int',
  row: (_context, [needle, haystack, position], call) => locate(asBytes(needle), asBytes(haystack), asInt(position), call),
});
defineScalar({ sig: Sig.Instr, name: 'instr', args: ['bytes', 'bytes'], returns: 'int', row: (_context, [haystack, needle], call) => locate(asBytes(needle), asBytes(haystack), undefined, call) });

defineScalar({
  sig: Sig.Strcmp,
  name: 'strcmp',
  args: ['bytes', 'bytes'],
  returns: 'int',
  row: (_context, [leftValue, rightValue], call) => BigInt(Math.sign(call.collation.compareBytes(asBytes(leftValue), asBytes(rightValue)))),
});

defineScalar({ sig: Sig.Reverse, name: 'reverse', args: ['bytes'], returns: 'bytes', row: (_context, [value], call) => reverse(asBytes(value), isBinaryType(call.type)) });
defineScalar({ sig: Sig.Repeat, name: 'repeat', args: ['bytes', 'int'], returns: 'bytes', row: (context, [value, count]) => repeat(context, asBytes(value), asInt(count)) });
// ASCII: the first byte (not character), 0 for the empty string.
defineScalar({ sig: Sig.Ascii, name: 'ascii', args: ['bytes'], returns: 'int', row: (_context, [value]) => BigInt(asBytes(value)[0] ?? 0) });
defineScalar({ sig: Sig.HexStringArg, name: 'hex', args: ['bytes'], returns: 'bytes', row: (_context, [value]) => hexOfBytes(asBytes(value)) });
defineScalar({ sig: Sig.HexIntArg, name: 'hex', args: ['int'], returns: 'bytes', row: (_context, [value]) => hexOfInteger(asInt(value)) });
defineScalar({
  sig: Sig.LPad,
  name: 'lpad',
  args: ['bytes', 'int', 'bytes'],
  returns: 'bytes',
  row: (context, [value, length, padding], call) => pad(context, asBytes(value), asInt(length), asBytes(padding), call, true),
});
defineScalar({
  sig: Sig.RPad,
  name: 'rpad',
  args: ['bytes', 'int', 'bytes'],
  returns: 'bytes',
  row: (context, [value, length, padding], call) => pad(context, asBytes(value), asInt(length), asBytes(padding), call, false),
});
defineScalar({ sig: Sig.Space, name: 'space', args: ['int'], returns: 'bytes', row: (context, [count]) => spaces(context, asInt(count)) });
defineScalar({
  sig: Sig.SubstringIndex,
  name: 'substring_index',
  args: ['bytes', 'bytes', 'int'],
  returns: 'bytes',
  row: (_context, [value, delimiter, count], call) => substringIndex(asBytes(value), asBytes(delimiter), asInt(count), isBinaryType(call.type)),
});
