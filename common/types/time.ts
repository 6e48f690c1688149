/**
 * MySQL's temporal values: DATE/DATETIME/TIMESTAMP (`MysqlTime`), TIME (`Duration`) and
 * YEAR (`parseYear`). Parsing follows MySQL's literal rules, fractional seconds round
 * half-up to the requested fsp as in MySQL and TiDB, and the packed forms are TiDB's
 * (`CoreTime.ToPackedUint`, Duration as int64 nanoseconds) so keys compare correctly.
 */
import { CodecError } from '../errors.js';

export type TimeType = 'date' | 'datetime' | 'timestamp';

export const maxFsp = 6;

/**
 * A temporal value MySQL would reject. `mysqlCode` is the error MySQL raises in strict
 * mode: ER_TRUNCATED_WRONG_VALUE (1292, "Incorrect datetime value") unless said otherwise.
 */
export class TimeError extends Error {
  override readonly name = 'TimeError';
  readonly mysqlCode: number;

  constructor(message: string, mysqlCode: number = timeErrorCode.truncatedWrongValue) {
    super(message);
    this.mysqlCode = mysqlCode;
  }
}

export const timeErrorCode = {
  /** ER_TRUNCATED_WRONG_VALUE: "Incorrect datetime value: '...'". */
  truncatedWrongValue: 1292,
  /** ER_WARN_DATA_OUT_OF_RANGE: YEAR outside 1901..2155. */
  outOfRange: 1264,
  /** ER_TOO_BIG_PRECISION: an fsp above 6. */
  tooBigPrecision: 1426,
} as const;

const secondsPerDay = 86_400;
const microsecondsPerSecond = 1_000_000;

function checkFsp(fsp: number): void {
  if (!Number.isInteger(fsp) || fsp < 0 || fsp > maxFsp) {
    throw new TimeError(`Too-big precision ${fsp} specified; maximum is ${maxFsp}`, timeErrorCode.tooBigPrecision);
  }
}

/** MySQL's leap-year rule; year 0 is not a leap year for MySQL (calc_days_in_year). */
export function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || (year % 400 === 0 && year !== 0));
}

const daysInMonths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

export function daysInMonth(year: number, month: number): number {
  if (month === 2 && isLeapYear(year)) return 29;
  return daysInMonths[(month - 1) as 0];
}

/**
 * MySQL's calc_daynr: days since the made-up day 0000-00-00, so TO_DAYS('0000-01-01') is 1
 * and TO_DAYS('1970-01-01') is 719528. Returns 0 for a zero year and month.
 */
export function dayNumber(year: number, month: number, day: number): number {
  if (year === 0 && month === 0) return 0;
  let total = 365 * year + 31 * (month - 1) + day;
  let effectiveYear = year;
  if (month <= 2) effectiveYear -= 1;
  else total -= Math.trunc((month * 4 + 23) / 10);
  const centuryCorrection = Math.trunc(((Math.trunc(effectiveYear / 100) + 1) * 3) / 4);
  return total + Math.trunc(effectiveYear / 4) - centuryCorrection;
}

/** Day numbers of 0001-01-01 and 9999-12-31; FROM_DAYS gives the zero date outside them. */
const firstDayNumber = 366;
const lastDayNumber = 3_652_424;
const unixEpochDayNumber = 719_528;

/** The inverse of `dayNumber` (MySQL's FROM_DAYS), or undefined outside 0001..9999. */
function dateFromDayNumber(days: number): { year: number; month: number; day: number } | undefined {
  if (!Number.isInteger(days) || days < firstDayNumber || days > lastDayNumber) return undefined;
  let year = Math.floor(days / 365.2425);
  while (year < 9999 && dayNumber(year + 1, 1, 1) <= days) year += 1;
  while (dayNumber(year, 1, 1) > days) year -= 1;
  let dayOfYear = days - dayNumber(year, 1, 1) + 1;
  let month = 1;
  while (dayOfYear > daysInMonth(year, month)) {
    dayOfYear -= daysInMonth(year, month);
    month += 1;
  }
  return { year, month, day: dayOfYear };
}

