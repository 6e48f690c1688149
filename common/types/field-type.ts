/**
 * MySQL column types as the wire protocol and TiDB's catalog describe them: the type code,
 * the column flags, and the length/decimals/charset/collation that complete a type.
 */

/** MySQL protocol type codes (`enum_field_types`). The numbers are part of the wire format. */
export const FieldTypeCode = {
  Decimal: 0,
  Tiny: 1,
  Short: 2,
  Long: 3,
  Float: 4,
  Double: 5,
  Null: 6,
  Timestamp: 7,
  LongLong: 8,
  Int24: 9,
  Date: 10,
  /** MySQL TIME. */
  Duration: 11,
  Datetime: 12,
  Year: 13,
  NewDate: 14,
  Varchar: 15,
  Bit: 16,
  JSON: 245,
  NewDecimal: 246,
  Enum: 247,
  Set: 248,
  TinyBlob: 249,
  MediumBlob: 250,
  LongBlob: 251,
  Blob: 252,
  VarString: 253,
  String: 254,
  Geometry: 255,
} as const;

export type FieldTypeCode = (typeof FieldTypeCode)[keyof typeof FieldTypeCode];

/** Column definition flags as sent in the protocol's column definition packet. */
export const FieldFlag = {
  NotNull: 1,
  PriKey: 2,
  UniqueKey: 4,
  MultipleKey: 8,
  Blob: 16,
  Unsigned: 32,
  Zerofill: 64,
  Binary: 128,
  Enum: 256,
  AutoIncrement: 512,
  Timestamp: 1024,
  Set: 2048,
  NoDefaultValue: 4096,
  OnUpdateNow: 8192,
  PartKey: 16384,
  Num: 32768,
  /** Shares its bit with Num, as in MySQL; only used internally by GROUP BY. */
  Group: 32768,
  Unique: 65536,
  BinaryCompare: 131072,
} as const;

export type FieldFlag = (typeof FieldFlag)[keyof typeof FieldFlag];

/** Collation IDs as sent in the handshake and column definitions. */
export const CollationId = {
  utf8mb4GeneralCi: 45,
  utf8mb4Bin: 46,
  binary: 63,
  /** Only the ID is known; the collation itself is not implemented. */
  utf8mb4UnicodeCi: 224,
} as const;

export type CollationId = (typeof CollationId)[keyof typeof CollationId];

/** Hard limits of MySQL's type system (values from the MySQL reference manual). */
export const FieldTypeLimit = {
  /** Display width of integer types, `INT(255)`. */
  maxIntegerDisplayWidth: 255,
  maxDecimalPrecision: 65,
  maxDecimalScale: 30,
  /** `FLOAT(M,D)`/`DOUBLE(M,D)`: M <= 255, D <= 30. */
  maxFloatDisplayWidth: 255,
  maxFloatScale: 30,
  /** `FLOAT(p)` becomes DOUBLE above 24 and is rejected above 53. */
  maxFloatPrecision: 53,
  maxCharLength: 255,
  /** VARCHAR's limit in bytes (the row limit); in characters it is smaller for utf8mb4. */
  maxVarcharBytes: 65535,
  maxBitWidth: 64,
  maxEnumElements: 65535,
  maxSetElements: 64,
  /** Fractional seconds precision of TIME/DATETIME/TIMESTAMP. */
  maxFsp: 6,
} as const;

/**
 * A full column type. `length` is MySQL's display length/precision (`flen`), -1 when not
 * set; `decimals` is the scale or fsp, -1 when not set (FLOAT/DOUBLE without (M,D)).
 */
export interface FieldType {
  code: FieldTypeCode;
  flags: number;
  length: number;
  decimals: number;
  /** Character set name, e.g. 'utf8mb4' or 'binary'. */
  charset: string;
  /** Collation name, e.g. 'utf8mb4_bin'. */
  collation: string;
  /** Member names of ENUM and SET columns, in declaration order. */
  elements?: readonly string[];
}

/** Sentinel for "length or decimals not specified". */
export const unspecifiedLength = -1;

export function hasFlag(flags: number, flag: FieldFlag): boolean {
  return (flags & flag) !== 0;
}

export function isUnsigned(type: Pick<FieldType, 'flags'>): boolean {
  return hasFlag(type.flags, FieldFlag.Unsigned);
}

export function isNotNull(type: Pick<FieldType, 'flags'>): boolean {
  return hasFlag(type.flags, FieldFlag.NotNull);
}

