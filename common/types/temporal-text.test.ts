import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { datetimeFromNumber, durationFromNumber, parseDatetimeText, parseDurationText } from './temporal-text.js';

const datetime = (text: string, type: 'date' | 'datetime' = 'datetime', fsp = 0): string | undefined => {
  const parsed = parseDatetimeText(text, type, fsp);
  return parsed === undefined ? undefined : `${parsed.value.toString()}${parsed.truncated ? ' (truncated)' : ''}`;
};
const duration = (text: string, fsp = 0): string | undefined => {
  const parsed = parseDurationText(text, fsp);
  return parsed === undefined ? undefined : `${parsed.value.toString()}${parsed.truncated || parsed.clamped ? ' (warned)' : ''}`;
};

describe('common/types temporal text (MySQL str_to_datetime, str_to_time, number_to_*)', () => {
  test('dates: delimited with any punctuation, digits only, two-digit years, zero parts kept', () => {
    assert.equal(datetime('2020-02-29', 'date'), '2020-02-29');
    assert.equal(datetime('2020/2/9', 'date'), '2020-02-09');
    assert.equal(datetime('2020.02.29', 'date'), '2020-02-29');
    assert.equal(datetime('20200229', 'date'), '2020-02-29');
    assert.equal(datetime('200229', 'date'), '2020-02-29');
    assert.equal(datetime('99-12-31', 'date'), '1999-12-31');
    assert.equal(datetime('1-1-1', 'date'), '0001-01-01');
    assert.equal(datetime('2020-00-00', 'date'), '2020-00-00');
    assert.equal(datetime('0000-00-00', 'date'), '0000-00-00');
    assert.equal(datetime('2020-02-29x', 'date'), '2020-02-29 (truncated)');
    assert.equal(datetime(' 2020-02-29 ', 'date'), '2020-02-29');
    for (const bad of ['', 'abc', '2020-02-30', '2021-02-29', '2020-13-01', '2020']) assert.equal(datetime(bad, 'date'), undefined, bad);
  });

  test('datetimes: T or spaces before the time, fractions round half-up to the fsp and carry', () => {
    assert.equal(datetime('2020-02-29T10:11:12'), '2020-02-29 10:11:12');
    assert.equal(datetime('2020-02-29 10:11'), '2020-02-29 10:11:00');
    assert.equal(datetime('2020-02-29 10:11:12.5'), '2020-02-29 10:11:13');
    assert.equal(datetime('2020-02-29 23:59:59.9'), '2020-03-01 00:00:00');
    assert.equal(datetime('2020-02-29 10:11:12.1234567', 'datetime', 6), '2020-02-29 10:11:12.123457');
    assert.equal(datetime('20200229101112.5', 'datetime', 1), '2020-02-29 10:11:12.5');
    assert.equal(datetime('2020-02-29 25:00:00'), undefined);
  });

  test('times: colons, days, digits from the right, clamping past 838:59:59', () => {
    assert.equal(duration('10:11:12'), '10:11:12');
    assert.equal(duration('-10:11:12'), '-10:11:12');
    assert.equal(duration('1 10:11:12'), '34:11:12');
    assert.equal(duration('101112'), '10:11:12');
    assert.equal(duration('12'), '00:00:12');
    assert.equal(duration('10:11'), '10:11:00');
    assert.equal(duration('10:11:12.5', 1), '10:11:12.5');
    assert.equal(duration('10:11:12.5'), '10:11:13');
    assert.equal(duration('839:00:00'), '838:59:59 (warned)');
    assert.equal(duration('-839:00:00'), '-838:59:59 (warned)');
    assert.equal(duration('2020-02-29 10:11:12'), '10:11:12');
    assert.equal(duration('10:11:12x'), '10:11:12 (warned)');
    for (const bad of ['', 'abc', '10:61:00']) assert.equal(duration(bad), undefined, bad);
  });

  test('as MySQL 8 str_to_datetime: parts run to the next delimiter, runs of punctuation, T after the day', () => {
    assert.equal(datetime('2020-002-029', 'date'), '2020-02-29');
    assert.equal(datetime('2020-02-29 010:011:012'), '2020-02-29 10:11:12');
    assert.equal(datetime('2020--02--29', 'date'), '2020-02-29');
    assert.equal(datetime('20200229T101112'), '2020-02-29 10:11:12');
    assert.equal(datetime('2020-02-29-', 'date'), '2020-02-29');
    assert.equal(datetime('2020-02-29 10:11:12.1234564', 'datetime', 6), '2020-02-29 10:11:12.123456');
    // A part past 999999 is no datetime; a space may follow only the day and the fraction.
    for (const bad of ['2020-02-29 1000000:00:00', '2020-02-29 10:11:1299', '2020 -02-29', '0229']) assert.equal(datetime(bad), undefined, bad);
  });

  test('as MySQL 8 str_to_time: days need two characters after the space, 12+ characters try a datetime first', () => {
    assert.equal(duration('1 2'), '00:00:01 (warned)');
    assert.equal(duration('1 23'), '47:00:00');
    assert.equal(duration('10 :11'), '10:11:00');
    assert.equal(duration('12e'), '00:00:12 (warned)');
    assert.equal(duration('100:11:12.123456', 6), '100:11:12.123456');
    // An exponent, a part past 4294967295, a wrong datetime of 12+ characters: no time.
    for (const bad of ['1e3', '9999999999999999999999999:00', '99999999999999999999', '123456789012', '2020-02-30 10:11:12', '-', '+1']) assert.equal(duration(bad), undefined, bad);
  });

  test('numbers: YYYYMMDD[HHMMSS], YYMMDD, and HHMMSS for times', () => {
    assert.equal(datetimeFromNumber(20200229n, 0, 'date', 0)?.toString(), '2020-02-29');
    assert.equal(datetimeFromNumber(20200229101112n, 500000, 'datetime', 1)?.toString(), '2020-02-29 10:11:12.5');
    assert.equal(datetimeFromNumber(101n, 0, 'date', 0)?.toString(), '2000-01-01');
    assert.equal(datetimeFromNumber(0n, 0, 'date', 0)?.toString(), '0000-00-00');
    assert.equal(datetimeFromNumber(1n, 0, 'date', 0), undefined);
    assert.equal(datetimeFromNumber(20200230n, 0, 'date', 0), undefined);
    assert.equal(durationFromNumber(101112n, 0, 0)?.value.toString(), '10:11:12');
    assert.equal(durationFromNumber(-101112n, 0, 0)?.value.toString(), '-10:11:12');
    assert.equal(durationFromNumber(20200229101112n, 0, 0)?.value.toString(), '10:11:12');
    assert.deepEqual(durationFromNumber(8395959n, 0, 0)?.clamped, true);
    assert.equal(durationFromNumber(160n, 0, 0), undefined);
  });
});
