import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EvalContext, ExprError } from '../../common/expr/context.js';
import type { Column } from '../../common/expr/column.js';
import { broadcastColumn } from '../../common/expr/column.js';
import { CompiledExpr, constantColumn, evaluate, valueReader } from '../../common/expr/evaluate.js';
import { exprFromProto, exprToProto } from '../../common/expr/proto-expr.js';
import * as dagpb from '../../proto/gen/dagpb.js';
import { call, columnRef, type Expr, type ScalarValue } from '../../common/expr/expr.js';
import { formatValue } from '../../common/expr/format-value.js';
import { type FieldType, isBinaryString } from '../../common/types/field-type.js';
import { repoRoot } from '../repo-root.js';
import { parseSqlExpression } from './sql-expression.js';

/**
 * The differential test's cases: `cases/<family>.sql` holds one constant SQL expression
 * per line; `cases/<family>.expected` holds MariaDB's answer for each, recorded by
 * `npm run test:expr-oracle -- --rewrite`. A case line may end in
 * `## <answer> ## <why>`: an intentional difference, where MySQL 8 (which we follow)
 * answers otherwise than MariaDB; the answer written there is what we must give
 * (its value alone, unless it names warnings: `... warnings 1264`, or `warnings none`).
 */
export const casesDirectory = join(repoRoot(), 'test', 'expr-oracle', 'cases');

export interface OracleCase {
  readonly family: string;
  readonly line: number;
  readonly sql: string;
  /** Set for an intentional difference: what MySQL 8 answers, and why we follow it. */
  readonly override?: { readonly answer: string; readonly why: string };
}

/**
 * An answer as one line of text: `NULL`, `ERROR <code>`, a JSON string for text, or
 * `x'<hex>'` for a binary string; warnings (codes, in order) follow as ` warnings <codes>`.
 */
export type Answer = string;

export function loadCases(): OracleCase[] {
  const out: OracleCase[] = [];
  for (const file of readdirSync(casesDirectory).filter((name) => name.endsWith('.sql')).sort()) {
    const family = file.slice(0, -'.sql'.length);
    readFileSync(join(casesDirectory, file), 'utf8')
      .split('\n')
      .forEach((raw, index) => {
        const text = raw.trim();
        if (text === '' || text.startsWith('#')) return;
        const parts = text.split(' ## ');
        const sql = parts[0]!.trim();
        if (parts.length >= 3) out.push({ family, line: index + 1, sql, override: { answer: parts[1]!.trim(), why: parts.slice(2).join(' ## ').trim() } });
        else out.push({ family, line: index + 1, sql });
      });
  }
  return out;
}

/** Recorded answers by family, then by SQL text. */
export function loadExpected(): Map<string, Map<string, Answer>> {
  const out = new Map<string, Map<string, Answer>>();
  for (const file of readdirSync(casesDirectory).filter((name) => name.endsWith('.expected'))) {
    const answers = new Map<string, Answer>();
    for (const line of readFileSync(join(casesDirectory, file), 'utf8').split('\n')) {
      const separator = line.lastIndexOf('\t=> ');
      if (separator < 0) continue;
      answers.set(line.slice(0, separator), line.slice(separator + '\t=> '.length));
    }
    out.set(file.slice(0, -'.expected'.length), answers);
  }
  return out;
}

export function expectedFileText(cases: readonly OracleCase[], answers: ReadonlyMap<string, Answer>): string {
  return cases.map((each) => `${each.sql}\t=> ${answers.get(each.sql) ?? 'MISSING'}`).join('\n') + '\n';
}

export function renderValue(text: string | null, bytes: Uint8Array | null, binary: boolean): string {
  if (text === null && bytes === null) return 'NULL';
  if (binary && bytes !== null) return `x'${Buffer.from(bytes).toString('hex')}'`;
  return JSON.stringify(text ?? Buffer.from(bytes!).toString('utf8'));
}

