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
  return character !== undefined && ' \t\n\r\v\f'.includes(character);
}

function isPunctuation(character: string | undefined): boolean {
  return character !== undefined && /^[!-/:-@[-`{-~]$/.test(character);
}

/** Microseconds from fraction digits, rounded half-up on the seventh digit; may reach 1000000. */
function fractionMicroseconds(digits: string): number {
  if (digits === '') return 0;
  const kept = Number(digits.slice(0, maxFsp).padEnd(maxFsp, '0'));
  return kept + (digits.length > maxFsp && Number(digits[maxFsp]) >= 5 ? 1 : 0);
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
  const unit = 10 ** (maxFsp - fsp);
  const rounded = Math.floor((fields.microsecond + unit / 2) / unit) * unit;
  if (rounded < microsecondsPerSecond) return MysqlTime.fromFields({ ...base, microsecond: rounded }, type, fsp);
  return MysqlTime.fromFields({ ...base, microsecond: 0 }, type, fsp).addMicroseconds(BigInt(microsecondsPerSecond));
}

/**
 * Reads `text` as MySQL's str_to_datetime does: 'YYYY-MM-DD[( |T)HH[:MM[:SS[.f]]]]' with
 * any punctuation between the parts and one- or two-digit fields, or digits only
 * ('YYYYMMDDHHMMSS[.f]', 'YYMMDDHHMMSS', 'YYYYMMDD', 'YYMMDD', ...). Returns undefined for
 * text that is no date ('abc', '', '2020-02-30').
 */
export function parseDatetimeText(text: string, type: TimeType, fsp: number): DatetimeText | undefined {
  let index = 0;
  while (isSpace(text[index])) index++;
  const digitsStart = index;
  while (isDigit(text[index])) index++;
  const leadingDigits = index - digitsStart;
  if (leadingDigits === 0) return undefined;
  const fields: DatetimeFields = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, microsecond: 0 };
  // Digits only, with an optional fraction: '20200229', '20200229101112.5' ('2020.02.29' is delimited).
  const numeric = /^\d+(?:\.\d*)?[ \t\n\r\v\f]*$/.test(text.slice(digitsStart));
  let fieldsRead = 0;
  if (numeric) {
    // Digits only: fixed-width fields, the year four digits for 4, 8 and 14+ digits.
    const digits = text.slice(digitsStart, index);
    const yearLength = leadingDigits === 4 || leadingDigits === 8 || leadingDigits >= 14 ? 4 : 2;
    const widths = [yearLength, 2, 2, 2, 2, 2];
    let offset = 0;
    const values: number[] = [];
    for (const width of widths) {
      if (offset >= digits.length) break;
      values.push(Number(digits.slice(offset, offset + width)));
      offset += width;
    }
    if (offset < digits.length || values.length < 3) return undefined;
    [fields.year, fields.month, fields.day, fields.hour = 0, fields.minute = 0, fields.second = 0] = values as [number, number, number, ...number[]];
    if (yearLength === 2) fields.year = twoDigitYear(fields.year);
    fieldsRead = values.length;
  } else {
    if (leadingDigits > 4) return undefined;
    const yearText = text.slice(digitsStart, index);
    fields.year = Number(yearText);
    fieldsRead = 1;
    const order = ['month', 'day', 'hour', 'minute', 'second'] as const;
    for (const name of order) {
      const separatorStart = index;
      if (name === 'hour') {
        // Between the date and the time: spaces, or one 'T'.
        if (text[index] === 'T') index++;
        else while (isSpace(text[index]) || isPunctuation(text[index])) index++;
      } else if (isPunctuation(text[index])) {
        index++;
      }
      if (index === separatorStart || !isDigit(text[index])) {
        index = separatorStart;
        break;
      }
      const fieldStart = index;
      while (isDigit(text[index]) && index - fieldStart < 2) index++;
      fields[name] = Number(text.slice(fieldStart, index));
      fieldsRead++;
    }
    if (fieldsRead < 3) return undefined;
    const allZero = fields.year === 0 && fields.month === 0 && fields.day === 0;
    // Only a year of exactly two digits is a two-digit year ('1-1-1' is 0001-01-01).
    if (yearText.length === 2 && !allZero) fields.year = twoDigitYear(fields.year);
  }
  if (fieldsRead >= 6 && text[index] === '.') {
    index++;
    const fractionStart = index;
    while (isDigit(text[index])) index++;
    fields.microsecond = fractionMicroseconds(text.slice(fractionStart, index));
  }
  let rest = index;
  while (isSpace(text[rest])) rest++;
  const value = datetimeFromFields(fields, type, fsp);
  if (value === undefined) return undefined;
  return { value, truncated: rest !== text.length };
}

export interface DurationText {
  readonly value: Duration;
  readonly truncated: boolean;
  /** Beyond ±838:59:59: clamped, with MySQL's "Truncated incorrect time value". */
  readonly clamped: boolean;
}

const maxDurationSeconds = 838 * 3600 + 59 * 60 + 59;

/** A TIME from a sign, whole seconds and microseconds, clamped to ±838:59:59 and rounded to `fsp`. */
export function durationFromParts(negative: boolean, seconds: number, microsecond: number, fsp: number): { value: Duration; clamped: boolean } {
  const unit = 10 ** (maxFsp - fsp);
  let rounded = Math.floor((microsecond + unit / 2) / unit) * unit;
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
 * Reads `text` as MySQL's str_to_time does: '[-][D ]HH:MM[:SS][.f]', digits read from the
 * right ('101112' is 10:11:12, '12' is 00:00:12), or a full datetime whose time of day is
 * taken. Minutes or seconds past 59 make it no time (undefined).
 */
export function parseDurationText(text: string, fsp: number): DurationText | undefined {
  let index = 0;
  while (isSpace(text[index])) index++;
  // A full datetime gives its time of day ('2020-02-29 10:11:12').
  const rest = text.slice(index);
  if (/^\d{2,4}[-/.]\d{1,2}[-/.]\d{1,2}[ T]/.test(rest) || /^\d{12,}(\.\d*)?\s*$/.test(rest)) {
    const datetime = parseDatetimeText(rest, 'datetime', fsp);
    if (datetime !== undefined) {
      const time = datetime.value;
      const { value } = durationFromParts(false, time.hour * 3600 + time.minute * 60 + time.second, time.microsecond, fsp);
      return { value, truncated: datetime.truncated, clamped: false };
    }
  }
  let negative = false;
  if (text[index] === '-') {
    negative = true;
    index++;
  }
  const firstStart = index;
  while (isDigit(text[index])) index++;
  if (index === firstStart) return undefined;
  const first = Number(text.slice(firstStart, index));
  let days = 0;
  let hours: number;
  let minutes = 0;
  let seconds = 0;
  if (text[index] === ' ' && isDigit(text[index + 1])) {
    // 'D HH[:MM[:SS]]'.
    days = first;
    index++;
    const hourStart = index;
    while (isDigit(text[index])) index++;
    hours = Number(text.slice(hourStart, index));
    [minutes, seconds, index] = readMinutesSeconds(text, index);
  } else if (text[index] === ':') {
    hours = first;
    [minutes, seconds, index] = readMinutesSeconds(text, index);
  } else {
    // Digits without colons read from the right: SS, MMSS, HHMMSS, HHH...MMSS.
    seconds = first % 100;
    minutes = Math.floor(first / 100) % 100;
    hours = Math.floor(first / 10000);
  }
  let microsecond = 0;
  if (text[index] === '.') {
    index++;
    const fractionStart = index;
    while (isDigit(text[index])) index++;
    microsecond = fractionMicroseconds(text.slice(fractionStart, index));
  }
  if (minutes > 59 || seconds > 59) return undefined;
  let end = index;
  while (isSpace(text[end])) end++;
  const totalSeconds = Math.min((days * 24 + hours) * 3600 + minutes * 60 + seconds, maxDurationSeconds + 1);
  const { value, clamped } = durationFromParts(negative, totalSeconds, microsecond, fsp);
  return { value, truncated: end !== text.length, clamped };
}

function readMinutesSeconds(text: string, start: number): [number, number, number] {
  let index = start;
  let minutes = 0;
  let seconds = 0;
  if (text[index] === ':' && isDigit(text[index + 1])) {
    index++;
    const minuteStart = index;
    while (isDigit(text[index])) index++;
    minutes = Number(text.slice(minuteStart, index));
    if (text[index] === ':' && isDigit(text[index + 1])) {
      index++;
      const secondStart = index;
      while (isDigit(text[index])) index++;
      seconds = Number(text.slice(secondStart, index));
    }
  }
  return [minutes, seconds, index];
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
