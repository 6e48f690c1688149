import { CodecError } from '../../common/errors.js';
import type * as eraftpb from '../../proto/gen/eraftpb.js';
import {
  type ConfState,
  type Entry,
  EntryType,
  type HardState,
  type Message,
  MessageType,
  type Snapshot,
  type SnapshotMetadata,
} from './types.js';

/**
 * Conversion between the library's types and `eraftpb` messages at the transport and
 * storage edge. Numbers from the wire must be safe integers (see types.ts); anything
 * else is rejected with CodecError rather than silently rounded.
 */

function toNumber(value: bigint, what: string): number {
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) throw new CodecError(`${what} ${value} is outside the safe integer range`);
  return Number(value);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const emptyBuffer = Buffer.alloc(0);

export function entryFromProto(entry: eraftpb.Entry): Entry {
  if (entry.entryType !== 0 && entry.entryType !== 1) throw new CodecError(`unsupported entry type ${entry.entryType}`);
  return {
    type: entry.entryType === 0 ? EntryType.Normal : EntryType.ConfChange,
    term: toNumber(entry.term, 'entry term'),
    index: toNumber(entry.index, 'entry index'),
    data: entry.data,
  };
}

export function entryToProto(entry: Entry): eraftpb.Entry {
  return {
    entryType: entry.type === EntryType.Normal ? 0 : 1,
    term: BigInt(entry.term),
    index: BigInt(entry.index),
    data: asBuffer(entry.data),
    context: emptyBuffer,
  };
}

export function confStateFromProto(state: eraftpb.ConfState | undefined): ConfState {
  if (state === undefined) return { voters: [], learners: [] };
  if (state.votersOutgoing.length > 0 || state.learnersNext.length > 0) throw new CodecError('joint configurations are not supported');
  return {
    voters: state.voters.map((id) => toNumber(id, 'voter id')),
    learners: state.learners.map((id) => toNumber(id, 'learner id')),
  };
}

export function confStateToProto(state: ConfState): eraftpb.ConfState {
  return { voters: state.voters.map(BigInt), learners: state.learners.map(BigInt), votersOutgoing: [], learnersNext: [], autoLeave: false };
}

export function snapshotFromProto(snapshot: eraftpb.Snapshot): Snapshot {
  const metadata: SnapshotMetadata = {
    index: toNumber(snapshot.metadata?.index ?? 0n, 'snapshot index'),
    term: toNumber(snapshot.metadata?.term ?? 0n, 'snapshot term'),
    confState: confStateFromProto(snapshot.metadata?.confState),
  };
  return { data: snapshot.data, metadata };
}

export function snapshotToProto(snapshot: Snapshot): eraftpb.Snapshot {
  return {
    data: asBuffer(snapshot.data),
    metadata: { index: BigInt(snapshot.metadata.index), term: BigInt(snapshot.metadata.term), confState: confStateToProto(snapshot.metadata.confState) },
  };
}

export function hardStateFromProto(state: eraftpb.HardState): HardState {
  return { term: toNumber(state.term, 'term'), vote: toNumber(state.vote, 'vote'), commit: toNumber(state.commit, 'commit') };
}

export function hardStateToProto(state: HardState): eraftpb.HardState {
  return { term: BigInt(state.term), vote: BigInt(state.vote), commit: BigInt(state.commit) };
}

const maxMessageType = MessageType.RequestPreVoteResponse;

export function messageFromProto(message: eraftpb.Message): Message {
  const type = message.msgType;
  if (!Number.isInteger(type) || type < 0 || type > maxMessageType) throw new CodecError(`unknown raft message type ${type}`);
  return {
    type: type as MessageType,
    to: toNumber(message.to, 'to'),
    from: toNumber(message.from, 'from'),
    term: toNumber(message.term, 'term'),
    logTerm: toNumber(message.logTerm, 'log term'),
    index: toNumber(message.index, 'index'),
    entries: message.entries.map(entryFromProto),
    commit: toNumber(message.commit, 'commit'),
    reject: message.reject,
    rejectHint: toNumber(message.rejectHint, 'reject hint'),
    ...(message.snapshot === undefined ? {} : { snapshot: snapshotFromProto(message.snapshot) }),
    ...(message.context.length === 0 ? {} : { context: message.context }),
  };
}

export function messageToProto(message: Message): eraftpb.Message {
  return {
    msgType: message.type,
    to: BigInt(message.to),
    from: BigInt(message.from),
    term: BigInt(message.term),
    logTerm: BigInt(message.logTerm),
    index: BigInt(message.index),
    entries: message.entries.map(entryToProto),
    commit: BigInt(message.commit),
    commitTerm: 0n,
    ...(message.snapshot === undefined ? {} : { snapshot: snapshotToProto(message.snapshot) }),
    requestSnapshot: 0n,
    reject: message.reject,
    rejectHint: BigInt(message.rejectHint),
    context: message.context === undefined ? emptyBuffer : asBuffer(message.context),
    priority: 0n,
  };
}
