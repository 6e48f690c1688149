import { accumulatorFactory, partialResultTypes, type Accumulator, type AggregateCall } from '../../common/expr/aggregate.js';
import { broadcastColumn, type Column, type IntColumn } from '../../common/expr/column.js';
import { type CompiledExpr, resultBuilder, valueReader } from '../../common/expr/evaluate.js';
import { type EvalType, evalTypeOf } from '../../common/expr/eval-type.js';
import { detachedValue, type Expr, type ScalarValue } from '../../common/expr/expr.js';
import { type Collation, getCollation } from '../../common/types/collation.js';
import type { Decimal } from '../../common/types/decimal.js';
import type { FieldType } from '../../common/types/field-type.js';
import type { Duration, MysqlTime } from '../../common/types/time.js';
import { type Batch, type BatchExecutor, type BatchResult, compilePushedDown, type ExecutorEnvironment, newStats, timed } from './executor.js';
import { coprocessorLimits } from './limits.js';

interface Group {
  readonly keyValues: readonly (ScalarValue | null)[];
  readonly accumulators: readonly Accumulator[];
}

/** Bytes charged per group: its key, its accumulators and the map entry. */
const groupOverheadBytes = 256;

/**
 * Partial aggregation (hash or stream): groups rows by the GROUP BY values (strings by
 * their collation, so 'a' and 'A' are one group under a _ci collation) and outputs, per
 * group, every aggregate's partial result and then the group's GROUP BY values. Without
 * GROUP BY there is exactly one group, even over no rows (COUNT 0). Streamed input is
 * sorted by the GROUP BY values, so a group is finished as soon as the next one starts.
 * COUNT/SUM/AVG(DISTINCT) keep a set of distinct values per group, each value charged to
 * the request's memory budget, and output the set (`encodeDistinctSet`).
 */
export class AggregationExecutor implements BatchExecutor {
  readonly schema: readonly FieldType[];
  readonly stats = newStats();
  readonly children: readonly BatchExecutor[];
  private readonly groupBy: readonly CompiledExpr[];
  private readonly groupKeyTypes: ReadonlyArray<{ readonly evalType: EvalType; readonly collation: Collation }>;
  /** Per aggregate, its compiled arguments (several only for COUNT(DISTINCT a, b, ...)). */
  private readonly aggregateArgs: readonly (readonly CompiledExpr[])[];
  /** Per aggregate, a new group's accumulator (distinct sets charge the request's budget). */
  private readonly newAccumulators: readonly (() => Accumulator)[];
  private readonly groups = new Map<string, Group>();
  /**
   * Hash aggregation by one integer GROUP BY value: the groups of `groups` found by the
   * value itself, so a row costs one map lookup and no key string. Undefined otherwise.
   */
  private readonly groupsByInteger: Map<bigint, Group> | undefined;
  private nullIntegerGroup: Group | undefined;
  private readonly finished: Group[] = [];
  private currentKey: string | undefined;
  /** Reused for each row of a multi-argument aggregate: the accumulator encodes it at once and keeps nothing of it. */
  private readonly tuple: (ScalarValue | null)[] = [];
  private done = false;

  constructor(
    readonly id: string,
    groupBy: readonly Expr[],
    aggregates: readonly AggregateCall[],
    private readonly streamed: boolean,
    private readonly child: BatchExecutor,
    private readonly environment: ExecutorEnvironment,
  ) {
    this.children = [child];
    this.groupBy = groupBy.map((expr) => compilePushedDown(expr));
    this.groupKeyTypes = groupBy.map((expr) => ({ evalType: evalTypeOf(expr.type), collation: getCollation(expr.type.collation === '' ? 'binary' : expr.type.collation) }));
    // Checks every aggregate before any row is read.
    this.newAccumulators = aggregates.map((aggregate) => accumulatorFactory(aggregate, environment.budget));
    this.aggregateArgs = aggregates.map((aggregate) => aggregate.args.map((arg) => compilePushedDown(arg)));
    this.schema = [...aggregates.flatMap(partialResultTypes), ...groupBy.map((expr) => expr.type)];
    this.groupsByInteger = !streamed && groupBy.length === 1 && this.groupKeyTypes[0]!.evalType === 'int' ? new Map() : undefined;
  }

  nextBatch(): Promise<BatchResult> {
    return timed(this.stats, async () => {
      if (this.done) return { batch: this.output([]), drained: true };
      let drained = false;
      let want: number = coprocessorLimits.initialBatchRows;
      while (!drained) {
        const next = await this.child.nextBatch(want);
        drained = next.drained;
        want = Math.min(want * 2, coprocessorLimits.maxBatchRows);
        this.add(next.batch);
      }
      this.done = true;
      if (this.groupBy.length === 0 && this.groups.size === 0 && this.finished.length === 0) this.groupFor('', []);
      const groups = [...this.finished, ...this.groups.values()];
      return { batch: this.output(groups), drained: true };
    });
  }

