import { ExprError } from '../context.js';
import type { Expr } from '../expr.js';

/** MySQL error codes for calls the builder refuses. */
export const BuildErrorCode = {
  /** ER_SP_DOES_NOT_EXIST: "FUNCTION x does not exist". */
  unknownFunction: 1305,
  /** ER_WRONG_PARAMCOUNT_TO_NATIVE_FCT: "Incorrect parameter count in the call to native function 'x'". */
  wrongParameterCount: 1582,
  /** ER_WRONG_ARGUMENTS. */
  wrongArguments: 1210,
  /** ER_UNKNOWN_ERROR: a call the engine cannot evaluate yet. */
  unsupported: 1105,
} as const;

/**
 * How a SQL function call becomes an expression: the rule picks the signature for its
 * arguments' evaluation types, casts arguments where MySQL converts them, and infers the
 * result's field type (length, decimals, flags, collation), once, at plan time. The SQL
 * planner and the tests build every call through here, so a call reaching the evaluator
 * (or a store) is always well typed.
 */
export interface FunctionRule {
  /** The lower-case SQL name (`concat`, `date_add`) or operator (`+`, `<=>`, `is null`). */
  readonly name: string;
  readonly minArgs: number;
  /** Infinity for variadic calls. */
  readonly maxArgs: number;
  readonly build: (args: readonly Expr[]) => Expr;
}

const rules = new Map<string, FunctionRule>();

/** Registers a rule once; `aliases` are other names for the same function (`ucase` for `upper`). */
export function defineFunction(rule: FunctionRule, aliases: readonly string[] = []): void {
  for (const name of [rule.name, ...aliases]) {
    if (rules.has(name)) throw new Error(`function ${name} defined twice`);
    rules.set(name, rule);
  }
}

/** Builds a call of the function or operator `name` (any case) over `args`. */
export function buildFunction(name: string, args: readonly Expr[]): Expr {
  const rule = rules.get(name.toLowerCase());
  if (rule === undefined) throw new ExprError(BuildErrorCode.unknownFunction, `FUNCTION ${name} does not exist`);
  if (args.length < rule.minArgs || args.length > rule.maxArgs) {
    throw new ExprError(BuildErrorCode.wrongParameterCount, `Incorrect parameter count in the call to native function '${name}'`);
  }
  return rule.build(args);
}
