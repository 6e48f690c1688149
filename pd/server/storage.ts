import { compareBytes, prefixNext } from '../../common/codec/bytes.js';
import { ColumnFamily, type Engine } from '../../kv/engine/engine.js';

/** One write of PD's persistent state; `value: undefined` deletes the key. */
export interface PdWrite {
  readonly key: string;
  readonly value: Uint8Array | undefined;
}

/**
 * PD's persistent state (TSO window, ID allocator, cluster metadata, GC safe point), as
 * string keys and byte values. `write` resolves once the writes are durable — and, when
 * PD runs several members, replicated to a quorum — and applies them atomically.
 */
export interface PdStorage {
  get(key: string): Promise<Uint8Array | undefined>;
  /** Every key starting with `prefix`, in key order. */
  scan(prefix: string): Promise<Array<{ readonly key: string; readonly value: Uint8Array }>>;
  write(writes: readonly PdWrite[]): Promise<void>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** In-memory storage for tests. */
export class MemoryPdStorage implements PdStorage {
  private readonly entries = new Map<string, Uint8Array>();
  /** Number of `write` calls, so tests can check how often state was persisted. */
  writeCount = 0;

  async get(key: string): Promise<Uint8Array | undefined> {
    const value = this.entries.get(key);
    return value === undefined ? undefined : new Uint8Array(value);
  }

  async scan(prefix: string): Promise<Array<{ key: string; value: Uint8Array }>> {
    return [...this.entries]
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => compareBytes(encoder.encode(a), encoder.encode(b)))
      .map(([key, value]) => ({ key, value: new Uint8Array(value) }));
  }

  async write(writes: readonly PdWrite[]): Promise<void> {
    this.writeCount++;
    for (const { key, value } of writes) {
      if (value === undefined) this.entries.delete(key);
      else this.entries.set(key, new Uint8Array(value));
    }
  }
}

/**
 * Storage for a single PD member: its own engine, keys in CF default, every write
 * synced. (A PD cluster of several members replicates writes through kv/raft first.)
 */
export class EnginePdStorage implements PdStorage {
  private readonly engine: Engine;

  constructor(engine: Engine) {
    this.engine = engine;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.engine.get(ColumnFamily.default, encoder.encode(key));
  }

  async scan(prefix: string): Promise<Array<{ key: string; value: Uint8Array }>> {
    const start = encoder.encode(prefix);
    const cursor = this.engine.iterator(ColumnFamily.default, { start, end: prefixNext(start) });
    const out: Array<{ key: string; value: Uint8Array }> = [];
    try {
      for (;;) {
        const batch = await cursor.next(1024);
        if (batch.length === 0) return out;
        for (const [key, value] of batch) out.push({ key: decoder.decode(key), value });
      }
    } finally {
      await cursor.close();
    }
  }

  async write(writes: readonly PdWrite[]): Promise<void> {
    const batch = this.engine.newBatch();
    for (const { key, value } of writes) {
      if (value === undefined) batch.delete(ColumnFamily.default, encoder.encode(key));
      else batch.put(ColumnFamily.default, encoder.encode(key), value);
    }
    await this.engine.write(batch, { sync: true });
  }
}
