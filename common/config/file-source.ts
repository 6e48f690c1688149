import { readFileSync } from 'node:fs';
import { TomlError, parse } from 'smol-toml';
import { describeLeafType, type SectionNode } from './schema-tree.js';
import { closestMatch, describeGiven, sectionPrefix, type Assignment, type SourceResult } from './sources.js';

/**
 * Reads a component's TOML config file against its schema tree. Keys are kebab-case
 * (`election-timeout-ticks`); every key the schema does not know is a problem, reported
 * with its line and the closest known key, because a misspelled setting that is silently
 * ignored is a production incident waiting to happen.
 */
export function readConfigFile(file: string, tree: SectionNode): SourceResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { assignments: [], problems: [`cannot read config file ${file}: ${reason}`] };
  }
  let document: Record<string, unknown>;
  try {
    document = parse(text);
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    const reason = (error.message.split('\n')[0] ?? '').replace(/^Invalid TOML document: /, '');
    return { assignments: [], problems: [`invalid TOML in ${file}:${error.line}:${error.column}: ${reason}`] };
  }
  const lines = indexKeyLines(text);
  const assignments: Assignment[] = [];
  const problems: string[] = [];

  const walk = (table: Record<string, unknown>, section: SectionNode, path: readonly string[], filePath: readonly string[]): void => {
    for (const [fileKey, value] of Object.entries(table)) {
      const childFilePath = [...filePath, fileKey];
      const where = `in ${file}${lineSuffix(lines.get(childFilePath.join('.')))}`;
      const field = section.fields.get(fileKey);
      if (field === undefined) {
        const what = isTable(value) ? `unknown section [${childFilePath.join('.')}]` : `unknown key ${JSON.stringify(fileKey)}`;
        const suggestion = closestMatch(fileKey, section.fields.keys());
        const hint = suggestion === undefined ? '' : `; did you mean ${JSON.stringify(suggestion)}?`;
        problems.push(`${sectionPrefix(childFilePath)}${what} ${where}${hint}`);
        continue;
      }
      const childPath = [...path, field.key];
      if (field.node.kind === 'section') {
        if (isTable(value)) walk(value, field.node, childPath, childFilePath);
        else problems.push(`${sectionPrefix(childFilePath)}${fileKey}: expected a section [${childFilePath.join('.')}], got ${describeGiven(value)} ${where}`);
        continue;
      }
      if (field.node.type.kind === 'other' || field.node.type.kind === 'map' || !isTable(value)) {
        assignments.push({
          path: childPath,
          value: toPlain(value),
          source: { kind: 'file', file, filePath: childFilePath, line: lines.get(childFilePath.join('.')), value },
        });
      } else {
        problems.push(`${sectionPrefix(childFilePath)}${fileKey}: expected ${describeLeafType(field.node.type)}, got a table ${where}`);
      }
    }
  };
  walk(document, tree, [], []);
  return { assignments, problems };
}

function lineSuffix(line: number | undefined): string {
  return line === undefined ? '' : `:${line}`;
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** smol-toml builds tables without a prototype; the schema sees ordinary objects. */
function toPlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toPlain);
  if (isTable(value)) return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, toPlain(field)]));
  return value;
}

/**
 * The 1-based line where each dotted key path is first defined, found by scanning the
 * text: table headers (`[a.b]`, `[[a.b]]`) set the current table, `key = ...` and dotted
 * `x.y = ...` lines define keys under it. Best effort (a key inside an inline table or a
 * multi-line string is not found); a missing line only shortens the message.
 */
function indexKeyLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  let table: string[] = [];
  const remember = (path: readonly string[], line: number): void => {
    const key = path.join('.');
    if (!lines.has(key)) lines.set(key, line);
  };
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = index + 1;
    const header = /^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$/.exec(rawLine);
    if (header !== null) {
      table = splitDottedKey(header[1] ?? '');
      for (let depth = 1; depth <= table.length; depth++) remember(table.slice(0, depth), line);
      return;
    }
    const assignment = /^\s*((?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+)(?:\s*\.\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+))*)\s*=/.exec(rawLine);
    if (assignment !== null) {
      const keyPath = [...table, ...splitDottedKey(assignment[1] ?? '')];
      for (let depth = table.length + 1; depth <= keyPath.length; depth++) remember(keyPath.slice(0, depth), line);
    }
  });
  return lines;
}

function splitDottedKey(text: string): string[] {
  const parts: string[] = [];
  const pattern = /\s*(?:"([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*(?:\.|$)/g;
  for (const match of text.matchAll(pattern)) parts.push(match[1] ?? match[2] ?? match[3] ?? '');
  return parts;
}
