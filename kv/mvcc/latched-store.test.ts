import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { asTimestamp, type Timestamp } from '../../common/ids.js';
import type { Engine, EngineSnapshot, EngineIterator, IterateOptions, RangeOptions, WriteBatch, ColumnFamily } from '../engine/engine.js';
import { MemoryEngine } from '../engine/memory-engine.js';
import { commitKey } from './actions/commit.js';
import { type Mutation, prewriteKey } from './actions/prewrite.js';
import { rollbackKey } from './actions/rollback.js';
import { isKeyError } from './errors.js';
import { LatchedMvccStore } from './latched-store.js';
import { prewrite } from './prewrite-command.js';
import { MvccStore } from './store.js';
import { bytes, prewriteProps, text, ts } from './test-helpers.js';

/** A MemoryEngine whose writes can be held back, to stand in the window before a batch lands. */
class GatedEngine implements Engine {
  private readonly inner = new MemoryEngine();
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;
  /** Resolves when a write reaches the closed gate. */
  writeArrived: Promise<void> = Promise.resolve();
  private announceWrite: (() => void) | undefined;

  close(): Promise<void> {
    return this.inner.close();
  }
  closeGate(): void {
    this.gate = new Promise((resolve) => {
      this.openGate = resolve;
    });
    this.writeArrived = new Promise((resolve) => {
      this.announceWrite = resolve;
    });
  }
  releaseGate(): void {
    this.openGate?.();
    this.gate = undefined;
  }
  get(cf: ColumnFamily, key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.inner.get(cf, key);
  }
  getMany(cf: ColumnFamily, keys: readonly Uint8Array[]): Promise<Array<Uint8Array | undefined>> {
    return this.inner.getMany(cf, keys);
  }
  getSync(cf: ColumnFamily, key: Uint8Array): Uint8Array | undefined {
    return this.inner.getSync(cf, key);
  }
  iterator(cf: ColumnFamily, options?: IterateOptions): EngineIterator {
    return this.inner.iterator(cf, options);
  }
  newBatch(): WriteBatch {
    return this.inner.newBatch();
  }
  async write(batch: WriteBatch): Promise<void> {
    if (this.gate !== undefined) {
      this.announceWrite?.();
      await this.gate;
    }
    await this.inner.write(batch);
  }
  snapshot(): EngineSnapshot {
    return this.inner.snapshot();
  }
  deleteRange(cf: ColumnFamily, range: RangeOptions): Promise<void> {
    return this.inner.deleteRange(cf, range);
  }
  approximateSizeBytes(cf: ColumnFamily, range: RangeOptions): Promise<number> {
    return this.inner.approximateSizeBytes(cf, range);
  }
}

const put = (key: string, value: string): Mutation => ({ op: 'put', key: bytes(key), value: bytes(value) });

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    if (isKeyError(error)) return error.detail.kind;
    throw error;
  }
}

