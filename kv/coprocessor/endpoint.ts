import { compareBytes, keyAfter } from '../../common/codec/bytes.js';
import { CodecError } from '../../common/errors.js';
import { encodeChunk } from '../../common/expr/chunk-codec.js';
import { isDescendingScan } from '../../common/expr/dag-builder.js';
import { EvalContext, ExprError } from '../../common/expr/context.js';
import type { Timestamp } from '../../common/ids.js';
import * as coprocessorpb from '../../proto/gen/coprocessor.js';
import * as dagpb from '../../proto/gen/dagpb.js';
import type { MvccReader } from '../mvcc/reader.js';
import { RequestBudget, CoprocessorLimitError, type BudgetOptions } from './budget.js';
import { buildExecutors } from './dag.js';
import type { BatchExecutor, ExecutorEnvironment } from './executor.js';
import { coprocessorLimits } from './limits.js';
import { CoprocessorLockedError, RangeScanner, type UserKeyRange } from './range-scanner.js';

/** A request the endpoint cannot even start: answered as `other_error`. */
export class CoprocessorRequestError extends Error {
  override readonly name = 'CoprocessorRequestError';
}

export interface DagTask {
  readonly dag: dagpb.DAGRequest;
  readonly ts: Timestamp;
  /** The request's ranges, already clipped to the region and sorted. */
  readonly ranges: readonly UserKeyRange[];
  readonly pagingSize: number;
  readonly bypassLocks?: ReadonlySet<bigint>;
  readonly budget?: BudgetOptions;
}

/** What the endpoint hands back, before it becomes a coprocessor Response. */
export type DagOutcome =
  | { readonly kind: 'done'; readonly response: dagpb.SelectResponse; readonly scannedRows: number; readonly versionsRead: number; readonly range: UserKeyRange | undefined }
  | { readonly kind: 'locked'; readonly error: CoprocessorLockedError };

