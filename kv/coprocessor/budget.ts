import { coprocessorLimits } from './limits.js';

/** Why a request was stopped. */
export type CoprocessorLimitKind = 'time' | 'memory' | 'scanned-rows';

/** MySQL/TiDB error codes the response carries for each limit. */
export const limitErrorCodes: Readonly<Record<CoprocessorLimitKind, number>> = {
  // ER_QUERY_TIMEOUT: "maximum statement execution time exceeded".
  time: 3024,
  // TiDB's ErrMemoryExceedForQuery.
  memory: 8175,
  // ER_UNKNOWN_ERROR, with a message naming the limit.
  'scanned-rows': 1105,
};

export class CoprocessorLimitError extends Error {
  override readonly name = 'CoprocessorLimitError';

  constructor(
    readonly kind: CoprocessorLimitKind,
    message: string,
  ) {
    super(message);
  }

  get code(): number {
    return limitErrorCodes[this.kind];
  }
}

export interface BudgetOptions {
  readonly maxDurationMs?: number;
  readonly maxMemoryBytes?: number;
  readonly maxScannedRows?: number;
}

/**
 * One request's allowance of time, memory (what its executors hold: hash tables, TopN
 * heaps, buffered results) and scanned rows. Executors charge it as they go; the first
 * charge past a limit stops the request with a typed error.
 */
export class RequestBudget {
  readonly deadline: number;
  readonly maxMemoryBytes: number;
  readonly maxScannedRows: number;
  private memoryBytes = 0;
  private scanned = 0;

  constructor(options: BudgetOptions = {}, now = Date.now()) {
    this.deadline = now + (options.maxDurationMs ?? coprocessorLimits.maxDurationMs);
    this.maxMemoryBytes = options.maxMemoryBytes ?? coprocessorLimits.maxMemoryBytes;
    this.maxScannedRows = options.maxScannedRows ?? coprocessorLimits.maxScannedRows;
  }

  get scannedRows(): number {
    return this.scanned;
  }

  chargeScanned(rows: number): void {
    this.scanned += rows;
    if (this.scanned > this.maxScannedRows) throw new CoprocessorLimitError('scanned-rows', `the coprocessor request scanned more than ${this.maxScannedRows} rows`);
    if (Date.now() > this.deadline) throw new CoprocessorLimitError('time', 'Query execution was interrupted, maximum statement execution time exceeded');
  }

  chargeMemory(bytes: number): void {
    this.memoryBytes += bytes;
    if (this.memoryBytes > this.maxMemoryBytes) throw new CoprocessorLimitError('memory', `Your query has been cancelled due to exceeding the allowed memory limit for a single SQL query (${this.maxMemoryBytes} bytes)`);
  }

  releaseMemory(bytes: number): void {
    this.memoryBytes = Math.max(0, this.memoryBytes - bytes);
  }
}
