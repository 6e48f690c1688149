/**
 * Date and time functions. Arguments arrive converted by the rules (build/date.ts): a
 * DATE/DATETIME/TIMESTAMP is a MysqlTime holding the wall-clock value (a TIMESTAMP read in
 * the context's time zone), a TIME a Duration, interval values and units strings. Zero
 * dates and dates with a zero month or day ('2019-00-10') reach the functions as MySQL's
 * fuzzy conversion produces them; each function decides, as MySQL does, whether it reads
 * them (YEAR, MONTH, DAY, QUARTER, DATE) or gives NULL with warning 1292 (the functions that
 * need a real day: DAYOFWEEK, TO_DAYS, WEEK, DATEDIFF, DATE_ADD, ...).
 */
import { ScalarFuncSig as Sig } from '../../../proto/gen/dagpb.js';
import { calcWeek, dayNames, formatDateTime, monthNames, weekdayOf, weekMode } from '../../types/date-format.js';
import { Decimal } from '../../types/decimal.js';
import { addInterval, type DateTimeFields, type Interval, intervalMicroseconds, isDateOnlyUnit, isMonthUnit, intervalUnits, negateInterval, parseInterval, type IntervalUnit } from '../../types/interval.js';
import { parseDatetimeText } from '../../types/temporal-text.js';
import { dayNumber, daysInMonth, Duration, MysqlTime, type TimeType } from '../../types/time.js';
import { type EvalContext, ExprError, ExprErrorCode } from '../context.js';
import { fspOf, timeTypeOf } from '../eval-type.js';
import type { ScalarValue } from '../expr.js';
import { defineScalar } from '../function.js';

/** MySQL's codes for the warnings the date functions raise. */
export const DateWarningCode = {
  /** ER_TRUNCATED_WRONG_VALUE: "Incorrect datetime value: '...'", "Truncated incorrect ... value". */
  truncatedWrongValue: 1292,
  /** ER_DATETIME_FUNCTION_OVERFLOW: "Datetime function: datetime field overflow". */
  datetimeFunctionOverflow: 1441,
} as const;

const decoder = new TextDecoder();
const encoder = new TextEncoder();
const text = (value: ScalarValue | null): string => decoder.decode(value as Uint8Array);
const bytes = (value: string): Uint8Array => encoder.encode(value);

const microsecondsPerSecond = 1_000_000n;
const nanosecondsPerMicrosecond = 1_000n;

/** How a value with a zero part shows in a warning: as the date it was written as, or with its time of day. */
function shownTime(time: MysqlTime): string {
  const pad = (value: number, width: number): string => String(value).padStart(width, '0');
  const date = `${pad(time.year, 4)}-${pad(time.month, 2)}-${pad(time.day, 2)}`;
  if (time.type === 'date' || (time.hour === 0 && time.minute === 0 && time.second === 0 && time.microsecond === 0)) return date;
  return time.toString();
}

/**
 * The value as a real calendar day, or null with MySQL's warning when it has a zero month
 * or day (MySQL reads such arguments with TIME_NO_ZERO_IN_DATE | TIME_NO_ZERO_DATE).
 */
function realDay(context: EvalContext, time: MysqlTime): MysqlTime | null {
  if (time.month !== 0 && time.day !== 0) return time;
  context.warn(DateWarningCode.truncatedWrongValue, `Incorrect datetime value: '${shownTime(time)}'`);
  return null;
}

function defineTimeToInt(sig: Sig, name: string, compute: (time: MysqlTime, context: EvalContext) => number | null): void {
  defineScalar({
    sig,
    name,
    args: ['time'],
    returns: 'int',
    row: (context, [value]) => {
      const result = compute(value as MysqlTime, context);
      return result === null ? null : BigInt(result);
    },
  });
}

