/** Typed errors of the Raft library. */
export class RaftError extends Error {
  override readonly name: string = 'RaftError';
}

/** A proposal was not appended: no known leader, leader transfer in progress, forwarding disabled, or the uncommitted log is full. */
export class ProposalDroppedError extends RaftError {
  override readonly name = 'ProposalDroppedError';
}

/** The requested index is below the storage's first index: it was compacted away. */
export class CompactedError extends RaftError {
  override readonly name = 'CompactedError';
  constructor(message = 'requested index is unavailable due to compaction') {
    super(message);
  }
}

/** The requested index is above the storage's last index. */
export class UnavailableError extends RaftError {
  override readonly name = 'UnavailableError';
  constructor(message = 'requested entry at index is unavailable') {
    super(message);
  }
}

/** A snapshot older than the storage's current one was offered. */
export class SnapshotOutOfDateError extends RaftError {
  override readonly name = 'SnapshotOutOfDateError';
  constructor(message = 'requested index is older than the existing snapshot') {
    super(message);
  }
}

/** The storage is still producing a snapshot; the leader retries later. */
export class SnapshotTemporarilyUnavailableError extends RaftError {
  override readonly name = 'SnapshotTemporarilyUnavailableError';
  constructor(message = 'snapshot is temporarily unavailable') {
    super(message);
  }
}

/** `RawNode.step` was given a message type that only the node itself may generate. */
export class StepLocalMessageError extends RaftError {
  override readonly name = 'StepLocalMessageError';
}

/** A message came from a node that is not in the configuration. */
export class StepPeerNotFoundError extends RaftError {
  override readonly name = 'StepPeerNotFoundError';
}

/** The configuration passed to `RawNode` is invalid. */
export class RaftConfigError extends RaftError {
  override readonly name = 'RaftConfigError';
}
