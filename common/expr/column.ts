import { assert } from '../assert.js';
import { Decimal } from '../types/decimal.js';
import type { EvalType } from './eval-type.js';

/**
 * Columnar vectors: one typed array per column and a NULL map (one byte per row, 1 =
 * NULL), so a batch of rows costs a few allocations, not one object per value. Integers
 * are 64-bit (unsigned ones keep their bit pattern; the field type says which), times are
 * TiDB's packed uint64 (ordered like the values), durations are nanoseconds, strings and
 * JSON share one byte buffer with end offsets. Decimals are the one kind kept as objects:
 * their coefficients are arbitrary-precision.
 *
 * Invariant: `length` values are valid; a NULL row's value slot holds 0 (or an empty string).
 */
interface ColumnBase {
  readonly length: number;
  readonly nulls: Uint8Array;
}

export interface IntColumn extends ColumnBase {
  readonly kind: 'int';
  readonly values: BigInt64Array;
}
export interface RealColumn extends ColumnBase {
  readonly kind: 'real';
  readonly values: Float64Array;
}
export interface DecimalColumn extends ColumnBase {
  readonly kind: 'decimal';
  readonly values: readonly Decimal[];
}
/** Strings and JSON: value i is `data[i === 0 ? 0 : ends[i - 1] .. ends[i]]`. */
export interface BytesColumn extends ColumnBase {
  readonly kind: 'bytes' | 'json';
  readonly data: Uint8Array;
  readonly ends: Int32Array;
}
export interface TimeColumn extends ColumnBase {
  readonly kind: 'time';
  readonly values: BigUint64Array;
}
export interface DurationColumn extends ColumnBase {
  readonly kind: 'duration';
  readonly values: BigInt64Array;
}

export type Column = IntColumn | RealColumn | DecimalColumn | BytesColumn | TimeColumn | DurationColumn;

export function bytesStart(column: BytesColumn, row: number): number {
  return row === 0 ? 0 : column.ends[row - 1]!;
}

const initialCapacity = 64;

function grownCapacity(capacity: number, needed: number): number {
  let next = Math.max(capacity, initialCapacity);
  while (next < needed) next *= 2;
  return next;
}

/** Appends values of one evaluation type; `finish` hands out the column and resets nothing (use once). */
export abstract class ColumnBuilder<Value> {
  protected count = 0;
  protected nullMap: Uint8Array;

  constructor(capacity: number) {
    this.nullMap = new Uint8Array(Math.max(capacity, 1));
  }

  get length(): number {
    return this.count;
  }

  protected reserve(rows: number): void {
    if (rows <= this.nullMap.length) return;
    const capacity = grownCapacity(this.nullMap.length, rows);
    const nulls = new Uint8Array(capacity);
    nulls.set(this.nullMap.subarray(0, this.count));
    this.nullMap = nulls;
    this.growValues(capacity);
  }

  protected abstract growValues(capacity: number): void;
  abstract push(value: Value): void;
  abstract pushNull(): void;
  abstract finish(): Column;

  pushMaybe(value: Value | null): void {
    if (value === null) this.pushNull();
    else this.push(value);
  }
}

abstract class FixedWidthBuilder<Value, Values extends { length: number; set(array: ArrayLike<never>, offset?: number): void; subarray(begin?: number, end?: number): Values }> extends ColumnBuilder<Value> {
  protected values: Values;

  constructor(
    capacity: number,
    private readonly allocate: (capacity: number) => Values,
  ) {
    super(capacity);
    this.values = allocate(Math.max(capacity, 1));
  }

  protected growValues(capacity: number): void {
    const values = this.allocate(capacity);
    values.set(this.values.subarray(0, this.count) as unknown as ArrayLike<never>);
    this.values = values;
  }

  pushNull(): void {
    this.reserve(this.count + 1);
    this.nullMap[this.count] = 1;
    this.count++;
  }
}

export class IntColumnBuilder extends FixedWidthBuilder<bigint, BigInt64Array> {
  constructor(capacity = initialCapacity) {
    super(capacity, (size) => new BigInt64Array(size));
  }

  /** Unsigned values above 2^63 - 1 are stored by their bit pattern. */
  push(value: bigint): void {
    this.reserve(this.count + 1);
    this.values[this.count] = BigInt.asIntN(64, value);
    this.count++;
  }

