import { ScalarFuncSig as Sig } from '../../../proto/gen/dagpb.js';
import { int64Min } from '../../codec/number.js';
import { decimalDivPrecisionIncrement } from '../../types/decimal.js';
import { FieldFlag, type FieldType, FieldTypeCode, isUnsigned, newFieldType } from '../../types/field-type.js';
import { Duration, MysqlTime } from '../../types/time.js';
import { ExprError } from '../context.js';
import { type EvalType, evalTypeOf, resultTypes, signatureSuffix } from '../eval-type.js';
import { call, constant, type Expr } from '../expr.js';
import { castAs, castToEvalType, defaultTypeOf, numericOperand } from './cast.js';
import { buildFunction as build, BuildErrorCode, defineFunction } from './registry.js';
import { decimalHolding, decimalPrecisionOf, decimalScaleOf, decimalType, isNullType, stringCollationOf, typesOf, unionType } from './types.js';

/**
 * Rules for MySQL's operators and control functions: comparisons, arithmetic, logic,
 * bit operators, IS, IN, BETWEEN, LIKE, IF/IFNULL/NULLIF/CASE/COALESCE.
 */

function sigOf(prefix: string, type: EvalType, suffix = ''): Sig {
  const name = `${prefix}${signatureSuffix[type]}${suffix}`;
  const sig = Sig[name as keyof typeof Sig];
  if (sig === undefined) throw new ExprError(BuildErrorCode.unsupported, `no signature ${name}`);
  return sig;
}

function evalTypeOrNull(type: FieldType): EvalType | 'null' {
  return isNullType(type) ? 'null' : evalTypeOf(type);
}

/**
 * The type two operands are compared as (MySQL's item_cmp_type and the temporal rules):
 * strings as strings, numbers as the widest number, a string against a number as
 * doubles, a time or duration against a string as a time or duration.
 */
export function comparisonEvalType(left: FieldType, right: FieldType): EvalType {
  const a = evalTypeOrNull(left);
  const b = evalTypeOrNull(right);
  if (a === 'null' && b === 'null') return 'int';
  if (a === 'null') return b as EvalType;
  if (b === 'null') return a;
  if (a === b) return a;
  const pair = new Set([a, b]);
  if (pair.has('json')) return 'bytes';
  if (pair.has('time') && (pair.has('bytes') || pair.has('duration'))) return 'time';
  if (pair.has('duration') && pair.has('bytes')) return 'duration';
  if (pair.has('time') || pair.has('duration')) {
    // A temporal value against a number compares as numbers (DATE '2020-01-01' = 20200101).
    return pair.has('real') ? 'real' : 'decimal';
  }
  if (pair.has('bytes') || pair.has('real')) return 'real';
  return 'decimal';
}

/** Converts both operands to the comparison type; the result carries the collation strings compare with. */
function comparisonOperands(args: readonly Expr[]): { type: EvalType; args: Expr[]; result: FieldType } {
  let type: EvalType = 'int';
  let first = true;
  for (let index = 0; index < args.length; index++) {
    for (let other = index + 1; other < args.length; other++) {
      const pairType = comparisonEvalType(args[index]!.type, args[other]!.type);
      type = first ? pairType : widerComparison(type, pairType);
      first = false;
    }
  }
  if (args.length === 1) type = isNullType(args[0]!.type) ? 'int' : evalTypeOf(args[0]!.type);
  const converted = args.map((arg) => castForComparison(arg, type));
  const result = resultTypes.boolean();
  if (type === 'bytes') result.collation = stringCollationOf(typesOf(args)).collation;
  return { type, args: converted, result };
}

function widerComparison(a: EvalType, b: EvalType): EvalType {
  if (a === b) return a;
  const set = new Set([a, b]);
  if (set.has('real') || (set.has('bytes') && (set.has('int') || set.has('decimal')))) return 'real';
  if (set.has('decimal') && set.has('int')) return 'decimal';
  if (set.has('time')) return 'time';
  if (set.has('duration')) return 'duration';
  return 'bytes';
}

function castForComparison(arg: Expr, type: EvalType): Expr {
  if (isNullType(arg.type)) return constant(null, defaultTypeOf(type));
  if (evalTypeOf(arg.type) === type) return arg;
  if (type === 'decimal') return castAs(arg, decimalHolding(arg.type));
  if ((type === 'time' || type === 'duration') && evalTypeOf(arg.type) === 'bytes') return temporalFromTextForComparison(arg, type);
  return castToEvalType(arg, type);
}

