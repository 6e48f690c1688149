import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FieldFlag, FieldTypeCode, newFieldType } from '../../types/field-type.js';
import { buildFunction } from '../build/index.js';
import { BytesColumnBuilder } from '../column.js';
import { EvalContext } from '../context.js';
import { resultTypes } from '../eval-type.js';
import { evaluate, valueReader } from '../evaluate.js';
import { columnRef, constant, type Expr, type ScalarValue } from '../expr.js';

// Expected values are MariaDB 10.11's answers (utf8mb4_general_ci connection), as observed.

const text = (value: string) => constant(Uint8Array.from(Buffer.from(value)), resultTypes.varchar([...value].length, 'utf8mb4_general_ci'));
const binText = (value: string) => constant(Uint8Array.from(Buffer.from(value)), resultTypes.varchar([...value].length, 'utf8mb4_bin'));
const bytes = (hex: string) => constant(Uint8Array.from(Buffer.from(hex, 'hex')), newFieldType(FieldTypeCode.VarString, { length: hex.length / 2, charset: 'binary', collation: 'binary', flags: FieldFlag.Binary }));
const int = (value: bigint) => constant(value, newFieldType(FieldTypeCode.LongLong, { length: String(value).length }));
const unsigned = (value: bigint) => constant(value, newFieldType(FieldTypeCode.LongLong, { length: String(value).length, flags: FieldFlag.Unsigned }));
const nullValue = constant(null, newFieldType(FieldTypeCode.Null));

function evaluated(name: string, args: readonly Expr[], context = new EvalContext()): { value: ScalarValue | null; expr: Expr; context: EvalContext } {
  const expr = buildFunction(name, args);
  const value = valueReader(evaluate(context, expr, [], 1), expr.type)(0);
  return { value, expr, context };
}

/** The result as text (UTF-8), or null. */
function textOf(name: string, ...args: Expr[]): string | null {
  const { value } = evaluated(name, args);
  return value === null ? null : Buffer.from(value as Uint8Array).toString('utf8');
}

/** The result as hex, for binary results and byte-exact checks. */
function hexOf(name: string, ...args: Expr[]): string | null {
  const { value } = evaluated(name, args);
  return value === null ? null : Buffer.from(value as Uint8Array).toString('hex');
}

function intOf(name: string, ...args: Expr[]): bigint | null {
  return evaluated(name, args).value as bigint | null;
}

function warningCodes(name: string, ...args: Expr[]): number[] {
  return evaluated(name, args).context.warnings.map((warning) => warning.code);
}

