import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EvalContext } from '../../common/expr/context.js';
import { evaluate, valueReader } from '../../common/expr/evaluate.js';
import type { ScalarValue } from '../../common/expr/expr.js';
import { FieldFlag, FieldTypeCode, hasFlag } from '../../common/types/field-type.js';
import { parseSqlExpression, SqlSyntaxError } from './sql-expression.js';

function run(sql: string): ScalarValue | null {
  const expr = parseSqlExpression(sql);
  return valueReader(evaluate(new EvalContext(), expr, [], 1), expr.type)(0);
}

describe('the differential test\'s SQL expression parser', () => {
  test('MySQL precedence: AND binds tighter than OR, * than +, comparison than NOT', () => {
    assert.equal(run('1 OR 0 AND 0'), 1n);
    assert.equal(run('(1 OR 0) AND 0'), 0n);
    assert.equal(run('1 + 2 * 3'), 7n);
    assert.equal(run('NOT 1 = 2'), 1n);
    assert.equal(run('2 - 1 - 1'), 0n);
    assert.equal(run('1 | 2 & 3'), 3n);
  });

  test('literals are typed as MySQL types them', () => {
    const min = parseSqlExpression('-9223372036854775808');
    assert.equal(min.type.code, FieldTypeCode.LongLong);
    assert.equal(run('-9223372036854775808'), -(1n << 63n));
    const max = parseSqlExpression('18446744073709551615');
    assert.ok(hasFlag(max.type.flags, FieldFlag.Unsigned));
    const decimal = parseSqlExpression('1.50');
    assert.deepEqual([decimal.type.code, decimal.type.length, decimal.type.decimals], [FieldTypeCode.NewDecimal, 3, 2]);
    assert.equal(parseSqlExpression('1e3').type.code, FieldTypeCode.Double);
    assert.equal(parseSqlExpression('18446744073709551616').type.code, FieldTypeCode.NewDecimal);
    assert.equal(Buffer.from(run("'it''s \\\\ \\n'") as Uint8Array).toString(), "it's \\ \n");
  });

  test('special call forms reach the rules with their arguments', () => {
    assert.equal(run("'abc' LIKE 'a|_c' ESCAPE '|'"), 0n);
    assert.equal(run('2 NOT BETWEEN 1 AND 3'), 0n);
    assert.equal(run('4 NOT IN (1, 2, NULL)'), null);
    assert.equal(run("CASE 2 WHEN 1 THEN 10 WHEN 2 THEN 20 END"), 20n);
    assert.equal(run('NULL IS NOT NULL'), 0n);
  });

  test('what it cannot read is a syntax error, not a wrong answer', () => {
    assert.throws(() => parseSqlExpression('1 +'), SqlSyntaxError);
    assert.throws(() => parseSqlExpression('some_column + 1'), SqlSyntaxError);
    assert.throws(() => parseSqlExpression("'unterminated"), SqlSyntaxError);
    assert.throws(() => parseSqlExpression('1 2'), SqlSyntaxError);
  });
});
