import { CodecError } from '../../common/errors.js';

/**
 * Keys of the raft column family, per region (in the spirit of TiKV's local keys):
 *   0x01 regionId 0x01 index   a Raft log entry
 *   0x01 regionId 0x02         the Raft local state (hard state, last index)
 *   0x01 regionId 0x03         the apply state (applied index, truncated state)
 *   0x02 regionId 0x01         the region's local state (its meta and Normal/Tombstone)
 * Ids and indexes are 8 bytes big-endian, so a region's log is one contiguous range in
 * index order.
 */
const raftPrefix = 0x01;
/** The first byte of every region-state key: region states form one contiguous range. */
export const regionStatePrefix = 0x02;
const regionMetaPrefix = regionStatePrefix;
const logSuffix = 0x01;
const raftStateSuffix = 0x02;
const applyStateSuffix = 0x03;
const regionStateSuffix = 0x01;

function regionKey(prefix: number, regionId: bigint, suffix: number, extraBytes: number): { key: Uint8Array; view: DataView } {
  const key = new Uint8Array(10 + extraBytes);
  const view = new DataView(key.buffer);
  key[0] = prefix;
  view.setBigUint64(1, regionId);
  key[9] = suffix;
  return { key, view };
}

export function raftLogKey(regionId: bigint, index: number): Uint8Array {
  const { key, view } = regionKey(raftPrefix, regionId, logSuffix, 8);
  view.setBigUint64(10, BigInt(index));
  return key;
}

/** The range [start, end) of a region's log entries with index in [low, high). */
export function raftLogRange(regionId: bigint, low: number, high: number): { start: Uint8Array; end: Uint8Array } {
  return { start: raftLogKey(regionId, low), end: raftLogKey(regionId, high) };
}

export function raftLogIndexOf(key: Uint8Array): number {
  if (key.length !== 18 || key[0] !== raftPrefix || key[9] !== logSuffix) throw new CodecError('not a raft log key');
  return Number(new DataView(key.buffer, key.byteOffset, key.byteLength).getBigUint64(10));
}

export function raftStateKey(regionId: bigint): Uint8Array {
  return regionKey(raftPrefix, regionId, raftStateSuffix, 0).key;
}

export function applyStateKey(regionId: bigint): Uint8Array {
  return regionKey(raftPrefix, regionId, applyStateSuffix, 0).key;
}

export function regionStateKey(regionId: bigint): Uint8Array {
  return regionKey(regionMetaPrefix, regionId, regionStateSuffix, 0).key;
}

/** Every Raft key of a region (log, Raft state, apply state), but not its region state. */
export function raftStateRange(regionId: bigint): { start: Uint8Array; end: Uint8Array } {
  const start = new Uint8Array(9);
  start[0] = raftPrefix;
  new DataView(start.buffer).setBigUint64(1, regionId);
  const end = new Uint8Array(9);
  end[0] = raftPrefix;
  new DataView(end.buffer).setBigUint64(1, regionId + 1n);
  return { start, end };
}
