import { ByteReader, ByteWriter } from '../codec/buffer.js';
import { decodeCompactBytes, encodeCompactBytes } from '../codec/bytes.js';
import { bytesDatum, type Datum, decodeDatum, encodeDatum, floatDatum, intDatum, uintDatum } from '../codec/datum.js';
import { CodecError } from '../errors.js';
import { Decimal } from '../types/decimal.js';
import { FieldFlag, type FieldType, FieldTypeCode, newFieldType } from '../types/field-type.js';
import { Duration, MysqlTime } from '../types/time.js';
import { ExprError, ExprErrorCode } from './context.js';
import { type EvalType, evalTypeOf, fspOf, isUnsignedType, resultTypes, timeTypeOf } from './eval-type.js';
import { detachedValue, type Expr, type ScalarValue } from './expr.js';
import { compareValues } from './functions/compare.js';
import { type Collation, getCollation } from '../types/collation.js';

/**
 * Aggregate functions, in the two halves a distributed plan needs: each region computes
 * a partial result (COUNT as a count, SUM as a sum, AVG as count and sum, MIN/MAX/FIRST
 * as a value, BIT_* as a 64-bit pattern, COUNT/SUM/AVG(DISTINCT) as the set of distinct
 * argument values), and the SQL layer (or an app) merges the partial results of all
 * regions (`DistinctSetMerger` for the distinct sets).
 */
export type AggregateKind = 'count' | 'sum' | 'avg' | 'min' | 'max' | 'first' | 'bitAnd' | 'bitOr' | 'bitXor';

export interface AggregateCall {
  readonly kind: AggregateKind;
  /** One argument; COUNT(DISTINCT a, b, ...) may have several. */
  readonly args: readonly Expr[];
  readonly distinct: boolean;
}

/** Bounds of distinct sets, on the store and where they are merged. */
export const distinctSetLimits = {
  /** Bytes charged per distinct value on top of its encoded entry: the hash set's slot and the string header. */
  entryOverheadBytes: 64,
  /** What one DistinctSetMerger may hold (the store's own bound is the request's memory budget). */
  maxMergedBytes: 512 * 1024 * 1024,
  /** Arguments of one COUNT(DISTINCT ...); MySQL has no limit, but a tuple is one set entry. */
  maxArguments: 64,
} as const;

/** TiDB's ErrMemoryExceedForQuery, the code of a merge that outgrows its bound. */
const memoryLimitErrorCode = 8175;

/**
 * Whether the aggregate's partial result is a distinct set. DISTINCT changes nothing for
 * MIN and MAX, so those keep their plain partial result.
 */
export function isDistinctSetAggregate(aggregate: Pick<AggregateCall, 'kind' | 'distinct'>): boolean {
  return aggregate.distinct && (aggregate.kind === 'count' || aggregate.kind === 'sum' || aggregate.kind === 'avg');
}

/**
 * The type of a distinct set partial result: a binary blob (see `encodeDistinctSet`), of
 * unspecified length (-1): the request's memory budget bounds a set, not its type.
 */
export function distinctSetType(): FieldType {
  return newFieldType(FieldTypeCode.LongBlob, { length: -1, charset: 'binary', collation: 'binary', flags: FieldFlag.Binary | FieldFlag.Blob | FieldFlag.NotNull });
}

/** The column types of an aggregate's partial result, in order. */
export function partialResultTypes(aggregate: AggregateCall): FieldType[] {
  if (isDistinctSetAggregate(aggregate)) return [distinctSetType()];
  const arg = aggregate.args[0];
  switch (aggregate.kind) {
    case 'count':
      return [resultTypes.bigint()];
    case 'sum':
      return [sumType(arg!.type)];
    case 'avg':
      return [resultTypes.bigint(), sumType(arg!.type)];
    case 'min':
    case 'max':
    case 'first':
      return [{ ...arg!.type, flags: arg!.type.flags & ~FieldFlag.NotNull }];
    case 'bitAnd':
    case 'bitOr':
    case 'bitXor':
      return [resultTypes.unsignedBigint()];
  }
}

