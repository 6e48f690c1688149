import { z } from 'zod';
import { configUnitRegistry } from './unit-schemas.js';
import { DURATION_EXAMPLE, SIZE_EXAMPLE } from './units.js';

/**
 * A component's config schema read as a tree: sections (nested `z.object`s, TOML tables)
 * and leaves (settings). Keys are camelCase in the schema and in the typed result, and
 * kebab-case in TOML files and flags (`electionTimeoutTicks` ↔ `election-timeout-ticks`),
 * the spelling TiKV's config files use.
 */

export interface NumberBound {
  readonly value: number;
  readonly inclusive: boolean;
}

/** What a leaf holds, as far as flags, messages and help text need to know. */
export type LeafType =
  | { readonly kind: 'string' }
  | { readonly kind: 'number'; readonly integer: boolean; readonly minimum: NumberBound | undefined; readonly maximum: NumberBound | undefined }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'size' }
  | { readonly kind: 'duration' }
  | { readonly kind: 'list'; readonly element: LeafType }
  /** A table of strings (`labels = {zone = "z1"}`); as a flag, `key=value,key=value`. */
  | { readonly kind: 'map' }
  /** Anything else: settable from the file only, checked by the schema as it is. */
  | { readonly kind: 'other' };

export interface LeafNode {
  readonly kind: 'leaf';
  readonly type: LeafType;
  readonly description: string | undefined;
  readonly hasDefault: boolean;
  readonly defaultValue: unknown;
  readonly optional: boolean;
}

export interface SectionField {
  /** The key in the schema and the typed result. */
  readonly key: string;
  /** The key in TOML files and flags. */
  readonly fileKey: string;
  readonly node: ConfigNode;
}

export interface SectionNode {
  readonly kind: 'section';
  readonly description: string | undefined;
  /** Whether an absent section is left absent (optional without default) rather than filled in. */
  readonly optional: boolean;
  /** By file key, in schema order. */
  readonly fields: ReadonlyMap<string, SectionField>;
}

export type ConfigNode = LeafNode | SectionNode;

/** A leaf with where it sits, in both spellings. */
export interface LeafEntry {
  /** Schema keys from the root, e.g. ['raftstore', 'electionTimeoutTicks']. */
  readonly path: readonly string[];
  /** File keys from the root, e.g. ['raftstore', 'election-timeout-ticks']. */
  readonly filePath: readonly string[];
  /** The flag name without dashes: 'raftstore.election-timeout-ticks'. */
  readonly flag: string;
  readonly node: LeafNode;
}

/** Flag names the loader keeps for itself. */
export const RESERVED_FLAGS: readonly string[] = ['config', 'help'];

const trees = new WeakMap<z.core.$ZodType, SectionNode>();

/** Reads (once per schema) the tree of a component's root `z.object` schema. */
export function configTree(schema: z.core.$ZodType): SectionNode {
  let tree = trees.get(schema);
  if (tree === undefined) {
    const node = analyze(schema);
    if (node.kind !== 'section') throw new TypeError('config schema: the root must be a z.object');
    tree = node;
    trees.set(schema, tree);
    for (const leaf of configLeaves(tree)) {
      if (RESERVED_FLAGS.includes(leaf.flag)) {
        throw new TypeError(`config schema: key "${leaf.flag}" collides with the built-in --${leaf.flag} flag`);
      }
    }
  }
  return tree;
}

/** Every leaf under `section`, depth first in schema order. */
export function configLeaves(section: SectionNode, path: readonly string[] = [], filePath: readonly string[] = []): LeafEntry[] {
  const leaves: LeafEntry[] = [];
  for (const field of section.fields.values()) {
    const childPath = [...path, field.key];
    const childFilePath = [...filePath, field.fileKey];
    if (field.node.kind === 'section') leaves.push(...configLeaves(field.node, childPath, childFilePath));
    else leaves.push({ path: childPath, filePath: childFilePath, flag: childFilePath.join('.'), node: field.node });
  }
  return leaves;
}