/** Parses the DAG payload of a coprocessor request; a malformed one is a CoprocessorRequestError. */
export function parseDagRequest(request: coprocessorpb.Request): dagpb.DAGRequest {
  if (request.tp !== coprocessorpb.RequestType.Dag) throw new CoprocessorRequestError(`coprocessor request type ${request.tp} is not supported (only DAG)`);
  try {
    return dagpb.DAGRequest.decode(request.data);
  } catch (error) {
    throw new CoprocessorRequestError(`malformed DAG request: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Sorts and checks the request's ranges: each non-empty, none overlapping. */
export function checkedRanges(ranges: readonly coprocessorpb.KeyRange[]): UserKeyRange[] {
  const sorted = ranges.map((range) => ({ start: range.start, end: range.end })).sort((a, b) => compareBytes(a.start, b.start));
  for (let index = 0; index < sorted.length; index++) {
    const range = sorted[index]!;
    if (range.end.length > 0 && compareBytes(range.start, range.end) >= 0) throw new CoprocessorRequestError(`empty or backwards range at ${index}`);
    const next = sorted[index + 1];
    if (next !== undefined && (range.end.length === 0 || compareBytes(range.end, next.start) > 0)) throw new CoprocessorRequestError('ranges overlap');
  }
  return sorted;
}

/**
 * Runs one DAG over one region's snapshot: builds the executors, pulls batches from the
 * root until it is drained (or paging stops the scan), and encodes what comes out as
 * columnar chunks. Evaluation errors and exceeded limits become the SelectResponse's error;
 * a lock becomes `locked` for the client to resolve.
 */
export async function runDag(reader: MvccReader, task: DagTask): Promise<DagOutcome> {
  const dag = task.dag;
  const descending = isDescendingScan(dag);
  const scanner = new RangeScanner(reader, task.ranges, task.ts, descending, task.bypassLocks, task.pagingSize);
  const context = new EvalContext({ timeZoneOffsetSeconds: Number(dag.timeZoneOffset), sqlMode: dag.sqlMode });
  const environment: ExecutorEnvironment = { context, budget: new RequestBudget(task.budget) };
  let root: BatchExecutor;
  const chunks: dagpb.Chunk[] = [];
  try {
    root = buildExecutors(dag, scanner, environment);
    const outputOffsets = dag.outputOffsets.length === 0 ? root.schema.map((_, index) => index) : dag.outputOffsets;
    for (const offset of outputOffsets) if (offset >= root.schema.length) throw new CoprocessorRequestError(`output offset ${offset} is outside the root's ${root.schema.length} columns`);
    let want: number = coprocessorLimits.initialBatchRows;
    let bytes = 0;
    for (;;) {
      const { batch, drained } = await root.nextBatch(want);
      if (batch.rows > 0) {
        const rowsData = encodeChunk(outputOffsets.map((offset) => batch.columns[offset]!));
        bytes += rowsData.length;
        environment.budget.chargeMemory(rowsData.length);
        chunks.push({ rowsData: Buffer.from(rowsData.buffer, rowsData.byteOffset, rowsData.length) });
      }
      if (drained) break;
      want = Math.min(want * 2, coprocessorLimits.maxBatchRows);
      if (bytes > coprocessorLimits.maxResponseBytes) throw new CoprocessorLimitError('memory', `the result passed ${coprocessorLimits.maxResponseBytes} bytes; use paging`);
    }
  } catch (error) {
    if (error instanceof CoprocessorLockedError) return { kind: 'locked', error };
    if (error instanceof ExprError || error instanceof CoprocessorLimitError) {
      return { kind: 'done', response: selectError(error.code, error.message), scannedRows: scanner.scannedRows, versionsRead: scanner.scanStats.versionsRead, range: undefined };
    }
    if (error instanceof CodecError) return { kind: 'done', response: selectError(1105, `corrupt data: ${error.message}`), scannedRows: scanner.scannedRows, versionsRead: scanner.scanStats.versionsRead, range: undefined };
    throw error;
  }
  const executors = executorsBottomUp(root);
  const response = dagpb.SelectResponse.create({
    chunks,
    encodeType: dagpb.EncodeType.TypeChunk,
    warnings: context.warnings.map((warning) => ({ code: warning.code, msg: warning.message })),
    warningCount: BigInt(context.warningCount),
    outputCounts: executors.map((executor) => BigInt(executor.stats.producedRows)),
    executionSummaries: dag.collectExecutionSummaries
      ? executors.map((executor) => ({ executorId: executor.id, numProducedRows: BigInt(executor.stats.producedRows), numIterations: BigInt(executor.stats.iterations), timeProcessedNs: executor.stats.processNs }))
      : [],
  });
  return { kind: 'done', response, scannedRows: scanner.scannedRows, versionsRead: scanner.scanStats.versionsRead, range: scanner.paused ? coveredRange(scanner, task.ranges, descending) : undefined };
}

function selectError(code: number, message: string): dagpb.SelectResponse {
  return dagpb.SelectResponse.create({ error: { code, msg: message }, encodeType: dagpb.EncodeType.TypeChunk });
}

/** The scan first, the root last. */
function executorsBottomUp(root: BatchExecutor): BatchExecutor[] {
  const chain: BatchExecutor[] = [];
  for (let current: BatchExecutor | undefined = root; current !== undefined; current = current.children[0]) chain.unshift(current);
  return chain;
}

/**
 * The part of the ranges a paused scan covered: ascending, from the first range's start
 * to just after the last key read; descending, from the last key read to the last
 * range's end. The client continues from the other side.
 */
function coveredRange(scanner: RangeScanner, ranges: readonly UserKeyRange[], descending: boolean): UserKeyRange {
  const span = scanner.returnedSpan;
  const first = ranges[0]!;
  const last = ranges[ranges.length - 1]!;
  if (span === undefined) return descending ? { start: last.end, end: last.end } : { start: first.start, end: first.start };
  return descending ? { start: span.last, end: last.end } : { start: first.start, end: keyAfter(span.last) };
}
