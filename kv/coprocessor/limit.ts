import { sliceColumn } from '../../common/expr/column.js';
import type { FieldType } from '../../common/types/field-type.js';
import { type BatchExecutor, type BatchResult, emptyBatch, newStats, timed } from './executor.js';

/** Passes the first `limit` rows and stops asking its child for more. */
export class LimitExecutor implements BatchExecutor {
  readonly schema: readonly FieldType[];
  readonly stats = newStats();
  readonly children: readonly BatchExecutor[];
  private remaining: number;

  constructor(
    readonly id: string,
    limit: bigint,
    private readonly child: BatchExecutor,
  ) {
    this.schema = child.schema;
    this.children = [child];
    this.remaining = Number(limit > BigInt(Number.MAX_SAFE_INTEGER) ? BigInt(Number.MAX_SAFE_INTEGER) : limit);
  }

  nextBatch(wantRows: number): Promise<BatchResult> {
    return timed(this.stats, async () => {
      if (this.remaining === 0) return { batch: emptyBatch(this.schema), drained: true };
      const { batch, drained } = await this.child.nextBatch(Math.min(wantRows, this.remaining));
      if (batch.rows <= this.remaining) {
        this.remaining -= batch.rows;
        return { batch, drained: drained || this.remaining === 0 };
      }
      const rows = this.remaining;
      this.remaining = 0;
      return { batch: { columns: batch.columns.map((column) => sliceColumn(column, 0, rows)), rows }, drained: true };
    });
  }
}