/** `electionTimeoutTicks` → `election-timeout-ticks`; `grpcURL` → `grpc-url`. */
export function toFileKey(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

/** How a value of this type is described in "expected ..." messages. */
export function describeLeafType(type: LeafType): string {
  switch (type.kind) {
    case 'string':
      return 'a string';
    case 'number':
      return `${type.integer ? 'an integer' : 'a number'}${describeBounds(type.minimum, type.maximum)}`;
    case 'boolean':
      return 'true or false';
    case 'enum':
      return `one of ${type.values.join(', ')}`;
    case 'size':
      return SIZE_EXAMPLE;
    case 'duration':
      return DURATION_EXAMPLE;
    case 'list':
      return `a list of ${describeElements(type.element)}`;
    case 'map':
      return 'a table of strings';
    case 'other':
      return 'a valid value';
  }
}

function describeElements(type: LeafType): string {
  switch (type.kind) {
    case 'string':
      return 'strings';
    case 'number':
      return `${type.integer ? 'integers' : 'numbers'}${describeBounds(type.minimum, type.maximum)}`;
    case 'boolean':
      return 'booleans';
    case 'enum':
      return `values from ${type.values.join(', ')}`;
    case 'size':
      return 'sizes like "96MiB"';
    case 'duration':
      return 'durations like "3s"';
    case 'list':
      return 'lists';
    case 'map':
      return 'tables';
    case 'other':
      return 'valid values';
  }
}

function describeBounds(minimum: NumberBound | undefined, maximum: NumberBound | undefined): string {
  if (minimum !== undefined && maximum !== undefined && minimum.inclusive && maximum.inclusive) {
    return ` between ${minimum.value} and ${maximum.value}`;
  }
  const parts: string[] = [];
  if (minimum !== undefined) parts.push(`${minimum.inclusive ? 'at least' : 'greater than'} ${minimum.value}`);
  if (maximum !== undefined) parts.push(`${maximum.inclusive ? 'at most' : 'less than'} ${maximum.value}`);
  return parts.length === 0 ? '' : ` ${parts.join(' and ')}`;
}

function analyze(outer: z.core.$ZodType): ConfigNode {
  let schema = outer;
  let description = describedAs(schema);
  let hasDefault = false;
  let defaultValue: unknown;
  let optional = false;
  // Peel the wrappers that do not change what a value looks like, noting defaults.
  for (;;) {
    if (schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault) {
      if (!hasDefault) {
        hasDefault = true;
        const value: unknown = schema.def.defaultValue;
        defaultValue = value;
      }
      const inner: z.core.$ZodType = schema.def.innerType;
      schema = inner;
    } else if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) {
      optional = true;
      const inner: z.core.$ZodType = schema.def.innerType;
      schema = inner;
    } else if (schema instanceof z.ZodReadonly || schema instanceof z.ZodNonOptional || schema instanceof z.ZodCatch) {
      const inner: z.core.$ZodType = schema.def.innerType;
      schema = inner;
    } else {
      break;
    }
    description ??= describedAs(schema);
  }

  if (schema instanceof z.ZodObject) {
    const fields = new Map<string, SectionField>();
    const shape: Record<string, z.core.$ZodType> = schema.shape;
    for (const [key, child] of Object.entries(shape)) {
      const fileKey = toFileKey(key);
      const clash = fields.get(fileKey);
      if (clash !== undefined) throw new TypeError(`config schema: keys "${clash.key}" and "${key}" both read as "${fileKey}"`);
      if (!/^[a-z][a-z0-9-]*$/.test(fileKey)) throw new TypeError(`config schema: key "${key}" must be camelCase letters and digits`);
      fields.set(fileKey, { key, fileKey, node: analyze(child) });
    }
    return { kind: 'section', description, optional: optional && !hasDefault, fields };
  }
  return { kind: 'leaf', type: leafType(schema), description, hasDefault, defaultValue, optional };
}

function leafType(schema: z.core.$ZodType): LeafType {
  const unit = configUnitRegistry.get(schema)?.unit;
  if (unit !== undefined) return { kind: unit };
  if (schema instanceof z.ZodString) return { kind: 'string' };
  if (schema instanceof z.ZodNumber) return numberType(schema);
  if (schema instanceof z.ZodBoolean) return { kind: 'boolean' };
  if (schema instanceof z.ZodEnum) {
    const values: readonly unknown[] = schema.options;
    if (values.every((value) => typeof value === 'string')) return { kind: 'enum', values: values as readonly string[] };
    return { kind: 'other' };
  }
  if (schema instanceof z.ZodLiteral) {
    const values: readonly unknown[] = [...schema.values];
    if (values.every((value) => typeof value === 'string')) return { kind: 'enum', values: values as readonly string[] };
    return { kind: 'other' };
  }
  if (schema instanceof z.ZodArray) {
    const element: z.core.$ZodType = schema.element;
    const elementType = leafType(unwrapPlain(element));
    return elementType.kind === 'list' || elementType.kind === 'map' || elementType.kind === 'other'
      ? { kind: 'other' }
      : { kind: 'list', element: elementType };
  }
  if (schema instanceof z.ZodRecord) {
    const valueType: z.core.$ZodType = schema.def.valueType;
    return unwrapPlain(valueType) instanceof z.ZodString ? { kind: 'map' } : { kind: 'other' };
  }
  if (schema instanceof z.ZodPipe) {
    // A transform keeps the shape of its input: `z.string().transform(...)` is set like a string.
    const input: z.core.$ZodType = schema.def.in;
    return leafType(unwrapPlain(input));
  }
  return { kind: 'other' };
}

function unwrapPlain(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  while (
    current instanceof z.ZodDefault ||
    current instanceof z.ZodPrefault ||
    current instanceof z.ZodOptional ||
    current instanceof z.ZodNullable ||
    current instanceof z.ZodReadonly
  ) {
    const inner: z.core.$ZodType = current.def.innerType;
    current = inner;
  }
  return current;
}

function describedAs(schema: z.core.$ZodType): string | undefined {
  return z.globalRegistry.get(schema)?.description;
}

function numberType(schema: z.ZodNumber): LeafType {
  let integer = false;
  let minimum: NumberBound | undefined;
  let maximum: NumberBound | undefined;
  for (const check of schema.def.checks ?? []) {
    const definition = check._zod.def;
    if (definition.check === 'number_format') {
      const format = (definition as z.core.$ZodCheckNumberFormatDef).format;
      if (format !== 'float32' && format !== 'float64') integer = true;
    } else if (definition.check === 'greater_than') {
      const bound = definition as z.core.$ZodCheckGreaterThanDef;
      const value = Number(bound.value);
      if (minimum === undefined || value > minimum.value) minimum = { value, inclusive: bound.inclusive };
    } else if (definition.check === 'less_than') {
      const bound = definition as z.core.$ZodCheckLessThanDef;
      const value = Number(bound.value);
      if (maximum === undefined || value < maximum.value) maximum = { value, inclusive: bound.inclusive };
    }
  }
  return { kind: 'number', integer, minimum, maximum };
}