// Fields read as they are, zero parts included (MySQL's TIME_FUZZY_DATE).
defineTimeToInt(Sig.Year, 'year', (time) => time.year);
defineTimeToInt(Sig.Month, 'month', (time) => time.month);
defineTimeToInt(Sig.DayOfMonth, 'dayofmonth', (time) => time.day);
defineTimeToInt(Sig.Quarter, 'quarter', (time) => Math.floor((time.month + 2) / 3));

// Functions that need a real day.
defineTimeToInt(Sig.DayOfWeek, 'dayofweek', (time, context) => (realDay(context, time) === null ? null : weekdayOf(time.toDayNumber(), true) + 1));
defineTimeToInt(Sig.DayOfYear, 'dayofyear', (time, context) => (realDay(context, time) === null ? null : time.toDayNumber() - dayNumber(time.year, 1, 1) + 1));
defineTimeToInt(Sig.ToDays, 'to_days', (time, context) => (realDay(context, time) === null ? null : time.toDayNumber()));
defineTimeToInt(Sig.WeekOfYear, 'weekofyear', (time, context) => (realDay(context, time) === null ? null : calcWeek(time.year, time.month, time.day, weekMode(3)).week));

// WEEK(date[, mode]): a NULL mode is mode 0, as MySQL reads it (val_int of NULL).
defineScalar({
  sig: Sig.Week,
  name: 'week',
  args: { each: (index) => (index === 0 ? 'time' : index === 1 ? 'int' : undefined), min: 1, max: 2 },
  returns: 'int',
  nullTolerant: true,
  row: (context, [value, mode]) => {
    if (value === null || value === undefined) return null;
    const time = realDay(context, value as MysqlTime);
    if (time === null) return null;
    const modeNumber = mode === null || mode === undefined ? 0 : Number(BigInt.asUintN(3, mode as bigint));
    return BigInt(calcWeek(time.year, time.month, time.day, weekMode(modeNumber)).week);
  },
});

defineScalar({ sig: Sig.Date, name: 'date', args: ['time'], returns: 'time', row: (_context, [value]) => (value as MysqlTime).toDate() });

// LAST_DAY: NULL for a zero month (MariaDB raises no warning for it).
defineScalar({
  sig: Sig.LastDay,
  name: 'last_day',
  args: ['time'],
  returns: 'time',
  row: (_context, [value]) => {
    const time = value as MysqlTime;
    if (time.month === 0) return null;
    return MysqlTime.fromFields({ year: time.year, month: time.month, day: daysInMonth(time.year, time.month) }, 'date');
  },
});

defineScalar({
  sig: Sig.MonthName,
  name: 'monthname',
  args: ['time'],
  returns: 'bytes',
  row: (_context, [value]) => {
    const time = value as MysqlTime;
    return time.month === 0 ? null : bytes(monthNames[time.month - 1]!);
  },
});

defineScalar({
  sig: Sig.DayName,
  name: 'dayname',
  args: ['time'],
  returns: 'bytes',
  row: (context, [value]) => {
    const time = realDay(context, value as MysqlTime);
    return time === null ? null : bytes(dayNames[weekdayOf(time.toDayNumber(), false)]!);
  },
});

defineScalar({
  sig: Sig.DateDiff,
  name: 'datediff',
  args: ['time', 'time'],
  returns: 'int',
  row: (context, [left, right]) => {
    const first = realDay(context, left as MysqlTime);
    const second = realDay(context, right as MysqlTime);
    if (first === null || second === null) return null;
    return BigInt(first.toDayNumber() - second.toDayNumber());
  },
});

/** Microseconds since day 0 of a valid value: exact and ordered like the values. */
function absoluteMicroseconds(time: MysqlTime): bigint {
  return BigInt(time.toDayNumber()) * 86_400n * microsecondsPerSecond + BigInt((time.hour * 60 + time.minute) * 60 + time.second) * microsecondsPerSecond + BigInt(time.microsecond);
}

const encodedUnits = intervalUnits.map((unit) => ({ unit, bytes: encoder.encode(unit) }));

