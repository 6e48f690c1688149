/** Why a PD client call failed. */
export type PdClientErrorKind =
  /** No PD member answered, or the leader could not be found, within the call's budget. */
  | 'unavailable'
  /** The call did not finish within its deadline. */
  | 'timeout'
  /** PD answered with an error in its response header (see `serverErrorType`). */
  | 'server'
  /** The client was closed. */
  | 'closed';

export class PdClientError extends Error {
  override readonly name = 'PdClientError';
  readonly kind: PdClientErrorKind;
  /** For 'server': the pdpb.ErrorType name PD reported. */
  readonly serverErrorType: string | undefined;

  constructor(kind: PdClientErrorKind, message: string, options: { serverErrorType?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.serverErrorType = options.serverErrorType;
  }
}
