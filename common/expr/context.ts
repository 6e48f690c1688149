/**
 * What an evaluation needs besides its arguments: the session's time zone and SQL mode,
 * and where warnings go. One context per statement (SQL layer) or per request
 * (coprocessor); warnings are bounded so a million bad rows cannot exhaust memory.
 */

import type { MysqlTime } from '../types/time.js';

/** MySQL error codes the expression engine raises or warns with. */
export const ExprErrorCode = {
  /** ER_DATA_OUT_OF_RANGE: "BIGINT value is out of range in '...'". */
  dataOutOfRange: 1690,
  /** ER_DIVISION_BY_ZERO (a warning outside strict DML). */
  divisionByZero: 1365,
  /** ER_UNKNOWN_ERROR: for a request the engine cannot run (an unknown signature). */
  unknown: 1105,
  /** ER_WRONG_ARGUMENTS. */
  wrongArguments: 1210,
} as const;

export type ExprErrorCode = (typeof ExprErrorCode)[keyof typeof ExprErrorCode];

/** An evaluation that must stop the statement; `code` is the MySQL error sent to the client. */
export class ExprError extends Error {
  override readonly name = 'ExprError';

  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ExprWarning {
  readonly code: number;
  readonly message: string;
}

export interface EvalContextOptions {
  /** The session time zone as an offset east of UTC, in seconds. */
  readonly timeZoneOffsetSeconds?: number;
  readonly sqlMode?: bigint;
  /** Warnings kept (MySQL's max_error_count is 64); later ones are only counted. */
  readonly maxWarnings?: number;
  /**
   * When the statement started, as a DATETIME at the session time zone: the date a TIME
   * takes when it becomes a DATETIME. Without it the system clock is read.
   */
  readonly statementTime?: MysqlTime;
}

export class EvalContext {
  readonly timeZoneOffsetSeconds: number;
  readonly sqlMode: bigint;
  readonly statementTime: MysqlTime | undefined;
  private readonly maxWarnings: number;
  private readonly kept: ExprWarning[] = [];
  private total = 0;

  constructor(options: EvalContextOptions = {}) {
    this.timeZoneOffsetSeconds = options.timeZoneOffsetSeconds ?? 0;
    this.sqlMode = options.sqlMode ?? 0n;
    this.maxWarnings = options.maxWarnings ?? 64;
    this.statementTime = options.statementTime;
  }

  warn(code: number, message: string): void {
    this.total++;
    if (this.kept.length < this.maxWarnings) this.kept.push({ code, message });
  }

  get warnings(): readonly ExprWarning[] {
    return this.kept;
  }

  /** Every warning raised, including those past the kept limit. */
  get warningCount(): number {
    return this.total;
  }
}
