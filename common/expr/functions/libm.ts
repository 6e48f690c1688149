/**
 * The C library's math functions as MySQL and MariaDB get them from glibc, whose log, exp
 * and pow are (nearly always) correctly rounded. JavaScript's Math.log, Math.exp and
 * Math.pow are not: Math.log(3) is 1.0986122886681096 where glibc gives ...098, and
 * Math.pow(10, -5) is 0.000009999999999999999. Here each is computed in double-double
 * arithmetic (about 106 bits) and rounded once, which matches glibc except where its own
 * result is off by more than half an ulp. log10 follows glibc's formula over that log.
 */

/** A value hi + lo with |lo| <= ulp(hi) / 2: about 106 significant bits. */
interface DoubleDouble {
  readonly hi: number;
  readonly lo: number;
}

function quickTwoSum(a: number, b: number): DoubleDouble {
  const sum = a + b;
  return { hi: sum, lo: b - (sum - a) };
}

function twoSum(a: number, b: number): DoubleDouble {
  twoSumInto(a, b);
  return { hi: registerHigh, lo: registerLow };
}

// Dekker's split: 2^27 + 1.
const splitter = 134217729;

/** a × b exactly, as a double-double (|a|, |b| well below 2^996). */
function twoProduct(a: number, b: number): DoubleDouble {
  twoProductInto(a, b);
  return { hi: registerHigh, lo: registerLow };
}

function add(a: DoubleDouble, b: DoubleDouble): DoubleDouble {
  const sum = twoSum(a.hi, b.hi);
  const low = twoSum(a.lo, b.lo);
  const middle = quickTwoSum(sum.hi, sum.lo + low.hi);
  return quickTwoSum(middle.hi, middle.lo + low.lo);
}

function multiply(a: DoubleDouble, b: DoubleDouble): DoubleDouble {
  const product = twoProduct(a.hi, b.hi);
  return quickTwoSum(product.hi, product.lo + (a.hi * b.lo + a.lo * b.hi));
}

function multiplyByNumber(a: DoubleDouble, b: number): DoubleDouble {
  const product = twoProduct(a.hi, b);
  return quickTwoSum(product.hi, product.lo + a.lo * b);
}

function divide(a: DoubleDouble, b: DoubleDouble): DoubleDouble {
  const first = a.hi / b.hi;
  const rest = add(a, multiplyByNumber(b, -first));
  const second = rest.hi / b.hi;
  const last = add(rest, multiplyByNumber(b, -second));
  const third = last.hi / b.hi;
  return add(quickTwoSum(first, second), { hi: third, lo: 0 });
}

function divideByNumber(a: DoubleDouble, b: number): DoubleDouble {
  return divide(a, { hi: b, lo: 0 });
}

// ln 2 to 106 bits.
const ln2: DoubleDouble = { hi: 0.6931471805599453, lo: 2.3190468138462996e-17 };
const sqrt2 = Math.SQRT2;
/** Terms below this fraction of the sum no longer change a double-double. */
const seriesPrecision = 1e-34;

const bitsView = new DataView(new ArrayBuffer(8));

/** The high 32 bits of the double `splitExponent` left in `bitsView`. */
let splitHighWord = 0;

/**
 * The binary exponent of finite x > 0, leaving in `bitsView` a double with x's mantissa
 * bits (a subnormal scaled up by 2^54 first, as glibc does) and its high word in
 * `splitHighWord`: the callers put their own exponent in it to read the mantissa.
 */
function splitExponent(x: number): number {
  let value = x;
  let exponent = 0;
  if (value < 2.2250738585072014e-308) {
    value *= 18014398509481984;
    exponent -= 54;
  }
  bitsView.setFloat64(0, value);
  splitHighWord = bitsView.getUint32(0);
  return exponent + (splitHighWord >>> 20) - 1023;
}

/** x = mantissa × 2^exponent with mantissa in [sqrt(1/2), sqrt(2)), for finite x > 0. */
function splitForLogarithm(x: number): { mantissa: number; exponent: number } {
  let exponent = splitExponent(x);
  bitsView.setUint32(0, (splitHighWord & 0x000fffff) | 0x3ff00000);
  let mantissa = bitsView.getFloat64(0);
  if (mantissa > sqrt2) {
    mantissa /= 2;
    exponent += 1;
  }
  return { mantissa, exponent };
}

