/**
 * A tiny deterministic PRNG (SplitMix64) for property tests in this folder, so a failing
 * case replays from its seed. Not for anything but tests.
 */
export class SeededRandom {
  // Invariant: 0 <= state < 2^64.
  private state: bigint;

  constructor(seed: bigint) {
    this.state = BigInt.asUintN(64, seed);
  }

  /** A uniformly distributed value in [0, 2^64). */
  nextUint64(): bigint {
    this.state = BigInt.asUintN(64, this.state + 0x9e3779b97f4a7c15n);
    let z = this.state;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    return z ^ (z >> 31n);
  }

  /** A uniformly distributed value in [-2^63, 2^63). */
  nextInt64(): bigint {
    return BigInt.asIntN(64, this.nextUint64());
  }

  /** An integer in [0, bound), for bound <= 2^32. */
  nextInt(bound: number): number {
    return Number(this.nextUint64() % BigInt(bound));
  }

  nextBoolean(): boolean {
    return (this.nextUint64() & 1n) === 1n;
  }

  /**
   * A 64-bit value biased towards the edges where encoders go wrong: 0, around 2^31,
   * 2^32, 2^53 (the end of exact JS numbers) and 2^64 - 1.
   */
  nextInterestingUint64(): bigint {
    const edges = [0n, 1n, 2n ** 31n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n];
    if (this.nextBoolean()) return this.nextUint64();
    const edge = edges[this.nextInt(edges.length)];
    return edge ?? 0n;
  }

  nextBytes(maxLength: number): Buffer {
    const length = this.nextInt(maxLength + 1);
    const bytes = Buffer.alloc(length);
    for (let index = 0; index < length; index++) bytes[index] = this.nextInt(256);
    return bytes;
  }
}