/**
 * The unit an argument names. The rules pass the unit as a constant in upper case; it is
 * read again for every row, so this compares bytes (ASCII case-insensitively) rather than
 * decoding a string per row. Undefined for anything else.
 */
function unitOfBytes(value: ScalarValue): IntervalUnit | undefined {
  const name = value as Uint8Array;
  for (const { unit, bytes: candidate } of encodedUnits) {
    if (candidate.length !== name.length) continue;
    let index = 0;
    // Upper-cases an ASCII letter; the unit names hold only letters and '_'.
    while (index < name.length && (name[index]! >= 0x61 && name[index]! <= 0x7a ? name[index]! - 0x20 : name[index]!) === candidate[index]) index++;
    if (index === name.length) return unit;
  }
  return undefined;
}

/** The TIMESTAMPDIFF units: MySQL accepts only the simple ones. */
function timestampDiffUnit(value: ScalarValue): IntervalUnit {
  const unit = unitOfBytes(value);
  if (unit === undefined || unit.includes('_')) throw new ExprError(ExprErrorCode.wrongArguments, `Incorrect arguments to timestampdiff: unit '${text(value)}'`);
  return unit;
}

/** MySQL's Item_func_timestamp_diff::val_int (end minus begin, in whole units toward zero). */
export function timestampDiff(unit: IntervalUnit, begin: MysqlTime, end: MysqlTime): bigint {
  const span = absoluteMicroseconds(end) - absoluteMicroseconds(begin);
  const negative = span < 0n;
  const magnitude = negative ? -span : span;
  const sign = negative ? -1n : 1n;
  const seconds = magnitude / microsecondsPerSecond;
  switch (unit) {
    case 'MICROSECOND':
      return span;
    case 'SECOND':
      return seconds * sign;
    case 'MINUTE':
      return (seconds / 60n) * sign;
    case 'HOUR':
      return (seconds / 3600n) * sign;
    case 'DAY':
      return (seconds / 86_400n) * sign;
    case 'WEEK':
      return (seconds / (86_400n * 7n)) * sign;
    default: {
      const [from, to] = negative ? [end, begin] : [begin, end];
      const dayEarlier = to.month < from.month || (to.month === from.month && to.day < from.day);
      let months = 12 * (to.year - from.year - (dayEarlier ? 1 : 0));
      months += dayEarlier ? 12 - (from.month - to.month) : to.month - from.month;
      const fromSecond = (from.hour * 60 + from.minute) * 60 + from.second;
      const toSecond = (to.hour * 60 + to.minute) * 60 + to.second;
      if (to.day < from.day) months -= 1;
      else if (to.day === from.day && (toSecond < fromSecond || (toSecond === fromSecond && to.microsecond < from.microsecond))) months -= 1;
      const divisor = unit === 'YEAR' ? 12 : unit === 'QUARTER' ? 3 : 1;
      return BigInt(Math.trunc(months / divisor)) * sign;
    }
  }
}

defineScalar({
  sig: Sig.TimestampDiff,
  name: 'timestampdiff',
  args: ['bytes', 'time', 'time'],
  returns: 'int',
  row: (context, [unit, left, right]) => {
    const unitName = timestampDiffUnit(unit!);
    const begin = realDay(context, left as MysqlTime);
    const end = realDay(context, right as MysqlTime);
    if (begin === null || end === null) return null;
    return timestampDiff(unitName, begin, end);
  },
});

// HOUR, MINUTE, SECOND and MICROSECOND read a TIME (a datetime's time of day): the hour is
// not reduced to 0..23 and the sign is dropped, as in MySQL.
function defineDurationPart(sig: Sig, name: string, part: (parts: ReturnType<Duration['parts']>) => number): void {
  defineScalar({ sig, name, args: ['duration'], returns: 'int', row: (_context, [value]) => BigInt(part((value as Duration).parts())) });
}
defineDurationPart(Sig.Hour, 'hour', (parts) => parts.hours);
defineDurationPart(Sig.Minute, 'minute', (parts) => parts.minutes);
defineDurationPart(Sig.Second, 'second', (parts) => parts.seconds);
defineDurationPart(Sig.MicroSecond, 'microsecond', (parts) => parts.microseconds);

