import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ColumnFamily, type Engine } from '../../engine/engine.js';
import { LevelEngine } from '../../engine/level-engine.js';
import { MemoryEngine } from '../../engine/memory-engine.js';
import { bytes, mustCommit, mustPrewritePut, text, ts, mustGet } from '../test-helpers.js';
import { MvccStore } from '../store.js';
import { RawStore, type RawEntry } from './raw-store.js';

/** A clock the test moves by hand. */
class ManualClock {
  nowMs = 1_700_000_000_000;
  readonly read = () => this.nowMs;
  advanceSeconds(seconds: number): void {
    this.nowMs += seconds * 1000;
  }
}

const pairs = (entries: RawEntry[]) => entries.map((entry) => `${text(entry.key)}=${text(entry.value)}`);
const empty = new Uint8Array(0);

function newRaw(engine: Engine = new MemoryEngine()): { raw: RawStore; clock: ManualClock } {
  const clock = new ManualClock();
  return { raw: new RawStore(engine, { clock: clock.read }), clock };
}

async function fill(raw: RawStore, keys: string[]): Promise<void> {
  await raw.batchPut(keys.map((key) => ({ key: bytes(key), value: bytes(`v${key}`) })));
}

describe('RawStore', () => {
  test('put, get, overwrite, delete', async () => {
    const { raw } = newRaw();
    assert.equal(await raw.get(bytes('k')), undefined);
    await raw.put(bytes('k'), bytes('v1'));
    assert.equal(text(await raw.get(bytes('k'))), 'v1');
    await raw.put(bytes('k'), bytes('v2'));
    assert.equal(text(await raw.get(bytes('k'))), 'v2');
    await raw.put(bytes('e'), empty);
    assert.deepEqual(await raw.get(bytes('e')), empty);
    await raw.delete(bytes('k'));
    await raw.delete(bytes('never-there'));
    assert.equal(await raw.get(bytes('k')), undefined);
  });

  test('batch put and batch get (absent keys left out, request order kept), batch delete', async () => {
    const { raw } = newRaw();
    await raw.batchPut([
      { key: bytes('b'), value: bytes('1') },
      { key: bytes('a'), value: bytes('2') },
      { key: bytes('b'), value: bytes('3') },
    ]);
    assert.deepEqual(pairs(await raw.batchGet([bytes('b'), bytes('x'), bytes('a')])), ['b=3', 'a=2']);
    await raw.batchDelete([bytes('a'), bytes('b'), bytes('x')]);
    assert.deepEqual(await raw.batchGet([bytes('a'), bytes('b')]), []);
  });

  test('raw keys are a separate key space from transactional keys', async () => {
    const engine = new MemoryEngine();
    const { raw } = newRaw(engine);
    const mvcc = new MvccStore(engine);
    await raw.put(bytes('k'), bytes('raw'));
    await mustPrewritePut(mvcc, 'k', 'txn', 'k', ts(1));
    await mustCommit(mvcc, 'k', ts(1), ts(2));
    assert.equal(text(await raw.get(bytes('k'))), 'raw');
    await mustGet(mvcc, 'k', ts(3), 'txn');
    await raw.deleteRange(empty, empty);
    await mustGet(mvcc, 'k', ts(3), 'txn');
    for (const cf of [ColumnFamily.default, ColumnFamily.lock]) {
      const cursor = engine.iterator(cf);
      assert.deepEqual(await cursor.next(10), [], `raw writes nothing to CF ${cf}`);
    }
  });

  test('scan: forward, reverse, end key, limit, key-only', async () => {
    const { raw } = newRaw();
    await fill(raw, ['a', 'b', 'c', 'd', 'e']);
    assert.deepEqual(pairs(await raw.scan({ start: bytes('b'), limit: 10 })), ['b=vb', 'c=vc', 'd=vd', 'e=ve']);
    assert.deepEqual(pairs(await raw.scan({ start: bytes('b'), end: bytes('d'), limit: 10 })), ['b=vb', 'c=vc']);
    assert.deepEqual(pairs(await raw.scan({ start: bytes('a'), end: bytes('e'), limit: 2 })), ['a=va', 'b=vb']);
    assert.deepEqual(pairs(await raw.scan({ start: bytes('b'), end: bytes('e'), limit: 10, reverse: true })), ['d=vd', 'c=vc', 'b=vb']);
    assert.deepEqual(pairs(await raw.scan({ start: empty, limit: 2, reverse: true })), ['e=ve', 'd=vd']);
    assert.deepEqual(pairs(await raw.scan({ start: bytes('a'), end: bytes('c'), limit: 10, keyOnly: true })), ['a=', 'b=']);
    assert.deepEqual(await raw.scan({ start: bytes('d'), end: bytes('b'), limit: 10 }), []);
    await assert.rejects(raw.scan({ start: empty, limit: 0 }), RangeError);
  });

  test('values returned are copies: changing them does not change the store', async () => {
    const { raw } = newRaw();
    await raw.put(bytes('k'), bytes('value'));
    const value = (await raw.get(bytes('k')))!;
    value.fill(0);
    const [scanned] = await raw.scan({ start: empty, limit: 1 });
    scanned!.key.fill(0);
    assert.equal(text(await raw.get(bytes('k'))), 'value');
  });

  test('delete range removes exactly [start, end)', async () => {
    const { raw } = newRaw();
    await fill(raw, ['a', 'b', 'c', 'd']);
    await raw.deleteRange(bytes('b'), bytes('d'));
    assert.deepEqual(pairs(await raw.scan({ start: empty, limit: 10 })), ['a=va', 'd=vd']);
    await raw.deleteRange(bytes('c'), empty);
    assert.deepEqual(pairs(await raw.scan({ start: empty, limit: 10 })), ['a=va']);
  });

  test('TTL: an entry is visible until its expiry, then invisible to every read', async () => {
    const { raw, clock } = newRaw();
    await raw.put(bytes('t'), bytes('short'), { ttlSeconds: 10 });
    await raw.put(bytes('u'), bytes('forever'));
    await raw.put(bytes('z'), bytes('zero'), { ttlSeconds: 0 });
    assert.deepEqual(await raw.getKeyTtl(bytes('t')), { kind: 'found', remainingSeconds: 10 });
    assert.deepEqual(await raw.getKeyTtl(bytes('u')), { kind: 'found', remainingSeconds: undefined });
    assert.deepEqual(await raw.getKeyTtl(bytes('z')), { kind: 'found', remainingSeconds: undefined });
    assert.deepEqual(await raw.getKeyTtl(bytes('absent')), { kind: 'not-found' });
    clock.advanceSeconds(9.5);
    assert.equal(text(await raw.get(bytes('t'))), 'short');
    assert.deepEqual(await raw.getKeyTtl(bytes('t')), { kind: 'found', remainingSeconds: 1 });
    clock.advanceSeconds(0.5);
    assert.equal(await raw.get(bytes('t')), undefined);
    assert.deepEqual(await raw.batchGet([bytes('t'), bytes('u')]).then(pairs), ['u=forever']);
    assert.deepEqual(pairs(await raw.scan({ start: empty, limit: 10 })), ['u=forever', 'z=zero']);
    assert.deepEqual(pairs(await raw.scan({ start: empty, limit: 10, reverse: true })), ['z=zero', 'u=forever']);
    assert.deepEqual(await raw.getKeyTtl(bytes('t')), { kind: 'not-found' });
    // Rewriting without a TTL makes the key permanent again.
    await raw.put(bytes('t'), bytes('again'));
    clock.advanceSeconds(1_000);
    assert.equal(text(await raw.get(bytes('t'))), 'again');
  });

  test('TTL: expired entries do not count towards a scan limit', async () => {
    const { raw, clock } = newRaw();
    await raw.batchPut([
      { key: bytes('a'), value: bytes('1'), ttlSeconds: 1 },
      { key: bytes('b'), value: bytes('2'), ttlSeconds: 1 },
      { key: bytes('c'), value: bytes('3') },
      { key: bytes('d'), value: bytes('4') },
    ]);
    clock.advanceSeconds(1);
    assert.deepEqual(pairs(await raw.scan({ start: empty, limit: 2 })), ['c=3', 'd=4']);
  });

  test('TTL: cleanup removes exactly the expired entries of its range', async () => {
    const { raw, clock } = newRaw();
    const entries = Array.from({ length: 2500 }, (_, index) => ({
      key: bytes(`k${String(index).padStart(5, '0')}`),
      value: bytes('v'),
      ...(index % 3 === 0 ? { ttlSeconds: 5 } : {}),
    }));
    await raw.batchPut(entries);
    assert.equal(await raw.cleanupExpired({ start: empty, end: empty }), 0);
    clock.advanceSeconds(5);
    const removedInRange = await raw.cleanupExpired({ start: bytes('k00000'), end: bytes('k01000') });
    assert.equal(removedInRange, 334);
    const removed = await raw.cleanupExpired({ start: empty, end: empty });
    assert.equal(removed, 834 - 334);
    const stored = raw.engine.iterator(ColumnFamily.raw);
    let count = 0;
    for (let batch = await stored.next(1000); batch.length > 0; batch = await stored.next(1000)) count += batch.length;
    await stored.close();
    assert.equal(count, 2500 - 834);
  });

  test('TTL: cleanup keeps a key rewritten after it expired', async () => {
    const { raw, clock } = newRaw();
    await raw.put(bytes('k'), bytes('old'), { ttlSeconds: 1 });
    clock.advanceSeconds(2);
    await raw.put(bytes('k'), bytes('new'));
    assert.equal(await raw.cleanupExpired({ start: empty, end: empty }), 0);
    assert.equal(text(await raw.get(bytes('k'))), 'new');
  });

  test('compare-and-swap: succeeds only on the expected previous state, and reports it', async () => {
    const { raw, clock } = newRaw();
    assert.deepEqual(await raw.compareAndSwap({ key: bytes('k'), value: bytes('v1'), previousNotExist: false, previousValue: bytes('x') }), {
      succeeded: false,
      previousNotExist: true,
    });
    assert.deepEqual(await raw.compareAndSwap({ key: bytes('k'), value: bytes('v1'), previousNotExist: true }), { succeeded: true, previousNotExist: true });
    assert.deepEqual(await raw.compareAndSwap({ key: bytes('k'), value: bytes('v2'), previousNotExist: true }), {
      succeeded: false,
      previousNotExist: false,
      previousValue: bytes('v1'),
    });
    assert.deepEqual(await raw.compareAndSwap({ key: bytes('k'), value: bytes('v2'), previousNotExist: false, previousValue: bytes('v0') }), {
      succeeded: false,
      previousNotExist: false,
      previousValue: bytes('v1'),
    });
    assert.deepEqual(await raw.compareAndSwap({ key: bytes('k'), value: bytes('v2'), previousNotExist: false, previousValue: bytes('v1'), ttlSeconds: 3 }), {
      succeeded: true,
      previousNotExist: false,
      previousValue: bytes('v1'),
    });
    assert.equal(text(await raw.get(bytes('k'))), 'v2');
    // An expired value counts as absent.
    clock.advanceSeconds(3);
    assert.deepEqual(await raw.compareAndSwap({ key: bytes('k'), value: bytes('v3'), previousNotExist: true }), { succeeded: true, previousNotExist: true });
    assert.equal(text(await raw.get(bytes('k'))), 'v3');
    await assert.rejects(raw.compareAndSwap({ key: bytes('k'), value: bytes('v'), previousNotExist: true, previousValue: bytes('v3') }), RangeError);
    await assert.rejects(raw.compareAndSwap({ key: bytes('k'), value: bytes('v'), previousNotExist: false }), RangeError);
  });

  test('compare-and-swap is atomic: concurrent increments lose nothing, and of racing swaps from one value exactly one wins', async () => {
    const { raw } = newRaw();
    const counter = bytes('counter');
    await raw.put(counter, bytes('0'));
    const clients = 20;
    const perClient = 5;
    let failedAttempts = 0;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        for (let done = 0; done < perClient; ) {
          const current = (await raw.get(counter))!;
          await nextTurn();
          const result = await raw.compareAndSwap({ key: counter, value: bytes(String(Number(text(current)) + 1)), previousNotExist: false, previousValue: current });
          if (result.succeeded) done++;
          else failedAttempts++;
        }
      }),
    );
    assert.equal(text(await raw.get(counter)), String(clients * perClient));
    assert.ok(failedAttempts > 0, 'the clients did race');

    const race = await Promise.all(
      Array.from({ length: 10 }, (_, index) => raw.compareAndSwap({ key: bytes('r'), value: bytes(String(index)), previousNotExist: true })),
    );
    assert.equal(race.filter((result) => result.succeeded).length, 1);
  });

  test('argument checks: empty keys, bad TTLs', async () => {
    const { raw } = newRaw();
    await assert.rejects(raw.put(empty, bytes('v')), RangeError);
    await assert.rejects(raw.put(bytes('k'), bytes('v'), { ttlSeconds: -1 }), RangeError);
    await assert.rejects(raw.put(bytes('k'), bytes('v'), { ttlSeconds: 1.5 }), RangeError);
    await assert.rejects(raw.get(empty), RangeError);
  });

  test('works the same on LevelDB, across a reopen', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'tidedb-raw-'));
    try {
      const clock = new ManualClock();
      let engine = await LevelEngine.open(directory);
      let raw = new RawStore(engine, { clock: clock.read });
      await raw.batchPut([
        { key: bytes('a'), value: bytes('1') },
        { key: bytes('b'), value: bytes('2'), ttlSeconds: 60 },
      ]);
      await engine.close();
      engine = await LevelEngine.open(directory);
      raw = new RawStore(engine, { clock: clock.read });
      assert.deepEqual(pairs(await raw.scan({ start: empty, limit: 10, reverse: true })), ['b=2', 'a=1']);
      clock.advanceSeconds(60);
      assert.deepEqual(pairs(await raw.scan({ start: empty, limit: 10 })), ['a=1']);
      assert.equal(await raw.cleanupExpired({ start: empty, end: empty }), 1);
      await engine.close();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
