/** Ascending order of two bigints, for Array.prototype.sort. */
export function compareBigints(first: bigint, second: bigint): number {
  return first < second ? -1 : first > second ? 1 : 0;
}
