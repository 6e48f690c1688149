import type { SeededRandom } from '../../../common/random.js';
import type {
  ColumnFamily,
  Engine,
  EngineIterator,
  EngineReader,
  EngineSnapshot,
  IterateOptions,
  KeyValue,
  RangeOptions,
  WriteBatch,
} from '../../engine/engine.js';
import { MemoryEngine } from '../../engine/memory-engine.js';
import type { Scheduler } from './scheduler.js';

/**
 * A MemoryEngine that hands control to the scheduler inside its operations: always
 * before a batch is applied, and sometimes before a snapshot read. On a plain
 * MemoryEngine a whole command runs in one go, so nothing could ever slip between its
 * read and its write; here other commands do, which is what latches and the
 * concurrency manager are for.
 */
export class SteppingEngine implements Engine {
  private readonly inner = new MemoryEngine();
  private readonly scheduler: Scheduler;
  private readonly random: SeededRandom;
  private readonly readStepProbability: number;

  constructor(scheduler: Scheduler, random: SeededRandom, readStepProbability: number) {
    this.scheduler = scheduler;
    this.random = random;
    this.readStepProbability = readStepProbability;
  }

  get(cf: ColumnFamily, key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.inner.get(cf, key);
  }

  /** Batched reads straight from the engine (no snapshot) may be interleaved too. */
  async getMany(cf: ColumnFamily, keys: readonly Uint8Array[]): Promise<Array<Uint8Array | undefined>> {
    await this.maybeStep();
    return this.inner.getMany(cf, keys);
  }

  getSync(cf: ColumnFamily, key: Uint8Array): Uint8Array | undefined {
    return this.inner.getSync(cf, key);
  }

  iterator(cf: ColumnFamily, options?: IterateOptions): EngineIterator {
    return new SteppingIterator(this.inner.iterator(cf, options), () => this.maybeStep());
  }

  newBatch(): WriteBatch {
    return this.inner.newBatch();
  }

  /** The engine without scheduling, for checks after the run (the scheduler is gone then). */
  unscheduled(): EngineReader {
    return this.inner;
  }

  async write(batch: WriteBatch): Promise<void> {
    await this.scheduler.step();
    this.inner.writeSync(batch);
  }

  snapshot(): EngineSnapshot {
    return new SteppingSnapshot(this.inner.snapshot(), () => this.maybeStep());
  }

  deleteRange(cf: ColumnFamily, range: RangeOptions): Promise<void> {
    return this.inner.deleteRange(cf, range);
  }

  approximateSizeBytes(cf: ColumnFamily, range: RangeOptions): Promise<number> {
    return this.inner.approximateSizeBytes(cf, range);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private async maybeStep(): Promise<void> {
    if (this.random.chance(this.readStepProbability)) await this.scheduler.step();
  }
}

class SteppingSnapshot implements EngineSnapshot {
  private readonly inner: EngineSnapshot;
  private readonly maybeStep: () => Promise<void>;

  constructor(inner: EngineSnapshot, maybeStep: () => Promise<void>) {
    this.inner = inner;
    this.maybeStep = maybeStep;
  }

  async get(cf: ColumnFamily, key: Uint8Array): Promise<Uint8Array | undefined> {
    await this.maybeStep();
    return this.inner.get(cf, key);
  }

  async getMany(cf: ColumnFamily, keys: readonly Uint8Array[]): Promise<Array<Uint8Array | undefined>> {
    await this.maybeStep();
    return this.inner.getMany(cf, keys);
  }

  getSync(cf: ColumnFamily, key: Uint8Array): Uint8Array | undefined {
    return this.inner.getSync(cf, key);
  }

  iterator(cf: ColumnFamily, options?: IterateOptions): EngineIterator {
    return new SteppingIterator(this.inner.iterator(cf, options), this.maybeStep);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

class SteppingIterator implements EngineIterator {
  private readonly inner: EngineIterator;
  private readonly maybeStep: () => Promise<void>;

  constructor(inner: EngineIterator, maybeStep: () => Promise<void>) {
    this.inner = inner;
    this.maybeStep = maybeStep;
  }

  seek(target: Uint8Array): void {
    this.inner.seek(target);
  }

  async next(count: number): Promise<KeyValue[]> {
    await this.maybeStep();
    return this.inner.next(count);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
