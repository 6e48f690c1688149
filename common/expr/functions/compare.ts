import { ScalarFuncSig as Sig } from '../../../proto/gen/dagpb.js';
import type { Collation } from '../../types/collation.js';
import type { Decimal } from '../../types/decimal.js';
import type { Duration, MysqlTime } from '../../types/time.js';
import { bytesStart, type Column, type IntColumn } from '../column.js';
import { ExprError, ExprErrorCode } from '../context.js';
import { allEvalTypes, type EvalType, isUnsignedType, signatureSuffix } from '../eval-type.js';
import type { ScalarValue } from '../expr.js';
import { type BatchImplementation, type CallInfo, defineScalar } from '../function.js';

/** -1, 0 or 1: how two non-NULL values of one evaluation type order (strings by `collation`). */
export function compareValues(type: EvalType, left: ScalarValue, right: ScalarValue, collation: Collation): number {
  switch (type) {
    case 'int':
      return (left as bigint) < (right as bigint) ? -1 : (left as bigint) > (right as bigint) ? 1 : 0;
    case 'real':
      return (left as number) < (right as number) ? -1 : (left as number) > (right as number) ? 1 : 0;
    case 'decimal':
      return (left as Decimal).compare(right as Decimal);
    case 'bytes':
      return collation.compareBytes(left as Uint8Array, right as Uint8Array);
    case 'json':
      // JSON ordering (by type, then value) arrives with the JSON functions.
      throw new ExprError(ExprErrorCode.unknown, 'comparing JSON values is not supported yet');
    case 'time':
      return (left as MysqlTime).compare(right as MysqlTime);
    case 'duration':
      return (left as Duration).compare(right as Duration);
  }
}

// JSON comparisons arrive with the JSON functions.
const comparedTypes = allEvalTypes.filter((type) => type !== 'json');

const operators: ReadonlyArray<readonly [string, string, (order: number) => boolean]> = [
  ['Lt', '<', (order) => order < 0],
  ['Le', '<=', (order) => order <= 0],
  ['Gt', '>', (order) => order > 0],
  ['Ge', '>=', (order) => order >= 0],
  ['Eq', '=', (order) => order === 0],
  ['Ne', '!=', (order) => order !== 0],
];

/** What a comparison answers for each row: NULL when either side is NULL, else 1 or 0. */
interface ComparisonOutput {
  readonly values: BigInt64Array;
  readonly nulls: Uint8Array;
}

function newOutput(rows: number): ComparisonOutput {
  return { values: new BigInt64Array(rows), nulls: new Uint8Array(rows) };
}

function finished(output: ComparisonOutput, rows: number): IntColumn {
  return { kind: 'int', length: rows, values: output.values, nulls: output.nulls };
}

/**
 * A comparison over a batch, reading both sides straight from their arrays (a one-value
 * column is a constant that stands for every row). It orders values exactly as
 * `compareValues` does after `valueReader`: unsigned integers by their unsigned value,
 * strings by the call's collation. Hot path: nothing allocated per row, except the views
 * a collation compares strings through.
 */
function comparisonBatch(type: 'int' | 'real' | 'bytes', holds: (order: number) => boolean): BatchImplementation {
  return (_context, args, rows, call) => {
    const [left, right] = args as [Column, Column];
    const output = newOutput(rows);
    // A NULL literal may stand for either side, whatever its column kind.
    if ((left.length === 1 && left.nulls[0] === 1) || (right.length === 1 && right.nulls[0] === 1)) {
      output.nulls.fill(1);
      return finished(output, rows);
    }
    const leftStep = left.length === 1 ? 0 : 1;
    const rightStep = right.length === 1 ? 0 : 1;
    if (type === 'int') compareInts(left, right, leftStep, rightStep, rows, call, holds, output);
    else if (type === 'real') compareReals(left, right, leftStep, rightStep, rows, holds, output);
    else compareStrings(left, right, leftStep, rightStep, rows, call, holds, output);
    return finished(output, rows);
  };
}

