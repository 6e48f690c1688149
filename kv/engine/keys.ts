import { CodecError } from '../../common/errors.js';
import { type ColumnFamily } from './engine.js';

/**
 * One LevelDB holds every column family: each key is prefixed with one byte naming its
 * family. The prefixes sort in a fixed order, so a family is one contiguous range.
 */
export const columnFamilyPrefix: Readonly<Record<ColumnFamily, number>> = {
  raft: 0x01,
  default: 0x02,
  lock: 0x03,
  write: 0x04,
  raw: 0x05,
  latest: 0x06,
};

export function prefixedKey(cf: ColumnFamily, key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length + 1);
  out[0] = columnFamilyPrefix[cf];
  out.set(key, 1);
  return out;
}

/** The whole column family as [start, end) in prefixed keys. */
export function columnFamilyBounds(cf: ColumnFamily): { start: Uint8Array; end: Uint8Array } {
  const prefix = columnFamilyPrefix[cf];
  return { start: Uint8Array.of(prefix), end: Uint8Array.of(prefix + 1) };
}

export function stripPrefix(cf: ColumnFamily, prefixed: Uint8Array): Uint8Array {
  if (prefixed[0] !== columnFamilyPrefix[cf]) throw new CodecError(`key does not belong to column family ${cf}`);
  return prefixed.subarray(1);
}
