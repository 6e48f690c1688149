import type { FieldType } from '../types/field-type.js';
import { Duration, MysqlTime } from '../types/time.js';
import { bytesStart, type Column, columnBuilderFor, type ColumnBuilder, gatherColumn } from './column.js';
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
  | { readonly kind: 'call'; readonly fn: ScalarFunction; readonly args: readonly PlanNode[]; readonly info: CallInfo }
  | {
      readonly kind: 'lazy';
      readonly form: LazyForm;
      readonly fn: ScalarFunction;
      readonly args: readonly PlanNode[];
      readonly info: CallInfo;
      /** The input columns each argument reads: only these are gathered for the rows it runs on. */
      readonly argColumns: ReadonlyArray<readonly number[]>;
    };

/**
 * Calls whose later arguments MySQL evaluates only for the rows that need them:
 * IF(0, 1/0, 1) raises no division warning and IF(0, 9223372036854775807 + 1, 1) no
 * overflow error, because the branch not taken is never computed. Likewise CASE,
 * IFNULL, COALESCE, and AND/OR after an argument that already decides the row.
 */
type LazyForm = 'if' | 'case' | 'ifnull' | 'coalesce' | 'and' | 'or';

const lazyForms: ReadonlySet<string> = new Set<LazyForm>(['if', 'case', 'ifnull', 'coalesce', 'and', 'or']);

function lazyFormOf(fn: ScalarFunction): LazyForm | undefined {
  return lazyForms.has(fn.name) ? (fn.name as LazyForm) : undefined;
}

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
      const args = expr.args.map((arg) => plan(arg, pushedDown));
      const info = callInfo(expr.args.map((arg) => arg.type), expr.type);
      const form = lazyFormOf(fn);
      if (form === undefined) return { kind: 'call', fn, args, info };
      return { kind: 'lazy', form, fn, args, info, argColumns: expr.args.map((arg) => [...columnsOf(arg, new Set())]) };
    }
  }
}

/** The input column offsets `expr` reads, added to `into`. */
function columnsOf(expr: Expr, into: Set<number>): Set<number> {
  if (expr.kind === 'column') into.add(expr.index);
  else if (expr.kind === 'call') for (const arg of expr.args) columnsOf(arg, into);
  return into;
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
    case 'lazy':
      return runLazy(context, node, input, rows);
  }
}

/**
 * The rows a lazily evaluated argument runs on: every row of the call (undefined), or
 * some of them, ascending.
 */
type Selection = readonly number[] | undefined;

/** `rows` as a selection: undefined when it is every one of the call's `outRows` rows, so nothing is gathered. */
function selectionOf(rows: readonly number[], outRows: number): Selection {
  return rows.length === outRows ? undefined : rows;
}

/**
 * Evaluates `node` only over the rows `selected` of the input (all rows when `selected` is
 * undefined), gathering only the `columns` it reads (the rest of the input is left out).
 */
function runOnRows(context: EvalContext, node: PlanNode, input: readonly Column[], rows: number, selected: Selection, columns: readonly number[]): Column | undefined {
  if (selected === undefined) return runPlan(context, node, input, rows);
  if (selected.length === 0) return undefined;
  const gathered: Column[] = [];
  for (const index of columns) {
    const column = input[index];
    // An offset outside the input is left for the column reference to report.
    if (column !== undefined) gathered[index] = column.length === 1 ? column : gatherColumn(column, selected);
  }
  return runPlan(context, node, gathered, selected.length);
}

/**
 * Evaluates a lazily evaluated argument over `selected` of the call's `outRows` rows and
 * reads it back by the call's row numbers; rows it did not run on read as NULL.
 */
function lazyArgument(context: EvalContext, node: Extract<PlanNode, { kind: 'lazy' }>, index: number, input: readonly Column[], outRows: number, selected: Selection): (row: number) => ScalarValue | null {
  const column = runOnRows(context, node.args[index]!, input, outRows, selected, node.argColumns[index]!);
  if (column === undefined) return () => null;
  const reader = valueReader(column, node.info.args[index]!);
  if (selected === undefined || column.length === 1) return reader;
  const positions = new Int32Array(outRows);
  selected.forEach((row, position) => (positions[row] = position));
  return (row) => reader(positions[row]!);
}

/** An int truth value: NULL stays unknown. */
function truth(value: ScalarValue | null): boolean | null {
  return value === null ? null : value !== 0n;
}

function runLazy(context: EvalContext, node: Extract<PlanNode, { kind: 'lazy' }>, input: readonly Column[], rows: number): Column {
  // Over constants only, one row stands for all.
  const outRows = input.length === 0 || input.every((column) => column.length === 1) ? 1 : rows;
  const all = Array.from({ length: outRows }, (_, row) => row);
  const builder = resultBuilder(node.fn.returns, outRows);
  const argument = (index: number, selected: readonly number[]) => lazyArgument(context, node, index, input, outRows, selectionOf(selected, outRows));
  switch (node.form) {
    case 'and':
    case 'or': {
      const left = argument(0, all);
      const decided = node.form === 'or';
      const needRight = all.filter((row) => truth(left(row)) !== decided);
      const right = argument(1, needRight);
      const rightRead = new Uint8Array(outRows);
      for (const row of needRight) rightRead[row] = 1;
      // A row the left side decides passes its left value twice, which the function answers alike.
      for (const row of all) builder.pushMaybe(node.fn.row(context, [left(row), rightRead[row] === 1 ? right(row) : left(row)], node.info));
      return builder.finish();
    }
    case 'if': {
      const condition = argument(0, all);
      const taken = new Uint8Array(outRows);
      const takenRows: number[] = [];
      const otherRows: number[] = [];
      for (const row of all) {
        if (truth(condition(row)) === true) {
          taken[row] = 1;
          takenRows.push(row);
        } else {
          otherRows.push(row);
        }
      }
      const then = argument(1, takenRows);
      const otherwise = argument(2, otherRows);
      for (const row of all) builder.pushMaybe(taken[row] === 1 ? then(row) : otherwise(row));
      return builder.finish();
    }
    case 'ifnull':
    case 'coalesce': {
      const result = new Array<ScalarValue | null>(outRows).fill(null);
      let remaining: number[] = all;
      for (let index = 0; index < node.args.length && remaining.length > 0; index++) {
        const values = argument(index, remaining);
        const next: number[] = [];
        for (const row of remaining) {
          const value = values(row);
          if (value === null) next.push(row);
          else result[row] = value;
        }
        remaining = next;
      }
      for (const value of result) builder.pushMaybe(value);
      return builder.finish();
    }
    case 'case': {
      const result = new Array<ScalarValue | null>(outRows).fill(null);
      const pairs = Math.floor(node.args.length / 2);
      let remaining: number[] = all;
      for (let pair = 0; pair < pairs && remaining.length > 0; pair++) {
        const condition = argument(pair * 2, remaining);
        const matched: number[] = [];
        const unmatched: number[] = [];
        for (const row of remaining) (truth(condition(row)) === true ? matched : unmatched).push(row);
        remaining = unmatched;
        const values = argument(pair * 2 + 1, matched);
        for (const row of matched) result[row] = values(row);
      }
      if (node.args.length % 2 === 1 && remaining.length > 0) {
        const values = argument(node.args.length - 1, remaining);
        for (const row of remaining) result[row] = values(row);
      }
      for (const value of result) builder.pushMaybe(value);
      return builder.finish();
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
