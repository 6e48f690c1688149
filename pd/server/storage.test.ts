import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LevelEngine } from '../../kv/engine/level-engine.js';
import { EnginePdStorage, MemoryPdStorage, type PdStorage } from './storage.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (value: Uint8Array | undefined) => (value === undefined ? undefined : new TextDecoder().decode(value));

async function exercise(storage: PdStorage): Promise<void> {
  await storage.write([
    { key: 'stores/2', value: bytes('b') },
    { key: 'stores/1', value: bytes('a') },
    { key: 'tso', value: bytes('t') },
  ]);
  assert.equal(text(await storage.get('tso')), 't');
  assert.deepEqual((await storage.scan('stores/')).map((entry) => `${entry.key}=${text(entry.value)}`), ['stores/1=a', 'stores/2=b']);
  await storage.write([{ key: 'stores/1', value: undefined }]);
  assert.deepEqual((await storage.scan('stores/')).map((entry) => entry.key), ['stores/2']);
  assert.equal(await storage.get('missing'), undefined);
}

describe('PD storage', () => {
  test('memory storage', async () => {
    await exercise(new MemoryPdStorage());
  });

  test('engine storage keeps state across a reopen', async () => {
    const path = await mkdtemp(join(tmpdir(), 'tidedb-pd-storage-'));
    try {
      let engine = await LevelEngine.open(path);
      await exercise(new EnginePdStorage(engine));
      await engine.close();
      engine = await LevelEngine.open(path);
      assert.equal(text(await new EnginePdStorage(engine).get('stores/2')), 'b');
      await engine.close();
    } finally {
      await rm(path, { recursive: true, force: true });
    }
  });
});
