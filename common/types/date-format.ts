/**
 * MySQL's calendar arithmetic for DATE_FORMAT, WEEK and friends: week numbers
 * (calc_week), weekdays (calc_weekday), names, and make_date_time's format specifiers.
 * Pure functions over calendar fields; English names only (lc_time_names = en_US).
 */
import { dayNumber } from './time.js';
import type { DateTimeFields } from './interval.js';

export const monthNames = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'] as const;
/** Monday first, as MySQL's weekday numbering (0 = Monday). */
export const dayNames = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;

/** MySQL's calc_weekday: 0 = Monday .. 6 = Sunday, or 0 = Sunday .. 6 = Saturday when `sundayFirst`. */
export function weekdayOf(days: number, sundayFirst: boolean): number {
  return (days + 5 + (sundayFirst ? 1 : 0)) % 7;
}

function daysInYear(year: number): number {
  return year % 4 === 0 && (year % 100 !== 0 || (year % 400 === 0 && year !== 0)) ? 366 : 365;
}

/** Bits of calc_week's behaviour. */
export const WeekBehaviour = {
  mondayFirst: 1,
  /** Week numbers are 1..53 and the week belongs to the year that holds most of it. */
  weekYear: 2,
  /** Week 1 is the first week with the first weekday in it (rather than the first with 4+ days). */
  firstWeekday: 4,
} as const;

/** MySQL's week_mode: WEEK()'s mode (0..7, other values taken modulo 8) as calc_week behaviour bits. */
export function weekMode(mode: number): number {
  let behaviour = mode & 7;
  if ((behaviour & WeekBehaviour.mondayFirst) === 0) behaviour ^= WeekBehaviour.firstWeekday;
  return behaviour;
}

/**
 * MySQL's calc_week: the week number and the year it belongs to. MySQL computes both as
 * unsigned 32-bit integers, and so does this: for a date with a zero month or day (which
 * DATE_FORMAT and EXTRACT read) the day count goes negative and wraps
 * (EXTRACT(WEEK FROM '2020-00-00') is 613566752), and the week of 0000-01-01 belongs to
 * year 4294967295.
 */
export function calcWeek(year: number, month: number, day: number, behaviour: number): { week: number; year: number } {
  const days = dayNumber(year, month, day);
  let firstDays = dayNumber(year, 1, 1);
  const mondayFirst = (behaviour & WeekBehaviour.mondayFirst) !== 0;
  let weekYear = (behaviour & WeekBehaviour.weekYear) !== 0;
  const firstWeekday = (behaviour & WeekBehaviour.firstWeekday) !== 0;
  let weekday = weekdayOf(firstDays, !mondayFirst);
  let resultYear = year;
  if (month === 1 && day <= 7 - weekday) {
    if (!weekYear && ((firstWeekday && weekday !== 0) || (!firstWeekday && weekday >= 4))) return { week: 0, year: resultYear };
    weekYear = true;
    resultYear = (resultYear - 1) >>> 0;
    const previousDays = daysInYear(resultYear);
    firstDays -= previousDays;
    weekday = (weekday + 53 * 7 - previousDays) % 7;
  }
  const signedOffset = (firstWeekday && weekday !== 0) || (!firstWeekday && weekday >= 4) ? days - (firstDays + (7 - weekday)) : days - (firstDays - weekday);
  const offset = signedOffset >>> 0;
  if (weekYear && offset >= 52 * 7) {
    weekday = (weekday + daysInYear(resultYear)) % 7;
    if ((!firstWeekday && weekday < 4) || (firstWeekday && weekday === 0)) return { week: 1, year: (resultYear + 1) >>> 0 };
  }
  return { week: Math.floor(offset / 7) + 1, year: resultYear };
}

const pad = (value: number, width: number): string => String(value).padStart(width, '0');

function ordinalSuffix(day: number): string {
  if (day >= 10 && day <= 19) return 'th';
  switch (day % 10) {
    case 1:
      return 'st';
    case 2:
      return 'nd';
    case 3:
      return 'rd';
    default:
      return 'th';
  }
}

