import { assert } from '../../common/assert.js';
import { ByteReader, ByteWriter } from '../../common/codec/buffer.js';
import { decodeUint64, encodeUint64, uint64Max } from '../../common/codec/number.js';
import { CodecError } from '../../common/errors.js';
import type { PdStorage } from './storage.js';

/**
 * PD's ID allocator: unique 64-bit ids (stores, regions, peers) across restarts and
 * leader changes, without a storage write per id.
 *
 * Storage holds the end of the current batch: the largest id this batch may hand out.
 * The allocator persists a new end (`batchSize` further) before it hands out any id
 * beyond the old one, so every id handed out is at most the persisted end. A member
 * that becomes leader (`initialize`) starts right above the saved end, skipping what
 * the previous leader had reserved but not used. Ids start at 1: 0 means "no id" in the
 * protocol. Concurrent callers that run past the end wait on one shared write.
 *
 * As with the TSO, a multi-member PD must make sure through its replicated storage that
 * a deposed leader's writes cannot land after the new leader's; within one allocator,
 * writes are serialized and a new term waits for the previous term's writes.
 */

export const idAllocatorDefaults = {
  batchSize: 1_000,
  storageKey: 'id/batch-end',
} as const;

/** The most ids one `allocMany` call may take; bounds the array it returns. */
export const maxIdsPerAllocation = 100_000;

export interface IdAllocatorOptions {
  readonly storage: PdStorage;
  /** How many ids one persisted extension reserves. */
  readonly batchSize?: number;
  readonly storageKey?: string;
}

export type IdAllocatorRole = 'resigned' | 'initializing' | 'serving';

export interface IdAllocatorStatus {
  readonly role: IdAllocatorRole;
  /** The last id handed out (or the saved end this term started from). */
  readonly lastAllocated: bigint;
  /** The persisted end of the current batch. */
  readonly batchEnd: bigint;
}

/** This member is not the PD leader (never initialized, resigned, or re-initialized meanwhile). */
export class IdAllocatorNotServingError extends Error {
  override readonly name = 'IdAllocatorNotServingError';
  readonly code = 'IdAllocatorNotServing';
}

/** An `allocMany` asked for fewer than 1 or more than `maxIdsPerAllocation` ids. */
export class IdCountError extends RangeError {
  override readonly name = 'IdCountError';
  readonly code = 'IdCount';
  readonly count: number;

  constructor(count: number) {
    super(`id count must be an integer in 1..${maxIdsPerAllocation}, got ${count}`);
    this.count = count;
  }
}

export type IdAllocatorError = IdAllocatorNotServingError | IdCountError;

export class IdAllocator {
  private readonly storage: PdStorage;
  private readonly batchSize: bigint;
  private readonly storageKey: string;

  private role: IdAllocatorRole = 'resigned';
  /** Bumped by every `initialize` and `resign`: work started in an older term must not serve. */
  private term = 0;
  // Invariant while serving: lastAllocated <= batchEnd, and batchEnd is durable.
  private lastAllocated = 0n;
  private batchEnd = 0n;
  /** The one batch extension in flight; every caller that needs it awaits this promise. */
  private extension: Promise<void> | undefined;
  /** Every write of the batch end chains on this, so a smaller end never overwrites a larger one. */
  private writeChain: Promise<void> = Promise.resolve();

  constructor(options: IdAllocatorOptions) {
    this.storage = options.storage;
    const batchSize = options.batchSize ?? idAllocatorDefaults.batchSize;
    assert(Number.isSafeInteger(batchSize) && batchSize >= 1, `batchSize must be a positive integer, got ${batchSize}`);
    this.batchSize = BigInt(batchSize);
    this.storageKey = options.storageKey ?? idAllocatorDefaults.storageKey;
  }

