import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addInterval, type DateTimeFields, dateOfDayNumber, intervalMicroseconds, parseInterval, parseIntervalUnit } from './interval.js';
import { dayNumber } from './time.js';

const at = (year: number, month: number, day: number, hour = 0, minute = 0, second = 0, microsecond = 0): DateTimeFields => ({ year, month, day, hour, minute, second, microsecond });

function mustParse(text: string, unit: string) {
  const parsed = parseInterval(text, parseIntervalUnit(unit)!);
  assert.ok(parsed !== undefined, `${unit} '${text}' should parse`);
  return parsed;
}

describe('INTERVAL values (MySQL get_interval_value)', () => {
  test('units by name, any case', () => {
    assert.equal(parseIntervalUnit('day_microsecond'), 'DAY_MICROSECOND');
    assert.equal(parseIntervalUnit('fortnight'), undefined);
  });

  test('composite units read digit groups; missing leading groups are zero; microseconds are a fraction', () => {
    assert.equal(intervalMicroseconds(mustParse('1:30', 'HOUR_MINUTE').interval), 90n * 60_000_000n);
    assert.equal(intervalMicroseconds(mustParse('1:30', 'HOUR_SECOND').interval), 90_000_000n);
    assert.equal(intervalMicroseconds(mustParse('  -1 2', 'DAY_HOUR').interval), -26n * 3_600_000_000n);
    assert.equal(intervalMicroseconds(mustParse('1.5', 'SECOND_MICROSECOND').interval), 1_500_000n);
    assert.equal(intervalMicroseconds(mustParse('1.1234567', 'SECOND_MICROSECOND').interval), 1_123_456n);
    assert.equal(intervalMicroseconds(mustParse('1', 'MINUTE_MICROSECOND').interval), 100_000n);
    assert.deepEqual([mustParse('1-2', 'YEAR_MONTH').interval.years, mustParse('1-2', 'YEAR_MONTH').interval.months], [1n, 2n]);
    assert.deepEqual([mustParse('', 'YEAR_MONTH').interval.years, mustParse('', 'YEAR_MONTH').interval.months], [0n, 0n]);
    assert.equal(parseInterval('1:2:3:4', 'HOUR_SECOND'), undefined);
  });

  test('simple units: integers, SECOND a decimal; text that is not a number is flagged', () => {
    assert.deepEqual(mustParse('-3', 'DAY'), { interval: { ...mustParse('3', 'DAY').interval, negative: true }, invalid: false });
    assert.equal(mustParse('1.5', 'DAY').invalid, true);
    assert.equal(mustParse('1.5', 'DAY').interval.days, 1n);
    assert.equal(mustParse('2', 'WEEK').interval.days, 14n);
    assert.equal(mustParse('2', 'QUARTER').interval.months, 6n);
    assert.equal(intervalMicroseconds(mustParse('-1.5', 'SECOND').interval), -1_500_000n);
    assert.equal(intervalMicroseconds(mustParse('1.5e-3', 'SECOND').interval), 1_500n);
    assert.equal(intervalMicroseconds(mustParse('1.1234567', 'SECOND').interval), 1_123_456n);
    assert.equal(mustParse('abc', 'SECOND').invalid, true);
  });
});

describe('INTERVAL text at its limits', () => {
  test('a digit group of more than 19 digits makes the interval NULL, and costs no more than its length', () => {
    assert.equal(parseInterval('1-99999999999999999999', 'YEAR_MONTH'), undefined);
    assert.equal(parseInterval('9'.repeat(1_000_000) + ':1', 'MINUTE_SECOND'), undefined);
    assert.equal(parseInterval('0'.repeat(1_000_000) + '5 1', 'DAY_HOUR'), undefined);
    assert.equal(mustParse('9999999999999999999 1', 'DAY_HOUR').interval.days, 9999999999999999999n);
  });

  test('a simple unit past 64 bits is flagged (MySQL warns 1292) and overflows; a huge text is not read digit by digit', () => {
    const huge = mustParse('-99999999999999999999', 'DAY');
    assert.equal(huge.invalid, true);
    assert.ok(huge.interval.days > 2n ** 63n);
    assert.equal(mustParse('-9223372036854775808', 'DAY').invalid, false);
    assert.equal(mustParse('18446744073709551615', 'DAY').invalid, false);
    assert.equal(mustParse('18446744073709551616', 'DAY').invalid, true);
    assert.equal(mustParse('9'.repeat(1_000_000), 'DAY').invalid, true);
    assert.equal(mustParse('0'.repeat(100) + '7', 'DAY').interval.days, 7n);
  });

  test('an exponent far below a microsecond adds nothing (and builds no huge string)', () => {
    const tiny = mustParse('-1e-99999999999999', 'SECOND');
    assert.equal(tiny.interval.seconds, 0n);
    assert.equal(tiny.interval.microseconds, 0n);
    assert.equal(tiny.interval.negative, false);
    assert.equal(mustParse('1e-6', 'SECOND').interval.microseconds, 1n);
    assert.equal(mustParse('1e-7', 'SECOND').interval.microseconds, 0n);
  });
});

describe('date_add_interval', () => {
  test('month units clamp the day and keep the time of day; years keep Feb 29 only in leap years', () => {
    assert.deepEqual(addInterval(at(2020, 1, 31, 10), mustParse('1', 'MONTH').interval, 'MONTH'), at(2020, 2, 29, 10));
    assert.deepEqual(addInterval(at(2019, 1, 31), mustParse('1', 'MONTH').interval, 'MONTH'), at(2019, 2, 28));
    assert.deepEqual(addInterval(at(2020, 2, 29), mustParse('1', 'YEAR').interval, 'YEAR'), at(2021, 2, 28));
    assert.deepEqual(addInterval(at(2020, 2, 29), mustParse('4', 'YEAR').interval, 'YEAR'), at(2024, 2, 29));
    assert.deepEqual(addInterval(at(1, 6, 1), mustParse('-1', 'YEAR').interval, 'YEAR'), at(0, 6, 1));
    assert.equal(addInterval(at(9999, 12, 1), mustParse('1', 'MONTH').interval, 'MONTH'), undefined);
  });

  test('spans carry across days and years and stay inside 0001..9999', () => {
    assert.deepEqual(addInterval(at(2020, 12, 31, 23, 59, 59, 999_999), mustParse('1', 'MICROSECOND').interval, 'MICROSECOND'), at(2021, 1, 1));
    assert.deepEqual(addInterval(at(2020, 1, 1), mustParse('-1', 'MICROSECOND').interval, 'MICROSECOND'), at(2019, 12, 31, 23, 59, 59, 999_999));
    assert.equal(addInterval(at(1, 1, 1), mustParse('-1', 'DAY').interval, 'DAY'), undefined);
    assert.equal(addInterval(at(9999, 12, 31, 23, 59, 59), mustParse('1', 'SECOND').interval, 'SECOND'), undefined);
    assert.equal(addInterval(at(2020, 1, 1), mustParse('100000000000', 'DAY').interval, 'DAY'), undefined);
  });

  test('day numbers round-trip over the whole range', () => {
    for (const days of [366, 367, 719_528, 737_790, 3_652_424]) {
      const { year, month, day } = dateOfDayNumber(days);
      assert.equal(dayNumber(year, month, day), days);
    }
  });
});
