import type { FieldType } from '../types/field-type.js';
import { Duration, MysqlTime } from '../types/time.js';
import { bytesStart, type Column, columnBuilderFor, type ColumnBuilder } from './column.js';
import { type EvalContext, ExprError, ExprErrorCode } from './context.js';
import { type EvalType, evalTypeOf, fspOf, isUnsignedType, timeTypeOf } from './eval-type.js';
import type { Expr, ScalarValue } from './expr.js';
import { callInfo, type CallInfo, scalarFunction, type ScalarFunction } from './function.js';
import './functions/index.js';

/**
 * Evaluates expressions over batches of rows. The input is columnar; a column reference
 * costs nothing, a constant is a column of one value that stands for every row, and a
 * call runs its function over the whole batch (its batch implementation, or the row
 * implementation once per row).
 */
export function evaluate(context: EvalContext, expr: Expr, input: readonly Column[], rows: number): Column {
  return new CompiledExpr(expr).evaluate(context, input, rows);
}

export interface CompileOptions {
  /**
   * The expression runs in a store's coprocessor: a function not registered as pushable
   * is refused here, before any row is read.
   */
  readonly pushedDown?: boolean;
}

/** Prepared evaluation of one expression: signatures checked once, call infos built once. */
export class CompiledExpr {
  private readonly plan: PlanNode;

  constructor(
    readonly expr: Expr,
    options: CompileOptions = {},
  ) {
    this.plan = plan(expr, options.pushedDown ?? false);
  }

  evaluate(context: EvalContext, input: readonly Column[], rows: number): Column {
    return runPlan(context, this.plan, input, rows);
  }
}

type PlanNode =
  | { readonly kind: 'column'; readonly index: number }
  | { readonly kind: 'constant'; readonly column: Column }
  | { readonly kind: 'call'; readonly fn: ScalarFunction; readonly args: readonly PlanNode[]; readonly info: CallInfo };

function plan(expr: Expr, pushedDown: boolean): PlanNode {
  switch (expr.kind) {
    case 'column':
      return { kind: 'column', index: expr.index };
    case 'constant':
      return { kind: 'constant', column: constantColumn(expr.value, expr.type) };
    case 'call': {
      const fn = compileCall(expr.sig, expr.args.length);
      if (pushedDown && !fn.pushable) throw new ExprError(ExprErrorCode.unknown, `${fn.name} (signature ${expr.sig}) cannot be pushed down to the coprocessor`);
      checkArgTypes(expr, fn);
      return {
        kind: 'call',
        fn,
        args: expr.args.map((arg) => plan(arg, pushedDown)),
        info: callInfo(expr.args.map((arg) => arg.type), expr.type),
      };
    }
  }
}

function checkArgTypes(expr: Extract<Expr, { kind: 'call' }>, fn: ScalarFunction): void {
  expr.args.forEach((arg, index) => {
    const wanted = fn.argType(index, expr.args.length);
    const given = evalTypeOf(arg.type);
    // A NULL literal fits any argument.
    if (wanted !== given && !(arg.kind === 'constant' && arg.value === null)) {
      throw new ExprError(ExprErrorCode.unknown, `${fn.name}: argument ${index + 1} is ${given}, the signature takes ${wanted}`);
    }
  });
}

function runPlan(context: EvalContext, node: PlanNode, input: readonly Column[], rows: number): Column {
  switch (node.kind) {
    case 'column': {
      const column = input[node.index];
      if (column === undefined) throw new ExprError(ExprErrorCode.unknown, `column offset ${node.index} is outside the input's ${input.length} columns`);
      return column;
    }
    case 'constant':
      return node.column;
    case 'call': {
      const args = node.args.map((arg) => runPlan(context, arg, input, rows));
      return runCall(context, node.fn, args, rows, node.info);
    }
  }
}

function compileCall(sig: number, count: number): ScalarFunction {
  const fn = scalarFunction(sig);
  if (fn === undefined) throw new ExprError(ExprErrorCode.unknown, `unknown scalar function signature ${sig}`);
  if (count < fn.minArgs || count > fn.maxArgs) throw new ExprError(ExprErrorCode.wrongArguments, `${fn.name} takes ${fn.minArgs === fn.maxArgs ? fn.minArgs : `${fn.minArgs}..${fn.maxArgs}`} arguments, got ${count}`);
  return fn;
}

