import { ScalarFuncSig as Sig } from '../../../proto/gen/dagpb.js';
import { type Collation, generalCiWeight } from '../../types/collation.js';
import { defineScalar } from '../function.js';
import { codePoints } from './utf8.js';

const anyOne = -1;
const anyMany = -2;

/**
 * A LIKE pattern compiled to characters: literal code points, and the wildcards `_`
 * (exactly one character) and `%` (any run). The escape character makes the next
 * character literal; at the end of the pattern it stands for itself, as in MySQL.
 */
export function compileLikePattern(pattern: Uint8Array, escape: number, binary: boolean): Int32Array {
  const characters = codePoints(pattern, binary);
  const out = new Int32Array(characters.length);
  let count = 0;
  for (let index = 0; index < characters.length; index++) {
    const character = characters[index]!;
    if (character === escape && index + 1 < characters.length) out[count++] = characters[++index]!;
    else if (character === 0x25 /* % */) {
      // Consecutive %s match what one does.
      if (count === 0 || out[count - 1] !== anyMany) out[count++] = anyMany;
    } else if (character === 0x5f /* _ */) out[count++] = anyOne;
    else out[count++] = character;
  }
  return out.subarray(0, count);
}

/**
 * Whether `text` matches a compiled pattern: the greedy wildcard match that backtracks
 * only to the last `%`, so it runs in O(text × pattern) at worst. Characters compare by
 * the collation: case- and accent-insensitively under utf8mb4_general_ci. LIKE does not
 * pad, so trailing spaces count.
 */
export function likeMatches(text: Int32Array, pattern: Int32Array, caseInsensitive: boolean): boolean {
  let textIndex = 0;
  let patternIndex = 0;
  let starPattern = -1;
  let starText = 0;
  while (textIndex < text.length) {
    const wanted = pattern[patternIndex];
    if (patternIndex < pattern.length && wanted !== anyMany && (wanted === anyOne || sameCharacter(wanted!, text[textIndex]!, caseInsensitive))) {
      textIndex++;
      patternIndex++;
    } else if (patternIndex < pattern.length && wanted === anyMany) {
      starPattern = patternIndex++;
      starText = textIndex;
    } else if (starPattern >= 0) {
      patternIndex = starPattern + 1;
      textIndex = ++starText;
    } else {
      return false;
    }
  }
  while (patternIndex < pattern.length && pattern[patternIndex] === anyMany) patternIndex++;
  return patternIndex === pattern.length;
}

function sameCharacter(left: number, right: number, caseInsensitive: boolean): boolean {
  return left === right || (caseInsensitive && generalCiWeight(left) === generalCiWeight(right));
}

function isCaseInsensitive(collation: Collation): boolean {
  return collation.name.endsWith('_ci');
}

// One compiled pattern is kept: a pattern is nearly always a constant.
let lastPattern: { bytes: Uint8Array; escape: number; binary: boolean; compiled: Int32Array } | undefined;

function compiledPattern(pattern: Uint8Array, escape: number, binary: boolean): Int32Array {
  if (lastPattern !== undefined && lastPattern.escape === escape && lastPattern.binary === binary && Buffer.compare(lastPattern.bytes, pattern) === 0) return lastPattern.compiled;
  const compiled = compileLikePattern(pattern, escape, binary);
  lastPattern = { bytes: Uint8Array.from(pattern), escape, binary, compiled };
  return compiled;
}

defineScalar({
  sig: Sig.Like,
  name: 'like',
  args: ['bytes', 'bytes', 'int'],
  returns: 'int',
  row: (_context, [text, pattern, escape], call) => {
    const binary = call.collation.name === 'binary';
    const compiled = compiledPattern(pattern as Uint8Array, Number(escape as bigint), binary);
    return likeMatches(codePoints(text as Uint8Array, binary), compiled, isCaseInsensitive(call.collation)) ? 1n : 0n;
  },
});
