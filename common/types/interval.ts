/**
 * MySQL's INTERVAL values: the units of DATE_ADD/DATE_SUB/EXTRACT/TIMESTAMPDIFF, how an
 * interval's text is read for a unit (MySQL's get_interval_value and get_interval_info),
 * and how an interval moves a date (date_add_interval). Pure: no warnings are raised here;
 * callers turn `undefined` results into MySQL's NULL and warnings.
 */
import { dayNumber, daysInMonth, isLeapYear, type MysqlTimeFields } from './time.js';

export const intervalUnits = [
  'MICROSECOND',
  'SECOND',
  'MINUTE',
  'HOUR',
  'DAY',
  'WEEK',
  'MONTH',
  'QUARTER',
  'YEAR',
  'SECOND_MICROSECOND',
  'MINUTE_MICROSECOND',
  'MINUTE_SECOND',
  'HOUR_MICROSECOND',
  'HOUR_SECOND',
  'HOUR_MINUTE',
  'DAY_MICROSECOND',
  'DAY_SECOND',
  'DAY_MINUTE',
  'DAY_HOUR',
  'YEAR_MONTH',
] as const;

export type IntervalUnit = (typeof intervalUnits)[number];

/** The unit named `name` (any case), or undefined. */
export function parseIntervalUnit(name: string): IntervalUnit | undefined {
  const upper = name.trim().toUpperCase();
  return (intervalUnits as readonly string[]).includes(upper) ? (upper as IntervalUnit) : undefined;
}

/** The units that are one number (the rest are written as several digit groups). */
export function isSimpleUnit(unit: IntervalUnit): boolean {
  return !unit.includes('_');
}

/** Units that move only the calendar (the result of a DATE stays a DATE). */
export function isDateOnlyUnit(unit: IntervalUnit): boolean {
  return unit === 'DAY' || unit === 'WEEK' || unit === 'MONTH' || unit === 'QUARTER' || unit === 'YEAR' || unit === 'YEAR_MONTH';
}

/** Units that move years and months (rather than a span of seconds). */
export function isMonthUnit(unit: IntervalUnit): boolean {
  return unit === 'MONTH' || unit === 'QUARTER' || unit === 'YEAR' || unit === 'YEAR_MONTH';
}

/** Units whose value carries microseconds: their results have fsp 6. */
export function hasMicrosecondPart(unit: IntervalUnit): boolean {
  return unit.endsWith('MICROSECOND');
}

/**
 * An interval's magnitude per field, as MySQL's `Interval` struct holds it, with the sign
 * apart. Fields are bigints: '100000000000' DAY must overflow the date, not lose digits.
 */
export interface Interval {
  readonly negative: boolean;
  readonly years: bigint;
  readonly months: bigint;
  readonly days: bigint;
  readonly hours: bigint;
  readonly minutes: bigint;
  readonly seconds: bigint;
  readonly microseconds: bigint;
}

const emptyInterval: Interval = { negative: false, years: 0n, months: 0n, days: 0n, hours: 0n, minutes: 0n, seconds: 0n, microseconds: 0n };

/** The digit groups of each composite unit, largest first; `true` when the last is microseconds. */
const compositeFields: Readonly<Record<string, { readonly fields: readonly (keyof Interval)[]; readonly microseconds: boolean }>> = {
  YEAR_MONTH: { fields: ['years', 'months'], microseconds: false },
  DAY_HOUR: { fields: ['days', 'hours'], microseconds: false },
  DAY_MINUTE: { fields: ['days', 'hours', 'minutes'], microseconds: false },
  DAY_SECOND: { fields: ['days', 'hours', 'minutes', 'seconds'], microseconds: false },
  HOUR_MINUTE: { fields: ['hours', 'minutes'], microseconds: false },
  HOUR_SECOND: { fields: ['hours', 'minutes', 'seconds'], microseconds: false },
  MINUTE_SECOND: { fields: ['minutes', 'seconds'], microseconds: false },
  DAY_MICROSECOND: { fields: ['days', 'hours', 'minutes', 'seconds', 'microseconds'], microseconds: true },
  HOUR_MICROSECOND: { fields: ['hours', 'minutes', 'seconds', 'microseconds'], microseconds: true },
  MINUTE_MICROSECOND: { fields: ['minutes', 'seconds', 'microseconds'], microseconds: true },
  SECOND_MICROSECOND: { fields: ['seconds', 'microseconds'], microseconds: true },
};

/**
 * The longest digit group get_interval_info reads, as MariaDB bounds it: a group of more
 * digits (leading zeros count) makes the whole interval NULL, without a warning, while
 * 19 nines are read and overflow the date. The bound also keeps a group's cost linear.
 */
const maxGroupDigits = 19;

const isDigit = (code: number): boolean => code >= 48 && code <= 57;
const isSpace = (code: number): boolean => code === 32 || (code >= 9 && code <= 13);