  private add(batch: Batch): void {
    const rows = batch.rows;
    if (rows === 0) return;
    const context = this.environment.context;
    const keyColumns = this.groupBy.map((expr) => broadcastColumn(expr.evaluate(context, batch.columns, rows), rows));
    const keyReaders = keyColumns.map((column, index) => valueReader(column, this.groupBy[index]!.expr.type));
    const argReaders = this.aggregateArgs.map((args) => args.map((expr) => argumentReader(expr.evaluate(context, batch.columns, rows), expr.expr.type)));
    if (keyReaders.length === 0) {
      // Hot path: one group, no keys to build.
      const group = this.groupFor('', []);
      for (let index = 0; index < argReaders.length; index++) {
        const readers = argReaders[index]!;
        const accumulator = group.accumulators[index]!;
        if (readers.length === 1) {
          const read = readers[0]!;
          for (let row = 0; row < rows; row++) accumulator.add(read(row));
        } else {
          for (let row = 0; row < rows; row++) accumulator.addTuple(tupleAt(readers, row, this.tuple));
        }
      }
      return;
    }
    const integerKeys = keyColumns[0];
    if (this.groupsByInteger !== undefined && integerKeys?.kind === 'int') {
      this.addByInteger(integerKeys, keyReaders[0]!, argReaders, rows);
      return;
    }
    for (let row = 0; row < rows; row++) {
      const keyValues = keyReaders.map((read) => read(row));
      const key = this.groupKey(keyValues);
      if (this.streamed && this.currentKey !== undefined && key !== this.currentKey) {
        const ended = this.groups.get(this.currentKey);
        if (ended !== undefined) {
          this.finished.push(ended);
          this.groups.delete(this.currentKey);
        }
      }
      this.currentKey = key;
      const group = this.groupFor(key, keyValues);
      for (let index = 0; index < argReaders.length; index++) {
        const readers = argReaders[index]!;
        if (readers.length === 1) group.accumulators[index]!.add(readers[0]!(row));
        else group.accumulators[index]!.addTuple(tupleAt(readers, row, this.tuple));
      }
    }
  }

  /**
   * Hot path of GROUP BY one integer: each row's group by its value in `groupsByInteger`;
   * a new value makes its group as the general path does (same key, same charge).
   */
  private addByInteger(keys: IntColumn, readKey: (row: number) => ScalarValue | null, argReaders: readonly (readonly ((row: number) => ScalarValue | null)[])[], rows: number): void {
    const byInteger = this.groupsByInteger!;
    for (let row = 0; row < rows; row++) {
      let group: Group | undefined;
      if (keys.nulls[row] === 1) group = this.nullIntegerGroup ??= this.groupFor(this.groupKey([null]), [null]);
      else {
        // The stored bit pattern: one value per group, signed or unsigned alike.
        const stored = keys.values[row]!;
        group = byInteger.get(stored);
        if (group === undefined) {
          const keyValues = [readKey(row)];
          group = this.groupFor(this.groupKey(keyValues), keyValues);
          byInteger.set(stored, group);
        }
      }
      for (let index = 0; index < argReaders.length; index++) {
        const readers = argReaders[index]!;
        if (readers.length === 1) group.accumulators[index]!.add(readers[0]!(row));
        else group.accumulators[index]!.addTuple(tupleAt(readers, row, this.tuple));
      }
    }
  }

  private groupFor(key: string, keyValues: readonly (ScalarValue | null)[]): Group {
    let group = this.groups.get(key);
    if (group === undefined) {
      this.environment.budget.chargeMemory(groupOverheadBytes + key.length * 2);
      group = { keyValues: keyValues.map((value) => (value === null ? null : detachedValue(value))), accumulators: this.newAccumulators.map((newAccumulator) => newAccumulator()) };
      this.groups.set(key, group);
    }
    return group;
  }

  /** A string equal for values of one group: each part length-prefixed, strings by collation sort key. */
  private groupKey(values: readonly (ScalarValue | null)[]): string {
    let key = '';
    for (let index = 0; index < values.length; index++) {
      const value = values[index]!;
      const part = value === null ? '\u0000' : groupKeyPart(this.groupKeyTypes[index]!.evalType, value, this.groupKeyTypes[index]!.collation);
      key += `${part.length}:${part}`;
    }
    return key;
  }

  private output(groups: readonly Group[]) {
    const partialWidth = this.schema.length - this.groupBy.length;
    const builders = this.schema.map((type) => resultBuilder(evalTypeOf(type), groups.length));
    for (const group of groups) {
      let column = 0;
      for (const accumulator of group.accumulators) for (const value of accumulator.partial()) builders[column++]!.pushMaybe(value);
      for (let index = 0; index < group.keyValues.length; index++) builders[partialWidth + index]!.pushMaybe(group.keyValues[index] ?? null);
    }
    return { columns: builders.map((builder) => builder.finish()), rows: groups.length };
  }
}

/**
 * Reads an aggregate's argument by row. A constant (COUNT(1)'s 1) is read once and the
 * same value handed out for every row, rather than broadcast into a column of copies.
 */
function argumentReader(column: Column, type: FieldType): (row: number) => ScalarValue | null {
  const read = valueReader(column, type);
  if (column.length !== 1) return read;
  const value = read(0);
  return () => value;
}

function tupleAt(readers: readonly ((row: number) => ScalarValue | null)[], row: number, tuple: (ScalarValue | null)[]): readonly (ScalarValue | null)[] {
  tuple.length = readers.length;
  for (let index = 0; index < readers.length; index++) tuple[index] = readers[index]!(row);
  return tuple;
}

function groupKeyPart(evalType: EvalType, value: ScalarValue, collation: Collation): string {
  switch (evalType) {
    case 'int':
      return `i${String(value)}`;
    case 'real':
      // 0 and -0 are one group.
      return `r${String((value as number) + 0)}`;
    case 'decimal': {
      // 1.0 and 1.00 are one group: the coefficient without trailing zeros, and its scale.
      let { coefficient, scale } = value as Decimal;
      while (scale > 0 && coefficient % 10n === 0n) {
        coefficient /= 10n;
        scale--;
      }
      return `d${coefficient}e${scale}`;
    }
    case 'bytes':
    case 'json':
      return `s${Buffer.from(collation.sortKeyFromBytes(value as Uint8Array)).toString('latin1')}`;
    case 'time':
      return `t${(value as MysqlTime).toPackedUint()}`;
    case 'duration':
      return `u${(value as Duration).nanoseconds}`;
  }
}
