import * as dagpb from '../../proto/gen/dagpb.js';
import { ByteReader, ByteWriter } from '../codec/buffer.js';
import { decodeDecimal, encodeDecimal } from '../codec/datum.js';
import { CodecError } from '../errors.js';
import { getCollation } from '../types/collation.js';
import type { Decimal } from '../types/decimal.js';
import { type FieldType, FieldTypeCode } from '../types/field-type.js';
import { Duration, MysqlTime, TimeError } from '../types/time.js';
import { ExprError, ExprErrorCode } from './context.js';
import { evalTypeOf, fspOf, isUnsignedType, timeTypeOf } from './eval-type.js';
import type { Expr, ScalarValue } from './expr.js';
import { type AggregateCall, type AggregateKind, partialResultTypes } from './aggregate.js';

/**
 * Expressions on the wire (dagpb.Expr). A constant's `val` is encoded by kind:
 * Int64/Uint64/ColumnRef 8 bytes big-endian, Float64 the IEEE bits big-endian,
 * String/Bytes/MysqlJson the bytes themselves, MysqlDecimal the datum decimal encoding
 * (precision, frac, binary form), MysqlTime the packed uint64 (its field type says DATE,
 * DATETIME or TIMESTAMP), MysqlDuration the nanoseconds as int64.
 */

export function fieldTypeToProto(type: FieldType): dagpb.FieldType {
  return {
    tp: type.code,
    flag: type.flags,
    // As TiDB's int32(flen): LONGBLOB, LONGTEXT and JSON's 4294967295 goes as -1 (unspecified).
    flen: type.length > 0x7fffffff ? -1 : type.length,
    decimal: type.decimals,
    collate: getCollation(type.collation === '' ? 'binary' : type.collation).id,
    charset: type.charset,
    elems: [...(type.elements ?? [])],
  };
}

const knownTypeCodes = new Set<number>(Object.values(FieldTypeCode));

export function fieldTypeFromProto(type: dagpb.FieldType | undefined): FieldType {
  if (type === undefined) throw new ExprError(ExprErrorCode.unknown, 'an expression without a field type');
  if (!knownTypeCodes.has(type.tp)) throw new ExprError(ExprErrorCode.unknown, `unknown field type code ${type.tp}`);
  const collation = getCollation(type.collate === 0 ? 'binary' : type.collate);
  const result: FieldType = {
    code: type.tp as FieldTypeCode,
    flags: type.flag,
    length: type.flen,
    decimals: type.decimal,
    charset: type.charset === '' ? collation.charset : type.charset,
    collation: collation.name,
  };
  if (type.elems.length > 0) result.elements = type.elems;
  return result;
}

export function exprToProto(expr: Expr): dagpb.Expr {
  const fieldType = fieldTypeToProto(expr.type);
  const base = { children: [] as dagpb.Expr[], sig: dagpb.ScalarFuncSig.Unspecified, fieldType, hasDistinct: false };
  switch (expr.kind) {
    case 'column':
      return { ...base, tp: dagpb.ExprType.ColumnRef, val: int64Bytes(BigInt(expr.index)) };
    case 'call':
      return { ...base, tp: dagpb.ExprType.ScalarFunc, val: Buffer.alloc(0), sig: expr.sig, children: expr.args.map(exprToProto) };
    case 'constant': {
      const { tp, val } = encodeConstant(expr.value, expr.type);
      return { ...base, tp, val };
    }
  }
}

export function exprFromProto(expr: dagpb.Expr): Expr {
  const type = fieldTypeFromProto(expr.fieldType);
  switch (expr.tp) {
    case dagpb.ExprType.ColumnRef: {
      const index = readInt64(expr.val, 'column offset');
      if (index < 0n || index > 0xffffn) throw new ExprError(ExprErrorCode.unknown, `bad column offset ${index}`);
      return { kind: 'column', index: Number(index), type };
    }
    case dagpb.ExprType.ScalarFunc:
      return { kind: 'call', sig: expr.sig, args: expr.children.map(exprFromProto), type };
    default:
      return { kind: 'constant', value: decodeConstant(expr.tp, expr.val, type), type };
  }
}

function int64Bytes(value: bigint): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigInt64BE(BigInt.asIntN(64, value));
  return bytes;
}

function readInt64(bytes: Uint8Array, what: string): bigint {
  if (bytes.length !== 8) throw new ExprError(ExprErrorCode.unknown, `${what}: expected 8 bytes, got ${bytes.length}`);
  return Buffer.from(bytes.buffer, bytes.byteOffset, 8).readBigInt64BE();
}

