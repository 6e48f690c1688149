import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { CodecError } from '../errors.js';
import { SeededRandom } from '../random.js';
import {
  Duration,
  MysqlTime,
  TimeError,
  dayNumber,
  daysInMonth,
  isLeapYear,
  parseYear,
  type TimeType,
} from './time.js';

function mustParse(text: string, type: TimeType, fsp = 0): string {
  return MysqlTime.parse(text, type, fsp).toString();
}

function assertTimeError(run: () => unknown, code: number, context: string): void {
  assert.throws(run, (error: unknown) => error instanceof TimeError && error.mysqlCode === code, context);
}

function randomTime(random: SeededRandom): MysqlTime {
  const year = random.chance(0.05) ? random.pick([0, 1, 9999, 2000, 1900]) : random.nextIntBetween(1, 9999);
  const month = random.nextIntBetween(1, 12);
  const day = random.nextIntBetween(1, daysInMonth(year, month));
  const fsp = random.nextIntBetween(0, 6);
  const unit = 10 ** (6 - fsp);
  return MysqlTime.fromFields(
    {
      year,
      month,
      day,
      hour: random.nextIntBetween(0, 23),
      minute: random.nextIntBetween(0, 59),
      second: random.nextIntBetween(0, 59),
      microsecond: random.nextIntBetween(0, Math.floor(999_999 / unit)) * unit,
    },
    random.pick(['datetime', 'timestamp'] as const),
    fsp,
  );
}

function fieldOrder(left: MysqlTime, right: MysqlTime): number {
  const keys = ['year', 'month', 'day', 'hour', 'minute', 'second', 'microsecond'] as const;
  for (const key of keys) {
    if (left[key] !== right[key]) return left[key] < right[key] ? -1 : 1;
  }
  return 0;
}

describe('MysqlTime parsing (MariaDB CAST results)', () => {
  test('literal formats', () => {
    const cases: Array<[string, TimeType, number, string]> = [
      ['2012-12-31', 'date', 0, '2012-12-31'],
      ['2012-12-31 11:30:45', 'datetime', 0, '2012-12-31 11:30:45'],
      ['2012-12-31 11:30:45.123456', 'datetime', 6, '2012-12-31 11:30:45.123456'],
      ['2012-12-31 11:30:45.1', 'datetime', 3, '2012-12-31 11:30:45.100'],
      ['2012-12-31 11:30:45', 'timestamp', 2, '2012-12-31 11:30:45.00'],
      ['120102', 'date', 0, '2012-01-02'],
      ['20120102', 'date', 0, '2012-01-02'],
      ['20120102030405', 'datetime', 0, '2012-01-02 03:04:05'],
      ['120102030405', 'datetime', 0, '2012-01-02 03:04:05'],
      ['20120102030405.5', 'datetime', 1, '2012-01-02 03:04:05.5'],
      ['2012^12^31 1:2:3', 'datetime', 0, '2012-12-31 01:02:03'],
      ['2012-1-2T3:4:5', 'datetime', 0, '2012-01-02 03:04:05'],
      ['2012/01/02 03', 'datetime', 0, '2012-01-02 03:00:00'],
      ['2012.01.02 03.04', 'datetime', 0, '2012-01-02 03:04:00'],
      ['70-01-01', 'date', 0, '1970-01-01'],
      ['69-01-01', 'date', 0, '2069-01-01'],
      ['99-12-31 23:59:59', 'datetime', 0, '1999-12-31 23:59:59'],
      ['0000-00-00', 'date', 0, '0000-00-00'],
      ['00-00-00', 'date', 0, '0000-00-00'],
      ['0000-00-00 00:00:00', 'datetime', 0, '0000-00-00 00:00:00'],
      ['2000-02-29', 'date', 0, '2000-02-29'],
      ['0000-01-01', 'date', 0, '0000-01-01'],
      ['  2012-12-31  ', 'date', 0, '2012-12-31'],
      ['2012-12-31 23:59:59', 'date', 0, '2012-12-31'],
      ['9999-12-31 23:59:59.999999', 'datetime', 6, '9999-12-31 23:59:59.999999'],
    ];
    for (const [text, type, fsp, expected] of cases) {
      assert.equal(mustParse(text, type, fsp), expected, `parse(${JSON.stringify(text)}, ${type}, ${fsp})`);
    }
  });

  test('fractions round half-up to fsp and carry (MySQL/TiDB, where MariaDB truncates)', () => {
    assert.equal(mustParse('2012-12-31 23:59:59.9999996', 'datetime', 6), '2013-01-01 00:00:00.000000');
    assert.equal(mustParse('2012-12-31 23:59:59.5', 'datetime', 0), '2013-01-01 00:00:00');
    assert.equal(mustParse('2012-12-31 23:59:59.4', 'datetime', 0), '2012-12-31 23:59:59');
    assert.equal(mustParse('2012-02-28 23:59:59.95', 'datetime', 1), '2012-02-29 00:00:00.0');
    assert.equal(mustParse('2011-02-28 23:59:59.95', 'datetime', 1), '2011-03-01 00:00:00.0');
    assert.equal(mustParse('2012-12-31 12:13:14.123456789', 'datetime', 3), '2012-12-31 12:13:14.123');
    assert.equal(mustParse('2012-12-31 12:13:14.1235', 'datetime', 3), '2012-12-31 12:13:14.124');
    assert.throws(() => MysqlTime.parse('9999-12-31 23:59:59.5', 'datetime', 0), TimeError);
  });

  test('invalid values throw TimeError 1292', () => {
    const bad: Array<[string, TimeType]> = [
      ['1900-02-29', 'date'],
      ['2001-02-29', 'date'],
      ['0000-02-29', 'date'],
      ['2012-04-31', 'date'],
      ['2012-13-01', 'date'],
      ['2012-00-10', 'date'],
      ['2012-01-00', 'date'],
      ['2012-01-01 24:00:00', 'datetime'],
      ['2012-01-01 23:60:00', 'datetime'],
      ['2012-01-01 23:00:60', 'datetime'],
      ['', 'datetime'],
      ['abc', 'date'],
      ['2012-01', 'date'],
      ['2012-01-01 10:11:12 extra', 'datetime'],
      ['1234567', 'date'],
      ['20120101.5', 'date'],
      ['10000-01-01', 'date'],
    ];
    for (const [text, type] of bad) assertTimeError(() => MysqlTime.parse(text, type), 1292, JSON.stringify(text));
    assertTimeError(() => MysqlTime.parse('2012-01-01', 'datetime', 7), 1426, 'fsp 7');
  });
});

