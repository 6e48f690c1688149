/**
 * MySQL's exact DECIMAL: a signed bigint coefficient and a decimal scale, value =
 * coefficient / 10^scale. Arithmetic follows MySQL/TiDB (scale of results, rounding half
 * away from zero, div_precision_increment), and `toBin`/`fromBin` produce TiDB's
 * `MyDecimal.ToBin`/`FromBin` bytes (MySQL's decimal2bin/bin2decimal).
 */
import { assert } from '../assert.js';
import { CodecError } from '../errors.js';

/** MySQL's limits for DECIMAL(M,D). */
export const decimalMaxPrecision = 65;
export const decimalMaxScale = 30;
/** MySQL's default `div_precision_increment`. */
export const decimalDivPrecisionIncrement = 4;

export type DecimalRoundMode = 'half-up' | 'truncate' | 'ceiling' | 'floor';

export type DecimalErrorKind = 'syntax' | 'overflow' | 'bad-argument';

/**
 * A value that is not a decimal numeral, does not fit DECIMAL's 65 digits (or the requested
 * precision), or a call with arguments outside MySQL's limits. `mysqlCode` is the error
 * MySQL raises for the same case in strict mode.
 */
export class DecimalError extends Error {
  override readonly name = 'DecimalError';
  readonly kind: DecimalErrorKind;
  readonly mysqlCode: number;

  constructor(kind: DecimalErrorKind, message: string) {
    super(message);
    this.kind = kind;
    // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD (1366) for bad text, ER_WARN_DATA_OUT_OF_RANGE
    // (1264) for values that do not fit; argument errors have no MySQL counterpart.
    this.mysqlCode = kind === 'syntax' ? 1366 : kind === 'overflow' ? 1264 : 0;
  }
}

const powersOfTen: bigint[] = [1n];

/** 10^exponent as a bigint, cached: scales here never pass a few hundred. */
function pow10(exponent: number): bigint {
  assert(exponent >= 0 && Number.isInteger(exponent), `bad power of ten ${exponent}`);
  while (powersOfTen.length <= exponent) {
    powersOfTen.push(powersOfTen[powersOfTen.length - 1]! * 10n);
  }
  return powersOfTen[exponent]!;
}

function absolute(value: bigint): bigint {
  return value < 0n ? -value : value;
}

/** Decimal digits every integer below 10^15 has at most: such integers are exact doubles (< 2^53). */
const maxExactDoubleDigits = 15;

/** 10^65: every coefficient is below it in magnitude. */
const coefficientLimit = 10n ** BigInt(decimalMaxPrecision);

/** Number of decimal digits of |value|; 0 has none. */
function digitCount(value: bigint): number {
  if (value === 0n) return 0;
  return absolute(value).toString().length;
}

/**
 * Rounds the value coefficient/10^fromScale to `toScale` digits (which may be negative:
 * -2 rounds to hundreds) and returns the coefficient in units of 10^-toScale.
 */
function roundCoefficient(coefficient: bigint, fromScale: number, toScale: number, mode: DecimalRoundMode): bigint {
  if (toScale >= fromScale) return coefficient * pow10(toScale - fromScale);
  const divisor = pow10(fromScale - toScale);
  const quotient = coefficient / divisor;
  const remainder = coefficient % divisor;
  if (remainder === 0n) return quotient;
  switch (mode) {
    case 'truncate':
      return quotient;
    case 'half-up':
      // Half away from zero, MySQL's ROUND for exact values: ROUND(-2.5) = -3.
      if (absolute(remainder) * 2n >= divisor) return coefficient < 0n ? quotient - 1n : quotient + 1n;
      return quotient;
    case 'ceiling':
      return remainder > 0n ? quotient + 1n : quotient;
    case 'floor':
      return remainder < 0n ? quotient - 1n : quotient;
  }
}

// Bytes needed for a group of 0..9 decimal digits in the binary format.
const digitsToBytes = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4] as const;
const digitsPerWord = 9;
const bytesPerWord = 4;

interface BinLayout {
  leadingDigits: number;
  integerWords: number;
  fractionWords: number;
  trailingDigits: number;
  size: number;
}

