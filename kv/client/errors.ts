import type * as errorpb from '../../proto/gen/errorpb.js';
import type { BackoffKind } from './backoff.js';

/** Every error the client library throws is one of these. */
export class KvClientError extends Error {
  override readonly name: string = 'KvClientError';
}

/** A request kept failing until its backoff budget ran out; `cause` is the last failure. */
export class BackoffExhaustedError extends KvClientError {
  override readonly name = 'BackoffExhaustedError';
  constructor(
    message: string,
    readonly lastKind: BackoffKind,
    override readonly cause: unknown,
    /** The latest attempts' kinds and causes, oldest first. */
    readonly history: ReadonlyArray<{ readonly kind: BackoffKind; readonly cause: string }>,
  ) {
    super(message);
  }
}

/** A region error no retry can fix (e.g. RaftEntryTooLarge: the request must be smaller). */
export class RegionRequestError extends KvClientError {
  override readonly name = 'RegionRequestError';
  constructor(readonly regionError: errorpb.Error) {
    super(regionError.message === '' ? 'region error' : regionError.message);
  }
}

/** The store refused the request itself (bad input, an unsupported call): retrying would not help. */
export class KvServerError extends KvClientError {
  override readonly name = 'KvServerError';
}

/** The client was closed while the request was under way, or used after. */
export class ClientClosedError extends KvClientError {
  override readonly name = 'ClientClosedError';
  constructor() {
    super('the client is closed');
  }
}

/** A store did not answer (connection failed, stream broke, or the request timed out). */
export class StoreUnreachableError extends KvClientError {
  override readonly name = 'StoreUnreachableError';
  constructor(
    readonly address: string,
    reason: string,
  ) {
    super(`store ${address}: ${reason}`);
  }
}

/** Another transaction committed a key this one writes after this one started: retry the transaction. */
export class WriteConflictError extends KvClientError {
  override readonly name = 'WriteConflictError';
  constructor(
    readonly key: Uint8Array,
    readonly startTs: bigint,
    readonly conflictStartTs: bigint,
    readonly conflictCommitTs: bigint,
  ) {
    super(`write conflict on key ${Buffer.from(key).toString('hex')}: txn ${startTs} meets txn ${conflictStartTs} committed at ${conflictCommitTs}`);
  }
}

/** An insert met a key that already exists. */
export class KeyExistsError extends KvClientError {
  override readonly name = 'KeyExistsError';
  constructor(readonly key: Uint8Array) {
    super(`key ${Buffer.from(key).toString('hex')} already exists`);
  }
}

/** Waiting for a lock would close a cycle of waiting transactions; this one should roll back. */
export class DeadlockError extends KvClientError {
  override readonly name = 'DeadlockError';
  constructor(
    readonly key: Uint8Array,
    readonly lockTs: bigint,
  ) {
    super(`deadlock: waiting for txn ${lockTs}'s lock on key ${Buffer.from(key).toString('hex')} would never end`);
  }
}

/** A pessimistic lock could not be taken before the lock wait timeout. */
export class LockWaitTimeoutError extends KvClientError {
  override readonly name = 'LockWaitTimeoutError';
  constructor(readonly key: Uint8Array) {
    super(`lock wait timeout on key ${Buffer.from(key).toString('hex')}`);
  }
}

/** The transaction cannot commit (rolled back by others, a constraint failed); its writes are void. */
export class TxnAbortedError extends KvClientError {
  override readonly name = 'TxnAbortedError';
}

/** The commit of the primary key was sent but no answer came: the transaction may or may not have committed. */
export class CommitUndeterminedError extends KvClientError {
  override readonly name = 'CommitUndeterminedError';
}

/** The transaction is larger than one commit may be. */
export class TxnTooLargeError extends KvClientError {
  override readonly name = 'TxnTooLargeError';
}

/** The store could not run a coprocessor request at all (malformed DAG, unsupported request type). */
export class CoprocessorRequestError extends KvClientError {
  override readonly name = 'CoprocessorRequestError';
}

/**
 * The coprocessor ran the request and it failed: an evaluation error (1690 out of range,
 * ...) or an exceeded limit (3024 time, 8175 memory, 1105 scanned rows); `code` is the
 * MySQL error code.
 */
export class CoprocessorExecutionError extends KvClientError {
  override readonly name = 'CoprocessorExecutionError';

  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}