/**
 * Reads an interval value written as text for `unit`, or undefined where MySQL's
 * get_interval_value gives NULL. Simple units take a signed integer (the caller has
 * already converted numbers: MySQL reads them with val_int), except SECOND, which takes a
 * decimal ('1.5' is 1.5 seconds; digits past the sixth are cut). Composite units take
 * digit groups separated by anything ('1:30', '1 2:03:04.5'), an optional leading '-',
 * and missing leading groups count as zero ('1:30' HOUR_SECOND is 1 minute 30 seconds); a
 * microsecond group is a fraction ('1.5' SECOND_MICROSECOND is 1.500000 s). More groups
 * than the unit has give undefined. `invalid` tells whether the text was not a number
 * or had anything after the number, trailing spaces included (MySQL warns 'Truncated
 * incorrect ... value' and uses what it could read).
 */
export function parseInterval(text: string, unit: IntervalUnit): { interval: Interval; invalid: boolean } | undefined {
  if (isSimpleUnit(unit)) return parseSimpleInterval(text, unit);
  let position = 0;
  while (position < text.length && isSpace(text.charCodeAt(position))) position++;
  let negative = false;
  if (position < text.length && text[position] === '-') {
    negative = true;
    position++;
  }
  const { fields, microseconds } = compositeFields[unit]!;
  const count = fields.length;
  const values: bigint[] = [];
  let lastLength = 0;
  const skipSeparators = (): void => {
    while (position < text.length && !isDigit(text.charCodeAt(position))) position++;
  };
  skipSeparators();
  for (let index = 0; index < count; index++) {
    const start = position;
    let value = 0n;
    while (position < text.length && isDigit(text.charCodeAt(position))) {
      if (position - start === maxGroupDigits) return undefined;
      value = value * 10n + BigInt(text.charCodeAt(position) - 48);
      position++;
    }
    lastLength = position - start;
    values.push(value);
    skipSeparators();
    if (position === text.length) break;
  }
  // Text left after the last group: more groups than the unit has.
  if (position !== text.length) return undefined;
  // Fewer groups than the unit has: they are the smallest fields.
  while (values.length < count) values.unshift(0n);
  if (microseconds && lastLength > 0) {
    if (lastLength < 6) values[count - 1]! *= 10n ** BigInt(6 - lastLength);
    else if (lastLength > 6) values[count - 1]! /= 10n ** BigInt(lastLength - 6);
  }
  const interval: Record<keyof Interval, bigint | boolean> = { ...emptyInterval, negative };
  fields.forEach((field, index) => {
    interval[field] = values[index]!;
  });
  return { interval: interval as unknown as Interval, invalid: false };
}

const simpleIntegerPattern = /^\s*([+-]?)(\d*)/;
const decimalPattern = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?/;

function parseSimpleInterval(text: string, unit: IntervalUnit): { interval: Interval; invalid: boolean } | undefined {
  if (unit === 'SECOND') {
    const match = decimalPattern.exec(text)!;
    const [whole, sign = '', integerDigits = '', fractionDigits = '', exponentText] = match;
    const invalid = integerDigits + fractionDigits === '' || whole.length !== text.length;
    let digits = integerDigits + fractionDigits;
    let pointAt = integerDigits.length + (exponentText === undefined ? 0 : Number(exponentText));
    if (digits === '') digits = '0';
    // Past 10^40 seconds every date overflows, and a point more than 7 places left of the
    // digits leaves no microsecond: stop before building huge numbers (or strings).
    if (pointAt > 40) pointAt = 40;
    if (pointAt < -7) pointAt = -7;
    if (pointAt < 0) {
      digits = '0'.repeat(-pointAt) + digits;
      pointAt = 0;
    }
    const integerPart = BigInt(digits.slice(0, pointAt).padEnd(pointAt, '0') || '0');
    const microseconds = BigInt((digits.slice(pointAt) + '000000').slice(0, 6));
    return { interval: { ...emptyInterval, negative: sign === '-' && (integerPart !== 0n || microseconds !== 0n), seconds: integerPart, microseconds }, invalid };
  }
  const match = simpleIntegerPattern.exec(text)!;
  const [whole, sign = '', digits = ''] = match;
  let significant = 0;
  while (significant < digits.length - 1 && digits.charCodeAt(significant) === 48) significant++;
  // MySQL reads the text with val_int (my_strtoll10): past 2^64 − 1, or below −2^63, it
  // warns 1292 and the value overflows every date. Twenty-one digits are enough to
  // overflow; more would only cost time.
  const magnitude = digits === '' ? 0n : digits.length - significant > 21 ? 10n ** 21n : BigInt(digits.slice(significant));
  const negative = sign === '-' && magnitude !== 0n;
  const outOfRange = magnitude > (negative ? 2n ** 63n : 2n ** 64n - 1n);
  const invalid = digits === '' || whole.length !== text.length || outOfRange;
  switch (unit) {
    case 'YEAR':
      return { interval: { ...emptyInterval, negative, years: magnitude }, invalid };
    case 'QUARTER':
      return { interval: { ...emptyInterval, negative, months: magnitude * 3n }, invalid };
    case 'MONTH':
      return { interval: { ...emptyInterval, negative, months: magnitude }, invalid };
    case 'WEEK':
      return { interval: { ...emptyInterval, negative, days: magnitude * 7n }, invalid };
    case 'DAY':
      return { interval: { ...emptyInterval, negative, days: magnitude }, invalid };
    case 'HOUR':
      return { interval: { ...emptyInterval, negative, hours: magnitude }, invalid };
    case 'MINUTE':
      return { interval: { ...emptyInterval, negative, minutes: magnitude }, invalid };
    default:
      return { interval: { ...emptyInterval, negative, microseconds: magnitude }, invalid };
  }
}