  finish(): IntColumn {
    return { kind: 'int', length: this.count, values: this.values.subarray(0, this.count), nulls: this.nullMap.subarray(0, this.count) };
  }
}

export class RealColumnBuilder extends FixedWidthBuilder<number, Float64Array> {
  constructor(capacity = initialCapacity) {
    super(capacity, (size) => new Float64Array(size));
  }

  push(value: number): void {
    this.reserve(this.count + 1);
    this.values[this.count] = value;
    this.count++;
  }

  finish(): RealColumn {
    return { kind: 'real', length: this.count, values: this.values.subarray(0, this.count), nulls: this.nullMap.subarray(0, this.count) };
  }
}

export class TimeColumnBuilder extends FixedWidthBuilder<bigint, BigUint64Array> {
  constructor(capacity = initialCapacity) {
    super(capacity, (size) => new BigUint64Array(size));
  }

  /** A packed time (MysqlTime.toPackedUint). */
  push(value: bigint): void {
    this.reserve(this.count + 1);
    this.values[this.count] = value;
    this.count++;
  }

  finish(): TimeColumn {
    return { kind: 'time', length: this.count, values: this.values.subarray(0, this.count), nulls: this.nullMap.subarray(0, this.count) };
  }
}

export class DurationColumnBuilder extends FixedWidthBuilder<bigint, BigInt64Array> {
  constructor(capacity = initialCapacity) {
    super(capacity, (size) => new BigInt64Array(size));
  }

  /** Nanoseconds. */
  push(value: bigint): void {
    this.reserve(this.count + 1);
    this.values[this.count] = value;
    this.count++;
  }

  finish(): DurationColumn {
    return { kind: 'duration', length: this.count, values: this.values.subarray(0, this.count), nulls: this.nullMap.subarray(0, this.count) };
  }
}

export class DecimalColumnBuilder extends ColumnBuilder<Decimal> {
  private readonly values: Decimal[] = [];

  protected growValues(): void {}

  push(value: Decimal): void {
    this.reserve(this.count + 1);
    this.values.push(value);
    this.count++;
  }

  pushNull(): void {
    this.reserve(this.count + 1);
    this.values.push(Decimal.zero);
    this.nullMap[this.count] = 1;
    this.count++;
  }

  finish(): DecimalColumn {
    return { kind: 'decimal', length: this.count, values: this.values, nulls: this.nullMap.subarray(0, this.count) };
  }
}

/** Up to this many bytes, pushRange copies in a loop rather than through a view. */
const shortCopyBytes = 64;

export class BytesColumnBuilder extends ColumnBuilder<Uint8Array> {
  private data: Uint8Array;
  private ends: Int32Array;
  private dataLength = 0;

  constructor(
    private readonly kind: 'bytes' | 'json' = 'bytes',
    capacity = initialCapacity,
    dataCapacity = capacity * 16,
  ) {
    super(capacity);
    this.ends = new Int32Array(Math.max(capacity, 1));
    this.data = new Uint8Array(Math.max(dataCapacity, 16));
  }

  protected growValues(capacity: number): void {
    const ends = new Int32Array(capacity);
    ends.set(this.ends.subarray(0, this.count));
    this.ends = ends;
  }

  private reserveData(bytes: number): void {
    if (this.dataLength + bytes <= this.data.length) return;
    const data = new Uint8Array(grownCapacity(this.data.length, this.dataLength + bytes));
    data.set(this.data.subarray(0, this.dataLength));
    this.data = data;
  }

  /** Copies `value` (so views into scanned rows may be passed). */
  push(value: Uint8Array): void {
    this.pushRange(value, 0, value.length);
  }

  /** Appends `source[start..end]` without making a view of it first. */
  pushRange(source: Uint8Array, start: number, end: number): void {
    this.reserve(this.count + 1);
    const length = end - start;
    this.reserveData(length);
    if (length === source.length) this.data.set(source, this.dataLength);
    else if (length <= shortCopyBytes) {
      // Hot path (strings of scanned rows): a short value copied byte by byte costs less than a view.
      const data = this.data;
      const to = this.dataLength - start;
      for (let index = start; index < end; index++) data[to + index] = source[index]!;
    } else this.data.set(source.subarray(start, end), this.dataLength);
    this.dataLength += length;
    this.ends[this.count] = this.dataLength;
    this.count++;
  }