describe('LatchedMvccStore', () => {
  test('many concurrent conflicting prewrites of one key: exactly one wins', async () => {
    const store = new LatchedMvccStore(new MemoryEngine());
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        outcome(store.write([bytes('k')], (reader, txn) => prewriteKey(reader, txn, prewriteProps('k', ts(100 + index)), put('k', `v${index}`), false))),
      ),
    );
    const winners = results.flatMap((result, index) => (result === 'ok' ? [index] : []));
    assert.equal(winners.length, 1);
    assert.ok(results.every((result) => result === 'ok' || result === 'key-is-locked'));
    const lock = await store.read((reader) => reader.loadLock(bytes('k')));
    assert.equal(lock?.startTs, ts(100 + winners[0]!));
  });

  test('without latches the same race lets several prewrites believe they won (what latches prevent)', async () => {
    const store = new MvccStore(new MemoryEngine());
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, index) => outcome(store.write((reader, txn) => prewriteKey(reader, txn, prewriteProps('k', ts(100 + index)), put('k', `v${index}`), false)))),
    );
    assert.ok(results.filter((result) => result === 'ok').length > 1);
  });

  test('concurrent multi-key prewrites over overlapping keys are all-or-nothing', async () => {
    const store = new LatchedMvccStore(new MemoryEngine());
    const keySets = [['a', 'b'], ['b', 'c'], ['c', 'd'], ['d', 'a'], ['e'], ['a', 'e'], ['f', 'b', 'd']];
    const results = await Promise.all(
      keySets.map((keys, index) =>
        outcome(prewrite(store, { mutations: keys.map((key) => put(key, `t${index}`)), props: prewriteProps(keys[0]!, ts(10 + index)) })),
      ),
    );
    const owners = new Map<string, Timestamp>();
    for (const key of ['a', 'b', 'c', 'd', 'e', 'f']) {
      const lock = await store.read((reader) => reader.loadLock(bytes(key)));
      if (lock !== undefined) owners.set(key, lock.startTs);
    }
    keySets.forEach((keys, index) => {
      const locked = keys.filter((key) => owners.get(key) === ts(10 + index));
      if (results[index] === 'ok') assert.deepEqual(locked, keys, `txn ${index} won: all its keys are locked by it`);
      else assert.deepEqual(locked, [], `txn ${index} lost: none of its keys are locked by it`);
    });
    // Latches serialize in call order: the first set always wins.
    assert.equal(results[0], 'ok');
  });

  test('concurrent read-modify-write transactions lose no increment', async () => {
    const store = new LatchedMvccStore(new MemoryEngine());
    let clock = 1n;
    const nextTs = () => asTimestamp(clock++);
    const counter = bytes('counter');
    const clients = 12;
    const increment = async (client: number) => {
      for (let attempt = 0; attempt < 1000; attempt++) {
        const startTs = nextTs();
        let current: Uint8Array | undefined;
        try {
          current = await store.get(counter, startTs);
        } catch (error) {
          if (!isKeyError(error, 'key-is-locked')) throw error;
          await nextTurn();
          continue;
        }
        const next = String(Number(text(current) ?? '0') + 1);
        const prewritten = await outcome(prewrite(store, { mutations: [put('counter', next)], props: prewriteProps('counter', startTs) }));
        if (prewritten !== 'ok') {
          await store.write([counter], (reader, txn) => rollbackKey(reader, txn, counter, startTs));
          await nextTurn();
          continue;
        }
        await nextTurn();
        await store.write([counter], (reader, txn) => commitKey(reader, txn, counter, startTs, nextTs()));
        return;
      }
      assert.fail(`client ${client} never committed`);
    };
    await Promise.all(Array.from({ length: clients }, (_, client) => increment(client)));
    assert.equal(text(await store.get(counter, nextTs())), String(clients));
  });

  test('a prewrite batch with one locked key writes none of its keys', async () => {
    const store = new LatchedMvccStore(new MemoryEngine());
    await prewrite(store, { mutations: [put('b', 'x')], props: prewriteProps('b', ts(5)) });
    await assert.rejects(prewrite(store, { mutations: [put('a', '1'), put('b', '2'), put('c', '3')], props: prewriteProps('a', ts(10)) }), (error) =>
      isKeyError(error, 'key-is-locked'),
    );
    for (const key of ['a', 'c']) assert.equal(await store.read((reader) => reader.loadLock(bytes(key))), undefined);
  });

  test('async commit: minCommitTs is above every read served before the prewrite', async () => {
    const store = new LatchedMvccStore(new MemoryEngine());
    assert.equal(await store.get(bytes('x'), ts(50)), undefined);
    await store.scan({ start: bytes('a'), end: bytes('b'), ts: ts(60), limit: 10 });
    const response = await prewrite(store, {
      mutations: [put('p', '1'), put('s', '2')],
      props: prewriteProps('p', ts(10), { useAsyncCommit: true, secondaries: [bytes('s')] }),
    });
    assert.equal(response.minCommitTs, ts(61));
    assert.equal(response.onePcCommitTs, undefined);
  });

  test('async commit: a read that arrives while the prewrite is in flight does not miss the lock', async () => {
    const engine = new GatedEngine();
    const store = new LatchedMvccStore(engine);
    engine.closeGate();
    const prewriting = prewrite(store, { mutations: [put('k', 'v')], props: prewriteProps('k', ts(10), { useAsyncCommit: true }) });
    await engine.writeArrived;
    // The prewrite chose minCommitTs 11 before this read raised maxTs to 20; its lock is
    // not in the engine yet. The read must not return "absent": the txn may commit at 11.
    const reading = outcome(store.get(bytes('k'), ts(20)));
    await nextTurn();
    engine.releaseGate();
    assert.equal((await prewriting).minCommitTs, ts(11));
    assert.equal(await reading, 'key-is-locked');
    // A later prewrite sees the raised maxTs.
    assert.equal((await prewrite(store, { mutations: [put('j', 'v')], props: prewriteProps('j', ts(12), { useAsyncCommit: true }) })).minCommitTs, ts(21));
  });

  test('1PC: a read that arrives while the commit is in flight waits and sees it', async () => {
    const engine = new GatedEngine();
    const store = new LatchedMvccStore(engine);
    engine.closeGate();
    const committing = prewrite(store, { mutations: [put('k', 'v'), put('j', 'w')], props: prewriteProps('k', ts(10), { tryOnePc: true }) });
    await engine.writeArrived;
    const reading = store.get(bytes('k'), ts(20));
    await nextTurn();
    engine.releaseGate();
    const response = await committing;
    assert.equal(response.onePcCommitTs, ts(11));
    assert.equal(text(await reading), 'v');
    assert.equal(await store.read((reader) => reader.loadLock(bytes('k'))), undefined);
  });

  test('a read below an in-flight prewrite start does not wait for it', async () => {
    const engine = new GatedEngine();
    const store = new LatchedMvccStore(engine);
    engine.closeGate();
    const prewriting = prewrite(store, { mutations: [put('k', 'v')], props: prewriteProps('k', ts(10), { useAsyncCommit: true }) });
    await engine.writeArrived;
    assert.equal(await store.get(bytes('k'), ts(5)), undefined);
    engine.releaseGate();
    await prewriting;
  });
});
