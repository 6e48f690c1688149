/**
 * MySQL's lenient reading of text as a DATE/DATETIME (str_to_datetime) or TIME
 * (str_to_time), as CAST and implicit conversions use it. Unlike `MysqlTime.parse` it
 * reports rather than rejects what MySQL only warns about: text after the value
 * ('2020-02-29x' is 2020-02-29 with "Truncated incorrect date value"), a TIME past
 * 838:59:59 (clamped), zero months and days ('2020-00-00', which CAST keeps).
 */
import { daysInMonth, Duration, maxFsp, MysqlTime, type TimeType } from './time.js';

export interface DatetimeText {
  readonly value: MysqlTime;
  /** The text went on after the value (other than spaces): MySQL keeps the value and warns. */
  readonly truncated: boolean;
}

const microsecondsPerSecond = 1_000_000;

function isDigit(character: string | undefined): boolean {
  return character !== undefined && character >= '0' && character <= '9';
}

function isSpace(character: string | undefined): boolean {
  return character === ' ' || (character !== undefined && character >= '\t' && character <= '\r');
}

/** C's ispunct over ASCII: the printable characters that are neither letters, digits nor space. */
function isPunctuation(character: string | undefined): boolean {
  if (character === undefined || character.length !== 1) return false;
  const code = character.charCodeAt(0);
  return (code >= 0x21 && code <= 0x2f) || (code >= 0x3a && code <= 0x40) || (code >= 0x5b && code <= 0x60) || (code >= 0x7b && code <= 0x7e);
}

/** Two-digit years: 70..99 are 1970..1999, 00..69 are 2000..2069. */
function twoDigitYear(year: number): number {
  return year < 70 ? 2000 + year : 1900 + year;
}

interface DatetimeFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  microsecond: number;
}

/** Whether the fields are a value MySQL's CAST accepts (zero months and days allowed). */
function validFields(fields: DatetimeFields): boolean {
  const { year, month, day, hour, minute, second } = fields;
  if (year > 9999 || month > 12 || day > 31 || hour > 23 || minute > 59 || second > 59) return false;
  if (month !== 0 && day !== 0 && day > daysInMonth(year, month)) return false;
  return true;
}

/**
 * Builds the value of `type` with `fsp` digits, rounding the microseconds half-up (MySQL
 * 8; MariaDB truncates). Returns undefined when rounding carries past 9999-12-31 or out
 * of a zero date.
 */
export function datetimeFromFields(fields: DatetimeFields, type: TimeType, fsp: number): MysqlTime | undefined {
  if (!validFields(fields)) return undefined;
  const base = { year: fields.year, month: fields.month, day: fields.day, hour: fields.hour, minute: fields.minute, second: fields.second };
  if (type === 'date') return MysqlTime.fromFields({ year: base.year, month: base.month, day: base.day }, 'date');
  const microsecond = roundedMicroseconds(fields.microsecond, fsp);
  if (microsecond < microsecondsPerSecond) return MysqlTime.fromFields({ ...base, microsecond }, type, fsp);
  return MysqlTime.fromFields({ ...base, microsecond: 0 }, type, fsp).addMicroseconds(BigInt(microsecondsPerSecond));
}

/** Microseconds rounded half-up to `fsp` digits; may reach 1000000. */
function roundedMicroseconds(microsecond: number, fsp: number): number {
  const unit = 10 ** (maxFsp - fsp);
  return Math.floor((microsecond + unit / 2) / unit) * unit;
}

/** The digits of `text` from `start` on, as a number (exact up to 2^53, past every limit it is checked against) and where they end. */
function readNumber(text: string, start: number): { value: number; end: number } {
  let index = start;
  let value = 0;
  while (isDigit(text[index])) value = value * 10 + (text.charCodeAt(index++) - 0x30);
  return { value, end: index };
}

/**
 * Up to six fraction digits starting at `start` as microseconds, plus one when a seventh
 * digit is 5 or more (MySQL keeps it as nanoseconds to round with); the digits past it
 * are read and ignored.
 */
function readFraction(text: string, start: number, digitsRead = 0, valueRead = 0): { microsecond: number; end: number } {
  let index = start;
  let digits = digitsRead;
  let value = valueRead;
  while (digits < maxFsp && isDigit(text[index])) {
    value = value * 10 + (text.charCodeAt(index++) - 0x30);
    digits++;
  }
  if (digits < maxFsp) return { microsecond: value * 10 ** (maxFsp - digits), end: index };
  const roundUp = isDigit(text[index]) && text.charCodeAt(index) >= 0x35 ? 1 : 0;
  while (isDigit(text[index])) index++;
  return { microsecond: value + roundUp, end: index };
}

