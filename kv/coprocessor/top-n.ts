import { type CompiledExpr, resultBuilder, valueReader } from '../../common/expr/evaluate.js';
import { broadcastColumn, type Column } from '../../common/expr/column.js';
import { evalTypeOf } from '../../common/expr/eval-type.js';
import type { Expr, ScalarValue } from '../../common/expr/expr.js';
import type { FieldType } from '../../common/types/field-type.js';
import { type BatchExecutor, type BatchResult, compilePushedDown, type ExecutorEnvironment, newStats, timed } from './executor.js';
import { compareSortValues, type SortKey, sortKeyOf } from './row-order.js';
import { coprocessorLimits } from './limits.js';

interface Candidate {
  readonly keys: readonly (ScalarValue | null)[];
  readonly row: readonly (ScalarValue | null)[];
  /** Arrival order: equal keys keep it, so the result is stable. */
  readonly sequence: number;
}

/** Bytes charged per kept row and value, a rough size of the JS objects holding them. */
const rowOverheadBytes = 64;
const valueBytes = 16;

/**
 * The first `limit` rows by the ORDER BY keys (TopN): candidates collect until there are
 * twice the limit, then the best `limit` are kept, so memory stays near 2 × limit rows.
 */
export class TopNExecutor implements BatchExecutor {
  readonly schema: readonly FieldType[];
  readonly stats = newStats();
  readonly children: readonly BatchExecutor[];
  private readonly order: readonly CompiledExpr[];
  private readonly keys: readonly SortKey[];
  private readonly limit: number;
  private candidates: Candidate[] = [];
  private sequence = 0;
  private chargedBytes = 0;
  private done = false;

  constructor(
    readonly id: string,
    orderBy: ReadonlyArray<{ readonly expr: Expr; readonly descending: boolean }>,
    limit: bigint,
    private readonly child: BatchExecutor,
    private readonly environment: ExecutorEnvironment,
  ) {
    this.schema = child.schema;
    this.children = [child];
    this.order = orderBy.map((item) => compilePushedDown(item.expr));
    this.keys = orderBy.map((item) => sortKeyOf(item.expr.type, item.descending));
    this.limit = Number(limit > 1_000_000_000n ? 1_000_000_000n : limit);
  }

  nextBatch(): Promise<BatchResult> {
    return timed(this.stats, async () => {
      if (this.done) return { batch: this.output([]), drained: true };
      let drained = false;
      let want: number = coprocessorLimits.initialBatchRows;
      while (!drained && this.limit > 0) {
        const next = await this.child.nextBatch(want);
        drained = next.drained;
        want = Math.min(want * 2, coprocessorLimits.maxBatchRows);
        this.take(next.batch.columns, next.batch.rows);
      }
      this.done = true;
      this.prune();
      const rows = this.candidates;
      this.candidates = [];
      this.environment.budget.releaseMemory(this.chargedBytes);
      return { batch: this.output(rows), drained: true };
    });
  }

  private take(columns: readonly Column[], rows: number): void {
    if (rows === 0) return;
    const keyReaders = this.order.map((expr) => valueReader(broadcastColumn(expr.evaluate(this.environment.context, columns, rows), rows), expr.expr.type));
    const rowReaders = columns.map((column, index) => valueReader(column, this.schema[index]!));
    for (let row = 0; row < rows; row++) {
      this.candidates.push({ keys: keyReaders.map((read) => read(row)), row: rowReaders.map((read) => read(row)), sequence: this.sequence++ });
      const bytes = rowOverheadBytes + (keyReaders.length + rowReaders.length) * valueBytes;
      this.chargedBytes += bytes;
      this.environment.budget.chargeMemory(bytes);
      if (this.candidates.length >= Math.max(2 * this.limit, 1024)) this.prune();
    }
  }

  private prune(): void {
    this.candidates.sort((a, b) => compareSortValues(this.keys, a.keys, b.keys) || a.sequence - b.sequence);
    if (this.candidates.length <= this.limit) return;
    const dropped = this.candidates.length - this.limit;
    this.candidates.length = this.limit;
    const bytes = dropped * (rowOverheadBytes + (this.keys.length + this.schema.length) * valueBytes);
    this.chargedBytes -= bytes;
    this.environment.budget.releaseMemory(bytes);
  }

  private output(rows: readonly Candidate[]) {
    const columns = this.schema.map((type, index) => {
      const builder = resultBuilder(evalTypeOf(type), rows.length);
      for (const candidate of rows) builder.pushMaybe(candidate.row[index] ?? null);
      return builder.finish();
    });
    return { columns, rows: rows.length };
  }
}
