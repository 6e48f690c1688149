import { compareBytes } from '../../common/codec/bytes.js';
import { encodeUserKey, userKeyRangeOf } from '../../common/codec/mvcc-key.js';
import type { KeyRange } from '../../common/codec/table.js';
import { decodeChunk } from '../../common/expr/chunk-codec.js';
import { isDescendingScan } from '../../common/expr/dag-builder.js';
import type { Column } from '../../common/expr/column.js';
import * as coprocessorpb from '../../proto/gen/coprocessor.js';
import * as dagpb from '../../proto/gen/dagpb.js';
import type { Backoffer } from './backoff.js';
import { CoprocessorExecutionError, CoprocessorRequestError } from './errors.js';
import { clipToRegion } from './keys.js';
import type { RegionClient } from './region-client.js';
import type { RegionLocation } from './region-cache.js';
import type { LockResolver } from './txn/lock-resolver.js';

export interface CopRequestOptions {
  /** Ranges of user keys, [start, end) (e.g. a table's record range); they must not overlap. */
  readonly ranges: readonly KeyRange[];
  /** The snapshot to read (a fresh timestamp when absent). */
  readonly startTs?: bigint;
  /** Results in key order (descending for a descending scan); otherwise as they arrive. */
  readonly keepOrder?: boolean;
  /** Region tasks run at once (default: the client's concurrency). */
  readonly concurrency?: number;
  /** Rows per response: a region is read in pages of about this many rows (0: one response per region). */
  readonly pagingSize?: number;
  /** Stop a region's task after this long on the store. */
  readonly maxExecutionDurationMs?: number;
}

/** One response: what one region returned for (part of) its ranges. */
export interface CopResult {
  readonly regionId: bigint;
  /** Each chunk's columns, in the DAG's output order. */
  readonly chunks: readonly (readonly Column[])[];
  readonly warnings: readonly dagpb.Error[];
  readonly outputCounts: readonly bigint[];
  readonly executionSummaries: readonly dagpb.ExecutorExecutionSummary[];
  readonly scannedRows: number;
}

interface Task {
  readonly location: RegionLocation;
  readonly ranges: KeyRange[];
}

/**
 * Sends a DAG to every region its ranges touch (client-go's copIterator): one task per
 * region, run in parallel up to a concurrency limit. A task whose region moved (split,
 * leader change, epoch change) is split again over the new regions; a lock the store
 * reports is resolved and the task retried; paged responses continue where the last
 * stopped. Results stream back in key order or as they come.
 */
export async function* sendCoprocessor(client: RegionClient, resolver: LockResolver, dag: dagpb.DAGRequest, options: CopRequestOptions): AsyncGenerator<CopResult> {
  const startTs = options.startTs ?? (await client.pd.getTimestamp());
  const descending = isDescendingScan(dag);
  const data = Buffer.from(dagpb.DAGRequest.encode(dag).finish());
  const backoffer = client.backoffer();
  const tasks = await splitByRegion(client, options.ranges, backoffer);
  if (descending) tasks.reverse();
  const concurrency = Math.max(1, options.concurrency ?? client.concurrency);
  const bypass = new Set<bigint>();
  // Tasks run in parallel, each backing off on its own fork of the request's budget.
  const run = (task: Task, emit: (result: CopResult) => void) => runTask(client, resolver, task, { data, startTs, descending, options, bypass }, backoffer.fork(), emit);

  // Each task's results, in task order; tasks start as earlier ones finish.
  const outputs = tasks.map(() => ({ results: [] as CopResult[], done: false, error: undefined as unknown }));
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  let next = 0;
  let running = 0;
  const startMore = () => {
    while (running < concurrency && next < tasks.length) {
      const index = next++;
      running++;
      run(tasks[index]!, (result) => {
        outputs[index]!.results.push(result);
        notify();
      }).then(
        () => {
          outputs[index]!.done = true;
        },
        (error: unknown) => {
          outputs[index]!.error = error ?? new Error('coprocessor task failed');
          outputs[index]!.done = true;
        },
      ).finally(() => {
        running--;
        startMore();
        notify();
      });
    }
  };
  startMore();
  const keepOrder = options.keepOrder ?? false;
  let ordered = 0;
  for (;;) {
    let yielded = false;
    if (keepOrder) {
      while (ordered < outputs.length) {
        const output = outputs[ordered]!;
        if (output.error !== undefined) throw output.error;
        while (output.results.length > 0) {
          yielded = true;
          yield output.results.shift()!;
        }
        if (!output.done) break;
        ordered++;
      }
      if (ordered === outputs.length) return;
    } else {
      for (const output of outputs) {
        if (output.error !== undefined) throw output.error;
        while (output.results.length > 0) {
          yielded = true;
          yield output.results.shift()!;
        }
      }
      if (outputs.every((output) => output.done && output.results.length === 0)) {
        const failed = outputs.find((output) => output.error !== undefined);
        if (failed !== undefined) throw failed.error;
        return;
      }
    }
    if (!yielded) await new Promise<void>((resolve) => (wake = resolve));
  }
}

