import type { Collation } from '../../common/types/collation.js';
import { getCollation } from '../../common/types/collation.js';
import { compareValues } from '../../common/expr/functions/compare.js';
import { type EvalType, evalTypeOf } from '../../common/expr/eval-type.js';
import type { ScalarValue } from '../../common/expr/expr.js';
import type { FieldType } from '../../common/types/field-type.js';

/** One ORDER BY key: its type and direction. */
export interface SortKey {
  readonly evalType: EvalType;
  readonly collation: Collation;
  readonly descending: boolean;
}

export function sortKeyOf(type: FieldType, descending: boolean): SortKey {
  return { evalType: evalTypeOf(type), collation: getCollation(type.collation === '' ? 'binary' : type.collation), descending };
}

/** MySQL order: NULL sorts before every value ascending (after, descending). */
export function compareSortValues(keys: readonly SortKey[], left: readonly (ScalarValue | null)[], right: readonly (ScalarValue | null)[]): number {
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index]!;
    const a = left[index] ?? null;
    const b = right[index] ?? null;
    let order: number;
    if (a === null || b === null) order = a === b ? 0 : a === null ? -1 : 1;
    else order = compareValues(key.evalType, a, b, key.collation);
    if (order !== 0) return key.descending ? -order : order;
  }
  return 0;
}
