/**
 * String collations: how two strings compare and the byte key that sorts the same way
 * (index keys hold the key). Implemented: binary (63), utf8mb4_bin (46) and
 * utf8mb4_general_ci (45). The utf8mb4 ones are PAD SPACE as in MySQL 5.7, MariaDB and
 * TiDB: trailing spaces are removed before comparing, so 'a ' = 'a'.
 *
 * Like TiDB, PAD SPACE is implemented by trimming trailing U+0020. MariaDB instead pads the
 * shorter string with spaces, which differs only for strings whose tail after the common
 * prefix starts with a character below U+0020 ('a\t' < 'a' in MariaDB, 'a\t' > 'a' here).
 * Trimming keeps `compare` consistent with `sortKey`, which index keys rely on.
 */
import { CollationId } from './field-type.js';
import { generalCiSameWeightRuns, generalCiShiftedWeightRuns } from './general-ci-weights.js';

export interface Collation {
  readonly id: number;
  readonly name: string;
  readonly charset: string;
  /** Whether trailing spaces are ignored. */
  readonly padSpace: boolean;
  /** -1, 0 or 1. */
  compare(left: string, right: string): number;
  /** Bytes whose unsigned bytewise order is the collation order (equal keys for equal strings). */
  sortKey(text: string): Uint8Array;
  /** `compare` for strings given as UTF-8 bytes (raw bytes for binary). */
  compareBytes(left: Uint8Array, right: Uint8Array): number;
  /** `sortKey` for a string given as UTF-8 bytes (raw bytes for binary). */
  sortKeyFromBytes(bytes: Uint8Array): Uint8Array;
}

/** An unknown collation name or ID: MySQL's ER_UNKNOWN_COLLATION (1273). */
export class CollationError extends Error {
  override readonly name = 'CollationError';
  readonly mysqlCode = 1273;
}

const encoder = new TextEncoder();
// Invalid UTF-8 becomes U+FFFD, as Go's decoder (and so TiDB) reads it.
const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

function sign(value: number): -1 | 0 | 1 {
  return value < 0 ? -1 : value > 0 ? 1 : 0;
}

function compareByteArrays(left: Uint8Array, leftLength: number, right: Uint8Array, rightLength: number): -1 | 0 | 1 {
  const length = Math.min(leftLength, rightLength);
  for (let index = 0; index < length; index++) {
    const difference = left[index]! - right[index]!;
    if (difference !== 0) return sign(difference);
  }
  return sign(leftLength - rightLength);
}

/** Length of `text` without its trailing U+0020 spaces. */
function trimmedLength(text: string): number {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0x20) end--;
  return end;
}

function trimmedByteLength(bytes: Uint8Array): number {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0x20) end--;
  return end;
}

/**
 * The code point at `index` of a UTF-16 string, reading a lone surrogate as U+FFFD (which
 * is also what TextEncoder writes for it). The caller advances by 2 when the result is
 * above U+FFFF and by 1 otherwise.
 */
function codePointAt(text: string, index: number): number {
  const unit = text.charCodeAt(index);
  if (unit < 0xd800 || unit > 0xdfff) return unit;
  if (unit <= 0xdbff && index + 1 < text.length) {
    const next = text.charCodeAt(index + 1);
    if (next >= 0xdc00 && next <= 0xdfff) return ((unit - 0xd800) << 10) + (next - 0xdc00) + 0x10000;
  }
  return 0xfffd;
}

class BinaryCollation implements Collation {
  readonly id = CollationId.binary;
  readonly name = 'binary';
  readonly charset = 'binary';
  readonly padSpace = false;

  compare(left: string, right: string): number {
    const leftBytes = encoder.encode(left);
    const rightBytes = encoder.encode(right);
    return compareByteArrays(leftBytes, leftBytes.length, rightBytes, rightBytes.length);
  }

  sortKey(text: string): Uint8Array {
    return encoder.encode(text);
  }

  compareBytes(left: Uint8Array, right: Uint8Array): number {
    return compareByteArrays(left, left.length, right, right.length);
  }

  sortKeyFromBytes(bytes: Uint8Array): Uint8Array {
    return new Uint8Array(bytes);
  }
}

/** utf8mb4_bin: code point order (which is UTF-8 byte order), trailing spaces ignored. */
class Utf8mb4BinCollation implements Collation {
  readonly id = CollationId.utf8mb4Bin;
  readonly name = 'utf8mb4_bin';
  readonly charset = 'utf8mb4';
  readonly padSpace = true;

  // Hot path: no allocation; compares code points straight from the UTF-16 strings.
  compare(left: string, right: string): number {
    const leftEnd = trimmedLength(left);
    const rightEnd = trimmedLength(right);
    let leftIndex = 0;
    let rightIndex = 0;
    while (leftIndex < leftEnd && rightIndex < rightEnd) {
      const leftCode = codePointAt(left, leftIndex);
      const rightCode = codePointAt(right, rightIndex);
      if (leftCode !== rightCode) return leftCode < rightCode ? -1 : 1;
      leftIndex += leftCode > 0xffff ? 2 : 1;
      rightIndex += rightCode > 0xffff ? 2 : 1;
    }
    return sign(leftEnd - leftIndex - (rightEnd - rightIndex));
  }

