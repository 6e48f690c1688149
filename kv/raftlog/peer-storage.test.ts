import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRandom } from '../../common/random.js';
import { ColumnFamily, type Engine } from '../engine/engine.js';
import { LevelEngine } from '../engine/level-engine.js';
import { MemoryEngine } from '../engine/memory-engine.js';
import { CompactedError } from '../raft/errors.js';
import { RawNode } from '../raft/raw-node.js';
import { type Entry, EntryType } from '../raft/types.js';
import { raftLogKey } from './keys.js';
import { PeerStorage } from './peer-storage.js';

const regionId = 7n;
const confState = { voters: [1], learners: [] };
const text = (value: string) => new TextEncoder().encode(value);

function entry(index: number, term: number, data = `e${index}`): Entry {
  return { type: EntryType.Normal, index, term, data: text(data) };
}

/** Drives a single-voter node on the storage until it is idle, persisting every Ready. */
async function drive(node: RawNode, storage: PeerStorage, engine: Engine, applied: string[]): Promise<void> {
  while (node.hasReady()) {
    const ready = node.ready();
    const batch = engine.newBatch();
    storage.append(batch, ready.entries);
    if (ready.hardState !== undefined) storage.setHardState(batch, ready.hardState);
    await engine.write(batch, { sync: true });
    const last = ready.committedEntries[ready.committedEntries.length - 1];
    for (const committed of ready.committedEntries) if (committed.data.length > 0) applied.push(new TextDecoder().decode(committed.data));
    if (last !== undefined) {
      const applyBatch = engine.newBatch();
      storage.setApplied(applyBatch, last.index);
      await engine.write(applyBatch, { sync: true });
    }
    node.advance(ready);
  }
}

describe('PeerStorage', () => {
  test('a restarted store recovers its Raft state and the node continues where it stopped', async () => {
    const path = await mkdtemp(join(tmpdir(), 'tidedb-peer-storage-'));
    try {
      const random = new SeededRandom(1);
      let engine = await LevelEngine.open(path);
      let storage = PeerStorage.load(engine, regionId, confState);
      let node = new RawNode({ id: 1, electionTick: 10, heartbeatTick: 1, storage, random: () => random.nextFloat() });
      const applied: string[] = [];
      node.campaign();
      await drive(node, storage, engine, applied);
      for (let index = 0; index < 50; index++) {
        node.propose(text(`p${index}`));
        await drive(node, storage, engine, applied);
      }
      const before = node.status();
      await engine.close();

      engine = await LevelEngine.open(path);
      storage = PeerStorage.load(engine, regionId, confState);
      assert.deepEqual(storage.initialState().hardState, before.hardState);
      assert.equal(storage.lastIndex(), before.hardState.commit);
      assert.equal(storage.applied, before.applied);
      assert.equal(new TextDecoder().decode(storage.entries(storage.lastIndex(), storage.lastIndex() + 1, 1 << 20)[0]!.data), 'p49');
      node = new RawNode({ id: 1, electionTick: 10, heartbeatTick: 1, storage, random: () => random.nextFloat(), applied: storage.applied });
      assert.equal(node.status().hardState.term, before.hardState.term);
      const afterRestart: string[] = [];
      node.campaign();
      await drive(node, storage, engine, afterRestart);
      node.propose(text('after-restart'));
      await drive(node, storage, engine, afterRestart);
      // Nothing already applied is applied again; the new proposal follows the old log.
      assert.deepEqual(afterRestart, ['after-restart']);
      assert.equal(node.status().hardState.term, before.hardState.term + 1);
      assert.ok(storage.lastIndex() > before.hardState.commit);
      await engine.close();
    } finally {
      await rm(path, { recursive: true, force: true });
    }
  });

  test('appending over a conflicting tail deletes the entries that lost', async () => {
    const engine = new MemoryEngine();
    const storage = PeerStorage.load(engine, regionId, confState);
    let batch = engine.newBatch();
    storage.append(batch, [1, 2, 3, 4, 5].map((index) => entry(index, 1)));
    await engine.write(batch);
    batch = engine.newBatch();
    storage.append(batch, [entry(3, 2, 'new3'), entry(4, 2, 'new4')]);
    await engine.write(batch);
    assert.equal(storage.lastIndex(), 4);
    assert.equal(storage.term(4), 2);
    assert.equal(engine.getSync(ColumnFamily.raft, raftLogKey(regionId, 5)), undefined);
    const reloaded = PeerStorage.load(engine, regionId, confState);
    assert.deepEqual(
      reloaded.entries(1, 5, 1 << 20).map((stored) => [stored.index, stored.term, new TextDecoder().decode(stored.data)]),
      [[1, 1, 'e1'], [2, 1, 'e2'], [3, 2, 'new3'], [4, 2, 'new4']],
    );
  });

  test('log compaction removes applied entries and keeps the term of the last one', async () => {
    const engine = new MemoryEngine();
    const storage = PeerStorage.load(engine, regionId, confState);
    const batch = engine.newBatch();
    storage.append(batch, [1, 2, 3, 4, 5, 6].map((index) => entry(index, index < 4 ? 1 : 2)));
    storage.setHardState(batch, { term: 2, vote: 1, commit: 6 });
    storage.setApplied(batch, 5);
    storage.compactTo(batch, 4);
    await engine.write(batch);
    const reloaded = PeerStorage.load(engine, regionId, confState);
    for (const view of [storage, reloaded]) {
      assert.equal(view.firstIndex(), 5);
      assert.equal(view.term(4), 2);
      assert.throws(() => view.entries(4, 6, 1 << 20), CompactedError);
      assert.throws(() => view.term(3), CompactedError);
      assert.deepEqual(view.entries(5, 7, 1 << 20).map((stored) => stored.index), [5, 6]);
    }
    assert.equal(engine.getSync(ColumnFamily.raft, raftLogKey(regionId, 1)), undefined);
    assert.throws(() => storage.compactTo(engine.newBatch(), 6), /beyond applied/);
  });

  test('entries honour the size limit but always return at least one', async () => {
    const engine = new MemoryEngine();
    const storage = PeerStorage.load(engine, regionId, confState);
    const batch = engine.newBatch();
    storage.append(batch, [1, 2, 3].map((index) => ({ ...entry(index, 1), data: new Uint8Array(100) })));
    await engine.write(batch);
    assert.equal(storage.entries(1, 4, 0).length, 1);
    assert.equal(storage.entries(1, 4, 250).length, 2);
    assert.equal(storage.entries(1, 4, 1 << 20).length, 3);
  });
});
