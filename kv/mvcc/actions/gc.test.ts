import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { splitMvccKey } from '../../../common/codec/mvcc-key.js';
import { type Timestamp } from '../../../common/ids.js';
import { SeededRandom } from '../../../common/random.js';
import { ColumnFamily, type Engine, type KeyValue } from '../../engine/engine.js';
import { LevelEngine } from '../../engine/level-engine.js';
import { MemoryEngine } from '../../engine/memory-engine.js';
import { pointGet } from '../point-getter.js';
import { decodeUserKey } from '../reader.js';
import { scan } from '../scanner.js';
import { MvccStore } from '../store.js';
import { bytes, mustCommit, mustGet, mustPrewrite, mustPrewriteDelete, mustPrewritePut, mustRollback, text, ts } from '../test-helpers.js';
import { decodeWrite, WriteType } from '../txn-types.js';
import { gcDecision, gcRange } from './gc.js';

const everything = { start: new Uint8Array(0), end: new Uint8Array(0) };

async function entries(store: MvccStore, cf: ColumnFamily): Promise<KeyValue[]> {
  return store.read(async (reader) => {
    const cursor = reader.engine.iterator(cf);
    const out: KeyValue[] = [];
    for (;;) {
      const batch = await cursor.next(1000);
      if (batch.length === 0) break;
      out.push(...batch);
    }
    await cursor.close();
    return out;
  });
}

/** "key@commitTs:type" for every write record, newest first within a key. */
async function writeRecords(store: MvccStore): Promise<string[]> {
  return (await entries(store, ColumnFamily.write)).map(([key, value]) => {
    const { encodedUserKey, ts: commitTs } = splitMvccKey(key);
    const userKey = text(decodeUserKey(encodedUserKey));
    return `${userKey}@${commitTs}:${String.fromCharCode(decodeWrite(value).type)}`;
  });
}

async function putAt(store: MvccStore, key: string, value: string, startTs: number, commitTs: number): Promise<void> {
  await mustPrewritePut(store, key, value, key, ts(startTs));
  await mustCommit(store, key, ts(startTs), ts(commitTs));
}