describe('MysqlTime calendar arithmetic (MariaDB TO_DAYS/FROM_DAYS/WEEKDAY)', () => {
  test('day numbers and weekdays', () => {
    const cases: Array<[string, number, number]> = [
      ['0001-01-01', 366, 0],
      ['1582-10-15', 578101, 4],
      ['1900-02-28', 694019, 2],
      ['1900-03-01', 694020, 3],
      ['1970-01-01', 719528, 3],
      ['2000-02-29', 730544, 1],
      ['2000-03-01', 730545, 2],
      ['2024-05-13', 739384, 0],
      ['9999-12-31', 3652424, 4],
      ['0000-01-01', 1, 6],
      ['0000-03-01', 60, 2],
      ['0000-12-31', 365, 6],
    ];
    for (const [text, days, weekday] of cases) {
      const value = MysqlTime.parse(text, 'date');
      assert.equal(value.toDayNumber(), days, `TO_DAYS(${text})`);
      assert.equal(value.weekday(), weekday, `WEEKDAY(${text})`);
      if (days >= 366) assert.equal(MysqlTime.fromDayNumber(days).toString(), text, `FROM_DAYS(${days})`);
    }
    assert.equal(MysqlTime.fromDayNumber(365).toString(), '0000-00-00');
    assert.equal(MysqlTime.fromDayNumber(3652425).toString(), '0000-00-00');
    assert.equal(MysqlTime.fromDayNumber(577736).toString(), '1581-10-15');
    assert.equal(MysqlTime.fromDayNumber(693961).toString(), '1900-01-01');
    assert.equal(dayNumber(0, 0, 0), 0);
  });

  test('leap years follow MySQL (year 0 is not one)', () => {
    assert.equal(isLeapYear(2000), true);
    assert.equal(isLeapYear(1900), false);
    assert.equal(isLeapYear(2024), true);
    assert.equal(isLeapYear(0), false);
    assert.equal(daysInMonth(2024, 2), 29);
    assert.equal(daysInMonth(2023, 2), 28);
  });

  test('day numbers agree with the proleptic Gregorian calendar for years 1..9999', () => {
    const random = new SeededRandom(0x71de01);
    for (let iteration = 0; iteration < 2_000; iteration++) {
      const value = randomTime(random);
      if (value.year === 0) continue;
      const date = new Date(0);
      date.setUTCFullYear(value.year, value.month - 1, value.day);
      const expected = 719528 + Math.round(date.getTime() / 86_400_000);
      assert.equal(value.toDayNumber(), expected, value.toString());
      assert.equal(MysqlTime.fromDayNumber(expected).toString(), value.toDate().toString());
      assert.equal(value.weekday(), (date.getUTCDay() + 6) % 7, value.toString());
    }
  });

  test('TIMESTAMP to and from UTC with a fixed offset', () => {
    const local = MysqlTime.parse('2012-01-01 01:30:00.25', 'timestamp', 2);
    const utc = local.toUtc(2 * 3600);
    assert.equal(utc.toString(), '2011-12-31 23:30:00.25');
    assert.equal(utc.fromUtc(2 * 3600).toString(), local.toString());
    assert.equal(MysqlTime.parse('2012-02-28 22:00:00', 'timestamp').fromUtc(-3 * 3600 + 8 * 3600).toString(), '2012-02-29 03:00:00');
    assert.ok(MysqlTime.zero('timestamp').toUtc(3600).isZero());
    assert.equal(MysqlTime.parse('2038-01-19 03:14:07', 'timestamp').toUnixMicroseconds(), 2147483647n * 1_000_000n);
    assert.equal(MysqlTime.parse('2038-01-19 03:14:07.999999', 'timestamp', 6).isTimestampInRange(), true);
    assert.equal(MysqlTime.parse('2038-01-19 03:14:08', 'timestamp').isTimestampInRange(), false);
    assert.equal(MysqlTime.parse('1970-01-01 00:00:01', 'timestamp').isTimestampInRange(), true);
    assert.equal(MysqlTime.parse('1970-01-01 00:00:00', 'timestamp').isTimestampInRange(), false);
    assert.equal(
      MysqlTime.fromUnixMicroseconds(1_356_998_399_999_999n, 'datetime', 6, 3600).toString(),
      '2013-01-01 00:59:59.999999',
    );
    assert.equal(MysqlTime.fromUnixMicroseconds(1_356_998_399_600_000n, 'datetime', 0).toString(), '2013-01-01 00:00:00');
  });

  test('changing type and fsp', () => {
    const value = MysqlTime.parse('2012-12-31 23:59:59.999999', 'datetime', 6);
    assert.equal(value.toDate().toString(), '2012-12-31');
    assert.equal(value.roundToFsp(3).toString(), '2013-01-01 00:00:00.000');
    assert.equal(value.withType('timestamp', 6).toString(), '2012-12-31 23:59:59.999999');
    assert.equal(MysqlTime.parse('2012-12-31', 'date').withType('datetime', 2).toString(), '2012-12-31 00:00:00.00');
    assert.ok(MysqlTime.zero('datetime').isZero());
    assert.equal(MysqlTime.zero('datetime', 2).toString(), '0000-00-00 00:00:00.00');
  });
});

