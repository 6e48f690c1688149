import type { z } from 'zod';
import { configTree, type LeafNode, type LeafType, type SectionNode } from './schema-tree.js';
import { formatDurationMs, formatSizeBytes } from './units.js';

export interface HelpOptions {
  /** The command name in the usage line, e.g. `tide-kv`. */
  readonly programName?: string;
}

/** Descriptions start in this column unless the flag is longer. */
const descriptionColumn = 44;

/**
 * The `--help` text of a component, generated from its config schema: every flag with its
 * value placeholder, its `.describe()` text and its default, grouped by TOML section.
 */
export function formatHelp(schema: z.core.$ZodType, options: HelpOptions = {}): string {
  const tree = configTree(schema);
  const programName = options.programName ?? 'tidedb';
  const lines = [
    `Usage: ${programName} [--config <file.toml>] [--flag=value ...]`,
    '',
    'Each setting can be given as a flag or in the TOML file under its [section];',
    'flags override the file, and the file overrides the defaults.',
    '',
    'General:',
    row('--config <file.toml>', 'Read settings from this TOML file.'),
    row('-h, --help', 'Print this help and exit.'),
  ];
  appendSection(lines, tree, [], undefined);
  return `${lines.join('\n')}\n`;
}

function appendSection(lines: string[], section: SectionNode, filePath: readonly string[], description: string | undefined): void {
  const leaves = [...section.fields.values()].filter((field) => field.node.kind === 'leaf');
  if (leaves.length > 0) {
    lines.push('');
    const heading = filePath.length === 0 ? 'Settings:' : `[${filePath.join('.')}]`;
    lines.push(description === undefined ? heading : `${heading} ${description}`);
  }
  for (const field of section.fields.values()) {
    if (field.node.kind !== 'leaf') continue;
    const flag = [...filePath, field.fileKey].join('.');
    lines.push(row(flagSpelling(flag, field.node.type), describeLeaf(field.node)));
  }
  for (const field of section.fields.values()) {
    if (field.node.kind === 'section') appendSection(lines, field.node, [...filePath, field.fileKey], field.node.description);
  }
}

function row(left: string, right: string): string {
  const indented = `  ${left}`;
  if (right.length === 0) return indented;
  if (indented.length + 2 > descriptionColumn) return `${indented}\n${' '.repeat(descriptionColumn)}${right}`;
  return `${indented.padEnd(descriptionColumn)}${right}`;
}

function flagSpelling(flag: string, type: LeafType): string {
  if (type.kind === 'boolean') return `--[no-]${flag}`;
  if (type.kind === 'other') return `${flag} (file only)`;
  return `--${flag} <${placeholder(type)}>`;
}

function placeholder(type: LeafType): string {
  switch (type.kind) {
    case 'string':
      return 'string';
    case 'number': {
      const name = type.integer ? 'integer' : 'number';
      const { minimum, maximum } = type;
      if (minimum?.inclusive === true && maximum?.inclusive === true) return `${name} ${minimum.value}..${maximum.value}`;
      return name;
    }
    case 'boolean':
      return 'true|false';
    case 'enum':
      return type.values.join('|');
    case 'size':
      return 'size';
    case 'duration':
      return 'duration';
    case 'list':
      return `${placeholder(type.element)},...`;
    case 'map':
      return 'key=value,...';
    case 'other':
      return 'value';
  }
}

function describeLeaf(leaf: LeafNode): string {
  const parts: string[] = [];
  if (leaf.description !== undefined) parts.push(leaf.description);
  if (leaf.hasDefault) {
    const shown = formatDefault(leaf.type, leaf.defaultValue);
    if (shown !== undefined) parts.push(`(default: ${shown})`);
  } else if (!leaf.optional) {
    parts.push('(required)');
  }
  return parts.join(' ');
}

function formatDefault(type: LeafType, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (type.kind === 'size' && typeof value === 'number') return formatSizeBytes(value);
  if (type.kind === 'duration' && typeof value === 'number') return formatDurationMs(value);
  if (typeof value === 'string') return type.kind === 'string' ? JSON.stringify(value) : value;
  if (Array.isArray(value)) {
    const elementType = type.kind === 'list' ? type.element : type;
    // Elements are shown as they would be typed in the comma-separated flag: unquoted.
    return value.length === 0 ? 'none' : value.map((element) => (typeof element === 'string' ? element : formatDefault(elementType, element))).join(',');
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    return entries.length === 0 ? 'none' : entries.map(([key, field]) => `${key}=${String(field)}`).join(',');
  }
  return String(value);
}
