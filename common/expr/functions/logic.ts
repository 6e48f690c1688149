import { ScalarFuncSig as Sig } from '../../../proto/gen/dagpb.js';
import type { Decimal } from '../../types/decimal.js';
import { allEvalTypes, type EvalType, signatureSuffix } from '../eval-type.js';
import type { ScalarValue } from '../expr.js';
import { defineScalar } from '../function.js';

/** MySQL truth: a number is true when it is not zero. */
export function isTruthy(type: EvalType, value: ScalarValue): boolean {
  switch (type) {
    case 'int':
      return (value as bigint) !== 0n;
    case 'real':
      return (value as number) !== 0;
    case 'decimal':
      return !(value as Decimal).isZero();
    default:
      throw new Error(`truth of a ${type} value is decided by casting it to a number first`);
  }
}

// Three-valued logic: FALSE AND NULL is FALSE, TRUE AND NULL is NULL.
defineScalar({
  sig: Sig.LogicalAnd,
  name: 'and',
  args: ['int', 'int'],
  returns: 'int',
  nullTolerant: true,
  row: (_context, [left, right]) => {
    if (left === 0n || right === 0n) return 0n;
    return left === null || right === null ? null : 1n;
  },
});

// TRUE OR NULL is TRUE, FALSE OR NULL is NULL.
defineScalar({
  sig: Sig.LogicalOr,
  name: 'or',
  args: ['int', 'int'],
  returns: 'int',
  nullTolerant: true,
  row: (_context, [left, right]) => {
    if ((left !== null && left !== 0n) || (right !== null && right !== 0n)) return 1n;
    return left === null || right === null ? null : 0n;
  },
});

defineScalar({
  sig: Sig.LogicalXor,
  name: 'xor',
  args: ['int', 'int'],
  returns: 'int',
  row: (_context, [left, right]) => ((left !== 0n) !== (right !== 0n) ? 1n : 0n),
});

const numericTypes: readonly EvalType[] = ['int', 'real', 'decimal'];

for (const type of numericTypes) {
  const suffix = signatureSuffix[type];
  defineScalar({
    sig: Sig[`UnaryNot${suffix}` as keyof typeof Sig],
    name: 'not',
    args: [type],
    returns: 'int',
    row: (_context, [value]) => (isTruthy(type, value!) ? 0n : 1n),
  });
  // IS TRUE / IS FALSE are never NULL: NULL IS TRUE is false.
  defineScalar({
    sig: Sig[`${suffix}IsTrue` as keyof typeof Sig],
    name: 'istrue',
    args: [type],
    returns: 'int',
    nullTolerant: true,
    row: (_context, [value]) => (value != null && isTruthy(type, value) ? 1n : 0n),
  });
  defineScalar({
    sig: Sig[`${suffix}IsFalse` as keyof typeof Sig],
    name: 'isfalse',
    args: [type],
    returns: 'int',
    nullTolerant: true,
    row: (_context, [value]) => (value != null && !isTruthy(type, value) ? 1n : 0n),
  });
}

for (const type of allEvalTypes) {
  const suffix = signatureSuffix[type];
  defineScalar({
    sig: Sig[`${suffix}IsNull` as keyof typeof Sig],
    name: 'isnull',
    args: [type],
    returns: 'int',
    nullTolerant: true,
    row: (_context, [value]) => (value === null ? 1n : 0n),
  });
}