/**
 * A string compared with a DATE, DATETIME or TIME. Text that is no such value compares
 * as the zero value, with CAST's warning, not as NULL (MySQL's get_datetime_value: "we
 * don't want to throw NULL on invalid date"), so DATE '2020-01-01' = 'abc' is 0; a NULL
 * string stays NULL. IFNULL(CAST(s), IF(s IS NULL, NULL, zero)) says so with the
 * signatures there are; the string is read again only on the rows whose cast gave NULL.
 */
function temporalFromTextForComparison(text: Expr, type: 'time' | 'duration'): Expr {
  const converted = castToEvalType(text, type);
  const fsp = Math.max(converted.type.decimals, 0);
  const zero = constant(type === 'time' ? MysqlTime.zero('datetime', fsp) : Duration.fromNanoseconds(0n, fsp), converted.type);
  const isNull = call(sigOf('', 'bytes', 'IsNull'), [text], resultTypes.boolean());
  const zeroUnlessNull = call(sigOf('If', type), [isNull, constant(null, converted.type), zero], converted.type);
  return call(sigOf('IfNull', type), [converted, zeroUnlessNull], converted.type);
}

const comparisons: ReadonlyArray<readonly [string, string, readonly string[]]> = [
  ['<', 'Lt', []],
  ['<=', 'Le', []],
  ['>', 'Gt', []],
  ['>=', 'Ge', []],
  ['=', 'Eq', []],
  ['!=', 'Ne', ['<>']],
  ['<=>', 'NullEq', []],
];

for (const [name, prefix, aliases] of comparisons) {
  defineFunction(
    {
      name,
      minArgs: 2,
      maxArgs: 2,
      build: (args) => {
        const operands = comparisonOperands(args);
        return call(sigOf(prefix, operands.type), operands.args, operands.result);
      },
    },
    aliases,
  );
}

/** `target IN (list)`: arguments are the target, then the list. */
defineFunction({
  name: 'in',
  minArgs: 2,
  maxArgs: Infinity,
  build: (args) => {
    const operands = comparisonOperands(args);
    return call(sigOf('In', operands.type), operands.args, operands.result);
  },
});

defineFunction({
  name: 'between',
  minArgs: 3,
  maxArgs: 3,
  build: ([target, low, high]) => and(build('>=', [target!, low!]), build('<=', [target!, high!])),
});

// ---- Truth values, logic and IS -------------------------------------------------------

/**
 * `expr` as an int truth value (NULL stays NULL): ints are used as they are; other numbers
 * become NOT NOT x (0.4 is true, which a cast to int would round away); strings and
 * temporal values are read as doubles first, as MySQL does.
 */
export function truthValue(expr: Expr): Expr {
  if (isNullType(expr.type)) return constant(null, resultTypes.bigint());
  const type = evalTypeOf(expr.type);
  if (type === 'int') return expr;
  const numeric = type === 'real' || type === 'decimal' ? expr : castToEvalType(expr, 'real');
  const numericType = evalTypeOf(numeric.type);
  const not = call(sigOf('UnaryNot', numericType), [numeric], resultTypes.boolean());
  return call(Sig.UnaryNotInt, [not], resultTypes.boolean());
}

function and(left: Expr, right: Expr): Expr {
  return call(Sig.LogicalAnd, [truthValue(left), truthValue(right)], resultTypes.boolean());
}

defineFunction({ name: 'and', minArgs: 2, maxArgs: 2, build: ([left, right]) => and(left!, right!) }, ['&&']);
defineFunction({ name: 'or', minArgs: 2, maxArgs: 2, build: ([left, right]) => call(Sig.LogicalOr, [truthValue(left!), truthValue(right!)], resultTypes.boolean()) }, ['||']);
defineFunction({ name: 'xor', minArgs: 2, maxArgs: 2, build: ([left, right]) => call(Sig.LogicalXor, [truthValue(left!), truthValue(right!)], resultTypes.boolean()) });
defineFunction({ name: 'not', minArgs: 1, maxArgs: 1, build: ([value]) => call(Sig.UnaryNotInt, [truthValue(value!)], resultTypes.boolean()) }, ['!']);

defineFunction({
  name: 'is null',
  minArgs: 1,
  maxArgs: 1,
  build: ([value]) => {
    const type = isNullType(value!.type) ? 'int' : evalTypeOf(value!.type);
    return call(sigOf('', type, 'IsNull'), [value!], resultTypes.boolean());
  },
}, ['isnull']);