  /**
   * Starts serving as leader from the saved batch end. Throws
   * `IdAllocatorNotServingError` when `resign` or another `initialize` ran meanwhile.
   */
  async initialize(): Promise<void> {
    const term = this.beginTerm('initializing');
    // The previous term's writes must land before the end is read, or one of them could
    // later overwrite a larger end this term persists.
    await this.writeChain;
    const stored = await this.storage.get(this.storageKey);
    if (this.term !== term) throw new IdAllocatorNotServingError('the allocator changed leadership while initializing');
    const savedEnd = stored === undefined ? 0n : decodeBatchEnd(stored);
    // The rest of the old batch may have been handed out before the old leader stopped,
    // so this term starts above the whole batch; the first allocation extends it.
    this.lastAllocated = savedEnd;
    this.batchEnd = savedEnd;
    this.role = 'serving';
  }

  /** Stops serving at once: callers waiting for a batch get `IdAllocatorNotServingError`. */
  resign(): void {
    this.beginTerm('resigned');
  }

  async alloc(): Promise<bigint> {
    const ids = await this.allocMany(1);
    return ids[0]!;
  }

  /** `count` new ids, consecutive and increasing. */
  async allocMany(count: number): Promise<bigint[]> {
    if (!Number.isInteger(count) || count < 1 || count > maxIdsPerAllocation) throw new IdCountError(count);
    const wanted = BigInt(count);
    const term = this.term;
    for (;;) {
      this.checkServing(term);
      const last = this.lastAllocated + wanted;
      if (last > this.batchEnd) {
        await this.extendBatch(last);
        continue;
      }
      // From here to the return nothing awaits, so no other caller can take these ids.
      const first = this.lastAllocated + 1n;
      this.lastAllocated = last;
      const ids = new Array<bigint>(count);
      for (let index = 0; index < count; index++) ids[index] = first + BigInt(index);
      return ids;
    }
  }

  status(): IdAllocatorStatus {
    return { role: this.role, lastAllocated: this.lastAllocated, batchEnd: this.batchEnd };
  }

  private beginTerm(role: IdAllocatorRole): number {
    this.term++;
    this.role = role;
    // An extension of the old term may still be in flight; it no longer counts.
    this.extension = undefined;
    return this.term;
  }

  private checkServing(term: number): void {
    if (this.term !== term) throw new IdAllocatorNotServingError('the allocator changed leadership while the request waited');
    if (this.role !== 'serving') throw new IdAllocatorNotServingError(`this PD member is not allocating ids (${this.role})`);
  }

  private async extendBatch(neededEnd: bigint): Promise<void> {
    if (this.extension === undefined) {
      const batchEnd = this.batchEnd + this.batchSize;
      this.startExtension(neededEnd > batchEnd ? neededEnd : batchEnd);
    }
    await this.extension;
  }

  private startExtension(end: bigint): void {
    assert(end <= uint64Max, `the id space is exhausted (would extend to ${end})`);
    const term = this.term;
    const attempt = this.persistEnd(end).then(() => {
      if (this.term === term && end > this.batchEnd) this.batchEnd = end;
    });
    this.extension = attempt;
    const clear = (): void => {
      if (this.extension === attempt) this.extension = undefined;
    };
    // Callers awaiting the extension see its error; this handler only clears it.
    void attempt.then(clear, clear);
  }

  private persistEnd(end: bigint): Promise<void> {
    const write = this.writeChain.then(() => this.storage.write([{ key: this.storageKey, value: encodeBatchEnd(end) }]));
    this.writeChain = write.then(
      () => undefined,
      () => undefined,
    );
    return write;
  }
}

function encodeBatchEnd(end: bigint): Uint8Array {
  const writer = new ByteWriter(8);
  encodeUint64(writer, end);
  return writer.finish();
}

function decodeBatchEnd(bytes: Uint8Array): bigint {
  const reader = new ByteReader(bytes);
  const end = decodeUint64(reader);
  if (!reader.atEnd) throw new CodecError(`ID batch end has ${bytes.length} bytes, expected 8`);
  return end;
}
