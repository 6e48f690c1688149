import type { LeafType } from './schema-tree.js';

/** Where a setting's value came from, for error messages. */
export type ConfigSource =
  | {
      readonly kind: 'file';
      readonly file: string;
      /** File keys from the root, e.g. ['raftstore', 'election-timeout-ticks']. */
      readonly filePath: readonly string[];
      readonly line: number | undefined;
      readonly value: unknown;
    }
  /** `flag` as the user typed it, e.g. `--no-raftstore.sync-log`; `raw` its text value. */
  | { readonly kind: 'flag'; readonly flag: string; readonly raw: string }
  | { readonly kind: 'environment'; readonly variable: string; readonly raw: string };

/** One setting a source provides, at its schema path. */
export interface Assignment {
  readonly path: readonly string[];
  readonly value: unknown;
  readonly source: ConfigSource;
}

/** What a source read: its settings and the problems it found. */
export interface SourceResult {
  readonly assignments: readonly Assignment[];
  readonly problems: readonly string[];
}

/** `[raftstore] ` for a key inside a section, '' at the top level; TOML's own spelling. */
export function sectionPrefix(filePath: readonly string[]): string {
  return filePath.length > 1 ? `[${filePath.slice(0, -1).join('.')}] ` : '';
}

/** How a given value is quoted after "got" in a message. */
export function describeGiven(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return `[${value.map(describeGiven).join(', ')}]`;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' && value !== null) {
    const text = String(value);
    return text === '[object Object]' ? 'a table' : text;
  }
  return String(value);
}

/**
 * Converts a setting written as text (a flag or an environment variable) to what the
 * schema expects: numbers and booleans parsed, lists split on commas, tables from
 * `key=value` pairs. Enum, size and duration text is left for the schema to check, so
 * its message is the same whatever the source. Returns undefined if the text cannot be
 * converted.
 */
export function valueFromText(type: LeafType, text: string): { readonly value: unknown } | undefined {
  switch (type.kind) {
    case 'string':
    case 'enum':
    case 'size':
    case 'duration':
    case 'other':
      return { value: text };
    case 'number': {
      const trimmed = text.trim();
      const pattern = type.integer ? /^[+-]?\d+$/ : /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
      return pattern.test(trimmed) ? { value: Number(trimmed) } : undefined;
    }
    case 'boolean': {
      const lowered = text.trim().toLowerCase();
      if (lowered === 'true' || lowered === '1') return { value: true };
      if (lowered === 'false' || lowered === '0') return { value: false };
      return undefined;
    }
    case 'list': {
      const elements: unknown[] = [];
      for (const piece of text.split(',')) {
        const trimmed = piece.trim();
        if (trimmed.length === 0) continue;
        const element = valueFromText(type.element, trimmed);
        if (element === undefined) return undefined;
        elements.push(element.value);
      }
      return { value: elements };
    }
    case 'map': {
      const table: Record<string, string> = {};
      for (const piece of text.split(',')) {
        if (piece.trim().length === 0) continue;
        const equals = piece.indexOf('=');
        if (equals <= 0) return undefined;
        table[piece.slice(0, equals).trim()] = piece.slice(equals + 1).trim();
      }
      return { value: table };
    }
  }
}

/** The closest of `candidates` to a misspelled `given`, if one is close enough to suggest. */
export function closestMatch(given: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(given.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(given, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(left: string, right: string): number {
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let row = 1; row <= left.length; row++) {
    const current = [row];
    for (let column = 1; column <= right.length; column++) {
      const substitution = (previous[column - 1] ?? 0) + (left[row - 1] === right[column - 1] ? 0 : 1);
      current.push(Math.min((previous[column] ?? 0) + 1, (current[column - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[right.length] ?? 0;
}
