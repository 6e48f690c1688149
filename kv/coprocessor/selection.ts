import { broadcastColumn, gatherColumn } from '../../common/expr/column.js';
import { type CompiledExpr, valueReader } from '../../common/expr/evaluate.js';
import type { Expr } from '../../common/expr/expr.js';
import { isTruthy } from '../../common/expr/functions/logic.js';
import { evalTypeOf } from '../../common/expr/eval-type.js';
import type { FieldType } from '../../common/types/field-type.js';
import { type BatchExecutor, type BatchResult, compilePushedDown, type ExecutorEnvironment, newStats, timed } from './executor.js';

/** Keeps the rows for which every condition is true (not false, not NULL). */
export class SelectionExecutor implements BatchExecutor {
  readonly schema: readonly FieldType[];
  readonly stats = newStats();
  readonly children: readonly BatchExecutor[];
  private readonly conditions: readonly CompiledExpr[];

  constructor(
    readonly id: string,
    conditions: readonly Expr[],
    private readonly child: BatchExecutor,
    private readonly environment: ExecutorEnvironment,
  ) {
    this.schema = child.schema;
    this.children = [child];
    this.conditions = conditions.map((condition) => compilePushedDown(condition));
  }

  nextBatch(wantRows: number): Promise<BatchResult> {
    return timed(this.stats, async () => {
      const { batch, drained } = await this.child.nextBatch(wantRows);
      if (batch.rows === 0) return { batch, drained };
      const keep = new Uint8Array(batch.rows).fill(1);
      for (const condition of this.conditions) {
        const result = broadcastColumn(condition.evaluate(this.environment.context, batch.columns, batch.rows), batch.rows);
        if (result.kind === 'int') {
          // Hot path: an int result is read straight from its arrays.
          for (let row = 0; row < batch.rows; row++) if (result.nulls[row] === 1 || result.values[row] === 0n) keep[row] = 0;
        } else {
          const type = condition.expr.type;
          const read = valueReader(result, type);
          const evalType = evalTypeOf(type);
          for (let row = 0; row < batch.rows; row++) {
            const value = read(row);
            if (value === null || !isTruthy(evalType, value)) keep[row] = 0;
          }
        }
      }
      const kept = new Int32Array(batch.rows);
      let count = 0;
      for (let row = 0; row < batch.rows; row++) if (keep[row] === 1) kept[count++] = row;
      if (count === batch.rows) return { batch, drained };
      const selected = kept.subarray(0, count);
      return { batch: { columns: batch.columns.map((column) => gatherColumn(column, selected)), rows: count }, drained };
    });
  }
}
