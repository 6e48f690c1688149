import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { durationMs, sizeBytes } from './unit-schemas.js';
import { formatDurationMs, formatSizeBytes, parseDurationMs, parseSizeBytes } from './units.js';

describe('parseSizeBytes', () => {
  test('units are binary however they are spelled, as in TiKV', () => {
    assert.equal(parseSizeBytes('96MiB'), 96 * 2 ** 20);
    assert.equal(parseSizeBytes('144MB'), 144 * 2 ** 20);
    assert.equal(parseSizeBytes('144mb'), 144 * 2 ** 20);
    assert.equal(parseSizeBytes('4KiB'), 4096);
    assert.equal(parseSizeBytes('4K'), 4096);
    assert.equal(parseSizeBytes('1GB'), 2 ** 30);
    assert.equal(parseSizeBytes('2TiB'), 2 * 2 ** 40);
    assert.equal(parseSizeBytes('1PB'), 2 ** 50);
    assert.equal(parseSizeBytes('512'), 512);
    assert.equal(parseSizeBytes('512B'), 512);
    assert.equal(parseSizeBytes(' 8 MiB '), 8 * 2 ** 20);
    assert.equal(parseSizeBytes('0'), 0);
  });

  test('fractions are allowed and a fractional byte is truncated', () => {
    assert.equal(parseSizeBytes('1.5GiB'), 1.5 * 2 ** 30);
    assert.equal(parseSizeBytes('0.5KiB'), 512);
    assert.equal(parseSizeBytes('0.1KiB'), 102);
  });

  test('rejects malformed sizes with the expected form in the message', () => {
    for (const bad of ['', 'MiB', '96XB', '-1MiB', '1e3', '96 MiB extra', '1,5GiB', '0x10']) {
      assert.throws(() => parseSizeBytes(bad), (error: unknown) => {
        return error instanceof RangeError && error.message === `expected a size like "96MiB" or a number of bytes, got ${JSON.stringify(bad)}`;
      });
    }
    assert.throws(() => parseSizeBytes('9000PiB'), /too large/);
  });

  test('formatSizeBytes prints the shortest exact spelling', () => {
    assert.equal(formatSizeBytes(96 * 2 ** 20), '96MiB');
    assert.equal(formatSizeBytes(1536), '1536B');
    assert.equal(formatSizeBytes(4096), '4KiB');
    assert.equal(formatSizeBytes(1000), '1000B');
    assert.equal(formatSizeBytes(0), '0B');
    for (const bytes of [1, 1024, 3 * 2 ** 30, 12345]) assert.equal(parseSizeBytes(formatSizeBytes(bytes)), bytes);
  });
});

describe('parseDurationMs', () => {
  test('single units', () => {
    assert.equal(parseDurationMs('3s'), 3000);
    assert.equal(parseDurationMs('100ms'), 100);
    assert.equal(parseDurationMs('2m'), 120_000);
    assert.equal(parseDurationMs('1h'), 3_600_000);
    assert.equal(parseDurationMs('1d'), 86_400_000);
    assert.equal(parseDurationMs('0s'), 0);
  });

  test('fractions and combinations, largest unit first', () => {
    assert.equal(parseDurationMs('1.5s'), 1500);
    assert.equal(parseDurationMs('0.3s'), 300);
    assert.equal(parseDurationMs('1h30m'), 5_400_000);
    assert.equal(parseDurationMs('1m3.5s'), 63_500);
    assert.equal(parseDurationMs('1s500ms'), 1500);
    assert.equal(parseDurationMs('2.5ms'), 2.5);
  });

  test('rejects bare numbers, unknown or repeated units and wrong order', () => {
    for (const bad of ['', '100', 's', '3 s', '3sec', '3S', '-1s', '30m1h', '1s1s', '1ms1s', '1.s', 'ten seconds']) {
      assert.throws(() => parseDurationMs(bad), (error: unknown) => {
        return error instanceof RangeError && error.message === `expected a duration like "3s", "100ms" or "1h30m", got ${JSON.stringify(bad)}`;
      });
    }
  });

  test('formatDurationMs round-trips', () => {
    assert.equal(formatDurationMs(3000), '3s');
    assert.equal(formatDurationMs(90_000), '1m30s');
    assert.equal(formatDurationMs(100), '100ms');
    assert.equal(formatDurationMs(0), '0ms');
    for (const milliseconds of [1, 999, 1000, 61_001, 86_400_000 + 5]) assert.equal(parseDurationMs(formatDurationMs(milliseconds)), milliseconds);
  });
});

describe('sizeBytes and durationMs schemas', () => {
  test('parse strings into numbers and keep numeric defaults', () => {
    const schema = z.object({ split: sizeBytes().default(1024), tick: durationMs().default(1000) }).strict();
    assert.deepEqual(schema.parse({}), { split: 1024, tick: 1000 });
    assert.deepEqual(schema.parse({ split: '96MiB', tick: '2s' }), { split: 96 * 2 ** 20, tick: 2000 });
    assert.deepEqual(schema.parse({ split: 4096 }), { split: 4096, tick: 1000 });
  });

  test('report bad values with the expected form', () => {
    const schema = z.object({ split: sizeBytes(), tick: durationMs() }).strict();
    const result = schema.safeParse({ split: '96XB', tick: '5' });
    assert.equal(result.success, false);
    assert.deepEqual(
      result.error?.issues.map((issue) => [issue.path.join('.'), issue.message]),
      [
        ['split', 'expected a size like "96MiB" or a number of bytes, got "96XB"'],
        ['tick', 'expected a duration like "3s", "100ms" or "1h30m", got "5"'],
      ],
    );
    assert.equal(schema.safeParse({ split: -1, tick: '1s' }).success, false);
    assert.equal(schema.safeParse({ split: 1.5, tick: '1s' }).success, false);
  });
});