/**
 * MySQL's DATE_FORMAT (make_date_time) of calendar fields, or undefined where MySQL gives
 * NULL: month names of month 0, weekday names and numbers of the zero date, day of year of
 * month 0 or year 0. An unknown specifier is its letter ('%Q' is 'Q'); a lone trailing '%' is kept.
 */
export function formatDateTime(fields: DateTimeFields, format: string): string | undefined {
  let out = '';
  const { year, month, day, hour, minute, second, microsecond } = fields;
  const hour12 = hour % 12 === 0 ? 12 : hour % 12;
  for (let index = 0; index < format.length; index++) {
    const character = format[index]!;
    if (character !== '%' || index + 1 === format.length) {
      out += character;
      continue;
    }
    index++;
    const specifier = format[index]!;
    switch (specifier) {
      case 'M':
        if (month === 0) return undefined;
        out += monthNames[month - 1];
        break;
      case 'b':
        if (month === 0) return undefined;
        out += monthNames[month - 1]!.slice(0, 3);
        break;
      case 'W':
        if (month === 0 && year === 0) return undefined;
        out += dayNames[weekdayOf(dayNumber(year, month, day), false)];
        break;
      case 'a':
        if (month === 0 && year === 0) return undefined;
        out += dayNames[weekdayOf(dayNumber(year, month, day), false)]!.slice(0, 3);
        break;
      case 'w':
        if (month === 0 && year === 0) return undefined;
        out += String(weekdayOf(dayNumber(year, month, day), true));
        break;
      case 'D':
        out += String(day) + ordinalSuffix(day);
        break;
      case 'Y':
        out += pad(year, 4);
        break;
      case 'y':
        out += pad(year % 100, 2);
        break;
      case 'm':
        out += pad(month, 2);
        break;
      case 'c':
        out += String(month);
        break;
      case 'd':
        out += pad(day, 2);
        break;
      case 'e':
        out += String(day);
        break;
      case 'f':
        out += pad(microsecond, 6);
        break;
      case 'H':
        out += pad(hour, 2);
        break;
      case 'h':
      case 'I':
        out += pad(hour12, 2);
        break;
      case 'i':
        out += pad(minute, 2);
        break;
      case 'j':
        if (month === 0 || year === 0) return undefined;
        out += pad(dayNumber(year, month, day) - dayNumber(year, 1, 1) + 1, 3);
        break;
      case 'k':
        out += String(hour);
        break;
      case 'l':
        out += String(hour12);
        break;
      case 'p':
        out += hour % 24 < 12 ? 'AM' : 'PM';
        break;
      case 'r':
        out += `${pad(hour12, 2)}:${pad(minute, 2)}:${pad(second, 2)} ${hour % 24 < 12 ? 'AM' : 'PM'}`;
        break;
      case 'S':
      case 's':
        out += pad(second, 2);
        break;
      case 'T':
        out += `${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}`;
        break;
      case 'U':
      case 'u': {
        const behaviour = specifier === 'U' ? WeekBehaviour.firstWeekday : WeekBehaviour.mondayFirst;
        out += pad(calcWeek(year, month, day, behaviour).week, 2);
        break;
      }
      case 'V':
      case 'v': {
        const behaviour = specifier === 'V' ? WeekBehaviour.weekYear | WeekBehaviour.firstWeekday : WeekBehaviour.mondayFirst | WeekBehaviour.weekYear;
        out += pad(calcWeek(year, month, day, behaviour).week, 2);
        break;
      }
      case 'X':
      case 'x': {
        const behaviour = specifier === 'X' ? WeekBehaviour.weekYear | WeekBehaviour.firstWeekday : WeekBehaviour.mondayFirst | WeekBehaviour.weekYear;
        out += pad(calcWeek(year, month, day, behaviour).year, 4);
        break;
      }
      default:
        // '%%' and unknown specifiers: the character itself.
        out += specifier;
    }
  }
  return out;
}
