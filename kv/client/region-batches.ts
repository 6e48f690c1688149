import { compareBytes } from '../../common/codec/bytes.js';
import type { Backoffer } from './backoff.js';
import type { RegionCache, RegionLocation } from './region-cache.js';

/** Items headed for one region, with where they go. */
export interface RegionGroup<T> {
  readonly location: RegionLocation;
  readonly items: readonly T[];
}

/** Groups items by the region their routing key falls in (locating each through the cache). */
export async function groupByRegion<T>(cache: RegionCache, items: readonly T[], keyOf: (item: T) => Uint8Array, backoffer: Backoffer): Promise<Array<RegionGroup<T>>> {
  // Each routing key is computed once (for transactional keys it is an encoding).
  const keyed = items.map((item) => ({ item, key: keyOf(item) })).sort((a, b) => compareBytes(a.key, b.key));
  const groups: Array<{ location: RegionLocation; items: T[] }> = [];
  for (const { item, key } of keyed) {
    const last = groups[groups.length - 1];
    if (last !== undefined && contains(last.location, key)) {
      last.items.push(item);
      continue;
    }
    groups.push({ location: await cache.locate(key, backoffer), items: [item] });
  }
  return groups;
}

function contains(location: RegionLocation, key: Uint8Array): boolean {
  const { startKey, endKey } = location.region;
  return compareBytes(key, startKey) >= 0 && (endKey.length === 0 || compareBytes(key, endKey) < 0);
}

/** Splits a group's items into chunks of at most `maxItems` and about `maxBytes`. */
export function chunk<T>(items: readonly T[], maxItems: number, maxBytes: number, bytesOf: (item: T) => number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = bytesOf(item);
    if (current.length > 0 && (current.length >= maxItems || bytes + size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Runs `tasks` with at most `limit` at once; after a failure starts no more, and rejects with it once the running ones settled. */
export async function runLimited<R>(tasks: ReadonlyArray<() => Promise<R>>, limit: number): Promise<R[]> {
  const results: R[] = new Array<R>(tasks.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    // After a failure nothing more is sent: the caller fails (and cleans up) as a whole.
    while (failure === undefined && next < tasks.length) {
      const index = next++;
      try {
        results[index] = await tasks[index]!();
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  if (failure !== undefined) throw failure.error;
  return results;
}

/**
 * Sends items to their regions in parallel, one request per region chunk: `send`
 * answers a chunk's result, or undefined when its region changed (split, leader moved),
 * and those items are grouped again from fresh routing and sent again, within the
 * backoffer's budget.
 */
export async function sendByRegion<T, R>(options: {
  readonly cache: RegionCache;
  readonly items: readonly T[];
  readonly keyOf: (item: T) => Uint8Array;
  readonly backoffer: Backoffer;
  readonly concurrency: number;
  readonly maxItems: number;
  readonly maxBytes: number;
  readonly bytesOf: (item: T) => number;
  readonly send: (location: RegionLocation, items: readonly T[], backoffer: Backoffer) => Promise<R | undefined>;
}): Promise<R[]> {
  const results: R[] = [];
  let pending: readonly T[] = options.items;
  while (pending.length > 0) {
    const groups = await groupByRegion(options.cache, pending, options.keyOf, options.backoffer);
    const retry: T[] = [];
    // Each chunk backs off on its own fork: parallel waits overlap, they do not add up.
    const forks: Backoffer[] = [];
    const tasks = groups.flatMap((group) =>
      chunk(group.items, options.maxItems, options.maxBytes, options.bytesOf).map((items) => async () => {
        const backoffer = options.backoffer.fork();
        forks.push(backoffer);
        const result = await options.send(group.location, items, backoffer);
        if (result === undefined) retry.push(...items);
        else results.push(result);
      }),
    );
    try {
      await runLimited(tasks, options.concurrency);
    } finally {
      options.backoffer.join(forks);
    }
    pending = retry;
  }
  return results;
}