// TIME_TO_SEC: whole seconds, toward zero (MySQL 8 returns an integer; MariaDB keeps the fraction).
defineScalar({
  sig: Sig.TimeToSec,
  name: 'time_to_sec',
  args: ['duration'],
  returns: 'int',
  row: (_context, [value]) => (value as Duration).nanoseconds / 1_000_000_000n,
});

// SEC_TO_TIME: the fraction is cut to the result's fsp; beyond 838:59:59 the result is
// clamped with warning 1292 "Truncated incorrect seconds value", as MySQL does.
defineScalar({
  sig: Sig.SecToTime,
  name: 'sec_to_time',
  args: ['decimal'],
  returns: 'duration',
  row: (context, [value], call) => {
    const seconds = value as Decimal;
    const fsp = fspOf(call.type);
    const unit = 10n ** BigInt(9 - fsp);
    const nanoseconds = (seconds.coefficient * 10n ** 9n) / 10n ** BigInt(seconds.scale);
    const truncated = (nanoseconds / unit) * unit;
    const limit = Duration.maxNanoseconds;
    if (truncated > limit || truncated < -limit) {
      context.warn(DateWarningCode.truncatedWrongValue, `Truncated incorrect seconds value: '${seconds.toString()}'`);
      return Duration.fromNanoseconds(truncated < 0n ? -limit : limit, fsp);
    }
    return Duration.fromNanoseconds(truncated, fsp);
  },
});

/** DATE_FORMAT's text, or NULL where MySQL gives NULL: an empty format, or a name of a zero part. */
function formatAsBytes(time: MysqlTime, format: Uint8Array): Uint8Array | null {
  if (format.length === 0) return null;
  const formatted = formatDateTime(time, decoder.decode(format));
  return formatted === undefined ? null : bytes(formatted);
}

defineScalar({
  sig: Sig.DateFormat,
  name: 'date_format',
  args: ['time', 'bytes'],
  returns: 'bytes',
  row: (_context, [value, format]) => {
    // Zero parts are allowed (TIME_FUZZY_DATE); the specifiers that need a month or a
    // weekday give NULL without one.
    return formatAsBytes(value as MysqlTime, format as Uint8Array);
  },
});

/**
 * TIMESTAMP's range for UNIX_TIMESTAMP and FROM_UNIXTIME: MySQL 8.0.28+ on 64-bit
 * platforms accepts up to '3001-01-19 03:14:07.999999' UTC (MariaDB 10.11 stops at 2038).
 */
const maxUnixSeconds = 32_536_771_199n;

/**
 * UNIX_TIMESTAMP(x) in microseconds: x read in the context's time zone. MySQL 8 gives 0
 * for the zero date and for values outside the range.
 */
function unixMicroseconds(context: EvalContext, time: MysqlTime): bigint {
  if (time.month === 0 || time.day === 0) return 0n;
  const microseconds = time.toUnixMicroseconds(context.timeZoneOffsetSeconds);
  if (microseconds < 0n || microseconds >= (maxUnixSeconds + 1n) * microsecondsPerSecond) return 0n;
  return microseconds;
}

defineScalar({
  sig: Sig.UnixTimestampInt,
  name: 'unix_timestamp',
  args: ['time'],
  returns: 'int',
  row: (context, [value]) => unixMicroseconds(context, value as MysqlTime) / microsecondsPerSecond,
});

defineScalar({
  sig: Sig.UnixTimestampDecimal,
  name: 'unix_timestamp',
  args: ['time'],
  returns: 'decimal',
  row: (context, [value], call) => {
    const scale = Math.max(0, Math.min(call.type.decimals, 6));
    const microseconds = unixMicroseconds(context, value as MysqlTime);
    return Decimal.fromScaled(microseconds / 10n ** BigInt(6 - scale), scale);
  },
});

