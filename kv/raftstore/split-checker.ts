import { compareBytes, copyBytes } from '../../common/codec/bytes.js';
import type * as metapb from '../../proto/gen/metapb.js';
import { ColumnFamily, type Engine } from '../engine/engine.js';
import { routingKey } from './region-peer.js';

/** Column families whose data counts toward a region's size. */
const sizedColumnFamilies = [ColumnFamily.write, ColumnFamily.default, ColumnFamily.raw] as const;
/** Samples kept per column family while measuring, so memory stays bounded for any region size. */
const samplesPerColumnFamily = 1024;

/**
 * Measures a region from an engine snapshot and, when it is larger than `maxSizeBytes`,
 * proposes where to cut it: the routing key at the middle of its data. Routing keys are
 * user keys (an MVCC key without its timestamp), so a split never separates the versions
 * of one key, and a table row (one user key) is never cut in two.
 */
export async function findSplitKey(engine: Engine, region: metapb.Region, maxSizeBytes: number): Promise<{ sizeBytes: number; keys: number; splitKey: Uint8Array | undefined }> {
  const snapshot = engine.snapshot();
  try {
    const samples: Array<{ key: Uint8Array; bytes: number }> = [];
    let total = 0;
    // Entries of CF write (one per version) and CF raw: what PD calls a region's keys.
    let keys = 0;
    // A sample step near 1/1024 of the limit keeps the split point accurate to about 0.1%.
    const sampleStep = Math.max(1, Math.floor(maxSizeBytes / samplesPerColumnFamily));
    for (const cf of sizedColumnFamilies) {
      const cursor = snapshot.iterator(cf, { start: region.startKey, ...(region.endKey.length === 0 ? {} : { end: region.endKey }) });
      let pending = 0;
      try {
        for (;;) {
          const entries = await cursor.next(1024);
          if (entries.length === 0) break;
          for (const [key, value] of entries) {
            const size = key.length + value.length;
            total += size;
            if (cf !== ColumnFamily.default) keys++;
            pending += size;
            if (pending >= sampleStep) {
              samples.push({ key: copyBytes(routingKey(cf, key)), bytes: pending });
              pending = 0;
            }
          }
        }
      } finally {
        await cursor.close();
      }
    }
    if (total <= maxSizeBytes) return { sizeBytes: total, keys, splitKey: undefined };
    samples.sort((a, b) => compareBytes(a.key, b.key));
    let accumulated = 0;
    for (const sample of samples) {
      accumulated += sample.bytes;
      // The first key past the middle, strictly inside the region.
      if (accumulated >= total / 2 && compareBytes(sample.key, region.startKey) > 0) return { sizeBytes: total, keys, splitKey: sample.key };
    }
    return { sizeBytes: total, keys, splitKey: undefined };
  } finally {
    await snapshot.close();
  }
}
