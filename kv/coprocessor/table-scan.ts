import { RowLookup, RowView } from '../../common/codec/row.js';
import { recordKeyHandle } from '../../common/codec/table.js';
import type { IntColumnBuilder } from '../../common/expr/column.js';
import { ExprError, ExprErrorCode } from '../../common/expr/context.js';
import { fieldTypeFromProto } from '../../common/expr/proto-expr.js';
import type { FieldType } from '../../common/types/field-type.js';
import { evalTypeOf } from '../../common/expr/eval-type.js';
import type * as dagpb from '../../proto/gen/dagpb.js';
import type { StoredValueAppender } from './column-decoder.js';
import type { ExecutorEnvironment } from './executor.js';
import type { RangeScanner, ScannedPair } from './range-scanner.js';
import { ScanExecutor } from './scan-executor.js';

/** An empty row value (row format v2: no columns), where the scan's view starts. */
const emptyRow = Uint8Array.of(128, 0, 0, 0, 0, 0);

/** The field type a scan gives a column it reads. */
export function columnInfoType(column: dagpb.ColumnInfo): FieldType {
  return fieldTypeFromProto({ tp: column.tp, flag: column.flag, flen: column.columnLen, decimal: column.decimal, collate: column.collation, charset: '', elems: column.elems });
}

/**
 * Reads a table's rows (TableScan): one row per record key in the ranges, decoding only
 * the requested columns from the row value; the integer primary key comes from the key.
 */
export class TableScanExecutor extends ScanExecutor {
  readonly schema: readonly FieldType[];
  private readonly columns: ReadonlyArray<{ readonly id: number; readonly handle: boolean; readonly defaultValue: Uint8Array | undefined }>;
  /** Whether any column is read from the row value (COUNT(*) reads the handle alone: the value is never parsed). */
  private readonly readsValue: boolean;
  /** One view, pointed at each row in turn. */
  private readonly row = new RowView(emptyRow);

  constructor(id: string, spec: dagpb.TableScan, scanner: RangeScanner, environment: ExecutorEnvironment) {
    super(id, scanner, environment);
    if (spec.primaryColumnIds.length > 0) throw new ExprError(ExprErrorCode.unknown, 'clustered (non-integer) primary keys are not supported yet');
    this.schema = spec.columns.map(columnInfoType);
    this.columns = spec.columns.map((column, index) => {
      if (column.columnId < 0n || column.columnId > 0xffffffffn) throw new ExprError(ExprErrorCode.unknown, `bad column id ${column.columnId}`);
      if (column.pkHandle && evalTypeOf(this.schema[index]!) !== 'int') throw new ExprError(ExprErrorCode.unknown, 'a handle column needs an integer type');
      return { id: Number(column.columnId), handle: column.pkHandle, defaultValue: column.defaultVal.length > 0 ? column.defaultVal : undefined };
    });
    this.readsValue = this.columns.some((column) => !column.handle);
  }

  // Hot path: one RowView for every row, values copied straight into the columns.
  protected decodePair(pair: ScannedPair, appenders: readonly StoredValueAppender[]): void {
    const row = this.row;
    if (this.readsValue) row.reset(pair.value);
    for (let index = 0; index < this.columns.length; index++) {
      const column = this.columns[index]!;
      const appender = appenders[index]!;
      if (column.handle) {
        (appender.builder as IntColumnBuilder).push(recordKeyHandle(pair.key));
        continue;
      }
      const found = row.locate(column.id);
      if (found === RowLookup.found) appender.appendStoredRange(row.rowBytes, row.valueStart, row.valueEnd);
      else if (found === RowLookup.null) appender.appendNull();
      else if (column.defaultValue !== undefined) appender.appendStored(column.defaultValue);
      else appender.appendNull();
    }
  }
}