describe('MysqlTime packed form (TiDB CoreTime)', () => {
  test('known packed values', () => {
    // ((2012*13+12)<<5 | 31) << 17 | (23<<12 | 59<<6 | 59), shifted left 24, plus micros.
    const value = MysqlTime.parse('2012-12-31 23:59:59.123456', 'datetime', 6);
    const ymd = BigInt(((2012 * 13 + 12) << 5) | 31);
    const hms = BigInt((23 << 12) | (59 << 6) | 59);
    assert.equal(value.toPackedUint(), (((ymd << 17n) | hms) << 24n) | 123456n);
    assert.equal(MysqlTime.zero('datetime').toPackedUint(), 0n);
    assert.equal(MysqlTime.parse('1970-01-01', 'date').toPackedUint(), 1802216106157408256n);
  });

  test('corrupt packed values throw CodecError', () => {
    // The year*13+month form cannot hold month 13, but it can hold February 31st.
    const february31 = BigInt(((2012 * 13 + 2) << 5) | 31);
    assert.throws(() => MysqlTime.fromPackedUint(february31 << 41n, 'datetime', 0), CodecError);
    const hour24 = (BigInt(((2012 * 13 + 1) << 5) | 1) << 41n) | (24n << 36n);
    assert.throws(() => MysqlTime.fromPackedUint(hour24, 'datetime', 0), CodecError);
    assert.throws(() => MysqlTime.fromPackedUint(1_000_000n, 'datetime', 6), CodecError);
    assert.throws(() => MysqlTime.fromPackedUint(-1n, 'datetime', 0), CodecError);
    const withTime = MysqlTime.parse('2012-01-01 10:00:00', 'datetime').toPackedUint();
    assert.throws(() => MysqlTime.fromPackedUint(withTime, 'date', 0), CodecError);
  });

  test('random values: parse/format/packed round trips, packed order is chronological', () => {
    const random = new SeededRandom(0x71de02);
    const values: MysqlTime[] = [];
    for (let iteration = 0; iteration < 10_000; iteration++) {
      const value = randomTime(random);
      const context = `seed ${random.seed} iteration ${iteration}: ${value.toString()}`;
      const text = value.toString();
      assert.equal(MysqlTime.parse(text, value.type, value.fsp).toString(), text, context);
      const packed = value.toPackedUint();
      assert.ok(packed >= 0n && packed < 1n << 64n, context);
      const unpacked = MysqlTime.fromPackedUint(packed, value.type, value.fsp);
      assert.equal(unpacked.toString(), text, context);
      assert.equal(unpacked.compare(value), 0, context);
      values.push(value);
    }
    const byPacked = [...values].sort((left, right) => {
      const a = left.toPackedUint();
      const b = right.toPackedUint();
      return a < b ? -1 : a > b ? 1 : 0;
    });
    for (let index = 1; index < byPacked.length; index++) {
      assert.ok(fieldOrder(byPacked[index - 1]!, byPacked[index]!) <= 0, `${byPacked[index - 1]} <= ${byPacked[index]}`);
    }
    for (let index = 1; index < values.length; index++) {
      const left = values[index - 1]!;
      const right = values[index]!;
      assert.equal(left.compare(right), fieldOrder(left, right));
      if (left.year > 0 && right.year > 0) {
        const order = Math.sign(Number(left.toUnixMicroseconds() - right.toUnixMicroseconds()));
        assert.equal(left.compare(right), order, `${left} vs ${right}`);
      }
    }
  });
});