for (const [name, suffix] of [['is true', 'IsTrue'], ['is false', 'IsFalse']] as const) {
  defineFunction({
    name,
    minArgs: 1,
    maxArgs: 1,
    build: ([value]) => {
      if (isNullType(value!.type)) return constant(0n, resultTypes.boolean());
      const type = evalTypeOf(value!.type);
      const numeric = type === 'int' || type === 'real' || type === 'decimal' ? value! : castToEvalType(value!, 'real');
      return call(sigOf('', evalTypeOf(numeric.type), suffix), [numeric], resultTypes.boolean());
    },
  });
}

// ---- Arithmetic ------------------------------------------------------------------------

/**
 * Both operands as numbers, the type they compute in, and the types a DECIMAL result's
 * precision and scale are inferred from: the operands' own (MySQL's display widths), not
 * the DECIMALs they were converted to, which hold every value.
 */
function numericOperands(rawArgs: readonly Expr[]): { type: EvalType; args: Expr[]; inferred: [FieldType, FieldType] } {
  const left = numericOperand(rawArgs[0]!);
  const right = numericOperand(rawArgs[1]!);
  const type = arithmeticType(left.type, right.type);
  const args = [asType(left, type), asType(right, type)];
  return { type, args, inferred: [inferenceType(left, args[0]!), inferenceType(right, args[1]!)] };
}

function inferenceType(operand: Expr, converted: Expr): FieldType {
  return isNullType(operand.type) ? converted.type : operand.type;
}

function arithmeticType(left: FieldType, right: FieldType): EvalType {
  const types = [left, right].filter((type) => !isNullType(type)).map((type) => evalTypeOf(type));
  if (types.includes('real')) return 'real';
  if (types.includes('decimal')) return 'decimal';
  return 'int';
}

function asDecimal(expr: Expr): Expr {
  if (isNullType(expr.type) || evalTypeOf(expr.type) === 'decimal') return expr;
  return castAs(expr, decimalHolding(expr.type));
}

function asType(expr: Expr, type: EvalType): Expr {
  if (isNullType(expr.type)) return constant(null, defaultTypeOf(type));
  if (type === 'decimal') return asDecimal(expr);
  return castToEvalType(expr, type);
}

type ArithmeticOperator = '+' | '-' | '*';

function additiveRule(operator: ArithmeticOperator, prefix: 'Plus' | 'Minus' | 'Multiply'): void {
  defineFunction({
    name: operator,
    minArgs: 2,
    maxArgs: 2,
    build: (rawArgs) => {
      const { type, args, inferred } = numericOperands(rawArgs);
      if (type === 'real') return call(sigOf(prefix, 'real'), args, newFieldType(FieldTypeCode.Double));
      if (type === 'int') {
        // MySQL: unsigned when either operand is unsigned (then a negative result is an error).
        const unsigned = isUnsigned(args[0]!.type) || isUnsigned(args[1]!.type);
        return call(unsigned ? sigOf(prefix, 'int', 'Unsigned') : sigOf(prefix, 'int'), args, newFieldType(FieldTypeCode.LongLong, unsigned ? { flags: FieldFlag.Unsigned } : {}));
      }
      const [p1, s1, p2, s2] = [decimalPrecisionOf(inferred[0]), decimalScaleOf(inferred[0]), decimalPrecisionOf(inferred[1]), decimalScaleOf(inferred[1])];
      const result =
        operator === '*' ? decimalType(p1 + p2, s1 + s2) : decimalType(Math.max(p1 - s1, p2 - s2) + 1 + Math.max(s1, s2), Math.max(s1, s2));
      return call(sigOf(prefix, 'decimal'), args, result);
    },
  });
}

additiveRule('+', 'Plus');
additiveRule('-', 'Minus');
additiveRule('*', 'Multiply');

defineFunction({
  name: '/',
  minArgs: 2,
  maxArgs: 2,
  build: (rawArgs) => {
    const left = numericOperand(rawArgs[0]!);
    const right = numericOperand(rawArgs[1]!);
    if (arithmeticType(left.type, right.type) === 'real') {
      return call(Sig.DivideReal, [asType(left, 'real'), asType(right, 'real')], newFieldType(FieldTypeCode.Double));
    }
    const args = [asDecimal(left), asDecimal(right)];
    const [dividend, divisor] = [inferenceType(left, args[0]!), inferenceType(right, args[1]!)];
    const scale = decimalScaleOf(dividend) + decimalDivPrecisionIncrement;
    return call(Sig.DivideDecimal, args, decimalType(decimalPrecisionOf(dividend) - decimalScaleOf(dividend) + decimalScaleOf(divisor) + scale, scale));
  },
});