/** MySQL: SUM and AVG of integers and decimals are DECIMAL, of floats DOUBLE. */
function sumType(type: FieldType): FieldType {
  const evalType = evalTypeOf(type);
  if (evalType === 'real') return resultTypes.double();
  if (evalType === 'int') return resultTypes.decimal(65, 0);
  if (evalType === 'decimal') return resultTypes.decimal(65, Math.max(type.decimals, 0));
  throw new ExprError(ExprErrorCode.unknown, `SUM/AVG of a ${evalType} argument needs a cast to a number first`);
}

/** Where accumulators that grow with their input (distinct sets) account for the memory they hold. */
export interface MemoryCharger {
  /** Throws when the holder's budget is exceeded. */
  chargeMemory(bytes: number): void;
}

const uncharged: MemoryCharger = { chargeMemory: () => {} };

/** The state of one aggregate for one group. */
export interface Accumulator {
  /** One argument value (NULL included; each kind decides what NULL means). */
  add(value: ScalarValue | null): void;
  /** The values of all arguments of one row, for aggregates with several (COUNT(DISTINCT a, b)). */
  addTuple(values: readonly (ScalarValue | null)[]): void;
  /** The partial result's values, in partialResultTypes order. */
  partial(): (ScalarValue | null)[];
}

/** Checks an aggregate's kind, arguments and DISTINCT; throws ExprError for one the coprocessor cannot compute. */
export function checkAggregate(aggregate: AggregateCall): void {
  const name = aggregate.kind.toUpperCase();
  const args = aggregate.args;
  if (args.length === 0) throw new ExprError(ExprErrorCode.wrongArguments, `${name} needs an argument`);
  const multipleAllowed = aggregate.kind === 'count' && aggregate.distinct;
  if (args.length > 1 && !multipleAllowed) throw new ExprError(ExprErrorCode.wrongArguments, `${name} takes one argument, got ${args.length}`);
  if (args.length > distinctSetLimits.maxArguments) throw new ExprError(ExprErrorCode.wrongArguments, `COUNT(DISTINCT ...) takes at most ${distinctSetLimits.maxArguments} arguments, got ${args.length}`);
  const evalType = evalTypeOf(args[0]!.type);
  if (aggregate.distinct && (aggregate.kind === 'first' || aggregate.kind === 'bitAnd' || aggregate.kind === 'bitOr' || aggregate.kind === 'bitXor')) {
    throw new ExprError(ExprErrorCode.unknown, `${name}(DISTINCT ...) is not an aggregate the coprocessor computes`);
  }
  if (isDistinctSetAggregate(aggregate)) {
    // MySQL compares JSON by value, not by its text, so a set of texts would count wrongly.
    if (args.some((arg) => evalTypeOf(arg.type) === 'json')) throw new ExprError(ExprErrorCode.unknown, `${name}(DISTINCT ...) of a JSON argument cannot be pushed down`);
  }
  if (aggregate.kind === 'sum' || aggregate.kind === 'avg') sumType(args[0]!.type);
  if ((aggregate.kind === 'bitAnd' || aggregate.kind === 'bitOr' || aggregate.kind === 'bitXor') && evalType !== 'int') {
    throw new ExprError(ExprErrorCode.unknown, `BIT_${aggregate.kind.slice(3).toUpperCase()} needs an integer argument`);
  }
}

/** A new accumulator; a distinct set charges `memory` for every distinct value it keeps. */
export function newAccumulator(aggregate: AggregateCall, memory: MemoryCharger = uncharged): Accumulator {
  return accumulatorFactory(aggregate, memory)();
}

/**
 * Makes accumulators of one aggregate, one per group: the aggregate is checked once, and
 * what does not vary by group (a distinct set's entry encoder, a collation) is shared.
 */
