import { type Column, columnBuilderFor } from '../../common/expr/column.js';
import { evalTypeOf } from '../../common/expr/eval-type.js';
import { CompiledExpr } from '../../common/expr/evaluate.js';
import type { Expr } from '../../common/expr/expr.js';
import type { EvalContext } from '../../common/expr/context.js';
import type { FieldType } from '../../common/types/field-type.js';
import type { RequestBudget } from './budget.js';

/** Rows in columnar form: every column has `rows` values. */
export interface Batch {
  readonly columns: readonly Column[];
  readonly rows: number;
}

export interface BatchResult {
  readonly batch: Batch;
  /** No more rows will come. */
  readonly drained: boolean;
}

/** What one executor did, for the response's execution summaries. */
export interface ExecutorStats {
  producedRows: number;
  iterations: number;
  processNs: bigint;
}

/**
 * One executor of a DAG (TiKV's BatchExecutor): it pulls batches from its child and
 * hands out batches of its own. `schema` is the type of each output column.
 */
export interface BatchExecutor {
  readonly id: string;
  readonly schema: readonly FieldType[];
  readonly stats: ExecutorStats;
  /** Up to about `wantRows` rows (fewer when filtering, more never). */
  nextBatch(wantRows: number): Promise<BatchResult>;
  /** The executors below this one, nearest first. */
  readonly children: readonly BatchExecutor[];
}

/** Shared by every executor of one request. */
export interface ExecutorEnvironment {
  readonly context: EvalContext;
  readonly budget: RequestBudget;
}

/** A batch of no rows with the columns of `schema`. */
export function emptyBatch(schema: readonly FieldType[]): Batch {
  return { columns: schema.map((type) => columnBuilderFor(evalTypeOf(type), 1).finish()), rows: 0 };
}

export function newStats(): ExecutorStats {
  return { producedRows: 0, iterations: 0, processNs: 0n };
}

/** Runs one nextBatch of an executor and records it in its stats. */
export async function timed(stats: ExecutorStats, produce: () => Promise<BatchResult>): Promise<BatchResult> {
  const started = process.hrtime.bigint();
  const result = await produce();
  stats.iterations++;
  stats.producedRows += result.batch.rows;
  stats.processNs += process.hrtime.bigint() - started;
  return result;
}

/** Compiles an expression of a pushed-down request: only pushable functions may run here. */
export function compilePushedDown(expr: Expr): CompiledExpr {
  return new CompiledExpr(expr, { pushedDown: true });
}
