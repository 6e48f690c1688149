import { configLeaves, describeLeafType, type SectionNode } from './schema-tree.js';
import { valueFromText, type Assignment, type SourceResult } from './sources.js';

/** `raftstore.election-timeout-ticks` with prefix `TIDEDB_` → `TIDEDB_RAFTSTORE_ELECTION_TIMEOUT_TICKS`. */
export function environmentVariableName(prefix: string, flag: string): string {
  return `${prefix}${flag.replace(/[.-]/g, '_').toUpperCase()}`;
}

/**
 * Reads settings from environment variables named after the flags. Variables with the
 * prefix that match no setting are ignored, not errors: the environment is shared by every
 * process a parent starts, and each reads only the settings of its own component.
 */
export function readEnvironment(tree: SectionNode, environment: Readonly<Record<string, string | undefined>>, prefix: string): SourceResult {
  const assignments: Assignment[] = [];
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const leaf of configLeaves(tree)) {
    if (leaf.node.type.kind === 'other') continue;
    const variable = environmentVariableName(prefix, leaf.flag);
    const clash = seen.get(variable);
    if (clash !== undefined) throw new TypeError(`config schema: --${clash} and --${leaf.flag} both read ${variable}`);
    seen.set(variable, leaf.flag);
    const raw = environment[variable];
    if (raw === undefined) continue;
    const parsed = valueFromText(leaf.node.type, raw);
    if (parsed === undefined) {
      problems.push(`${variable}: expected ${describeLeafType(leaf.node.type)}, got ${JSON.stringify(raw)}`);
      continue;
    }
    assignments.push({ path: leaf.path, value: parsed.value, source: { kind: 'environment', variable, raw } });
  }
  return { assignments, problems };
}