/** ln(x) as a double-double, for finite x > 0: e·ln 2 + 2·atanh((m − 1)/(m + 1)). */
function logarithm(x: number): DoubleDouble {
  const { mantissa, exponent } = splitForLogarithm(x);
  // m − 1 is exact for m in [0.7, 1.5); m + 1 is carried exactly as a sum.
  const ratio = divide({ hi: mantissa - 1, lo: 0 }, twoSum(mantissa, 1));
  const ratioSquared = multiply(ratio, ratio);
  let power = ratio;
  let sum = ratio;
  // |ratio| <= 0.172, so each term is 34 times smaller than the last: about 22 terms.
  for (let odd = 3; odd < 200; odd += 2) {
    power = multiply(power, ratioSquared);
    const term = divideByNumber(power, odd);
    sum = add(sum, term);
    if (Math.abs(term.hi) <= seriesPrecision * Math.abs(sum.hi)) break;
  }
  return add(multiplyByNumber(ln2, exponent), multiplyByNumber(sum, 2));
}

/** x × 2^exponent in exact steps (the result is a double or overflows). */
export function scaleByPowerOfTwo(value: number, exponent: number): number {
  let result = value;
  let remaining = exponent;
  while (remaining > 1000) {
    result *= 2 ** 1000;
    remaining -= 1000;
  }
  while (remaining < -1000) {
    result *= 2 ** -1000;
    remaining += 1000;
  }
  return result * 2 ** remaining;
}

/** e^x for a double-double x, as a double-double (|x| small enough not to scale): the slow series. */
function exponentialOfDoubleDouble(x: DoubleDouble): DoubleDouble {
  const halvings = Math.round(x.hi / ln2.hi);
  const reduced = add(x, multiplyByNumber(ln2, -halvings));
  let term: DoubleDouble = { hi: 1, lo: 0 };
  let sum: DoubleDouble = term;
  // |reduced| <= 0.35: about 25 terms.
  for (let index = 1; index < 100; index++) {
    term = divideByNumber(multiply(term, reduced), index);
    sum = add(sum, term);
    if (Math.abs(term.hi) <= seriesPrecision * Math.abs(sum.hi)) break;
  }
  return { hi: scaleByPowerOfTwo(sum.hi, halvings), lo: scaleByPowerOfTwo(sum.lo, halvings) };
}

/** e^x for a double-double x, rounded once: the slow series, scaled by 2^k at the end. */
function exponentialOf(x: DoubleDouble): number {
  if (x.hi > 709.8) return Number.POSITIVE_INFINITY;
  if (x.hi < -745.2) return 0;
  const halvings = Math.round(x.hi / ln2.hi);
  const reduced = add(x, multiplyByNumber(ln2, -halvings));
  const value = exponentialOfDoubleDouble(reduced);
  return scaledSum(value.hi, value.lo, halvings);
}

/**
 * (high + low) × 2^exponent rounded once. Where the result is subnormal, rounding high +
 * low first and then scaling would round twice (EXP(-709.4521859442835) came out a
 * unit off), so the exact sum is rounded at its final scale instead.
 */
function scaledSum(high: number, low: number, exponent: number): number {
  const rounded = high + low;
  if (Math.abs(scaleByPowerOfTwo(rounded, exponent)) >= 2.2250738585072014e-308 || low === 0 || high === 0) return scaleByPowerOfTwo(rounded, exponent);
  const highParts = splitExactly(high);
  const lowParts = splitExactly(low);
  const lowest = Math.min(highParts.exponent, lowParts.exponent);
  const signed = (value: number, parts: { mantissa: bigint; exponent: number }): bigint => (value < 0 ? -1n : 1n) * (parts.mantissa << BigInt(parts.exponent - lowest));
  let numerator = signed(high, highParts) + signed(low, lowParts);
  const negative = numerator < 0n;
  if (negative) numerator = -numerator;
  const scale = lowest + exponent;
  // The result is subnormal, so scale < 0: the power of two is a denominator.
  const magnitude = ratioToDouble(numerator, 1n << BigInt(-scale));
  return negative ? -magnitude : magnitude;
}