defineFunction({
  name: 'div',
  minArgs: 2,
  maxArgs: 2,
  build: (rawArgs) => {
    const left = numericOperand(rawArgs[0]!);
    const right = numericOperand(rawArgs[1]!);
    const unsigned = isUnsigned(left.type) || isUnsigned(right.type);
    const result = newFieldType(FieldTypeCode.LongLong, unsigned ? { flags: FieldFlag.Unsigned } : {});
    if (arithmeticType(left.type, right.type) === 'int') return call(Sig.IntDivideInt, [asType(left, 'int'), asType(right, 'int')], result);
    const decimalOperand = (expr: Expr) => (evalTypeOf(expr.type) === 'real' ? castAs(expr, decimalType(65, 30)) : asDecimal(expr));
    return call(Sig.IntDivideDecimal, [decimalOperand(left), decimalOperand(right)], result);
  },
});

defineFunction(
  {
    name: '%',
    minArgs: 2,
    maxArgs: 2,
    build: (rawArgs) => {
      const { type, args, inferred } = numericOperands(rawArgs);
      if (type === 'real') return call(Sig.ModReal, args, newFieldType(FieldTypeCode.Double));
      // The remainder has the dividend's sign: unsigned only when the dividend is.
      if (type === 'int') return call(Sig.ModInt, args, newFieldType(FieldTypeCode.LongLong, isUnsigned(args[0]!.type) ? { flags: FieldFlag.Unsigned } : {}));
      const scale = Math.max(decimalScaleOf(inferred[0]), decimalScaleOf(inferred[1]));
      return call(Sig.ModDecimal, args, decimalType(Math.max(decimalPrecisionOf(inferred[0]), decimalPrecisionOf(inferred[1])), scale));
    },
  },
  ['mod'],
);

defineFunction({
  name: 'unary -',
  minArgs: 1,
  maxArgs: 1,
  build: ([raw]) => {
    const value = numericOperand(raw!);
    if (isNullType(value.type)) return value;
    const type = evalTypeOf(value.type);
    // -(unsigned) can pass BIGINT's range, and so can a constant -9223372036854775808
    // (-(-9223372036854775808) is 9223372036854775808): MySQL computes them as a DECIMAL.
    const passesBigint = isUnsigned(value.type) || (value.kind === 'constant' && value.value === int64Min);
    if (type === 'int' && passesBigint) {
      const decimal = asDecimal(value);
      return call(Sig.UnaryMinusDecimal, [decimal], decimal.type);
    }
    if (type === 'int') return call(Sig.UnaryMinusInt, [value], newFieldType(FieldTypeCode.LongLong, { length: value.type.length + 1 }));
    return call(sigOf('UnaryMinus', type), [value], value.type);
  },
});

defineFunction({
  name: 'unary +',
  minArgs: 1,
  maxArgs: 1,
  build: ([value]) => value!,
});

// ---- Bit operators: BIGINT UNSIGNED over the operands' 64-bit patterns ------------------

const bitOperators: ReadonlyArray<readonly [string, Sig]> = [
  ['&', Sig.BitAndInt],
  ['|', Sig.BitOrInt],
  ['^', Sig.BitXorInt],
  ['<<', Sig.LeftShiftInt],
  ['>>', Sig.RightShiftInt],
];

function bitOperand(expr: Expr): Expr {
  if (isNullType(expr.type)) return constant(null, resultTypes.unsignedBigint());
  const type = evalTypeOf(expr.type);
  if (type === 'int') return expr;
  // Strings convert as doubles, then round to an integer pattern, as MySQL does.
  const numeric = type === 'bytes' || type === 'json' ? castToEvalType(expr, 'real') : expr;
  return castAs(numeric, resultTypes.unsignedBigint());
}

for (const [name, sig] of bitOperators) {
  defineFunction({ name, minArgs: 2, maxArgs: 2, build: ([left, right]) => call(sig, [bitOperand(left!), bitOperand(right!)], resultTypes.unsignedBigint()) });
}
defineFunction({ name: '~', minArgs: 1, maxArgs: 1, build: ([value]) => call(Sig.BitNegInt, [bitOperand(value!)], resultTypes.unsignedBigint()) });

// ---- LIKE --------------------------------------------------------------------------------

