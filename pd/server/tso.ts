import { assert } from '../../common/assert.js';
import { ByteReader, ByteWriter } from '../../common/codec/buffer.js';
import { decodeUint64, encodeUint64 } from '../../common/codec/number.js';
import { CodecError } from '../../common/errors.js';
import { composeTimestamp, maxLogical, type Timestamp } from '../../common/ids.js';
import type { PdStorage } from './storage.js';

/**
 * PD's timestamp oracle (TSO): hands out timestamps `physical_ms << 18 | logical` that
 * strictly increase across every response, across restarts and across leader changes.
 *
 * Safety rests on one persisted number, the window bound: a physical millisecond that no
 * timestamp handed out so far exceeds. The oracle persists the bound `saveIntervalMs`
 * ahead before it hands out anything inside the new window, and a member that becomes
 * leader loads the bound and starts its physical time above it. The wall clock only
 * decides how close to real time the timestamps stay; it never decides safety:
 *
 * - Clock going backwards: the physical part never goes back. The oracle keeps its
 *   current physical millisecond and keeps consuming logical values.
 * - Logical overflow (2^18 timestamps in one millisecond): when the clock is at the
 *   current physical millisecond, the oracle waits for the next millisecond through the
 *   injected `sleep(1)`, up to `overflowWaitLimit` times. When the clock is behind the
 *   physical part (it went backwards, or a new leader started above the saved bound,
 *   which may lie ahead of the clock) or the clock stays put past that limit, the oracle
 *   advances the physical part by 1 ms itself. That is safe because the advanced
 *   millisecond still has to lie inside the persisted window (the window is extended
 *   first otherwise), and it stops a clock that runs behind from stalling every caller.
 * - Window extension: once the bound is closer than `refreshMarginMs` to the physical
 *   part, one save extends it in the background so callers do not wait for storage;
 *   a caller that needs a millisecond beyond the bound waits for the save. Concurrent
 *   callers share one save.
 *
 * The oracle serves only between `initialize()` (called when this member becomes PD
 * leader) and `resign()` (called when it stops being leader). A multi-member PD must
 * make sure, through its replicated storage, that a deposed leader's writes cannot
 * land after the new leader's; within one oracle, writes of the bound are serialized
 * and a new term waits for the previous term's writes before it loads the bound.
 */

/** The most timestamps one request may take: every logical value of one millisecond. */
export const maxTimestampsPerRequest = Number(maxLogical) + 1;
const logicalLimit = maxLogical + 1n;

export const tsoDefaults = {
  saveIntervalMs: 3_000,
  /** Start the next window extension once less than this much of the window is left. */
  refreshMarginMs: 1_000,
  overflowWaitLimit: 3,
  storageKey: 'tso/window-bound-ms',
} as const;

export interface TimestampOracleOptions {
  readonly storage: PdStorage;
  /** Wall clock in milliseconds (e.g. `Date.now`); injected so tests run on fake time. */
  readonly clock: () => number;
  /** Resolves after `ms` milliseconds; used only to wait out a logical overflow. */
  readonly sleep: (ms: number) => Promise<void>;
  /** How far ahead of the physical part the window bound is persisted. */
  readonly saveIntervalMs?: number;
  /**
   * Extend the window in the background once less than this is left; defaults to
   * min(1000, saveIntervalMs / 3). Must be below `saveIntervalMs`; 0 turns it off.
   */
  readonly refreshMarginMs?: number;
  /** How many 1 ms sleeps a logical overflow waits for the clock before advancing itself. */
  readonly overflowWaitLimit?: number;
  readonly storageKey?: string;
}

/** A range of `count` consecutive timestamps sharing one physical part; both ends included. */
export interface TimestampRange {
  readonly first: Timestamp;
  readonly last: Timestamp;
}

export type TsoRole = 'resigned' | 'initializing' | 'serving';

/** What the oracle looks like right now, for tests, metrics and the status API. */
export interface TsoStatus {
  readonly role: TsoRole;
  readonly physicalMs: bigint;
  /** The logical value the next timestamp of `physicalMs` would get (2^18 = exhausted). */
  readonly nextLogical: bigint;
  /** The persisted bound: no timestamp handed out in this term has a larger physical part. */
  readonly savedBoundMs: bigint;
}

/** The oracle is not leader (never initialized, resigned, or re-initialized meanwhile). */
export class TsoNotServingError extends Error {
  override readonly name = 'TsoNotServingError';
  readonly code = 'TsoNotServing';
}