/** TINYINT, SMALLINT, MEDIUMINT, INT and BIGINT (not YEAR or BIT). */
export function isInteger(code: FieldTypeCode): boolean {
  return (
    code === FieldTypeCode.Tiny ||
    code === FieldTypeCode.Short ||
    code === FieldTypeCode.Int24 ||
    code === FieldTypeCode.Long ||
    code === FieldTypeCode.LongLong
  );
}

export function isFloatingPoint(code: FieldTypeCode): boolean {
  return code === FieldTypeCode.Float || code === FieldTypeCode.Double;
}

export function isDecimal(code: FieldTypeCode): boolean {
  return code === FieldTypeCode.NewDecimal || code === FieldTypeCode.Decimal;
}

/** Every numeric type, including BIT and YEAR which MySQL also treats as numbers. */
export function isNumeric(code: FieldTypeCode): boolean {
  return (
    isInteger(code) ||
    isFloatingPoint(code) ||
    isDecimal(code) ||
    code === FieldTypeCode.Bit ||
    code === FieldTypeCode.Year
  );
}

export function isBlob(code: FieldTypeCode): boolean {
  return (
    code === FieldTypeCode.TinyBlob ||
    code === FieldTypeCode.Blob ||
    code === FieldTypeCode.MediumBlob ||
    code === FieldTypeCode.LongBlob
  );
}

/**
 * Types whose values are character or byte strings: CHAR, VARCHAR, BINARY, VARBINARY, the
 * BLOB/TEXT family, ENUM and SET (the last two travel as strings on the wire).
 */
export function isString(code: FieldTypeCode): boolean {
  return (
    code === FieldTypeCode.Varchar ||
    code === FieldTypeCode.VarString ||
    code === FieldTypeCode.String ||
    isBlob(code) ||
    code === FieldTypeCode.Enum ||
    code === FieldTypeCode.Set
  );
}

/** DATE, DATETIME and TIMESTAMP (values of `MysqlTime`). */
export function isTime(code: FieldTypeCode): boolean {
  return (
    code === FieldTypeCode.Date ||
    code === FieldTypeCode.NewDate ||
    code === FieldTypeCode.Datetime ||
    code === FieldTypeCode.Timestamp
  );
}

/** DATE, DATETIME, TIMESTAMP, TIME and YEAR. */
export function isTemporal(code: FieldTypeCode): boolean {
  return isTime(code) || code === FieldTypeCode.Duration || code === FieldTypeCode.Year;
}

/** A string type whose values are raw bytes (BINARY, VARBINARY, BLOB) rather than text. */
export function isBinaryString(type: Pick<FieldType, 'code' | 'charset'>): boolean {
  return isString(type.code) && type.charset === 'binary';
}

interface DefaultLength {
  readonly length: number;
  readonly decimals: number;
}

// MySQL's default display length and decimals of a type written without (M) or (M,D),
// e.g. `INT` is `INT(11)`, `DECIMAL` is `DECIMAL(10,0)`. ENUM and SET derive theirs
// from their elements, so they have none.
const defaultLengths: ReadonlyMap<FieldTypeCode, DefaultLength> = new Map<FieldTypeCode, DefaultLength>([
  [FieldTypeCode.Bit, { length: 1, decimals: 0 }],
  [FieldTypeCode.Tiny, { length: 4, decimals: 0 }],
  [FieldTypeCode.Short, { length: 6, decimals: 0 }],
  [FieldTypeCode.Int24, { length: 9, decimals: 0 }],
  [FieldTypeCode.Long, { length: 11, decimals: 0 }],
  [FieldTypeCode.LongLong, { length: 20, decimals: 0 }],
  [FieldTypeCode.Float, { length: 12, decimals: unspecifiedLength }],
  [FieldTypeCode.Double, { length: 22, decimals: unspecifiedLength }],
  [FieldTypeCode.Decimal, { length: 10, decimals: 0 }],
  [FieldTypeCode.NewDecimal, { length: 10, decimals: 0 }],
  [FieldTypeCode.Duration, { length: 10, decimals: 0 }],
  [FieldTypeCode.Date, { length: 10, decimals: 0 }],
  [FieldTypeCode.NewDate, { length: 10, decimals: 0 }],
  [FieldTypeCode.Timestamp, { length: 19, decimals: 0 }],
  [FieldTypeCode.Datetime, { length: 19, decimals: 0 }],
  [FieldTypeCode.Year, { length: 4, decimals: 0 }],
  [FieldTypeCode.String, { length: 1, decimals: 0 }],
  [FieldTypeCode.Varchar, { length: 5, decimals: 0 }],
  [FieldTypeCode.VarString, { length: 5, decimals: 0 }],
  [FieldTypeCode.TinyBlob, { length: 255, decimals: 0 }],
  [FieldTypeCode.Blob, { length: 65535, decimals: 0 }],
  [FieldTypeCode.MediumBlob, { length: 16777215, decimals: 0 }],
  [FieldTypeCode.LongBlob, { length: 4294967295, decimals: 0 }],
  [FieldTypeCode.JSON, { length: 4294967295, decimals: 0 }],
  [FieldTypeCode.Null, { length: 0, decimals: 0 }],
  [FieldTypeCode.Geometry, { length: 4294967295, decimals: 0 }],
]);