  pushNull(): void {
    this.reserve(this.count + 1);
    this.ends[this.count] = this.dataLength;
    this.nullMap[this.count] = 1;
    this.count++;
  }

  finish(): BytesColumn {
    return { kind: this.kind, length: this.count, data: this.data.subarray(0, this.dataLength), ends: this.ends.subarray(0, this.count), nulls: this.nullMap.subarray(0, this.count) };
  }
}

/** The rows `rows` of `column`, in that order, as a new column. */
export function gatherColumn(column: Column, rows: Int32Array | readonly number[]): Column {
  const count = rows.length;
  const nulls = new Uint8Array(count);
  for (let index = 0; index < count; index++) nulls[index] = column.nulls[rows[index]!]!;
  switch (column.kind) {
    case 'int':
    case 'duration': {
      const values = new BigInt64Array(count);
      for (let index = 0; index < count; index++) values[index] = column.values[rows[index]!]!;
      return { kind: column.kind, length: count, values, nulls };
    }
    case 'time': {
      const values = new BigUint64Array(count);
      for (let index = 0; index < count; index++) values[index] = column.values[rows[index]!]!;
      return { kind: 'time', length: count, values, nulls };
    }
    case 'real': {
      const values = new Float64Array(count);
      for (let index = 0; index < count; index++) values[index] = column.values[rows[index]!]!;
      return { kind: 'real', length: count, values, nulls };
    }
    case 'decimal': {
      const values = new Array<Decimal>(count);
      for (let index = 0; index < count; index++) values[index] = column.values[rows[index]!] ?? Decimal.zero;
      return { kind: 'decimal', length: count, values, nulls };
    }
    case 'bytes':
    case 'json': {
      let total = 0;
      for (let index = 0; index < count; index++) {
        const row = rows[index]!;
        total += column.ends[row]! - bytesStart(column, row);
      }
      const builder = new BytesColumnBuilder(column.kind, count, total);
      for (let index = 0; index < count; index++) {
        const row = rows[index]!;
        if (column.nulls[row] === 1) builder.pushNull();
        else builder.pushRange(column.data, bytesStart(column, row), column.ends[row]!);
      }
      return builder.finish();
    }
  }
}

/** A builder for values of `type`. */
export function columnBuilderFor(type: EvalType, capacity = initialCapacity): ColumnBuilder<unknown> {
  switch (type) {
    case 'int':
      return new IntColumnBuilder(capacity) as ColumnBuilder<unknown>;
    case 'real':
      return new RealColumnBuilder(capacity) as ColumnBuilder<unknown>;
    case 'decimal':
      return new DecimalColumnBuilder(capacity) as ColumnBuilder<unknown>;
    case 'bytes':
    case 'json':
      return new BytesColumnBuilder(type, capacity) as ColumnBuilder<unknown>;
    case 'time':
      return new TimeColumnBuilder(capacity) as ColumnBuilder<unknown>;
    case 'duration':
      return new DurationColumnBuilder(capacity) as ColumnBuilder<unknown>;
  }
}

/** Rows [start, end) of `column`; fixed-width values are shared, not copied. */
export function sliceColumn(column: Column, start: number, end: number): Column {
  const nulls = column.nulls.subarray(start, end);
  const length = end - start;
  switch (column.kind) {
    case 'int':
    case 'duration':
      return { kind: column.kind, length, nulls, values: column.values.subarray(start, end) };
    case 'time':
      return { kind: 'time', length, nulls, values: column.values.subarray(start, end) };
    case 'real':
      return { kind: 'real', length, nulls, values: column.values.subarray(start, end) };
    case 'decimal':
      return { kind: 'decimal', length, nulls, values: column.values.slice(start, end) };
    case 'bytes':
    case 'json': {
      const rows = new Int32Array(length);
      for (let index = 0; index < length; index++) rows[index] = start + index;
      return gatherColumn(column, rows);
    }
  }
}

/** A column of `rows` values: itself, or a one-value (constant) column repeated. */
export function broadcastColumn(column: Column, rows: number): Column {
  if (column.length === rows) return column;
  assert(column.length === 1, `a column of ${column.length} values cannot stand for ${rows} rows`);
  return gatherColumn(column, new Int32Array(rows));
}
