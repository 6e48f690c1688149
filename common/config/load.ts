import { z } from 'zod';
import { ConfigError, ConfigHelpRequested } from './config-error.js';
import { readEnvironment } from './environment-source.js';
import { readConfigFile } from './file-source.js';
import { readFlags } from './flag-source.js';
import { formatHelp } from './help.js';
import { configLeaves, configTree, describeLeafType, type ConfigNode, type LeafNode, type SectionField, type SectionNode } from './schema-tree.js';
import { describeGiven, sectionPrefix, type Assignment, type ConfigSource } from './sources.js';

export interface LoadConfigOptions<Schema extends z.ZodObject> {
  /**
   * The component's settings: a `z.object(...).strict()` whose leaves carry defaults
   * (`.default(...)`) and help text (`.describe(...)`); nested objects are TOML sections.
   */
  readonly schema: Schema;
  /** The command-line arguments after the program name: `process.argv.slice(2)`. */
  readonly argv: readonly string[];
  /**
   * Environment variables to read settings from (usually `process.env`), named after the
   * flags: `--raftstore.election-timeout-ticks` is `TIDEDB_RAFTSTORE_ELECTION_TIMEOUT_TICKS`.
   * Not read when absent.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Prefix of those variables; `TIDEDB_` by default. */
  readonly envPrefix?: string;
  /** For the usage line of the help text. */
  readonly programName?: string;
}

/**
 * Builds a component's configuration from, lowest precedence first: the schema's
 * defaults, the TOML file named by `--config`, environment variables (if `env` is given)
 * and command-line flags; validates it against the schema and returns the typed result.
 *
 * Throws `ConfigError` listing every problem, each naming its source (file and line,
 * flag, variable), key, expectation and given value; throws `ConfigHelpRequested` with the
 * help text when the arguments hold `--help` or `-h`.
 */
export function loadConfig<Schema extends z.ZodObject>(options: LoadConfigOptions<Schema>): z.output<Schema> {
  const tree = configTree(options.schema);
  const flags = readFlags(tree, options.argv);
  if (flags.helpRequested) {
    throw new ConfigHelpRequested(formatHelp(options.schema, options.programName === undefined ? {} : { programName: options.programName }));
  }
  const file = flags.configFile === undefined ? undefined : readConfigFile(flags.configFile, tree);
  const environment = options.env === undefined ? undefined : readEnvironment(tree, options.env, options.envPrefix ?? 'TIDEDB_');
  const problems = [...(file?.problems ?? []), ...(environment?.problems ?? []), ...flags.problems];

  // Later assignments win: file < environment < flags.
  const input: Record<string, unknown> = {};
  fillSections(input, tree);
  const sources = new Map<string, ConfigSource>();
  for (const assignment of [...(file?.assignments ?? []), ...(environment?.assignments ?? []), ...flags.assignments]) {
    assign(input, assignment);
    sources.set(assignment.path.join('.'), assignment.source);
  }

  const result = options.schema.safeParse(input);
  if (!result.success) {
    // Report in schema order (zod reports transforms after plain checks), each problem once.
    const order = new Map(configLeaves(tree).map((leaf, index) => [leaf.path.join('.'), index]));
    const rank = (issue: z.core.$ZodIssue): number => {
      for (let length = issue.path.length; length > 0; length--) {
        const index = order.get(issue.path.slice(0, length).join('.'));
        if (index !== undefined) return index;
      }
      return order.size;
    };
    const issues = [...result.error.issues].sort((left, right) => rank(left) - rank(right));
    for (const problem of new Set(issues.map((issue) => describeIssue(tree, issue, input, sources)))) problems.push(problem);
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  return result.data;
}

export interface ExitIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly exit: (code: number) => never;
}

/**
 * `loadConfig` for a process's `main.ts`: prints the help and exits 0 on `--help`, prints
 * the problems and exits 2 on a bad configuration.
 */
export function loadConfigOrExit<Schema extends z.ZodObject>(
  options: LoadConfigOptions<Schema>,
  io: ExitIo = { stdout: process.stdout, stderr: process.stderr, exit: (code) => process.exit(code) },
): z.output<Schema> {
  try {
    return loadConfig(options);
  } catch (error) {
    if (error instanceof ConfigHelpRequested) {
      io.stdout.write(error.helpText);
      return io.exit(0);
    }
    if (error instanceof ConfigError) {
      io.stderr.write(`${error.message}\n(run with --help to see every setting)\n`);
      return io.exit(2);
    }
    throw error;
  }
}

/** Creates every section that is not optional, so the defaults inside it apply. */
function fillSections(target: Record<string, unknown>, section: SectionNode): void {
  for (const field of section.fields.values()) {
    if (field.node.kind !== 'section' || field.node.optional) continue;
    const child: Record<string, unknown> = {};
    target[field.key] = child;
    fillSections(child, field.node);
  }
}

function assign(target: Record<string, unknown>, assignment: Assignment): void {
  let current = target;
  const last = assignment.path.length - 1;
  for (let index = 0; index < last; index++) {
    const key = assignment.path[index] ?? '';
    const next = current[key];
    if (typeof next === 'object' && next !== null) {
      current = next as Record<string, unknown>;
    } else {
      const created: Record<string, unknown> = {};
      current[key] = created;
      current = created;
    }
  }
  current[assignment.path[last] ?? ''] = assignment.value;
}

/** Turns a schema issue into a message about the setting, in terms of where its value came from. */
function describeIssue(tree: SectionNode, issue: z.core.$ZodIssue, input: Record<string, unknown>, sources: ReadonlyMap<string, ConfigSource>): string {
  // Find the setting the issue is about: the leaf on its path, or the section it stops at.
  let node: ConfigNode = tree;
  const path: string[] = [];
  const filePath: string[] = [];
  for (const segment of issue.path) {
    if (node.kind !== 'section' || typeof segment !== 'string') break;
    const field: SectionField | undefined = [...node.fields.values()].find((candidate) => candidate.key === segment);
    if (field === undefined) break;
    node = field.node;
    path.push(field.key);
    filePath.push(field.fileKey);
  }
  if (node.kind === 'section') {
    const where = filePath.length === 0 ? '' : `[${filePath.join('.')}] `;
    return `${where}${issue.message}`;
  }

  const source = sources.get(path.join('.'));
  const given = valueAt(input, path);
  const problem = issue.code === 'custom' ? issue.message : expectation(node, source, given);
  switch (source?.kind) {
    case 'flag':
      return `${source.flag}: ${problem}`;
    case 'environment':
      return `${source.variable}: ${problem}`;
    case 'file':
      return `${sectionPrefix(filePath)}${filePath[filePath.length - 1] ?? ''}: ${problem} in ${source.file}${source.line === undefined ? '' : `:${source.line}`}`;
    case undefined: {
      const setting = `${sectionPrefix(filePath)}${filePath[filePath.length - 1] ?? ''}`;
      if (given === undefined) return `${setting}: missing; set it in the config file or with --${filePath.join('.')}`;
      return `${setting}: ${problem} (the schema's default)`;
    }
  }
}

function expectation(leaf: LeafNode, source: ConfigSource | undefined, given: unknown): string {
  const expected = `expected ${describeLeafType(leaf.type)}`;
  if (source === undefined) return expected;
  const shown = source.kind === 'file' ? describeGiven(source.value) : JSON.stringify(source.raw);
  return `${expected}, got ${given === undefined ? 'nothing' : shown}`;
}

function valueAt(input: Record<string, unknown>, path: readonly string[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
