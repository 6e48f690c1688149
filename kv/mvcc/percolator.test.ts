import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { asTimestamp, maxTimestamp } from '../../common/ids.js';
import { ColumnFamily } from '../engine/engine.js';
import { checkSecondaryLocks } from './actions/check-secondary-locks.js';
import { acquirePessimisticLock, pessimisticRollback } from './actions/pessimistic-lock.js';
import { commitOnePc, prewriteKey } from './actions/prewrite.js';
import { resolveLocks, scanLocksOfTxn } from './actions/resolve-lock.js';
import { txnHeartBeat } from './actions/txn-heart-beat.js';
import { SeededRandom } from '../../common/random.js';
import { gcRange } from './actions/gc.js';
import { checkLatestIndex } from './latest-index.js';
import { scan } from './scanner.js';
import {
  bytes,
  mustCheckTxnStatus,
  mustCommit,
  mustCommitError,
  mustFail,
  mustGet,
  mustGetLocked,
  mustLocked,
  mustPrewrite,
  mustPrewriteDelete,
  mustPrewriteError,
  mustPrewritePut,
  mustRollback,
  mustUnlocked,
  newStore,
  prewriteProps,
  text,
  ts,
  tsAt,
} from './test-helpers.js';

describe('Percolator on one store', () => {
  test('prewrite and commit make a value visible at and after its commit ts only', async () => {
    const store = newStore();
    await mustPrewritePut(store, 'k', 'v1', 'k', ts(10));
    await mustLocked(store, 'k', ts(10));
    await mustGetLocked(store, 'k', ts(15));
    // A reader older than the lock's start is not blocked.
    await mustGet(store, 'k', ts(5), undefined);
    await mustCommit(store, 'k', ts(10), ts(20));
    await mustUnlocked(store, 'k');
    await mustGet(store, 'k', ts(19), undefined);
    await mustGet(store, 'k', ts(20), 'v1');
    await mustPrewriteDelete(store, 'k', 'k', ts(30));
    await mustCommit(store, 'k', ts(30), ts(40));
    await mustGet(store, 'k', ts(35), 'v1');
    await mustGet(store, 'k', ts(40), undefined);
  });

  test('large values go to CF default, short ones stay inline', async () => {
    const store = newStore();
    const large = 'x'.repeat(300);
    await mustPrewritePut(store, 'big', large, 'big', ts(1));
    await mustPrewritePut(store, 'small', 'v', 'big', ts(1));
    await mustCommit(store, 'big', ts(1), ts(2));
    await mustCommit(store, 'small', ts(1), ts(2));
    await mustGet(store, 'big', ts(3), large);
    await mustGet(store, 'small', ts(3), 'v');
    const defaults = await store.read(async (reader) => {
      const cursor = reader.engine.iterator(ColumnFamily.default);
      const entries = await cursor.next(10);
      await cursor.close();
      return entries.length;
    });
    assert.equal(defaults, 1);
  });

  test('first committer wins: a commit after our start is a write conflict', async () => {
    const store = newStore();
    await mustPrewritePut(store, 'k', 'a', 'k', ts(10));
    await mustCommit(store, 'k', ts(10), ts(20));
    const conflict = await mustPrewriteError(store, { op: 'put', key: bytes('k'), value: bytes('b') }, 'k', ts(15), 'write-conflict');
    assert.equal(conflict.detail.kind === 'write-conflict' && conflict.detail.conflictCommitTs, ts(20));
    await mustPrewritePut(store, 'k', 'c', 'k', ts(25));
  });

  test('a key locked by another transaction cannot be prewritten', async () => {
    const store = newStore();
    await mustPrewritePut(store, 'k', 'a', 'k', ts(10));
    await mustPrewriteError(store, { op: 'put', key: bytes('k'), value: bytes('b') }, 'k', ts(11), 'key-is-locked');
  });

  test('insert fails on an existing key and passes after a delete', async () => {
    const store = newStore();
    await mustPrewritePut(store, 'k', 'a', 'k', ts(10));
    await mustCommit(store, 'k', ts(10), ts(11));
    await mustPrewriteError(store, { op: 'insert', key: bytes('k'), value: bytes('b') }, 'k', ts(12), 'already-exist');
    await mustPrewriteDelete(store, 'k', 'k', ts(13));
    await mustCommit(store, 'k', ts(13), ts(14));
    await mustPrewrite(store, { op: 'insert', key: bytes('k'), value: bytes('c') }, 'k', ts(15));
  });

  test('prewrite and commit are idempotent for retries', async () => {
    const store = newStore();
    await mustPrewritePut(store, 'k', 'a', 'k', ts(10));
    await mustPrewritePut(store, 'k', 'a', 'k', ts(10));
    await mustCommit(store, 'k', ts(10), ts(20));
    await mustCommit(store, 'k', ts(10), ts(20));
    await mustGet(store, 'k', ts(20), 'a');
  });

  test('a rollback record stops a late prewrite, and commit of a rolled-back txn fails', async () => {
    const store = newStore();
    await mustRollback(store, 'k', ts(10));
    const late = await mustPrewriteError(store, { op: 'put', key: bytes('k'), value: bytes('late') }, 'k', ts(10), 'write-conflict');
    assert.equal(late.detail.kind === 'write-conflict' && late.detail.reason, 'self-rolled-back');
    await mustPrewritePut(store, 'j', 'v', 'j', ts(20));
    await mustRollback(store, 'j', ts(20));
    await mustUnlocked(store, 'j');
    await mustCommitError(store, 'j', ts(20), ts(30), 'txn-lock-not-found');
    await mustGet(store, 'j', ts(40), undefined);
  });

  test('rolling back a committed key fails', async () => {
    const store = newStore();
    await mustPrewritePut(store, 'k', 'a', 'k', ts(10));
    await mustCommit(store, 'k', ts(10), ts(20));
    await mustFail(store.write(async (reader, txn) => (await import('./actions/rollback.js')).rollbackKey(reader, txn, bytes('k'), ts(10))), 'committed');
  });

  test('cleanup leaves a live lock alone and rolls back an expired one', async () => {
    const store = newStore();
    const startTs = tsAt(1_000);
    await mustPrewrite(store, { op: 'put', key: bytes('k'), value: bytes('v') }, 'k', startTs, { lockTtlMs: 100n });
    await mustFail(store.write(async (reader, txn) => (await import('./actions/rollback.js')).rollbackKey(reader, txn, bytes('k'), startTs, tsAt(1_050))), 'key-is-locked');
    await mustRollback(store, 'k', startTs, tsAt(1_200));
    await mustUnlocked(store, 'k');
  });

  test('a rollback at a ts where another txn committed marks that record instead of replacing it', async () => {
    const store = newStore();
    await mustPrewritePut(store, 'k', 'a', 'k', ts(5));
    await mustCommit(store, 'k', ts(5), ts(10));
    await mustRollback(store, 'k', ts(10));
    await mustGet(store, 'k', ts(10), 'a');
    await mustPrewriteError(store, { op: 'put', key: bytes('k'), value: bytes('late') }, 'k', ts(10), 'write-conflict');
  });

  test('CheckTxnStatus: committed, locked with a pushed minCommitTs, TTL-expired rollback, missing', async () => {
    const store = newStore();
    const start = tsAt(1_000);
    await mustPrewrite(store, { op: 'put', key: bytes('p'), value: bytes('v') }, 'p', start, { lockTtlMs: 100n });
    const caller = tsAt(1_010);
    const locked = await mustCheckTxnStatus(store, { primary: 'p', lockTs: start, callerStartTs: caller, currentTs: tsAt(1_020) });
    assert.equal(locked.kind, 'locked');
    assert.equal(locked.kind === 'locked' && locked.minCommitTsPushed, true);
    // The reader at `caller` is no longer blocked: the lock will commit above it.
    await mustGet(store, 'p', caller, undefined);
    await mustCommitError(store, 'p', start, caller, 'commit-ts-expired');
    const expired = await mustCheckTxnStatus(store, { primary: 'p', lockTs: start, callerStartTs: caller, currentTs: tsAt(1_200) });
    assert.deepEqual(expired, { kind: 'rolled-back', action: 'ttl-expire-rollback' });
    await mustUnlocked(store, 'p');

    await mustPrewritePut(store, 'q', 'v', 'q', ts(10));
    await mustCommit(store, 'q', ts(10), ts(20));
    assert.deepEqual(await mustCheckTxnStatus(store, { primary: 'q', lockTs: ts(10) }), { kind: 'committed', commitTs: ts(20) });
    await mustFail(mustCheckTxnStatus(store, { primary: 'r', lockTs: ts(30) }), 'txn-not-found');
    assert.deepEqual(await mustCheckTxnStatus(store, { primary: 'r', lockTs: ts(30), rollbackIfNotExist: true }), { kind: 'rolled-back', action: 'lock-not-exist-rollback' });
    await mustPrewriteError(store, { op: 'put', key: bytes('r'), value: bytes('late') }, 'r', ts(30), 'write-conflict');
  });

  test('a reader meets the lock of a crashed writer whose primary committed, and resolves it', async () => {
    const store = newStore();
    await mustPrewritePut(store, 'primary', 'p', 'primary', ts(10));
    await mustPrewritePut(store, 'secondary', 's', 'primary', ts(10));
    await mustCommit(store, 'primary', ts(10), ts(20));
    // The writer crashed before committing the secondary.
    const blocked = await mustGetLocked(store, 'secondary', ts(30));
    assert.equal(blocked.detail.kind === 'key-is-locked' && text(blocked.detail.lock.primary), 'primary');
    const status = await mustCheckTxnStatus(store, { primary: 'primary', lockTs: ts(10), callerStartTs: ts(30), currentTs: ts(30) });
    assert.deepEqual(status, { kind: 'committed', commitTs: ts(20) });
    await store.write((reader, txn) => resolveLocks(reader, txn, [bytes('secondary')], ts(10), ts(20)));
    await mustGet(store, 'secondary', ts(30), 's');
    await mustGet(store, 'secondary', ts(19), undefined);
  });

  test('a reader meets the lock of a crashed writer whose primary never committed, and rolls it back', async () => {
    const store = newStore();
    const start = tsAt(1_000);
    await mustPrewrite(store, { op: 'put', key: bytes('primary'), value: bytes('p') }, 'primary', start, { lockTtlMs: 10n });
    await mustPrewrite(store, { op: 'put', key: bytes('secondary'), value: bytes('s') }, 'primary', start, { lockTtlMs: 10n });
    const status = await mustCheckTxnStatus(store, { primary: 'primary', lockTs: start, callerStartTs: tsAt(2_000), currentTs: tsAt(2_000) });
    assert.equal(status.kind, 'rolled-back');
    const locked = await store.read((reader) => scanLocksOfTxn(reader, new Uint8Array(0), new Uint8Array(0), start, 10));
    assert.deepEqual(locked.map(text), ['secondary']);
    await store.write((reader, txn) => resolveLocks(reader, txn, locked, start, asTimestamp(0n)));
    await mustUnlocked(store, 'secondary');
    await mustGet(store, 'secondary', tsAt(3_000), undefined);
  });

  test('TxnHeartBeat extends the TTL of a live primary lock and never shortens it', async () => {
    const store = newStore();
    await mustPrewritePut(store, 'p', 'v', 'p', ts(10));
    assert.equal(await store.write((reader, txn) => txnHeartBeat(reader, txn, bytes('p'), ts(10), 10_000n)), 10_000n);
    assert.equal(await store.write((reader, txn) => txnHeartBeat(reader, txn, bytes('p'), ts(10), 5n)), 10_000n);
    assert.equal((await mustLocked(store, 'p', ts(10))).ttlMs, 10_000n);
    await mustFail(store.write((reader, txn) => txnHeartBeat(reader, txn, bytes('p'), ts(11), 1n)), 'txn-not-found');
  });

  test('pessimistic lock: conflict on a newer commit, prewrite converts it, statement rollback releases it', async () => {
    const store = newStore();
    await mustPrewritePut(store, 'k', 'a', 'k', ts(10));
    await mustCommit(store, 'k', ts(10), ts(20));
    const request = { key: bytes('k'), primary: bytes('k'), startTs: ts(15), forUpdateTs: ts(15), lockTtlMs: 3000n };
    await mustFail(store.write((reader, txn) => acquirePessimisticLock(reader, txn, request)), 'write-conflict');
    const value = await store.write((reader, txn) => acquirePessimisticLock(reader, txn, { ...request, forUpdateTs: ts(25), returnValue: true }));
    assert.equal(text(value), 'a');
    await mustLocked(store, 'k', ts(15));
    // A pessimistic lock does not block readers.
    await mustGet(store, 'k', ts(30), 'a');
    await mustPrewrite(store, { op: 'put', key: bytes('k'), value: bytes('b') }, 'k', ts(15), { forUpdateTs: ts(25) }, true);
    await mustCommit(store, 'k', ts(15), ts(30));
    await mustGet(store, 'k', ts(30), 'b');

    const other = { key: bytes('j'), primary: bytes('j'), startTs: ts(40), forUpdateTs: ts(40), lockTtlMs: 3000n };
    await store.write((reader, txn) => acquirePessimisticLock(reader, txn, other));
    await store.write((reader, txn) => pessimisticRollback(reader, txn, [bytes('j')], ts(40), ts(40)));
    await mustUnlocked(store, 'j');
    await mustFail(store.write((reader, txn) => prewriteKey(reader, txn, prewriteProps('j', ts(40), { forUpdateTs: ts(40) }), { op: 'put', key: bytes('j'), value: bytes('x') }, true)), 'pessimistic-lock-not-found');
  });

  test('async commit: minCommitTs is above every read served, and secondaries decide the outcome', async () => {
    const store = newStore();
    const props = { useAsyncCommit: true, maxReadTs: ts(50), secondaries: [bytes('s')] };
    const primaryMin = await mustPrewrite(store, { op: 'put', key: bytes('p'), value: bytes('1') }, 'p', ts(10), props);
    const secondaryMin = await mustPrewrite(store, { op: 'put', key: bytes('s'), value: bytes('2') }, 'p', ts(10), props);
    assert.equal(primaryMin, ts(51));
    assert.equal(secondaryMin, ts(51));
    const primaryLock = await mustLocked(store, 'p', ts(10));
    assert.deepEqual(primaryLock.secondaries.map(text), ['s']);
    // The primary alone cannot decide an async-commit transaction.
    const status = await mustCheckTxnStatus(store, { primary: 'p', lockTs: ts(10), currentTs: tsAt(1_000_000) });
    assert.equal(status.kind, 'locked');
    const secondaries = await store.write((reader, txn) => checkSecondaryLocks(reader, txn, [bytes('s')], ts(10)));
    assert.equal(secondaries.kind, 'locked');
    await mustCommit(store, 's', ts(10), ts(51));
    const after = await store.write((reader, txn) => checkSecondaryLocks(reader, txn, [bytes('s')], ts(10)));
    assert.deepEqual(after, { kind: 'committed', commitTs: ts(51) });
    await mustPrewriteError(store, { op: 'put', key: bytes('x'), value: bytes('v') }, 'x', ts(60), 'commit-ts-too-large', { useAsyncCommit: true, maxReadTs: ts(100), maxCommitTs: ts(80) });
  });

  test('1PC writes commit records directly with no lock', async () => {
    const store = newStore();
    const mutations = [
      { op: 'put' as const, key: bytes('a'), value: bytes('1') },
      { op: 'put' as const, key: bytes('b'), value: bytes('y'.repeat(300)) },
    ];
    await store.write(async (reader, txn) => {
      let commitTs = 0n;
      for (const mutation of mutations) {
        const { minCommitTs } = await prewriteKey(reader, txn, prewriteProps('a', ts(10), { tryOnePc: true, maxReadTs: ts(12) }), mutation, false);
        if (minCommitTs > commitTs) commitTs = minCommitTs;
      }
      commitOnePc(txn, ts(10), asTimestamp(commitTs), mutations);
    });
    await mustUnlocked(store, 'a');
    await mustGet(store, 'a', ts(13), '1');
    await mustGet(store, 'b', ts(13), 'y'.repeat(300));
    await mustGet(store, 'a', ts(12), undefined);
  });

  test('scan forward and backward: newest visible versions, deletes skipped, limit, key-only, locks reported', async () => {
    const store = newStore();
    for (const [key, value] of [['a', 'a1'], ['b', 'b1'], ['c', 'c1'], ['d', 'd1']] as const) {
      await mustPrewritePut(store, key, value, key, ts(10));
      await mustCommit(store, key, ts(10), ts(11));
    }
    await mustPrewritePut(store, 'b', 'b2', 'b', ts(20));
    await mustCommit(store, 'b', ts(20), ts(21));
    await mustPrewriteDelete(store, 'c', 'c', ts(20));
    await mustCommit(store, 'c', ts(20), ts(21));
    await mustRollback(store, 'd', ts(25));
    const all = (entries: Awaited<ReturnType<typeof scan>>) => entries.map((entry) => ('value' in entry ? `${text(entry.key)}=${text(entry.value)}` : `${text(entry.key)}!`));
    const range = { start: bytes('a'), end: new Uint8Array(0) };
    assert.deepEqual(all(await store.read((reader) => scan(reader, { ...range, ts: ts(30), limit: 10 }))), ['a=a1', 'b=b2', 'd=d1']);
    assert.deepEqual(all(await store.read((reader) => scan(reader, { ...range, ts: ts(15), limit: 10 }))), ['a=a1', 'b=b1', 'c=c1', 'd=d1']);
    assert.deepEqual(all(await store.read((reader) => scan(reader, { ...range, ts: ts(30), limit: 10, reverse: true }))), ['d=d1', 'b=b2', 'a=a1']);
    assert.deepEqual(all(await store.read((reader) => scan(reader, { ...range, ts: ts(15), limit: 2, reverse: true }))), ['d=d1', 'c=c1']);
    assert.deepEqual(all(await store.read((reader) => scan(reader, { start: bytes('b'), end: bytes('d'), ts: ts(15), limit: 10, keyOnly: true }))), ['b=', 'c=']);
    await mustPrewritePut(store, 'bb', 'new', 'bb', ts(28));
    assert.deepEqual(all(await store.read((reader) => scan(reader, { ...range, ts: ts(30), limit: 10 }))), ['a=a1', 'b=b2', 'bb!', 'd=d1']);
    assert.deepEqual(all(await store.read((reader) => scan(reader, { ...range, ts: ts(27), limit: 10 }))), ['a=a1', 'b=b2', 'd=d1']);
    assert.deepEqual(all(await store.read((reader) => scan(reader, { ...range, ts: ts(30), limit: 10, reverse: true }))), ['d=d1', 'bb!', 'b=b2', 'a=a1']);
  });

  test('CF latest always holds a copy of the newest Put or Delete of every key, through random histories and GC', async () => {
    for (let seed = 1; seed <= 5; seed++) {
      const random = new SeededRandom(seed);
      const store = newStore();
      let clock = 10;
      for (let step = 0; step < 120; step++) {
        const key = `k${random.nextInt(6)}`;
        const startTs = ts(clock++);
        const action = random.nextInt(5);
        if (action === 0) await mustPrewriteDelete(store, key, key, startTs);
        else if (action === 1) await mustPrewrite(store, { op: 'lock', key: bytes(key) }, key, startTs);
        else if (action === 2) {
          await mustRollback(store, key, startTs);
          continue;
        } else await mustPrewritePut(store, key, `${key}@${clock}${random.chance(0.3) ? 'x'.repeat(300) : ''}`, key, startTs);
        if (random.chance(0.2)) {
          await mustRollback(store, key, startTs);
          continue;
        }
        await mustCommit(store, key, startTs, ts(clock++));
        if (random.chance(0.05)) await gcRange(store, { start: new Uint8Array(0), end: new Uint8Array(0), safePoint: ts(clock - random.nextInt(20)) });
      }
      assert.deepEqual(await checkLatestIndex(store.engine), [], `seed ${seed}`);
    }
  });

  test('a read at the max timestamp of a primary key is not blocked by its own lock', async () => {
    const store = newStore();
    await mustPrewritePut(store, 'p', 'v1', 'p', ts(10));
    await mustCommit(store, 'p', ts(10), ts(11));
    await mustPrewritePut(store, 'p', 'v2', 'p', ts(20));
    await mustGet(store, 'p', maxTimestamp, 'v1');
  });
});
