import { ByteReader, ByteWriter } from '../../../common/codec/buffer.js';
import { decodeCompactBytes, encodeCompactBytes } from '../../../common/codec/bytes.js';
import { CodecError } from '../../../common/errors.js';
import type { PdWrite } from '../storage.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const putFlag = 1;
const deleteFlag = 0;

/**
 * A replicated PD write as a Raft entry payload: the proposal id (so the proposer can
 * match the applied entry to its waiting caller), then the writes.
 */
export function encodeWriteEntry(proposalId: bigint, writes: readonly PdWrite[]): Uint8Array {
  const writer = new ByteWriter(64);
  writer.writeBigUint64BE(proposalId);
  writer.writeUint32BE(writes.length);
  for (const { key, value } of writes) {
    writer.writeByte(value === undefined ? deleteFlag : putFlag);
    encodeCompactBytes(writer, encoder.encode(key));
    if (value !== undefined) encodeCompactBytes(writer, value);
  }
  return writer.finish();
}

export function decodeWriteEntry(data: Uint8Array): { proposalId: bigint; writes: PdWrite[] } {
  const reader = new ByteReader(data);
  const proposalId = reader.readBigUint64BE('proposal id');
  reader.need(4, 'write count');
  const count = new DataView(data.buffer, data.byteOffset + reader.offset, 4).getUint32(0);
  reader.offset += 4;
  if (count > reader.remaining) throw new CodecError(`PD write entry claims ${count} writes in ${reader.remaining} bytes`);
  const writes: PdWrite[] = [];
  for (let index = 0; index < count; index++) {
    const flag = reader.readByte('write flag');
    if (flag !== putFlag && flag !== deleteFlag) throw new CodecError(`unknown PD write flag ${flag}`);
    const key = decoder.decode(decodeCompactBytes(reader));
    writes.push({ key, value: flag === putFlag ? new Uint8Array(decodeCompactBytes(reader)) : undefined });
  }
  if (!reader.atEnd) throw new CodecError(`${reader.remaining} trailing bytes in a PD write entry`);
  return { proposalId, writes };
}