/** A field value above this makes the text no datetime at all (MySQL's "impossible date part"). */
const maxDatetimeFieldValue = 999999;
/** Field positions in MySQL's internal format: year, month, day, hour, minute, second, fraction. */
const dayField = 2;
const secondField = 5;
const fractionField = 6;

/**
 * What MySQL's str_to_datetime makes of text: no datetime at all (`none`: no leading digit,
 * an impossible field, a space where none may be), a datetime with wrong values
 * (`error`: too few fields, a field out of range, a day the month does not have), or the
 * fields read and whether anything but spaces followed them.
 */
type DatetimeScan = { readonly kind: 'none' } | { readonly kind: 'error' } | { readonly kind: 'fields'; readonly fields: DatetimeFields; readonly truncated: boolean };

const noDatetime: DatetimeScan = { kind: 'none' };
const wrongDatetime: DatetimeScan = { kind: 'error' };

/**
 * MySQL's str_to_datetime with the internal format positions (no AM/PM):
 * 'YYYY-MM-DD[( |T)HH[:MM[:SS[.f]]]]' where a run of punctuation separates the parts and
 * each part runs to the next delimiter, or digits only ('YYYYMMDD[T]HHMMSS[.f]',
 * 'YYMMDDHHMMSS', ...) in fixed-width fields. `datetimeOnly` (str_to_time's first try)
 * refuses delimited text with no space in it, which is a time's shape ('10:11:12.5').
 */
function scanDatetime(text: string, datetimeOnly: boolean): DatetimeScan {
  let index = 0;
  while (isSpace(text[index])) index++;
  if (!isDigit(text[index])) return noDatetime;
  let firstPartEnd = index;
  while (isDigit(text[firstPartEnd]) || text[firstPartEnd] === 'T') firstPartEnd++;
  const firstPartLength = firstPartEnd - index;
  // Digits only (a fraction aside): fixed-width fields, the year four digits for 4, 8 and 14+ digits.
  const internal = firstPartEnd === text.length || text[firstPartEnd] === '.';
  let yearLength = internal && (firstPartLength === 4 || firstPartLength === 8 || firstPartLength >= 14) ? 4 : 2;
  let fieldLength = internal ? yearLength : 4;
  const values = [0, 0, 0, 0, 0, 0, 0];
  const lengths = [0, 0, 0, 0, 0, 0, 0];
  let notZero = false;
  let foundDelimiter = false;
  let foundSpace = false;
  let lastFieldEnd = index;
  let field = 0;
  for (; field <= fractionField && isDigit(text[index]); field++) {
    const start = index;
    let value = text.charCodeAt(index++) - 0x30;
    const scanToDelimiter = !internal && field !== fractionField;
    while (isDigit(text[index]) && (scanToDelimiter || --fieldLength > 0)) value = value * 10 + (text.charCodeAt(index++) - 0x30);
    lengths[field] = index - start;
    if (value > maxDatetimeFieldValue) return noDatetime;
    values[field] = value;
    notZero ||= value !== 0;
    fieldLength = 2;
    lastFieldEnd = index;
    if (index === text.length) {
      field++;
      break;
    }
    // ISO 8601's 'T' after the day: 'YYYYMMDDTHHMMSS', '2020-02-29T10:11:12'.
    if (field === dayField && text[index] === 'T') {
      index++;
      continue;
    }
    if (field === secondField) {
      if (text[index] === '.') {
        index++;
        // '2020-02-29 10:11:12.' is a whole value.
        lastFieldEnd = index;
        fieldLength = maxFsp;
      } else if (isDigit(text[index])) {
        field++;
        break;
      }
      continue;
    }
    while (isPunctuation(text[index]) || isSpace(text[index])) {
      if (isSpace(text[index])) {
        // Spaces may follow only the day and the fraction.
        if (field !== dayField && field !== fractionField) return noDatetime;
        foundSpace = true;
      }
      index++;
      foundDelimiter = true;
    }
    // After the fraction would come AM/PM, which this format has not.
    if (field === fractionField) field++;
    lastFieldEnd = index;
  }
  if (foundDelimiter && !foundSpace && datetimeOnly) return noDatetime;
  const fieldCount = field;
  if (!internal) yearLength = lengths[0]!;
  const fractionDigits = lengths[fractionField]!;
  const fields: DatetimeFields = {
    year: values[0]!,
    month: values[1]!,
    day: values[2]!,
    hour: values[3]!,
    minute: values[4]!,
    second: values[5]!,
    microsecond: fractionDigits < maxFsp ? values[fractionField]! * 10 ** (maxFsp - fractionDigits) : values[fractionField]!,
  };
  // Only a year of exactly two digits is a two-digit year ('1-1-1' is 0001-01-01).
  if (yearLength === 2 && notZero) fields.year = twoDigitYear(fields.year);
  if (fieldCount < 3 || !validFields(fields)) return wrongDatetime;
  let rest = lastFieldEnd;
  // A seventh fraction digit rounds the sixth.
  if (fractionDigits === maxFsp && isDigit(text[rest])) {
    const fraction = readFraction(text, rest, maxFsp, fields.microsecond);
    fields.microsecond = fraction.microsecond;
    rest = fraction.end;
  }
  while (isSpace(text[rest])) rest++;
  return { kind: 'fields', fields, truncated: rest !== text.length };
}

