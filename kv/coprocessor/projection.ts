import { broadcastColumn } from '../../common/expr/column.js';
import type { CompiledExpr } from '../../common/expr/evaluate.js';
import type { Expr } from '../../common/expr/expr.js';
import type { FieldType } from '../../common/types/field-type.js';
import { type BatchExecutor, type BatchResult, compilePushedDown, type ExecutorEnvironment, newStats, timed } from './executor.js';

/** Computes one output column per expression. */
export class ProjectionExecutor implements BatchExecutor {
  readonly schema: readonly FieldType[];
  readonly stats = newStats();
  readonly children: readonly BatchExecutor[];
  private readonly exprs: readonly CompiledExpr[];

  constructor(
    readonly id: string,
    exprs: readonly Expr[],
    private readonly child: BatchExecutor,
    private readonly environment: ExecutorEnvironment,
  ) {
    this.schema = exprs.map((expr) => expr.type);
    this.children = [child];
    this.exprs = exprs.map((expr) => compilePushedDown(expr));
  }

  nextBatch(wantRows: number): Promise<BatchResult> {
    return timed(this.stats, async () => {
      const { batch, drained } = await this.child.nextBatch(wantRows);
      const columns = this.exprs.map((expr) => broadcastColumn(expr.evaluate(this.environment.context, batch.columns, batch.rows), batch.rows));
      return { batch: { columns, rows: batch.rows }, drained };
    });
  }
}
