import { CodecError } from '../../common/errors.js';
import { type ConfChange, ConfChangeType } from './types.js';

/**
 * The payload of a ConfChange entry: type (1 byte), node id (8 bytes big-endian, a safe
 * integer), then the application's context bytes.
 */
export function encodeConfChange(change: ConfChange): Uint8Array {
  const out = new Uint8Array(9 + change.context.length);
  const view = new DataView(out.buffer);
  out[0] = change.type;
  view.setBigUint64(1, BigInt(change.nodeId));
  out.set(change.context, 9);
  return out;
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  if (data.length < 9) throw new CodecError(`conf change of ${data.length} bytes is truncated`);
  const type = data[0]!;
  if (type !== ConfChangeType.AddNode && type !== ConfChangeType.RemoveNode && type !== ConfChangeType.AddLearnerNode) {
    throw new CodecError(`unknown conf change type ${type}`);
  }
  const nodeId = new DataView(data.buffer, data.byteOffset, data.byteLength).getBigUint64(1);
  if (nodeId > BigInt(Number.MAX_SAFE_INTEGER)) throw new CodecError(`conf change node id ${nodeId} is not a safe integer`);
  return { type, nodeId: Number(nodeId), context: data.slice(9) };
}
