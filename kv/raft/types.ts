/**
 * The Raft library's own message and log types, mirroring `eraftpb` (see
 * `proto/eraftpb.proto`; `convert.ts` maps between the two at the transport edge).
 *
 * Terms, indexes and node ids are JS numbers here: each grows by one at a time from a
 * small start, so 2^53 is out of reach in practice, and numbers keep the hot path free
 * of bigint allocation. Every conversion from the wire asserts the value is a safe
 * integer. Timestamps never enter this library.
 */

/** Message types, numbered as in `eraftpb.MessageType`. */
export const MessageType = {
  Hup: 0,
  Beat: 1,
  Propose: 2,
  Append: 3,
  AppendResponse: 4,
  RequestVote: 5,
  RequestVoteResponse: 6,
  Snapshot: 7,
  Heartbeat: 8,
  HeartbeatResponse: 9,
  Unreachable: 10,
  SnapshotStatus: 11,
  CheckQuorum: 12,
  TransferLeader: 13,
  TimeoutNow: 14,
  ReadIndex: 15,
  ReadIndexResponse: 16,
  RequestPreVote: 17,
  RequestPreVoteResponse: 18,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

const messageTypeNames = Object.fromEntries(Object.entries(MessageType).map(([name, value]) => [value, name])) as Record<MessageType, string>;

export function messageTypeName(type: MessageType): string {
  return messageTypeNames[type];
}

/** Messages that only ever travel from the application into the local node. */
export function isLocalMessage(type: MessageType): boolean {
  return (
    type === MessageType.Hup ||
    type === MessageType.Beat ||
    type === MessageType.Unreachable ||
    type === MessageType.SnapshotStatus ||
    type === MessageType.CheckQuorum
  );
}

/** Responses: a node that is not a member may still send them. */
export function isResponseMessage(type: MessageType): boolean {
  return (
    type === MessageType.AppendResponse ||
    type === MessageType.RequestVoteResponse ||
    type === MessageType.HeartbeatResponse ||
    type === MessageType.Unreachable ||
    type === MessageType.RequestPreVoteResponse
  );
}

export const EntryType = {
  Normal: 0,
  ConfChange: 1,
} as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

export interface Entry {
  readonly type: EntryType;
  readonly term: number;
  readonly index: number;
  /** For `ConfChange` entries, the encoded `ConfChange` (see `encodeConfChange`). */
  readonly data: Uint8Array;
}

export interface HardState {
  readonly term: number;
  /** The node voted for in `term`, 0 for none. */
  readonly vote: number;
  readonly commit: number;
}

export const emptyHardState: HardState = { term: 0, vote: 0, commit: 0 };

export function isEmptyHardState(state: HardState): boolean {
  return state.term === 0 && state.vote === 0 && state.commit === 0;
}

export function hardStatesEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

export interface ConfState {
  readonly voters: readonly number[];
  readonly learners: readonly number[];
}

export interface SnapshotMetadata {
  readonly index: number;
  readonly term: number;
  readonly confState: ConfState;
}

export interface Snapshot {
  readonly data: Uint8Array;
  readonly metadata: SnapshotMetadata;
}

export const emptySnapshot: Snapshot = { data: new Uint8Array(0), metadata: { index: 0, term: 0, confState: { voters: [], learners: [] } } };

export function isEmptySnapshot(snapshot: Snapshot | undefined): boolean {
  return snapshot === undefined || snapshot.metadata.index === 0;
}

export interface Message {
  readonly type: MessageType;
  readonly to: number;
  readonly from: number;
  readonly term: number;
  /** For appends: the term of the entry at `index`, which precedes `entries`. For votes: the candidate's last term. */
  readonly logTerm: number;
  readonly index: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
  readonly snapshot?: Snapshot;
  readonly reject: boolean;
  /** On a rejected append: the follower's hint of where to probe next. */
  readonly rejectHint: number;
  /** Read-index request context, or the campaign kind on votes. */
  readonly context?: Uint8Array;
}

/** Fills in the defaults so call sites name only what matters. */
export function makeMessage(fields: Partial<Message> & Pick<Message, 'type'>): Message {
  return {
    to: 0,
    from: 0,
    term: 0,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    ...fields,
  };
}

export const ConfChangeType = {
  AddNode: 0,
  RemoveNode: 1,
  AddLearnerNode: 2,
} as const;
export type ConfChangeType = (typeof ConfChangeType)[keyof typeof ConfChangeType];

export interface ConfChange {
  readonly type: ConfChangeType;
  readonly nodeId: number;
  /** Opaque to Raft; the application's own payload (e.g. the peer's store). */
  readonly context: Uint8Array;
}

export const Role = {
  Follower: 'follower',
  PreCandidate: 'pre-candidate',
  Candidate: 'candidate',
  Leader: 'leader',
} as const;
export type Role = (typeof Role)[keyof typeof Role];

export interface SoftState {
  /** 0 when the node knows no leader. */
  readonly leaderId: number;
  readonly role: Role;
}

/** A linearizable read point: everything up to `index` must be applied before serving it. */
export interface ReadState {
  readonly index: number;
  readonly requestContext: Uint8Array;
}

export const noLeader = 0;
