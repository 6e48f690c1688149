import { bindServer } from '../../common/grpc-bind.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { credentials, Server, type ServiceError } from '@grpc/grpc-js';
import { encodeMvccKey, encodeUserKey } from '../../common/codec/mvcc-key.js';
import { asTimestamp } from '../../common/ids.js';
import { SeededRandom } from '../../common/random.js';
import * as coprocessorpb from '../../proto/gen/coprocessor.js';
import * as kvrpcpb from '../../proto/gen/kvrpcpb.js';
import * as metapb from '../../proto/gen/metapb.js';
import * as tikvpb from '../../proto/gen/tikvpb.js';
import { ColumnFamily } from '../engine/engine.js';
import { MemoryEngine } from '../engine/memory-engine.js';
import { GrpcStoreTransport } from '../raftstore/grpc-store-transport.js';
import { RaftKv } from '../raftstore/raft-kv.js';
import { initialRegion, RaftStore } from '../raftstore/raft-store.js';
import { waitFor } from '../raftstore/test-stores.js';
import { createKvService } from './kv-service.js';
import type { LocalDeadlockDetector } from './lock-manager/deadlock-detector.js';
import { LockManager } from './lock-manager/lock-manager.js';

const text = (value: Uint8Array) => Buffer.from(value).toString();
const key = (value: string) => Buffer.from(value);

/** A unary call as a promise; `start` issues it with the callback. */
function unary<Response>(start: (callback: (error: ServiceError | null, response: Response) => void) => unknown): Promise<Response> {
  return new Promise((resolve, reject) => {
    start((error, response) => (error === null ? resolve(response) : reject(error)));
  });
}