  sortKey(text: string): Uint8Array {
    return encoder.encode(text.slice(0, trimmedLength(text)));
  }

  compareBytes(left: Uint8Array, right: Uint8Array): number {
    return compareByteArrays(left, trimmedByteLength(left), right, trimmedByteLength(right));
  }

  sortKeyFromBytes(bytes: Uint8Array): Uint8Array {
    return new Uint8Array(bytes.subarray(0, trimmedByteLength(bytes)));
  }
}

/** Every code point above U+FFFF weighs the same in utf8mb4_general_ci. */
export const generalCiSupplementaryWeight = 0xfffd;

function buildGeneralCiWeights(): Uint16Array {
  const weights = new Uint16Array(0x10000);
  for (let codePoint = 0; codePoint < weights.length; codePoint++) weights[codePoint] = codePoint;
  for (let index = 0; index < generalCiSameWeightRuns.length; index += 3) {
    const first = generalCiSameWeightRuns[index]!;
    const last = generalCiSameWeightRuns[index + 1]!;
    const weight = generalCiSameWeightRuns[index + 2]!;
    for (let codePoint = first; codePoint <= last; codePoint++) weights[codePoint] = weight;
  }
  for (let index = 0; index < generalCiShiftedWeightRuns.length; index += 3) {
    const first = generalCiShiftedWeightRuns[index]!;
    const last = generalCiShiftedWeightRuns[index + 1]!;
    const delta = generalCiShiftedWeightRuns[index + 2]!;
    for (let codePoint = first; codePoint <= last; codePoint++) weights[codePoint] = codePoint + delta;
  }
  return weights;
}

const generalCiWeights = buildGeneralCiWeights();

/** The utf8mb4_general_ci weight of one code point (MariaDB's table, see the generator). */
export function generalCiWeight(codePoint: number): number {
  if (codePoint > 0xffff) return generalCiSupplementaryWeight;
  return generalCiWeights[codePoint]!;
}

/**
 * utf8mb4_general_ci: one 16-bit weight per code point (mostly the uppercase letter without
 * accents, so 'é' = 'E' and 'ß' = 'S'), compared in sequence; trailing spaces ignored.
 */
class Utf8mb4GeneralCiCollation implements Collation {
  readonly id = CollationId.utf8mb4GeneralCi;
  readonly name = 'utf8mb4_general_ci';
  readonly charset = 'utf8mb4';
  readonly padSpace = true;

  // Hot path: no allocation; weights are read straight from the UTF-16 strings.
  compare(left: string, right: string): number {
    const leftEnd = trimmedLength(left);
    const rightEnd = trimmedLength(right);
    let leftIndex = 0;
    let rightIndex = 0;
    while (leftIndex < leftEnd && rightIndex < rightEnd) {
      const leftCode = codePointAt(left, leftIndex);
      const rightCode = codePointAt(right, rightIndex);
      const leftWeight = generalCiWeight(leftCode);
      const rightWeight = generalCiWeight(rightCode);
      if (leftWeight !== rightWeight) return leftWeight < rightWeight ? -1 : 1;
      leftIndex += leftCode > 0xffff ? 2 : 1;
      rightIndex += rightCode > 0xffff ? 2 : 1;
    }
    // Strings can end at different code unit offsets with equal weights; what decides is
    // whether either one has characters left.
    const leftRemains = leftIndex < leftEnd;
    const rightRemains = rightIndex < rightEnd;
    return leftRemains === rightRemains ? 0 : leftRemains ? 1 : -1;
  }

  sortKey(text: string): Uint8Array {
    const end = trimmedLength(text);
    const key = new Uint8Array(end * 2);
    let length = 0;
    for (let index = 0; index < end; ) {
      const codePoint = codePointAt(text, index);
      const weight = generalCiWeight(codePoint);
      key[length++] = weight >> 8;
      key[length++] = weight & 0xff;
      index += codePoint > 0xffff ? 2 : 1;
    }
    return new Uint8Array(key.subarray(0, length));
  }

  compareBytes(left: Uint8Array, right: Uint8Array): number {
    return this.compare(decoder.decode(left), decoder.decode(right));
  }

  sortKeyFromBytes(bytes: Uint8Array): Uint8Array {
    return this.sortKey(decoder.decode(bytes));
  }
}

export const binaryCollation: Collation = new BinaryCollation();
export const utf8mb4BinCollation: Collation = new Utf8mb4BinCollation();
export const utf8mb4GeneralCiCollation: Collation = new Utf8mb4GeneralCiCollation();

const collations: readonly Collation[] = [binaryCollation, utf8mb4BinCollation, utf8mb4GeneralCiCollation];

/** A collation by name (case-insensitive) or ID; throws CollationError when unknown or not implemented. */
export function getCollation(nameOrId: string | number): Collation {
  const found =
    typeof nameOrId === 'number'
      ? collations.find((collation) => collation.id === nameOrId)
      : collations.find((collation) => collation.name === nameOrId.toLowerCase());
  if (found === undefined) throw new CollationError(`Unknown collation: '${nameOrId}'`);
  return found;
}