/**
 * Fast paths (Ziv's strategy): a table-driven evaluation good to about 2^-68, with an error
 * bound; when the result rounds the same at both ends of the bound (all but about one case
 * in ten thousand) it is the correctly rounded answer, otherwise the slow series above
 * decides. Hot path: no allocation; results pass through these registers.
 */
let registerHigh = 0;
let registerLow = 0;

function twoSumInto(a: number, b: number): void {
  const sum = a + b;
  const virtual = sum - a;
  registerHigh = sum;
  registerLow = a - (sum - virtual) + (b - virtual);
}

function twoProductInto(a: number, b: number): void {
  const product = a * b;
  const aScaled = splitter * a;
  const aHigh = aScaled - (aScaled - a);
  const aLow = a - aHigh;
  const bScaled = splitter * b;
  const bHigh = bScaled - (bScaled - b);
  const bLow = b - bHigh;
  registerHigh = product;
  registerLow = aLow * bLow - (product - aHigh * bHigh - aLow * bHigh - aHigh * bLow);
}

/** The correctly rounded double of high + low if every value within ± error rounds alike. */
function roundedIfSafe(high: number, low: number, error: number): number | undefined {
  const below = high + (low - error);
  return below === high + (low + error) ? below : undefined;
}

// ln(c) for c = index / 128 over the reduced mantissa range [0.70, 1.42], to 106 bits.
const logTableFirst = 90;
const logTableLast = 182;
const logTableHigh = new Float64Array(logTableLast + 1);
const logTableLow = new Float64Array(logTableLast + 1);
for (let index = logTableFirst; index <= logTableLast; index++) {
  const value = logarithm(index / 128);
  logTableHigh[index] = value.hi;
  logTableLow[index] = value.lo;
}

let logHigh = 0;
let logLow = 0;
let logError = 0;

/**
 * ln(x) ≈ logHigh + logLow within ± logError: x = m·2^e, m = c·(1 + u) with c on a 1/128
 * grid (|u| < 2^-7.5), ln x = e·ln 2 + ln c + u + (ln(1 + u) − u), the last by its series in
 * plain doubles (it is below 2^-16, so its rounding costs nothing that matters).
 */
function approximateLogarithm(x: number): void {
  const { mantissa, exponent } = splitForLogarithm(x);
  const index = Math.round(mantissa * 128);
  const grid = index / 128;
  // Exact: the two are within a factor of two of each other.
  const offset = mantissa - grid;
  const uHigh = offset / grid;
  twoProductInto(uHigh, grid);
  const uLow = (offset - registerHigh - registerLow) / grid;
  const u = uHigh;
  const tail = u * u * (-1 / 2 + u * (1 / 3 + u * (-1 / 4 + u * (1 / 5 + u * (-1 / 6 + u * (1 / 7 + u * (-1 / 8 + u * (1 / 9 - u / 10))))))));
  twoProductInto(exponent, ln2.hi);
  const scaledHigh = registerHigh;
  const scaledLow = registerLow + exponent * ln2.lo;
  twoSumInto(scaledHigh, logTableHigh[index]!);
  const withTableHigh = registerHigh;
  const withTableLow = registerLow + scaledLow + logTableLow[index]!;
  twoSumInto(withTableHigh, uHigh);
  const sumHigh = registerHigh;
  const sumLow = registerLow + withTableLow + uLow + tail;
  logHigh = sumHigh + sumLow;
  logLow = sumLow - (logHigh - sumHigh);
  const u2 = u * u;
  logError = 2 ** -100 * (Math.abs(exponent) + Math.abs(logTableHigh[index]!) + Math.abs(u)) + 2 ** -50 * Math.abs(tail) + u2 * u2 * u2 * u2 * u2 * u;
}

/** C's log (natural logarithm); NaN for x < 0, -Infinity for 0, as C. */
export function log(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return Math.log(x);
  if (x === 1) return 0;
  approximateLogarithm(x);
  const fast = roundedIfSafe(logHigh, logLow, logError);
  if (fast !== undefined) return fast;
  const result = logarithm(x);
  return result.hi + result.lo;
}

