import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { JsonSyntaxError, normalizeJson, parseJson } from './json-text.js';

describe('common/types JSON text (MySQL 8 normalized form)', () => {
  test('arrays and objects print with one space after separators; keys sort by length, then bytes', () => {
    assert.equal(normalizeJson('[1,2,  3]'), '[1, 2, 3]');
    assert.equal(normalizeJson('{"b": 1, "a": [true, null], "aa": "x"}'), '{"a": [true, null], "b": 1, "aa": "x"}');
    assert.equal(normalizeJson(' {} '), '{}');
    assert.equal(normalizeJson('[]'), '[]');
  });

  test('the last duplicate key wins', () => {
    assert.equal(normalizeJson('{"a": 1, "a": 2}'), '{"a": 2}');
  });

  test('integers stay integers (64 bits signed or unsigned), other numbers are doubles', () => {
    assert.equal(normalizeJson('18446744073709551615'), '18446744073709551615');
    assert.equal(normalizeJson('-9223372036854775808'), '-9223372036854775808');
    assert.equal(normalizeJson('18446744073709551616'), '1.8446744073709552e19');
    assert.equal(normalizeJson('1e2'), '100.0');
    assert.equal(normalizeJson('1.50'), '1.5');
    assert.deepEqual(parseJson('12'), { kind: 'integer', value: 12n });
  });

  test('strings escape quotes, backslashes and control characters and keep the rest', () => {
    assert.equal(normalizeJson('"a\\u0041\\n\\"ñ\\/"'), '"aA\\n\\"ñ/"');
    assert.equal(normalizeJson('"\\u0001"'), '"\\u0001"');
  });

  test('bad text is a JsonSyntaxError with a position', () => {
    for (const text of ['abc', '', '[1,]', '{"a" 1}', '"abc', '01', '[1] 2', 'tru']) {
      assert.throws(() => parseJson(text), JsonSyntaxError, text);
    }
    assert.throws(() => parseJson('[1] 2'), (error: unknown) => error instanceof JsonSyntaxError && error.position === 4);
    assert.throws(() => parseJson('['.repeat(101) + ']'.repeat(101)), (error: unknown) => error instanceof JsonSyntaxError && error.tooDeep);
    assert.equal(normalizeJson('['.repeat(100) + ']'.repeat(100)).length, 200);
  });

  test('a \\u surrogate only stands in a pair (rapidjson), never as a lone U+FFFD', () => {
    assert.equal(normalizeJson('"\\ud83d\\ude00"'), '"😀"');
    for (const text of ['"\\ud83d"', '"\\ude00"', '"\\ud83dx"', '"\\ud83d\\u0041"']) {
      assert.throws(() => parseJson(text), (error: unknown) => error instanceof JsonSyntaxError && /surrogate/.test(error.reason), text);
    }
  });
});