describe('string functions', () => {
  test('CONCAT is NULL with any NULL argument; CONCAT_WS skips NULLs; a binary argument makes a binary result', () => {
    assert.equal(textOf('concat', text('a'), text('é'), text('😀')), 'aé😀');
    assert.equal(textOf('concat', text('a'), nullValue, text('c')), null);
    assert.equal(textOf('concat_ws', text(','), text('a'), nullValue, text('b')), 'a,b');
    assert.equal(textOf('concat_ws', nullValue, text('a')), null);
    assert.equal(textOf('concat_ws', text(','), nullValue), '');
    const mixed = evaluated('concat', [text('a'), bytes('62')]);
    assert.equal(mixed.expr.type.charset, 'binary');
    assert.equal(Buffer.from(mixed.value as Uint8Array).toString('hex'), '6162');
    assert.equal(evaluated('concat', [text('a'), text('b')]).expr.type.collation, 'utf8mb4_general_ci');
    assert.equal(evaluated('concat', [text('a'), binText('b')]).expr.type.collation, 'utf8mb4_bin', 'an explicit collation wins over a literal');
    assert.throws(() => buildFunction('concat', []), /Incorrect parameter count/);
  });

  test('LENGTH counts bytes, CHAR_LENGTH characters (bytes for a binary string)', () => {
    assert.equal(intOf('length', text('héllo')), 6n);
    assert.equal(intOf('octet_length', text('😀')), 4n);
    assert.equal(intOf('char_length', text('héllo')), 5n);
    assert.equal(intOf('character_length', text('😀a')), 2n);
    assert.equal(intOf('char_length', bytes('c3a9')), 2n);
    assert.equal(intOf('length', nullValue), null);
  });

  test("UPPER/LOWER map one character to one, with MariaDB's table; binary strings have no case", () => {
    assert.equal(textOf('upper', text('straße')), 'STRAßE', 'ß has no one-character uppercase');
    assert.equal(textOf('ucase', text('héllo wörld')), 'HÉLLO WÖRLD');
    assert.equal(textOf('lower', text('ÀÉÎÕÜ')), 'àéîõü');
    assert.equal(textOf('upper', text('ǆ')), 'Ǆ');
    assert.equal(textOf('lcase', text('ǅ')), 'ǆ');
    assert.equal(textOf('upper', text('ÿ')), 'Ÿ');
    assert.equal(textOf('lower', text('İ')), 'i', 'the dotted capital I lowercases to a plain i (a shorter encoding)');
    assert.equal(textOf('upper', text('ı')), 'I');
    assert.equal(textOf('upper', text('ɐ')), 'ɐ', 'newer Unicode mappings are not in MariaDB’s table');
    assert.equal(textOf('upper', text('ﬀ')), 'ﬀ');
    assert.equal(textOf('upper', text('😀a')), '😀A');
    assert.equal(hexOf('upper', bytes('616263')), '616263');
    assert.equal(textOf('upper', nullValue), null);
  });

  test('SUBSTRING counts characters from 1, negative positions from the end; out-of-range parts are empty', () => {
    assert.equal(textOf('substring', text('hello'), int(2n)), 'ello');
    assert.equal(textOf('substring', text('hello'), int(-2n)), 'lo');
    assert.equal(textOf('substring', text('hello'), int(0n)), '');
    assert.equal(textOf('substring', text('hello'), int(6n)), '');
    assert.equal(textOf('substring', text('hello'), int(-6n)), '');
    assert.equal(textOf('substr', text('hello'), int(-3n), int(2n)), 'll');
    assert.equal(textOf('mid', text('hello'), int(2n), int(-1n)), '');
    assert.equal(textOf('substring', text('héllo'), int(2n), int(3n)), 'éll');
    assert.equal(textOf('substring', text('😀é😀'), int(2n)), 'é😀');
    assert.equal(hexOf('substring', bytes('c3a9'), int(2n)), 'a9');
    assert.equal(textOf('substring', text('hello'), int(9223372036854775807n)), '');
    assert.equal(textOf('substring', text('hello'), int(-9223372036854775808n)), '');
    assert.equal(textOf('substring', text('hello'), unsigned(18446744073709551615n)), '');
    assert.equal(textOf('substring', text('hello'), int(2n), unsigned(18446744073709551615n)), 'ello');
    assert.equal(textOf('substring', text('hello'), nullValue), null);
  });

  test('LEFT and RIGHT take characters; a non-positive count is empty, a huge one the whole string', () => {
    assert.equal(textOf('left', text('héllo'), int(2n)), 'hé');
    assert.equal(textOf('left', text('hello'), int(-1n)), '');
    assert.equal(textOf('left', text('hello'), unsigned(18446744073709551615n)), 'hello');
    assert.equal(textOf('right', text('héllo'), int(4n)), 'éllo');
    assert.equal(textOf('right', text('hello'), int(99n)), 'hello');
    assert.equal(hexOf('left', bytes('c3a9'), int(1n)), 'c3');
  });

  test('TRIM removes whole repetitions bytewise and case-sensitively, leading first', () => {
    assert.equal(textOf('trim', text('  a b  ')), 'a b');
    assert.equal(textOf('trim', text('xxaxx'), text('x'), int(1n)), 'axx');
    assert.equal(textOf('trim', text('xxaxx'), text('x'), int(2n)), 'xxa');
    assert.equal(textOf('trim', text('xyxyaxyx'), text('xy'), int(0n)), 'axyx');
    assert.equal(textOf('trim', text('aa'), text('')), 'aa');
    assert.equal(textOf('trim', text('aAa'), text('A')), 'aAa');
    assert.equal(textOf('trim', text('aaa'), text('aa')), 'a');
    assert.equal(textOf('trim', text('ééaé'), text('é')), 'a');
    assert.equal(textOf('trim', text('a'), nullValue), null);
    assert.equal(textOf('ltrim', text('  a  ')), 'a  ');
    assert.equal(textOf('rtrim', text('  a  ')), '  a');
    assert.equal(textOf('ltrim', text('\ta')), '\ta', 'only spaces');
  });

  test('REPLACE replaces every non-overlapping occurrence, case-sensitively', () => {
    assert.equal(textOf('replace', text('aAaA'), text('a'), text('x')), 'xAxA');
    assert.equal(textOf('replace', text('abc'), text(''), text('x')), 'abc');
    assert.equal(textOf('replace', text('aaa'), text('aa'), text('b')), 'ba');
    assert.equal(textOf('replace', text('ééé'), text('é'), text('e')), 'eee');
  });

  test('LOCATE/INSTR follow the collation: case-insensitive under general_ci, window by window as MariaDB', () => {
    assert.equal(intOf('locate', text('B'), text('abc')), 2n);
    assert.equal(intOf('locate', text('B'), binText('abc')), 0n);
    assert.equal(intOf('locate', text('B'), bytes('616263')), 0n);
    assert.equal(intOf('locate', text('é'), text('xÈ')), 2n);
    assert.equal(intOf('locate', text('é'), text('xE')), 0n, 'a window of the needle’s byte length: é is 2 bytes, E one');
    assert.equal(intOf('locate', text('ß'), text('xss')), 0n);
    assert.equal(intOf('locate', text('😀'), text('a😁😀')), 2n, 'supplementary characters weigh the same in general_ci');
    assert.equal(intOf('locate', text('bar'), text('foobarbar'), int(5n)), 7n);
    assert.equal(intOf('locate', text('bar'), text('foobarbar'), int(0n)), 0n);
    assert.equal(intOf('locate', text('é'), text('aéé'), int(3n)), 3n);
    assert.equal(intOf('locate', text('é'), text('aéé'), int(4n)), 0n);
    assert.equal(intOf('locate', text(''), text('ééé'), int(2n)), 3n, 'an empty needle answers the byte offset + 1');
    assert.equal(intOf('locate', text(''), text('abc'), int(4n)), 0n);
    assert.equal(intOf('locate', text('a'), text('abc'), nullValue), null);
    assert.equal(intOf('locate', text('o'), text('foo'), unsigned(18446744073709551615n)), 0n);
    assert.equal(intOf('instr', text('foobar'), text('BAR')), 4n);
    assert.equal(intOf('instr', text('ÉCOLE'), text('école')), 1n);
    assert.equal(intOf('instr', text('abc'), text('')), 1n);
  });

  test('STRCMP is -1, 0 or 1 by the collation (PAD SPACE, case- and accent-insensitive under general_ci)', () => {
    assert.equal(intOf('strcmp', text('a'), text('A')), 0n);
    assert.equal(intOf('strcmp', text('a'), text('b')), -1n);
    assert.equal(intOf('strcmp', text('b'), text('a')), 1n);
    assert.equal(intOf('strcmp', text('a '), text('a')), 0n);
    assert.equal(intOf('strcmp', text('é'), text('E')), 0n);
    assert.equal(intOf('strcmp', bytes('61'), text('A')), 1n);
    assert.equal(intOf('strcmp', text('abc'), binText('ABC')), 1n);
    assert.equal(intOf('strcmp', nullValue, text('a')), null);
  });

  test('REVERSE, REPEAT and SPACE; results over 16 MiB are NULL with warning 1301', () => {
    assert.equal(textOf('reverse', text('héllo')), 'olléh');
    assert.equal(hexOf('reverse', bytes('c3a9')), 'a9c3');
    assert.equal(textOf('repeat', text('ab'), int(3n)), 'ababab');
    assert.equal(textOf('repeat', text('ab'), int(-1n)), '');
    assert.equal(textOf('repeat', text(''), int(100000000n)), '');
    assert.equal((evaluated('repeat', [text('ab'), int(8388608n)]).value as Uint8Array).length, 16777216);
    assert.equal(textOf('repeat', text('ab'), int(8388609n)), null);
    assert.deepEqual(warningCodes('repeat', text('a'), unsigned(18446744073709551615n)), [1301]);
    const context = evaluated('repeat', [text('ab'), int(8388609n)]).context;
    assert.equal(context.warnings[0]!.message, 'Result of repeat() was larger than max_allowed_packet (16777216) - truncated');
    assert.equal(textOf('space', int(3n)), '   ');
    assert.equal(textOf('space', int(-1n)), '');
    assert.equal((evaluated('space', [int(16777216n)]).value as Uint8Array).length, 16777216);
    assert.deepEqual(warningCodes('space', int(16777217n)), [1301]);
  });

  test('ASCII is the first byte; HEX is the bytes of a string, the unsigned 64-bit value of a number', () => {
    assert.equal(intOf('ascii', text('Abc')), 65n);
    assert.equal(intOf('ascii', text('é')), 195n);
    assert.equal(intOf('ascii', text('')), 0n);
    assert.equal(intOf('ascii', bytes('ff')), 255n);
    assert.equal(textOf('hex', text('é')), 'C3A9');
    assert.equal(textOf('hex', bytes('00ff')), '00FF');
    assert.equal(textOf('hex', int(255n)), 'FF');
    assert.equal(textOf('hex', int(-1n)), 'FFFFFFFFFFFFFFFF');
    assert.equal(textOf('hex', unsigned(18446744073709551615n)), 'FFFFFFFFFFFFFFFF');
    assert.equal(textOf('hex', constant(2.5, resultTypes.double())), '2', 'a double converts by rint, as MySQL 8 (MariaDB: 3)');
    assert.equal(textOf('hex', constant(3.5, resultTypes.double())), '4');
    assert.equal(textOf('hex', constant(-1.5, resultTypes.double())), 'FFFFFFFFFFFFFFFE');
    assert.equal(textOf('hex', nullValue), null);
  });

  test('LPAD/RPAD pad or cut to a length in characters; NULL for a negative length, empty for a needed empty pad', () => {
    assert.equal(textOf('lpad', text('hi'), int(5n), text('ab')), 'abahi');
    assert.equal(textOf('lpad', text('hello'), int(3n), text('ab')), 'hel');
    assert.equal(textOf('lpad', text('hi'), int(5n), text('')), '', 'MySQL 8 (MariaDB: NULL)');
    assert.equal(textOf('lpad', text('hi'), int(1n), text('')), 'h');
    assert.equal(textOf('lpad', text('hi'), int(-1n), text('x')), null);
    assert.equal(textOf('lpad', text('hi'), int(0n), text('x')), '');
    assert.equal(textOf('lpad', text('hi'), int(5n)), '   hi');
    assert.equal(textOf('lpad', text('hé'), int(4n), text('xyz')), 'xyhé');
    assert.equal(textOf('rpad', text('hi'), int(5n), text('é')), 'hiééé');
    assert.equal(textOf('rpad', text('héllo'), int(2n), text('x')), 'hé');
    assert.equal(hexOf('lpad', bytes('61'), int(3n), text('b')), '626261');
    // The bound is the string's bytes plus 4 per missing character for utf8mb4 (1 for binary).
    assert.equal((evaluated('lpad', [text('a'), int(4194304n), text('b')]).value as Uint8Array).length, 4194304);
    assert.deepEqual(warningCodes('lpad', text('a'), int(4194305n), text('b')), [1301]);
    assert.deepEqual(warningCodes('lpad', text('abcd'), int(4194305n), text('b')), [], 'MySQL 8 counts the bytes it has (MariaDB: 4 per character, NULL)');
    assert.notEqual(evaluated('lpad', [bytes('61'), int(16777216n), bytes('62')]).value, null);
    assert.deepEqual(warningCodes('rpad', text('a'), unsigned(18446744073709551615n), text('b')), [1301]);
  });

  test('SUBSTRING_INDEX: bytewise, non-overlapping; a negative count counts from the right', () => {
    assert.equal(textOf('substring_index', text('a.b.c'), text('.'), int(2n)), 'a.b');
    assert.equal(textOf('substring_index', text('a.b.c'), text('.'), int(-2n)), 'b.c');
    assert.equal(textOf('substring_index', text('a.b.c'), text('.'), int(0n)), '');
    assert.equal(textOf('substring_index', text('a.b.c'), text('.'), int(5n)), 'a.b.c');
    assert.equal(textOf('substring_index', text('a.b.c'), text('.'), int(-5n)), 'a.b.c');
    assert.equal(textOf('substring_index', text('a.b.c'), text(''), int(1n)), '');
    assert.equal(textOf('substring_index', text('aXbxc'), text('x'), int(1n)), 'aXb');
    assert.equal(textOf('substring_index', text('aaa'), text('aa'), int(-1n)), 'a');
    assert.equal(textOf('substring_index', text('aaaa'), text('aa'), int(-1n)), '');
    assert.equal(textOf('substring_index', text('aaaa'), text('aa'), int(-2n)), 'aa');
    assert.equal(hexOf('substring_index', bytes('616161'), bytes('6161'), int(-1n)), '');
    // Outside 32 bits the whole string, as MySQL 8 (MariaDB truncates the count: 'c' and 'a').
    assert.equal(textOf('substring_index', text('a.b.c'), text('.'), unsigned(18446744073709551615n)), 'a.b.c');
    assert.equal(textOf('substring_index', text('a.b.c'), text('.'), int(4294967297n)), 'a.b.c');
    assert.equal(textOf('substring_index', text('a.b.c'), text('.'), int(-9223372036854775808n)), 'a.b.c');
  });

  test('a call over a column evaluates each row, NULL rows giving NULL', () => {
    const builder = new BytesColumnBuilder();
    for (const each of ['Straße', null, 'éa', '']) {
      if (each === null) builder.pushNull();
      else builder.push(Buffer.from(each));
    }
    const column = columnRef(0, resultTypes.varchar(10, 'utf8mb4_general_ci'));
    const upper = buildFunction('upper', [column]);
    const read = valueReader(evaluate(new EvalContext(), upper, [builder.finish()], 4), upper.type);
    assert.deepEqual([0, 1, 2, 3].map((row) => { const value = read(row); return value === null ? null : Buffer.from(value as Uint8Array).toString(); }), ['STRAßE', null, 'ÉA', '']);
  });
});
