/**
 * Sizes and durations as people write them in config files: `"96MiB"`, `"144MB"`, `"3s"`,
 * `"100ms"`, `"1h30m"`. Parsed into plain numbers: bytes and milliseconds.
 *
 * Size units are binary whatever their spelling, as in TiKV's configuration: `MB` and
 * `MiB` both mean 2^20 bytes, so a TiKV config value means the same thing here.
 */

const bytesPerUnit: ReadonlyMap<string, number> = new Map([
  ['', 1],
  ['b', 1],
  ['k', 2 ** 10],
  ['kb', 2 ** 10],
  ['kib', 2 ** 10],
  ['m', 2 ** 20],
  ['mb', 2 ** 20],
  ['mib', 2 ** 20],
  ['g', 2 ** 30],
  ['gb', 2 ** 30],
  ['gib', 2 ** 30],
  ['t', 2 ** 40],
  ['tb', 2 ** 40],
  ['tib', 2 ** 40],
  ['p', 2 ** 50],
  ['pb', 2 ** 50],
  ['pib', 2 ** 50],
]);

/** Longest unit first, so "ms" is not read as "m" followed by garbage. */
const durationUnits: readonly (readonly [unit: string, milliseconds: number])[] = [
  ['ms', 1],
  ['s', 1000],
  ['m', 60_000],
  ['h', 3_600_000],
  ['d', 86_400_000],
];

export const SIZE_EXAMPLE = 'a size like "96MiB" or a number of bytes';
export const DURATION_EXAMPLE = 'a duration like "3s", "100ms" or "1h30m"';

/**
 * Parses `"96MiB"`, `"144MB"`, `"4KiB"`, `"1.5GiB"`, `"512"` (bytes) into a number of bytes,
 * truncating a fractional byte as TiKV does. Units are case-insensitive. Throws RangeError.
 */
export function parseSizeBytes(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(text.trim());
  const unitBytes = match === null ? undefined : bytesPerUnit.get((match[2] ?? '').toLowerCase());
  if (match === null || unitBytes === undefined) throw new RangeError(`expected ${SIZE_EXAMPLE}, got ${JSON.stringify(text)}`);
  const bytes = Math.trunc(Number(match[1]) * unitBytes);
  if (!Number.isSafeInteger(bytes)) throw new RangeError(`size ${JSON.stringify(text)} is too large`);
  return bytes;
}

/**
 * Parses `"3s"`, `"100ms"`, `"1.5s"`, `"1h30m"`, `"2d"` into milliseconds. Pieces must come
 * largest unit first, each unit at most once; a bare number is rejected because its unit
 * would be a guess. Throws RangeError.
 */
export function parseDurationMs(text: string): number {
  const trimmed = text.trim();
  const fail = (): never => {
    throw new RangeError(`expected ${DURATION_EXAMPLE}, got ${JSON.stringify(text)}`);
  };
  if (trimmed.length === 0) fail();
  let totalMs = 0;
  let previousUnitMs = Number.POSITIVE_INFINITY;
  let position = 0;
  while (position < trimmed.length) {
    const match = /^(\d+(?:\.\d+)?)([a-z]+)/.exec(trimmed.slice(position));
    if (match === null) return fail();
    const unitMs = durationUnits.find(([unit]) => unit === match[2])?.[1];
    if (unitMs === undefined || unitMs >= previousUnitMs) return fail();
    totalMs += Number(match[1]) * unitMs;
    previousUnitMs = unitMs;
    position += match[0].length;
  }
  // Round away binary noise such as 0.3 * 1000 = 300.00000000000006, keeping microseconds.
  const roundedMs = Math.round(totalMs * 1000) / 1000;
  if (!Number.isSafeInteger(Math.ceil(roundedMs))) throw new RangeError(`duration ${JSON.stringify(text)} is too long`);
  return roundedMs;
}

/** The shortest exact spelling of a size, for help text: 100663296 → "96MiB". */
export function formatSizeBytes(bytes: number): string {
  for (const [unit, unitBytes] of [['PiB', 2 ** 50], ['TiB', 2 ** 40], ['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const) {
    if (bytes !== 0 && bytes % unitBytes === 0) return `${bytes / unitBytes}${unit}`;
  }
  return `${bytes}B`;
}

/** The shortest exact spelling of a duration, for help text: 3000 → "3s", 90000 → "1m30s". */
export function formatDurationMs(durationMs: number): string {
  if (durationMs === 0) return '0ms';
  let remainingMs = durationMs;
  let text = '';
  for (const [unit, unitMs] of [...durationUnits].reverse()) {
    if (unit === 'ms') break;
    const count = Math.floor(remainingMs / unitMs);
    if (count > 0) {
      text += `${count}${unit}`;
      remainingMs -= count * unitMs;
    }
  }
  if (remainingMs > 0) text += `${remainingMs}ms`;
  return text;
}
