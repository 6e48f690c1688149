import type { ScalarFuncSig } from '../../proto/gen/dagpb.js';
import type { Decimal } from '../types/decimal.js';
import type { FieldType } from '../types/field-type.js';
import type { Duration, MysqlTime } from '../types/time.js';

/**
 * One value of an evaluation type, as scalar function implementations see it: `int` is a
 * bigint (an unsigned column's values are read as non-negative), `real` a number, `decimal`
 * a Decimal, `bytes` the UTF-8 (or binary) bytes, `json` the JSON text's bytes, `time` a
 * MysqlTime, `duration` a Duration.
 */
export type ScalarValue = bigint | number | Decimal | Uint8Array | MysqlTime | Duration;

/**
 * An expression tree. Every node carries its result's field type; a call names its
 * function by signature (one per function and argument evaluation type), so evaluating
 * it never infers types.
 */
export type Expr = ColumnRef | Constant | Call;

export interface ColumnRef {
  readonly kind: 'column';
  /** Offset of the column in the input rows. */
  readonly index: number;
  readonly type: FieldType;
}

export interface Constant {
  readonly kind: 'constant';
  /** null is SQL NULL. */
  readonly value: ScalarValue | null;
  readonly type: FieldType;
}

export interface Call {
  readonly kind: 'call';
  readonly sig: ScalarFuncSig;
  readonly args: readonly Expr[];
  /** The result type; for string comparisons and LIKE its collation is the one they compare with. */
  readonly type: FieldType;
}

export function columnRef(index: number, type: FieldType): ColumnRef {
  return { kind: 'column', index, type };
}

export function constant(value: ScalarValue | null, type: FieldType): Constant {
  return { kind: 'constant', value, type };
}

export function call(sig: ScalarFuncSig, args: readonly Expr[], type: FieldType): Call {
  return { kind: 'call', sig, args, type };
}

/** A value that may be a view into a batch's buffer, copied so it outlives the batch (groups, aggregates). */
export function detachedValue(value: ScalarValue): ScalarValue {
  return value instanceof Uint8Array ? Uint8Array.from(value) : value;
}