/**
 * Reads `text` as MySQL's str_to_datetime does (see `scanDatetime`). Returns undefined for
 * text that is no date ('abc', '', '2020-02-30').
 */
export function parseDatetimeText(text: string, type: TimeType, fsp: number): DatetimeText | undefined {
  const scanned = scanDatetime(text, false);
  if (scanned.kind !== 'fields') return undefined;
  const value = datetimeFromFields(scanned.fields, type, fsp);
  return value === undefined ? undefined : { value, truncated: scanned.truncated };
}

export interface DurationText {
  readonly value: Duration;
  readonly truncated: boolean;
  /** Beyond ±838:59:59: clamped, with MySQL's "Truncated incorrect time value". */
  readonly clamped: boolean;
}

const maxDurationSeconds = 838 * 3600 + 59 * 60 + 59;
/** str_to_time's limit on each part (UINT_MAX): a larger one makes the text no time. */
const maxDurationPart = 4294967295;
/** From this many characters on, str_to_time first tries the text as a full datetime. */
const datetimeTextMinLength = 12;

/** A TIME from a sign, whole seconds and microseconds, clamped to ±838:59:59 and rounded to `fsp`. */
export function durationFromParts(negative: boolean, seconds: number, microsecond: number, fsp: number): { value: Duration; clamped: boolean } {
  let rounded = roundedMicroseconds(microsecond, fsp);
  let whole = seconds;
  if (rounded >= microsecondsPerSecond) {
    rounded -= microsecondsPerSecond;
    whole += 1;
  }
  const clamped = whole > maxDurationSeconds || (whole === maxDurationSeconds && rounded > 0);
  if (clamped) {
    whole = maxDurationSeconds;
    rounded = 0;
  }
  const magnitude = BigInt(whole) * 1_000_000_000n + BigInt(rounded) * 1_000n;
  return { value: Duration.fromNanoseconds(negative ? -magnitude : magnitude, fsp), clamped };
}

/**
 * Reads `text` as MySQL 8's str_to_time does: '[-][D ]HH:MM[:SS][.f]', digits read from
 * the right ('101112' is 10:11:12, '12' is 00:00:12), or (12 characters or more) a full
 * datetime whose time of day is taken. Returns undefined for text that is no time: a
 * datetime with wrong values ('2020-02-30 10:11:12'), minutes or seconds past 59, a part
 * past 4294967295, an exponent ('1e3'), or nothing read at all.
 */
export function parseDurationText(text: string, fsp: number): DurationText | undefined {
  let index = 0;
  while (isSpace(text[index])) index++;
  let negative = false;
  if (text[index] === '-') {
    negative = true;
    index++;
  }
  if (index === text.length) return undefined;
  const start = index;
  if (text.length - start >= datetimeTextMinLength) {
    const datetime = scanDatetime(text.slice(start), true);
    if (datetime.kind === 'error') return undefined;
    if (datetime.kind === 'fields') {
      const { hour, minute, second, microsecond } = datetime.fields;
      const { value } = durationFromParts(false, hour * 3600 + minute * 60 + second, microsecond, fsp);
      return { value, truncated: datetime.truncated, clamped: false };
    }
  }
  const first = readNumber(text, index);
  if (first.value > maxDurationPart) return undefined;
  index = first.end;
  const daysEnd = index;
  while (isSpace(text[index])) index++;
  // parts: days, hours, minutes, seconds.
  const parts = [0, 0, 0, 0];
  if (text.length - index > 1 && index !== daysEnd && isDigit(text[index])) {
    parts[0] = first.value;
    index = readColonParts(text, index, parts, 1);
  } else if (text.length - index > 1 && text[index] === ':' && isDigit(text[index + 1])) {
    parts[1] = first.value;
    index = readColonParts(text, index + 1, parts, 2);
  } else {
    // One number: [H...]HMMSS, read from the right.
    parts[1] = Math.floor(first.value / 10000);
    parts[2] = Math.floor(first.value / 100) % 100;
    parts[3] = first.value % 100;
  }
  let microsecond = 0;
  if (text[index] === '.' && isDigit(text[index + 1])) {
    ({ microsecond, end: index } = readFraction(text, index + 1));
  } else if (text[index] === '.' && index === text.length - 1) {
    index++;
  }
  // An exponent, as %g prints a number, is no time.
  const afterExponent = text[index + 1] === '-' || text[index + 1] === '+' ? text[index + 2] : text[index + 1];
  if ((text[index] === 'e' || text[index] === 'E') && isDigit(afterExponent)) return undefined;
  if (parts.some((part) => part > maxDurationPart)) return undefined;
  const [days = 0, hours = 0, minutes = 0, seconds = 0] = parts;
  if (minutes > 59 || seconds > 59) return undefined;
  let end = index;
  while (isSpace(text[end])) end++;
  // Nothing read at all ('abc', '+1'): no time.
  if (end !== text.length && index === start) return undefined;
  const totalSeconds = Math.min((days * 24 + hours) * 3600 + minutes * 60 + seconds, maxDurationSeconds + 1);
  const { value, clamped } = durationFromParts(negative, totalSeconds, microsecond, fsp);
  return { value, truncated: end !== text.length, clamped };
}