/** FROM_UNIXTIME's instant as a DATETIME in the context's time zone, or null outside the range. */
function fromUnixTime(context: EvalContext, value: Decimal, fsp: number): MysqlTime | null {
  if (value.isNegative()) return null;
  const microseconds = (value.coefficient * microsecondsPerSecond) / 10n ** BigInt(value.scale);
  if (microseconds / microsecondsPerSecond > maxUnixSeconds) return null;
  // Digits past the result's fsp are cut, as MySQL does (it does not round here).
  const unit = 10n ** BigInt(6 - fsp);
  return MysqlTime.fromUnixMicroseconds((microseconds / unit) * unit, 'datetime', fsp, context.timeZoneOffsetSeconds);
}

defineScalar({
  sig: Sig.FromUnixTime1Arg,
  name: 'from_unixtime',
  args: ['decimal'],
  returns: 'time',
  row: (context, [value], call) => fromUnixTime(context, value as Decimal, fspOf(call.type)),
});

defineScalar({
  sig: Sig.FromUnixTime2Arg,
  name: 'from_unixtime',
  args: ['decimal', 'bytes'],
  returns: 'bytes',
  row: (context, [value, format]) => {
    const time = fromUnixTime(context, value as Decimal, 6);
    return time === null ? null : formatAsBytes(time, format as Uint8Array);
  },
});

/** EXTRACT's unit, checked: the parser only passes MySQL's unit names. */
function extractUnit(value: ScalarValue): IntervalUnit {
  const unit = unitOfBytes(value);
  if (unit === undefined) throw new ExprError(ExprErrorCode.wrongArguments, `Incorrect arguments to extract: unit '${text(value)}'`);
  return unit;
}

/** MySQL's Item_extract::val_int over a value's parts. */
function extractParts(unit: IntervalUnit, parts: { year: number; month: number; day: number; hour: number; minute: number; second: number; microsecond: number; week: () => number }): bigint {
  const { year, month, day, hour, minute, second, microsecond } = parts;
  switch (unit) {
    case 'YEAR':
      return BigInt(year);
    case 'YEAR_MONTH':
      return BigInt(year * 100 + month);
    case 'QUARTER':
      return BigInt(Math.floor((month + 2) / 3));
    case 'MONTH':
      return BigInt(month);
    case 'WEEK':
      return BigInt(parts.week());
    case 'DAY':
      return BigInt(day);
    case 'DAY_HOUR':
      return BigInt(day) * 100n + BigInt(hour);
    case 'DAY_MINUTE':
      return BigInt(day) * 10_000n + BigInt(hour * 100 + minute);
    case 'DAY_SECOND':
      return BigInt(day) * 1_000_000n + BigInt(hour * 10_000 + minute * 100 + second);
    case 'HOUR':
      return BigInt(hour);
    case 'HOUR_MINUTE':
      return BigInt(hour) * 100n + BigInt(minute);
    case 'HOUR_SECOND':
      return BigInt(hour) * 10_000n + BigInt(minute * 100 + second);
    case 'MINUTE':
      return BigInt(minute);
    case 'MINUTE_SECOND':
      return BigInt(minute * 100 + second);
    case 'SECOND':
      return BigInt(second);
    case 'MICROSECOND':
      return BigInt(microsecond);
    case 'DAY_MICROSECOND':
      return (BigInt(day) * 1_000_000n + BigInt(hour * 10_000 + minute * 100 + second)) * 1_000_000n + BigInt(microsecond);
    case 'HOUR_MICROSECOND':
      return (BigInt(hour) * 10_000n + BigInt(minute * 100 + second)) * 1_000_000n + BigInt(microsecond);
    case 'MINUTE_MICROSECOND':
      return BigInt(minute * 100 + second) * 1_000_000n + BigInt(microsecond);
    case 'SECOND_MICROSECOND':
      return BigInt(second) * 1_000_000n + BigInt(microsecond);
  }
}

