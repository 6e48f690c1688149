import { asTimestamp } from '../../common/ids.js';
import * as coprocessorpb from '../../proto/gen/coprocessor.js';
import * as dagpb from '../../proto/gen/dagpb.js';
import type { BudgetOptions } from '../coprocessor/budget.js';
import { checkedRanges, CoprocessorRequestError, parseDagRequest, runDag } from '../coprocessor/endpoint.js';
import type { UserKeyRange } from '../coprocessor/range-scanner.js';
import type { RaftKv } from '../raftstore/raft-kv.js';
import type { RaftStore } from '../raftstore/raft-store.js';
import { lockInfoToProto } from './kv-errors.js';
import { guarded } from './kv-handlers.js';
import { checkTxnRangesInRegion, readOptionsOf, regionContextOf } from './request-scope.js';

export interface CoprocessorOptions {
  /** Store-wide limits of one request (the context's max_execution_duration_ms overrides the time). */
  readonly budget?: BudgetOptions;
}

/**
 * The Coprocessor command: a DAG over a region's snapshot at the request's ts, after the
 * region's read barrier (lease or ReadIndex), as every snapshot read. Every range must lie
 * in the region (the client splits ranges by region); one that does not is answered with
 * KeyNotInRegion so the client re-splits.
 */
export function createCoprocessorHandler(store: RaftStore, kv: RaftKv, options: CoprocessorOptions = {}): (request: coprocessorpb.Request) => Promise<coprocessorpb.Response> {
  return guarded(
    async (request: coprocessorpb.Request) => {
      const started = process.hrtime.bigint();
      const context = regionContextOf(request.context);
      let dag: dagpb.DAGRequest;
      let ranges: UserKeyRange[];
      try {
        dag = parseDagRequest(request);
        ranges = checkedRanges(request.ranges);
      } catch (error) {
        if (error instanceof CoprocessorRequestError) return coprocessorpb.Response.create({ otherError: error.message });
        throw error;
      }
      if (ranges.length === 0) return coprocessorpb.Response.create({ otherError: 'a coprocessor request needs at least one range' });
      checkTxnRangesInRegion(store, context, ranges);
      const ts = asTimestamp(request.startTs === 0n ? dag.startTsFallback : request.startTs);
      const readOptions = readOptionsOf(request.context);
      const maxDurationMs = request.context?.maxExecutionDurationMs ?? 0n;
      const budget: BudgetOptions = { ...options.budget, ...(maxDurationMs > 0n ? { maxDurationMs: Number(maxDurationMs) } : {}) };
      const outcome = await kv.read(context, (mvcc) =>
        mvcc.readRanges(ranges, ts, (reader) =>
          runDag(reader, {
            dag,
            ts,
            ranges,
            pagingSize: Number(request.pagingSize > 0n ? request.pagingSize : dag.pagingSize),
            budget,
            ...(readOptions.bypassLocks === undefined ? {} : { bypassLocks: readOptions.bypassLocks }),
          }),
        ),
      );
      const processWallTimeMs = (process.hrtime.bigint() - started) / 1_000_000n;
      if (outcome.kind === 'locked') return coprocessorpb.Response.create({ locked: lockInfoToProto(outcome.error.lock) });
      return coprocessorpb.Response.create({
        data: Buffer.from(dagpb.SelectResponse.encode(outcome.response).finish()),
        ...(outcome.range === undefined ? {} : { range: { start: Buffer.from(outcome.range.start), end: Buffer.from(outcome.range.end) } }),
        execDetails: { timeDetail: { processWallTimeMs, waitWallTimeMs: 0n }, scanDetail: { processedVersions: BigInt(outcome.scannedRows), totalVersions: BigInt(outcome.versionsRead), processedVersionsSizeBytes: 0n } },
      });
    },
    (failure) => (failure.kind === 'region' ? coprocessorpb.Response.create({ regionError: failure.error }) : coprocessorpb.Response.create({ otherError: failure.kind === 'other' ? failure.message : 'key error' })),
  );
}
