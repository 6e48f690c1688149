import { assert } from '../../common/assert.js';
import { compareBytes } from '../../common/codec/bytes.js';
import {
  allColumnFamilies,
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
import { RecordedWriteBatch } from './write-batch.js';

type Family = KeyValue[];

/** The first position whose key is >= `key`. */
function lowerBound(family: Family, key: Uint8Array): number {
  let low = 0;
  let high = family.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareBytes(family[middle]![0], key) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

function inRange(key: Uint8Array, range: RangeOptions): boolean {
  if (range.start !== undefined && compareBytes(key, range.start) < 0) return false;
  if (range.end !== undefined && range.end.length > 0 && compareBytes(key, range.end) >= 0) return false;
  return true;
}

class MemoryIterator implements EngineIterator {
  private readonly entries: Family;
  private readonly reverse: boolean;
  // Forward: the next position to return. Reverse: one past it.
  private position: number;
  private readonly low: number;
  private readonly high: number;

  constructor(family: Family, options: IterateOptions) {
    this.entries = family;
    this.reverse = options.reverse ?? false;
    this.low = options.start === undefined ? 0 : lowerBound(family, options.start);
    this.high = options.end === undefined || options.end.length === 0 ? family.length : lowerBound(family, options.end);
    this.position = this.reverse ? this.high : this.low;
  }

  seek(target: Uint8Array): void {
    if (this.reverse) {
      // The last key <= target: everything below the first key > target.
      let position = lowerBound(this.entries, target);
      if (position < this.entries.length && compareBytes(this.entries[position]![0], target) === 0) position++;
      this.position = Math.min(Math.max(position, this.low), this.high);
    } else {
      this.position = Math.min(Math.max(lowerBound(this.entries, target), this.low), this.high);
    }
  }

  async next(count: number): Promise<KeyValue[]> {
    assert(count > 0, 'iterator batch size must be positive');
    const out: KeyValue[] = [];
    while (out.length < count) {
      if (this.reverse) {
        if (this.position <= this.low) break;
        const entry = this.entries[--this.position]!;
        out.push([new Uint8Array(entry[0]), new Uint8Array(entry[1])]);
      } else {
        if (this.position >= this.high) break;
        const entry = this.entries[this.position++]!;
        out.push([new Uint8Array(entry[0]), new Uint8Array(entry[1])]);
      }
    }
    return out;
  }

  async close(): Promise<void> {}
}

class MemoryReader implements EngineReader {
  protected families: Map<ColumnFamily, Family>;

  constructor(families: Map<ColumnFamily, Family>) {
    this.families = families;
  }

  protected family(cf: ColumnFamily): Family {
    return this.families.get(cf)!;
  }

  async get(cf: ColumnFamily, key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.getSync(cf, key);
  }

  async getMany(cf: ColumnFamily, keys: readonly Uint8Array[]): Promise<Array<Uint8Array | undefined>> {
    return keys.map((key) => this.getSync(cf, key));
  }

  getSync(cf: ColumnFamily, key: Uint8Array): Uint8Array | undefined {
    const family = this.family(cf);
    const position = lowerBound(family, key);
    const found = family[position];
    // Copies, so a caller that changes what it read cannot change the store (as with LevelDB).
    return found !== undefined && compareBytes(found[0], key) === 0 ? new Uint8Array(found[1]) : undefined;
  }

  iterator(cf: ColumnFamily, options: IterateOptions = {}): EngineIterator {
    // Families are replaced, never mutated, on write: the iterator sees a stable copy.
    return new MemoryIterator(this.family(cf), options);
  }
}

class MemorySnapshot extends MemoryReader implements EngineSnapshot {
  async close(): Promise<void> {}
}

/**
 * An in-memory engine for tests and simulation. Each write replaces the affected
 * family arrays (copy on write), so snapshots and iterators are just references.
 */
export class MemoryEngine extends MemoryReader implements Engine {
  constructor() {
    super(new Map(allColumnFamilies.map((cf) => [cf, []])));
  }

  newBatch(): WriteBatch {
    return new RecordedWriteBatch();
  }

  async write(batch: WriteBatch): Promise<void> {
    this.writeSync(batch);
  }

  writeSync(batch: WriteBatch): void {
    assert(batch instanceof RecordedWriteBatch, 'batch was not created by this engine');
    const copies = new Map<ColumnFamily, Family>();
    for (const operation of batch.operations) {
      let family = copies.get(operation.cf);
      if (family === undefined) {
        family = this.family(operation.cf).slice();
        copies.set(operation.cf, family);
      }
      const position = lowerBound(family, operation.key);
      const exists = position < family.length && compareBytes(family[position]![0], operation.key) === 0;
      if (operation.kind === 'put') {
        const entry: KeyValue = [new Uint8Array(operation.key), new Uint8Array(operation.value)];
        if (exists) family[position] = entry;
        else family.splice(position, 0, entry);
      } else if (exists) {
        family.splice(position, 1);
      }
    }
    const next = new Map(this.families);
    for (const [cf, family] of copies) next.set(cf, family);
    this.families = next;
  }

  snapshot(): EngineSnapshot {
    return new MemorySnapshot(this.families);
  }

  async deleteRange(cf: ColumnFamily, range: RangeOptions): Promise<void> {
    const next = new Map(this.families);
    next.set(cf, this.family(cf).filter(([key]) => !inRange(key, range)));
    this.families = next;
  }

  async approximateSizeBytes(cf: ColumnFamily, range: RangeOptions): Promise<number> {
    let size = 0;
    for (const [key, value] of this.family(cf)) if (inRange(key, range)) size += key.length + value.length;
    return size;
  }

  async close(): Promise<void> {}
}