defineScalar({
  sig: Sig.ExtractDatetime,
  name: 'extract',
  args: ['bytes', 'time'],
  returns: 'int',
  row: (_context, [unit, value]) => {
    const time = value as MysqlTime;
    return extractParts(extractUnit(unit!), { ...fieldsOf(time), week: () => calcWeek(time.year, time.month, time.day, weekMode(0)).week });
  },
});

// EXTRACT from a TIME: units with a day split the hours into days (as MariaDB does; MySQL
// would read the current date), units without keep every hour ('100:00:00' has HOUR 100,
// as MySQL 8 gives). The sign applies to the whole result.
defineScalar({
  sig: Sig.ExtractDuration,
  name: 'extract',
  args: ['bytes', 'duration'],
  returns: 'int',
  row: (_context, [unit, value]) => {
    const unitName = extractUnit(unit!);
    const { negative, hours, minutes, seconds, microseconds } = (value as Duration).parts();
    const withDays = unitName.startsWith('DAY');
    const magnitude = extractParts(unitName, {
      year: 0,
      month: 0,
      day: withDays ? Math.floor(hours / 24) : 0,
      hour: withDays ? hours % 24 : hours,
      minute: minutes,
      second: seconds,
      microsecond: microseconds,
      week: () => 0,
    });
    return negative ? -magnitude : magnitude;
  },
});

function fieldsOf(time: MysqlTime): DateTimeFields {
  return { year: time.year, month: time.month, day: time.day, hour: time.hour, minute: time.minute, second: time.second, microsecond: time.microsecond };
}

/**
 * The interval of a DATE_ADD call, or null (MySQL's NULL) when its text does not fit the
 * unit. Text that is not a number warns as MySQL's conversion does and counts as what
 * could be read.
 */
function readInterval(context: EvalContext, value: ScalarValue, unitValue: ScalarValue, subtract: boolean): { interval: Interval; unit: IntervalUnit } | null {
  const unit = unitOfBytes(unitValue);
  if (unit === undefined) throw new ExprError(ExprErrorCode.wrongArguments, `Incorrect arguments to date_add: unit '${text(unitValue)}'`);
  const valueText = text(value);
  const parsed = parseInterval(valueText, unit);
  if (parsed === undefined) return null;
  if (parsed.invalid) context.warn(DateWarningCode.truncatedWrongValue, `Truncated incorrect ${unit === 'SECOND' ? 'DECIMAL' : 'INTEGER'} value: '${valueText}'`);
  return { interval: subtract ? negateInterval(parsed.interval) : parsed.interval, unit };
}

function overflow(context: EvalContext, what: 'datetime' | 'time'): null {
  context.warn(DateWarningCode.datetimeFunctionOverflow, `Datetime function: ${what} field overflow`);
  return null;
}

/** DATE_ADD of a calendar value; null (with MySQL's warnings) for zero parts and overflow. */
function addToTime(context: EvalContext, time: MysqlTime, interval: Interval, unit: IntervalUnit): DateTimeFields | null {
  if (realDay(context, time) === null) return null;
  const moved = addInterval(fieldsOf(time), interval, unit);
  return moved === undefined ? overflow(context, 'datetime') : moved;
}

function timeOfFields(fields: DateTimeFields, type: TimeType, fsp: number): MysqlTime {
  if (type === 'date') return MysqlTime.fromFields({ year: fields.year, month: fields.month, day: fields.day }, 'date');
  // Microseconds past the result's fsp cannot occur: the fsp covers both operands.
  return MysqlTime.fromFields(fields, type, fsp);
}

