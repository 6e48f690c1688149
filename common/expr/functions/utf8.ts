/**
 * UTF-8 walking without building strings: the string functions count, cut and match by
 * character, and an invalid sequence counts as one U+FFFD character per byte (as
 * TextDecoder reads it), so no input can make them loop or throw.
 */

export const replacementCharacter = 0xfffd;

/** The code point starting at `offset` and how many bytes it takes. */
export function decodeCodePoint(bytes: Uint8Array, offset: number): { codePoint: number; length: number } {
  const first = bytes[offset]!;
  if (first < 0x80) return { codePoint: first, length: 1 };
  const length = first >= 0xf0 && first < 0xf5 ? 4 : first >= 0xe0 ? 3 : first >= 0xc2 && first < 0xe0 ? 2 : 0;
  if (length === 0 || first >= 0xf5 || offset + length > bytes.length) return { codePoint: replacementCharacter, length: 1 };
  let codePoint = first & (0xff >> (length + 1));
  for (let index = 1; index < length; index++) {
    const next = bytes[offset + index]!;
    if ((next & 0xc0) !== 0x80) return { codePoint: replacementCharacter, length: 1 };
    codePoint = (codePoint << 6) | (next & 0x3f);
  }
  // Overlong forms and surrogates are invalid too.
  const smallest = length === 2 ? 0x80 : length === 3 ? 0x800 : 0x10000;
  if (codePoint < smallest || (codePoint >= 0xd800 && codePoint <= 0xdfff) || codePoint > 0x10ffff) return { codePoint: replacementCharacter, length: 1 };
  return { codePoint, length };
}

/** The characters of `bytes` (each byte one character when `binary`). */
export function codePoints(bytes: Uint8Array, binary: boolean): Int32Array {
  const out = new Int32Array(bytes.length);
  if (binary) {
    out.set(bytes);
    return out;
  }
  let count = 0;
  for (let offset = 0; offset < bytes.length; ) {
    const { codePoint, length } = decodeCodePoint(bytes, offset);
    out[count++] = codePoint;
    offset += length;
  }
  return out.subarray(0, count);
}

/** Byte offsets where each character starts, plus the end: `starts[n]` is the byte length. */
export function characterStarts(bytes: Uint8Array, binary: boolean): Int32Array {
  const starts = new Int32Array(bytes.length + 1);
  let count = 0;
  if (binary) {
    for (let offset = 0; offset <= bytes.length; offset++) starts[count++] = offset;
    return starts;
  }
  let offset = 0;
  while (offset < bytes.length) {
    starts[count++] = offset;
    offset += decodeCodePoint(bytes, offset).length;
  }
  starts[count++] = bytes.length;
  return starts.subarray(0, count);
}