describe('GC', () => {
  test('the decision rules, record by record', () => {
    const put = { type: WriteType.Put, startTs: ts(1) };
    const del = { type: WriteType.Delete, startTs: ts(1) };
    const rollback = { type: WriteType.Rollback, startTs: ts(1) };
    const lock = { type: WriteType.Lock, startTs: ts(1) };
    const safePoint = ts(50);
    for (const write of [put, del, rollback, lock]) {
      assert.deepEqual(gcDecision('seeking', ts(60), write, safePoint), { remove: false, next: 'seeking' });
      assert.deepEqual(gcDecision('removing', ts(40), write, safePoint), { remove: true, next: 'removing' });
    }
    assert.deepEqual(gcDecision('seeking', ts(50), put, safePoint), { remove: false, next: 'removing' });
    assert.deepEqual(gcDecision('seeking', ts(50), del, safePoint), { remove: true, next: 'removing' });
    assert.deepEqual(gcDecision('seeking', ts(50), rollback, safePoint), { remove: true, next: 'seeking' });
    assert.deepEqual(gcDecision('seeking', ts(50), lock, safePoint), { remove: true, next: 'seeking' });
  });

  test('keeps the newest Put at or below the safe point and everything above it; drops older versions and their values', async () => {
    const store = new MvccStore(new MemoryEngine());
    const large = (tag: string) => tag + 'x'.repeat(300);
    await putAt(store, 'k', large('v10'), 9, 10);
    await putAt(store, 'k', large('v20'), 19, 20);
    await mustPrewriteDelete(store, 'k', 'k', ts(29));
    await mustCommit(store, 'k', ts(29), ts(30));
    await putAt(store, 'k', large('v40'), 39, 40);
    await mustRollback(store, 'k', ts(45));
    await mustPrewrite(store, { op: 'lock', key: bytes('k') }, 'k', ts(49));
    await mustCommit(store, 'k', ts(49), ts(50));
    await putAt(store, 'k', large('v60'), 59, 60);
    assert.equal((await entries(store, ColumnFamily.default)).length, 4);

    const stats = await gcRange(store, { ...everything, safePoint: ts(50) });
    assert.deepEqual(await writeRecords(store), ['k@60:P', 'k@40:P']);
    assert.deepEqual(stats, { keysScanned: 1, versionsDeleted: 5, valuesDeleted: 2, batches: 1 });
    // The values of the dropped Puts are gone from CF default; the kept ones remain.
    assert.equal((await entries(store, ColumnFamily.default)).length, 2);
    await mustGet(store, 'k', ts(50), large('v40'));
    await mustGet(store, 'k', ts(60), large('v60'));
  });

  test('a Delete that is the newest version at or below the safe point goes, with everything older', async () => {
    const store = new MvccStore(new MemoryEngine());
    await putAt(store, 'k', 'v1', 1, 2);
    await mustPrewriteDelete(store, 'k', 'k', ts(3));
    await mustCommit(store, 'k', ts(3), ts(4));
    await putAt(store, 'j', 'v1', 1, 2);
    await mustPrewriteDelete(store, 'j', 'j', ts(30));
    await mustCommit(store, 'j', ts(30), ts(40));
    const stats = await gcRange(store, { ...everything, safePoint: ts(10) });
    // `j`'s Delete is above the safe point: it and the Put it hides both stay.
    assert.deepEqual(await writeRecords(store), ['j@40:D', 'j@2:P']);
    assert.equal(stats.versionsDeleted, 2);
    await mustGet(store, 'k', ts(10), undefined);
    await mustGet(store, 'j', ts(10), 'v1');
    await mustGet(store, 'j', ts(40), undefined);
  });

  test('only the given range is collected, and a second run finds nothing to do', async () => {
    const store = new MvccStore(new MemoryEngine());
    for (const key of ['a', 'b', 'c']) {
      await putAt(store, key, '1', 1, 2);
      await putAt(store, key, '2', 3, 4);
    }
    await gcRange(store, { start: bytes('b'), end: bytes('c'), safePoint: ts(10) });
    assert.deepEqual(await writeRecords(store), ['a@4:P', 'a@2:P', 'b@4:P', 'c@4:P', 'c@2:P']);
    const again = await gcRange(store, { start: bytes('b'), end: bytes('c'), safePoint: ts(10) });
    assert.equal(again.versionsDeleted, 0);
  });

  test('runs in bounded batches and lets foreground work run between them', async () => {
    const store = new MvccStore(new MemoryEngine());
    for (let index = 0; index < 60; index++) {
      const key = `key${String(index).padStart(3, '0')}`;
      await putAt(store, key, 'old', 1, 2);
      await putAt(store, key, 'new', 3, 4);
    }
    // One key with many versions must span batches by the deletion bound alone.
    for (let version = 0; version < 40; version++) await putAt(store, 'many', `v${version}`, 10 + 2 * version, 11 + 2 * version);
    const timeline: string[] = [];
    const collecting = gcRange(store, { ...everything, safePoint: ts(200), maxKeysPerBatch: 7, maxDeletesPerBatch: 8 }).then((stats) => {
      timeline.push('gc done');
      return stats;
    });
    // Foreground work scheduled after GC started finishes before GC does.
    await nextTurn();
    await putAt(store, 'fresh', 'v', 300, 301);
    timeline.push('foreground done');
    const stats = await collecting;
    assert.deepEqual(timeline, ['foreground done', 'gc done']);
    assert.equal(stats.keysScanned, 61);
    assert.equal(stats.versionsDeleted, 60 + 39);
    assert.ok(stats.batches >= Math.ceil(99 / 8), `${stats.batches} batches`);
    await mustGet(store, 'many', ts(200), 'v39');
    await mustGet(store, 'key059', ts(200), 'new');
  });

  for (const engineKind of ['memory', 'level'] as const) {
    test(`randomized (${engineKind}): reads at or above the safe point are the same before and after GC, and nothing older remains`, async () => {
      const seeds = engineKind === 'memory' ? [1, 2, 3, 4, 5, 6, 7, 8] : [101];
      for (const seed of seeds) {
        const directory = engineKind === 'level' ? await mkdtemp(join(tmpdir(), 'tidedb-gc-')) : undefined;
        const engine: Engine = directory === undefined ? new MemoryEngine() : await LevelEngine.open(directory);
        try {
          await checkGcPreservesReads(seed, engine);
        } finally {
          await engine.close();
          if (directory !== undefined) await rm(directory, { recursive: true, force: true });
        }
      }
    });
  }
});

