/**
 * MySQL's conversions of text to numbers, which read the longest numeric prefix and
 * report whether anything was left over: '12abc' is 12, '  1.5e3x' is 1500, '' and 'abc'
 * are 0, '0x10' is 0 (hexadecimal is not parsed). The callers turn `truncated` into
 * MySQL's warning 1292 ("Truncated incorrect INTEGER value: '...'") and `overflow` into
 * the clamp MySQL applies.
 */
import { int64Min, uint64Max } from '../codec/number.js';
import { Decimal, DecimalError, decimalMaxPrecision } from './decimal.js';

/** Digits of 2^64 - 1. */
const uint64Digits = 20;

/** Bytes my_isspace treats as space: the leading and trailing ones are skipped. */
function isSpace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d);
}

function isDigit(code: number | undefined): boolean {
  return code !== undefined && code >= 0x30 && code <= 0x39;
}

export interface IntegerPrefix {
  /**
   * The value as a 64-bit pattern: negative numbers as int64 (clamped to -2^63), others as
   * uint64 (clamped to 2^64-1). The caller reads it as signed or unsigned.
   */
  readonly value: bigint;
  /** A '-' was read (MySQL's my_strtoll10 reports this as error -1). */
  readonly negative: boolean;
  /** The number did not fit and was clamped. */
  readonly overflow: boolean;
  /** Something other than the number was in the text (including trailing spaces, as MySQL 8 counts them). */
  readonly truncated: boolean;
}

/** MySQL's my_strtoll10: leading spaces, an optional sign, decimal digits; stops at anything else. */
export function parseIntegerPrefix(text: string): IntegerPrefix {
  let index = 0;
  while (index < text.length && isSpace(text.charCodeAt(index))) index++;
  let negative = false;
  if (text[index] === '-' || text[index] === '+') {
    negative = text[index] === '-';
    index++;
  }
  const digitsStart = index;
  while (isDigit(text.charCodeAt(index))) index++;
  if (index === digitsStart) return { value: 0n, negative: false, overflow: false, truncated: true };
  const truncated = index !== text.length;
  let significantStart = digitsStart;
  while (significantStart < index - 1 && text.charCodeAt(significantStart) === 0x30) significantStart++;
  // More digits than 2^64 has overflow whatever they are; no need to read a huge string as a BigInt.
  const magnitude = index - significantStart > uint64Digits ? uint64Max + 1n : BigInt(text.slice(significantStart, index));
  if (negative) {
    if (magnitude > -int64Min) return { value: int64Min, negative, overflow: true, truncated };
    return { value: -magnitude, negative, overflow: false, truncated };
  }
  if (magnitude > uint64Max) return { value: uint64Max, negative, overflow: true, truncated };
  return { value: magnitude, negative, overflow: false, truncated };
}

interface NumeralSpan {
  /** The numeral, e.g. '-1.5e3'; '' when there is none. */
  readonly numeral: string;
  readonly truncated: boolean;
}

/**
 * The longest prefix of `text` that is a decimal numeral with an optional exponent, after
 * leading spaces: an exponent marker without digits ('1e', '1e+') is not part of it.
 * Trailing spaces after the numeral do not count as truncation (MySQL's
 * check_if_only_end_space for DOUBLE and DECIMAL).
 */
function numeralPrefix(text: string): NumeralSpan {
  let index = 0;
  while (index < text.length && isSpace(text.charCodeAt(index))) index++;
  const start = index;
  if (text[index] === '-' || text[index] === '+') index++;
  let digits = 0;
  while (isDigit(text.charCodeAt(index))) {
    index++;
    digits++;
  }
  if (text[index] === '.') {
    index++;
    while (isDigit(text.charCodeAt(index))) {
      index++;
      digits++;
    }
  }
  if (digits === 0) return { numeral: '', truncated: true };
  let end = index;
  if (text[index] === 'e' || text[index] === 'E') {
    let exponentIndex = index + 1;
    if (text[exponentIndex] === '-' || text[exponentIndex] === '+') exponentIndex++;
    if (isDigit(text.charCodeAt(exponentIndex))) {
      while (isDigit(text.charCodeAt(exponentIndex))) exponentIndex++;
      end = exponentIndex;
    }
  }
  let rest = end;
  while (rest < text.length && isSpace(text.charCodeAt(rest))) rest++;
  return { numeral: text.slice(start, end), truncated: rest !== text.length };
}

export interface RealPrefix {
  readonly value: number;
  /** The value was beyond DOUBLE's range and was clamped to ±1.7976931348623157e308. */
  readonly overflow: boolean;
  readonly truncated: boolean;
}

/** MySQL's my_strntod: the longest numeric prefix as a double; none is 0. */
export function parseRealPrefix(text: string): RealPrefix {
  const { numeral, truncated } = numeralPrefix(text);
  if (numeral === '') return { value: 0, overflow: false, truncated: true };
  // JavaScript's Number reads every numeral shape MySQL does ('.5', '1.', '+1e3').
  const value = Number(numeral);
  if (!Number.isFinite(value)) return { value: value < 0 ? -Number.MAX_VALUE : Number.MAX_VALUE, overflow: true, truncated: true };
  // -0 reads as 0: MySQL and MariaDB print no negative zero.
  return { value: value === 0 ? 0 : value, overflow: false, truncated };
}

export interface DecimalPrefix {
  readonly value: Decimal;
  /** More than 65 integer digits: clamped to 65 nines. */
  readonly overflow: boolean;
  readonly truncated: boolean;
}

const maxDecimalDigits = '9'.repeat(decimalMaxPrecision);

/**
 * Digits MySQL's str2my_decimal holds while it reads (nine words of nine digits): a longer
 * integer part overflows, whatever the exponent, and fraction digits past them are dropped.
 */