/** Reads `[part][:part]...` into parts[from..3], each part's digits up to a ':' followed by a digit; returns the end. */
function readColonParts(text: string, start: number, parts: number[], from: number): number {
  let index = start;
  for (let part = from; part < parts.length; part++) {
    const read = readNumber(text, index);
    parts[part] = read.value;
    index = read.end;
    if (part === parts.length - 1 || text[index] !== ':' || !isDigit(text[index + 1])) break;
    index++;
  }
  return index;
}

/**
 * MySQL's number_to_datetime: 20200229 is 2020-02-29, 200229 is 2020-02-29,
 * 20200229101112 is 2020-02-29 10:11:12, 0 is the zero date; `microsecond` is the
 * fraction of a DECIMAL or DOUBLE. Returns undefined for numbers that are no date.
 */
export function datetimeFromNumber(integer: bigint, microsecond: number, type: TimeType, fsp: number): MysqlTime | undefined {
  let packed = integer;
  if (packed < 0n) return undefined;
  if (packed !== 0n && packed < 10000101000000n) {
    if (packed < 101n) return undefined;
    if (packed <= 691231n) packed = (packed + 20000000n) * 1000000n;
    else if (packed < 700101n) return undefined;
    else if (packed <= 991231n) packed = (packed + 19000000n) * 1000000n;
    else if (packed <= 99991231n) packed = packed * 1000000n;
    else if (packed < 101000000n) return undefined;
    else if (packed <= 691231235959n) packed = packed + 20000000000000n;
    else if (packed < 700101000000n) return undefined;
    else if (packed <= 991231235959n) packed = packed + 19000000000000n;
  } else if (packed > 99999999999999n) {
    return undefined;
  }
  const date = Number(packed / 1000000n);
  const time = Number(packed % 1000000n);
  const fields: DatetimeFields = {
    year: Math.floor(date / 10000),
    month: Math.floor(date / 100) % 100,
    day: date % 100,
    hour: Math.floor(time / 10000),
    minute: Math.floor(time / 100) % 100,
    second: time % 100,
    microsecond,
  };
  // Zero parts are only allowed in the zero date itself or with a year (MySQL's check_date with fuzzy dates).
  return datetimeFromFields(fields, type, fsp);
}

/**
 * MySQL 8's number_to_time: 101112 is 10:11:12, -101112 is -10:11:12; beyond ±8385959 a
 * number of 11+ digits that is a datetime gives its time of day, and anything else clamps
 * to ±838:59:59 (MariaDB reads 20200229 as a date, 00:00:00, and gives NULL for some). Minutes or seconds past 59 make it no time (undefined).
 */
export function durationFromNumber(integer: bigint, microsecond: number, fsp: number): { value: Duration; clamped: boolean } | undefined {
  const negative = integer < 0n || (integer === 0n && microsecond < 0);
  const magnitude = integer < 0n ? -integer : integer;
  const fraction = Math.abs(microsecond);
  if (magnitude > 8385959n) {
    if (!negative && magnitude >= 10000000000n) {
      const datetime = datetimeFromNumber(magnitude, fraction, 'datetime', fsp);
      if (datetime !== undefined) return durationFromParts(false, datetime.hour * 3600 + datetime.minute * 60 + datetime.second, datetime.microsecond, fsp);
    }
    return durationFromParts(negative, maxDurationSeconds + 1, 0, fsp);
  }
  const value = Number(magnitude);
  const seconds = value % 100;
  const minutes = Math.floor(value / 100) % 100;
  if (seconds >= 60 || minutes >= 60) return undefined;
  return durationFromParts(negative, Math.floor(value / 10000) * 3600 + minutes * 60 + seconds, fraction, fsp);
}
