import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryPdStorage, type PdWrite } from '../storage.js';
import { PersistQueue } from './persist-queue.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (value: Uint8Array | undefined) => (value === undefined ? undefined : new TextDecoder().decode(value));

/** A MemoryPdStorage whose writes wait until the test releases them, one at a time. */
class GatedStorage extends MemoryPdStorage {
  readonly batches: Array<readonly string[]> = [];
  private readonly gates: Array<{ release: () => void; fail: (error: Error) => void }> = [];

  override async write(writes: readonly PdWrite[]): Promise<void> {
    this.batches.push(writes.map(({ key, value }) => `${key}=${text(value) ?? '<delete>'}`));
    await new Promise<void>((release, fail) => this.gates.push({ release, fail }));
    await super.write(writes);
  }

  get waiting(): number {
    return this.gates.length;
  }

  async releaseNext(): Promise<void> {
    this.gates.shift()!.release();
    await settle();
  }

  async failNext(error: Error): Promise<void> {
    this.gates.shift()!.fail(error);
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let index = 0; index < 10; index++) await Promise.resolve();
}

describe('persist queue', () => {
  test('writes queued while one is in flight go out together, in order, newest value winning', async () => {
    const storage = new GatedStorage();
    const queue = new PersistQueue(storage, 100);
    const done: string[] = [];
    const first = queue.write([{ key: 'r/1', value: bytes('v1') }]).then(() => done.push('first'));
    await settle();
    assert.equal(storage.waiting, 1);
    const second = queue.write([{ key: 'r/1', value: bytes('v2') }, { key: 'r/2', value: bytes('a') }]).then(() => done.push('second'));
    const third = queue.write([{ key: 'r/1', value: bytes('v3') }, { key: 'r/2', value: undefined }]).then(() => done.push('third'));
    await settle();
    assert.equal(storage.waiting, 1, 'nothing else is written while the first write is in flight');
    await storage.releaseNext();
    assert.deepEqual(done, ['first']);
    assert.equal(storage.waiting, 1);
    await storage.releaseNext();
    await Promise.all([first, second, third]);
    assert.deepEqual(done, ['first', 'second', 'third']);
    assert.deepEqual(storage.batches, [['r/1=v1'], ['r/1=v3', 'r/2=<delete>']]);
    assert.equal(text(await storage.get('r/1')), 'v3');
    assert.equal(await storage.get('r/2'), undefined);
    assert.equal(storage.writeCount, 2);
  });

  test('a failed write rejects exactly the callers in its batch; later batches still go', async () => {
    const storage = new GatedStorage();
    const queue = new PersistQueue(storage, 100);
    const first = queue.write([{ key: 'a', value: bytes('1') }]);
    await settle();
    const second = queue.write([{ key: 'b', value: bytes('2') }]);
    const third = queue.write([{ key: 'c', value: bytes('3') }]);
    await storage.failNext(new Error('disk full'));
    await assert.rejects(first, /disk full/);
    await storage.releaseNext();
    await Promise.all([second, third]);
    assert.equal(await storage.get('a'), undefined);
    assert.equal(text(await storage.get('c')), '3');
  });

  test('batches are cut at the bound, never inside one call', async () => {
    const storage = new GatedStorage();
    const queue = new PersistQueue(storage, 3);
    const calls = [queue.write([{ key: 'x', value: bytes('0') }])];
    await settle();
    calls.push(queue.write([{ key: 'a', value: bytes('1') }, { key: 'b', value: bytes('1') }]));
    calls.push(queue.write([{ key: 'c', value: bytes('1') }, { key: 'd', value: bytes('1') }]));
    calls.push(queue.write([{ key: 'e', value: bytes('1') }, { key: 'f', value: bytes('1') }, { key: 'g', value: bytes('1') }, { key: 'h', value: bytes('1') }]));
    while (storage.waiting > 0) await storage.releaseNext();
    await Promise.all(calls);
    assert.deepEqual(
      storage.batches.map((batch) => batch.length),
      [1, 2, 2, 4],
      'a call larger than the bound gets a batch of its own',
    );
  });

  test('an empty write resolves without touching storage', async () => {
    const storage = new MemoryPdStorage();
    await new PersistQueue(storage, 10).write([]);
    assert.equal(storage.writeCount, 0);
  });
});