const decimalReadDigits = 81;

/**
 * The numeral cut as str2my_decimal reads it: leading zeros dropped, the fraction cut to
 * the digits it holds; undefined when the integer part overflows. It also bounds the work
 * a huge string costs.
 */
function heldNumeral(numeral: string): string | undefined {
  const signLength = numeral[0] === '-' || numeral[0] === '+' ? 1 : 0;
  let exponentAt = numeral.indexOf('e');
  if (exponentAt < 0) exponentAt = numeral.indexOf('E');
  if (exponentAt < 0) exponentAt = numeral.length;
  const pointAt = numeral.indexOf('.');
  const integerEnd = pointAt >= 0 ? pointAt : exponentAt;
  let integerStart = signLength;
  while (integerStart < integerEnd - 1 && numeral[integerStart] === '0') integerStart++;
  const integer = numeral.slice(integerStart, integerEnd);
  if (integer.length > decimalReadDigits) return undefined;
  const fraction = pointAt >= 0 ? `.${numeral.slice(pointAt + 1, Math.min(exponentAt, pointAt + 1 + decimalReadDigits - integer.length))}` : '';
  return `${numeral.slice(0, signLength)}${integer}${fraction}${numeral.slice(exponentAt)}`;
}

/** MySQL's str2my_decimal: the longest numeric prefix (exponent included) as a DECIMAL; none is 0. */
export function parseDecimalPrefix(text: string): DecimalPrefix {
  const { numeral, truncated } = numeralPrefix(text);
  if (numeral === '') return { value: Decimal.zero, overflow: false, truncated: true };
  const held = heldNumeral(numeral);
  if (held !== undefined) {
    try {
      return { value: Decimal.parse(held), overflow: false, truncated };
    } catch (error) {
      // Decimal.parse throws only on overflow here: the numeral is well formed.
      if (!(error instanceof DecimalError && error.kind === 'overflow')) throw error;
    }
  }
  const clamped = Decimal.parse(maxDecimalDigits);
  return { value: numeral.startsWith('-') ? clamped.negate() : clamped, overflow: true, truncated: true };
}

/**
 * Shortest round-trip digits of |value| and the position of the decimal point
 * (MySQL's dtoa `decpt`: 1.5 is digits '15', point 1; 0.001 is '1', point -2).
 */
function decimalDigits(magnitude: number, significantDigits?: number): { digits: string; point: number } {
  const exponential = significantDigits === undefined ? magnitude.toExponential() : magnitude.toExponential(significantDigits - 1);
  const [mantissa = '0', exponent = '0'] = exponential.split('e');
  const digits = mantissa.replace('.', '').replace(/0+$/, '') || '0';
  return { digits, point: Number(exponent) + 1 };
}

/**
 * MySQL's choice between '123.45' and '1.2345e2' (my_gcvt with a wide field): the fixed
 * form unless the point is more than 15 digits right of the first digit with nothing after
 * it (1e15 prints as '1e15', 1e14 as '100000000000000'), or more than 14 zeros follow the
 * point (1e-15 prints as '0.000000000000001', 1e-16 as '1e-16').
 */
function gcvt(value: number, significantDigits?: number): string {
  if (!Number.isFinite(value)) return String(value);
  // MySQL and MariaDB print no negative zero.
  if (value === 0) return '0';
  const sign = value < 0 ? '-' : '';
  const { digits, point } = decimalDigits(Math.abs(value), significantDigits);
  const length = digits.length;
  const maxPointForFixed = 15;
  if (point >= -maxPointForFixed + 1 && (point <= maxPointForFixed || length > point)) {
    if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
    if (point < length) return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
    return `${sign}${digits}${'0'.repeat(point - length)}`;
  }
  const exponent = point - 1;
  const mantissa = length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${mantissa}e${exponent}`;
}

/** A DOUBLE as MySQL prints it without fixed decimals: shortest round-trip digits. */
export function formatDouble(value: number): string {
  return gcvt(value);
}

/** A FLOAT as MySQL prints it without fixed decimals: at most 6 significant digits (FLT_DIG). */
export function formatFloat(value: number): string {
  return gcvt(value, 6);
}

/**
 * A DOUBLE or FLOAT with `decimals` fixed digits after the point (MySQL's my_fcvt for a
 * type declared with decimals). A double's shortest round-trip digits are all it has:
 * when they fit, they are padded with zeros (FLOOR(1e300) is 1 and 300 zeros, not the
 * binary value's exact expansion; ROUND(0.1e0, 20) is 0.1 and 19 zeros); when they do
 * not, the exact binary value is rounded to `decimals` (1.005 to two digits is 1.00, the
 * double being just below 1.005). An infinite double (ROUND(1.5e308, -308)) prints as 0,
 * as my_fcvt does with an overflow.
 */
export function formatFixedReal(value: number, decimals: number): string {
  if (Number.isNaN(value)) return String(value);
  if (!Number.isFinite(value) || value === 0) return decimals > 0 ? `0.${'0'.repeat(decimals)}` : '0';
  const { digits, point } = decimalDigits(Math.abs(value));
  const sign = value < 0 ? '-' : '';
  if (digits.length - point <= decimals) {
    const integer = point <= 0 ? '0' : digits.slice(0, point).padEnd(point, '0');
    const fraction = point < 0 ? '0'.repeat(-point) + digits : digits.slice(Math.max(point, 0));
    return decimals > 0 ? `${sign}${integer}.${fraction.padEnd(decimals, '0')}` : `${sign}${integer}`;
  }
  // The shortest digits reach past `decimals`, so the value is below 1e21 and toFixed rounds its exact binary value.
  const fixed = value.toFixed(decimals);
  return /^-0(\.0*)?$/.test(fixed) ? fixed.slice(1) : fixed;
}
