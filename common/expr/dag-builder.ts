import { partialResultTypes, type AggregateCall } from './aggregate.js';
import type { Expr } from './expr.js';
import { aggregateToProto, exprToProto, fieldTypeToProto } from './proto-expr.js';
import type { FieldType } from '../types/field-type.js';
import * as dagpb from '../../proto/gen/dagpb.js';

/** A column a scan reads. */
export interface ScanColumn {
  readonly id: bigint | number;
  readonly type: FieldType;
  /** The integer primary key, stored as the row's handle. */
  readonly handle?: boolean;
  /** The value of rows written before the column existed, in the row value encoding. */
  readonly defaultValue?: Uint8Array;
}

/**
 * Builds a DAG request executor by executor, tracking each one's output types, so the
 * caller knows how to read the chunks that come back (`schema`). The first call must be
 * a scan.
 */
export class DagBuilder {
  private readonly executors: dagpb.Executor[] = [];
  private types: readonly FieldType[] = [];

  /** The output column types of the executors so far. */
  get schema(): readonly FieldType[] {
    return this.types;
  }

  tableScan(tableId: bigint, columns: readonly ScanColumn[], options: { readonly desc?: boolean } = {}): this {
    this.push(dagpb.ExecType.TypeTableScan, { $case: 'tableScan', value: { tableId, columns: columns.map(columnInfo), desc: options.desc ?? false, primaryColumnIds: [] } });
    this.types = columns.map((column) => column.type);
    return this;
  }

  /** Index columns in index order, then optionally the handle (a ScanColumn with `handle: true`). */
  indexScan(tableId: bigint, indexId: bigint, columns: readonly ScanColumn[], options: { readonly desc?: boolean; readonly unique?: boolean } = {}): this {
    this.push(dagpb.ExecType.TypeIndexScan, { $case: 'indexScan', value: { tableId, indexId, columns: columns.map(columnInfo), desc: options.desc ?? false, unique: options.unique ?? false } });
    this.types = columns.map((column) => column.type);
    return this;
  }

  selection(conditions: readonly Expr[]): this {
    this.push(dagpb.ExecType.TypeSelection, { $case: 'selection', value: { conditions: conditions.map(exprToProto) } });
    return this;
  }

  /** Output: every aggregate's partial result columns, then the GROUP BY values. */
  aggregation(groupBy: readonly Expr[], aggregates: readonly AggregateCall[], options: { readonly streamed?: boolean } = {}): this {
    this.push(dagpb.ExecType.TypeAggregation, { $case: 'aggregation', value: { groupBy: groupBy.map(exprToProto), aggFunc: aggregates.map(aggregateToProto), streamed: options.streamed ?? false } });
    this.types = [...aggregates.flatMap(partialResultTypes), ...groupBy.map((expr) => expr.type)];
    return this;
  }

  topN(orderBy: ReadonlyArray<{ readonly expr: Expr; readonly desc?: boolean }>, limit: bigint | number): this {
    this.push(dagpb.ExecType.TypeTopN, { $case: 'topN', value: { orderBy: orderBy.map((item) => ({ expr: exprToProto(item.expr), desc: item.desc ?? false })), limit: BigInt(limit) } });
    return this;
  }

  limit(limit: bigint | number): this {
    this.push(dagpb.ExecType.TypeLimit, { $case: 'limit', value: { limit: BigInt(limit) } });
    return this;
  }

  projection(exprs: readonly Expr[]): this {
    this.push(dagpb.ExecType.TypeProjection, { $case: 'projection', value: { exprs: exprs.map(exprToProto) } });
    this.types = exprs.map((expr) => expr.type);
    return this;
  }

  build(options: { readonly outputOffsets?: readonly number[]; readonly pagingSize?: number; readonly collectExecutionSummaries?: boolean; readonly timeZoneOffsetSeconds?: number } = {}): dagpb.DAGRequest {
    return dagpb.DAGRequest.create({
      executors: this.executors,
      outputOffsets: [...(options.outputOffsets ?? [])],
      encodeType: dagpb.EncodeType.TypeChunk,
      pagingSize: BigInt(options.pagingSize ?? 0),
      collectExecutionSummaries: options.collectExecutionSummaries ?? false,
      timeZoneOffset: BigInt(options.timeZoneOffsetSeconds ?? 0),
    });
  }

  private push(tp: dagpb.ExecType, executor: NonNullable<dagpb.Executor['executor']>): void {
    this.executors.push({ tp, executorId: `${executor.$case}_${this.executors.length}`, executor });
  }
}

function columnInfo(column: ScanColumn): dagpb.ColumnInfo {
  const type = fieldTypeToProto(column.type);
  return {
    columnId: BigInt(column.id),
    tp: type.tp,
    collation: type.collate,
    columnLen: type.flen,
    decimal: type.decimal,
    flag: type.flag,
    elems: type.elems,
    defaultVal: Buffer.from(column.defaultValue ?? new Uint8Array(0)),
    pkHandle: column.handle ?? false,
  };
}

/** Whether the DAG's scan reads its ranges from the end (results then come in descending key order). */
export function isDescendingScan(dag: dagpb.DAGRequest): boolean {
  const scan = dag.executors[0]?.executor;
  return (scan?.$case === 'tableScan' || scan?.$case === 'indexScan') && scan.value.desc;
}