/** A request asked for fewer than 1 or more than 2^18 timestamps. */
export class TsoCountError extends RangeError {
  override readonly name = 'TsoCountError';
  readonly code = 'TsoCount';
  readonly count: number;

  constructor(count: number) {
    super(`timestamp count must be an integer in 1..${maxTimestampsPerRequest}, got ${count}`);
    this.count = count;
  }
}

export type TsoError = TsoNotServingError | TsoCountError;

export class TimestampOracle {
  private readonly storage: PdStorage;
  private readonly clock: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly saveIntervalMs: bigint;
  private readonly refreshMarginMs: bigint;
  private readonly overflowWaitLimit: number;
  private readonly storageKey: string;

  private role: TsoRole = 'resigned';
  /** Bumped by every `initialize` and `resign`: work started in an older term must not serve. */
  private term = 0;
  // Invariant while serving: physicalMs <= savedBoundMs, and savedBoundMs is durable.
  private physicalMs = 0n;
  // Invariant: 0 <= nextLogical <= logicalLimit.
  private nextLogical = 0n;
  private savedBoundMs = 0n;
  private lastIssued: Timestamp | undefined;
  /** The one window extension in flight; every caller that needs it awaits this promise. */
  private extension: Promise<void> | undefined;
  /** Every write of the bound chains on this, so a smaller bound never overwrites a larger one. */
  private writeChain: Promise<void> = Promise.resolve();

  constructor(options: TimestampOracleOptions) {
    this.storage = options.storage;
    this.clock = options.clock;
    this.sleep = options.sleep;
    const saveIntervalMs = options.saveIntervalMs ?? tsoDefaults.saveIntervalMs;
    const refreshMarginMs = options.refreshMarginMs ?? Math.min(tsoDefaults.refreshMarginMs, Math.floor(saveIntervalMs / 3));
    const overflowWaitLimit = options.overflowWaitLimit ?? tsoDefaults.overflowWaitLimit;
    assert(Number.isSafeInteger(saveIntervalMs) && saveIntervalMs >= 1, `saveIntervalMs must be a positive integer, got ${saveIntervalMs}`);
    assert(
      Number.isSafeInteger(refreshMarginMs) && refreshMarginMs >= 0 && refreshMarginMs < saveIntervalMs,
      `refreshMarginMs must be an integer in 0..saveIntervalMs-1, got ${refreshMarginMs}`,
    );
    assert(Number.isSafeInteger(overflowWaitLimit) && overflowWaitLimit >= 0, `overflowWaitLimit must be a non-negative integer, got ${overflowWaitLimit}`);
    this.saveIntervalMs = BigInt(saveIntervalMs);
    this.refreshMarginMs = BigInt(refreshMarginMs);
    this.overflowWaitLimit = overflowWaitLimit;
    this.storageKey = options.storageKey ?? tsoDefaults.storageKey;
  }

  /**
   * Starts serving as leader: loads the saved bound, starts the physical part at
   * max(now, savedBound + 1 ms) and persists a new window above it before serving.
   * Throws `TsoNotServingError` when `resign` or another `initialize` ran meanwhile.
   */
  async initialize(): Promise<void> {
    const term = this.beginTerm('initializing');
    // The previous term's writes must land before the bound is read, or one of them
    // could later overwrite the larger bound this term persists.
    await this.writeChain;
    const stored = await this.storage.get(this.storageKey);
    this.checkTerm(term);
    const savedMs = stored === undefined ? 0n : decodeBound(stored);
    const nowMs = this.readClockMs();
    const startMs = nowMs > savedMs ? nowMs : savedMs + 1n;
    const boundMs = startMs + this.saveIntervalMs;
    await this.persistBound(boundMs);
    this.checkTerm(term);
    this.physicalMs = startMs;
    this.nextLogical = 0n;
    this.savedBoundMs = boundMs;
    this.lastIssued = undefined;
    this.role = 'serving';
  }

  /** Stops serving at once: callers waiting inside `getTimestamps` get `TsoNotServingError`. */
  resign(): void {
    this.beginTerm('resigned');
  }