/** Two-digit years: 70..99 are 1970..1999, 00..69 are 2000..2069 (MySQL's rule). */
function adjustTwoDigitYear(year: number): number {
  return year < 70 ? 2000 + year : 1900 + year;
}

/**
 * Rounds a fraction written as digits to `fsp` digits, half-up on the digit that follows,
 * as TiDB's ParseFrac does. Returns microseconds and whether rounding carried into a whole
 * second.
 */
function roundFraction(digits: string, fsp: number): { microsecond: number; carry: boolean } {
  if (digits.length === 0) return { microsecond: 0, carry: false };
  const kept = Number(digits.slice(0, fsp).padEnd(fsp, '0') || '0');
  const next = digits.length > fsp ? Number(digits[fsp]) : 0;
  let units = kept + (next >= 5 ? 1 : 0);
  let carry = false;
  if (units >= 10 ** fsp) {
    units = 0;
    carry = true;
  }
  return { microsecond: units * 10 ** (maxFsp - fsp), carry };
}

export interface MysqlTimeFields {
  year: number;
  month: number;
  day: number;
  hour?: number;
  minute?: number;
  second?: number;
  microsecond?: number;
}

/** ASCII punctuation, which MySQL accepts between date parts ('2012^12^31'). */
const punctuation = "[!-/:-@\\[-`{-~]";
const delimitedDatetimePattern = new RegExp(
  `^(\\d{1,4})${punctuation}(\\d{1,2})${punctuation}(\\d{1,2})` +
    `(?:(?:[ \\t]+|T)(\\d{1,2})(?:${punctuation}(\\d{1,2})(?:${punctuation}(\\d{1,2})(?:\\.(\\d*))?)?)?)?$`,
);
const numericDatetimePattern = /^(\d+)(?:\.(\d*))?$/;

/**
 * A DATE, DATETIME or TIMESTAMP value. Fields hold the wall-clock value; a TIMESTAMP is
 * stored in UTC by the caller (see `toUtc`/`fromUtc`). Immutable.
 *
 * Invariants: 0 <= year <= 9999; month 0..12 and day 0..31 where zeros are only the
 * "zero in date" forms MySQL can store (0000-00-00, 2012-00-00); otherwise day fits the
 * month; hour 0..23, minute and second 0..59, microsecond 0..999999; a 'date' has no time
 * of day and fsp 0.
 */