export function accumulatorFactory(aggregate: AggregateCall, memory: MemoryCharger = uncharged): () => Accumulator {
  checkAggregate(aggregate);
  if (isDistinctSetAggregate(aggregate)) {
    // One encoder for every group: it encodes an entry and is done before the next call.
    const encoder = new DistinctEntryEncoder(aggregate.args.map((arg) => arg.type));
    return () => new DistinctSetAccumulator(encoder, memory);
  }
  const arg = aggregate.args[0]!;
  const evalType = evalTypeOf(arg.type);
  switch (aggregate.kind) {
    case 'count':
      return () => new CountAccumulator();
    case 'sum':
      return () => new SumAccumulator(evalType, false);
    case 'avg':
      return () => new SumAccumulator(evalType, true);
    case 'min':
    case 'max': {
      const collation = getCollation(arg.type.collation === '' ? 'binary' : arg.type.collation);
      const max = aggregate.kind === 'max';
      return () => new ExtremeAccumulator(evalType, collation, max);
    }
    case 'first':
      return () => new FirstAccumulator();
    case 'bitAnd':
    case 'bitOr':
    case 'bitXor': {
      const kind = aggregate.kind;
      return () => new BitAccumulator(kind);
    }
  }
}

/** Accumulators of one argument take a tuple's only value. */
abstract class SingleArgumentAccumulator implements Accumulator {
  abstract add(value: ScalarValue | null): void;
  abstract partial(): (ScalarValue | null)[];
  addTuple(values: readonly (ScalarValue | null)[]): void {
    this.add(values[0]!);
  }
}

/** Integers added to a SUM within ±2^31 go into a double first: a bigint add per row allocates one. */
const smallAddendLimit = 2n ** 31n;
/** Below 2^52 in magnitude, adding one more small addend keeps the double exact (< 2^53). */
const smallSumLimit = 2 ** 52;

class CountAccumulator extends SingleArgumentAccumulator {
  // A double, not a bigint: counting is the hot path and a bigint increment allocates.
  // Exact: a request scans at most coprocessorLimits.maxScannedRows (10^8) rows.
  private count = 0;
  add(value: ScalarValue | null): void {
    if (value !== null) this.count++;
  }
  partial(): (ScalarValue | null)[] {
    return [BigInt(this.count)];
  }
}

class SumAccumulator extends SingleArgumentAccumulator {
  // A double, as COUNT's (exact below 2^53).
  private count = 0;
  /** The integer sum is integerSum + smallSum. Invariant: |smallSum| <= 2^52 + 2^31, an exact integer. */
  private integerSum = 0n;
  private smallSum = 0;
  private decimalSum: Decimal | undefined;
  private realSum = 0;

  constructor(
    private readonly evalType: EvalType,
    private readonly withCount: boolean,
  ) {
    super();
  }

  add(value: ScalarValue | null): void {
    if (value === null) return;
    this.count++;
    // Integers add exactly (small ones in a double while it is exact, the rest in a
    // bigint); decimals in Decimal; floats in a double.
    if (this.evalType === 'int') {
      const integer = value as bigint;
      if (integer < smallAddendLimit && integer > -smallAddendLimit) {
        this.smallSum += Number(integer);
        if (this.smallSum > smallSumLimit || this.smallSum < -smallSumLimit) {
          this.integerSum += BigInt(this.smallSum);
          this.smallSum = 0;
        }
      } else this.integerSum += integer;
    } else if (this.evalType === 'decimal') this.decimalSum = this.decimalSum === undefined ? (value as Decimal) : this.decimalSum.add(value as Decimal);
    else this.realSum += value as number;
  }

  partial(): (ScalarValue | null)[] {
    let sum: ScalarValue | null;
    if (this.count === 0) sum = null;
    else if (this.evalType === 'int') sum = Decimal.fromBigInt(this.integerSum + BigInt(this.smallSum));
    else if (this.evalType === 'decimal') sum = this.decimalSum!;
    else sum = this.realSum;
    return this.withCount ? [BigInt(this.count), sum] : [sum];
  }
}

class ExtremeAccumulator extends SingleArgumentAccumulator {
  private best: ScalarValue | null = null;

  constructor(
    private readonly evalType: EvalType,
    private readonly collation: Collation,
    private readonly max: boolean,
  ) {
    super();
  }

  add(value: ScalarValue | null): void {
    if (value === null) return;
    if (this.best === null) {
      this.best = detachedValue(value);
      return;
    }
    const order = compareValues(this.evalType, value, this.best, this.collation);
    if (this.max ? order > 0 : order < 0) this.best = detachedValue(value);
  }

  partial(): (ScalarValue | null)[] {
    return [this.best];
  }
}

class FirstAccumulator extends SingleArgumentAccumulator {
  private seen = false;
  private value: ScalarValue | null = null;