describe('Duration (TIME)', () => {
  test('literal formats (MariaDB CAST results where they agree with MySQL)', () => {
    const cases: Array<[string, number, string]> = [
      ['11:12:13', 0, '11:12:13'],
      ['11:12', 0, '11:12:00'],
      ['11:12.5', 1, '11:12:00.5'],
      ['1112', 0, '00:11:12'],
      ['11', 0, '00:00:11'],
      ['5', 0, '00:00:05'],
      ['101112', 0, '10:11:12'],
      ['8385959', 0, '838:59:59'],
      ['-1 02:03:04.5', 1, '-26:03:04.5'],
      ['1 2', 0, '26:00:00'],
      ['1 2:3', 0, '26:03:00'],
      ['34 22:59:58', 0, '838:59:58'],
      ['-838:59:59', 0, '-838:59:59'],
      ['838:59:59.000000', 6, '838:59:59.000000'],
      ['2012-01-01 10:11:12', 0, '10:11:12'],
      ['20120101101112', 0, '10:11:12'],
      ['00:00:00', 0, '00:00:00'],
      ['-00:00:00', 0, '00:00:00'],
      ['12:13:14.1234567', 6, '12:13:14.123457'],
      ['12:13:14.12345649', 5, '12:13:14.12346'],
      ['101112.9999996', 6, '10:11:13.000000'],
      ['23:59:59.5', 0, '24:00:00'],
      ['-0:0:0.5', 0, '-00:00:01'],
      [' 1:2:3 ', 2, '01:02:03.00'],
    ];
    for (const [text, fsp, expected] of cases) {
      assert.equal(Duration.parse(text, fsp).toString(), expected, `parse(${JSON.stringify(text)}, ${fsp})`);
    }
  });

  test('out of range and malformed values throw TimeError 1292', () => {
    for (const text of [
      '839:00:00',
      '838:59:59.5',
      '-838:59:59.000001',
      '35 00:00:00',
      '34 22:59:60',
      '12:60:00',
      '12:00:60',
      '1260',
      'abc',
      '',
      '-',
      '1:2:3:4',
      '12:13:14 extra',
    ]) {
      assertTimeError(() => Duration.parse(text, text.includes('000001') ? 6 : 0), 1292, JSON.stringify(text));
    }
  });

  test('nanoseconds, rounding and order', () => {
    const value = Duration.fromNanoseconds(-(3723n * 1_000_000_000n + 456_789_000n), 6);
    assert.equal(value.toString(), '-01:02:03.456789');
    assert.equal(value.roundToFsp(2).toString(), '-01:02:03.46');
    assert.equal(Duration.fromNanoseconds(1_500_000_000n, 0).toString(), '00:00:02');
    assert.equal(Duration.fromNanoseconds(-1_500_000_000n, 0).toString(), '-00:00:02');
    assert.equal(Duration.fromNanoseconds(Duration.maxNanoseconds, 0).toString(), '838:59:59');
    assert.throws(() => Duration.fromNanoseconds(Duration.maxNanoseconds + 1_000n, 6), TimeError);
    assert.equal(Duration.parse('10:00:00').nanoseconds, 36_000_000_000_000n);
    assert.equal(Duration.parse('-10:00:00').compare(Duration.parse('09:59:59')), -1);
    assert.equal(Duration.parse('10:00:00.000', 3).compare(Duration.parse('10:00:00')), 0);
  });

  test('random spans: format/parse round trip and nanosecond order', () => {
    const random = new SeededRandom(0x71de03);
    let previous: Duration | undefined;
    for (let iteration = 0; iteration < 10_000; iteration++) {
      const fsp = random.nextIntBetween(0, 6);
      const unit = 10n ** BigInt(9 - fsp);
      const span = BigInt(random.nextIntBetween(0, 838 * 3600 + 59 * 60 + 58)) * 1_000_000_000n + BigInt(random.nextIntBetween(0, 999_999)) * 1_000n;
      const nanoseconds = ((random.chance(0.5) ? -span : span) / unit) * unit;
      const value = Duration.fromNanoseconds(nanoseconds, fsp);
      const context = `seed ${random.seed} iteration ${iteration}: ${nanoseconds}`;
      assert.equal(value.nanoseconds, nanoseconds, context);
      const parsed = Duration.parse(value.toString(), fsp);
      assert.equal(parsed.nanoseconds, nanoseconds, context);
      if (previous !== undefined) {
        const expected = previous.nanoseconds < value.nanoseconds ? -1 : previous.nanoseconds > value.nanoseconds ? 1 : 0;
        assert.equal(previous.compare(value), expected, context);
      }
      previous = value;
    }
  });
});

describe('YEAR', () => {
  test('numbers and strings (MariaDB INSERT results)', () => {
    const cases: Array<[string | number, number]> = [
      ['0', 2000],
      ['00', 2000],
      ['000', 2000],
      ['0000', 0],
      [0, 0],
      ['69', 2069],
      ['70', 1970],
      [99, 1999],
      ['1901', 1901],
      [2155, 2155],
      ['5', 2005],
      [5, 2005],
      [' 2024 ', 2024],
      [1999.5, 2000],
    ];
    for (const [input, expected] of cases) assert.equal(parseYear(input), expected, `YEAR(${JSON.stringify(input)})`);
  });

  test('out of range and malformed years', () => {
    for (const input of [1900, 2156, -1, '1900', '2156', '100', 100]) {
      assertTimeError(() => parseYear(input), 1264, JSON.stringify(input));
    }
    for (const input of ['', 'abc', '20 24', '12345', '-5', Number.NaN]) {
      assertTimeError(() => parseYear(input), 1292, JSON.stringify(input));
    }
  });
});
