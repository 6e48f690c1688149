import assert from 'node:assert/strict';
import { test } from 'node:test';
import { codePoints, replacementCharacter } from './utf8.js';

test('codePoints reads UTF-8 characters of 1 to 4 bytes, and each invalid byte as U+FFFD', () => {
  assert.deepEqual([...codePoints(Buffer.from('aé€😀'), false)], [0x61, 0xe9, 0x20ac, 0x1f600]);
  // A lone continuation byte, an overlong '/', a truncated '€', an encoded surrogate.
  const bad = Uint8Array.of(0x80, 0xc0, 0xaf, 0xe2, 0x82, 0xed, 0xa0, 0x80, 0x41);
  assert.deepEqual([...codePoints(bad, false)], [...Array(8).fill(replacementCharacter), 0x41]);
  assert.deepEqual([...codePoints(Uint8Array.of(0xe9, 0x41), true)], [0xe9, 0x41], 'binary: a byte is a character');
});
