import { assert } from '../../common/assert.js';

/** Bounds of the coprocessor (TiKV's end-point defaults where it has them). */
export const coprocessorLimits = {
  /** A request that runs longer fails (TiKV's end-point-request-max-handle-duration). */
  maxDurationMs: 60_000,
  /** What one request's executors may hold at once. */
  maxMemoryBytes: 512 * 1024 * 1024,
  /** Rows one request may scan, however it filters them. */
  maxScannedRows: 100_000_000,
  /** Rows an executor asks its child for at first; doubled up to the maximum as batches come back full. */
  initialBatchRows: 32,
  maxBatchRows: 1024,
  /** Key-value pairs read from the engine per scan call. */
  scanPageEntries: 4096,
  /** The largest result one response carries before the rest is left for paging (bytes of encoded chunks). */
  maxResponseBytes: 64 * 1024 * 1024,
  /** Executors in one DAG. */
  maxExecutors: 16,
} as const;

assert(coprocessorLimits.initialBatchRows <= coprocessorLimits.maxBatchRows, 'batches grow from the initial size to the maximum');