export class MysqlTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly microsecond: number;
  readonly type: TimeType;
  readonly fsp: number;

  private constructor(fields: Required<MysqlTimeFields>, type: TimeType, fsp: number) {
    this.year = fields.year;
    this.month = fields.month;
    this.day = fields.day;
    this.hour = fields.hour;
    this.minute = fields.minute;
    this.second = fields.second;
    this.microsecond = fields.microsecond;
    this.type = type;
    this.fsp = fsp;
  }

  /** Builds a value from fields, throwing TimeError when they are not a valid value. */
  static fromFields(fields: MysqlTimeFields, type: TimeType, fsp = 0): MysqlTime {
    const problem = MysqlTime.validate(fields, type, fsp);
    if (problem !== undefined) throw new TimeError(`Incorrect ${type} value: ${problem}`);
    return MysqlTime.unchecked(fields, type, fsp);
  }

  static zero(type: TimeType, fsp = 0): MysqlTime {
    return MysqlTime.fromFields({ year: 0, month: 0, day: 0 }, type, type === 'date' ? 0 : fsp);
  }

  private static unchecked(fields: MysqlTimeFields, type: TimeType, fsp: number): MysqlTime {
    return new MysqlTime(
      {
        year: fields.year,
        month: fields.month,
        day: fields.day,
        hour: fields.hour ?? 0,
        minute: fields.minute ?? 0,
        second: fields.second ?? 0,
        microsecond: fields.microsecond ?? 0,
      },
      type,
      fsp,
    );
  }

  private static validate(fields: MysqlTimeFields, type: TimeType, fsp: number): string | undefined {
    const { year, month, day } = fields;
    const hour = fields.hour ?? 0;
    const minute = fields.minute ?? 0;
    const second = fields.second ?? 0;
    const microsecond = fields.microsecond ?? 0;
    for (const value of [year, month, day, hour, minute, second, microsecond, fsp]) {
      if (!Number.isInteger(value)) return `non-integer field ${value}`;
    }
    if (fsp < 0 || fsp > maxFsp) return `fsp ${fsp}`;
    if (year < 0 || year > 9999) return `year ${year}`;
    if (month < 0 || month > 12) return `month ${month}`;
    if (day < 0 || day > 31) return `day ${day}`;
    if (month !== 0 && day !== 0 && day > daysInMonth(year, month)) return `day ${day} of ${year}-${month}`;
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
      return `time ${hour}:${minute}:${second}`;
    }
    if (microsecond < 0 || microsecond >= microsecondsPerSecond) return `microsecond ${microsecond}`;
    if (type === 'date' && (hour !== 0 || minute !== 0 || second !== 0 || microsecond !== 0 || fsp !== 0)) {
      return 'a DATE has no time of day';
    }
    return undefined;
  }

  /**
   * Parses a MySQL date/datetime literal: 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM:SS[.ffffff]' (any
   * ASCII punctuation as delimiter, one-digit fields, 'T' or spaces between date and time,
   * 'YYYY-MM-DD HH' and 'YYYY-MM-DD HH:MM' too), or digits only: 'YYYYMMDDHHMMSS[.f]',
   * 'YYMMDDHHMMSS[.f]', 'YYMMDDHHMM', 'YYYYMMDD', 'YYMMDD'. Two-digit years 70..99 are
   * 19xx and 00..69 are 20xx. The fraction rounds half-up to `fsp` digits and may carry
   * into the next second, day or year. A 'date' drops the time of day. The zero date
   * 0000-00-00 is accepted; other zero months or days ('2012-00-10') and invalid days
   * ('2001-02-29') throw TimeError (1292), as MySQL does in its default strict mode.
   */
  static parse(text: string, type: TimeType, fsp = 0): MysqlTime {
    checkFsp(fsp);
    const fail = (): TimeError => new TimeError(`Incorrect ${type} value: '${text}'`);
    const trimmed = text.trim();
    let year: number;
    let month: number;
    let day: number;
    let hour = 0;
    let minute = 0;
    let second = 0;
    let fraction = '';
    const delimited = delimitedDatetimePattern.exec(trimmed);
    const numeric = delimited === null ? numericDatetimePattern.exec(trimmed) : null;
    if (delimited !== null) {
      const [, yearText = '', monthText = '', dayText = '', hourText, minuteText, secondText, fractionText] = delimited;
      year = Number(yearText);
      month = Number(monthText);
      day = Number(dayText);
      hour = Number(hourText ?? '0');
      minute = Number(minuteText ?? '0');
      second = Number(secondText ?? '0');
      fraction = fractionText ?? '';
      const allZero = year === 0 && month === 0 && day === 0 && hour === 0 && minute === 0 && second === 0;
      // '00-00-00' stays the zero date rather than becoming 2000-00-00.
      if (yearText.length <= 2 && !(allZero && fraction === '')) year = adjustTwoDigitYear(year);
    } else if (numeric !== null) {
      const digits = numeric[1] ?? '';
      fraction = numeric[2] ?? '';
      const field = (start: number, length: number): number => Number(digits.slice(start, start + length));
      switch (digits.length) {
        case 14:
          [year, month, day, hour, minute, second] = [field(0, 4), field(4, 2), field(6, 2), field(8, 2), field(10, 2), field(12, 2)];
          break;
        case 12:
          [year, month, day, hour, minute, second] = [field(0, 2), field(2, 2), field(4, 2), field(6, 2), field(8, 2), field(10, 2)];
          year = adjustTwoDigitYear(year);
          break;
        case 10:
          [year, month, day, hour, minute] = [field(0, 2), field(2, 2), field(4, 2), field(6, 2), field(8, 2)];
          year = adjustTwoDigitYear(year);
          break;
        case 8:
          [year, month, day] = [field(0, 4), field(4, 2), field(6, 2)];
          break;
        case 6:
          [year, month, day] = [field(0, 2), field(2, 2), field(4, 2)];
          year = adjustTwoDigitYear(year);
          break;
        default:
          throw fail();
      }
      // A fraction only means something after seconds; 'YYYYMMDD.xxx' is not a literal.
      if (fraction !== '' && digits.length !== 14 && digits.length !== 12) throw fail();
    } else {
      throw fail();
    }
    const isZeroDate = year === 0 && month === 0 && day === 0;
    if (!isZeroDate && (month === 0 || day === 0)) throw fail();
    const fields: MysqlTimeFields = { year, month, day, hour, minute, second };
    if (type === 'date') {
      const problem = MysqlTime.validate({ year, month, day }, 'datetime', 0);
      if (problem !== undefined || hour > 23 || minute > 59 || second > 59) throw fail();
      return MysqlTime.unchecked({ year, month, day }, 'date', 0);
    }
    if (MysqlTime.validate(fields, type, fsp) !== undefined) throw fail();
    const { microsecond, carry } = roundFraction(fraction, fsp);
    const value = MysqlTime.unchecked({ ...fields, microsecond }, type, fsp);
    if (!carry) return value;
    if (isZeroDate) throw fail();
    const next = value.addMicroseconds(BigInt(microsecondsPerSecond));
    if (next === undefined) throw fail();
    return next;
  }

  /** 'YYYY-MM-DD' for a date, 'YYYY-MM-DD HH:MM:SS' plus '.' and fsp digits otherwise. */
  toString(): string {
    const pad = (value: number, width: number): string => String(value).padStart(width, '0');
    const date = `${pad(this.year, 4)}-${pad(this.month, 2)}-${pad(this.day, 2)}`;
    if (this.type === 'date') return date;
    const time = `${pad(this.hour, 2)}:${pad(this.minute, 2)}:${pad(this.second, 2)}`;
    if (this.fsp === 0) return `${date} ${time}`;
    return `${date} ${time}.${pad(this.microsecond, 6).slice(0, this.fsp)}`;
  }

  /** Chronological order (the type and fsp do not take part). */
  compare(other: MysqlTime): -1 | 0 | 1 {
    const left = this.toPackedUint();
    const right = other.toPackedUint();
    return left < right ? -1 : left > right ? 1 : 0;
  }

  equals(other: MysqlTime): boolean {
    return this.compare(other) === 0;
  }

  /**
   * TiDB's CoreTime.ToPackedUint: ymd = ((year*13+month)<<5)|day,
   * hms = hour<<12|minute<<6|second, packed = ((ymd<<17)|hms)<<24 | microsecond. Ordered
   * like the values, so index keys can hold it.
   */
  toPackedUint(): bigint {
    const ymd = BigInt(((this.year * 13 + this.month) << 5) | this.day);
    const hms = BigInt((this.hour << 12) | (this.minute << 6) | this.second);
    return (((ymd << 17n) | hms) << 24n) | BigInt(this.microsecond);
  }

  /** The inverse of `toPackedUint`; throws CodecError when the fields are not a valid value. */
  static fromPackedUint(packed: bigint, type: TimeType, fsp: number): MysqlTime {
    if (packed < 0n || packed >= 1n << 64n) throw new CodecError(`packed time ${packed} is not a uint64`);
    const microsecond = Number(packed & 0xffffffn);
    const ymdhms = packed >> 24n;
    const ymd = Number(ymdhms >> 17n);
    const hms = Number(ymdhms & 0x1ffffn);
    const fields: MysqlTimeFields = {
      year: Math.floor(ymd / 32 / 13),
      month: Math.floor(ymd / 32) % 13,
      day: ymd % 32,
      hour: hms >> 12,
      minute: (hms >> 6) & 63,
      second: hms & 63,
      microsecond,
    };
    const problem = MysqlTime.validate(fields, type, fsp);
    if (problem !== undefined) throw new CodecError(`corrupt packed ${type} ${packed}: ${problem}`);
    return MysqlTime.unchecked(fields, type, fsp);
  }

  /** True for the zero value 0000-00-00 00:00:00. */
  isZero(): boolean {
    return (
      this.year === 0 &&
      this.month === 0 &&
      this.day === 0 &&
      this.hour === 0 &&
      this.minute === 0 &&
      this.second === 0 &&
      this.microsecond === 0
    );
  }

  /** The same value as another type; a 'date' drops the time of day (and fsp). */
  withType(type: TimeType, fsp = this.fsp): MysqlTime {
    if (type === 'date') return MysqlTime.unchecked({ year: this.year, month: this.month, day: this.day }, 'date', 0);
    checkFsp(fsp);
    return MysqlTime.unchecked(this, type, fsp).roundToFsp(fsp);
  }

  /** The date part as a 'date' value. */
  toDate(): MysqlTime {
    return this.withType('date');
  }

  /** Rounds the microseconds half-up to `fsp` digits, carrying into the seconds. */
  roundToFsp(fsp: number): MysqlTime {
    checkFsp(fsp);
    const unit = 10 ** (maxFsp - fsp);
    const rounded = Math.floor((this.microsecond + unit / 2) / unit) * unit;
    if (rounded < microsecondsPerSecond) return MysqlTime.unchecked({ ...this, microsecond: rounded }, this.type, fsp);
    const next = MysqlTime.unchecked({ ...this, microsecond: 0 }, this.type, fsp).addMicroseconds(
      BigInt(microsecondsPerSecond),
    );
    if (next === undefined) throw new TimeError(`Incorrect ${this.type} value: '${this.toString()}' rounds past 9999`);
    return next;
  }

  /** MySQL's TO_DAYS: days since 0000-00-00 (see `dayNumber`). */
  toDayNumber(): number {
    return dayNumber(this.year, this.month, this.day);
  }

  /** MySQL's FROM_DAYS; the zero date outside 0001-01-01..9999-12-31. */
  static fromDayNumber(days: number, type: TimeType = 'date', fsp = 0): MysqlTime {
    const date = dateFromDayNumber(days);
    if (date === undefined) return MysqlTime.zero(type, fsp);
    return MysqlTime.unchecked(date, type, type === 'date' ? 0 : fsp);
  }

  /** MySQL's WEEKDAY: 0 = Monday .. 6 = Sunday. */
  weekday(): number {
    return (this.toDayNumber() + 5) % 7;
  }

  /** Microseconds since 1970-01-01 00:00:00 of this wall-clock value read at UTC+offsetSeconds. */
  toUnixMicroseconds(offsetSeconds = 0): bigint {
    const days = BigInt(this.toDayNumber() - unixEpochDayNumber);
    const seconds =
      days * BigInt(secondsPerDay) + BigInt(this.hour * 3600 + this.minute * 60 + this.second - offsetSeconds);
    return seconds * BigInt(microsecondsPerSecond) + BigInt(this.microsecond);
  }

  /**
   * The wall-clock value at UTC+offsetSeconds of an instant given in microseconds since the
   * Unix epoch. Throws TimeError outside 0001-01-01..9999-12-31.
   */
  static fromUnixMicroseconds(microseconds: bigint, type: TimeType, fsp = 0, offsetSeconds = 0): MysqlTime {
    checkFsp(fsp);
    const local = microseconds + BigInt(offsetSeconds) * BigInt(microsecondsPerSecond);
    const value = MysqlTime.fromLocalMicroseconds(local, type === 'date' ? 'datetime' : type, fsp);
    if (value === undefined) throw new TimeError(`Incorrect ${type} value: ${microseconds} microseconds`);
    const rounded = value.roundToFsp(fsp);
    return type === 'date' ? rounded.toDate() : rounded;
  }

  private static fromLocalMicroseconds(local: bigint, type: TimeType, fsp: number): MysqlTime | undefined {
    const perDay = BigInt(secondsPerDay) * BigInt(microsecondsPerSecond);
    let days = local / perDay;
    let rest = local % perDay;
    if (rest < 0n) {
      rest += perDay;
      days -= 1n;
    }
    const date = dateFromDayNumber(Number(days) + unixEpochDayNumber);
    if (date === undefined) return undefined;
    const secondOfDay = Number(rest / BigInt(microsecondsPerSecond));
    return MysqlTime.unchecked(
      {
        ...date,
        hour: Math.floor(secondOfDay / 3600),
        minute: Math.floor(secondOfDay / 60) % 60,
        second: secondOfDay % 60,
        microsecond: Number(rest % BigInt(microsecondsPerSecond)),
      },
      type,
      fsp,
    );
  }

  /** This value moved by `microseconds`, or undefined when it leaves 0001..9999. */
  addMicroseconds(microseconds: bigint): MysqlTime | undefined {
    if (this.isZero() || this.month === 0 || this.day === 0) return undefined;
    const moved = MysqlTime.fromLocalMicroseconds(this.toUnixMicroseconds() + microseconds, this.type, this.fsp);
    // A DATE keeps no time of day, whatever the span added.
    return this.type === 'date' ? moved?.toDate() : moved;
  }

  /**
   * Converts a wall-clock value at UTC+offsetSeconds to UTC (how a TIMESTAMP is stored).
   * The zero value stays zero.
   */
  toUtc(offsetSeconds: number): MysqlTime {
    return this.shiftSeconds(-offsetSeconds);
  }

  /** Converts a UTC value to the wall clock at UTC+offsetSeconds. The zero value stays zero. */
  fromUtc(offsetSeconds: number): MysqlTime {
    return this.shiftSeconds(offsetSeconds);
  }

  private shiftSeconds(seconds: number): MysqlTime {
    if (!Number.isInteger(seconds)) throw new TimeError(`bad time zone offset ${seconds}`);
    if (this.isZero()) return this;
    const shifted = this.addMicroseconds(BigInt(seconds) * BigInt(microsecondsPerSecond));
    if (shifted === undefined) throw new TimeError(`Incorrect ${this.type} value: '${this.toString()}'`);
    return shifted;
  }

  /**
   * Whether this UTC value is inside TIMESTAMP's range, '1970-01-01 00:00:01.000000' to
   * '2038-01-19 03:14:07.999999' UTC, or is the zero value.
   */
  isTimestampInRange(): boolean {
    if (this.isZero()) return true;
    const seconds = this.toUnixMicroseconds() / BigInt(microsecondsPerSecond);
    return seconds >= 1n && seconds <= 2_147_483_647n;
  }
}