// 2^(j/64) for j = 0..63, to 106 bits.
const expTableSize = 64;
const expTableHigh = new Float64Array(expTableSize);
const expTableLow = new Float64Array(expTableSize);
for (let index = 0; index < expTableSize; index++) {
  const value = index === 0 ? { hi: 1, lo: 0 } : exponentialOfDoubleDouble(multiplyByNumber(ln2, index / expTableSize));
  expTableHigh[index] = value.hi;
  expTableLow[index] = value.lo;
}
// ln 2 / 64 split so that k × high is exact for |k| < 2^17: high keeps 36 bits.
const ln2By64High = Math.round((ln2.hi / 64) * 2 ** 42) / 2 ** 42;
const ln2By64Low = ln2.hi / 64 - ln2By64High + ln2.lo / 64;

/**
 * e^(high + low) when the fast evaluation rounds safely (with `inputError`, the relative
 * error the argument brings), else undefined. x = (64m + j)·ln2/64 + r with |r| < 0.0055:
 * e^x = 2^m · 2^(j/64) · e^r, e^r − 1 − r by its series in plain doubles.
 */
function approximateExponential(high: number, low: number, inputError: number): number | undefined {
  const steps = Math.round((high * expTableSize) / Math.LN2);
  twoSumInto(high, -steps * ln2By64High);
  const reducedHigh = registerHigh;
  const reducedLow = registerLow + low - steps * ln2By64Low;
  const r = reducedHigh + reducedLow;
  const rLow = reducedLow - (r - reducedHigh);
  const tail = r * r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720 + r / 5040)))));
  twoSumInto(1, r);
  const polynomialHigh = registerHigh;
  const polynomialLow = registerLow + rLow + tail;
  const index = ((steps % expTableSize) + expTableSize) % expTableSize;
  const halvings = (steps - index) / expTableSize;
  twoProductInto(expTableHigh[index]!, polynomialHigh);
  const productHigh = registerHigh;
  const productLow = registerLow + expTableHigh[index]! * polynomialLow + expTableLow[index]! * polynomialHigh;
  const resultHigh = productHigh + productLow;
  const resultLow = productLow - (resultHigh - productHigh);
  // A subnormal result would be rounded again by the scaling: the slow path decides.
  if (halvings < -1021) return undefined;
  const rounded = roundedIfSafe(resultHigh, resultLow, Math.abs(resultHigh) * (2 ** -69 + inputError));
  return rounded === undefined ? undefined : scaleByPowerOfTwo(rounded, halvings);
}

// glibc's e_log10.c constants.
const inverseLn10 = 4.34294481903251816668e-1;
const log10Of2High = 3.01029995663611771306e-1;
const log10Of2Low = 3.69423907715893078616e-13;

/**
 * C's log10, by glibc's formula (which is not correctly rounded itself):
 * y·log10(2)_lo + log10(e)·log(m) + y·log10(2)_hi, with x = m·2^y and m in [1, 2)
 * (or [1/2, 1) for negative exponents).
 */
export function log10(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return Math.log10(x);
  const exponent = splitExponent(x);
  const negative = exponent < 0 ? 1 : 0;
  bitsView.setUint32(0, (splitHighWord & 0x000fffff) | ((0x3ff - negative) << 20));
  const mantissa = bitsView.getFloat64(0);
  const scale = exponent + negative;
  const partial = scale * log10Of2Low + inverseLn10 * log(mantissa);
  return partial + scale * log10Of2High;
}

/** C's exp. */
export function exp(x: number): number {
  if (!Number.isFinite(x)) return Math.exp(x);
  if (x === 0) return 1;
  if (x > 709.8) return Number.POSITIVE_INFINITY;
  if (x < -745.2) return 0;
  return approximateExponential(x, 0, 0) ?? exponentialOf({ hi: x, lo: 0 });
}

function bitLength(value: bigint): number {
  return value === 0n ? 0 : value.toString(2).length;
}

