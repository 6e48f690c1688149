import type { SeededRandom } from '../random.js';

/**
 * Generators for property tests, biased toward the values where encodings break:
 * zero, the signed/unsigned boundaries, and powers of two.
 */
const int64Edges = [0n, 1n, -1n, 127n, -128n, 128n, 255n, 256n, 32767n, -32768n, 65535n, 2n ** 31n - 1n, -(2n ** 31n), 2n ** 32n, 2n ** 53n, -(2n ** 53n), 2n ** 63n - 1n, -(2n ** 63n)];
const uint64Edges = [0n, 1n, 127n, 128n, 255n, 256n, 65535n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n + 1n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n];
const float64Edges = [0, -0, 1, -1, 0.5, -0.5, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE, Infinity, -Infinity, 2 ** 53, 1e-300, -1e300];

export function randomInt64(random: SeededRandom): bigint {
  switch (random.nextInt(4)) {
    case 0:
      return random.pick(int64Edges);
    case 1:
      return BigInt(random.nextIntBetween(-1000, 1000));
    case 2:
      return BigInt.asIntN(64, random.nextUint64() >> BigInt(random.nextInt(64)));
    default:
      return random.nextInt64();
  }
}

export function randomUint64(random: SeededRandom): bigint {
  switch (random.nextInt(3)) {
    case 0:
      return random.pick(uint64Edges);
    case 1:
      return random.nextUint64() >> BigInt(random.nextInt(64));
    default:
      return random.nextUint64();
  }
}

const scratch = new DataView(new ArrayBuffer(8));

export function randomFloat64(random: SeededRandom): number {
  switch (random.nextInt(4)) {
    case 0:
      return random.pick(float64Edges);
    case 1:
      return (random.nextFloat() - 0.5) * 2000;
    default: {
      // Random bit patterns cover subnormals and huge exponents; NaN is not a SQL value.
      scratch.setBigUint64(0, random.nextUint64());
      const value = scratch.getFloat64(0);
      return Number.isNaN(value) ? 0 : value;
    }
  }
}

/** Byte strings with long shared prefixes, zero bytes, 0xFF bytes and group-size lengths. */
export function randomBytes(random: SeededRandom, maxLength = 40): Uint8Array {
  const length = random.nextInt(4) === 0 ? random.pick([0, 7, 8, 9, 16, 17]) : random.nextInt(maxLength + 1);
  const out = random.nextBytes(length);
  const alphabet = random.nextInt(3);
  for (let index = 0; index < length; index++) {
    if (alphabet === 0) out[index] = random.pick([0x00, 0x01, 0xfe, 0xff]);
    else if (alphabet === 1) out[index] = 0x61 + (out[index]! % 3);
  }
  return out;
}

/** -1, 0 or 1; never -0, so results compare with Object.is semantics. */
export function sign(value: number): number {
  return value < 0 ? -1 : value > 0 ? 1 : 0;
}

export function compareBigInt(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