/**
 * The display length MySQL gives a type declared without one. Unsigned integers are one
 * shorter because they have no sign (`INT UNSIGNED` is `INT(10)`); BIGINT is 20 either way.
 * Returns `unspecifiedLength` for ENUM and SET.
 */
export function defaultLength(code: FieldTypeCode, unsigned = false): number {
  const entry = defaultLengths.get(code);
  if (entry === undefined) return unspecifiedLength;
  if (unsigned && isInteger(code) && code !== FieldTypeCode.LongLong) return entry.length - 1;
  return entry.length;
}

/** The decimals MySQL gives a type declared without them (-1 for FLOAT/DOUBLE). */
export function defaultDecimals(code: FieldTypeCode): number {
  return defaultLengths.get(code)?.decimals ?? 0;
}

/**
 * The display width of a temporal type with `fsp` fractional digits: the width without
 * fraction plus the point and the digits, so DATETIME(3) is 23 and TIME(6) is 17.
 */
export function temporalDisplayLength(code: FieldTypeCode, fsp: number): number {
  const base = defaultLength(code);
  return fsp > 0 ? base + 1 + fsp : base;
}

/** The inclusive value range of an integer type, as bigints. */
export function integerRange(code: FieldTypeCode, unsigned: boolean): { min: bigint; max: bigint } {
  const bits = integerBits(code);
  if (unsigned) return { min: 0n, max: (1n << BigInt(bits)) - 1n };
  return { min: -(1n << BigInt(bits - 1)), max: (1n << BigInt(bits - 1)) - 1n };
}

function integerBits(code: FieldTypeCode): number {
  switch (code) {
    case FieldTypeCode.Tiny:
      return 8;
    case FieldTypeCode.Short:
      return 16;
    case FieldTypeCode.Int24:
      return 24;
    case FieldTypeCode.Long:
      return 32;
    case FieldTypeCode.LongLong:
      return 64;
    default:
      throw new RangeError(`type code ${code} is not an integer type`);
  }
}

/** The default charset/collation pair of a new column: strings are utf8mb4_bin as in TiDB. */
export function defaultCharsetAndCollation(code: FieldTypeCode): { charset: string; collation: string } {
  if (isString(code)) return { charset: 'utf8mb4', collation: 'utf8mb4_bin' };
  return { charset: 'binary', collation: 'binary' };
}

/**
 * Builds a FieldType with MySQL's defaults for whatever `overrides` leaves out. Numeric and
 * temporal types carry the Binary flag as in MySQL; the Num flag marks numeric columns.
 */
export function newFieldType(
  code: FieldTypeCode,
  overrides: Partial<Omit<FieldType, 'code'>> = {},
): FieldType {
  const flags = overrides.flags ?? 0;
  const unsigned = hasFlag(flags, FieldFlag.Unsigned);
  const { charset, collation } = defaultCharsetAndCollation(code);
  let implicitFlags = 0;
  if (isNumeric(code) || isTemporal(code)) implicitFlags |= FieldFlag.Binary;
  if (isNumeric(code)) implicitFlags |= FieldFlag.Num;
  const type: FieldType = {
    code,
    flags: flags | implicitFlags,
    length: overrides.length ?? defaultLength(code, unsigned),
    decimals: overrides.decimals ?? defaultDecimals(code),
    charset: overrides.charset ?? charset,
    collation: overrides.collation ?? collation,
  };
  if (overrides.elements !== undefined) type.elements = overrides.elements;
  return type;
}