/** `target LIKE pattern [ESCAPE e]`: the escape is a one-character string (default backslash). */
defineFunction({
  name: 'like',
  minArgs: 2,
  maxArgs: 3,
  build: (args) => {
    const target = asType(args[0]!, 'bytes');
    const pattern = asType(args[1]!, 'bytes');
    const escape = args[2] === undefined ? constant(92n, resultTypes.bigint()) : escapeCharacter(args[2]);
    const result = resultTypes.boolean();
    result.collation = stringCollationOf([target.type, pattern.type]).collation;
    return call(Sig.Like, [target, pattern, escape], result);
  },
});

function escapeCharacter(expr: Expr): Expr {
  if (expr.kind !== 'constant' || !(expr.value instanceof Uint8Array)) throw new ExprError(BuildErrorCode.wrongArguments, 'Incorrect arguments to ESCAPE');
  const text = Buffer.from(expr.value).toString('utf8');
  const characters = [...text];
  if (characters.length > 1) throw new ExprError(BuildErrorCode.wrongArguments, 'Incorrect arguments to ESCAPE');
  // An empty escape string means no escape character.
  return constant(characters.length === 0 ? -1n : BigInt(characters[0]!.codePointAt(0)!), resultTypes.bigint());
}

// ---- Control functions ---------------------------------------------------------------------

function branchesAs(values: readonly Expr[]): { type: FieldType; values: Expr[] } {
  const type = unionType(typesOf(values));
  if (isNullType(type)) {
    const bigint = resultTypes.bigint();
    return { type: bigint, values: values.map(() => constant(null, bigint)) };
  }
  return { type, values: values.map((value) => (isNullType(value.type) ? constant(null, type) : castAs(value, branchType(value.type, type)))) };
}

/**
 * The type a branch converts to: the union's, but for an integer into a DECIMAL union one
 * that holds all its values at the union's scale (the union's precision follows MySQL's
 * display widths, which a TINYINT(1) holding 100 passes).
 */
function branchType(branch: FieldType, union: FieldType): FieldType {
  if (evalTypeOf(union) !== 'decimal' || evalTypeOf(branch) !== 'int') return union;
  const scale = decimalScaleOf(union);
  return decimalType(decimalHolding(branch).length + scale, scale);
}

defineFunction({
  name: 'if',
  minArgs: 3,
  maxArgs: 3,
  build: ([condition, then, otherwise]) => {
    const branches = branchesAs([then!, otherwise!]);
    return call(sigOf('If', evalTypeOf(branches.type)), [truthValue(condition!), ...branches.values], branches.type);
  },
});

for (const [name, prefix, minArgs, maxArgs] of [['ifnull', 'IfNull', 2, 2], ['coalesce', 'Coalesce', 1, Infinity]] as const) {
  defineFunction({
    name,
    minArgs,
    maxArgs,
    build: (args) => {
      const branches = branchesAs(args);
      return call(sigOf(prefix, evalTypeOf(branches.type)), branches.values, branches.type);
    },
  });
}

/** NULLIF(a, b) is IF(a = b, NULL, a), typed as a. */
defineFunction({
  name: 'nullif',
  minArgs: 2,
  maxArgs: 2,
  build: ([left, right]) => {
    const type = isNullType(left!.type) ? resultTypes.bigint() : left!.type;
    return call(sigOf('If', evalTypeOf(type)), [build('=', [left!, right!]), constant(null, type), isNullType(left!.type) ? constant(null, type) : left!], type);
  },
});

/**
 * CASE WHEN c1 THEN v1 ... [ELSE e] END, as arguments c1, v1, c2, v2, ..., [e]. The
 * `CASE x WHEN a THEN ...` form reaches here already rewritten as `x = a` conditions.
 */
defineFunction({
  name: 'case',
  minArgs: 2,
  maxArgs: Infinity,
  build: (args) => {
    const pairs = Math.floor(args.length / 2);
    const values: Expr[] = [];
    for (let pair = 0; pair < pairs; pair++) values.push(args[pair * 2 + 1]!);
    if (args.length % 2 === 1) values.push(args[args.length - 1]!);
    const branches = branchesAs(values);
    const out: Expr[] = [];
    for (let pair = 0; pair < pairs; pair++) out.push(truthValue(args[pair * 2]!), branches.values[pair]!);
    if (args.length % 2 === 1) out.push(branches.values[pairs]!);
    return call(sigOf('CaseWhen', evalTypeOf(branches.type)), out, branches.type);
  },
});
