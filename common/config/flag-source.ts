import { parseArgs, type ParseArgsConfig } from 'node:util';
import { configLeaves, describeLeafType, type LeafEntry, type SectionNode } from './schema-tree.js';
import { closestMatch, valueFromText, type Assignment } from './sources.js';

export interface FlagResult {
  readonly helpRequested: boolean;
  /** The value of `--config`, if given. */
  readonly configFile: string | undefined;
  readonly assignments: readonly Assignment[];
  readonly problems: readonly string[];
}

type FlagOptions = NonNullable<ParseArgsConfig['options']>;

/**
 * Reads command-line flags with `node:util` `parseArgs`: one flag per leaf of the schema,
 * named by its kebab-case key with dotted sections (`--log-level debug`,
 * `--pd.endpoints=127.0.0.1:2379`), booleans as `--flag` / `--no-flag`, lists
 * comma-separated or repeated, plus `--config <file>` and `--help`. Unknown flags and
 * stray arguments are problems, never ignored.
 */
export function readFlags(tree: SectionNode, argv: readonly string[]): FlagResult {
  const byFlag = new Map<string, LeafEntry>();
  const options: FlagOptions = { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } };
  for (const leaf of configLeaves(tree)) {
    if (leaf.node.type.kind === 'other') continue;
    byFlag.set(leaf.flag, leaf);
    if (leaf.node.type.kind === 'boolean') {
      options[leaf.flag] = { type: 'boolean' };
      options[`no-${leaf.flag}`] = { type: 'boolean' };
    } else {
      options[leaf.flag] = { type: 'string' };
    }
  }

  // Non-strict parsing with tokens lets every problem be reported in TideDB's own words.
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  let helpRequested = false;
  let configFile: string | undefined;
  const problems: string[] = [];
  const lists = new Map<string, { raws: string[]; values: unknown[] }>();
  const assignments = new Map<string, Assignment>();

  // The argument after an unknown flag is taken as its value rather than reported again.
  let skipIndex = -1;
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      if (token.index === skipIndex) continue;
      problems.push(`unexpected argument ${JSON.stringify(token.value)}: settings are given as --flag=value`);
      continue;
    }
    const typed = token.rawName;
    if (token.name === 'help') {
      helpRequested = true;
      continue;
    }
    if (!typed.startsWith('--')) {
      problems.push(`${typed}: unknown flag; only -h has a short form`);
      if (token.value === undefined) skipIndex = token.index + 1;
      continue;
    }
    const name = token.name;
    const negated = name.startsWith('no-') && byFlag.get(name.slice(3))?.node.type.kind === 'boolean';
    const leaf = byFlag.get(negated ? name.slice(3) : name);
    if (name !== 'config' && leaf === undefined) {
      const suggestion = closestMatch(name, ['config', ...byFlag.keys()]);
      const hint = name.startsWith('no-') && byFlag.has(name.slice(3))
        ? `; --${name.slice(3)} takes a value, only true/false flags have a --no- form`
        : suggestion === undefined
          ? ''
          : `; did you mean --${suggestion}?`;
      problems.push(`${typed}: unknown flag${hint}`);
      if (token.value === undefined) skipIndex = token.index + 1;
      continue;
    }

    if (leaf?.node.type.kind === 'boolean') {
      let value = !negated;
      if (token.value !== undefined) {
        const parsed = negated ? undefined : valueFromText(leaf.node.type, token.value);
        if (parsed === undefined) {
          const expected = negated ? 'no value' : 'no value, true or false';
          problems.push(`${typed}: expected ${expected}, got ${JSON.stringify(token.value)}`);
          continue;
        }
        value = parsed.value === true;
      }
      assignments.set(leaf.flag, { path: leaf.path, value, source: { kind: 'flag', flag: typed, raw: token.value ?? String(value) } });
      continue;
    }

    // A string-valued flag: its value is inline (`--port=1`) or the next argument.
    const raw = token.value;
    if (raw === undefined || (token.inlineValue === false && raw.startsWith('-') && raw.length > 1)) {
      const expected = leaf === undefined ? 'a file path' : describeLeafType(leaf.node.type);
      // parseArgs took the next argument as the value; say how to pass a negative number.
      const hint = raw !== undefined && /^-\d/.test(raw) ? ` (for a value starting with "-", write ${typed}=${raw})` : '';
      problems.push(`${typed}: expected ${expected}, got nothing${hint}`);
      continue;
    }
    if (leaf === undefined) {
      configFile = raw;
      continue;
    }
    const parsed = valueFromText(leaf.node.type, raw);
    if (parsed === undefined) {
      problems.push(`${typed}: expected ${describeLeafType(leaf.node.type)}, got ${JSON.stringify(raw)}`);
      continue;
    }
    if (leaf.node.type.kind === 'list') {
      // Repeating a list flag adds to it: --pd.endpoints=a --pd.endpoints=b.
      const list = lists.get(leaf.flag) ?? { raws: [], values: [] };
      list.raws.push(raw);
      list.values.push(...(parsed.value as unknown[]));
      lists.set(leaf.flag, list);
      assignments.set(leaf.flag, {
        path: leaf.path,
        value: [...list.values],
        source: { kind: 'flag', flag: typed, raw: list.raws.join(',') },
      });
      continue;
    }
    assignments.set(leaf.flag, { path: leaf.path, value: parsed.value, source: { kind: 'flag', flag: typed, raw } });
  }
  return { helpRequested, configFile, assignments: [...assignments.values()], problems };
}
