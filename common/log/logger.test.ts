import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LOG_LEVELS, childLogger, createLogger, isLogLevel, moduleLogger, type LogLevel } from './logger.js';

/** A destination that keeps every line pino writes, parsed as JSON. */
function captureLines(): { readonly lines: Record<string, unknown>[]; write(chunk: string): void } {
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    write(chunk: string): void {
      for (const line of chunk.split('\n')) {
        if (line.length > 0) lines.push(JSON.parse(line) as Record<string, unknown>);
      }
    },
  };
}

describe('createLogger', () => {
  test('writes JSON lines with component, pid, level label, ISO time, msg and extra fields', () => {
    const destination = captureLines();
    const logger = createLogger({ component: 'kv', level: 'info', destination });
    logger.info({ regionId: 7, peer: 'p1' }, 'became leader');
    assert.equal(destination.lines.length, 1);
    const line = destination.lines[0];
    assert.ok(line !== undefined);
    assert.equal(line['component'], 'kv');
    assert.equal(line['pid'], process.pid);
    assert.equal(line['level'], 'info');
    assert.equal(line['msg'], 'became leader');
    assert.equal(line['regionId'], 7);
    assert.equal(line['peer'], 'p1');
    assert.equal(typeof line['time'], 'string');
    assert.match(line['time'] as string, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.equal('hostname' in line, false);
  });

  test('filters out lines below the configured level', () => {
    const destination = captureLines();
    const logger = createLogger({ component: 'pd', level: 'warn', destination });
    logger.trace('t');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    logger.fatal('f');
    assert.deepEqual(
      destination.lines.map((line) => [line['level'], line['msg']]),
      [
        ['warn', 'w'],
        ['error', 'e'],
        ['fatal', 'f'],
      ],
    );
  });

  test('every level label is written as configured and silent writes nothing', () => {
    for (const level of LOG_LEVELS) {
      const destination = captureLines();
      const logger = createLogger({ component: 'sql', level, destination });
      logger.trace('t');
      logger.debug('d');
      logger.info('i');
      logger.warn('w');
      logger.error('e');
      logger.fatal('f');
      const expectedCount = level === 'silent' ? 0 : 6 - LOG_LEVELS.indexOf(level);
      assert.equal(destination.lines.length, expectedCount, `level ${level}`);
      if (level !== 'silent') assert.equal(destination.lines[0]?.['level'], level);
    }
  });

  test('module child loggers carry the module and the parent fields', () => {
    const destination = captureLines();
    const logger = createLogger({ component: 'kv', level: 'debug', destination });
    const raftstore = moduleLogger(logger, 'raftstore');
    raftstore.debug({ term: 3 }, 'campaign');
    const line = destination.lines[0];
    assert.ok(line !== undefined);
    assert.equal(line['component'], 'kv');
    assert.equal(line['module'], 'raftstore');
    assert.equal(line['level'], 'debug');
    assert.equal(line['term'], 3);
    assert.equal(line['msg'], 'campaign');
  });

  test('bigints in fields and bindings are written as exact decimal strings', () => {
    const destination = captureLines();
    const logger = createLogger({ component: 'kv', level: 'info', destination });
    const timestamp = (1n << 62n) + 12345n;
    childLogger(moduleLogger(logger, 'mvcc'), { storeId: 9007199254740993n }).info(
      { startTs: timestamp, keys: [1n, 2], nested: { commitTs: 5n } },
      'prewrite',
    );
    const line = destination.lines[0];
    assert.ok(line !== undefined);
    assert.equal(line['startTs'], timestamp.toString());
    assert.equal(line['storeId'], '9007199254740993');
    assert.equal(line['module'], 'mvcc');
    assert.deepEqual(line['keys'], ['1', 2]);
    assert.deepEqual(line['nested'], { commitTs: '5' });
  });

  test('errors are serialized with type, message and stack', () => {
    const destination = captureLines();
    const logger = createLogger({ component: 'kv', level: 'info', destination });
    logger.error({ err: new RangeError('out of range') }, 'apply failed');
    const error = destination.lines[0]?.['err'] as Record<string, unknown> | undefined;
    assert.equal(error?.['type'], 'RangeError');
    assert.equal(error?.['message'], 'out of range');
    assert.equal(typeof error?.['stack'], 'string');
  });

  test('rejects an unknown level and an empty component', () => {
    assert.throws(() => createLogger({ component: 'kv', level: 'verbose' as LogLevel }), /unknown level "verbose"/);
    assert.throws(() => createLogger({ component: '', level: 'info' }), /component must not be empty/);
    assert.equal(isLogLevel('debug'), true);
    assert.equal(isLogLevel('DEBUG'), false);
  });
});
