import { setTimeout as sleep } from 'node:timers/promises';
import { BackoffExhaustedError } from './errors.js';

/** Why a request waits before trying again; each kind has its own curve (client-go's). */
export type BackoffKind = 'regionMiss' | 'notLeader' | 'serverBusy' | 'tikvRpc' | 'pdRpc' | 'txnLock' | 'txnLockFast' | 'staleCommand';

interface Curve {
  readonly baseMs: number;
  readonly capMs: number;
  /** Equal jitter: half the step fixed, half random; none: the step as is. */
  readonly jitter: boolean;
}

const curves: Record<BackoffKind, Curve> = {
  regionMiss: { baseMs: 2, capMs: 500, jitter: false },
  notLeader: { baseMs: 2, capMs: 500, jitter: false },
  staleCommand: { baseMs: 2, capMs: 1000, jitter: false },
  serverBusy: { baseMs: 2_000, capMs: 10_000, jitter: true },
  tikvRpc: { baseMs: 100, capMs: 2_000, jitter: true },
  pdRpc: { baseMs: 500, capMs: 3_000, jitter: true },
  txnLock: { baseMs: 100, capMs: 3_000, jitter: true },
  txnLockFast: { baseMs: 2, capMs: 3_000, jitter: true },
};

/**
 * One request's retries: each `backoff` waits the next step of its kind's exponential
 * curve (with jitter where contention is likely), and throws once the total waited
 * would pass the budget, naming the last cause. Every retry loop in the client runs
 * through one of these, so none is unbounded.
 */
export class Backoffer {
  readonly budgetMs: number;
  private totalMs = 0;
  private readonly attempts = new Map<BackoffKind, number>();
  private readonly causes: Array<{ kind: BackoffKind; cause: string }> = [];
  private readonly random: () => number;

  constructor(budgetMs: number, options: { random?: () => number } = {}) {
    this.budgetMs = budgetMs;
    this.random = options.random ?? Math.random;
  }

  /**
   * A backoffer for one of several requests sent in parallel (client-go's Fork): its own
   * attempt counts, and the budget this one has left. Parallel waits overlap in time, so
   * they do not add up; `join` brings the longest back.
   */
  fork(): Backoffer {
    const child = new Backoffer(this.budgetMs, { random: this.random });
    child.totalMs = this.totalMs;
    for (const [kind, count] of this.attempts) child.attempts.set(kind, count);
    return child;
  }

  /** After parallel requests on forks: this one has waited as long as the longest of them. */
  join(children: readonly Backoffer[]): void {
    for (const child of children) {
      if (child.totalMs <= this.totalMs) continue;
      this.totalMs = child.totalMs;
      this.causes.splice(0, this.causes.length, ...child.causes);
    }
  }

  /** Milliseconds waited so far. */
  get waitedMs(): number {
    return this.totalMs;
  }

  /** Waits before the next attempt; throws BackoffExhaustedError when the budget is spent. */
  async backoff(kind: BackoffKind, cause: unknown): Promise<void> {
    const delay = this.nextDelay(kind, cause);
    if (delay > 0) await sleep(delay);
  }

  /** The wait `backoff` would take (and records the attempt); throws when the budget is spent. */
  nextDelay(kind: BackoffKind, cause: unknown): number {
    const attempt = this.attempts.get(kind) ?? 0;
    this.attempts.set(kind, attempt + 1);
    const text = describeCause(cause);
    this.causes.push({ kind, cause: text });
    if (this.causes.length > 10) this.causes.shift();
    const curve = curves[kind];
    const step = Math.min(curve.capMs, curve.baseMs * 2 ** attempt);
    const delay = curve.jitter ? Math.round(step / 2 + this.random() * (step / 2)) : step;
    if (this.totalMs + delay > this.budgetMs) {
      throw new BackoffExhaustedError(`gave up after ${this.totalMs} ms of backoff (budget ${this.budgetMs} ms); last cause (${kind}): ${text}`, kind, cause, [...this.causes]);
    }
    this.totalMs += delay;
    return delay;
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  if (typeof cause === 'string') return cause;
  return JSON.stringify(cause, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)) ?? String(cause);
}
