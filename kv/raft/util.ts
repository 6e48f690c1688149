import type { Entry } from './types.js';

/** Bytes an entry counts for in size limits: its payload plus a fixed header estimate. */
export function entrySizeBytes(entry: Entry): number {
  return entry.data.length + 16;
}

/** The payload size the uncommitted-log guard counts (header excluded, as in etcd). */
export function entryPayloadSizeBytes(entry: Entry): number {
  return entry.data.length;
}

/** The longest prefix within `maxSizeBytes`, but always at least one entry. */
export function limitEntriesSize(entries: Entry[], maxSizeBytes: number): Entry[] {
  if (entries.length === 0) return entries;
  let size = entrySizeBytes(entries[0]!);
  let limit = 1;
  for (; limit < entries.length; limit++) {
    size += entrySizeBytes(entries[limit]!);
    if (size > maxSizeBytes) break;
  }
  return limit === entries.length ? entries : entries.slice(0, limit);
}