describe('KV service over gRPC on three Raft stores', () => {
  const servers: Server[] = [];
  const stores: RaftStore[] = [];
  const transports: GrpcStoreTransport[] = [];
  const clients = new Map<bigint, tikvpb.TikvClient>();
  const engines = new Map<bigint, MemoryEngine>();
  const lockManagers = new Map<bigint, LockManager>();
  const region = initialRegion(1n, [1n, 2n, 3n].map((storeId) => metapb.Peer.create({ id: 10n + storeId, storeId, role: metapb.PeerRole.Voter })));
  const context = kvrpcpb.Context.create({ regionId: region.id, regionEpoch: region.regionEpoch! });
  let leader: RaftStore;
  let client: tikvpb.TikvClient;

  before(async () => {
    const random = new SeededRandom(17);
    const addresses = new Map<bigint, string>();
    for (const storeId of [1n, 2n, 3n]) {
      const engine = new MemoryEngine();
      engines.set(storeId, engine);
      const transport = new GrpcStoreTransport((id) => addresses.get(id));
      transports.push(transport);
      const store = new RaftStore({ storeId, engine, transport, random: () => random.nextFloat(), tickIntervalMs: 20, electionTicks: 10, heartbeatTicks: 2 });
      stores.push(store);
      const server = new Server();
      servers.push(server);
      const lockManager = new LockManager();
      lockManagers.set(storeId, lockManager);
      server.addService(tikvpb.TikvService, createKvService(store, new RaftKv(store, engine), { lockManager }));
      const port = await bindServer(server, '127.0.0.1:0');
      addresses.set(storeId, `127.0.0.1:${port}`);
      clients.set(storeId, new tikvpb.TikvClient(`127.0.0.1:${port}`, credentials.createInsecure()));
      await store.bootstrapRegion(region);
      store.start();
    }
    leader = await waitFor('a leader', () => stores.find((store) => store.peer(region.id)?.isLeader() === true));
    client = clients.get(leader.storeId)!;
  });

  after(async () => {
    for (const each of clients.values()) each.close();
    for (const store of stores) await store.stop();
    for (const transport of transports) transport.close();
    for (const server of servers) server.forceShutdown();
  });

  const prewrite = (mutations: Array<{ op?: kvrpcpb.Op; key: string; value?: string }>, primary: string, startVersion: bigint) =>
    kvrpcpb.PrewriteRequest.create({
      context,
      mutations: mutations.map((mutation) => ({ op: mutation.op ?? kvrpcpb.Op.Put, key: key(mutation.key), value: key(mutation.value ?? '') })),
      primaryLock: key(primary),
      startVersion,
      lockTtl: 3000n,
      txnSize: BigInt(mutations.length),
    });

  test('a 2-key transaction prewrites and commits; get, batchGet and scan see it at the right ts', async () => {
    const prewritten = await unary<kvrpcpb.PrewriteResponse>((callback) => client.kvPrewrite(prewrite([{ key: 'a', value: 'va' }, { key: 'b', value: 'vb' }], 'a', 10n), callback));
    assert.equal(prewritten.regionError, undefined);
    assert.deepEqual(prewritten.errors, []);
    // Before the commit a reader above the start ts meets the lock.
    const blocked = await unary<kvrpcpb.GetResponse>((callback) => client.kvGet(kvrpcpb.GetRequest.create({ context, key: key('a'), version: 15n }), callback));
    assert.equal(blocked.error?.locked?.lockVersion, 10n);
    assert.equal(text(blocked.error!.locked!.primaryLock), 'a');
    const committed = await unary<kvrpcpb.CommitResponse>((callback) =>
      client.kvCommit(kvrpcpb.CommitRequest.create({ context, startVersion: 10n, keys: [key('a'), key('b')], commitVersion: 11n }), callback),
    );
    assert.equal(committed.error, undefined);
    assert.equal(committed.commitVersion, 11n);

    const after = await unary<kvrpcpb.GetResponse>((callback) => client.kvGet(kvrpcpb.GetRequest.create({ context, key: key('a'), version: 12n }), callback));
    assert.equal(after.notFound, false);
    assert.equal(text(after.value), 'va');
    const before = await unary<kvrpcpb.GetResponse>((callback) => client.kvGet(kvrpcpb.GetRequest.create({ context, key: key('a'), version: 10n }), callback));
    assert.equal(before.notFound, true);

    const batch = await unary<kvrpcpb.BatchGetResponse>((callback) =>
      client.kvBatchGet(kvrpcpb.BatchGetRequest.create({ context, keys: [key('a'), key('b'), key('zz')], version: 12n }), callback),
    );
    assert.deepEqual(batch.pairs.map((pair) => [text(pair.key), text(pair.value)]), [['a', 'va'], ['b', 'vb']]);

    const scanned = await unary<kvrpcpb.ScanResponse>((callback) => client.kvScan(kvrpcpb.ScanRequest.create({ context, startKey: key('a'), limit: 10, version: 12n }), callback));
    assert.deepEqual(scanned.pairs.map((pair) => [text(pair.key), text(pair.value)]), [['a', 'va'], ['b', 'vb']]);
    const reversed = await unary<kvrpcpb.ScanResponse>((callback) =>
      client.kvScan(kvrpcpb.ScanRequest.create({ context, startKey: key('z'), endKey: key('a'), limit: 1, version: 12n, reverse: true }), callback),
    );
    assert.deepEqual(reversed.pairs.map((pair) => text(pair.key)), ['b']);
    const old = await unary<kvrpcpb.ScanResponse>((callback) => client.kvScan(kvrpcpb.ScanRequest.create({ context, startKey: key('a'), limit: 10, version: 9n }), callback));
    assert.deepEqual(old.pairs, []);
  });

  test('conflicts: a locked key and a newer commit are reported as KeyErrors; rollback clears the lock', async () => {
    const first = await unary<kvrpcpb.PrewriteResponse>((callback) => client.kvPrewrite(prewrite([{ key: 'c', value: 'v20' }], 'c', 20n), callback));
    assert.deepEqual(first.errors, []);
    const second = await unary<kvrpcpb.PrewriteResponse>((callback) => client.kvPrewrite(prewrite([{ key: 'c', value: 'v21' }, { key: 'd', value: 'v21' }], 'c', 21n), callback));
    assert.equal(second.errors.length, 1);
    assert.equal(second.errors[0]!.locked?.lockVersion, 20n);
    assert.equal(text(second.errors[0]!.locked!.key), 'c');
    // Nothing of the failed prewrite was written: "d" is not locked.
    const d = await unary<kvrpcpb.GetResponse>((callback) => client.kvGet(kvrpcpb.GetRequest.create({ context, key: key('d'), version: 30n }), callback));
    assert.equal(d.error, undefined);
    assert.equal(d.notFound, true);
    // "a" was committed at 11: a transaction that started at 5 conflicts.
    const stale = await unary<kvrpcpb.PrewriteResponse>((callback) => client.kvPrewrite(prewrite([{ key: 'a', value: 'late' }], 'a', 5n), callback));
    assert.equal(stale.errors[0]?.conflict?.conflictCommitTs, 11n);

    const status = await unary<kvrpcpb.CheckTxnStatusResponse>((callback) =>
      client.kvCheckTxnStatus(kvrpcpb.CheckTxnStatusRequest.create({ context, primaryKey: key('c'), lockTs: 20n, callerStartTs: 25n, currentTs: 25n }), callback),
    );
    assert.equal(status.lockTtl, 3000n);
    assert.equal(status.action, kvrpcpb.Action.MinCommitTsPushed);
    const rolledBack = await unary<kvrpcpb.BatchRollbackResponse>((callback) => client.kvBatchRollback(kvrpcpb.BatchRollbackRequest.create({ context, startVersion: 20n, keys: [key('c')] }), callback));
    assert.equal(rolledBack.error, undefined);
    const c = await unary<kvrpcpb.GetResponse>((callback) => client.kvGet(kvrpcpb.GetRequest.create({ context, key: key('c'), version: 30n }), callback));
    assert.equal(c.error, undefined);
    assert.equal(c.notFound, true);
    // Committing the rolled-back transaction fails with a key error, not a crash.
    const late = await unary<kvrpcpb.CommitResponse>((callback) => client.kvCommit(kvrpcpb.CommitRequest.create({ context, startVersion: 20n, keys: [key('c')], commitVersion: 22n }), callback));
    assert.notEqual(late.error?.txnLockNotFound, undefined);
  });

  test('pessimistic locks, heart beats, lock scans and lock resolution', async () => {
    const locked = await unary<kvrpcpb.PessimisticLockResponse>((callback) =>
      client.kvPessimisticLock(
        kvrpcpb.PessimisticLockRequest.create({ context, mutations: [{ op: kvrpcpb.Op.PessimisticLock, key: key('a') }], primaryLock: key('a'), startVersion: 40n, forUpdateTs: 40n, lockTtl: 1000n, returnValues: true }),
        callback,
      ),
    );
    assert.deepEqual(locked.errors, []);
    assert.deepEqual(locked.values.map(text), ['va']);
    assert.deepEqual(locked.notFounds, [false]);
    const beat = await unary<kvrpcpb.TxnHeartBeatResponse>((callback) =>
      client.kvTxnHeartBeat(kvrpcpb.TxnHeartBeatRequest.create({ context, primaryLock: key('a'), startVersion: 40n, adviseLockTtl: 5000n }), callback),
    );
    assert.equal(beat.lockTtl, 5000n);
    const scanned = await unary<kvrpcpb.ScanLockResponse>((callback) => client.kvScanLock(kvrpcpb.ScanLockRequest.create({ context, maxVersion: 100n, limit: 10 }), callback));
    assert.deepEqual(scanned.locks.map((lock) => [text(lock.key), lock.lockVersion, lock.lockType]), [['a', 40n, kvrpcpb.Op.PessimisticLock]]);
    const released = await unary<kvrpcpb.PessimisticRollbackResponse>((callback) =>
      client.kvPessimisticRollback(kvrpcpb.PessimisticRollbackRequest.create({ context, startVersion: 40n, forUpdateTs: 40n, keys: [key('a')] }), callback),
    );
    assert.deepEqual(released.errors, []);

    // A prewritten transaction resolved (committed) by a region-wide ResolveLock.
    await unary<kvrpcpb.PrewriteResponse>((callback) => client.kvPrewrite(prewrite([{ key: 'e', value: 've' }, { key: 'f', value: 'vf' }], 'e', 50n), callback));
    const resolved = await unary<kvrpcpb.ResolveLockResponse>((callback) => client.kvResolveLock(kvrpcpb.ResolveLockRequest.create({ context, startVersion: 50n, commitVersion: 51n }), callback));
    assert.equal(resolved.error, undefined);
    const none = await unary<kvrpcpb.ScanLockResponse>((callback) => client.kvScanLock(kvrpcpb.ScanLockRequest.create({ context, maxVersion: 100n, limit: 10 }), callback));
    assert.deepEqual(none.locks, []);
    const scan = await unary<kvrpcpb.ScanResponse>((callback) => client.kvScan(kvrpcpb.ScanRequest.create({ context, startKey: key('e'), limit: 10, version: 52n }), callback));
    assert.deepEqual(scan.pairs.map((pair) => [text(pair.key), text(pair.value)]), [['e', 've'], ['f', 'vf']]);
  });

  const lockKeys = (names: string[], startVersion: bigint, options: { forUpdateTs?: bigint; waitTimeoutMs?: bigint; isFirstLock?: boolean } = {}) =>
    unary<kvrpcpb.PessimisticLockResponse>((callback) =>
      client.kvPessimisticLock(
        kvrpcpb.PessimisticLockRequest.create({
          context,
          mutations: names.map((name) => ({ op: kvrpcpb.Op.PessimisticLock, key: key(name) })),
          primaryLock: key(names[0]!),
          startVersion,
          forUpdateTs: options.forUpdateTs ?? startVersion,
          lockTtl: 3000n,
          waitTimeoutMs: options.waitTimeoutMs ?? 10_000n,
          isFirstLock: options.isFirstLock ?? false,
        }),
        callback,
      ),
    );
  const rollbackLocks = (names: string[], startVersion: bigint) =>
    unary<kvrpcpb.PessimisticRollbackResponse>((callback) =>
      client.kvPessimisticRollback(kvrpcpb.PessimisticRollbackRequest.create({ context, startVersion, forUpdateTs: startVersion, keys: names.map(key) }), callback),
    );

  test('a pessimistic lock request meeting another txn\'s lock waits for it, then takes the lock', async () => {
    assert.deepEqual((await lockKeys(['w1'], 500n)).errors, []);
    let answered = false;
    const waiting = lockKeys(['w1'], 510n).then((response) => {
      answered = true;
      return response;
    });
    // Give the request every chance to answer early: it must not, while the lock is held.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(answered, false, 'the request answered while the lock was still held');
    assert.deepEqual((await rollbackLocks(['w1'], 500n)).errors, []);
    assert.deepEqual((await waiting).errors, []);
    const scanned = await unary<kvrpcpb.ScanLockResponse>((callback) => client.kvScanLock(kvrpcpb.ScanLockRequest.create({ context, startKey: key('w1'), endKey: key('w2'), maxVersion: 1000n, limit: 10 }), callback));
    assert.deepEqual(scanned.locks.map((lock) => lock.lockVersion), [510n]);
    assert.deepEqual((await rollbackLocks(['w1'], 510n)).errors, []);
  });

  test('a lock wait ends with the lock error after its timeout, or at once when the request asks not to wait', async () => {
    assert.deepEqual((await lockKeys(['w2'], 520n)).errors, []);
    const timedOut = await lockKeys(['w2'], 530n, { waitTimeoutMs: 200n });
    assert.equal(timedOut.errors[0]?.locked?.lockVersion, 520n);
    const noWait = await lockKeys(['w2'], 540n, { waitTimeoutMs: -1n });
    assert.equal(noWait.errors[0]?.locked?.lockVersion, 520n);
    assert.deepEqual((await rollbackLocks(['w2'], 520n)).errors, []);
  });

  test('two transactions waiting for each other: the second wait is refused as a deadlock and the first proceeds once it rolls back', async () => {
    assert.deepEqual((await lockKeys(['d1'], 600n, { isFirstLock: true })).errors, []);
    assert.deepEqual((await lockKeys(['d2'], 610n, { isFirstLock: true })).errors, []);
    const firstWaits = lockKeys(['d2'], 600n);
    // Until 600 → 610 is in the detector's graph.
    const graph = (lockManagers.get(leader.storeId)!.detector as LocalDeadlockDetector).graph;
    await waitFor('the first wait in the graph', () => (graph.size === 1 ? true : undefined));
    const deadlocked = await lockKeys(['d1'], 610n);
    assert.equal(deadlocked.errors[0]?.deadlock?.lockTs, 600n);
    assert.equal(text(deadlocked.errors[0]!.deadlock!.lockKey), 'd1');
    assert.notEqual(deadlocked.errors[0]!.deadlock!.deadlockKeyHash, 0n);
    assert.deepEqual((await rollbackLocks(['d2'], 610n)).errors, []);
    assert.deepEqual((await firstWaits).errors, []);
    assert.deepEqual((await rollbackLocks(['d1', 'd2'], 600n)).errors, []);
  });

  test('1PC commits at once; async commit reports its min commit ts and secondaries can be checked', async () => {
    const onePc = await unary<kvrpcpb.PrewriteResponse>((callback) =>
      client.kvPrewrite({ ...prewrite([{ key: 'g', value: 'vg' }, { key: 'h', value: 'vh' }], 'g', 80n), tryOnePc: true }, callback),
    );
    assert.deepEqual(onePc.errors, []);
    assert.ok(onePc.onePcCommitTs > 80n);
    const g = await unary<kvrpcpb.GetResponse>((callback) => client.kvGet(kvrpcpb.GetRequest.create({ context, key: key('h'), version: onePc.onePcCommitTs }), callback));
    assert.equal(text(g.value), 'vh');

    // A read at 95 raises the store's max read ts: an async commit after it must commit above 95.
    await unary<kvrpcpb.GetResponse>((callback) => client.kvGet(kvrpcpb.GetRequest.create({ context, key: key('zz'), version: 95n }), callback));
    const asyncCommit = await unary<kvrpcpb.PrewriteResponse>((callback) =>
      client.kvPrewrite({ ...prewrite([{ key: 'i', value: 'vi' }, { key: 'j', value: 'vj' }], 'i', 90n), useAsyncCommit: true, secondaries: [key('j')] }, callback),
    );
    assert.deepEqual(asyncCommit.errors, []);
    assert.ok(asyncCommit.minCommitTs > 95n);
    const secondaries = await unary<kvrpcpb.CheckSecondaryLocksResponse>((callback) =>
      client.kvCheckSecondaryLocks(kvrpcpb.CheckSecondaryLocksRequest.create({ context, keys: [key('j')], startVersion: 90n }), callback),
    );
    assert.deepEqual(secondaries.locks.map((lock) => [text(lock.key), lock.useAsyncCommit]), [['j', true]]);
    const cleanup = await unary<kvrpcpb.CleanupResponse>((callback) =>
      client.kvCleanup(kvrpcpb.CleanupRequest.create({ context, key: key('i'), startVersion: 90n, currentTs: 0n }), callback),
    );
    assert.equal(cleanup.error, undefined);
    const committed = await unary<kvrpcpb.CleanupResponse>((callback) =>
      client.kvCleanup(kvrpcpb.CleanupRequest.create({ context, key: key('a'), startVersion: 10n, currentTs: 0n }), callback),
    );
    assert.equal(committed.commitVersion, 11n);
  });

  test('a follower answers NotLeader naming the leader, for reads and writes', async () => {
    const follower = stores.find((store) => store !== leader)!;
    const onFollower = clients.get(follower.storeId)!;
    const read = await unary<kvrpcpb.GetResponse>((callback) => onFollower.kvGet(kvrpcpb.GetRequest.create({ context, key: key('a'), version: 12n }), callback));
    assert.equal(read.regionError?.notLeader?.leader?.storeId, leader.storeId);
    const write = await unary<kvrpcpb.RawPutResponse>((callback) => onFollower.rawPut(kvrpcpb.RawPutRequest.create({ context, key: key('k'), value: key('v') }), callback));
    assert.equal(write.regionError?.notLeader?.leader?.storeId, leader.storeId);
  });

  test('bad input is answered with an error, not a crash', async () => {
    const noContext = await unary<kvrpcpb.GetResponse>((callback) => client.kvGet(kvrpcpb.GetRequest.create({ key: key('a'), version: 1n }), callback));
    assert.notEqual(noContext.regionError?.regionNotFound, undefined);
    const emptyKey = await unary<kvrpcpb.GetResponse>((callback) => client.kvGet(kvrpcpb.GetRequest.create({ context, version: 1n }), callback));
    assert.match(emptyKey.error?.abort ?? '', /must not be empty/);
    const badOp = await unary<kvrpcpb.PrewriteResponse>((callback) => client.kvPrewrite(prewrite([{ op: kvrpcpb.Op.Rollback, key: 'x' }], 'x', 60n), callback));
    assert.match(badOp.errors[0]?.abort ?? '', /cannot be prewritten/);
    const staleEpoch = await unary<kvrpcpb.CommitResponse>((callback) =>
      client.kvCommit(kvrpcpb.CommitRequest.create({ context: { ...context, regionEpoch: { confVer: 1n, version: 0n } }, startVersion: 1n, keys: [key('a')], commitVersion: 2n }), callback),
    );
    assert.notEqual(staleEpoch.regionError?.epochNotMatch, undefined);
    const rawEmpty = await unary<kvrpcpb.RawPutResponse>((callback) => client.rawPut(kvrpcpb.RawPutRequest.create({ context, value: key('v') }), callback));
    assert.match(rawEmpty.error, /must not be empty/);
    const coprocessor = (tp: coprocessorpb.RequestType, data: Buffer, ranges: Array<{ start: Buffer; end: Buffer }>) =>
      unary<{ otherError: string }>((callback) => client.coprocessor({ context, tp, data, ranges, startTs: 1n, isCacheEnabled: false, cacheIfMatchVersion: 0n, pagingSize: 0n }, callback));
    const range = { start: key('a'), end: key('b') };
    assert.match((await coprocessor(coprocessorpb.RequestType.Analyze, Buffer.alloc(0), [range])).otherError, /only DAG/);
    assert.match((await coprocessor(coprocessorpb.RequestType.Dag, Buffer.from([0xff, 0xff, 0xff]), [range])).otherError, /malformed DAG request/);
    assert.match((await coprocessor(coprocessorpb.RequestType.Dag, Buffer.alloc(0), [])).otherError, /at least one range/);
    assert.match((await coprocessor(coprocessorpb.RequestType.Dag, Buffer.alloc(0), [{ start: key('b'), end: key('a') }])).otherError, /backwards range/);
  });

  test('raw put, get, batch get, scan and delete round trip through Raft', async () => {
    const put = await unary<kvrpcpb.RawPutResponse>((callback) => client.rawPut(kvrpcpb.RawPutRequest.create({ context, key: key('r1'), value: key('one') }), callback));
    assert.equal(put.error, '');
    const batchPut = await unary<kvrpcpb.RawBatchPutResponse>((callback) =>
      client.rawBatchPut(kvrpcpb.RawBatchPutRequest.create({ context, pairs: [{ key: key('r2'), value: key('two') }, { key: key('r3'), value: key('three') }] }), callback),
    );
    assert.equal(batchPut.error, '');
    const got = await unary<kvrpcpb.RawGetResponse>((callback) => client.rawGet(kvrpcpb.RawGetRequest.create({ context, key: key('r1') }), callback));
    assert.equal(text(got.value), 'one');
    const batch = await unary<kvrpcpb.RawBatchGetResponse>((callback) => client.rawBatchGet(kvrpcpb.RawBatchGetRequest.create({ context, keys: [key('r3'), key('nope'), key('r2')] }), callback));
    assert.deepEqual(batch.pairs.map((pair) => [text(pair.key), text(pair.value)]), [['r3', 'three'], ['r2', 'two']]);
    const scanned = await unary<kvrpcpb.RawScanResponse>((callback) => client.rawScan(kvrpcpb.RawScanRequest.create({ context, startKey: key('r'), endKey: key('s'), limit: 10 }), callback));
    assert.deepEqual(scanned.kvs.map((pair) => [text(pair.key), text(pair.value)]), [['r1', 'one'], ['r2', 'two'], ['r3', 'three']]);
    const deleted = await unary<kvrpcpb.RawDeleteResponse>((callback) => client.rawDelete(kvrpcpb.RawDeleteRequest.create({ context, key: key('r2') }), callback));
    assert.equal(deleted.error, '');
    const gone = await unary<kvrpcpb.RawGetResponse>((callback) => client.rawGet(kvrpcpb.RawGetRequest.create({ context, key: key('r2') }), callback));
    assert.equal(gone.notFound, true);
    const after = await unary<kvrpcpb.RawScanResponse>((callback) => client.rawScan(kvrpcpb.RawScanRequest.create({ context, startKey: key('r'), endKey: key('s'), limit: 10 }), callback));
    assert.deepEqual(after.kvs.map((pair) => text(pair.key)), ['r1', 'r3']);
    // The writes went through Raft: every replica applies them to its CF raw.
    for (const [storeId, engine] of engines) {
      await waitFor(`store ${storeId} to apply the raw writes`, () =>
        engine.getSync(ColumnFamily.raw, key('r1')) !== undefined && engine.getSync(ColumnFamily.raw, key('r2')) === undefined ? true : undefined,
      );
    }
    // Raw data and transactional data live apart: the raw key is not a transactional one.
    const txnView = await unary<kvrpcpb.GetResponse>((callback) => client.kvGet(kvrpcpb.GetRequest.create({ context, key: key('r1'), version: 100n }), callback));
    assert.equal(txnView.notFound, true);
  });

  test('RawDeleteRange deletes every raw key in [start, end) on every replica and nothing else', async () => {
    const pairs = ['dr1', 'dr2', 'dr2x', 'dr3', 'dr4', 'ds'].map((name) => ({ key: key(name), value: key(`v-${name}`) }));
    const put = await unary<kvrpcpb.RawBatchPutResponse>((callback) => client.rawBatchPut(kvrpcpb.RawBatchPutRequest.create({ context, pairs }), callback));
    assert.equal(put.error, '');
    const deleted = await unary<kvrpcpb.RawDeleteRangeResponse>((callback) => client.rawDeleteRange(kvrpcpb.RawDeleteRangeRequest.create({ context, startKey: key('dr2'), endKey: key('dr4') }), callback));
    assert.equal(deleted.error, '');
    assert.equal(deleted.regionError, undefined);
    const scanned = await unary<kvrpcpb.RawScanResponse>((callback) => client.rawScan(kvrpcpb.RawScanRequest.create({ context, startKey: key('dr'), endKey: key('dt'), limit: 10 }), callback));
    assert.deepEqual(scanned.kvs.map((pair) => text(pair.key)), ['dr1', 'dr4', 'ds']);
    for (const [storeId, engine] of engines) {
      await waitFor(`store ${storeId} to apply the range delete`, () => (engine.getSync(ColumnFamily.raw, key('dr2')) === undefined ? true : undefined));
      assert.equal(engine.getSync(ColumnFamily.raw, key('dr3')), undefined);
      assert.notEqual(engine.getSync(ColumnFamily.raw, key('dr4')), undefined, `store ${storeId} deleted past the end`);
    }

    const backwards = await unary<kvrpcpb.RawDeleteRangeResponse>((callback) => client.rawDeleteRange(kvrpcpb.RawDeleteRangeRequest.create({ context, startKey: key('z'), endKey: key('a') }), callback));
    assert.match(backwards.error, /start_key before end_key/);
    const badCf = await unary<kvrpcpb.RawDeleteRangeResponse>((callback) => client.rawDeleteRange(kvrpcpb.RawDeleteRangeRequest.create({ context, startKey: key('a'), endKey: key('b'), cf: 'raft' }), callback));
    assert.notEqual(badCf.error, '');
    const stale = await unary<kvrpcpb.RawDeleteRangeResponse>((callback) =>
      client.rawDeleteRange(kvrpcpb.RawDeleteRangeRequest.create({ context: { ...context, regionEpoch: { confVer: 1n, version: 0n } }, startKey: key('dr'), endKey: key('dt') }), callback),
    );
    assert.notEqual(stale.regionError?.epochNotMatch, undefined);
    assert.notEqual(engines.get(leader.storeId)!.getSync(ColumnFamily.raw, key('dr1')), undefined, 'a refused range delete deleted data');
  });

  test('KvDeleteRange removes every version and lock of the user keys in range, and leaves raw data and other keys alone', async () => {
    for (const [name, startVersion] of [['tdr1', 300n], ['tdr2', 310n], ['tdr2', 320n], ['tdz', 330n]] as const) {
      const prewritten = await unary<kvrpcpb.PrewriteResponse>((callback) => client.kvPrewrite(prewrite([{ key: name, value: `${name}@${startVersion}` }], name, startVersion), callback));
      assert.deepEqual(prewritten.errors, []);
      const committed = await unary<kvrpcpb.CommitResponse>((callback) => client.kvCommit(kvrpcpb.CommitRequest.create({ context, startVersion, keys: [key(name)], commitVersion: startVersion + 1n }), callback));
      assert.equal(committed.error, undefined);
    }
    // A lock left by a transaction that never finished.
    assert.deepEqual((await unary<kvrpcpb.PrewriteResponse>((callback) => client.kvPrewrite(prewrite([{ key: 'tdr3', value: 'locked' }], 'tdr3', 340n), callback))).errors, []);
    await unary<kvrpcpb.RawPutResponse>((callback) => client.rawPut(kvrpcpb.RawPutRequest.create({ context, key: key('tdr2'), value: key('raw') }), callback));

    const deleted = await unary<kvrpcpb.DeleteRangeResponse>((callback) => client.kvDeleteRange(kvrpcpb.DeleteRangeRequest.create({ context, startKey: key('tdr'), endKey: key('tds') }), callback));
    assert.equal(deleted.error, '');
    assert.equal(deleted.regionError, undefined);
    const get = (name: string) => unary<kvrpcpb.GetResponse>((callback) => client.kvGet(kvrpcpb.GetRequest.create({ context, key: key(name), version: 400n }), callback));
    for (const name of ['tdr1', 'tdr2', 'tdr3']) {
      const got = await get(name);
      assert.equal(got.notFound, true, `${name} survived`);
      assert.equal(got.error, undefined, `${name} is still locked`);
    }
    assert.equal(text((await get('tdz')).value), 'tdz@330');
    for (const [storeId, engine] of engines) {
      await waitFor(`store ${storeId} to apply the range delete`, () => (engine.getSync(ColumnFamily.lock, encodeUserKey(key('tdr3'))) === undefined ? true : undefined));
      assert.equal(engine.getSync(ColumnFamily.write, encodeMvccKey(key('tdr2'), asTimestamp(311n))), undefined);
      await waitFor(`store ${storeId} to keep the raw key`, () => (engine.getSync(ColumnFamily.raw, key('tdr2')) !== undefined ? true : undefined));
    }
    const raw = await unary<kvrpcpb.RawGetResponse>((callback) => client.rawGet(kvrpcpb.RawGetRequest.create({ context, key: key('tdr2') }), callback));
    assert.equal(text(raw.value), 'raw', 'KvDeleteRange deleted raw data');
    const backwards = await unary<kvrpcpb.DeleteRangeResponse>((callback) => client.kvDeleteRange(kvrpcpb.DeleteRangeRequest.create({ context, startKey: key('b'), endKey: key('a') }), callback));
    assert.match(backwards.error, /start_key before end_key/);
  });

  test('KvGC removes versions below the safe point on every replica and keeps what reads at the safe point see', async () => {
    for (const [startVersion, commitVersion, value] of [[200n, 201n, 'g1'], [210n, 211n, 'g2'], [220n, 221n, 'g3']] as const) {
      const prewritten = await unary<kvrpcpb.PrewriteResponse>((callback) => client.kvPrewrite(prewrite([{ key: 'gc', value }], 'gc', startVersion), callback));
      assert.deepEqual(prewritten.errors, []);
      const committed = await unary<kvrpcpb.CommitResponse>((callback) => client.kvCommit(kvrpcpb.CommitRequest.create({ context, startVersion, keys: [key('gc')], commitVersion }), callback));
      assert.equal(committed.error, undefined);
    }
    const writeRecord = (engine: MemoryEngine, commitTs: bigint) => engine.getSync(ColumnFamily.write, encodeMvccKey(key('gc'), asTimestamp(commitTs)));
    for (const engine of engines.values()) await waitFor('the versions to replicate', () => (writeRecord(engine, 221n) !== undefined ? true : undefined));

    const gc = await unary<kvrpcpb.GCResponse>((callback) => client.kvGc(kvrpcpb.GCRequest.create({ context, safePoint: 215n }), callback));
    assert.equal(gc.regionError, undefined);
    assert.equal(gc.error, undefined);
    for (const [storeId, engine] of engines) {
      await waitFor(`store ${storeId} to drop the oldest version`, () => (writeRecord(engine, 201n) === undefined ? true : undefined));
      assert.ok(writeRecord(engine, 211n) !== undefined, 'the version a read at the safe point sees stays');
      assert.ok(writeRecord(engine, 221n) !== undefined);
    }
    const atSafePoint = await unary<kvrpcpb.GetResponse>((callback) => client.kvGet(kvrpcpb.GetRequest.create({ context, key: key('gc'), version: 215n }), callback));
    assert.equal(text(atSafePoint.value), 'g2');
  });

  test('BatchCommands answers mixed requests with their request ids, each as soon as it is done', async () => {
    const stream = client.batchCommands();
    const messages: tikvpb.BatchCommandsResponse[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      stream.on('data', (message: tikvpb.BatchCommandsResponse) => messages.push(message));
      stream.once('end', resolve);
      stream.once('error', reject);
    });
    stream.write({
      requests: [
        { cmd: { $case: 'rawGet', value: kvrpcpb.RawGetRequest.create({ context, key: key('r1') }) } },
        { cmd: { $case: 'get', value: kvrpcpb.GetRequest.create({ context, key: key('b'), version: 12n }) } },
        { cmd: { $case: 'prewrite', value: prewrite([{ op: kvrpcpb.Op.Rollback, key: 'x' }], 'x', 70n) } },
        { cmd: { $case: 'rawPut', value: kvrpcpb.RawPutRequest.create({ context, key: key('r9'), value: key('nine') }) } },
        { cmd: { $case: 'empty', value: { testId: 7n } } },
      ],
      requestIds: [101n, 102n, 103n, 104n, 105n],
    });
    stream.end();
    // The server ends its side once every request is answered.
    await ended;
    const byId = new Map<bigint, tikvpb.BatchCommandsResponse_Response['cmd']>();
    for (const message of messages) message.requestIds.forEach((id, index) => byId.set(id, message.responses[index]?.cmd));
    assert.deepEqual([...byId.keys()].sort(), [101n, 102n, 103n, 104n, 105n]);
    // The write needs a Raft round; the instant answer does not wait for it.
    assert.ok(messages[0]!.requestIds.includes(105n) && !messages[0]!.requestIds.includes(104n), `first message answered ${messages[0]!.requestIds.join(', ')}`);
    const [rawGet, get, badPrewrite, rawPut, empty] = [101n, 102n, 103n, 104n, 105n].map((id) => byId.get(id));
    assert.equal(rawGet?.$case === 'rawGet' ? text(rawGet.value.value) : undefined, 'one');
    assert.equal(get?.$case === 'get' ? text(get.value.value) : undefined, 'vb');
    assert.match(badPrewrite?.$case === 'prewrite' ? (badPrewrite.value.errors[0]?.abort ?? '') : '', /cannot be prewritten/);
    assert.equal(rawPut?.$case === 'rawPut' ? rawPut.value.error : undefined, '');
    assert.equal(empty?.$case === 'empty' ? empty.value.testId : undefined, 7n);
    const written = await unary<kvrpcpb.RawGetResponse>((callback) => client.rawGet(kvrpcpb.RawGetRequest.create({ context, key: key('r9') }), callback));
    assert.equal(text(written.value), 'nine');
  });
});