/** Every result of a request, in key order. */
export async function collectCoprocessor(client: RegionClient, resolver: LockResolver, dag: dagpb.DAGRequest, options: CopRequestOptions): Promise<CopResult[]> {
  const results: CopResult[] = [];
  for await (const result of sendCoprocessor(client, resolver, dag, { ...options, keepOrder: options.keepOrder ?? true })) results.push(result);
  return results;
}

interface TaskContext {
  readonly data: Buffer;
  readonly startTs: bigint;
  readonly descending: boolean;
  readonly options: CopRequestOptions;
  readonly bypass: Set<bigint>;
}

/** Runs one region's task; a re-split one's parts run in order on the same backoffer, so the budget bounds them all. */
async function runTask(client: RegionClient, resolver: LockResolver, task: Task, context: TaskContext, backoffer: Backoffer, emit: (result: CopResult) => void): Promise<void> {
  let ranges = task.ranges;
  let location = task.location;
  for (;;) {
    const response = await client.sender.attempt(
      location,
      backoffer,
      'coprocessor',
      coprocessorpb.Request.create({
        tp: coprocessorpb.RequestType.Dag,
        data: context.data,
        startTs: context.startTs,
        ranges: ranges.map((range) => ({ start: Buffer.from(range.start), end: Buffer.from(range.end) })),
        pagingSize: BigInt(context.options.pagingSize ?? 0),
      }),
      { context: { resolvedLocks: [...context.bypass], maxExecutionDurationMs: BigInt(context.options.maxExecutionDurationMs ?? 0) } },
    );
    if (response === undefined) {
      // The region changed: plan what is left again, over the regions there are now.
      const subtasks = await splitByRegion(client, ranges, backoffer);
      if (context.descending) subtasks.reverse();
      for (const subtask of subtasks) await runTask(client, resolver, subtask, context, backoffer, emit);
      return;
    }
    if (response.locked !== undefined) {
      const outcome = await resolver.resolve([response.locked], context.startTs, backoffer);
      for (const ts of outcome.pushed) context.bypass.add(ts);
      if (!outcome.allResolved) await backoffer.backoff('txnLockFast', `coprocessor met a lock of txn ${response.locked.lockVersion}`);
      continue;
    }
    if (response.otherError !== '') throw new CoprocessorRequestError(response.otherError);
    const select = dagpb.SelectResponse.decode(response.data);
    if (select.error !== undefined) throw new CoprocessorExecutionError(select.error.code, select.error.msg);
    emit({
      regionId: location.region.id,
      chunks: select.chunks.map((chunk) => decodeChunk(chunk.rowsData)),
      warnings: select.warnings,
      outputCounts: select.outputCounts,
      executionSummaries: select.executionSummaries,
      scannedRows: Number(response.execDetails?.scanDetail?.processedVersions ?? 0n),
    });
    if (response.range === undefined) return;
    // Paged: continue after the part this response covered.
    ranges = remainingRanges(ranges, response.range, context.descending);
    if (ranges.length === 0) return;
    location = await client.cache.locate(encodeUserKey(ranges[0]!.start), backoffer);
  }
}

/** The ranges left after a paged response covered `covered` (its end ascending, its start descending). */
function remainingRanges(ranges: readonly KeyRange[], covered: coprocessorpb.KeyRange, descending: boolean): KeyRange[] {
  const left: KeyRange[] = [];
  for (const range of ranges) {
    if (!descending) {
      if (range.end.length > 0 && compareBytes(range.end, covered.end) <= 0) continue;
      left.push(compareBytes(range.start, covered.end) >= 0 ? range : { start: covered.end, end: range.end });
    } else {
      if (compareBytes(range.start, covered.start) >= 0) continue;
      left.push(range.end.length > 0 && compareBytes(range.end, covered.start) <= 0 ? range : { start: range.start, end: covered.start });
    }
  }
  return left;
}

/** Cuts ranges at region boundaries (in user keys), one task per region. */
async function splitByRegion(client: RegionClient, ranges: readonly KeyRange[], backoffer: Backoffer): Promise<Task[]> {
  const sorted = [...ranges].sort((a, b) => compareBytes(a.start, b.start));
  const tasks: Task[] = [];
  for (const range of sorted) {
    let from = range.start;
    for (;;) {
      const location = await client.cache.locate(encodeUserKey(from), backoffer);
      const clipped = clipToRegion(range.end, userKeyRangeOf(location.region.startKey, location.region.endKey).end);
      const piece = { start: from, end: clipped.end };
      const previous = tasks[tasks.length - 1];
      if (previous !== undefined && previous.location.region.id === location.region.id) previous.ranges.push(piece);
      else tasks.push({ location, ranges: [piece] });
      if (clipped.last) break;
      from = clipped.end;
    }
  }
  return tasks;
}