function binLayout(precision: number, frac: number): BinLayout | undefined {
  if (!Number.isInteger(precision) || !Number.isInteger(frac)) return undefined;
  if (precision < 1 || precision > decimalMaxPrecision || frac < 0 || frac > decimalMaxScale || frac > precision) {
    return undefined;
  }
  const integerDigits = precision - frac;
  const integerWords = Math.floor(integerDigits / digitsPerWord);
  const leadingDigits = integerDigits - integerWords * digitsPerWord;
  const fractionWords = Math.floor(frac / digitsPerWord);
  const trailingDigits = frac - fractionWords * digitsPerWord;
  const size =
    digitsToBytes[leadingDigits as 0] +
    integerWords * bytesPerWord +
    fractionWords * bytesPerWord +
    digitsToBytes[trailingDigits as 0];
  return { leadingDigits, integerWords, fractionWords, trailingDigits, size };
}

const decimalPattern = /^[ \t\n\r\v\f]*([+-])?([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?[ \t\n\r\v\f]*$/;

export class Decimal {
  /** The value is coefficient / 10^scale. */
  readonly coefficient: bigint;
  /**
   * Digits after the point, kept as MySQL keeps them: 1.50 has scale 2.
   * Invariant: 0 <= scale <= 30 and |coefficient| < 10^65.
   */
  readonly scale: number;

  private constructor(coefficient: bigint, scale: number) {
    this.coefficient = coefficient;
    this.scale = scale;
  }

  static readonly zero = new Decimal(0n, 0);

  /**
   * The value coefficient / 10^scale. A scale above 30 is rounded half-up to 30 and
   * fractional digits are dropped (rounding) as needed to stay within 65 digits; integer
   * parts longer than 65 digits throw DecimalError('overflow').
   */
  static fromScaled(coefficient: bigint, scale: number): Decimal {
    if (!Number.isInteger(scale)) throw new DecimalError('bad-argument', `scale ${scale} is not an integer`);
    if (scale < 0) return Decimal.fit(coefficient * pow10(-scale), 0);
    return Decimal.fit(coefficient, scale);
  }

  private static fit(coefficient: bigint, scale: number): Decimal {
    if (scale > decimalMaxScale) {
      coefficient = roundCoefficient(coefficient, scale, decimalMaxScale, 'half-up');
      scale = decimalMaxScale;
    }
    // Hot path (every step of a SUM): a coefficient within 65 digits needs no digit count.
    if (absolute(coefficient) < coefficientLimit) return new Decimal(coefficient, scale);
    for (;;) {
      const digits = digitCount(coefficient);
      if (digits <= decimalMaxPrecision) return new Decimal(coefficient, scale);
      if (scale === 0 || digits - scale > decimalMaxPrecision) {
        throw new DecimalError('overflow', `DECIMAL value out of range: more than ${decimalMaxPrecision} digits`);
      }
      // Rounding can carry into one more digit (99.95 -> 100.0), hence the loop.
      const newScale = Math.max(0, scale - (digits - decimalMaxPrecision));
      coefficient = roundCoefficient(coefficient, scale, newScale, 'half-up');
      scale = newScale;
    }
  }

  /**
   * Parses a MySQL numeral: optional surrounding whitespace and sign, digits with an
   * optional point ('.5', '5.', '007.50'), and an optional exponent ('1.5e3'). The scale is
   * the number of digits written after the point; with a non-zero exponent it is the
   * number of significant fractional digits of the result, as in TiDB ('1.50e1' is 15).
   * More than 30 fractional digits are rounded half-up; more than 65 integer digits throw
   * DecimalError('overflow'); anything else that is not a numeral throws
   * DecimalError('syntax').
   */
  static parse(text: string): Decimal {
    const match = decimalPattern.exec(text);
    if (match === null) throw new DecimalError('syntax', `incorrect DECIMAL value: '${text}'`);
    const negative = match[1] === '-';
    const integerDigits = match[2] ?? '';
    const fractionDigits = match[3] ?? '';
    const exponentText = match[4];
    if (integerDigits.length + fractionDigits.length === 0) {
      throw new DecimalError('syntax', `incorrect DECIMAL value: '${text}'`);
    }
    const significant = (integerDigits + fractionDigits).replace(/^0+/, '');
    let coefficient = significant === '' ? 0n : BigInt(significant);
    let scale = fractionDigits.length;
    const exponent = exponentText === undefined ? 0 : Number(exponentText);
    if (exponent !== 0 && coefficient !== 0n) {
      // TiDB's Shift drops trailing zeros before moving the point.
      while (coefficient % 10n === 0n) {
        coefficient /= 10n;
        scale -= 1;
      }
      scale -= exponent;
      const digits = digitCount(coefficient);
      if (digits - scale > decimalMaxPrecision) {
        throw new DecimalError('overflow', `DECIMAL value out of range: '${text}'`);
      }
      // Below 10^-31 the value rounds to zero at scale 30; stop before building 10^huge.
      if (digits - scale <= -(decimalMaxScale + 1)) return new Decimal(0n, decimalMaxScale);
    } else if (exponent !== 0) {
      scale = 0;
    }
    if (negative) coefficient = -coefficient;
    if (scale < 0) return Decimal.fit(coefficient * pow10(-scale), 0);
    if (scale - digitCount(coefficient) > decimalMaxScale + 1) {
      // Only zeros would survive rounding to 30 digits.
      return new Decimal(0n, decimalMaxScale);
    }
    if (digitCount(coefficient) - scale > decimalMaxPrecision) {
      throw new DecimalError('overflow', `DECIMAL value out of range: '${text}'`);
    }
    return Decimal.fit(coefficient, scale);
  }

  static fromBigInt(value: bigint): Decimal {
    return Decimal.fit(value, 0);
  }

  /**
   * The shortest decimal that reads back as the same double (JavaScript's own
   * number-to-string, which is also what TiDB's FormatFloat(f, 'g', -1) gives).
   */
  static fromNumber(value: number): Decimal {
    if (!Number.isFinite(value)) throw new DecimalError('bad-argument', `cannot convert ${value} to DECIMAL`);
    return Decimal.parse(String(value));
  }

  /** MySQL's text form: no exponent, exactly `scale` fractional digits, '-' for negatives. */
  toString(): string {
    const digits = absolute(this.coefficient).toString().padStart(this.scale + 1, '0');
    const sign = this.coefficient < 0n ? '-' : '';
    if (this.scale === 0) return sign + digits;
    const point = digits.length - this.scale;
    return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
  }

  /** The nearest double (JavaScript's correctly rounded string-to-number). */
  toNumber(): number {
    return Number(this.toString());
  }

  /** The integer part, truncated toward zero. */
  toBigInt(): bigint {
    return this.coefficient / pow10(this.scale);
  }

  /** Digits as MySQL counts them: integer digits (no leading zeros) plus scale, at least 1. */
  get precision(): number {
    return Math.max(1, Math.max(digitCount(this.coefficient), this.scale));
  }

  /** Digits after the point; the same as `scale`. */
  get frac(): number {
    return this.scale;
  }

  /** Digits before the point, without leading zeros (0 for |value| < 1). */
  get integerDigits(): number {
    return Math.max(0, digitCount(this.coefficient) - this.scale);
  }

  isZero(): boolean {
    return this.coefficient === 0n;
  }

  isNegative(): boolean {
    return this.coefficient < 0n;
  }

  /** -1, 0 or 1. */
  sign(): -1 | 0 | 1 {
    return this.coefficient < 0n ? -1 : this.coefficient > 0n ? 1 : 0;
  }

  compare(other: Decimal): -1 | 0 | 1 {
    const scale = Math.max(this.scale, other.scale);
    const left = this.coefficient * pow10(scale - this.scale);
    const right = other.coefficient * pow10(scale - other.scale);
    return left < right ? -1 : left > right ? 1 : 0;
  }

  /** Numeric equality: 1.5 equals 1.50. */
  equals(other: Decimal): boolean {
    return this.compare(other) === 0;
  }

  negate(): Decimal {
    return new Decimal(-this.coefficient, this.scale);
  }

  abs(): Decimal {
    return this.coefficient < 0n ? this.negate() : this;
  }

  /** Scale of the result: the larger of the two scales. */
  add(other: Decimal): Decimal {
    if (this.scale === other.scale) return Decimal.fit(this.coefficient + other.coefficient, this.scale);
    const scale = Math.max(this.scale, other.scale);
    return Decimal.fit(
      this.coefficient * pow10(scale - this.scale) + other.coefficient * pow10(scale - other.scale),
      scale,
    );
  }

  sub(other: Decimal): Decimal {
    return this.add(other.negate());
  }

  /** Scale of the result: the sum of the scales, rounded half-up to at most 30. */
  mul(other: Decimal): Decimal {
    return Decimal.fit(this.coefficient * other.coefficient, this.scale + other.scale);
  }

  /**
   * MySQL's division: the result has this.scale + extraScale digits (at most 30), extraScale
   * being div_precision_increment. Like MySQL and TiDB the quotient is first computed to a
   * whole number of 9-digit words and truncated there, then rounded half-up, so
   * 2.00000 / 3 is 0.666666666 but 2.0000 / 3 is 0.66666667. Returns null when dividing by
   * zero (MySQL's NULL).
   */
  div(other: Decimal, extraScale = decimalDivPrecisionIncrement): Decimal | null {
    if (other.coefficient === 0n) return null;
    if (!Number.isInteger(extraScale) || extraScale < 0) {
      throw new DecimalError('bad-argument', `bad division precision increment ${extraScale}`);
    }
    const resultScale = Math.min(this.scale + extraScale, decimalMaxScale);
    if (this.coefficient === 0n) return new Decimal(0n, resultScale);
    const wordScale1 = Math.ceil(this.scale / digitsPerWord) * digitsPerWord;
    const wordScale2 = Math.ceil(other.scale / digitsPerWord) * digitsPerWord;
    const increment = Math.max(0, extraScale - (wordScale1 - this.scale) - (wordScale2 - other.scale));
    let internalWords = Math.ceil((wordScale1 + wordScale2 + increment) / digitsPerWord);
    // MySQL's buffer holds 9 words; a quotient with a long integer part gets fewer fraction
    // words. The integer part's word count is taken from the exact quotient here.
    const numerator = absolute(this.coefficient) * pow10(other.scale);
    const denominator = absolute(other.coefficient) * pow10(this.scale);
    const integerWords = Math.ceil(digitCount(numerator / denominator) / digitsPerWord);
    if (integerWords + internalWords > 9) internalWords = Math.max(0, 9 - integerWords);
    const internalScale = internalWords * digitsPerWord;
    let quotient = (numerator * pow10(internalScale)) / denominator;
    if (this.isNegative() !== other.isNegative()) quotient = -quotient;
    return Decimal.fit(roundCoefficient(quotient, internalScale, resultScale, 'half-up'), resultScale);
  }

  /**
   * MySQL's MOD: the remainder of truncating division, with the sign of the dividend and
   * the larger of the two scales. Returns null when dividing by zero.
   */
  mod(other: Decimal): Decimal | null {
    if (other.coefficient === 0n) return null;
    const scale = Math.max(this.scale, other.scale);
    const left = this.coefficient * pow10(scale - this.scale);
    const right = other.coefficient * pow10(scale - other.scale);
    return new Decimal(left % right, scale);
  }

  /**
   * Rounds to `fracDigits` digits after the point (negative rounds left of the point:
   * ROUND(1234.5, -2) = 1200). The result's scale is max(fracDigits, 0), capped at 30, so
   * ROUND(1.5, 3) is 1.500 as in MySQL. 'half-up' rounds half away from zero, 'truncate'
   * toward zero, 'ceiling' toward +infinity, 'floor' toward -infinity.
   */
  round(fracDigits: number, mode: DecimalRoundMode = 'half-up'): Decimal {
    if (!Number.isInteger(fracDigits)) throw new DecimalError('bad-argument', `bad rounding digits ${fracDigits}`);
    // Past 66 digits left of the point every value rounds to 0 or overflows alike.
    const target = Math.max(-(decimalMaxPrecision + 1), Math.min(fracDigits, decimalMaxScale));
    const rounded = roundCoefficient(this.coefficient, this.scale, target, mode);
    if (target >= 0) return Decimal.fit(rounded, target);
    return Decimal.fit(rounded * pow10(-target), 0);
  }

  /** Bytes taken by the binary form of DECIMAL(precision, frac). */
  static binSize(precision: number, frac: number): number {
    const layout = binLayout(precision, frac);
    if (layout === undefined) {
      throw new DecimalError('bad-argument', `bad DECIMAL(${precision},${frac}) for the binary format`);
    }
    return layout.size;
  }

  /**
   * TiDB's `MyDecimal.ToBin(precision, frac)`: the value rounded half-up to `frac` digits,
   * as fixed-size groups of 9 digits in 4 big-endian bytes (partial groups in fewer bytes),
   * every byte inverted for negatives and the first bit flipped. Encodings with the same
   * (precision, frac) compare bytewise like the values. Throws DecimalError('overflow') when
   * the integer part has more than precision - frac digits.
   */
  toBin(precision: number, frac: number): Uint8Array {
    const layout = binLayout(precision, frac);
    if (layout === undefined) {
      throw new DecimalError('bad-argument', `bad DECIMAL(${precision},${frac}) for the binary format`);
    }
    const value = this.round(frac, 'half-up');
    assert(value.scale === frac, 'rounding must land on the requested scale');
    const integerDigits = precision - frac;
    if (value.integerDigits > integerDigits) {
      throw new DecimalError('overflow', `${this.toString()} does not fit DECIMAL(${precision},${frac})`);
    }
    // All digits, zero-padded to exactly precision digits, cut into the groups of the layout.
    const digits = absolute(value.coefficient).toString().padStart(precision, '0');
    const bytes = new Uint8Array(layout.size);
    let byteIndex = 0;
    let digitIndex = 0;
    const writeGroup = (digitsInGroup: number): void => {
      let group = Number(digits.slice(digitIndex, digitIndex + digitsInGroup));
      digitIndex += digitsInGroup;
      const size = digitsToBytes[digitsInGroup as 0];
      for (let index = size - 1; index >= 0; index--) {
        bytes[byteIndex + index] = group & 0xff;
        group = Math.floor(group / 256);
      }
      byteIndex += size;
    };
    if (layout.leadingDigits > 0) writeGroup(layout.leadingDigits);
    for (let word = 0; word < layout.integerWords + layout.fractionWords; word++) writeGroup(digitsPerWord);
    if (layout.trailingDigits > 0) writeGroup(layout.trailingDigits);
    assert(byteIndex === layout.size && digitIndex === precision, 'binary layout mismatch');
    if (value.coefficient < 0n) {
      for (let index = 0; index < bytes.length; index++) bytes[index] = ~bytes[index]! & 0xff;
    }
    bytes[0] = bytes[0]! ^ 0x80;
    return bytes;
  }

  /**
   * Reads the binary form written by `toBin` (or TiDB) for DECIMAL(precision, frac) at
   * `offset`. The value keeps scale `frac`. Throws CodecError on truncated input, on a
   * group whose value cannot be a group of that many digits, or on a (precision, frac)
   * outside MySQL's limits (they come from the encoded data too).
   */
  static fromBin(bytes: Uint8Array, offset: number, precision: number, frac: number): { value: Decimal; length: number } {
    const layout = binLayout(precision, frac);
    if (layout === undefined) throw new CodecError(`bad DECIMAL(${precision},${frac}) in binary decimal`);
    if (!Number.isInteger(offset) || offset < 0 || offset + layout.size > bytes.length) {
      throw new CodecError(
        `truncated binary decimal: need ${layout.size} bytes at offset ${offset}, have ${bytes.length - offset}`,
      );
    }
    const negative = (bytes[offset]! & 0x80) === 0;
    const mask = negative ? 0xff : 0;
    let byteIndex = offset;
    const readGroup = (digitsInGroup: number): number => {
      const size = digitsToBytes[digitsInGroup as 0];
      let group = 0;
      for (let index = 0; index < size; index++) {
        let byte = bytes[byteIndex + index]! ^ mask;
        if (byteIndex + index === offset) byte ^= 0x80;
        group = group * 256 + byte;
      }
      byteIndex += size;
      if (group >= 10 ** digitsInGroup) {
        throw new CodecError(`corrupt binary decimal: group ${group} has more than ${digitsInGroup} digits`);
      }
      return group;
    };
    if (precision <= maxExactDoubleDigits) {
      // Hot path (a DECIMAL column read per row): the digits fit a double exactly, so the
      // coefficient is built as a number and made a bigint once.
      let small = layout.leadingDigits > 0 ? readGroup(layout.leadingDigits) : 0;
      for (let word = 0; word < layout.integerWords + layout.fractionWords; word++) small = small * 1_000_000_000 + readGroup(digitsPerWord);
      if (layout.trailingDigits > 0) small = small * 10 ** layout.trailingDigits + readGroup(layout.trailingDigits);
      const coefficient = BigInt(small);
      return { value: new Decimal(negative ? -coefficient : coefficient, frac), length: layout.size };
    }
    let coefficient = 0n;
    if (layout.leadingDigits > 0) coefficient = BigInt(readGroup(layout.leadingDigits));
    for (let word = 0; word < layout.integerWords + layout.fractionWords; word++) {
      coefficient = coefficient * 1_000_000_000n + BigInt(readGroup(digitsPerWord));
    }
    if (layout.trailingDigits > 0) {
      coefficient = coefficient * pow10(layout.trailingDigits) + BigInt(readGroup(layout.trailingDigits));
    }
    return { value: new Decimal(negative ? -coefficient : coefficient, frac), length: layout.size };
  }
}
