import { CodecError } from '../../../common/errors.js';
import { type ConfState, type Entry, EntryType } from '../types.js';

/** One applied log entry, as the simulated application records it. */
export interface AppliedRecord {
  readonly index: number;
  readonly term: number;
  readonly type: EntryType;
  readonly data: Uint8Array;
}

/** What a snapshot carries: the whole applied history up to `appliedIndex`. */
export interface StateMachineImage {
  readonly appliedIndex: number;
  readonly appliedTerm: number;
  readonly records: readonly AppliedRecord[];
}

/**
 * The simulated application: an append-only list of applied entries.
 *
 * Durability model: the state machine is durable and atomic with each apply, like a
 * store that writes the applied index together with the data (TiKV's apply state). A
 * crash therefore loses nothing applied, and a restarted node passes
 * `applied = appliedIndex` to its new RawNode. Installing a snapshot replaces the list
 * with the snapshot's and happens atomically with persisting the snapshot in storage,
 * so the storage's snapshot index never runs ahead of the state machine.
 */
export class StateMachine {
  // Invariant: records are contiguous and end at appliedIndex (or are empty while
  // appliedIndex is the bootstrap index).
  appliedIndex: number;
  appliedTerm: number;
  /** The configuration as of `appliedIndex`. */
  confState: ConfState;
  records: AppliedRecord[];

  constructor(image: StateMachineImage, confState: ConfState) {
    this.appliedIndex = image.appliedIndex;
    this.appliedTerm = image.appliedTerm;
    this.records = image.records.slice();
    this.confState = confState;
  }

  apply(entry: Entry): AppliedRecord {
    const record: AppliedRecord = { index: entry.index, term: entry.term, type: entry.type, data: entry.data };
    this.records.push(record);
    this.appliedIndex = entry.index;
    this.appliedTerm = entry.term;
    return record;
  }

  image(): StateMachineImage {
    return { appliedIndex: this.appliedIndex, appliedTerm: this.appliedTerm, records: this.records };
  }
}

// Snapshot data layout: appliedIndex (u64), appliedTerm (u64), record count (u32), then
// per record: index (u64), term (u64), type (u8), data length (u32), data.
const headerBytes = 8 + 8 + 4;
const recordHeaderBytes = 8 + 8 + 1 + 4;

function writeSafeInteger(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, Math.floor(value / 0x1_0000_0000));
  view.setUint32(offset + 4, value >>> 0);
}

function readSafeInteger(view: DataView, offset: number): number {
  const high = view.getUint32(offset);
  if (high > 0x1f_ffff) throw new CodecError(`integer at ${offset} is not a safe integer`);
  return high * 0x1_0000_0000 + view.getUint32(offset + 4);
}

export function encodeStateMachine(image: StateMachineImage): Uint8Array {
  let size = headerBytes;
  for (const record of image.records) size += recordHeaderBytes + record.data.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  writeSafeInteger(view, 0, image.appliedIndex);
  writeSafeInteger(view, 8, image.appliedTerm);
  view.setUint32(16, image.records.length);
  let offset = headerBytes;
  for (const record of image.records) {
    writeSafeInteger(view, offset, record.index);
    writeSafeInteger(view, offset + 8, record.term);
    view.setUint8(offset + 16, record.type);
    view.setUint32(offset + 17, record.data.length);
    out.set(record.data, offset + recordHeaderBytes);
    offset += recordHeaderBytes + record.data.length;
  }
  return out;
}

export function decodeStateMachine(bytes: Uint8Array): StateMachineImage {
  if (bytes.length < headerBytes) throw new CodecError(`state machine image of ${bytes.length} bytes is truncated`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const appliedIndex = readSafeInteger(view, 0);
  const appliedTerm = readSafeInteger(view, 8);
  const count = view.getUint32(16);
  const records: AppliedRecord[] = [];
  let offset = headerBytes;
  for (let position = 0; position < count; position++) {
    if (offset + recordHeaderBytes > bytes.length) throw new CodecError(`record ${position} of the state machine image is truncated`);
    const index = readSafeInteger(view, offset);
    const term = readSafeInteger(view, offset + 8);
    const type = view.getUint8(offset + 16);
    if (type !== EntryType.Normal && type !== EntryType.ConfChange) throw new CodecError(`record ${position} has unknown entry type ${type}`);
    const length = view.getUint32(offset + 17);
    const start = offset + recordHeaderBytes;
    if (start + length > bytes.length) throw new CodecError(`data of record ${position} of the state machine image is truncated`);
    records.push({ index, term, type, data: bytes.slice(start, start + length) });
    offset = start + length;
  }
  if (offset !== bytes.length) throw new CodecError(`state machine image has ${bytes.length - offset} trailing bytes`);
  return { appliedIndex, appliedTerm, records };
}
