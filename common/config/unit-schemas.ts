import { z } from 'zod';
import { SIZE_EXAMPLE, parseDurationMs, parseSizeBytes } from './units.js';

/** Marks the schemas below so flags, messages and help text know a leaf is a size or a duration. */
export const configUnitRegistry = z.registry<{ readonly unit: 'size' | 'duration' }>();

/**
 * A size in a config schema: accepts `"96MiB"`-style strings or a whole number of bytes
 * and yields bytes. Give defaults in bytes (`sizeBytes().default(96 * 2 ** 20)`).
 */
export function sizeBytes() {
  const schema = z.union([z.number(), z.string()]).transform((value, context): number => {
    if (typeof value === 'number') {
      if (Number.isSafeInteger(value) && value >= 0) return value;
      context.issues.push({ code: 'custom', input: value, message: `expected ${SIZE_EXAMPLE}, got ${value}` });
      return z.NEVER;
    }
    try {
      return parseSizeBytes(value);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      context.issues.push({ code: 'custom', input: value, message: error.message });
      return z.NEVER;
    }
  });
  configUnitRegistry.add(schema, { unit: 'size' });
  return schema;
}

/**
 * A duration in a config schema: accepts `"3s"`, `"100ms"`, `"1h30m"` and yields
 * milliseconds. Give defaults in milliseconds (`durationMs().default(3000)`).
 */
export function durationMs() {
  const schema = z.string().transform((value, context): number => {
    try {
      return parseDurationMs(value);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      context.issues.push({ code: 'custom', input: value, message: error.message });
      return z.NEVER;
    }
  });
  configUnitRegistry.add(schema, { unit: 'duration' });
  return schema;
}