  add(value: ScalarValue | null): void {
    if (this.seen) return;
    this.seen = true;
    this.value = value === null ? null : detachedValue(value);
  }

  partial(): (ScalarValue | null)[] {
    return [this.value];
  }
}

class BitAccumulator extends SingleArgumentAccumulator {
  // BIT_AND starts with every bit set; NULLs are skipped.
  private bits: bigint;

  constructor(private readonly kind: 'bitAnd' | 'bitOr' | 'bitXor') {
    super();
    this.bits = kind === 'bitAnd' ? (1n << 64n) - 1n : 0n;
  }

  add(value: ScalarValue | null): void {
    if (value === null) return;
    const bits = BigInt.asUintN(64, value as bigint);
    if (this.kind === 'bitAnd') this.bits &= bits;
    else if (this.kind === 'bitOr') this.bits |= bits;
    else this.bits ^= bits;
  }

  partial(): (ScalarValue | null)[] {
    return [this.bits];
  }
}

/*
 * COUNT/SUM/AVG(DISTINCT ...) across regions. A region cannot count distinct values on its
 * own (one value may occur in many regions), so its partial result is the set of distinct
 * argument tuples it saw, and the merge unions the sets of all regions before counting or
 * summing (TiFlash's partial COUNT(DISTINCT) does the same; TiDB over TiKV instead adds
 * the arguments to the pushed-down GROUP BY, which a planner can still do here).
 *
 * The wire form of one set (one BLOB value per group; `encodeDistinctSet`):
 *   set   := entry*           ascending bytewise, no entry twice; empty when no tuple counted
 *   entry := compact bytes    a Go varint length, then the tuple
 *   tuple := one datum per argument in TiDB's memcomparable key encoding (common/codec/datum.ts)
 * Values are normalized first so that equal values encode to equal bytes: strings are their
 * collation's sort key ('a' and 'A' are one entry under utf8mb4_general_ci; the text cannot
 * be recovered), decimals lose trailing fractional zeros (1.0 and 1.00 are one entry), -0 is
 * 0; integers are int datums (uint for an unsigned argument), times their packed uint,
 * durations nanoseconds. A tuple with a NULL in it is not counted, so it is not an entry.
 * Sorted entries make a set's bytes a function of its contents alone.
 */

interface EntryPart {
  readonly type: FieldType;
  readonly evalType: EvalType;
  readonly unsigned: boolean;
  readonly collation: Collation;
}

function entryPartsOf(argTypes: readonly FieldType[]): EntryPart[] {
  return argTypes.map((type) => ({ type, evalType: evalTypeOf(type), unsigned: isUnsignedType(type), collation: getCollation(type.collation === '' ? 'binary' : type.collation) }));
}

