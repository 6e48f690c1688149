import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/** Every level a process may be configured with, least severe first; `silent` logs nothing. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

export interface LoggerOptions {
  /** Which process or subsystem writes the lines (`pd`, `kv`, `sql`, ...); every line carries it. */
  readonly component: string;
  readonly level: LogLevel;
  /**
   * Where JSON lines go. Defaults to pino's synchronous stdout destination, so nothing is
   * lost when a process exits right after logging.
   */
  readonly destination?: DestinationStream;
}

/**
 * Builds a pino logger writing one JSON object per line with the fields
 * `{level: "info", time: "<ISO 8601>", component, pid, ...extra fields, msg}`.
 * bigint values (timestamps, region and store IDs) are written as decimal strings,
 * because a JSON number would silently lose their low bits in most readers.
 */
export function createLogger(options: LoggerOptions): Logger {
  if (options.component.length === 0) throw new TypeError('createLogger: component must not be empty');
  if (!isLogLevel(options.level)) {
    throw new TypeError(`createLogger: unknown level ${JSON.stringify(options.level)}; expected one of ${LOG_LEVELS.join(', ')}`);
  }
  const loggerOptions = {
    level: options.level,
    base: { component: options.component, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label: string) => ({ level: label }),
      bindings: (bindings: Record<string, unknown>) => bigintsToStrings(bindings),
      log: (object: Record<string, unknown>) => bigintsToStrings(object),
    },
  };
  return options.destination === undefined ? pino(loggerOptions) : pino(loggerOptions, options.destination);
}

/**
 * A child logger for one module of a component: every line it writes carries `module`
 * next to the parent's fields, so a reader can filter `raftstore` lines out of a KV log.
 */
export function moduleLogger(parent: Logger, module: string): Logger {
  if (module.length === 0) throw new TypeError('moduleLogger: module must not be empty');
  return parent.child({ module });
}

/**
 * A child logger with extra fields on every line (`{regionId}`, `{storeId}`). Prefer it to
 * `logger.child()`: pino formats only the root's bindings, so a bigint bound through a
 * plain `child()` would be written as a lossy JSON number.
 */
export function childLogger(parent: Logger, bindings: Record<string, unknown>): Logger {
  return parent.child(bigintsToStrings(bindings));
}

/** Nested objects deeper than this are written as they are; log fields are shallow in practice. */
const bigintConversionMaxDepth = 8;

/**
 * Returns `value` itself when it holds no bigint (the common case: no copy), otherwise a
 * copy in which every bigint inside plain objects and arrays is a decimal string.
 */
function bigintsToStrings(object: Record<string, unknown>): Record<string, unknown> {
  const converted = convertValue(object, 0);
  return converted as Record<string, unknown>;
}

function convertValue(value: unknown, depth: number): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (depth >= bigintConversionMaxDepth || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let index = 0; index < value.length; index++) {
      const element: unknown = value[index];
      const convertedElement = convertValue(element, depth + 1);
      if (convertedElement !== element) {
        copy ??= value.slice();
        copy[index] = convertedElement;
      }
    }
    return copy ?? value;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  // Errors, Buffers, Maps and other class instances keep their own serializers.
  if (prototype !== Object.prototype && prototype !== null) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, field] of Object.entries(value)) {
    const convertedField = convertValue(field, depth + 1);
    if (convertedField !== field) {
      copy ??= { ...(value as Record<string, unknown>) };
      copy[key] = convertedField;
    }
  }
  return copy ?? value;
}
