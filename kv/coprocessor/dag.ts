import { type AggregateCall, type AggregateKind } from '../../common/expr/aggregate.js';
import { ExprError, ExprErrorCode } from '../../common/expr/context.js';
import { exprFromProto } from '../../common/expr/proto-expr.js';
import * as dagpb from '../../proto/gen/dagpb.js';
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

const aggregateKinds = new Map<number, AggregateKind>([
  [dagpb.ExprType.Count, 'count'],
  [dagpb.ExprType.Sum, 'sum'],
  [dagpb.ExprType.Avg, 'avg'],
  [dagpb.ExprType.Min, 'min'],
  [dagpb.ExprType.Max, 'max'],
  [dagpb.ExprType.First, 'first'],
  [dagpb.ExprType.BitAnd, 'bitAnd'],
  [dagpb.ExprType.BitOr, 'bitOr'],
  [dagpb.ExprType.BitXor, 'bitXor'],
]);

export function aggregateFromProto(expr: dagpb.Expr): AggregateCall {
  const kind = aggregateKinds.get(expr.tp);
  if (kind === undefined) throw new ExprError(ExprErrorCode.unknown, `aggregate function ${expr.tp} cannot run in the coprocessor`);
  if (expr.children.length !== 1) throw new ExprError(ExprErrorCode.wrongArguments, `${kind.toUpperCase()} takes one argument, got ${expr.children.length}`);
  return { kind, args: expr.children.map(exprFromProto), distinct: expr.hasDistinct };
}

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

/** The scan's direction: descending scans read their ranges from the end. */
export function isDescendingScan(dag: dagpb.DAGRequest): boolean {
  const first = dag.executors[0]?.executor;
  if (first?.$case === 'tableScan' || first?.$case === 'indexScan') return first.value.desc;
  return false;
}