/** TIME's limit: 838:59:59.000000 either way. */
const maxDurationSeconds = 838 * 3600 + 59 * 60 + 59;
const nanosecondsPerSecond = 1_000_000_000n;
const nanosecondsPerMicrosecond = 1_000n;

const durationPattern = /^(-)?(?:(\d+)[ \t]+)?(\d+)(?::(\d+)(?::(\d+))?)?(?:\.(\d*))?$/;

/**
 * A MySQL TIME: a signed span of at most 838:59:59 either way, held as nanoseconds like
 * TiDB's Duration (whose int64 nanoseconds is also the key encoding). Immutable.
 * Invariant: |nanoseconds| <= 838:59:59 and it is a whole number of microseconds.
 */
export class Duration {
  readonly nanoseconds: bigint;
  readonly fsp: number;

  static readonly maxNanoseconds = BigInt(maxDurationSeconds) * nanosecondsPerSecond;

  private constructor(nanoseconds: bigint, fsp: number) {
    this.nanoseconds = nanoseconds;
    this.fsp = fsp;
  }

  /**
   * The span rounded half away from zero to `fsp` fractional digits. Throws TimeError
   * when it is outside -838:59:59..838:59:59 after rounding.
   */
  static fromNanoseconds(nanoseconds: bigint, fsp = 0): Duration {
    checkFsp(fsp);
    const unit = 10n ** BigInt(9 - fsp);
    const magnitude = nanoseconds < 0n ? -nanoseconds : nanoseconds;
    const roundedMagnitude = ((magnitude + unit / 2n) / unit) * unit;
    const rounded = nanoseconds < 0n ? -roundedMagnitude : roundedMagnitude;
    if (roundedMagnitude > Duration.maxNanoseconds) {
      throw new TimeError(`Incorrect time value: ${nanoseconds} nanoseconds is outside -838:59:59..838:59:59`);
    }
    return new Duration(rounded === 0n ? 0n : rounded, fsp);
  }

