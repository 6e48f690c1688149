import { ExprError, ExprErrorCode } from '../../common/expr/context.js';
import { aggregateFromProto, exprFromProto } from '../../common/expr/proto-expr.js';
import type * as dagpb from '../../proto/gen/dagpb.js';
import { AggregationExecutor } from './aggregation.js';
import type { BatchExecutor, ExecutorEnvironment } from './executor.js';
import { IndexScanExecutor } from './index-scan.js';
import { LimitExecutor } from './limit.js';
import { coprocessorLimits } from './limits.js';
import { ProjectionExecutor } from './projection.js';
import type { RangeScanner } from './range-scanner.js';
import { SelectionExecutor } from './selection.js';
import { TableScanExecutor } from './table-scan.js';
import { TopNExecutor } from './top-n.js';

/** The DAG's executors, built bottom-up: a scan first, each later one over the one before. */
export function buildExecutors(dag: dagpb.DAGRequest, scanner: RangeScanner, environment: ExecutorEnvironment): BatchExecutor {
  if (dag.executors.length === 0) throw new ExprError(ExprErrorCode.unknown, 'a DAG request needs at least a scan');
  if (dag.executors.length > coprocessorLimits.maxExecutors) throw new ExprError(ExprErrorCode.unknown, `a DAG request may have at most ${coprocessorLimits.maxExecutors} executors`);
  let current: BatchExecutor | undefined;
  dag.executors.forEach((executor, index) => {
    const id = executor.executorId === '' ? `${executor.executor?.$case ?? 'unknown'}_${index}` : executor.executorId;
    const spec = executor.executor;
    if (spec === undefined) throw new ExprError(ExprErrorCode.unknown, `executor ${index} has no body`);
    const isScan = spec.$case === 'tableScan' || spec.$case === 'indexScan';
    if (isScan !== (index === 0)) throw new ExprError(ExprErrorCode.unknown, index === 0 ? 'a DAG must start with a table or index scan' : `executor ${index}: a scan may only come first`);
    switch (spec.$case) {
      case 'tableScan':
        current = new TableScanExecutor(id, spec.value, scanner, environment);
        break;
      case 'indexScan':
        current = new IndexScanExecutor(id, spec.value, scanner, environment);
        break;
      case 'selection':
        current = new SelectionExecutor(id, spec.value.conditions.map(exprFromProto), current!, environment);
        break;
      case 'projection':
        current = new ProjectionExecutor(id, spec.value.exprs.map(exprFromProto), current!, environment);
        break;
      case 'limit':
        current = new LimitExecutor(id, spec.value.limit, current!);
        break;
      case 'topN':
        current = new TopNExecutor(
          id,
          spec.value.orderBy.map((item) => {
            if (item.expr === undefined) throw new ExprError(ExprErrorCode.unknown, 'an ORDER BY item without an expression');
            return { expr: exprFromProto(item.expr), descending: item.desc };
          }),
          spec.value.limit,
          current!,
          environment,
        );
        break;
      case 'aggregation':
        current = new AggregationExecutor(id, spec.value.groupBy.map(exprFromProto), spec.value.aggFunc.map(aggregateFromProto), spec.value.streamed, current!, environment);
        break;
    }
  });
  return current!;
}
