/**
 * CAST between every pair of evaluation types (49 signatures, `CastXAsY`), for explicit
 * CAST/CONVERT and the conversions the planner inserts. The target is the call's result
 * type: its Unsigned flag, DECIMAL precision and scale, fsp, charset and (for an explicit
 * CHAR(n)/BINARY(n), typed CHAR) length.
 *
 * MySQL 8 is followed where it differs from MariaDB on values: fractional seconds round
 * (MariaDB truncates) when a time loses digits or becomes a number, and BINARY(n) cuts
 * bytes (MariaDB cuts characters). Elsewhere MariaDB's answers and warnings are matched
 * (doubles to integers round half to even, as rint does in both; out-of-range values
 * clamp with a warning).
 */
import { ScalarFuncSig as Sig } from '../../../proto/gen/dagpb.js';
import { int64Max, int64Min, uint64Max } from '../../codec/number.js';
import { Decimal, DecimalError } from '../../types/decimal.js';
import { type FieldType, FieldTypeCode, isBinaryString } from '../../types/field-type.js';
import { formatJson, formatJsonDouble, JsonSyntaxError, type JsonValue, parseJson, quoteJsonString } from '../../types/json-text.js';
import { parseDecimalPrefix, parseIntegerPrefix, parseRealPrefix } from '../../types/number-text.js';
import { datetimeFromNumber, durationFromNumber, durationFromParts, parseDatetimeText, parseDurationText } from '../../types/temporal-text.js';
import { Duration, MysqlTime, TimeError, type TimeType } from '../../types/time.js';
import { type EvalContext, ExprError } from '../context.js';
import { type EvalType, fspOf, isUnsignedType, timeTypeOf } from '../eval-type.js';
import type { ScalarValue } from '../expr.js';
import { formatValue } from '../format-value.js';
import { type CallInfo, defineScalar } from '../function.js';
import { decodeCodePoint, replacementCharacter } from './utf8.js';

/** MySQL codes CAST raises or warns with. */
export const CastErrorCode = {
  /** ER_TRUNCATED_WRONG_VALUE: "Truncated incorrect INTEGER value: '12abc'", "Incorrect datetime value: 'x'". */
  truncatedWrongValue: 1292,
  /** ER_WARN_DATA_OUT_OF_RANGE: "Out of range value for column '...' at row 1". */
  outOfRange: 1264,
  /** ER_UNKNOWN_ERROR, MySQL's note for a reinterpreted sign ("Cast to unsigned converted negative integer ..."). */
  signReinterpreted: 1105,
  /** ER_INVALID_CHARACTER_STRING: "Invalid utf8mb4 character string: '\xFF'". */
  invalidCharacterString: 1300,
  /** MariaDB's ER_DATA_OVERFLOW: "Got overflow when converting '1e20' to UNSIGNED BIGINT. Value truncated". */
  overflow: 1916,
  /** ER_INVALID_JSON_TEXT_IN_PARAM. */
  invalidJsonText: 3141,
  /** ER_NUMERIC_JSON_VALUE_OUT_OF_RANGE: a JSON number or numeric string past the target's range. */
  jsonValueOutOfRange: 3155,
  /** ER_INVALID_JSON_VALUE_FOR_CAST. */
  invalidJsonValueForCast: 3156,
  /** ER_JSON_DOCUMENT_TOO_DEEP: "The JSON document exceeds the maximum depth 100." */
  jsonTooDeep: 3157,
} as const;

/** The largest FLOAT, FLT_MAX. */
const floatMax = 3.4028234663852886e38;

/** A DOUBLE without fixed decimals: how doubles show in messages. */
const doubleType: FieldType = { code: FieldTypeCode.Double, flags: 0, length: -1, decimals: -1, charset: 'binary', collation: 'binary' };

const utf8 = new TextDecoder('utf-8');
const encoder = new TextEncoder();

