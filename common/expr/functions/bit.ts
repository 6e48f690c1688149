import { ScalarFuncSig as Sig } from '../../../proto/gen/dagpb.js';
import { defineScalar } from '../function.js';

/**
 * MySQL's bit operators work on the operands' 64-bit patterns and give BIGINT UNSIGNED:
 * -1 & 1 is 1, ~0 is 18446744073709551615, and a shift by 64 or more gives 0.
 */
const mask = (1n << 64n) - 1n;

function pattern(value: unknown): bigint {
  return BigInt.asUintN(64, value as bigint);
}

const binary: ReadonlyArray<readonly [Sig, string, (left: bigint, right: bigint) => bigint]> = [
  [Sig.BitAndInt, '&', (left, right) => left & right],
  [Sig.BitOrInt, '|', (left, right) => left | right],
  [Sig.BitXorInt, '^', (left, right) => left ^ right],
  [Sig.LeftShiftInt, '<<', (left, right) => (right >= 64n ? 0n : (left << right) & mask)],
  [Sig.RightShiftInt, '>>', (left, right) => (right >= 64n ? 0n : left >> right)],
];

for (const [sig, name, compute] of binary) {
  defineScalar({ sig, name, args: ['int', 'int'], returns: 'int', row: (_context, [left, right]) => compute(pattern(left), pattern(right)) });
}

defineScalar({ sig: Sig.BitNegInt, name: '~', args: ['int'], returns: 'int', row: (_context, [value]) => ~pattern(value) & mask });