/** Our value of a result type as an answer: its MySQL text, or its bytes for a binary string. */
function renderResult(value: ScalarValue | null, type: FieldType): string {
  const binary = isBinaryString(type);
  return renderValue(binary ? null : formatValue(value, type), binary && value instanceof Uint8Array ? value : null, binary);
}

export function renderWarnings(codes: readonly number[]): string {
  return codes.length === 0 ? '' : ` warnings ${codes.join(',')}`;
}

/** The answer without its warnings. */
export function valueOf(answer: Answer): string {
  const at = answer.indexOf(' warnings ');
  return at < 0 ? answer : answer.slice(0, at);
}

/**
 * Whether our answer is the one wanted: value and warnings alike, except that a listed
 * difference that names no warnings (MySQL 8's warnings are not always known) is held
 * to its value; `<value> warnings none` holds it to the value and no warning.
 */
export function answersMatch(ours: Answer, recorded: Answer, each: OracleCase): boolean {
  if (each.override === undefined) return ours === recorded;
  const wanted = each.override.answer;
  // `warnings none` asks for the value with no warning at all.
  if (wanted.endsWith(' warnings none')) return ours === valueOf(wanted);
  return wanted.includes(' warnings ') ? ours === wanted : valueOf(ours) === valueOf(wanted);
}

/** What common/expr answers for one case, evaluated as the coprocessor would: UTC, MySQL's default SQL mode. */
export function evaluateCase(sql: string): Answer {
  const context = new EvalContext({ timeZoneOffsetSeconds: 0 });
  try {
    const expr = parseSqlExpression(sql);
    const column = evaluate(context, expr, [], 1);
    const value = valueReader(column, expr.type)(0);
    return renderResult(value, expr.type) + renderWarnings(context.warnings.map((warning) => warning.code));
  } catch (error) {
    const code = errorCode(error);
    if (code === undefined) throw error;
    return `ERROR ${code}`;
  }
}

/** The MySQL error code of an error the engine raises for bad input. */
function errorCode(error: unknown): number | undefined {
  if (error instanceof ExprError) return error.code;
  if (error instanceof Error && 'mysqlCode' in error && typeof error.mysqlCode === 'number') return error.mysqlCode;
  return undefined;
}

/**
 * The same case with every literal read from a column of a `rows`-row batch instead, as
 * a store's coprocessor evaluates over scanned rows: the answer of each row, values only
 * (warnings repeat per row). Literals that rules must see as constants (units, escape
 * characters) were consumed when the call was built, so every constant left is a value.
 */
export function evaluateCaseOverColumns(sql: string, rows: number, options: { readonly pushedDown?: boolean } = {}): Answer[] | 'not pushable' {
  const context = new EvalContext({ timeZoneOffsetSeconds: 0 });
  try {
    const input: Column[] = [];
    const asColumns = (expr: Expr): Expr => {
      switch (expr.kind) {
        case 'column':
          return expr;
        case 'constant':
          input.push(broadcastColumn(constantColumn(expr.value, expr.type), rows));
          return columnRef(input.length - 1, expr.type);
        case 'call':
          return call(expr.sig, expr.args.map(asColumns), expr.type);
      }
    };
    const built = asColumns(parseSqlExpression(sql));
    // Pushed down: the expression crosses the wire as a dagpb tree and compiles as a store compiles it.
    const expr = options.pushedDown === true ? exprFromProto(dagpb.Expr.decode(dagpb.Expr.encode(exprToProto(built)).finish())) : built;
    let compiled: CompiledExpr;
    try {
      compiled = new CompiledExpr(expr, { pushedDown: options.pushedDown === true });
    } catch (error) {
      if (options.pushedDown === true && error instanceof ExprError && error.message.includes('cannot be pushed down')) return 'not pushable';
      throw error;
    }
    const column = broadcastColumn(compiled.evaluate(context, input, rows), rows);
    const read = valueReader(column, expr.type);
    return Array.from({ length: rows }, (_, row) => renderResult(read(row), expr.type));
  } catch (error) {
    const code = errorCode(error);
    if (code === undefined) throw error;
    return Array.from({ length: rows }, () => `ERROR ${code}`);
  }
}