function encodeConstant(value: ScalarValue | null, type: FieldType): { tp: dagpb.ExprType; val: Buffer } {
  if (value === null) return { tp: dagpb.ExprType.Null, val: Buffer.alloc(0) };
  switch (evalTypeOf(type)) {
    case 'int':
      return isUnsignedType(type) ? { tp: dagpb.ExprType.Uint64, val: int64Bytes(value as bigint) } : { tp: dagpb.ExprType.Int64, val: int64Bytes(value as bigint) };
    case 'real': {
      const bytes = Buffer.alloc(8);
      bytes.writeDoubleBE(value as number);
      return { tp: dagpb.ExprType.Float64, val: bytes };
    }
    case 'decimal': {
      const decimal = value as Decimal;
      const writer = new ByteWriter();
      encodeDecimal(writer, decimal, Math.max(decimal.precision, 1), decimal.frac);
      return { tp: dagpb.ExprType.MysqlDecimal, val: Buffer.from(writer.finish()) };
    }
    case 'bytes':
      return { tp: dagpb.ExprType.Bytes, val: Buffer.from(value as Uint8Array) };
    case 'json':
      return { tp: dagpb.ExprType.MysqlJson, val: Buffer.from(value as Uint8Array) };
    case 'time':
      return { tp: dagpb.ExprType.MysqlTime, val: int64Bytes((value as MysqlTime).toPackedUint()) };
    case 'duration':
      return { tp: dagpb.ExprType.MysqlDuration, val: int64Bytes((value as Duration).nanoseconds) };
  }
}

function decodeConstant(tp: dagpb.ExprType, val: Uint8Array, type: FieldType): ScalarValue | null {
  try {
    switch (tp) {
      case dagpb.ExprType.Null:
        return null;
      case dagpb.ExprType.Int64:
        return readInt64(val, 'int constant');
      case dagpb.ExprType.Uint64:
        return BigInt.asUintN(64, readInt64(val, 'uint constant'));
      case dagpb.ExprType.Float32:
      case dagpb.ExprType.Float64:
        if (val.length !== 8) throw new CodecError(`float constant: expected 8 bytes, got ${val.length}`);
        return Buffer.from(val.buffer, val.byteOffset, 8).readDoubleBE();
      case dagpb.ExprType.String:
      case dagpb.ExprType.Bytes:
      case dagpb.ExprType.MysqlJson:
        return Uint8Array.from(val);
      case dagpb.ExprType.MysqlDecimal: {
        const reader = new ByteReader(val);
        const decoded = decodeDecimal(reader).value;
        if (!reader.atEnd) throw new CodecError(`decimal constant has ${reader.remaining} trailing bytes`);
        return decoded;
      }
      case dagpb.ExprType.MysqlTime:
        return MysqlTime.fromPackedUint(BigInt.asUintN(64, readInt64(val, 'time constant')), timeTypeOf(type), fspOf(type));
      case dagpb.ExprType.MysqlDuration:
        return Duration.fromNanoseconds(readInt64(val, 'duration constant'), fspOf(type));
      default:
        throw new ExprError(ExprErrorCode.unknown, `expression type ${tp} cannot be evaluated as a scalar`);
    }
  } catch (error) {
    if (error instanceof CodecError || error instanceof TimeError) throw new ExprError(ExprErrorCode.unknown, `bad constant: ${error.message}`);
    throw error;
  }
}

const aggregateExprTypes: Readonly<Record<AggregateKind, dagpb.ExprType>> = {
  count: dagpb.ExprType.Count,
  sum: dagpb.ExprType.Sum,
  avg: dagpb.ExprType.Avg,
  min: dagpb.ExprType.Min,
  max: dagpb.ExprType.Max,
  first: dagpb.ExprType.First,
  bitAnd: dagpb.ExprType.BitAnd,
  bitOr: dagpb.ExprType.BitOr,
  bitXor: dagpb.ExprType.BitXor,
};

const aggregateKinds = new Map<number, AggregateKind>(Object.entries(aggregateExprTypes).map(([kind, tp]) => [tp, kind as AggregateKind]));

/** An aggregate on the wire: its kind as the expression type, its arguments as the children (one, or several for COUNT(DISTINCT a, b)). */
export function aggregateToProto(aggregate: AggregateCall): dagpb.Expr {
  return {
    tp: aggregateExprTypes[aggregate.kind],
    val: Buffer.alloc(0),
    children: aggregate.args.map(exprToProto),
    sig: dagpb.ScalarFuncSig.Unspecified,
    fieldType: fieldTypeToProto(partialResultTypes(aggregate)[0]!),
    hasDistinct: aggregate.distinct,
  };
}

export function aggregateFromProto(expr: dagpb.Expr): AggregateCall {
  const kind = aggregateKinds.get(expr.tp);
  if (kind === undefined) throw new ExprError(ExprErrorCode.unknown, `aggregate function ${expr.tp} cannot run in the coprocessor`);
  if (expr.children.length !== 1 && !(kind === 'count' && expr.hasDistinct)) throw new ExprError(ExprErrorCode.wrongArguments, `${kind.toUpperCase()} takes one argument, got ${expr.children.length}`);
  return { kind, args: expr.children.map(exprFromProto), distinct: expr.hasDistinct };
}