/** Builds a random history with the real actions, collects it and compares every read. */
async function checkGcPreservesReads(seed: number, engine: Engine): Promise<void> {
  const random = new SeededRandom(seed);
  const store = new MvccStore(engine);
  const keys = Array.from({ length: 12 }, (_, index) => `k${String(index).padStart(2, '0')}`);
  let clock = 10;
  for (let step = 0; step < 150; step++) {
    const key = random.pick(keys);
    const startTs = clock++;
    const action = random.nextInt(10);
    if (action < 5) {
      const value = `${key}-${startTs}` + (random.chance(0.3) ? 'x'.repeat(300) : '');
      await mustPrewritePut(store, key, value, key, ts(startTs));
      if (random.chance(0.85)) await mustCommit(store, key, ts(startTs), ts(clock++));
      else await mustRollback(store, key, ts(startTs));
    } else if (action < 7) {
      await mustPrewriteDelete(store, key, key, ts(startTs));
      await mustCommit(store, key, ts(startTs), ts(clock++));
    } else if (action < 8) {
      await mustPrewrite(store, { op: 'lock', key: bytes(key) }, key, ts(startTs));
      await mustCommit(store, key, ts(startTs), ts(clock++));
    } else {
      await mustRollback(store, key, ts(startTs));
    }
  }
  const safePoint = ts(random.nextIntBetween(10, clock));
  const readPoints: Timestamp[] = [safePoint];
  for (let index = 0; index < 6; index++) readPoints.push(ts(random.nextIntBetween(Number(safePoint), clock + 1)));
  const readAll = async () => {
    const out: string[] = [];
    for (const readTs of readPoints) {
      for (const key of keys) out.push(`${readTs} ${key}=${text(await store.read((reader) => pointGet(reader, bytes(key), readTs)))}`);
      const scanned = await store.read((reader) => scan(reader, { ...everything, ts: readTs, limit: 100 }));
      out.push(`${readTs} scan ${scanned.map((entry) => ('value' in entry ? `${text(entry.key)}=${text(entry.value)}` : '!')).join(',')}`);
      const reversed = await store.read((reader) => scan(reader, { ...everything, ts: readTs, limit: 5, reverse: true, keyOnly: true }));
      out.push(`${readTs} rscan ${reversed.map((entry) => text(entry.key)).join(',')}`);
    }
    return out;
  };
  const before = await readAll();
  const recordsBefore = (await entries(store, ColumnFamily.write)).length;
  const stats = await gcRange(store, { ...everything, safePoint, maxKeysPerBatch: random.nextIntBetween(1, 5), maxDeletesPerBatch: random.nextIntBetween(2, 6) });
  assert.deepEqual(await readAll(), before, `seed ${seed}: reads changed by GC at safe point ${safePoint}`);
  const records = await entries(store, ColumnFamily.write);
  assert.equal(records.length, recordsBefore - stats.versionsDeleted, `seed ${seed}: stats count the deleted records`);
  // At most one version per key at or below the safe point, and it is a Put.
  const seenOld = new Set<string>();
  const referenced = new Set<string>();
  for (const [key, value] of records) {
    const { encodedUserKey, ts: commitTs } = splitMvccKey(key);
    const write = decodeWrite(value);
    const id = Buffer.from(encodedUserKey).toString('hex');
    if (write.type === WriteType.Put && write.shortValue === undefined) referenced.add(`${id}@${write.startTs}`);
    if (commitTs > safePoint) continue;
    assert.equal(write.type, WriteType.Put, `seed ${seed}: only a Put may remain at or below the safe point`);
    assert.ok(!seenOld.has(id), `seed ${seed}: two versions at or below the safe point remain`);
    seenOld.add(id);
  }
  // No value in CF default is orphaned: each belongs to a remaining Put.
  for (const [key] of await entries(store, ColumnFamily.default)) {
    const { encodedUserKey, ts: startTs } = splitMvccKey(key);
    assert.ok(referenced.has(`${Buffer.from(encodedUserKey).toString('hex')}@${startTs}`), `seed ${seed}: an orphaned value in CF default`);
  }
}
