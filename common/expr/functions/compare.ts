import { ScalarFuncSig as Sig } from '../../../proto/gen/dagpb.js';
import type { Collation } from '../../types/collation.js';
import type { Decimal } from '../../types/decimal.js';
import type { Duration, MysqlTime } from '../../types/time.js';
import { ExprError, ExprErrorCode } from '../context.js';
import { allEvalTypes, type EvalType, signatureSuffix } from '../eval-type.js';
import type { ScalarValue } from '../expr.js';
import { defineScalar } from '../function.js';

/** -1, 0 or 1: how two non-NULL values of one evaluation type order (strings by `collation`). */
export function compareValues(type: EvalType, left: ScalarValue, right: ScalarValue, collation: Collation): number {
  switch (type) {
    case 'int':
      return (left as bigint) < (right as bigint) ? -1 : (left as bigint) > (right as bigint) ? 1 : 0;
    case 'real':
      return (left as number) < (right as number) ? -1 : (left as number) > (right as number) ? 1 : 0;
    case 'decimal':
      return (left as Decimal).compare(right as Decimal);
    case 'bytes':
      return collation.compareBytes(left as Uint8Array, right as Uint8Array);
    case 'json':
      // JSON ordering (by type, then value) arrives with the JSON functions.
      throw new ExprError(ExprErrorCode.unknown, 'comparing JSON values is not supported yet');
    case 'time':
      return (left as MysqlTime).compare(right as MysqlTime);
    case 'duration':
      return (left as Duration).compare(right as Duration);
  }
}

// JSON comparisons arrive with the JSON functions.
const comparedTypes = allEvalTypes.filter((type) => type !== 'json');

const operators: ReadonlyArray<readonly [string, string, (order: number) => boolean]> = [
  ['Lt', '<', (order) => order < 0],
  ['Le', '<=', (order) => order <= 0],
  ['Gt', '>', (order) => order > 0],
  ['Ge', '>=', (order) => order >= 0],
  ['Eq', '=', (order) => order === 0],
  ['Ne', '!=', (order) => order !== 0],
];

for (const type of comparedTypes) {
  const suffix = signatureSuffix[type];
  for (const [prefix, name, holds] of operators) {
    defineScalar({
      sig: Sig[`${prefix}${suffix}` as keyof typeof Sig],
      name,
      args: [type, type],
      returns: 'int',
      row: (_context, [left, right], call) => (holds(compareValues(type, left!, right!, call.collation)) ? 1n : 0n),
    });
  }
  // a <=> b: NULL-safe equality, true when both are NULL.
  defineScalar({
    sig: Sig[`NullEq${suffix}` as keyof typeof Sig],
    name: '<=>',
    args: [type, type],
    returns: 'int',
    nullTolerant: true,
    row: (_context, [left, right], call) => {
      if (left == null || right == null) return left == right ? 1n : 0n;
      return compareValues(type, left!, right!, call.collation) === 0 ? 1n : 0n;
    },
  });
  // a IN (b, c, ...): true when one equals a; otherwise NULL when a or one of the list is NULL.
  defineScalar({
    sig: Sig[`In${suffix}` as keyof typeof Sig],
    name: 'in',
    args: { each: () => type, min: 2 },
    returns: 'int',
    nullTolerant: true,
    row: (_context, [target, ...list], call) => {
      if (target == null) return null;
      let sawNull = false;
      for (const candidate of list) {
        if (candidate === null) sawNull = true;
        else if (compareValues(type, target, candidate!, call.collation) === 0) return 1n;
      }
      return sawNull ? null : 0n;
    },
  });
}
