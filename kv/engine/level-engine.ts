import { ClassicLevel } from 'classic-level';
import { assert } from '../../common/assert.js';
import { compareBytes } from '../../common/codec/bytes.js';
import { failpoint } from '../../common/failpoint/index.js';
import {
  type ColumnFamily,
  type Engine,
  type EngineIterator,
  type EngineReader,
  type EngineSnapshot,
  type IterateOptions,
  type KeyValue,
  type RangeOptions,
  type WriteBatch,
} from './engine.js';
import { columnFamilyBounds, prefixedKey, stripPrefix } from './keys.js';
import { RecordedWriteBatch } from './write-batch.js';

type Database = ClassicLevel<Uint8Array, Uint8Array>;
// classic-level's snapshot type is not exported in a form we can name portably.
type LevelSnapshot = ReturnType<Database['snapshot']>;

function iterate(db: Database, options: { gte: Uint8Array; lt: Uint8Array; reverse: boolean; snapshot?: LevelSnapshot }) {
  return db.iterator<Uint8Array, Uint8Array>({ ...options, keyEncoding: 'view', valueEncoding: 'view' });
}

function bounds(cf: ColumnFamily, range: RangeOptions): { gte: Uint8Array; lt: Uint8Array } {
  const family = columnFamilyBounds(cf);
  return {
    gte: range.start === undefined ? family.start : prefixedKey(cf, range.start),
    lt: range.end === undefined || range.end.length === 0 ? family.end : prefixedKey(cf, range.end),
  };
}

class LevelIterator implements EngineIterator {
  private iterator: ReturnType<typeof iterate>;
  private readonly db: Database;
  private readonly cf: ColumnFamily;
  private readonly options: { gte: Uint8Array; lt: Uint8Array; reverse: boolean; snapshot?: LevelSnapshot };
  /** A reverse seek past the upper bound: restart from the end before the next read. */
  private restartAtEnd = false;

  constructor(db: Database, cf: ColumnFamily, options: IterateOptions, snapshot: LevelSnapshot | undefined) {
    const { gte, lt } = bounds(cf, options);
    this.db = db;
    this.cf = cf;
    this.options = { gte, lt, reverse: options.reverse ?? false, ...(snapshot === undefined ? {} : { snapshot }) };
    this.iterator = iterate(db, this.options);
  }

  seek(target: Uint8Array): void {
    // LevelDB ends an iterator sought outside its range; the interface clamps instead.
    const prefixed = prefixedKey(this.cf, target);
    this.restartAtEnd = false;
    if (!this.options.reverse && compareBytes(prefixed, this.options.gte) < 0) {
      this.iterator.seek(this.options.gte);
    } else if (this.options.reverse && compareBytes(prefixed, this.options.lt) >= 0) {
      this.restartAtEnd = true;
    } else {
      this.iterator.seek(prefixed);
    }
  }

  async next(count: number): Promise<KeyValue[]> {
    assert(count > 0, 'iterator batch size must be positive');
    if (this.restartAtEnd) {
      this.restartAtEnd = false;
      await this.iterator.close();
      this.iterator = iterate(this.db, this.options);
    }
    const entries = await this.iterator.nextv(count);
    const out: KeyValue[] = new Array(entries.length);
    for (let index = 0; index < entries.length; index++) {
      const [key, value] = entries[index]!;
      out[index] = [stripPrefix(this.cf, key), value];
    }
    return out;
  }

  async close(): Promise<void> {
    await this.iterator.close();
  }
}

class LevelReader implements EngineReader {
  protected readonly db: Database;
  protected readonly levelSnapshot: LevelSnapshot | undefined;

  constructor(db: Database, levelSnapshot: LevelSnapshot | undefined) {
    this.db = db;
    this.levelSnapshot = levelSnapshot;
  }

  async get(cf: ColumnFamily, key: Uint8Array): Promise<Uint8Array | undefined> {
    if (this.levelSnapshot === undefined) return (await this.db.get(prefixedKey(cf, key))) ?? undefined;
    return (await this.db.get(prefixedKey(cf, key), { snapshot: this.levelSnapshot })) ?? undefined;
  }

  async getMany(cf: ColumnFamily, keys: readonly Uint8Array[]): Promise<Array<Uint8Array | undefined>> {
    if (keys.length === 0) return [];
    const prefixed = keys.map((key) => prefixedKey(cf, key));
    const values = this.levelSnapshot === undefined ? await this.db.getMany(prefixed) : await this.db.getMany(prefixed, { snapshot: this.levelSnapshot });
    return values.map((value) => value ?? undefined);
  }

  getSync(cf: ColumnFamily, key: Uint8Array): Uint8Array | undefined {
    if (this.levelSnapshot === undefined) return this.db.getSync(prefixedKey(cf, key)) ?? undefined;
    return this.db.getSync(prefixedKey(cf, key), { snapshot: this.levelSnapshot }) ?? undefined;
  }

  iterator(cf: ColumnFamily, options: IterateOptions = {}): EngineIterator {
    return new LevelIterator(this.db, cf, options, this.levelSnapshot);
  }
}

class LevelEngineSnapshot extends LevelReader implements EngineSnapshot {
  private closed = false;

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.levelSnapshot!.close();
  }
}

/** The engine on classic-level (LevelDB): one database, column families as key prefixes. */
export class LevelEngine extends LevelReader implements Engine {
  readonly path: string;

  private constructor(db: Database, path: string) {
    super(db, undefined);
    this.path = path;
  }

  static async open(path: string): Promise<LevelEngine> {
    const db: Database = new ClassicLevel<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' });
    await db.open();
    assert(db.supports.explicitSnapshots === true, 'classic-level without explicit snapshots');
    return new LevelEngine(db, path);
  }

  newBatch(): WriteBatch {
    return new RecordedWriteBatch();
  }

  async write(batch: WriteBatch, options: { readonly sync?: boolean } = {}): Promise<void> {
    assert(batch instanceof RecordedWriteBatch, 'batch was not created by this engine');
    if (batch.count === 0) return;
    // Chained batches are several times cheaper than the array form (see MEASURED.md).
    const chained = this.db.batch();
    for (const operation of batch.operations) {
      if (operation.kind === 'put') chained.put(prefixedKey(operation.cf, operation.key), operation.value);
      else chained.del(prefixedKey(operation.cf, operation.key));
    }
    failpoint('engine-before-write');
    const written = chained.write({ sync: options.sync ?? false });
    // A crash here dies while LevelDB applies the batch: recovery must show all of it or none.
    try {
      failpoint('engine-write-in-flight');
    } catch (error) {
      // A panic here must not leave the write floating: let it land, then report the panic.
      await written;
      throw error;
    }
    await written;
    failpoint('engine-after-write');
  }

  snapshot(): EngineSnapshot {
    return new LevelEngineSnapshot(this.db, this.db.snapshot());
  }

  async deleteRange(cf: ColumnFamily, range: RangeOptions): Promise<void> {
    const { gte, lt } = bounds(cf, range);
    await this.db.clear({ gte, lt });
  }

  async approximateSizeBytes(cf: ColumnFamily, range: RangeOptions): Promise<number> {
    const { gte, lt } = bounds(cf, range);
    return this.db.approximateSize(gte, lt);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
