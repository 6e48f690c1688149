import { Decimal } from '../types/decimal.js';
import { FieldFlag, type FieldType } from '../types/field-type.js';
import { ExprError, ExprErrorCode } from './context.js';
import { type EvalType, evalTypeOf, resultTypes } from './eval-type.js';
import { detachedValue, type Expr, type ScalarValue } from './expr.js';
import { compareValues } from './functions/compare.js';
import { getCollation } from '../types/collation.js';

/**
 * Aggregate functions, in the two halves a distributed plan needs: each region computes
 * a partial result (COUNT as a count, SUM as a sum, AVG as count and sum, MIN/MAX/FIRST
 * as a value, BIT_* as a 64-bit pattern), and the SQL layer (or an app) merges the
 * partial results of all regions.
 */
export type AggregateKind = 'count' | 'sum' | 'avg' | 'min' | 'max' | 'first' | 'bitAnd' | 'bitOr' | 'bitXor';

export interface AggregateCall {
  readonly kind: AggregateKind;
  readonly args: readonly Expr[];
  readonly distinct: boolean;
}

/** The column types of an aggregate's partial result, in order. */
export function partialResultTypes(aggregate: AggregateCall): FieldType[] {
  const arg = aggregate.args[0];
  switch (aggregate.kind) {
    case 'count':
      return [resultTypes.bigint()];
    case 'sum':
      return [sumType(arg!.type)];
    case 'avg':
      return [resultTypes.bigint(), sumType(arg!.type)];
    case 'min':
    case 'max':
    case 'first':
      return [{ ...arg!.type, flags: arg!.type.flags & ~FieldFlag.NotNull }];
    case 'bitAnd':
    case 'bitOr':
    case 'bitXor':
      return [resultTypes.unsignedBigint()];
  }
}

/** MySQL: SUM and AVG of integers and decimals are DECIMAL, of floats DOUBLE. */
function sumType(type: FieldType): FieldType {
  const evalType = evalTypeOf(type);
  if (evalType === 'real') return resultTypes.double();
  if (evalType === 'int') return resultTypes.decimal(65, 0);
  if (evalType === 'decimal') return resultTypes.decimal(65, Math.max(type.decimals, 0));
  throw new ExprError(ExprErrorCode.unknown, `SUM/AVG of a ${evalType} argument needs a cast to a number first`);
}

/** The state of one aggregate for one group. */
export interface Accumulator {
  /** One argument value (NULL included; each kind decides what NULL means). */
  add(value: ScalarValue | null): void;
  /** The partial result's values, in partialResultTypes order. */
  partial(): (ScalarValue | null)[];
}

export function newAccumulator(aggregate: AggregateCall): Accumulator {
  if (aggregate.distinct) throw new ExprError(ExprErrorCode.unknown, `${aggregate.kind.toUpperCase()}(DISTINCT ...) cannot be computed partially yet`);
  const arg = aggregate.args[0];
  if (arg === undefined) throw new ExprError(ExprErrorCode.wrongArguments, `${aggregate.kind.toUpperCase()} needs an argument`);
  const evalType = evalTypeOf(arg.type);
  switch (aggregate.kind) {
    case 'count':
      return new CountAccumulator();
    case 'sum':
      return new SumAccumulator(evalType, false);
    case 'avg':
      return new SumAccumulator(evalType, true);
    case 'min':
    case 'max':
      return new ExtremeAccumulator(evalType, getCollation(arg.type.collation === '' ? 'binary' : arg.type.collation), aggregate.kind === 'max');
    case 'first':
      return new FirstAccumulator();
    case 'bitAnd':
    case 'bitOr':
    case 'bitXor':
      if (evalType !== 'int') throw new ExprError(ExprErrorCode.unknown, `BIT_${aggregate.kind.slice(3).toUpperCase()} needs an integer argument`);
      return new BitAccumulator(aggregate.kind);
  }
}

class CountAccumulator implements Accumulator {
  private count = 0n;
  add(value: ScalarValue | null): void {
    if (value !== null) this.count++;
  }
  partial(): (ScalarValue | null)[] {
    return [this.count];
  }
}

class SumAccumulator implements Accumulator {
  private count = 0n;
  private integerSum = 0n;
  private decimalSum: Decimal | undefined;
  private realSum = 0;

  constructor(
    private readonly evalType: EvalType,
    private readonly withCount: boolean,
  ) {}

  add(value: ScalarValue | null): void {
    if (value === null) return;
    this.count++;
    // Integers add exactly in a bigint; decimals in Decimal; floats in a double.
    if (this.evalType === 'int') this.integerSum += value as bigint;
    else if (this.evalType === 'decimal') this.decimalSum = this.decimalSum === undefined ? (value as Decimal) : this.decimalSum.add(value as Decimal);
    else this.realSum += value as number;
  }

  partial(): (ScalarValue | null)[] {
    let sum: ScalarValue | null;
    if (this.count === 0n) sum = null;
    else if (this.evalType === 'int') sum = Decimal.fromBigInt(this.integerSum);
    else if (this.evalType === 'decimal') sum = this.decimalSum!;
    else sum = this.realSum;
    return this.withCount ? [this.count, sum] : [sum];
  }
}

class ExtremeAccumulator implements Accumulator {
  private best: ScalarValue | null = null;

  constructor(
    private readonly evalType: EvalType,
    private readonly collation: ReturnType<typeof getCollation>,
    private readonly max: boolean,
  ) {}

  add(value: ScalarValue | null): void {
    if (value === null) return;
    if (this.best === null) {
      this.best = detachedValue(value);
      return;
    }
    const order = compareValues(this.evalType, value, this.best, this.collation);
    if (this.max ? order > 0 : order < 0) this.best = detachedValue(value);
  }

  partial(): (ScalarValue | null)[] {
    return [this.best];
  }
}

class FirstAccumulator implements Accumulator {
  private seen = false;
  private value: ScalarValue | null = null;

  add(value: ScalarValue | null): void {
    if (this.seen) return;
    this.seen = true;
    this.value = value === null ? null : detachedValue(value);
  }

  partial(): (ScalarValue | null)[] {
    return [this.value];
  }
}

class BitAccumulator implements Accumulator {
  // BIT_AND starts with every bit set; NULLs are skipped.
  private bits: bigint;

  constructor(private readonly kind: 'bitAnd' | 'bitOr' | 'bitXor') {
    this.bits = kind === 'bitAnd' ? (1n << 64n) - 1n : 0n;
  }

  add(value: ScalarValue | null): void {
    if (value === null) return;
    const bits = BigInt.asUintN(64, value as bigint);
    if (this.kind === 'bitAnd') this.bits &= bits;
    else if (this.kind === 'bitOr') this.bits |= bits;
    else this.bits ^= bits;
  }

  partial(): (ScalarValue | null)[] {
    return [this.bits];
  }
}