/** Bytes as a string of one character per byte: V8 keeps it one byte per character, and string order is byte order. */
function bytesAsKey(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

function keyAsBytes(key: string): Uint8Array {
  return Buffer.from(key, 'latin1');
}

/** The same decimal without trailing fractional zeros, so 1.0 and 1.00 encode alike. */
function withoutTrailingZeros(value: Decimal): Decimal {
  let { coefficient, scale } = value;
  if (scale === 0 || coefficient % 10n !== 0n) return value;
  while (scale > 0 && coefficient % 10n === 0n) {
    coefficient /= 10n;
    scale--;
  }
  return Decimal.fromScaled(coefficient, scale);
}

/** A decimal with at least `scale` fractional digits (trailing zeros added, none removed). */
function withScaleAtLeast(value: Decimal, scale: number): Decimal {
  if (value.scale >= scale) return value;
  return Decimal.fromScaled(value.coefficient * 10n ** BigInt(scale - value.scale), scale);
}

function entryDatum(part: EntryPart, value: ScalarValue): Datum {
  switch (part.evalType) {
    case 'int':
      return part.unsigned ? uintDatum(value as bigint) : intDatum(value as bigint);
    case 'real':
      return floatDatum((value as number) + 0);
    case 'decimal': {
      const normalized = withoutTrailingZeros(value as Decimal);
      return { kind: 'decimal', value: normalized, precision: normalized.precision, frac: normalized.frac };
    }
    case 'bytes':
      return bytesDatum(part.collation.sortKeyFromBytes(value as Uint8Array));
    case 'time':
      return uintDatum((value as MysqlTime).toPackedUint());
    case 'duration':
      return { kind: 'duration', value: value as Duration };
    case 'json':
      // checkAggregate refuses JSON arguments before any accumulator exists.
      throw new ExprError(ExprErrorCode.unknown, 'a JSON value cannot be a distinct set entry');
  }
}

function entryValue(part: EntryPart, datum: Datum): ScalarValue {
  switch (datum.kind) {
    case 'int':
    case 'uint':
      if (part.evalType === 'int') return datum.value;
      if (part.evalType === 'time') return MysqlTime.fromPackedUint(datum.value, timeTypeOf(part.type), fspOf(part.type));
      break;
    case 'float':
      if (part.evalType === 'real') return datum.value;
      break;
    case 'decimal':
      if (part.evalType === 'decimal') return datum.value;
      break;
    case 'bytes':
      if (part.evalType === 'bytes') return datum.value;
      break;
    case 'duration':
      if (part.evalType === 'duration') return Duration.fromNanoseconds(datum.value.nanoseconds, fspOf(part.type));
      break;
    default:
      break;
  }
  throw new CodecError(`a distinct set entry holds a ${datum.kind} datum where a ${part.evalType} value belongs`);
}

/** Encodes argument tuples as set entries (see above), reusing one buffer. */
export class DistinctEntryEncoder {
  private readonly parts: readonly EntryPart[];
  private readonly writer = new ByteWriter(64);

  constructor(argTypes: readonly FieldType[]) {
    this.parts = entryPartsOf(argTypes);
  }

  /** The entry of a one-argument tuple, as a byte string (`bytesAsKey`). */
  encodeValue(value: ScalarValue): string {
    this.writer.reset();
    encodeDatum(this.writer, entryDatum(this.parts[0]!, value), true);
    return bytesAsKey(this.writer.written());
  }

  /** The entry of a tuple, or undefined when a value is NULL (such a tuple is not counted). */
  encodeTuple(values: readonly (ScalarValue | null)[]): string | undefined {
    if (values.length !== this.parts.length) throw new ExprError(ExprErrorCode.wrongArguments, `a tuple of ${values.length} values for ${this.parts.length} arguments`);
    for (const value of values) if (value === null) return undefined;
    this.writer.reset();
    for (let index = 0; index < values.length; index++) encodeDatum(this.writer, entryDatum(this.parts[index]!, values[index]!), true);
    return bytesAsKey(this.writer.written());
  }
}

/** A set's wire form from its entries (byte strings, each once), sorted. */
export function encodeDistinctSet(entries: Iterable<string>): Uint8Array {
  // The default sort compares UTF-16 code units, which for byte strings is bytewise order.
  const sorted = [...entries].sort();
  let size = 0;
  for (const entry of sorted) size += entry.length + 5;
  const writer = new ByteWriter(Math.max(size, 1));
  for (const entry of sorted) encodeCompactBytes(writer, keyAsBytes(entry));
  return writer.finish();
}

/** A set's entries as byte strings; throws CodecError unless the set is well formed (non-empty entries, strictly ascending). */
export function decodeDistinctSet(set: Uint8Array): string[] {
  const reader = new ByteReader(set);
  const entries: string[] = [];
  let previous: string | undefined;
  while (!reader.atEnd) {
    const entry = bytesAsKey(decodeCompactBytes(reader));
    if (entry.length === 0) throw new CodecError('a distinct set entry is empty');
    if (previous !== undefined && entry <= previous) throw new CodecError('distinct set entries are not strictly ascending');
    entries.push(entry);
    previous = entry;
  }
  return entries;
}

/** The values of one entry (strings come back as their collation's sort key). */
export function decodeDistinctEntry(entry: string, argTypes: readonly FieldType[]): ScalarValue[] {
  return decodeEntry(keyAsBytes(entry), entryPartsOf(argTypes));
}

function decodeEntry(entry: Uint8Array, parts: readonly EntryPart[]): ScalarValue[] {
  const reader = new ByteReader(entry);
  const values = parts.map((part) => entryValue(part, decodeDatum(reader)));
  if (!reader.atEnd) throw new CodecError(`a distinct set entry has ${reader.remaining} bytes after its ${parts.length} values`);
  return values;
}

/** One group's distinct set on a store; every new entry is charged to the request's memory budget. */
class DistinctSetAccumulator implements Accumulator {
  private readonly entries = new Set<string>();

  constructor(
    private readonly encoder: DistinctEntryEncoder,
    private readonly memory: MemoryCharger,
  ) {}

  add(value: ScalarValue | null): void {
    if (value === null) return;
    this.insert(this.encoder.encodeValue(value));
  }

  addTuple(values: readonly (ScalarValue | null)[]): void {
    const entry = this.encoder.encodeTuple(values);
    if (entry !== undefined) this.insert(entry);
  }

  private insert(entry: string): void {
    if (this.entries.has(entry)) return;
    // Charged before it is kept: a set past the budget stops the request instead of growing.
    this.memory.chargeMemory(entry.length + distinctSetLimits.entryOverheadBytes);
    this.entries.add(entry);
  }

  partial(): (ScalarValue | null)[] {
    return [encodeDistinctSet(this.entries)];
  }
}

/**
 * The final phase of COUNT/SUM/AVG(DISTINCT ...): unions the partial sets of one group from
 * every region (and every page of a paged request) and computes the aggregate over the
 * union. Construct it with the same AggregateCall the DAG was built with.
 */
export class DistinctSetMerger {
  private readonly entries = new Set<string>();
  private readonly parts: readonly EntryPart[];
  private heldBytes = 0;

  constructor(
    readonly aggregate: AggregateCall,
    private readonly maxHeldBytes: number = distinctSetLimits.maxMergedBytes,
  ) {
    checkAggregate(aggregate);
    if (!isDistinctSetAggregate(aggregate)) throw new ExprError(ExprErrorCode.wrongArguments, `${aggregate.kind.toUpperCase()} without DISTINCT has no distinct set to merge`);
    this.parts = entryPartsOf(aggregate.args.map((arg) => arg.type));
  }

  /** The distinct tuples so far. */
  get size(): number {
    return this.entries.size;
  }

  /** Adds one partial set, as read from a result column (`distinctSetType`). */
  add(partial: ScalarValue | null): void {
    // Stores never send NULL for a set; an empty set is empty bytes. NULL adds nothing all the same.
    if (partial === null) return;
    if (!(partial instanceof Uint8Array)) throw new CodecError('a distinct set partial result must be bytes');
    for (const entry of decodeDistinctSet(partial)) {
      if (this.entries.has(entry)) continue;
      this.heldBytes += entry.length + distinctSetLimits.entryOverheadBytes;
      if (this.heldBytes > this.maxHeldBytes) throw new ExprError(memoryLimitErrorCode, `merging ${this.aggregate.kind.toUpperCase()}(DISTINCT ...) needs more than ${this.maxHeldBytes} bytes`);
      this.entries.add(entry);
    }
  }

  /** The distinct tuples in entry order; strings come back as their collation's sort key. */
  tuples(): ScalarValue[][] {
    return [...this.entries].sort().map((entry) => decodeEntry(keyAsBytes(entry), this.parts));
  }

  /**
   * The aggregate's value: COUNT a bigint; SUM a DECIMAL (integers, decimals, with the
   * argument's scale) or DOUBLE; AVG a DECIMAL with 4 more fractional digits than the sum
   * (MySQL's div_precision_increment) or DOUBLE. SUM and AVG of no values are NULL.
   */
  result(): ScalarValue | null {
    if (this.aggregate.kind === 'count') return BigInt(this.entries.size);
    if (this.entries.size === 0) return null;
    const part = this.parts[0]!;
    // Summed in entry order, so floating-point rounding does not depend on arrival order.
    const sum = new SumAccumulator(part.evalType, false);
    for (const [value] of this.tuples()) sum.add(value!);
    let total = sum.partial()[0]!;
    if (total instanceof Decimal) total = withScaleAtLeast(total, Math.max(part.type.decimals, 0));
    if (this.aggregate.kind === 'sum') return total;
    const count = this.entries.size;
    if (typeof total === 'number') return total / count;
    return (total as Decimal).div(Decimal.fromBigInt(BigInt(count)));
  }
}