function runCall(context: EvalContext, fn: ScalarFunction, args: readonly Column[], rows: number, info: CallInfo): Column {
  // A call whose arguments are all constants is constant too.
  const outRows = args.length > 0 && args.every((arg) => arg.length === 1) ? 1 : rows;
  if (fn.batch !== undefined) return fn.batch(context, args, outRows, info);
  const readers = args.map((arg, index) => valueReader(arg, info.args[index]!));
  const builder = resultBuilder(fn.returns, outRows);
  const values = new Array<ScalarValue | null>(args.length);
  for (let row = 0; row < outRows; row++) {
    let anyNull = false;
    for (let index = 0; index < readers.length; index++) {
      const value = readers[index]!(row);
      values[index] = value;
      if (value === null) anyNull = true;
    }
    if (anyNull && !fn.nullTolerant) builder.pushNull();
    else builder.pushMaybe(fn.row(context, values, info));
  }
  return builder.finish();
}

/** Reads row `row` of a column as a scalar value (a one-row column answers for every row). */
export function valueReader(column: Column, type: FieldType): (row: number) => ScalarValue | null {
  const at = column.length === 1 ? () => 0 : (row: number) => row;
  const nulls = column.nulls;
  switch (column.kind) {
    case 'int': {
      const values = column.values;
      return isUnsignedType(type) ? (row) => (nulls[at(row)] === 1 ? null : BigInt.asUintN(64, values[at(row)]!)) : (row) => (nulls[at(row)] === 1 ? null : values[at(row)]!);
    }
    case 'real': {
      const values = column.values;
      return (row) => (nulls[at(row)] === 1 ? null : values[at(row)]!);
    }
    case 'decimal': {
      const values = column.values;
      return (row) => (nulls[at(row)] === 1 ? null : values[at(row)]!);
    }
    case 'bytes':
    case 'json': {
      const { data, ends } = column;
      return (row) => {
        const index = at(row);
        return nulls[index] === 1 ? null : data.subarray(bytesStart(column, index), ends[index]!);
      };
    }
    case 'time': {
      const values = column.values;
      const timeType = timeTypeOf(type);
      const fsp = fspOf(type);
      return (row) => (nulls[at(row)] === 1 ? null : MysqlTime.fromPackedUint(values[at(row)]!, timeType, fsp));
    }
    case 'duration': {
      const values = column.values;
      const fsp = fspOf(type);
      return (row) => (nulls[at(row)] === 1 ? null : Duration.fromNanoseconds(values[at(row)]!, fsp));
    }
  }
}

/** A builder that takes scalar values of `returns` and stores them in their columnar form. */
export function resultBuilder(returns: EvalType, capacity: number): ScalarSink {
  const inner = columnBuilderFor(returns, capacity);
  if (returns === 'time') return new ConvertingSink(inner, (value) => (value as MysqlTime).toPackedUint());
  if (returns === 'duration') return new ConvertingSink(inner, (value) => (value as Duration).nanoseconds);
  return inner as ScalarSink;
}

/** Appends scalar values to a column under construction. */
export interface ScalarSink {
  readonly length: number;
  push(value: ScalarValue): void;
  pushNull(): void;
  pushMaybe(value: ScalarValue | null): void;
  finish(): Column;
}

/** Times and durations are stored packed: a sink that converts them on the way in. */
class ConvertingSink implements ScalarSink {
  constructor(
    private readonly inner: ColumnBuilder<unknown>,
    private readonly convert: (value: ScalarValue) => unknown,
  ) {}

  get length(): number {
    return this.inner.length;
  }

  push(value: ScalarValue): void {
    this.inner.push(this.convert(value));
  }

  pushNull(): void {
    this.inner.pushNull();
  }

  pushMaybe(value: ScalarValue | null): void {
    if (value === null) this.inner.pushNull();
    else this.inner.push(this.convert(value));
  }

  finish(): Column {
    return this.inner.finish();
  }
}

/** A column of one value: how constants enter an evaluation. */
export function constantColumn(value: ScalarValue | null, type: FieldType): Column {
  const returns = evalTypeOf(type);
  const builder = resultBuilder(returns, 1);
  builder.pushMaybe(value);
  return builder.finish();
}