/** The interval with its sign flipped (DATE_SUB). */
export function negateInterval(interval: Interval): Interval {
  return { ...interval, negative: !interval.negative };
}

/** The interval's day-and-time part as signed microseconds. */
export function intervalMicroseconds(interval: Interval): bigint {
  const magnitude = ((((interval.days * 24n + interval.hours) * 60n + interval.minutes) * 60n + interval.seconds) * 1_000_000n) + interval.microseconds;
  return interval.negative ? -magnitude : magnitude;
}

/** Calendar fields, as `MysqlTimeFields` but complete. */
export type DateTimeFields = Readonly<Required<MysqlTimeFields>>;

/** Day numbers of 0001-01-01 and 9999-12-31 (MySQL's calc_daynr). */
const firstDayNumber = 366;
const lastDayNumber = 3_652_424;
const microsecondsPerDay = 86_400_000_000n;

/**
 * MySQL's date_add_interval: `fields` moved by `interval` of `unit`, or undefined when the
 * result leaves the supported range (MySQL's "datetime field overflow"). Month units keep
 * the time of day and clamp the day to the new month ('2020-01-31' + 1 MONTH is
 * '2020-02-29'); they allow year 0. Other units add a span and must land in 0001..9999.
 * The input must be a valid date (no zero month or day).
 */
export function addInterval(fields: DateTimeFields, interval: Interval, unit: IntervalUnit): DateTimeFields | undefined {
  if (isMonthUnit(unit)) {
    const sign = interval.negative ? -1n : 1n;
    const period = BigInt(fields.year) * 12n + BigInt(fields.month - 1) + sign * (interval.years * 12n + interval.months);
    if (period < 0n || period >= 120_000n) return undefined;
    const year = Number(period / 12n);
    const month = Number(period % 12n) + 1;
    let day = fields.day;
    if (unit === 'YEAR') {
      // Only a leap day can fall off the end of its month when only the year changes.
      if (fields.month === 2 && fields.day === 29 && !isLeapYear(year)) day = 28;
    } else if (day > daysInMonth(year, month)) {
      day = daysInMonth(year, month);
    }
    return { ...fields, year, month, day };
  }
  const start = BigInt(dayNumber(fields.year, fields.month, fields.day)) * microsecondsPerDay + BigInt(((fields.hour * 60 + fields.minute) * 60 + fields.second) * 1_000_000 + fields.microsecond);
  const moved = start + intervalMicroseconds(interval);
  let days = moved / microsecondsPerDay;
  let rest = moved % microsecondsPerDay;
  if (rest < 0n) {
    rest += microsecondsPerDay;
    days -= 1n;
  }
  if (days < BigInt(firstDayNumber) || days > BigInt(lastDayNumber)) return undefined;
  const date = dateOfDayNumber(Number(days));
  const secondOfDay = Number(rest / 1_000_000n);
  return {
    ...date,
    hour: Math.floor(secondOfDay / 3600),
    minute: Math.floor(secondOfDay / 60) % 60,
    second: secondOfDay % 60,
    microsecond: Number(rest % 1_000_000n),
  };
}

/** The inverse of `dayNumber` inside 0001..9999. */
export function dateOfDayNumber(days: number): { year: number; month: number; day: number } {
  let year = Math.floor(days / 365.2425);
  while (dayNumber(year + 1, 1, 1) <= days) year += 1;
  while (year > 0 && dayNumber(year, 1, 1) > days) year -= 1;
  let dayOfYear = days - dayNumber(year, 1, 1) + 1;
  let month = 1;
  while (month < 12 && dayOfYear > daysInMonth(year, month)) {
    dayOfYear -= daysInMonth(year, month);
    month += 1;
  }
  return { year, month, day: dayOfYear };
}
