import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { calcWeek, formatDateTime, weekMode } from './date-format.js';

const at = (year: number, month: number, day: number, hour = 0, minute = 0, second = 0, microsecond = 0) => ({ year, month, day, hour, minute, second, microsecond });

// Expected values are MariaDB 10.11's.
describe('MySQL week numbers and DATE_FORMAT', () => {
  test('WEEK modes 0..7 at the turn of the year', () => {
    const weeks = (year: number, month: number, day: number) => [0, 1, 2, 3, 4, 5, 6, 7].map((mode) => calcWeek(year, month, day, weekMode(mode)).week);
    assert.deepEqual(weeks(2020, 1, 1), [0, 1, 52, 1, 1, 0, 1, 52]);
    assert.deepEqual(weeks(2019, 12, 31), [52, 53, 52, 1, 53, 52, 1, 52]);
    assert.deepEqual(calcWeek(2021, 1, 3, weekMode(3)), { week: 53, year: 2020 });
  });

  test('specifiers, ordinal suffixes, unknown letters, zero parts', () => {
    assert.equal(formatDateTime(at(2021, 1, 3), '%U %u %V %v %X %x'), '01 00 01 53 2021 2020');
    assert.equal(formatDateTime(at(2020, 1, 1, 12, 30), '%h %p %l %r'), '12 PM 12 12:30:00 PM');
    assert.equal(formatDateTime(at(2020, 1, 22), '%D %e %c %j %Q %'), '22nd 22 1 022 Q %');
    assert.equal(formatDateTime(at(2019, 0, 0), '%M'), undefined);
    assert.equal(formatDateTime(at(0, 0, 0), '%W'), undefined);
    assert.equal(formatDateTime(at(0, 0, 0), '%Y-%m-%d'), '0000-00-00');
  });
});
