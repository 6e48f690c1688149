import type { FieldType } from '../../common/types/field-type.js';
import { StoredValueAppender } from './column-decoder.js';
import { type BatchExecutor, type BatchResult, type ExecutorEnvironment, newStats, timed } from './executor.js';
import type { RangeScanner, ScannedPair } from './range-scanner.js';

/**
 * What table and index scans share: a page of pairs from the scanner, charged to the
 * request's budget, decoded into one appender per output column by `decodePair`.
 */
export abstract class ScanExecutor implements BatchExecutor {
  readonly stats = newStats();
  readonly children: readonly BatchExecutor[] = [];
  abstract readonly schema: readonly FieldType[];

  constructor(
    readonly id: string,
    private readonly scanner: RangeScanner,
    private readonly environment: ExecutorEnvironment,
  ) {}

  protected abstract decodePair(pair: ScannedPair, appenders: readonly StoredValueAppender[]): void;

  nextBatch(wantRows: number): Promise<BatchResult> {
    return timed(this.stats, async () => {
      const pairs = await this.scanner.nextPage(wantRows);
      this.environment.budget.chargeScanned(pairs.length);
      const appenders = this.schema.map((type) => new StoredValueAppender(type, pairs.length));
      for (const pair of pairs) this.decodePair(pair, appenders);
      return { batch: { columns: appenders.map((appender) => appender.builder.finish()), rows: pairs.length }, drained: pairs.length === 0 || this.scanner.drained };
    });
  }
}
