import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Connection, FieldPacket } from 'mysql2/promise';
import { startMariaDb } from '../mariadb/mariadb-server.js';
import { type Answer, answersMatch, casesDirectory, evaluateCase, expectedFileText, loadCases, loadExpected, type OracleCase, renderValue, renderWarnings, valueOf } from './cases.js';

/**
 * `npm run test:expr-oracle [-- --rewrite]`: asks a private MariaDB server every case of
 * test/expr-oracle/cases, compares its answers with common/expr's and with the recorded
 * `.expected` files, and with --rewrite records MariaDB's answers anew. npm test checks
 * common/expr against the recorded answers without needing MariaDB.
 */

// MariaDB's defaults, pinned so a server with other defaults records the same answers.
const sessionSetup = [
  'SET NAMES utf8mb4 COLLATE utf8mb4_general_ci',
  "SET time_zone = '+00:00'",
  "SET sql_mode = 'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION'",
  'SET div_precision_increment = 4',
  'CREATE DATABASE oracle',
  'CREATE TABLE oracle.empty (a INT)',
];

/**
 * Only a statement that reads a table resets MariaDB's warnings (a SELECT without FROM
 * keeps the last statement's), so each case runs after one that does.
 */
const resetWarnings = 'SELECT a FROM oracle.empty';

async function askMariaDb(connection: Connection, sql: string): Promise<Answer> {
  let text: Answer;
  await connection.query(resetWarnings);
  try {
    const [rows, fields] = (await connection.query({
      sql: `SELECT ${sql}`,
      rowsAsArray: true,
      typeCast: (field, _next) => field.buffer(),
    })) as unknown as [Array<Array<Buffer | null>>, FieldPacket[]];
    const value = rows[0]?.[0] ?? null;
    const binary = fields[0]?.characterSet === 63 && isStringColumn(fields[0]);
    text = renderValue(value === null ? null : value.toString('utf8'), value, binary);
  } catch (error) {
    const code = (error as { errno?: number }).errno;
    if (typeof code !== 'number') throw error;
    return `ERROR ${code}`;
  }
  const [warnings] = (await connection.query('SHOW WARNINGS')) as unknown as [Array<{ Code: number }>];
  return text + renderWarnings(warnings.map((warning) => warning.Code));
}

/** String columns (VARCHAR, BLOB, ...), whose binary charset means raw bytes; numbers are "binary" too. */
function isStringColumn(field: FieldPacket): boolean {
  const code = field.columnType ?? field.type ?? 0;
  return code === 15 || code === 253 || code === 254 || (code >= 249 && code <= 252);
}

async function main(): Promise<void> {
  const rewrite = process.argv.includes('--rewrite');
  const cases = loadCases();
  const recorded = loadExpected();
  const server = await startMariaDb();
  const connection = await server.connect();
  const mariaDbAnswers = new Map<string, Map<string, Answer>>();
  try {
    for (const statement of sessionSetup) await connection.query(statement);
    for (const each of cases) {
      const answers = mariaDbAnswers.get(each.family) ?? new Map<string, Answer>();
      mariaDbAnswers.set(each.family, answers);
      answers.set(each.sql, await askMariaDb(connection, each.sql));
    }
  } finally {
    await connection.end();
    await server.stop();
  }
  let changedRecords = 0;
  let valueMismatches = 0;
  let warningMismatches = 0;
  let unjustified = 0;
  const report: string[] = [];
  for (const each of cases) {
    const mariaDb = mariaDbAnswers.get(each.family)!.get(each.sql)!;
    if (recorded.get(each.family)?.get(each.sql) !== mariaDb) changedRecords++;
    const ours = evaluateCase(each.sql);
    const wanted = each.override?.answer ?? mariaDb;
    if (each.override !== undefined && answersMatch(mariaDb, mariaDb, each)) {
      unjustified++;
      report.push(`${where(each)}: listed as a difference, but MariaDB answers the same: ${mariaDb}`);
    }
    if (answersMatch(ours, mariaDb, each)) continue;
    if (valueOf(ours) !== valueOf(wanted)) {
      valueMismatches++;
      report.push(`${where(each)}: ${each.sql}\n    ours   ${ours}\n    wanted ${wanted}${each.override ? ' (MySQL 8)' : ''}${each.override ? `\n    MariaDB ${mariaDb}` : ''}`);
    } else {
      warningMismatches++;
      report.push(`${where(each)}: ${each.sql}\n    warnings differ: ours ${ours} MariaDB ${wanted}`);
    }
  }
  if (rewrite) {
    for (const [family, answers] of mariaDbAnswers) {
      writeFileSync(join(casesDirectory, `${family}.expected`), expectedFileText(cases.filter((each) => each.family === family), answers));
    }
  }
  console.log(report.join('\n'));
  console.log(`MariaDB ${server.version}: ${cases.length} cases, ${cases.filter((each) => each.override).length} listed differences; ${valueMismatches} value mismatches, ${warningMismatches} warning-only mismatches, ${unjustified} differences MariaDB does not show; ${changedRecords} answers differ from the recorded ones${rewrite ? ' (rewritten)' : ''}`);
  process.exitCode = valueMismatches > 0 || warningMismatches > 0 || unjustified > 0 || (!rewrite && changedRecords > 0) ? 1 : 0;
}

function where(each: OracleCase): string {
  return `${each.family}.sql:${each.line}`;
}

await main();
