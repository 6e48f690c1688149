/**
 * The text a MySQL/MariaDB server sends for a value in the text protocol, derived from the
 * value's field type as the server derives it: a DECIMAL with its type's scale, a
 * DATETIME/TIME with its type's fsp, a DOUBLE in MySQL's shortest form (or with fixed
 * decimals when its type has them), a FLOAT with 6 significant digits. CAST(x AS CHAR)
 * produces the same text.
 */
import { Decimal } from '../types/decimal.js';
import { FieldFlag, type FieldType, FieldTypeCode, hasFlag, isBinaryString } from '../types/field-type.js';
import { formatDouble, formatFixedReal, formatFloat } from '../types/number-text.js';
import { Duration, MysqlTime } from '../types/time.js';
import { evalTypeOf, fspOf, timeTypeOf } from './eval-type.js';
import type { ScalarValue } from './expr.js';

/** MySQL's NOT_FIXED_DEC: a DOUBLE whose type has 31 or more (or unset) decimals prints in the shortest form. */
const notFixedDecimals = 31;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Lenient = new TextDecoder('utf-8');
const encoder = new TextEncoder();

/** Bytes as text: UTF-8 where they are valid UTF-8, otherwise one character per byte (U+0000..U+00FF). */
export function bytesAsText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    let out = '';
    for (const byte of bytes) out += String.fromCharCode(byte);
    return out;
  }
}

function realText(value: number, type: FieldType): string {
  if (type.decimals >= 0 && type.decimals < notFixedDecimals) return formatFixedReal(value, type.decimals);
  return type.code === FieldTypeCode.Float ? formatFloat(value) : formatDouble(value);
}

function decimalText(value: Decimal, type: FieldType): string {
  // The type's scale decides the digits after the point (1.5 in DECIMAL(5,2) is 1.50).
  const scale = type.decimals >= 0 && type.decimals <= 30 ? type.decimals : value.scale;
  return (scale === value.scale ? value : value.round(scale)).toString();
}

function integerText(value: bigint, type: FieldType): string {
  const unsigned = hasFlag(type.flags, FieldFlag.Unsigned);
  const text = String(unsigned ? BigInt.asUintN(64, value) : BigInt.asIntN(64, value));
  if (type.code === FieldTypeCode.Year) return text.padStart(4, '0');
  if (hasFlag(type.flags, FieldFlag.Zerofill) && type.length > text.length) return text.padStart(type.length, '0');
  return text;
}

function timeText(value: MysqlTime, type: FieldType): string {
  const timeType = timeTypeOf(type);
  const fsp = timeType === 'date' ? 0 : fspOf(type);
  if (value.type === timeType && value.fsp === fsp) return value.toString();
  const fields = { year: value.year, month: value.month, day: value.day };
  if (timeType === 'date') return MysqlTime.fromFields(fields, 'date').toString();
  // The value was rounded to its type when computed; only the digits shown follow the type.
  return MysqlTime.fromFields({ ...fields, hour: value.hour, minute: value.minute, second: value.second, microsecond: value.microsecond }, timeType, fsp).toString();
}

function durationText(value: Duration, type: FieldType): string {
  const fsp = fspOf(type);
  return value.fsp === fsp ? value.toString() : Duration.fromNanoseconds(value.nanoseconds - (value.nanoseconds % 10n ** BigInt(9 - fsp)), fsp).toString();
}

/**
 * The bytes a server sends for `value` of `type` in the text protocol; null for SQL NULL.
 * Strings and JSON are their own bytes (raw for the binary charset), everything else the
 * ASCII text of `formatValue`.
 */
export function formatValueBytes(value: ScalarValue | null, type: FieldType): Uint8Array | null {
  if (value === null) return null;
  if (value instanceof Uint8Array) return value;
  return encoder.encode(formatScalar(value, type));
}

/**
 * The text a server sends for `value` of `type` in the text protocol (what `mariadb -N -B`
 * prints, before the client's escaping); null for SQL NULL. Strings are decoded as UTF-8;
 * bytes of a binary string that are not valid UTF-8 become one character each
 * (U+0000..U+00FF, the bytes read as latin1), so no byte is lost: `formatValueBytes`
 * gives the exact bytes.
 */
export function formatValue(value: ScalarValue | null, type: FieldType): string | null {
  if (value === null) return null;
  if (value instanceof Uint8Array) return isBinaryString(type) ? bytesAsText(value) : utf8Lenient.decode(value);
  return formatScalar(value, type);
}

function formatScalar(value: Exclude<ScalarValue, Uint8Array>, type: FieldType): string {
  if (typeof value === 'bigint') {
    if (type.code === FieldTypeCode.Bit) return bitText(value, type);
    return integerText(value, type);
  }
  if (typeof value === 'number') {
    // An int-typed slot never holds a number; a real one prints by its type.
    return evalTypeOf(type) === 'real' ? realText(value, type) : formatDouble(value);
  }
  if (value instanceof Decimal) return decimalText(value, type);
  if (value instanceof MysqlTime) return evalTypeOf(type) === 'time' ? timeText(value, type) : value.toString();
  return evalTypeOf(type) === 'duration' ? durationText(value, type) : value.toString();
}

/** A BIT(n) value as the server sends it: its bytes, big-endian, (n + 7) / 8 of them, read as latin1. */
function bitText(value: bigint, type: FieldType): string {
  const byteCount = Math.max(1, Math.ceil(Math.max(type.length, 1) / 8));
  let out = '';
  for (let index = byteCount - 1; index >= 0; index--) out += String.fromCharCode(Number((BigInt.asUintN(64, value) >> BigInt(index * 8)) & 0xffn));
  return out;
}