  static zero(fsp = 0): Duration {
    return Duration.fromNanoseconds(0n, fsp);
  }

  /**
   * Parses a MySQL TIME literal: '[-][D ]HH:MM:SS[.ffffff]', 'HH:MM:SS', 'HH:MM' (hours and
   * minutes, as MySQL reads it), 'D HH', 'D HH:MM', or digits read from the right:
   * 'HHHMMSS', 'HHMMSS', 'MMSS', 'SS' (each with an optional fraction). A full datetime
   * ('2012-01-01 10:11:12') gives its time of day. Minutes and seconds must be below 60;
   * the fraction rounds half-up to `fsp` digits. Throws TimeError (1292) for anything else
   * or a value outside -838:59:59..838:59:59.
   */
  static parse(text: string, fsp = 0): Duration {
    checkFsp(fsp);
    const fail = (): TimeError => new TimeError(`Incorrect time value: '${text}'`);
    const trimmed = text.trim();
    const match = durationPattern.exec(trimmed);
    if (match === null) {
      return Duration.fromTimeOfDay(trimmed, fsp, fail);
    }
    const [, sign, dayText, first = '', minuteText, secondText, fractionText = ''] = match;
    let days = 0;
    let hours = 0;
    let minutes = 0;
    let seconds = 0;
    if (dayText !== undefined) {
      days = Number(dayText);
      hours = Number(first);
      minutes = Number(minuteText ?? '0');
      seconds = Number(secondText ?? '0');
    } else if (minuteText !== undefined) {
      hours = Number(first);
      minutes = Number(minuteText);
      seconds = Number(secondText ?? '0');
    } else {
      if (first.length > 7) return Duration.fromTimeOfDay(trimmed, fsp, fail);
      // Digits without colons read from the right: SS, MMSS, HHMMSS, HHHMMSS.
      const padded = first.padStart(7, '0');
      hours = Number(padded.slice(0, 3));
      minutes = Number(padded.slice(3, 5));
      seconds = Number(padded.slice(5, 7));
    }
    if (minutes > 59 || seconds > 59) throw fail();
    const { microsecond, carry } = roundFraction(fractionText, fsp);
    const totalSeconds = BigInt(days * 24 * 3600 + hours * 3600 + minutes * 60 + seconds + (carry ? 1 : 0));
    if (totalSeconds > BigInt(maxDurationSeconds) || (totalSeconds === BigInt(maxDurationSeconds) && microsecond > 0)) {
      throw fail();
    }
    const magnitude = totalSeconds * nanosecondsPerSecond + BigInt(microsecond) * nanosecondsPerMicrosecond;
    return new Duration(sign === '-' && magnitude !== 0n ? -magnitude : magnitude, fsp);
  }

