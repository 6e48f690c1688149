/**
 * UTF-8 walking without building strings: the string functions count, cut and match by
 * character. Each byte that does not start a valid sequence counts as one U+FFFD
 * character, so no input can make them loop or throw.
 */

export const replacementCharacter = 0xfffd;

/**
 * The code point starting at `offset` and its length in bytes, packed as
 * `codePoint * 8 + length` so the hot loops that walk strings allocate nothing.
 */
export function decodeCodePoint(bytes: Uint8Array, offset: number): number {
  const first = bytes[offset]!;
  if (first < 0x80) return first * 8 + 1;
  const length = first >= 0xf0 && first < 0xf5 ? 4 : first >= 0xe0 ? 3 : first >= 0xc2 && first < 0xe0 ? 2 : 0;
  if (length === 0 || first >= 0xf5 || offset + length > bytes.length) return replacementCharacter * 8 + 1;
  let codePoint = first & (0xff >> (length + 1));
  for (let index = 1; index < length; index++) {
    const next = bytes[offset + index]!;
    if ((next & 0xc0) !== 0x80) return replacementCharacter * 8 + 1;
    codePoint = (codePoint << 6) | (next & 0x3f);
  }
  // Overlong forms and surrogates are invalid too.
  const smallest = length === 2 ? 0x80 : length === 3 ? 0x800 : 0x10000;
  if (codePoint < smallest || (codePoint >= 0xd800 && codePoint <= 0xdfff) || codePoint > 0x10ffff) return replacementCharacter * 8 + 1;
  return codePoint * 8 + length;
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
    const decoded = decodeCodePoint(bytes, offset);
    out[count++] = decoded >> 3;
    offset += decoded & 7;
  }
  return out.subarray(0, count);
}
