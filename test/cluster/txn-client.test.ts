import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { clearFailpoints, configureFailpoint } from '../../common/failpoint/index.js';
import { DeadlockError, KvClientError, LockWaitTimeoutError, WriteConflictError } from '../../kv/client/errors.js';
import { RawClient } from '../../kv/client/raw-client.js';
import { TxnClient } from '../../kv/client/txn-client.js';
import { PdClient } from '../../pd/client/pd-client.js';
import { encodeUserKey } from '../../common/codec/mvcc-key.js';
import { RegionClient } from '../../kv/client/region-client.js';
import { LockResolver } from '../../kv/client/txn/lock-resolver.js';
import { LocalCluster } from './local-cluster.js';

const bytes = (text: string) => Buffer.from(text);
const text = (value: Uint8Array | undefined) => (value === undefined ? undefined : Buffer.from(value).toString());

describe('TxnClient against a 3-store cluster (Percolator 2PC, snapshot reads, lock resolution)', () => {
  let cluster: LocalCluster;
  let client: TxnClient;
  const backgroundErrors: unknown[] = [];
  before(async () => {
    cluster = await LocalCluster.start(3);
    await cluster.waitForRegions(3);
    client = await TxnClient.connect(cluster.pdEndpoint, { budgetMs: 30_000, onBackgroundError: (error) => backgroundErrors.push(error) });
  });
  after(async () => {
    clearFailpoints();
    client?.close();
    await cluster?.stop();
  });

  test('a committed transaction is seen by later ones and not by snapshots taken before it; a transaction reads its own writes', async () => {
    const before = await client.snapshot();
    const txn = await client.begin();
    txn.set(bytes('t/a'), bytes('1'));
    txn.set(bytes('t/b'), bytes('2'));
    txn.set(bytes('t/c'), bytes('3'));
    txn.delete(bytes('t/c'));
    assert.equal(text(await txn.get(bytes('t/a'))), '1');
    assert.equal(await txn.get(bytes('t/c')), undefined);
    assert.deepEqual((await txn.scan(bytes('t/'), bytes('t0'))).map((pair) => text(pair.key)), ['t/a', 't/b']);
    const commitTs = await txn.commit();
    assert.ok(commitTs > txn.startTs);

    const later = await client.begin();
    assert.equal(text(await later.get(bytes('t/a'))), '1');
    assert.deepEqual((await later.batchGet([bytes('t/b'), bytes('t/a'), bytes('t/none')])).map((pair) => text(pair.value)), ['1', '2']);
    later.set(bytes('t/b'), bytes('22'));
    later.delete(bytes('t/a'));
    later.set(bytes('t/d'), bytes('4'));
    assert.deepEqual((await later.scan(bytes('t/'), bytes('t0'))).map((pair) => `${text(pair.key)}=${text(pair.value)}`), ['t/b=22', 't/d=4']);
    await later.rollback();
    assert.equal(await before.get(bytes('t/a')), undefined, 'a snapshot from before the commit must not see it');
    assert.throws(() => later.set(bytes('x'), bytes('y')), KvClientError);
  });

  test('two transactions writing one key (two-phase): the one committing second gets a WriteConflictError and writes nothing', async () => {
    // A one-phase commit may take a commit ts below a later-started blind writer's start
    // ts (no read saw the key), which orders the two without a conflict; 2PC takes its
    // commit ts from PD after the prewrite, so the second writer always conflicts.
    const first = await client.begin({ onePc: false, asyncCommit: false });
    const second = await client.begin({ onePc: false, asyncCommit: false });
    first.set(bytes('conflict'), bytes('first'));
    second.set(bytes('conflict'), bytes('second'));
    second.set(bytes('conflict-other'), bytes('second'));
    await first.commit();
    await assert.rejects(second.commit(), WriteConflictError);
    const reader = await client.begin();
    assert.equal(text(await reader.get(bytes('conflict'))), 'first');
    assert.equal(await reader.get(bytes('conflict-other')), undefined);
  });

  test('concurrent read-modify-write transactions on one key (one-phase commits on): exactly one of them commits', async () => {
    const writers = await Promise.all(Array.from({ length: 4 }, () => client.begin()));
    // Each reads the key first: the store's max read ts then lies past every start ts,
    // so whichever commits first does so above them all and the others conflict.
    for (const txn of writers) await txn.get(bytes('race'));
    writers.forEach((txn, index) => txn.set(bytes('race'), bytes(`w${index}`)));
    const outcomes = await Promise.allSettled(writers.map((txn) => txn.commit()));
    const winners = outcomes.flatMap((outcome, index) => (outcome.status === 'fulfilled' ? [index] : []));
    assert.equal(winners.length, 1, JSON.stringify(outcomes.map((outcome) => outcome.status)));
    for (const outcome of outcomes) if (outcome.status === 'rejected') assert.ok(outcome.reason instanceof WriteConflictError, String(outcome.reason));
    assert.equal(text(await (await client.begin()).get(bytes('race'))), `w${winners[0]}`);
  });

  test('a client that died after prewrite: its expired locks are rolled back by the next reader', async () => {
    const old = await client.begin();
    old.set(bytes('dead/1'), bytes('old1'));
    old.set(bytes('dead/2'), bytes('old2'));
    await old.commit();

    configureFailpoint('kv-client/txn/after-prewrite', 'return');
    const dying = await client.begin({ lockTtlMs: 300, onePc: false, asyncCommit: false });
    dying.set(bytes('dead/1'), bytes('new1'));
    dying.set(bytes('dead/2'), bytes('new2'));
    await dying.commit();
    clearFailpoints();

    // The reader meets the locks, waits out their TTL, and then rolls the transaction back.
    const reader = await client.begin();
    assert.deepEqual((await reader.scan(bytes('dead/'), bytes('dead0'))).map((pair) => text(pair.value)), ['old1', 'old2']);
    // And a writer can now take the keys.
    const next = await client.begin();
    next.set(bytes('dead/2'), bytes('after'));
    await next.commit();
    assert.equal(text(await (await client.begin()).get(bytes('dead/2'))), 'after');
  });

  test('a client that died after committing its primary: readers of a secondary roll it forward', async () => {
    configureFailpoint('kv-client/txn/after-commit-primary', 'return');
    const half = await client.begin({ onePc: false, asyncCommit: false });
    half.set(bytes('half/1'), bytes('p'));
    half.set(bytes('half/2'), bytes('s'));
    await half.commit();
    clearFailpoints();
    const reader = await client.begin();
    // half/2's lock is still there; its primary says committed.
    assert.equal(text(await reader.get(bytes('half/2'))), 's');
    assert.deepEqual((await reader.batchGet([bytes('half/1'), bytes('half/2')])).map((pair) => text(pair.value)), ['p', 's']);
  });

  test('the locks of one abandoned transaction are settled with one status check and one resolve request per region, not one each', async () => {
    configureFailpoint('kv-client/txn/after-prewrite', 'return');
    const dying = await client.begin({ lockTtlMs: 100, onePc: false, asyncCommit: false });
    const keys = Array.from({ length: 40 }, (_, index) => bytes(`many/${String(index).padStart(2, '0')}`));
    for (const key of keys) dying.set(key, bytes('never'));
    try {
      await dying.commit();
    } finally {
      clearFailpoints();
    }
    await sleep(200);
    const regionClient = await RegionClient.connect(cluster.pdEndpoint);
    try {
      const found = await regionClient.toKey(encodeUserKey(keys[0]!), 'scanLock', { maxVersion: dying.startTs, startKey: Buffer.from(keys[0]!), endKey: Buffer.from('many0'), limit: 100 });
      assert.equal(found.locks.length, 40);
      const requestsBefore = regionClient.streams.stats().requests;
      const outcome = await new LockResolver(regionClient).resolve(found.locks, 0n, regionClient.backoffer());
      assert.equal(outcome.allResolved, true);
      // One CheckTxnStatus and one ResolveLock (the keys share a region; a split adds one per region).
      assert.ok(regionClient.streams.stats().requests - requestsBefore <= 3, `${regionClient.streams.stats().requests - requestsBefore} requests`);
      const left = await regionClient.toKey(encodeUserKey(keys[0]!), 'scanLock', { maxVersion: dying.startTs, startKey: Buffer.from(keys[0]!), endKey: Buffer.from('many0'), limit: 100 });
      assert.equal(left.locks.length, 0);
    } finally {
      regionClient.close();
    }
  });

  test('one-phase commit: keys in one region commit in the prewrite itself; keys across regions take both phases', async () => {
    await client.splitRegions([bytes('onepc/m')]);
    // Armed, this failpoint stops a commit after its prewrite: a one-phase commit never gets there.
    configureFailpoint('kv-client/txn/after-prewrite', 'return');
    try {
      const single = await client.begin();
      single.set(bytes('onepc/a'), bytes('1'));
      single.set(bytes('onepc/b'), bytes('2'));
      const commitTs = await single.commit();
      assert.ok(commitTs > single.startTs, 'committed in one phase, with its own commit ts');

      const spread = await client.begin({ lockTtlMs: 200, asyncCommit: false });
      spread.set(bytes('onepc/c'), bytes('3'));
      spread.set(bytes('onepc/z'), bytes('4'));
      assert.equal(await spread.commit(), 0n, 'two regions: prewrite only, then the failpoint');
    } finally {
      clearFailpoints();
    }
    const reader = await client.begin();
    assert.deepEqual((await reader.batchGet([bytes('onepc/a'), bytes('onepc/b')])).map((pair) => text(pair.value)), ['1', '2']);
    // The two-region transaction never committed its primary: once its locks expire, readers roll it back.
    assert.equal(await reader.get(bytes('onepc/z')), undefined);
  });

  test('one-phase commit whose answer was lost: the retry finds the transaction\'s own commit and reports success, once', async () => {
    const before = await client.begin();
    const start = Number(text(await before.get(bytes('onepc/lost'))) ?? '0');
    await before.rollback();
    configureFailpoint('kv-client/txn/lose-one-pc-answer', '1*return');
    try {
      const txn = await client.begin();
      txn.set(bytes('onepc/lost'), bytes(String(start + 1)));
      const commitTs = await txn.commit();
      assert.ok(commitTs > txn.startTs);
    } finally {
      clearFailpoints();
    }
    assert.equal(text(await (await client.begin()).get(bytes('onepc/lost'))), String(start + 1));
  });

  test('one-phase commit that met a lock, then a newer commit on retry: a plain WriteConflictError (the first attempt was answered, so nothing is undetermined)', async () => {
    const key = bytes('onepc/raced');
    const loser = await client.begin();
    loser.set(key, bytes('loser'));
    const holder = await client.begin({ pessimistic: true });
    await holder.lockKeys([key]);
    // The loser's one-phase prewrite meets the holder's live lock and waits it out...
    const losing = loser.commit();
    await new Promise((resolve) => setTimeout(resolve, 200));
    // ...while the holder commits a version newer than the loser's start.
    holder.set(key, bytes('holder'));
    await holder.commit();
    await assert.rejects(losing, WriteConflictError);
    assert.equal(text(await (await client.begin()).get(key)), 'holder');
  });

  test('async commit: committed once every key is prewritten; a client dying then leaves a transaction readers roll forward', async () => {
    await client.splitRegions([bytes('async/m')]);
    const txn = await client.begin({ asyncCommit: true, onePc: false });
    txn.set(bytes('async/a'), bytes('1'));
    txn.set(bytes('async/z'), bytes('2'));
    const commitTs = await txn.commit();
    assert.ok(commitTs > txn.startTs);
    const reader = await client.begin();
    assert.deepEqual((await reader.batchGet([bytes('async/a'), bytes('async/z')])).map((pair) => text(pair.value)), ['1', '2']);

    configureFailpoint('kv-client/txn/after-prewrite', 'return');
    try {
      const dying = await client.begin({ asyncCommit: true, onePc: false, lockTtlMs: 200 });
      dying.set(bytes('async/b'), bytes('3'));
      dying.set(bytes('async/y'), bytes('4'));
      await dying.commit();
    } finally {
      clearFailpoints();
    }
    // Every key got its lock, so the transaction is committed: readers finish it (after its TTL).
    const later = await client.begin();
    assert.deepEqual((await later.batchGet([bytes('async/b'), bytes('async/y')])).map((pair) => text(pair.value)), ['3', '4']);
    assert.deepEqual((await later.scan(bytes('async/'), bytes('async0'))).map((pair) => text(pair.value)), ['1', '3', '4', '2']);

    // A client dying with one key never locked: readers roll the transaction back, and
    // that key is kept from ever being locked by it.
    configureFailpoint('kv-client/txn/after-prewrite', 'return');
    configureFailpoint('kv-client/txn/skip-secondary-prewrites', 'return');
    try {
      const partial = await client.begin({ asyncCommit: true, onePc: false, lockTtlMs: 200 });
      partial.set(bytes('async/a'), bytes('never'));
      partial.set(bytes('async/z'), bytes('never'));
      await partial.commit();
    } finally {
      clearFailpoints();
    }
    const after = await client.begin();
    assert.deepEqual((await after.batchGet([bytes('async/a'), bytes('async/z')])).map((pair) => text(pair.value)), ['1', '2']);
  });

  test('pessimistic: a second locker waits for the first, then proceeds and sees its commit', async () => {
    const first = await client.begin({ pessimistic: true });
    const second = await client.begin({ pessimistic: true, lockWaitTimeoutMs: 10_000 });
    assert.equal(await first.getForUpdate(bytes('p/counter')), undefined);
    first.set(bytes('p/counter'), bytes('1'));
    let secondHasLock = false;
    const waiting = second.getForUpdate(bytes('p/counter')).then((value) => {
      secondHasLock = true;
      return value;
    });
    await sleep(300);
    assert.equal(secondHasLock, false, 'the second transaction took a lock the first holds');
    await first.commit();
    // The lock is taken at a fresh timestamp, so the value read is the one just committed.
    assert.equal(text(await waiting), '1');
    second.set(bytes('p/counter'), bytes('2'));
    await second.commit();
    assert.equal(text(await (await client.begin()).get(bytes('p/counter'))), '2');
  });

  test('pessimistic: two transactions locking each other\'s keys: one gets DeadlockError, the other proceeds once it rolls back', async () => {
    const one = await client.begin({ pessimistic: true, lockWaitTimeoutMs: 10_000 });
    const two = await client.begin({ pessimistic: true, lockWaitTimeoutMs: 10_000 });
    await one.lockKeys([bytes('p/a')]);
    await two.lockKeys([bytes('p/b')]);
    const oneWaits = one.lockKeys([bytes('p/b')]);
    await sleep(200);
    await assert.rejects(two.lockKeys([bytes('p/a')]), DeadlockError);
    await two.rollback();
    await oneWaits;
    one.set(bytes('p/a'), bytes('a'));
    one.set(bytes('p/b'), bytes('b'));
    await one.commit();
    assert.deepEqual((await (await client.begin()).batchGet([bytes('p/a'), bytes('p/b')])).map((pair) => text(pair.value)), ['a', 'b']);
  });

  test('pessimistic: a lock wait longer than the client\'s request timeout is still answered, not retried as a dead store', async () => {
    // A small backoff budget too: treating the wait as a dead store would spend it in retries.
    const quick = await TxnClient.connect(cluster.pdEndpoint, { requestTimeoutMs: 500, budgetMs: 300 });
    try {
      const holder = await client.begin({ pessimistic: true });
      await holder.lockKeys([bytes('p/long')]);
      const waiter = await quick.begin({ pessimistic: true, lockWaitTimeoutMs: 5_000 });
      let settled = false;
      const waited = waiter.lockKeys([bytes('p/long')]).finally(() => (settled = true));
      await sleep(3_000);
      assert.equal(settled, false, 'the lock request is still waiting, past its 500 ms request timeout');
      await holder.rollback();
      await waited;
      await waiter.rollback();
    } finally {
      quick.close();
    }
  });

  test('pessimistic: the lock of a client that went away expires, and the next locker clears it and proceeds', async () => {
    const vanishing = await TxnClient.connect(cluster.pdEndpoint);
    const abandoned = await vanishing.begin({ pessimistic: true, lockTtlMs: 300 });
    await abandoned.lockKeys([bytes('p/orphan')]);
    vanishing.close();
    const next = await client.begin({ pessimistic: true, lockWaitTimeoutMs: 1_000 });
    await next.lockKeys([bytes('p/orphan')]);
    next.set(bytes('p/orphan'), bytes('mine'));
    await next.commit();
    assert.equal(text(await (await client.begin()).get(bytes('p/orphan'))), 'mine');
  });

  test('pessimistic: a lock wait runs out with LockWaitTimeoutError; a rolled-back transaction leaves no locks', async () => {
    const holder = await client.begin({ pessimistic: true });
    await holder.lockKeys([bytes('p/held')]);
    const impatient = await client.begin({ pessimistic: true, lockWaitTimeoutMs: 200 });
    await assert.rejects(impatient.lockKeys([bytes('p/held')]), LockWaitTimeoutError);
    await holder.rollback();
    const after = await client.begin({ pessimistic: true, lockWaitTimeoutMs: 200 });
    await after.lockKeys([bytes('p/held')]);
    await after.rollback();
  });

  test('transactions and snapshot scans stay exact across region splits made under them', async () => {
    const keyOf = (index: number) => bytes(`split/${String(index).padStart(4, '0')}`);
    const writes = Array.from({ length: 20 }, async (_, batch) => {
      const txn = await client.begin();
      for (let index = batch * 50; index < (batch + 1) * 50; index++) txn.set(keyOf(index), bytes(`v${index}`));
      return txn.commit();
    });
    await sleep(5);
    const regions = await client.splitRegions([200, 400, 600, 800].map(keyOf));
    await Promise.all(writes);
    assert.ok(regions.length >= 5);
    const snapshot = await client.snapshot();
    const all = await snapshot.scan(keyOf(0), keyOf(1_000));
    assert.equal(all.length, 1_000);
    all.forEach((pair, index) => assert.equal(text(pair.key), text(keyOf(index))));
    const page = await snapshot.scan(keyOf(195), keyOf(1_000), { limit: 10 });
    assert.deepEqual(page.map((pair) => text(pair.value)), Array.from({ length: 10 }, (_, index) => `v${195 + index}`));
  });

  test('a GC round settles older locks, advances PD\'s safe point, and keeps what reads at the safe point see', async () => {
    for (const value of ['v1', 'v2']) {
      const txn = await client.begin();
      txn.set(bytes('gc/key'), bytes(value));
      await txn.commit();
    }
    // Another client splits the keys apart, so this client's cached region is stale: the
    // round must walk the regions there are now, and find the lock in the right half.
    const other = await TxnClient.connect(cluster.pdEndpoint, { budgetMs: 30_000 });
    try {
      await other.splitRegions([bytes('gc/l')]);
    } finally {
      other.close();
    }
    configureFailpoint('kv-client/txn/after-prewrite', 'return');
    const abandoned = await client.begin({ lockTtlMs: 100, onePc: false, asyncCommit: false });
    abandoned.set(bytes('gc/locked'), bytes('never'));
    await abandoned.commit();
    clearFailpoints();
    await sleep(200);

    const regionsInPd = async () => ((await (await fetch(`${cluster.pdStatusUrl}/pd/api/v1/regions`)).json()) as { regions: unknown[] }).regions.length;
    const safePoint = await client.currentTimestamp();
    const regionsBefore = await regionsInPd();
    const round = await client.gc(safePoint);
    assert.equal(round.safePoint, safePoint);
    // Regions only split here (no merges): a round that visits each once sees between these.
    const regionsAfter = await regionsInPd();
    assert.ok(round.regions >= regionsBefore && round.regions <= regionsAfter, `${round.regions} regions collected; PD knew ${regionsBefore}, then ${regionsAfter}`);
    assert.ok(round.locksResolved >= 1, 'the abandoned lock is settled before GC');
    const atSafePoint = await client.snapshot(safePoint);
    assert.equal(text(await atSafePoint.get(bytes('gc/key'))), 'v2');
    assert.equal(await atSafePoint.get(bytes('gc/locked')), undefined);
    // PD never moves the safe point back.
    assert.equal((await client.gc(safePoint - 1_000n)).safePoint, safePoint);

    // The worker runs rounds on its own, with the safe point its life time behind now.
    const errors: unknown[] = [];
    const stop = client.startGcWorker({ intervalMs: 50, lifeTimeMs: 0, onError: (error) => errors.push(error) });
    try {
      const pd = await PdClient.connect([cluster.pdEndpoint]);
      let current = safePoint;
      try {
        for (let attempt = 0; attempt < 100 && current <= safePoint; attempt++) {
          await sleep(50);
          current = await pd.getGcSafePoint();
        }
      } finally {
        pd.close();
      }
      assert.ok(current > safePoint, `the worker did not advance the safe point (errors: ${errors.map(String).join('; ')})`);
    } finally {
      stop();
    }
  });

  test('a transactional scan crosses a region boundary made with a raw key (not an encoded one) exactly', async () => {
    const letters = 'abcdefghijklmnopqrstuvwxyz'.split('');
    const txn = await client.begin({ onePc: false });
    for (const letter of letters) txn.set(bytes(`rs/${letter}`), bytes(letter));
    await txn.commit();
    // "rs/m" as raw bytes is no encoded user key: it falls between the encodings of rs/l and rs/m.
    const raw = await RawClient.connect(cluster.pdEndpoint);
    try {
      const regions = await raw.splitRegions([bytes('rs/m')]);
      assert.ok(regions.some((region) => Buffer.from(region.startKey).toString() === 'rs/m'));
    } finally {
      raw.close();
    }
    const snapshot = await client.snapshot();
    assert.deepEqual((await snapshot.scan(bytes('rs/'), bytes('rs0'))).map((pair) => text(pair.value)), letters);
    assert.deepEqual((await snapshot.scan(bytes('rs/j'), bytes('rs0'), { limit: 5 })).map((pair) => text(pair.value)), ['j', 'k', 'l', 'm', 'n']);
    const round = await client.gc(await client.currentTimestamp());
    assert.ok(round.regions >= 2);
  });

  // `npm run test:bank` runs this for 60 s with 8 clients; `npm test` for 3 s with 4.
  const bankSeconds = Number(process.env['TIDEDB_BANK_SECONDS'] ?? 3);
  const bankClients = Number(process.env['TIDEDB_BANK_CLIENTS'] ?? 4);
  test(`bank transfers: ${bankClients} clients for ${bankSeconds} s keep the total, and every snapshot sums to it`, async (t) => {
    const accounts = 10;
    const initial = 1_000;
    const account = (index: number) => bytes(`bank/${index}`);
    const setup = await client.begin();
    for (let index = 0; index < accounts; index++) setup.set(account(index), bytes(String(initial)));
    await setup.commit();

    const deadline = Date.now() + bankSeconds * 1_000;
    // Each worker is its own client, as separate applications would be.
    const clients = await Promise.all(Array.from({ length: bankClients }, () => TxnClient.connect(cluster.pdEndpoint, { budgetMs: 30_000 })));
    let transfers = 0;
    let conflicts = 0;
    const worker = async (seed: number) => {
      const client = clients[seed - 1]!;
      let state = seed;
      const random = () => ((state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
      while (Date.now() < deadline) {
        const from = Math.floor(random() * accounts);
        const to = (from + 1 + Math.floor(random() * (accounts - 1))) % accounts;
        const txn = await client.begin();
        const balances = await txn.batchGet([account(from), account(to)]);
        const balanceOf = (key: Uint8Array) => Number(text(balances.find((pair) => Buffer.compare(pair.key, key) === 0)?.value));
        const amount = Math.floor(random() * 50);
        txn.set(account(from), bytes(String(balanceOf(account(from)) - amount)));
        txn.set(account(to), bytes(String(balanceOf(account(to)) + amount)));
        try {
          await txn.commit();
          transfers++;
        } catch (error) {
          if (!(error instanceof WriteConflictError)) throw error;
          conflicts++;
        }
      }
    };
    const checker = async () => {
      let checks = 0;
      while (Date.now() < deadline) {
        const pairs = await (await client.snapshot()).scan(bytes('bank/'), bytes('bank0'));
        assert.equal(pairs.length, accounts);
        assert.equal(pairs.reduce((sum, pair) => sum + Number(text(pair.value)), 0), accounts * initial);
        checks++;
      }
      return checks;
    };
    let checks = 0;
    try {
      [checks] = await Promise.all([checker(), ...clients.map((_, index) => worker(index + 1))]);
    } finally {
      for (const each of clients) each.close();
    }
    t.diagnostic(`${transfers} transfers committed, ${conflicts} write conflicts retried, ${checks} snapshot checks`);
    assert.ok(transfers > 0 && checks > 0, `${transfers} transfers, ${conflicts} conflicts, ${checks} checks`);
    const final = await (await client.snapshot()).scan(bytes('bank/'), bytes('bank0'));
    assert.equal(final.reduce((sum, pair) => sum + Number(text(pair.value)), 0), accounts * initial);
  });
});