  private static fromTimeOfDay(text: string, fsp: number, fail: () => TimeError): Duration {
    let time: MysqlTime;
    try {
      time = MysqlTime.parse(text, 'datetime', fsp);
    } catch (error: unknown) {
      if (error instanceof TimeError) throw fail();
      throw error;
    }
    const seconds = BigInt(time.hour * 3600 + time.minute * 60 + time.second);
    return new Duration(
      seconds * nanosecondsPerSecond + BigInt(time.microsecond) * nanosecondsPerMicrosecond,
      fsp,
    );
  }

  isNegative(): boolean {
    return this.nanoseconds < 0n;
  }

  /** Parts of |value|: hours may exceed 23. */
  parts(): { negative: boolean; hours: number; minutes: number; seconds: number; microseconds: number } {
    const negative = this.nanoseconds < 0n;
    const magnitude = negative ? -this.nanoseconds : this.nanoseconds;
    const totalSeconds = Number(magnitude / nanosecondsPerSecond);
    return {
      negative,
      hours: Math.floor(totalSeconds / 3600),
      minutes: Math.floor(totalSeconds / 60) % 60,
      seconds: totalSeconds % 60,
      microseconds: Number((magnitude % nanosecondsPerSecond) / nanosecondsPerMicrosecond),
    };
  }

