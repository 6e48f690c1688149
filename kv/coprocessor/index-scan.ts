import { decodeIndexKey } from '../../common/codec/table.js';
import { CodecError } from '../../common/errors.js';
import { ExprError, ExprErrorCode } from '../../common/expr/context.js';
import type { FieldType } from '../../common/types/field-type.js';
import type * as dagpb from '../../proto/gen/dagpb.js';
import type { StoredValueAppender } from './column-decoder.js';
import type { ExecutorEnvironment } from './executor.js';
import type { RangeScanner, ScannedPair } from './range-scanner.js';
import { ScanExecutor } from './scan-executor.js';
import { columnInfoType } from './table-scan.js';

/**
 * Reads an index (IndexScan): the index columns' values come from the key itself, so no
 * row is read (a covering index). The handle is the key's last datum for a non-unique
 * index and for a unique entry holding NULL; otherwise a unique entry's value holds it
 * (8 bytes, big-endian int64). Strings in keys are their collation's sort keys: for
 * binary and `_bin` columns that is the value (without trailing spaces).
 */
export class IndexScanExecutor extends ScanExecutor {
  readonly schema: readonly FieldType[];
  private readonly indexColumns: number;
  private readonly wantsHandle: boolean;

  constructor(id: string, spec: dagpb.IndexScan, scanner: RangeScanner, environment: ExecutorEnvironment) {
    super(id, scanner, environment);
    this.schema = spec.columns.map(columnInfoType);
    const last = spec.columns[spec.columns.length - 1];
    this.wantsHandle = last?.pkHandle === true;
    this.indexColumns = spec.columns.length - (this.wantsHandle ? 1 : 0);
    if (spec.columns.slice(0, this.indexColumns).some((column) => column.pkHandle)) throw new ExprError(ExprErrorCode.unknown, 'only the last index scan column may be the handle');
  }

  protected decodePair(pair: ScannedPair, appenders: readonly StoredValueAppender[]): void {
    const { values } = decodeIndexKey(pair.key);
    if (values.length < this.indexColumns) throw new CodecError(`index key holds ${values.length} values, the scan reads ${this.indexColumns}`);
    for (let index = 0; index < this.indexColumns; index++) appenders[index]!.appendDatum(values[index]!);
    if (!this.wantsHandle) return;
    const handleAppender = appenders[this.indexColumns]!;
    if (values.length > this.indexColumns) handleAppender.appendDatum(values[values.length - 1]!);
    else if (pair.value.length === 8) handleAppender.builder.push(Buffer.from(pair.value.buffer, pair.value.byteOffset, 8).readBigInt64BE());
    else throw new CodecError(`unique index value of ${pair.value.length} bytes holds no handle`);
  }
}
