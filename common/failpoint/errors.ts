/**
 * Thrown when a failpoint is configured with an action string that does not parse, or a
 * task that cannot run where it was reached (`pause` at a synchronous call site). A bad
 * configuration is never ignored: a test that thinks it injected a fault must not pass
 * because nothing was injected.
 */
export class FailpointConfigError extends Error {
  override readonly name = 'FailpointConfigError';
}

/** The fault a `panic` / `panic(msg)` task injects. */
export class FailpointPanic extends Error {
  override readonly name = 'FailpointPanic';

  constructor(
    readonly failpointName: string,
    message: string,
  ) {
    super(message);
  }
}