function compareInts(left: Column, right: Column, leftStep: number, rightStep: number, rows: number, call: CallInfo, holds: (order: number) => boolean, output: ComparisonOutput): void {
  if (left.kind !== 'int' || right.kind !== 'int') throw new ExprError(ExprErrorCode.unknown, `an integer comparison got ${left.kind} and ${right.kind} columns`);
  const leftUnsigned = isUnsignedType(call.args[0]!);
  const rightUnsigned = isUnsignedType(call.args[1]!);
  const { values, nulls } = output;
  for (let row = 0; row < rows; row++) {
    const leftRow = row * leftStep;
    const rightRow = row * rightStep;
    if (left.nulls[leftRow] === 1 || right.nulls[rightRow] === 1) {
      nulls[row] = 1;
      continue;
    }
    let leftValue = left.values[leftRow]!;
    let rightValue = right.values[rightRow]!;
    if (leftUnsigned && leftValue < 0n) leftValue = BigInt.asUintN(64, leftValue);
    if (rightUnsigned && rightValue < 0n) rightValue = BigInt.asUintN(64, rightValue);
    if (holds(leftValue < rightValue ? -1 : leftValue > rightValue ? 1 : 0)) values[row] = 1n;
  }
}

function compareReals(left: Column, right: Column, leftStep: number, rightStep: number, rows: number, holds: (order: number) => boolean, output: ComparisonOutput): void {
  if (left.kind !== 'real' || right.kind !== 'real') throw new ExprError(ExprErrorCode.unknown, `a real comparison got ${left.kind} and ${right.kind} columns`);
  const { values, nulls } = output;
  for (let row = 0; row < rows; row++) {
    const leftRow = row * leftStep;
    const rightRow = row * rightStep;
    if (left.nulls[leftRow] === 1 || right.nulls[rightRow] === 1) {
      nulls[row] = 1;
      continue;
    }
    const leftValue = left.values[leftRow]!;
    const rightValue = right.values[rightRow]!;
    if (holds(leftValue < rightValue ? -1 : leftValue > rightValue ? 1 : 0)) values[row] = 1n;
  }
}

function compareStrings(left: Column, right: Column, leftStep: number, rightStep: number, rows: number, call: CallInfo, holds: (order: number) => boolean, output: ComparisonOutput): void {
  if (left.kind !== 'bytes' || right.kind !== 'bytes') throw new ExprError(ExprErrorCode.unknown, `a string comparison got ${left.kind} and ${right.kind} columns`);
  const collation = call.collation;
  const { values, nulls } = output;
  // A constant side is viewed once for the whole batch.
  const leftConstant = leftStep === 0 ? left.data.subarray(0, left.ends[0]!) : undefined;
  const rightConstant = rightStep === 0 ? right.data.subarray(0, right.ends[0]!) : undefined;
  for (let row = 0; row < rows; row++) {
    const leftRow = row * leftStep;
    const rightRow = row * rightStep;
    if (left.nulls[leftRow] === 1 || right.nulls[rightRow] === 1) {
      nulls[row] = 1;
      continue;
    }
    const leftValue = leftConstant ?? left.data.subarray(bytesStart(left, leftRow), left.ends[leftRow]!);
    const rightValue = rightConstant ?? right.data.subarray(bytesStart(right, rightRow), right.ends[rightRow]!);
    if (holds(collation.compareBytes(leftValue, rightValue))) values[row] = 1n;
  }
}

for (const type of comparedTypes) {
  const suffix = signatureSuffix[type];
  for (const [prefix, name, holds] of operators) {
    const batch = type === 'int' || type === 'real' || type === 'bytes' ? comparisonBatch(type, holds) : undefined;
    defineScalar({
      sig: Sig[`${prefix}${suffix}` as keyof typeof Sig],
      name,
      args: [type, type],
      returns: 'int',
      row: (_context, [left, right], call) => (holds(compareValues(type, left!, right!, call.collation)) ? 1n : 0n),
      ...(batch === undefined ? {} : { batch }),
    });
  }
  // a <=> b: NULL-safe equality, true when both are NULL.
  defineScalar({
    sig: Sig[`NullEq${suffix}` as keyof typeof Sig],
    name: '<=>',
    args: [type, type],
    returns: 'int',
    nullTolerant: true,
    row: (_context, [left, right], call) => {
      if (left == null || right == null) return left == right ? 1n : 0n;
      return compareValues(type, left!, right!, call.collation) === 0 ? 1n : 0n;
    },
  });
  // a IN (b, c, ...): true when one equals a; otherwise NULL when a or one of the list is NULL.
  defineScalar({
    sig: Sig[`In${suffix}` as keyof typeof Sig],
    name: 'in',
    args: { each: () => type, min: 2 },
    returns: 'int',
    nullTolerant: true,
    row: (_context, [target, ...list], call) => {
      if (target == null) return null;
      let sawNull = false;
      for (const candidate of list) {
        if (candidate === null) sawNull = true;
        else if (compareValues(type, target, candidate!, call.collation) === 0) return 1n;
      }
      return sawNull ? null : 0n;
    },
  });
}
