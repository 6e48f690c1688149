import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { answersMatch, evaluateCase, evaluateCaseOverColumns, loadCases, loadExpected, valueOf } from './cases.js';

/**
 * common/expr against MariaDB's recorded answers (test/expr-oracle/cases/*.expected,
 * recorded by `npm run test:expr-oracle -- --rewrite`): every case's value and warnings
 * must match, or, for a listed intentional difference, MySQL 8's answer written beside it.
 */
describe('common/expr answers as MariaDB does (recorded)', () => {
  const cases = loadCases();
  const expected = loadExpected();

  test('there are at least 300 cases and every one has a recorded answer', () => {
    assert.ok(cases.length >= 300, `only ${cases.length} cases`);
    const missing = cases.filter((each) => expected.get(each.family)?.get(each.sql) === undefined);
    assert.deepEqual(
      missing.map((each) => `${each.family}.sql:${each.line}`),
      [],
      'cases without a recorded answer: run `npm run test:expr-oracle -- --rewrite`',
    );
  });

  for (const family of [...new Set(cases.map((each) => each.family))]) {
    test(`${family}: every value and warning matches`, () => {
      const mismatches: string[] = [];
      for (const each of cases.filter((one) => one.family === family)) {
        const recorded = expected.get(family)?.get(each.sql);
        if (recorded === undefined) continue;
        const ours = evaluateCase(each.sql);
        if (!answersMatch(ours, recorded, each)) mismatches.push(`${family}.sql:${each.line} ${each.sql}\n  ours   ${ours}\n  wanted ${each.override?.answer ?? recorded}`);
      }
      assert.deepEqual(mismatches, []);
    });
  }

  test('every case answers the same when its values come from the columns of a batch (the coprocessor\'s path)', () => {
    const mismatches: string[] = [];
    for (const each of cases) {
      const single = valueOf(evaluateCase(each.sql));
      const perRow = evaluateCaseOverColumns(each.sql, 3);
      assert.ok(perRow !== 'not pushable');
      if (perRow.some((answer) => answer !== single)) mismatches.push(`${each.family}.sql:${each.line} ${each.sql}\n  constants ${single}\n  columns   ${perRow.join(' | ')}`);
    }
    assert.deepEqual(mismatches, []);
  });

  const readTheClock = [
    "IF(0, TIME '10:00:00', DATE '2020-01-01')",
    "IF(0, TIME '10:00:00.5', DATE '2020-01-01')",
    "COALESCE(NULL, DATE '2020-01-01', TIME '10:00:00')",
    "CASE WHEN 0 THEN TIME '10:00:00' ELSE TIMESTAMP '2020-01-01 10:11:12.25' END",
  ];

  test('every case answers the same sent to a store: across the dagpb wire form, compiled as pushed down', () => {
    const mismatches: string[] = [];
    const notPushable: string[] = [];
    for (const each of cases) {
      const single = valueOf(evaluateCase(each.sql));
      const perRow = evaluateCaseOverColumns(each.sql, 2, { pushedDown: true });
      if (perRow === 'not pushable') notPushable.push(each.sql);
      else if (perRow.some((answer) => answer !== single)) mismatches.push(`${each.family}.sql:${each.line} ${each.sql}\n  here  ${single}\n  store ${perRow.join(' | ')}`);
    }
    assert.deepEqual(mismatches, []);
    // Every function the cases use may run in a store, but for these: a TIME meeting a DATE
    // or DATETIME becomes a DATETIME on the current date, a clock a store does not read.
    assert.deepEqual(notPushable, readTheClock);
  });
});