  /**
   * Hands out `count` consecutive timestamps sharing one physical part. Ranges given to
   * concurrent callers never overlap, and every range lies above every earlier one.
   */
  async getTimestamps(count: number): Promise<TimestampRange> {
    if (!Number.isInteger(count) || count < 1 || count > maxTimestampsPerRequest) throw new TsoCountError(count);
    const wanted = BigInt(count);
    const term = this.term;
    let overflowWaits = 0;
    for (;;) {
      // Hot path: one clock read and a few bigint operations; storage only when the window ends.
      this.checkServing(term);
      const nowMs = this.readClockMs();
      let physicalMs = this.physicalMs;
      let logical = this.nextLogical;
      if (nowMs > physicalMs) {
        physicalMs = nowMs;
        logical = 0n;
      } else if (logical + wanted > logicalLimit) {
        if (nowMs === physicalMs && overflowWaits < this.overflowWaitLimit) {
          overflowWaits++;
          await this.sleep(1);
          continue;
        }
        physicalMs += 1n;
        logical = 0n;
      }
      if (physicalMs > this.savedBoundMs) {
        await this.extendWindow(physicalMs);
        continue;
      }
      // From here to the return nothing awaits, so no other caller can take these values.
      this.physicalMs = physicalMs;
      this.nextLogical = logical + wanted;
      const first = composeTimestamp(physicalMs, logical);
      const last = composeTimestamp(physicalMs, logical + wanted - 1n);
      this.lastIssued = last;
      this.maybeExtendInBackground(physicalMs);
      return { first, last };
    }
  }

  /** The largest timestamp handed out since this member last became leader, if any. */
  current(): Timestamp | undefined {
    return this.lastIssued;
  }

  status(): TsoStatus {
    return { role: this.role, physicalMs: this.physicalMs, nextLogical: this.nextLogical, savedBoundMs: this.savedBoundMs };
  }

  private beginTerm(role: TsoRole): number {
    this.term++;
    this.role = role;
    // An extension of the old term may still be in flight; it no longer counts.
    this.extension = undefined;
    return this.term;
  }

  /** For `initialize`: fails once `resign` or another `initialize` started a newer term. */
  private checkTerm(term: number): void {
    if (this.term !== term) throw new TsoNotServingError('the TSO changed leadership while initializing');
  }

  /** For requests: the oracle must serve, in the term the request started in. */
  private checkServing(term: number): void {
    if (this.term !== term) throw new TsoNotServingError('the TSO changed leadership while the request waited');
    if (this.role !== 'serving') throw new TsoNotServingError(`this PD member is not serving timestamps (${this.role})`);
  }

  private async extendWindow(neededMs: bigint): Promise<void> {
    if (this.extension === undefined) this.startExtension(neededMs + this.saveIntervalMs);
    await this.extension;
  }

  private maybeExtendInBackground(physicalMs: bigint): void {
    if (this.extension !== undefined || this.refreshMarginMs === 0n) return;
    if (this.savedBoundMs - physicalMs >= this.refreshMarginMs) return;
    this.startExtension(physicalMs + this.saveIntervalMs);
  }

  private startExtension(boundMs: bigint): void {
    const term = this.term;
    const attempt = this.persistBound(boundMs).then(() => {
      if (this.term === term && boundMs > this.savedBoundMs) this.savedBoundMs = boundMs;
    });
    this.extension = attempt;
    const clear = (): void => {
      if (this.extension === attempt) this.extension = undefined;
    };
    // Handling both outcomes here also keeps a failed background save from being an
    // unhandled rejection; callers that wait for the extension still see the error.
    void attempt.then(clear, clear);
  }

  private persistBound(boundMs: bigint): Promise<void> {
    const write = this.writeChain.then(() => this.storage.write([{ key: this.storageKey, value: encodeBound(boundMs) }]));
    this.writeChain = write.then(
      () => undefined,
      () => undefined,
    );
    return write;
  }

  private readClockMs(): bigint {
    const nowMs = this.clock();
    assert(Number.isFinite(nowMs) && nowMs >= 0, `the clock returned ${nowMs}`);
    return BigInt(Math.floor(nowMs));
  }
}

function encodeBound(boundMs: bigint): Uint8Array {
  const writer = new ByteWriter(8);
  encodeUint64(writer, boundMs);
  return writer.finish();
}

function decodeBound(bytes: Uint8Array): bigint {
  const reader = new ByteReader(bytes);
  const boundMs = decodeUint64(reader);
  if (!reader.atEnd) throw new CodecError(`TSO window bound has ${bytes.length} bytes, expected 8`);
  return boundMs;
}
