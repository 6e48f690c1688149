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
