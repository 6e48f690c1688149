import { ByteReader, ByteWriter } from '../../common/codec/buffer.js';
import { copyBytes, decodeCompactBytes, encodeCompactBytes } from '../../common/codec/bytes.js';
import { CodecError } from '../../common/errors.js';
import * as metapb from '../../proto/gen/metapb.js';
import type { ColumnFamily } from '../engine/engine.js';

/** The column families a region snapshot carries: its data, not its Raft state. */
export const snapshotColumnFamilies: readonly ColumnFamily[] = ['default', 'lock', 'write', 'latest', 'raw'];

export interface SnapshotEntry {
  readonly cf: ColumnFamily;
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/**
 * A region snapshot's data as Raft carries it: the region's meta at the snapshot's
 * index, then every key/value of the region's range in the data column families.
 */
export function encodeSnapshotData(region: metapb.Region, entries: readonly SnapshotEntry[]): Uint8Array {
  const writer = new ByteWriter(1024);
  encodeCompactBytes(writer, metapb.Region.encode(region).finish());
  for (const entry of entries) {
    writer.writeByte(snapshotColumnFamilies.indexOf(entry.cf));
    encodeCompactBytes(writer, entry.key);
    encodeCompactBytes(writer, entry.value);
  }
  return writer.finish();
}

export function decodeSnapshotData(data: Uint8Array): { region: metapb.Region; entries: SnapshotEntry[] } {
  const reader = new ByteReader(data);
  const region = metapb.Region.decode(decodeCompactBytes(reader));
  const entries: SnapshotEntry[] = [];
  while (!reader.atEnd) {
    const cf = snapshotColumnFamilies[reader.readByte('snapshot column family')];
    if (cf === undefined) throw new CodecError('unknown column family in a region snapshot');
    entries.push({ cf, key: copyBytes(decodeCompactBytes(reader)), value: copyBytes(decodeCompactBytes(reader)) });
  }
  return { region, entries };
}