/** The double nearest to numerator / denominator (both positive), ties to even, subnormals included. */
function ratioToDouble(numerator: bigint, denominator: bigint): number {
  // A quotient of at least 64 bits leaves room for the 53 kept and the rounding bits.
  const shift = 64 + bitLength(denominator) - bitLength(numerator);
  const scaledNumerator = shift > 0 ? numerator << BigInt(shift) : numerator;
  const scaledDenominator = shift < 0 ? denominator << BigInt(-shift) : denominator;
  const quotient = scaledNumerator / scaledDenominator;
  const inexact = quotient * scaledDenominator !== scaledNumerator;
  // value = (quotient + fraction) × 2^-shift: keep 53 bits, or fewer where it is subnormal.
  const dropped = Math.max(bitLength(quotient) - 53, shift - 1074);
  if (dropped <= 0) return scaleByPowerOfTwo(Number(quotient), -shift);
  let mantissa = quotient >> BigInt(dropped);
  const rest = quotient - (mantissa << BigInt(dropped));
  const half = 1n << BigInt(dropped - 1);
  if (rest > half || (rest === half && (inexact || (mantissa & 1n) === 1n))) mantissa += 1n;
  return scaleByPowerOfTwo(Number(mantissa), dropped - shift);
}

/** A finite, non-zero double as odd integer × 2^exponent. */
function splitExactly(value: number): { mantissa: bigint; exponent: number } {
  bitsView.setFloat64(0, Math.abs(value));
  const bits = bitsView.getBigUint64(0);
  const biased = Number(bits >> 52n);
  let mantissa = bits & ((1n << 52n) - 1n);
  let exponent: number;
  if (biased === 0) exponent = -1074;
  else {
    mantissa |= 1n << 52n;
    exponent = biased - 1075;
  }
  while ((mantissa & 1n) === 0n) {
    mantissa >>= 1n;
    exponent++;
  }
  return { mantissa, exponent };
}

/** Past this many bits an exact integer power is not worth computing. */
const exactPowerMaxBits = 4400;

/** |base|^exponent exactly rounded, for an integer exponent; undefined when too costly. */
function exactIntegerPower(base: number, exponent: number): number | undefined {
  const times = Math.abs(exponent);
  if (times > 2200) return undefined;
  const { mantissa, exponent: binaryExponent } = splitExactly(base);
  if (bitLength(mantissa) * times > exactPowerMaxBits) return undefined;
  const magnitude = mantissa ** BigInt(times);
  // The power of two goes on whichever side keeps both integers.
  const twos = exponent > 0 ? binaryExponent * times : -binaryExponent * times;
  let numerator = exponent > 0 ? magnitude : 1n;
  let denominator = exponent > 0 ? 1n : magnitude;
  if (twos >= 0) numerator <<= BigInt(twos);
  else denominator <<= BigInt(-twos);
  return ratioToDouble(numerator, denominator);
}

/**
 * C's pow: an integer exponent exactly (then rounded once), any other through
 * e^(y·ln|x|) in double-double. A negative base with a non-integer exponent is NaN, 0 to a
 * negative power Infinity, as in C (MySQL turns both into error 1690).
 */
export function pow(base: number, exponent: number): number {
  if (exponent === 0) return 1;
  if (base === 0 || !Number.isFinite(base) || !Number.isFinite(exponent) || base === 1) return Math.pow(base, exponent);
  const integral = Number.isInteger(exponent);
  if (base < 0 && !integral) return Number.NaN;
  // Far outside the double range either way: skip the double-double work (which would overflow).
  const odd = integral && Math.abs(exponent) < 2 ** 53 && Math.abs(exponent) % 2 === 1;
  const estimate = Math.log(Math.abs(base)) * exponent;
  if (estimate > 800) return base < 0 && odd ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (estimate < -800) return base < 0 && odd ? -0 : 0;
  const magnitude = (integral ? exactIntegerPower(base, exponent) : undefined) ?? generalPower(Math.abs(base), exponent);
  return base < 0 && odd ? -magnitude : magnitude;
}

/** e^(y·ln x) for x > 0: the fast path when it rounds safely, else the slow series throughout. */
function generalPower(base: number, exponent: number): number {
  approximateLogarithm(base);
  const error = logError;
  twoProductInto(exponent, logHigh);
  const productHigh = registerHigh;
  const productLow = registerLow + exponent * logLow;
  const high = productHigh + productLow;
  const low = productLow - (high - productHigh);
  if (high > 709.8) return Number.POSITIVE_INFINITY;
  if (high < -745.2) return 0;
  const fast = approximateExponential(high, low, Math.abs(exponent) * error + 2 ** -100 * Math.abs(high));
  return fast ?? exponentialOf(multiplyByNumber(logarithm(base), exponent));
}