function text(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

function warnTruncated(context: EvalContext, typeName: string, shown: string): void {
  context.warn(CastErrorCode.truncatedWrongValue, `Truncated incorrect ${typeName} value: '${shown}'`);
}

// ---------------------------------------------------------------------------------------
// To integers.

/** An int64/uint64 bit pattern as the target reads it. */
function asTarget(value: bigint, call: CallInfo): bigint {
  return isUnsignedType(call.type) ? BigInt.asUintN(64, value) : BigInt.asIntN(64, value);
}

/** MySQL's note when CAST AS UNSIGNED reads a negative number as its 64-bit pattern. */
function noteNegativeAsUnsigned(context: EvalContext): void {
  context.warn(CastErrorCode.signReinterpreted, "Cast to unsigned converted negative integer to it's positive complement");
}

function intFromInt(context: EvalContext, value: bigint, call: CallInfo): bigint {
  if (isUnsignedType(call.type) && value < 0n) noteNegativeAsUnsigned(context);
  return asTarget(value, call);
}

/**
 * A double to an integer as MariaDB's Converter_double_to_longlong: rint (half to even),
 * then clamped to the target's range with warning 1916.
 */
export function intFromReal(context: EvalContext, value: number, unsigned: boolean): bigint {
  const rounded = roundHalfEven(value);
  const overflow = (limit: bigint): bigint => {
    context.warn(CastErrorCode.overflow, `Got overflow when converting '${formatValue(value, doubleType)}' to ${unsigned ? 'UNSIGNED' : 'SIGNED'} BIGINT. Value truncated`);
    return limit;
  };
  // A NaN has no integer value; it reaches here only from a bad double upstream.
  if (Number.isNaN(rounded)) return overflow(0n);
  if (unsigned) {
    if (rounded < 0) return overflow(0n);
    // 2^64 itself does not fit (MariaDB compares with (double) ULONGLONG_MAX, which is 2^64).
    if (rounded >= 2 ** 64) return overflow(uint64Max);
    return BigInt(rounded);
  }
  // 2^63 clamps without a warning: MariaDB compares with (double) LONGLONG_MAX, which is 2^63.
  if (rounded <= -(2 ** 63)) return rounded < -(2 ** 63) ? overflow(int64Min) : int64Min;
  if (rounded >= 2 ** 63) return rounded > 2 ** 63 ? overflow(int64Max) : int64Max;
  return BigInt(rounded);
}

function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const difference = value - floor;
  if (difference > 0.5) return floor + 1;
  if (difference < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** A decimal to an integer: half away from zero, clamped to the target's range with warning 1916. */
export function intFromDecimal(context: EvalContext, value: Decimal, unsigned: boolean): bigint {
  const rounded = value.round(0, 'half-up').toBigInt();
  const [min, max] = unsigned ? [0n, uint64Max] : [int64Min, int64Max];
  if (rounded >= min && rounded <= max) return rounded;
  context.warn(CastErrorCode.overflow, `Got overflow when converting '${value.toString()}' to ${unsigned ? 'UNSIGNED INT' : 'INT'}. Value truncated`);
  return rounded < min ? min : max;
}

/**
 * Text to an integer as MySQL's CAST(... AS SIGNED/UNSIGNED): the integer prefix
 * ('1.9' is 1, '1e3' is 1) with warning 1292 when anything else is there or it
 * overflowed; the 64-bit result read as the target's sign, with MySQL's note when that
 * reinterprets it.
 */
export function intFromText(context: EvalContext, source: string, unsigned: boolean): bigint {
  const parsed = parseIntegerPrefix(source);
  if (parsed.truncated || parsed.overflow) warnTruncated(context, 'INTEGER', source);
  if (!parsed.overflow) {
    // '-0' too: my_strtoll10 reports any '-' before digits.
    if (unsigned && parsed.negative) noteNegativeAsUnsigned(context);
    if (!unsigned && parsed.value > int64Max) context.warn(CastErrorCode.signReinterpreted, "Cast to signed converted positive out-of-range integer to it's negative complement");
  }
  return unsigned ? BigInt.asUintN(64, parsed.value) : BigInt.asIntN(64, parsed.value);
}

/** The digits of a time as a number, YYYYMMDD[HHMMSS] (MySQL's TIME_to_ulonglong). */
function timeDigits(value: MysqlTime): bigint {
  const date = BigInt(value.year * 10000 + value.month * 100 + value.day);
  if (value.type === 'date') return date;
  return date * 1000000n + BigInt(value.hour * 10000 + value.minute * 100 + value.second);
}

/**
 * A time rounded to whole seconds (MySQL 8's TIME_to_ulonglong_datetime_round). A carry
 * past 9999-12-31 23:59:59 keeps the seconds as they are: `timeDigits` ignores the fraction.
 */
function roundedToSeconds(value: MysqlTime): MysqlTime {
  if (value.type === 'date' || value.microsecond < 500_000) return value;
  try {
    return value.roundToFsp(0);
  } catch (error) {
    if (error instanceof TimeError) return value;
    throw error;
  }
}

/** ±HHMMSS of a TIME whose |value| is `seconds` whole seconds. */
function durationDigits(negative: boolean, seconds: bigint): bigint {
  const hours = seconds / 3600n;
  const minutes = (seconds / 60n) % 60n;
  const digits = hours * 10000n + minutes * 100n + (seconds % 60n);
  return negative ? -digits : digits;
}

function durationAsInt(value: Duration): bigint {
  const negative = value.nanoseconds < 0n;
  const magnitude = negative ? -value.nanoseconds : value.nanoseconds;
  // Half away from zero to whole seconds (MySQL 8; MariaDB truncates).
  const seconds = (magnitude + 500_000_000n) / 1_000_000_000n;
  return durationDigits(negative, seconds);
}

// ---------------------------------------------------------------------------------------
// To decimals.

/**
 * A decimal fitted to DECIMAL(precision, scale): rounded half-up to the scale, and past
 * the precision clamped to the largest value of that sign with warning 1264, as MySQL
 * does for CAST. A type without precision or scale leaves the value as it is.
 */
function fitDecimal(context: EvalContext, value: Decimal, type: FieldType): Decimal {
  const precision = type.length;
  const scale = type.decimals;
  if (precision <= 0 || scale < 0 || scale > 30 || precision > 65) return value;
  const rounded = value.round(scale, 'half-up');
  if (rounded.integerDigits <= precision - scale) return rounded;
  return clampedDecimal(context, value.isNegative(), type, value.toString());
}

function clampedDecimal(context: EvalContext, negative: boolean, type: FieldType, shown: string): Decimal {
  const precision = Math.min(Math.max(type.length, 1), 65);
  const scale = Math.max(0, Math.min(type.decimals, 30, precision));
  const largest = Decimal.fromScaled(10n ** BigInt(precision) - 1n, scale);
  context.warn(CastErrorCode.outOfRange, `Out of range value for column 'CAST(${shown} AS DECIMAL(${precision},${scale}))' at row 1`);
  return negative ? largest.negate() : largest;
}

function decimalFromReal(context: EvalContext, value: number, type: FieldType): Decimal {
  if (Number.isFinite(value)) {
    try {
      return fitDecimal(context, Decimal.fromNumber(value), type);
    } catch (error) {
      if (!(error instanceof DecimalError && error.kind === 'overflow')) throw error;
    }
  }
  // More than 65 digits before the point, or an infinity: as large as the type allows. A
  // NaN (only a bad double upstream makes one) has no value to clamp and becomes zero.
  const shown = formatValue(value, doubleType)!;
  context.warn(CastErrorCode.overflow, `Got overflow when converting '${shown}' to DECIMAL. Value truncated`);
  if (Number.isNaN(value)) return fitDecimal(context, Decimal.zero, type);
  return clampedDecimal(context, value < 0, type, shown);
}

/** Text to DECIMAL as CAST reads it: the numeric prefix, warning 1292 for the rest, fitted to the type. */
export function decimalFromText(context: EvalContext, source: string, type: FieldType): Decimal {
  const parsed = parseDecimalPrefix(source);
  if (parsed.overflow) return clampedDecimal(context, parsed.value.isNegative(), type, source);
  if (parsed.truncated) warnTruncated(context, 'DECIMAL', source);
  return fitDecimal(context, parsed.value, type);
}

/** YYYYMMDDHHMMSS.ffffff of a time (its fsp digits), as MySQL's TIME_to_decimal. */
function timeAsDecimal(value: MysqlTime): Decimal {
  const digits = timeDigits(value);
  if (value.type === 'date' || value.fsp === 0) return Decimal.fromBigInt(digits);
  const fraction = BigInt(Math.floor(value.microsecond / 10 ** (6 - value.fsp)));
  return Decimal.fromScaled(digits * 10n ** BigInt(value.fsp) + fraction, value.fsp);
}

/** ±HHMMSS.ffffff of a TIME (its fsp digits). */
function durationAsDecimal(value: Duration): Decimal {
  const { negative, hours, minutes, seconds, microseconds } = value.parts();
  const digits = BigInt(hours * 10000 + minutes * 100 + seconds);
  const fraction = BigInt(Math.floor(microseconds / 10 ** (6 - value.fsp)));
  const magnitude = Decimal.fromScaled(digits * 10n ** BigInt(value.fsp) + fraction, value.fsp);
  return negative ? magnitude.negate() : magnitude;
}

// ---------------------------------------------------------------------------------------
// To reals.

/** A double as the target type holds it: a FLOAT is single precision, clamped to ±FLT_MAX with warning 1264. */
function fitReal(context: EvalContext, value: number, type: FieldType): number {
  if (type.code !== FieldTypeCode.Float) return value;
  if (Math.abs(value) > floatMax) {
    context.warn(CastErrorCode.outOfRange, `Out of range value for column 'CAST(${formatValue(value, doubleType)} AS FLOAT)' at row 1`);
    return value < 0 ? -floatMax : floatMax;
  }
  return Math.fround(value);
}

/** Text to DOUBLE as CAST reads it: the numeric prefix, warning 1292 for the rest or an overflow. */
export function realFromText(context: EvalContext, source: string): number {
  const parsed = parseRealPrefix(source);
  if (parsed.truncated || parsed.overflow) warnTruncated(context, 'DOUBLE', source);
  return parsed.value;
}

// ---------------------------------------------------------------------------------------
// To strings.

/** '\xFF' and what follows, as MySQL shows bytes that are not UTF-8 in warning 1300. */
function shownInvalidBytes(bytes: Uint8Array, offset: number): string {
  let out = '';
  for (let index = offset; index < Math.min(bytes.length, offset + 8); index++) {
    const byte = bytes[index]!;
    out += byte >= 0x20 && byte < 0x7f && index !== offset ? String.fromCharCode(byte) : `\\x${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * Binary bytes as UTF-8 text: each byte that does not start a valid sequence becomes '?'
 * with warning 1300 (once per value), as MariaDB converts binary strings to utf8mb4. The
 * warning shows the bytes of `source` (what `bytes` was cut from) at the first bad one.
 */
function validUtf8(context: EvalContext, bytes: Uint8Array, source: Uint8Array = bytes): Uint8Array {
  let firstInvalid = 0;
  while (firstInvalid < bytes.length) {
    const length = validSequenceLength(bytes, firstInvalid);
    if (length === 0) break;
    firstInvalid += length;
  }
  if (firstInvalid === bytes.length) return bytes;
  context.warn(CastErrorCode.invalidCharacterString, `Invalid utf8mb4 character string: '${shownInvalidBytes(source, firstInvalid)}'`);
  // Each bad byte becomes one '?', so the result is never longer than the input.
  const out = new Uint8Array(bytes.length);
  out.set(bytes.subarray(0, firstInvalid));
  let written = firstInvalid;
  for (let offset = firstInvalid; offset < bytes.length; ) {
    const length = validSequenceLength(bytes, offset);
    if (length === 0) {
      out[written++] = 0x3f;
      offset++;
    } else {
      out.set(bytes.subarray(offset, offset + length), written);
      written += length;
      offset += length;
    }
  }
  return out.subarray(0, written);
}

/** The length of the valid UTF-8 sequence at `offset`; 0 when none starts there. */
function validSequenceLength(bytes: Uint8Array, offset: number): number {
  const decoded = decodeCodePoint(bytes, offset);
  const length = decoded & 7;
  // A bad byte decodes as a one-byte U+FFFD; a real U+FFFD takes three.
  return decoded >> 3 === replacementCharacter && length === 1 ? 0 : length;
}

/** Where the first `characters` characters of binary bytes end (a byte that starts no UTF-8 sequence counts as one). */
function binaryCharactersEnd(bytes: Uint8Array, characters: number): number {
  let offset = 0;
  for (let count = 0; count < characters && offset < bytes.length; count++) offset += Math.max(validSequenceLength(bytes, offset), 1);
  return Math.min(offset, bytes.length);
}

/**
 * The string result in the target type: binary targets keep bytes, text targets get
 * valid UTF-8; an explicit CHAR(n) (typed CHAR) keeps n characters and BINARY(n) n
 * bytes, padded with NUL bytes, with warning 1292 when something was cut.
 */
function finishString(context: EvalContext, bytes: Uint8Array, call: CallInfo, sourceBinary: boolean): Uint8Array {
  const binary = isBinaryString(call.type);
  const length = call.type.length;
  const fixedLength = call.type.code === FieldTypeCode.String && length >= 0;
  if (!binary && sourceBinary) {
    // CHAR(n) of binary bytes converts only its first n characters, so bytes cut away are
    // never checked as UTF-8 (CAST(x'00FF' AS CHAR(1)) warns only that it was cut); the
    // cut is reported after the conversion's warning, as MariaDB orders them.
    const end = fixedLength ? binaryCharactersEnd(bytes, length) : bytes.length;
    const value = validUtf8(context, bytes.subarray(0, end), bytes);
    if (end < bytes.length) warnTruncated(context, `CHAR(${length})`, text(bytes));
    return value;
  }
  if (!fixedLength) return bytes;
  if (binary) {
    if (bytes.length > length) {
      warnTruncated(context, `BINARY(${length})`, text(bytes));
      return bytes.slice(0, length);
    }
    if (bytes.length === length) return bytes;
    const padded = new Uint8Array(length);
    padded.set(bytes);
    return padded;
  }
  const decoded = text(bytes);
  const characters = [...decoded];
  if (characters.length <= length) return bytes;
  warnTruncated(context, `CHAR(${length})`, decoded);
  return encoder.encode(characters.slice(0, length).join(''));
}

// ---------------------------------------------------------------------------------------
// To times and durations.

function targetTime(call: CallInfo): { timeType: TimeType; fsp: number } {
  const timeType = timeTypeOf(call.type);
  return { timeType, fsp: timeType === 'date' ? 0 : fspOf(call.type) };
}

function incorrectDatetime(context: EvalContext, shown: string): null {
  context.warn(CastErrorCode.truncatedWrongValue, `Incorrect datetime value: '${shown}'`);
  return null;
}

function incorrectTime(context: EvalContext, shown: string): null {
  context.warn(CastErrorCode.truncatedWrongValue, `Incorrect time value: '${shown}'`);
  return null;
}

function timeFromText(context: EvalContext, source: string, call: CallInfo): MysqlTime | null {
  const { timeType, fsp } = targetTime(call);
  const parsed = parseDatetimeText(source, timeType, fsp);
  if (parsed === undefined) return incorrectDatetime(context, source);
  if (parsed.truncated) warnTruncated(context, timeType === 'date' ? 'date' : 'datetime', source);
  return parsed.value;
}

interface SplitNumber {
  /** The integer part, toward zero. */
  readonly integer: bigint;
  /** The fraction in microseconds, rounded half-up on the seventh digit (it may reach ±1000000), with the number's sign. */
  readonly microsecond: number;
}

function splitDecimal(value: Decimal): SplitNumber {
  const integer = value.toBigInt();
  const fraction = value.sub(Decimal.fromBigInt(integer)).round(6, 'half-up');
  return { integer, microsecond: Number(fraction.coefficient * 10n ** BigInt(6 - fraction.scale)) };
}

/** An integer part past every date and time, for an infinite double. */
const beyondTemporalRange = 10n ** 20n;

/**
 * A double split like a decimal; past 2^53 it has no fraction (and may be past DECIMAL's
 * 65 digits). An infinity is a number past every date and time; a NaN (only a bad double
 * upstream makes one) is no number at all (undefined).
 */
function splitReal(value: number): SplitNumber | undefined {
  if (Number.isNaN(value)) return undefined;
  if (!Number.isFinite(value)) return { integer: value < 0 ? -beyondTemporalRange : beyondTemporalRange, microsecond: 0 };
  if (Math.abs(value) >= 2 ** 53) return { integer: BigInt(Math.trunc(value)), microsecond: 0 };
  return splitDecimal(Decimal.fromNumber(value));
}

/** `source` is the number as given, shown in the warnings (formatted only when one is raised). */
function timeFromNumber(context: EvalContext, value: SplitNumber | undefined, source: ScalarValue, call: CallInfo): MysqlTime | null {
  if (value === undefined) return incorrectDatetime(context, sourceText(source, call));
  const { timeType, fsp } = targetTime(call);
  const time = value.integer < 0n || value.microsecond < 0 ? undefined : datetimeFromNumber(value.integer, value.microsecond, timeType, fsp);
  if (time === undefined) return incorrectDatetime(context, sourceText(source, call));
  // A DATE has no place for the fraction (CAST(20200229.5 AS DATE)): MariaDB notes it is dropped.
  if (timeType === 'date' && value.microsecond !== 0) warnTruncated(context, 'date', sourceText(source, call));
  return time;
}

/** `source` is the number as given, shown in the warnings (formatted only when one is raised). */
function durationFromNumeric(context: EvalContext, value: SplitNumber | undefined, source: ScalarValue, call: CallInfo): Duration | null {
  if (value === undefined) return incorrectTime(context, sourceText(source, call));
  const { integer, microsecond } = value;
  const result = durationFromNumber(integer, microsecond, fspOf(call.type));
  if (result === undefined) return incorrectTime(context, sourceText(source, call));
  if (result.clamped) warnTruncated(context, 'time', sourceText(source, call));
  return result.value;
}

function durationFromText(context: EvalContext, source: string, call: CallInfo): Duration | null {
  const parsed = parseDurationText(source, fspOf(call.type));
  if (parsed === undefined) return incorrectTime(context, source);
  if (parsed.truncated || parsed.clamped) warnTruncated(context, 'time', source);
  return parsed.value;
}

function timeFromTime(context: EvalContext, value: MysqlTime, call: CallInfo): MysqlTime | null {
  const { timeType, fsp } = targetTime(call);
  try {
    return value.withType(timeType, fsp);
  } catch (error) {
    if (error instanceof TimeError) return incorrectDatetime(context, value.toString());
    throw error;
  }
}

function durationFromTime(value: MysqlTime, call: CallInfo): Duration {
  const seconds = value.hour * 3600 + value.minute * 60 + value.second;
  return durationFromParts(false, seconds, value.microsecond, fspOf(call.type)).value;
}

/**
 * Today's date for TIME → DATETIME, which MySQL takes from the statement's current date:
 * the context's `statementTime`, or without one the system clock at the context's time
 * zone. Either way the result depends on the clock, so the signature is not pushable.
 */
function currentDate(context: EvalContext): MysqlTime {
  if (context.statementTime !== undefined) return context.statementTime.toDate();
  return MysqlTime.fromUnixMicroseconds(BigInt(Date.now()) * 1000n, 'date', 0, context.timeZoneOffsetSeconds);
}

function timeFromDuration(context: EvalContext, value: Duration, call: CallInfo): MysqlTime | null {
  const midnight = currentDate(context).withType('datetime', 6);
  const moved = midnight.addMicroseconds(value.nanoseconds / 1000n);
  if (moved === undefined) return incorrectDatetime(context, value.toString());
  return timeFromTime(context, moved, call);
}

function durationFromDuration(value: Duration, call: CallInfo): Duration {
  const fsp = fspOf(call.type);
  if (value.fsp <= fsp) return Duration.fromNanoseconds(value.nanoseconds, fsp);
  const magnitude = value.nanoseconds < 0n ? -value.nanoseconds : value.nanoseconds;
  const seconds = Number(magnitude / 1_000_000_000n);
  const microsecond = Number((magnitude % 1_000_000_000n) / 1000n);
  return durationFromParts(value.nanoseconds < 0n, seconds, microsecond, fsp).value;
}

// ---------------------------------------------------------------------------------------
// JSON.

const jsonTypeNames: Readonly<Record<EvalType, string>> = {
  int: 'INTEGER',
  real: 'DOUBLE',
  decimal: 'DECIMAL',
  bytes: 'STRING',
  time: 'DATETIME',
  duration: 'TIME',
  json: 'JSON',
};

function invalidJsonForCast(context: EvalContext, target: EvalType): null {
  context.warn(CastErrorCode.invalidJsonValueForCast, `Invalid JSON value for CAST to ${jsonTypeNames[target]} from column json at row 1`);
  return null;
}

function jsonOutOfRange(context: EvalContext, target: EvalType): void {
  context.warn(CastErrorCode.jsonValueOutOfRange, `Out of range JSON value for CAST to ${jsonTypeNames[target]} from column json at row 1`);
}

/*
 * A JSON string read as a number warns as MySQL's Json_wrapper::coerce_int/real/decimal
 * do, not as plain text: 3156 when more than the number is there (for an integer or a
 * double trailing spaces too, which my_strtoll10 and my_strntod stop at), 3155 when it
 * is out of range.
 */

function intFromJsonString(context: EvalContext, source: string, call: CallInfo): bigint {
  const parsed = parseIntegerPrefix(source);
  if (parsed.overflow) jsonOutOfRange(context, 'int');
  else if (parsed.truncated) invalidJsonForCast(context, 'int');
  return asTarget(parsed.value, call);
}

function realFromJsonString(context: EvalContext, source: string): number {
  const parsed = parseRealPrefix(source);
  if (parsed.overflow) jsonOutOfRange(context, 'real');
  else if (parsed.truncated || (source.length > 0 && source.trimEnd().length !== source.length)) invalidJsonForCast(context, 'real');
  return parsed.value;
}

function decimalFromJsonString(context: EvalContext, source: string, type: FieldType): Decimal {
  const parsed = parseDecimalPrefix(source);
  if (parsed.overflow) jsonOutOfRange(context, 'decimal');
  else if (parsed.truncated) invalidJsonForCast(context, 'decimal');
  return fitDecimal(context, parsed.value, type);
}

/**
 * A JSON double as an integer, as coerce_int reads it (the logic of Field_double::val_int):
 * rint within int64, and at or past its bounds the bound with warning 3155, for either
 * target sign.
 */
function intFromJsonDouble(context: EvalContext, value: number, call: CallInfo): bigint {
  if (value > -(2 ** 63) && value < 2 ** 63) return asTarget(BigInt(roundHalfEven(value)), call);
  jsonOutOfRange(context, 'int');
  return asTarget(value < 0 ? int64Min : int64Max, call);
}

function readJson(bytes: Uint8Array): JsonValue {
  try {
    return parseJson(text(bytes));
  } catch (error) {
    // A JSON value in the engine is always normalized text; anything else is a bug upstream.
    if (error instanceof JsonSyntaxError) throw new ExprError(CastErrorCode.invalidJsonText, `Invalid JSON text: "${error.reason}" at position ${error.position}.`);
    throw error;
  }
}

function textAsJson(bytes: Uint8Array, call: CallInfo): Uint8Array {
  const argument = call.args[0]!;
  if (isBinaryString(argument)) {
    // MySQL keeps binary strings as opaque values, printed base64 with the source's type code.
    return encoder.encode(quoteJsonString(`base64:type${argument.code === FieldTypeCode.VarString ? FieldTypeCode.Varchar : argument.code}:${Buffer.from(bytes).toString('base64')}`));
  }
  try {
    return encoder.encode(formatJson(parseJson(text(bytes))));
  } catch (error) {
    if (error instanceof JsonSyntaxError && error.tooDeep) throw new ExprError(CastErrorCode.jsonTooDeep, error.reason);
    if (error instanceof JsonSyntaxError) {
      throw new ExprError(CastErrorCode.invalidJsonText, `Invalid JSON text in argument 1 to function cast_as_json: "${error.reason}" at position ${error.position}.`);
    }
    throw error;
  }
}

function temporalJson(textValue: string): Uint8Array {
  return encoder.encode(quoteJsonString(textValue));
}

// ---------------------------------------------------------------------------------------
// Registration.

type Row = (context: EvalContext, value: ScalarValue, call: CallInfo) => ScalarValue | null;

function defineCast(from: EvalType, to: EvalType, sig: Sig, row: Row, pushable = true): void {
  defineScalar({
    sig,
    name: 'cast',
    args: [from],
    returns: to,
    pushable,
    row: (context, [value], call) => row(context, value!, call),
  });
}

const asBigint = (value: ScalarValue): bigint => value as bigint;
const asNumber = (value: ScalarValue): number => value as number;
const asDecimal = (value: ScalarValue): Decimal => value as Decimal;
const asBytes = (value: ScalarValue): Uint8Array => value as Uint8Array;
const asTime = (value: ScalarValue): MysqlTime => value as MysqlTime;
const asDuration = (value: ScalarValue): Duration => value as Duration;

const sourceText = (value: ScalarValue, call: CallInfo): string => formatValue(value, call.args[0]!)!;

// From int.
defineCast('int', 'int', Sig.CastIntAsInt, (context, value, call) => intFromInt(context, asBigint(value), call));
defineCast('int', 'real', Sig.CastIntAsReal, (context, value, call) => fitReal(context, Number(asBigint(value)), call.type));
defineCast('int', 'decimal', Sig.CastIntAsDecimal, (context, value, call) => fitDecimal(context, Decimal.fromBigInt(asBigint(value)), call.type));
defineCast('int', 'bytes', Sig.CastIntAsString, (context, value, call) => finishString(context, encoder.encode(sourceText(value, call)), call, false));
defineCast('int', 'time', Sig.CastIntAsTime, (context, value, call) => {
  return timeFromNumber(context, { integer: asBigint(value), microsecond: 0 }, value, call);
});
defineCast('int', 'duration', Sig.CastIntAsDuration, (context, value, call) => durationFromNumeric(context, { integer: asBigint(value), microsecond: 0 }, value, call));
defineCast('int', 'json', Sig.CastIntAsJson, (_context, value, call) => encoder.encode(sourceText(value, call)));

// From real.
defineCast('real', 'int', Sig.CastRealAsInt, (context, value, call) => asTarget(intFromReal(context, asNumber(value), isUnsignedType(call.type)), call));
defineCast('real', 'real', Sig.CastRealAsReal, (context, value, call) => fitReal(context, asNumber(value), call.type));
defineCast('real', 'decimal', Sig.CastRealAsDecimal, (context, value, call) => decimalFromReal(context, asNumber(value), call.type));
defineCast('real', 'bytes', Sig.CastRealAsString, (context, value, call) => finishString(context, encoder.encode(sourceText(value, call)), call, false));
defineCast('real', 'time', Sig.CastRealAsTime, (context, value, call) => timeFromNumber(context, splitReal(asNumber(value)), value, call));
defineCast('real', 'duration', Sig.CastRealAsDuration, (context, value, call) => durationFromNumeric(context, splitReal(asNumber(value)), value, call));
defineCast('real', 'json', Sig.CastRealAsJson, (_context, value) => {
  const number = asNumber(value);
  // JSON has no NaN or infinity; only a bad double upstream makes one.
  if (!Number.isFinite(number)) throw new ExprError(CastErrorCode.invalidJsonText, `Invalid JSON text in argument 1 to function cast_as_json: "Number too big to be stored in double." at position 0.`);
  return encoder.encode(formatJsonDouble(number));
});

// From decimal.
defineCast('decimal', 'int', Sig.CastDecimalAsInt, (context, value, call) => asTarget(intFromDecimal(context, asDecimal(value), isUnsignedType(call.type)), call));
defineCast('decimal', 'real', Sig.CastDecimalAsReal, (context, value, call) => fitReal(context, asDecimal(value).toNumber(), call.type));
defineCast('decimal', 'decimal', Sig.CastDecimalAsDecimal, (context, value, call) => fitDecimal(context, asDecimal(value), call.type));
defineCast('decimal', 'bytes', Sig.CastDecimalAsString, (context, value, call) => finishString(context, encoder.encode(sourceText(value, call)), call, false));
defineCast('decimal', 'time', Sig.CastDecimalAsTime, (context, value, call) => timeFromNumber(context, splitDecimal(asDecimal(value)), value, call));
defineCast('decimal', 'duration', Sig.CastDecimalAsDuration, (context, value, call) => durationFromNumeric(context, splitDecimal(asDecimal(value)), value, call));
defineCast('decimal', 'json', Sig.CastDecimalAsJson, (_context, value, call) => encoder.encode(sourceText(value, call)));

// From string.
defineCast('bytes', 'int', Sig.CastStringAsInt, (context, value, call) => intFromText(context, text(asBytes(value)), isUnsignedType(call.type)));
defineCast('bytes', 'real', Sig.CastStringAsReal, (context, value, call) => fitReal(context, realFromText(context, text(asBytes(value))), call.type));
defineCast('bytes', 'decimal', Sig.CastStringAsDecimal, (context, value, call) => decimalFromText(context, text(asBytes(value)), call.type));
defineCast('bytes', 'bytes', Sig.CastStringAsString, (context, value, call) => finishString(context, asBytes(value), call, isBinaryString(call.args[0]!)));
defineCast('bytes', 'time', Sig.CastStringAsTime, (context, value, call) => timeFromText(context, text(asBytes(value)), call));
defineCast('bytes', 'duration', Sig.CastStringAsDuration, (context, value, call) => durationFromText(context, text(asBytes(value)), call));
defineCast('bytes', 'json', Sig.CastStringAsJson, (_context, value, call) => textAsJson(asBytes(value), call));

// From time (DATE, DATETIME, TIMESTAMP).
defineCast('time', 'int', Sig.CastTimeAsInt, (_context, value, call) => asTarget(timeDigits(roundedToSeconds(asTime(value))), call));
defineCast('time', 'real', Sig.CastTimeAsReal, (context, value, call) => fitReal(context, timeAsDecimal(asTime(value)).toNumber(), call.type));
defineCast('time', 'decimal', Sig.CastTimeAsDecimal, (context, value, call) => fitDecimal(context, timeAsDecimal(asTime(value)), call.type));
defineCast('time', 'bytes', Sig.CastTimeAsString, (context, value, call) => finishString(context, encoder.encode(sourceText(value, call)), call, false));
defineCast('time', 'time', Sig.CastTimeAsTime, (context, value, call) => timeFromTime(context, asTime(value), call));
defineCast('time', 'duration', Sig.CastTimeAsDuration, (_context, value, call) => durationFromTime(asTime(value), call));
defineCast('time', 'json', Sig.CastTimeAsJson, (_context, value) => {
  const time = asTime(value);
  // MySQL's JSON datetimes always show six fractional digits.
  return temporalJson(time.type === 'date' ? time.toString() : time.withType(time.type, 6).toString());
});

// From duration (TIME).
defineCast('duration', 'int', Sig.CastDurationAsInt, (_context, value, call) => asTarget(durationAsInt(asDuration(value)), call));
defineCast('duration', 'real', Sig.CastDurationAsReal, (context, value, call) => fitReal(context, durationAsDecimal(asDuration(value)).toNumber(), call.type));
defineCast('duration', 'decimal', Sig.CastDurationAsDecimal, (context, value, call) => fitDecimal(context, durationAsDecimal(asDuration(value)), call.type));
defineCast('duration', 'bytes', Sig.CastDurationAsString, (context, value, call) => finishString(context, encoder.encode(sourceText(value, call)), call, false));
defineCast('duration', 'time', Sig.CastDurationAsTime, (context, value, call) => timeFromDuration(context, asDuration(value), call), false);
defineCast('duration', 'duration', Sig.CastDurationAsDuration, (_context, value, call) => durationFromDuration(asDuration(value), call));
defineCast('duration', 'json', Sig.CastDurationAsJson, (_context, value) => temporalJson(Duration.fromNanoseconds(asDuration(value).nanoseconds, 6).toString()));

// From JSON.
defineCast('json', 'int', Sig.CastJsonAsInt, (context, value, call) => {
  const json = readJson(asBytes(value));
  if (json.kind === 'integer') return asTarget(json.value, call);
  if (json.kind === 'double') return intFromJsonDouble(context, json.value, call);
  if (json.kind === 'boolean') return json.value ? 1n : 0n;
  if (json.kind === 'string') return intFromJsonString(context, json.value, call);
  invalidJsonForCast(context, 'int');
  return 0n;
});
defineCast('json', 'real', Sig.CastJsonAsReal, (context, value, call) => {
  const json = readJson(asBytes(value));
  if (json.kind === 'integer') return fitReal(context, Number(json.value), call.type);
  if (json.kind === 'double') return fitReal(context, json.value, call.type);
  if (json.kind === 'boolean') return json.value ? 1 : 0;
  if (json.kind === 'string') return fitReal(context, realFromJsonString(context, json.value), call.type);
  invalidJsonForCast(context, 'real');
  return 0;
});
defineCast('json', 'decimal', Sig.CastJsonAsDecimal, (context, value, call) => {
  const json = readJson(asBytes(value));
  if (json.kind === 'integer') return fitDecimal(context, Decimal.fromBigInt(json.value), call.type);
  if (json.kind === 'double') return decimalFromReal(context, json.value, call.type);
  if (json.kind === 'boolean') return fitDecimal(context, Decimal.fromBigInt(json.value ? 1n : 0n), call.type);
  if (json.kind === 'string') return decimalFromJsonString(context, json.value, call.type);
  invalidJsonForCast(context, 'decimal');
  return fitDecimal(context, Decimal.zero, call.type);
});
defineCast('json', 'bytes', Sig.CastJsonAsString, (context, value, call) => finishString(context, asBytes(value), call, false));
defineCast('json', 'time', Sig.CastJsonAsTime, (context, value, call) => {
  const json = readJson(asBytes(value));
  if (json.kind === 'string') return timeFromText(context, json.value, call);
  return invalidJsonForCast(context, 'time');
});
defineCast('json', 'duration', Sig.CastJsonAsDuration, (context, value, call) => {
  const json = readJson(asBytes(value));
  if (json.kind === 'string') return durationFromText(context, json.value, call);
  return invalidJsonForCast(context, 'duration');
});
defineCast('json', 'json', Sig.CastJsonAsJson, (_context, value) => value);

