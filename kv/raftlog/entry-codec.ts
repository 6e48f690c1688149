import { CodecError } from '../../common/errors.js';
import { type Entry, EntryType } from '../raft/types.js';

/**
 * A Raft entry as stored in the raft column family (the index is in the key):
 * type (1 byte) | term (8 bytes big-endian) | data.
 */
export function encodeStoredEntry(entry: Entry): Uint8Array {
  const out = new Uint8Array(9 + entry.data.length);
  out[0] = entry.type;
  new DataView(out.buffer).setBigUint64(1, BigInt(entry.term));
  out.set(entry.data, 9);
  return out;
}

export function decodeStoredEntry(index: number, bytes: Uint8Array): Entry {
  if (bytes.length < 9) throw new CodecError(`stored raft entry ${index} is truncated (${bytes.length} bytes)`);
  const type = bytes[0]!;
  if (type !== EntryType.Normal && type !== EntryType.ConfChange) throw new CodecError(`stored raft entry ${index} has unknown type ${type}`);
  const term = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(1);
  if (term > BigInt(Number.MAX_SAFE_INTEGER)) throw new CodecError(`stored raft entry ${index} has term ${term} beyond 2^53`);
  return { type, term: Number(term), index, data: bytes.subarray(9) };
}
