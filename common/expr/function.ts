import { type ScalarFuncSig, ScalarFuncSig as Sig } from '../../proto/gen/dagpb.js';
import { assert } from '../assert.js';
import { type Collation, getCollation } from '../types/collation.js';
import type { FieldType } from '../types/field-type.js';
import type { Column } from './column.js';
import type { EvalContext } from './context.js';
import type { EvalType } from './eval-type.js';
import type { ScalarValue } from './expr.js';

/** What an implementation knows about the call it evaluates. */
export interface CallInfo {
  readonly args: readonly FieldType[];
  readonly type: FieldType;
  /** The collation strings are compared with: the result type's (MySQL derives it from the arguments). */
  readonly collation: Collation;
}

/** Evaluates one row: arguments in, result out; null is SQL NULL. */
export type RowImplementation = (context: EvalContext, args: readonly (ScalarValue | null)[], call: CallInfo) => ScalarValue | null;

/** Evaluates a whole batch; arguments of length 1 are constants that apply to every row. */
export type BatchImplementation = (context: EvalContext, args: readonly Column[], rows: number, call: CallInfo) => Column;

export interface ScalarFunction {
  readonly sig: ScalarFuncSig;
  /** The SQL name, for messages and EXPLAIN. */
  readonly name: string;
  /** The evaluation type of argument `index` of a call with `count` arguments; undefined: no such argument. */
  readonly argType: (index: number, count: number) => EvalType | undefined;
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly returns: EvalType;
  /**
   * Whether a store's coprocessor may run it. A function is pushable when its result
   * depends only on its arguments and the request's time zone and SQL mode (not on the
   * session, the clock or randomness).
   */
  readonly pushable: boolean;
  /** The implementation sees NULL arguments; otherwise any NULL argument makes the result NULL. */
  readonly nullTolerant: boolean;
  readonly row: RowImplementation;
  /** A faster batch implementation, where one was worth writing; must agree with `row`. */
  readonly batch?: BatchImplementation;
}

export interface ScalarFunctionSpec {
  readonly sig: ScalarFuncSig;
  readonly name: string;
  /** Fixed argument types, or a rule `each(index, count)` for variadic calls with at least `min` arguments. */
  readonly args: readonly EvalType[] | { readonly each: (index: number, count: number) => EvalType | undefined; readonly min: number; readonly max?: number };
  readonly returns: EvalType;
  readonly pushable?: boolean;
  readonly nullTolerant?: boolean;
  readonly row: RowImplementation;
  readonly batch?: BatchImplementation;
}

const registry = new Map<number, ScalarFunction>();

/** Registers a function once; a second registration of a signature is a programming error. */
export function defineScalar(spec: ScalarFunctionSpec): ScalarFunction {
  assert(spec.sig !== Sig.Unspecified, `${spec.name}: no signature`);
  assert(!registry.has(spec.sig), `signature ${spec.sig} (${spec.name}) registered twice`);
  const fixed = Array.isArray(spec.args) ? (spec.args as readonly EvalType[]) : undefined;
  const variadic = Array.isArray(spec.args) ? undefined : (spec.args as Exclude<ScalarFunctionSpec['args'], readonly EvalType[]>);
  const definition: ScalarFunction = {
    sig: spec.sig,
    name: spec.name,
    argType: fixed !== undefined ? (index) => fixed[index] : variadic!.each,
    minArgs: fixed?.length ?? variadic!.min,
    maxArgs: fixed?.length ?? variadic!.max ?? Number.MAX_SAFE_INTEGER,
    returns: spec.returns,
    pushable: spec.pushable ?? true,
    nullTolerant: spec.nullTolerant ?? false,
    row: spec.row,
    ...(spec.batch === undefined ? {} : { batch: spec.batch }),
  };
  registry.set(spec.sig, definition);
  return definition;
}

export function scalarFunction(sig: number): ScalarFunction | undefined {
  return registry.get(sig);
}

export function callInfo(args: readonly FieldType[], type: FieldType): CallInfo {
  return { args, type, collation: getCollation(type.collation === '' ? 'binary' : type.collation) };
}
