/**
 * A small seeded PRNG (xoshiro128**, seeded through splitmix32) for property tests and
 * simulations: the same seed replays the same sequence on every machine.
 */
export class SeededRandom {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  readonly seed: number;

  constructor(seed: number) {
    this.seed = seed;
    let state = seed >>> 0;
    const next = (): number => {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotateLeft(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotateLeft(this.s3, 11);
    return result;
  }

  /** A float in [0, 1). */
  nextFloat(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  /** An integer in [0, bound). */
  nextInt(bound: number): number {
    if (!Number.isInteger(bound) || bound <= 0) throw new RangeError(`bound must be a positive integer, got ${bound}`);
    return Math.floor(this.nextFloat() * bound);
  }

  /** An integer in [low, high]. */
  nextIntBetween(low: number, high: number): number {
    return low + this.nextInt(high - low + 1);
  }

  nextBoolean(): boolean {
    return (this.nextUint32() & 1) === 1;
  }

  /** A uniformly distributed unsigned 64-bit integer. */
  nextUint64(): bigint {
    return (BigInt(this.nextUint32()) << 32n) | BigInt(this.nextUint32());
  }

  nextInt64(): bigint {
    return BigInt.asIntN(64, this.nextUint64());
  }

  nextBytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let index = 0; index < length; index++) out[index] = this.nextUint32() & 0xff;
    return out;
  }

  /** True with probability `probability`. */
  chance(probability: number): boolean {
    return this.nextFloat() < probability;
  }

  /** A string of `length` random decimal digits (leading zeros allowed). */
  digits(length: number): string {
    let text = '';
    for (let index = 0; index < length; index++) text += String(this.nextUint32() % 10);
    return text;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('cannot pick from an empty list');
    return items[this.nextInt(items.length)]!;
  }
}

function rotateLeft(value: number, bits: number): number {
  return ((value << bits) | (value >>> (32 - bits))) >>> 0;
}

/** A source of uniform numbers in [0, 1), like `Math.random`. */
export type RandomSource = () => number;

/** A deterministic `Math.random` replacement, for code that takes a `RandomSource`. */
export function seededRandomSource(seed: number): RandomSource {
  const random = new SeededRandom(seed);
  return () => random.nextFloat();
}