for (const [sig, name, subtract] of [
  [Sig.AddDateTimeInterval, 'date_add', false],
  [Sig.SubDateTimeInterval, 'date_sub', true],
] as const) {
  defineScalar({
    sig,
    name,
    args: ['time', 'bytes', 'bytes'],
    returns: 'time',
    row: (context, [value, intervalValue, unitValue], call) => {
      const read = readInterval(context, intervalValue!, unitValue!, subtract);
      if (read === null) return null;
      const moved = addToTime(context, value as MysqlTime, read.interval, read.unit);
      return moved === null ? null : timeOfFields(moved, timeTypeOf(call.type), fspOf(call.type));
    },
  });
}

for (const [sig, name, subtract] of [
  [Sig.AddDateDurationInterval, 'date_add', false],
  [Sig.SubDateDurationInterval, 'date_sub', true],
] as const) {
  defineScalar({
    sig,
    name,
    args: ['duration', 'bytes', 'bytes'],
    returns: 'duration',
    row: (context, [value, intervalValue, unitValue], call) => {
      const read = readInterval(context, intervalValue!, unitValue!, subtract);
      if (read === null) return null;
      // A TIME moves by spans only; years and months overflow it (MariaDB's "time field overflow").
      if (isMonthUnit(read.unit)) return overflow(context, 'time');
      const nanoseconds = (value as Duration).nanoseconds + intervalMicroseconds(read.interval) * nanosecondsPerMicrosecond;
      if (nanoseconds > Duration.maxNanoseconds || nanoseconds < -Duration.maxNanoseconds) return overflow(context, 'time');
      return Duration.fromNanoseconds(nanoseconds, fspOf(call.type));
    },
  });
}

/**
 * Text whose value is a date without a time of day: a delimited or 6/8-digit date not
 * followed by (spaces or 'T' and) a digit. Text after the date is ignored here; it only
 * makes MySQL warn.
 */
const dateOnlyText = /^\s*(?:\d{1,4}[!-/:-@[-`{-~]\d{1,2}[!-/:-@[-`{-~]\d{1,2}|\d{8}|\d{6})(?!\d)(?!(?:\s+|T)\d)/;

/**
 * DATE_ADD of a string: the string is read as a DATE when it has no time of day and the
 * unit moves only the calendar, else as a DATETIME; the result is text of that form. A
 * DATETIME shows microseconds (six digits) only when it has some, as MySQL 8 prints it
 * (MariaDB prints as many digits as the arguments had). Text after the value is ignored
 * with MySQL's "Truncated incorrect date value" warning; text that is no date, the zero
 * date and zero months or days give NULL with "Incorrect datetime value".
 */
export function addToDateText(context: EvalContext, valueText: string, interval: Interval, unit: IntervalUnit): string | null {
  const parsed = parseDatetimeText(valueText, 'datetime', 6);
  const isDate = dateOnlyText.test(valueText);
  if (parsed !== undefined && parsed.truncated) context.warn(DateWarningCode.truncatedWrongValue, `Truncated incorrect ${isDate ? 'date' : 'datetime'} value: '${valueText}'`);
  if (parsed === undefined || parsed.value.month === 0 || parsed.value.day === 0) {
    context.warn(DateWarningCode.truncatedWrongValue, `Incorrect datetime value: '${valueText}'`);
    return null;
  }
  const moved = addToTime(context, parsed.value, interval, unit);
  if (moved === null) return null;
  if (isDate && isDateOnlyUnit(unit)) return timeOfFields(moved, 'date', 0).toString();
  return timeOfFields(moved, 'datetime', moved.microsecond === 0 ? 0 : 6).toString();
}

for (const [sig, name, subtract] of [
  [Sig.AddDateStringInterval, 'date_add', false],
  [Sig.SubDateStringInterval, 'date_sub', true],
] as const) {
  defineScalar({
    sig,
    name,
    args: ['bytes', 'bytes', 'bytes'],
    returns: 'bytes',
    row: (context, [value, intervalValue, unitValue]) => {
      const read = readInterval(context, intervalValue!, unitValue!, subtract);
      if (read === null) return null;
      const result = addToDateText(context, text(value!), read.interval, read.unit);
      return result === null ? null : bytes(result);
    },
  });
}