  /** '[-]HH:MM:SS' plus '.' and fsp digits; hours take as many digits as they need. */
  toString(): string {
    const { negative, hours, minutes, seconds, microseconds } = this.parts();
    const pad = (value: number, width: number): string => String(value).padStart(width, '0');
    const text = `${negative ? '-' : ''}${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}`;
    if (this.fsp === 0) return text;
    return `${text}.${pad(microseconds, 6).slice(0, this.fsp)}`;
  }

  compare(other: Duration): -1 | 0 | 1 {
    return this.nanoseconds < other.nanoseconds ? -1 : this.nanoseconds > other.nanoseconds ? 1 : 0;
  }

  equals(other: Duration): boolean {
    return this.nanoseconds === other.nanoseconds;
  }

  /** Rounds half away from zero to `fsp` digits (TiDB's RoundFrac). */
  roundToFsp(fsp: number): Duration {
    return Duration.fromNanoseconds(this.nanoseconds, fsp);
  }
}

/** YEAR's range besides the zero year. */
export const minYear = 1901;
export const maxYear = 2155;

/**
 * Converts a value to YEAR as MySQL stores it. Numbers: 0 is the zero year 0000, 1..69
 * are 2001..2069, 70..99 are 1970..1999, and 1901..2155 stand for themselves (fractions
 * round half away from zero). Strings: one to three digits are two-digit years with
 * '0', '00' and '000' meaning 2000; four digits stand for themselves with '0000' the zero
 * year. Anything else throws TimeError: 1264 (out of range) for numbers outside those
 * ranges, 1292 for text that is not a year.
 */
export function parseYear(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TimeError(`Incorrect year value: ${value}`);
    const rounded = Math.sign(value) * Math.round(Math.abs(value));
    if (rounded === 0) return 0;
    if (rounded >= 1 && rounded <= 69) return 2000 + rounded;
    if (rounded >= 70 && rounded <= 99) return 1900 + rounded;
    if (rounded >= minYear && rounded <= maxYear) return rounded;
    throw new TimeError(`Out of range value for YEAR: ${value}`, timeErrorCode.outOfRange);
  }
  const text = value.trim();
  if (!/^\d{1,4}$/.test(text)) throw new TimeError(`Incorrect year value: '${value}'`);
  const number = Number(text);
  if (text.length <= 3) {
    if (number > 99) {
      if (number >= minYear) return number;
      throw new TimeError(`Out of range value for YEAR: '${value}'`, timeErrorCode.outOfRange);
    }
    return adjustTwoDigitYear(number);
  }
  if (number === 0) return 0;
  if (number >= minYear && number <= maxYear) return number;
  throw new TimeError(`Out of range value for YEAR: '${value}'`, timeErrorCode.outOfRange);
}
