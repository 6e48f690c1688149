import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CodecError } from '../../../common/errors.js';
import * as metapb from '../../../proto/gen/metapb.js';
import { ErrorType } from '../../../proto/gen/pdpb.js';
import { MemoryPdStorage, type PdWrite } from '../storage.js';
import { BasicCluster, type RegionHeartbeatResult } from './cluster.js';
import { clusterStorageKeys, regionKey } from './cluster-storage.js';
import {
  AlreadyBootstrappedError,
  ClusterError,
  DuplicateStoreAddressError,
  InvalidClusterRequestError,
  InvalidStoreStateTransitionError,
  NotBootstrappedError,
  RegionNotFoundError,
  StaleRegionEpochError,
  StoreNotFoundError,
  StoreTombstoneError,
} from './errors.js';
import { StaleReason } from './region-tree.js';
import { StoreLiveness } from './store-registry.js';
import { CountingAllocator, FakeClock, heartbeat, key, region, regionShapes, store, storeStats } from './test-fixtures.js';
import { defaultScheduleConfig, type ClusterView } from './types.js';

interface Harness {
  readonly storage: MemoryPdStorage;
  readonly clock: FakeClock;
  readonly allocator: CountingAllocator;
  readonly cluster: BasicCluster;
  /** A fresh BasicCluster over the same storage, as after a PD restart or leader change. */
  reload(): Promise<BasicCluster>;
}

async function harness(storage = new MemoryPdStorage()): Promise<Harness> {
  const clock = new FakeClock();
  const allocator = new CountingAllocator();
  const options = { storage, clock: clock.read, allocateId: allocator.allocate, clusterId: 42n, config: { ...defaultScheduleConfig, maxStoreDownTimeMs: 60_000 } };
  const cluster = await BasicCluster.load(options);
  return { storage, clock, allocator, cluster, reload: () => BasicCluster.load(options) };
}

const firstRegion = () => region({ id: 2n, start: '', end: '', peers: [[3n, 1n]] });

async function bootstrapped(): Promise<Harness> {
  const setup = await harness();
  await setup.cluster.bootstrap(store(1n), firstRegion());
  return setup;
}

function mustApply(result: RegionHeartbeatResult): Extract<RegionHeartbeatResult, { kind: 'applied' }> {
  assert.equal(result.kind, 'applied', result.kind === 'stale' ? `stale: ${result.reason}` : '');
  return result as Extract<RegionHeartbeatResult, { kind: 'applied' }>;
}

/** Writes through to a MemoryPdStorage until told to fail. */
class FlakyStorage extends MemoryPdStorage {
  failWrites = false;

  override async write(writes: readonly PdWrite[]): Promise<void> {
    if (this.failWrites) throw new Error('injected write failure');
    await super.write(writes);
  }
}

describe('bootstrap', () => {
  test('two racing bootstraps: exactly one wins, the other gets AlreadyBootstrapped', async () => {
    const { cluster, storage } = await harness();
    assert.equal(cluster.isBootstrapped(), false);
    const results = await Promise.allSettled([
      cluster.bootstrap(store(1n, 'a:1'), region({ id: 2n, start: '', end: '', peers: [[3n, 1n]] })),
      cluster.bootstrap(store(4n, 'b:1'), region({ id: 5n, start: '', end: '', peers: [[6n, 4n]] })),
    ]);
    assert.equal(results[0].status, 'fulfilled');
    assert.equal(results[1].status, 'rejected');
    const failure = (results[1] as PromiseRejectedResult).reason as unknown;
    assert.ok(failure instanceof AlreadyBootstrappedError);
    assert.equal(failure.errorType, ErrorType.AlreadyBootstrapped);
    assert.equal(cluster.isBootstrapped(), true);
    assert.deepEqual(cluster.getAllStores(false).map((info) => info.meta.id), [1n]);
    assert.deepEqual(regionShapes(cluster.scanRegions(key(''), key(''), 0)), ['2:[,)v1c1']);
    assert.equal(storage.writeCount, 1, 'cluster meta, store and region are written atomically, once');
    assert.deepEqual(cluster.clusterMeta, { id: 42n, maxPeerCount: 3 });
  });

  test('the flag survives a restart: bootstrapping again fails', async () => {
    const setup = await bootstrapped();
    const reloaded = await setup.reload();
    assert.equal(reloaded.isBootstrapped(), true);
    await assert.rejects(reloaded.bootstrap(store(9n), region({ id: 10n, start: '', end: '', peers: [[11n, 9n]] })), AlreadyBootstrappedError);
  });

  test('a failed bootstrap write leaves the cluster unbootstrapped, and a retry works', async () => {
    const storage = new FlakyStorage();
    const { cluster } = await harness(storage);
    storage.failWrites = true;
    await assert.rejects(cluster.bootstrap(store(1n), firstRegion()), /injected/);
    assert.equal(cluster.isBootstrapped(), false);
    assert.equal(cluster.getStore(1n), undefined);
    storage.failWrites = false;
    await cluster.bootstrap(store(1n), firstRegion());
    assert.equal(cluster.isBootstrapped(), true);
  });

  test('the first region must cover everything with one peer on the bootstrapping store', async () => {
    const { cluster } = await harness();
    const cases = [
      region({ id: 2n, start: 'a', end: '', peers: [[3n, 1n]] }),
      region({ id: 2n, start: '', end: '', peers: [[3n, 7n]] }),
      region({ id: 2n, start: '', end: '', peers: [[3n, 1n], [4n, 2n]] }),
      { ...firstRegion(), regionEpoch: undefined },
      { ...firstRegion(), id: 0n },
    ];
    for (const bad of cases) await assert.rejects(cluster.bootstrap(store(1n), bad), InvalidClusterRequestError);
    await assert.rejects(cluster.bootstrap(store(1n, ''), firstRegion()), InvalidClusterRequestError);
    assert.equal(cluster.isBootstrapped(), false);
  });

  test('everything that changes the cluster needs bootstrap first', async () => {
    const { cluster } = await harness();
    await assert.rejects(cluster.putStore(store(1n)), NotBootstrappedError);
    assert.throws(() => cluster.storeHeartbeat(storeStats(1n)), NotBootstrappedError);
    await assert.rejects(cluster.regionHeartbeat(heartbeat(firstRegion())), NotBootstrappedError);
    await assert.rejects(cluster.askBatchSplit(firstRegion(), 1), NotBootstrappedError);
    await assert.rejects(cluster.setStoreState(1n, metapb.StoreState.Offline), NotBootstrappedError);
    assert.throws(() => cluster.requireBootstrapped(), (error: unknown) => error instanceof ClusterError && error.errorType === ErrorType.NotBootstrapped);
    assert.equal(cluster.getRegion(key('a')), undefined);
  });
});

describe('stores', () => {
  test('put, update, duplicate address, tombstone', async () => {
    const { cluster, storage } = await bootstrapped();
    await cluster.putStore(store(2n, 'b:1', { zone: 'z2' }));
    await assert.rejects(cluster.putStore(store(3n, 'b:1')), DuplicateStoreAddressError);
    await cluster.putStore(store(2n, 'b:2', { zone: 'z2' }));
    assert.equal(cluster.getStore(2n)?.meta.address, 'b:2');
    const writesBefore = storage.writeCount;
    await cluster.setStoreState(2n, metapb.StoreState.Offline);
    await cluster.setStoreState(2n, metapb.StoreState.Offline);
    assert.equal(storage.writeCount, writesBefore + 1, 'a no-op state change writes nothing');
    await cluster.setStoreState(2n, metapb.StoreState.Tombstone);
    await assert.rejects(cluster.putStore(store(2n, 'b:2')), StoreTombstoneError);
    assert.throws(() => cluster.storeHeartbeat(storeStats(2n)), StoreTombstoneError);
    assert.deepEqual(cluster.getAllStores(true).map((info) => info.meta.id), [1n]);
    assert.deepEqual(cluster.getAllStores(false).map((info) => info.meta.id), [1n, 2n]);
    await assert.rejects(cluster.setStoreState(9n, metapb.StoreState.Offline), StoreNotFoundError);
  });

  test('a store with region peers cannot become tombstone', async () => {
    const { cluster } = await bootstrapped();
    await cluster.setStoreState(1n, metapb.StoreState.Offline);
    await assert.rejects(cluster.setStoreState(1n, metapb.StoreState.Tombstone), InvalidStoreStateTransitionError);
    assert.equal(cluster.storeRegionStats(1n).regionCount, 1);
  });

  test('racing PutStores for one address: one wins', async () => {
    const { cluster } = await bootstrapped();
    const results = await Promise.allSettled([cluster.putStore(store(2n, 'x:1')), cluster.putStore(store(3n, 'x:1'))]);
    assert.deepEqual(results.map((result) => result.status), ['fulfilled', 'rejected']);
    assert.equal(cluster.getStore(3n), undefined);
  });

  test('liveness follows the injected clock', async () => {
    const { cluster, clock } = await bootstrapped();
    assert.equal(cluster.storeLiveness(1n), StoreLiveness.up);
    clock.advance(20_001);
    assert.equal(cluster.storeLiveness(1n), StoreLiveness.disconnected);
    cluster.storeHeartbeat(storeStats(1n, 1));
    assert.equal(cluster.storeLiveness(1n), StoreLiveness.up);
    clock.advance(60_001);
    assert.equal(cluster.storeLiveness(1n), StoreLiveness.down);
    assert.equal(cluster.view().storeLiveness(1n), StoreLiveness.down);
    assert.equal(cluster.view(clock.read() - 50_000).storeLiveness(1n), StoreLiveness.up, 'a view judges at its own time');
    assert.equal(cluster.storeLiveness(99n), undefined);
    assert.throws(() => cluster.storeHeartbeat(storeStats(99n)), StoreNotFoundError);
  });
});

describe('region heartbeats', () => {
  test('stats-only and leader-change heartbeats stay in memory; shape changes are persisted', async () => {
    const { cluster, storage } = await bootstrapped();
    await cluster.putStore(store(2n));
    const writes = () => storage.writeCount;
    const base = writes();

    // First heartbeat after bootstrap: same shape as bootstrapped, adds leader and stats.
    let result = mustApply(await cluster.regionHeartbeat(heartbeat(firstRegion(), { sizeBytes: 10n })));
    assert.equal(result.metaChanged, false);
    assert.equal(result.persisted, false);
    for (let index = 0; index < 20; index++) {
      mustApply(await cluster.regionHeartbeat(heartbeat(firstRegion(), { sizeBytes: BigInt(index), bytesWritten: 100n })));
    }
    assert.equal(writes(), base, 'stats-only heartbeats write nothing');
    assert.equal(cluster.getRegionById(2n)?.approximateSizeBytes, 19n, 'but memory has the latest stats');

    // A membership change (a peer added on store 2): persisted once.
    const twoPeers = region({ id: 2n, start: '', end: '', confVer: 2n, peers: [[3n, 1n], [4n, 2n]] });
    result = mustApply(await cluster.regionHeartbeat(heartbeat(twoPeers)));
    assert.equal(result.metaChanged, true);
    assert.equal(result.persisted, true);
    assert.equal(writes(), base + 1);

    // A leader change with a newer term: memory only.
    result = mustApply(await cluster.regionHeartbeat(heartbeat(twoPeers, { leaderIndex: 1, term: 2n })));
    assert.equal(result.persisted, false);
    assert.equal(cluster.getRegionById(2n)?.leader?.storeId, 2n);
    assert.equal(writes(), base + 1);

    // The old leader (term 1) still reports the same epoch: stale, ignored.
    const stale = await cluster.regionHeartbeat(heartbeat(twoPeers, { leaderIndex: 0, term: 1n }));
    assert.equal(stale.kind, 'stale');
    assert.equal(stale.kind === 'stale' && stale.reason, StaleReason.staleTerm);
    assert.equal(cluster.getRegionById(2n)?.leader?.storeId, 2n);
    // And an old epoch is stale too.
    const oldEpoch = await cluster.regionHeartbeat(heartbeat(firstRegion(), { term: 5n }));
    assert.equal(oldEpoch.kind === 'stale' && oldEpoch.reason, StaleReason.staleEpoch);
    assert.equal(writes(), base + 1);
    assert.equal(cluster.storeRegionStats(2n).leaderCount, 1);
    assert.equal(cluster.storeRegionStats(1n).leaderCount, 0);
  });

  test('a split and a merge reported by heartbeats; overlapped regions are deleted from storage', async () => {
    const { cluster, storage, reload } = await bootstrapped();
    // Region 2 splits at "m": 2 keeps [, m), 7 takes [m, ). The right side reports first.
    const right = mustApply(await cluster.regionHeartbeat(heartbeat(region({ id: 7n, start: 'm', end: '', version: 2n, peers: [[8n, 1n]] }))));
    assert.deepEqual(right.removed.map((info) => info.meta.id), [2n]);
    assert.equal(await storage.get(regionKey(2n)), undefined, 'the overlapped region is deleted from storage');
    mustApply(await cluster.regionHeartbeat(heartbeat(region({ id: 2n, start: '', end: 'm', version: 2n, peers: [[3n, 1n]] }))));
    assert.deepEqual(regionShapes(cluster.scanRegions(key(''), key(''), 0)), ['2:[,m)v2c1', '7:[m,)v2c1']);
    assert.equal(cluster.getRegion(key('z'))?.meta.id, 7n);
    assert.equal(cluster.getPrevRegion(key('z'))?.meta.id, 2n);
    assert.equal(cluster.regionCount, 2);

    // 7 merges into 2.
    const merged = mustApply(await cluster.regionHeartbeat(heartbeat(region({ id: 2n, start: '', end: '', version: 3n, peers: [[3n, 1n]] }))));
    assert.deepEqual(merged.removed.map((info) => info.meta.id), [7n]);
    const lateSource = await cluster.regionHeartbeat(heartbeat(region({ id: 7n, start: 'm', end: '', version: 2n, peers: [[8n, 1n]] }), { term: 9n }));
    assert.equal(lateSource.kind === 'stale' && lateSource.reason, StaleReason.overlapsNewer);
    assert.deepEqual((await storage.scan(clusterStorageKeys.regionPrefix)).map((entry) => entry.key), [regionKey(2n)]);
    const reloaded = await reload();
    assert.deepEqual(regionShapes(reloaded.scanRegions(key(''), key(''), 0)), ['2:[,)v3c1']);
  });

  test('malformed heartbeats are refused with typed errors', async () => {
    const { cluster } = await bootstrapped();
    const cases: Array<[ReturnType<typeof heartbeat>, new (...args: never[]) => Error]> = [
      [{ ...heartbeat(firstRegion()), region: undefined }, InvalidClusterRequestError],
      [{ ...heartbeat(firstRegion()), leader: undefined }, InvalidClusterRequestError],
      [{ ...heartbeat(firstRegion()), leader: { id: 99n, storeId: 1n, role: metapb.PeerRole.Voter } }, InvalidClusterRequestError],
      [heartbeat({ ...firstRegion(), regionEpoch: undefined }), InvalidClusterRequestError],
      [heartbeat(region({ id: 2n, start: 'z', end: 'a', peers: [[3n, 1n]] })), InvalidClusterRequestError],
      [heartbeat(region({ id: 2n, start: '', end: '', peers: [[3n, 1n], [3n, 2n]] })), InvalidClusterRequestError],
      [heartbeat(region({ id: 2n, start: '', end: '', peers: [[3n, 5n]] })), StoreNotFoundError],
    ];
    for (const [request, errorClass] of cases) await assert.rejects(cluster.regionHeartbeat(request), errorClass);
    assert.deepEqual(regionShapes(cluster.scanRegions(key(''), key(''), 0)), ['2:[,)v1c1']);
  });

  test('a region whose write failed is written again by its next heartbeat', async () => {
    const storage = new FlakyStorage();
    const setup = await harness(storage);
    await setup.cluster.bootstrap(store(1n), firstRegion());
    const changed = region({ id: 2n, start: '', end: '', confVer: 2n, peers: [[3n, 1n]] });
    storage.failWrites = true;
    await assert.rejects(setup.cluster.regionHeartbeat(heartbeat(changed)), /injected/);
    assert.equal(setup.cluster.getRegionById(2n)?.meta.regionEpoch?.confVer, 2n, 'memory moved on');
    storage.failWrites = false;
    const retry = mustApply(await setup.cluster.regionHeartbeat(heartbeat(changed)));
    assert.equal(retry.metaChanged, false);
    assert.equal(retry.persisted, true);
    const after = mustApply(await setup.cluster.regionHeartbeat(heartbeat(changed)));
    assert.equal(after.persisted, false);
    const reloaded = await setup.reload();
    assert.equal(reloaded.getRegionById(2n)?.meta.regionEpoch?.confVer, 2n);
  });

  test('the cluster keeps its own copy of what a heartbeat carried', async () => {
    const { cluster } = await bootstrapped();
    const request = heartbeat(firstRegion());
    mustApply(await cluster.regionHeartbeat(request));
    request.region!.startKey[0] = 0x7a;
    request.region!.peers[0]!.storeId = 9n;
    request.leader!.storeId = 9n;
    assert.deepEqual(regionShapes([cluster.getRegionById(2n)!]), ['2:[,)v1c1']);
    assert.equal(cluster.getRegionById(2n)?.meta.peers[0]?.storeId, 1n);
    assert.equal(cluster.getRegionById(2n)?.leader?.storeId, 1n);
  });
});

describe('splits', () => {
  test('askBatchSplit hands out a region ID and one peer ID per peer for each new region', async () => {
    const { cluster, allocator } = await bootstrapped();
    await cluster.putStore(store(2n));
    await cluster.putStore(store(3n));
    const threePeers = region({ id: 2n, start: '', end: '', confVer: 3n, peers: [[3n, 1n], [4n, 2n], [5n, 3n]] });
    mustApply(await cluster.regionHeartbeat(heartbeat(threePeers)));
    const ids = await cluster.askBatchSplit(threePeers, 3);
    assert.equal(ids.length, 3);
    assert.ok(ids.every((split) => split.newPeerIds.length === 3));
    const all = ids.flatMap((split) => [split.newRegionId, ...split.newPeerIds]);
    assert.equal(new Set(all).size, 12, 'every ID is distinct');
    assert.equal(allocator.calls, 12);
    assert.deepEqual(ids[0], { newRegionId: 1000n, newPeerIds: [1001n, 1002n, 1003n] });
  });

  test('askBatchSplit refuses unknown regions, stale epochs and bad counts', async () => {
    const { cluster, allocator } = await bootstrapped();
    await assert.rejects(cluster.askBatchSplit(region({ id: 77n, start: '', end: '' }), 1), RegionNotFoundError);
    mustApply(await cluster.regionHeartbeat(heartbeat(region({ id: 2n, start: '', end: '', version: 4n, peers: [[3n, 1n]] }))));
    await assert.rejects(
      cluster.askBatchSplit(firstRegion(), 1),
      (error: unknown) => error instanceof StaleRegionEpochError && error.regionId === 2n && error.currentEpoch.version === 4n,
    );
    await assert.rejects(cluster.askBatchSplit(region({ id: 2n, start: '', end: '', version: 4n, peers: [[3n, 1n]] }), 0), InvalidClusterRequestError);
    await assert.rejects(cluster.askBatchSplit(region({ id: 2n, start: '', end: '', version: 4n, peers: [[3n, 1n]] }), 1_000_000), InvalidClusterRequestError);
    assert.equal(allocator.calls, 0, 'a refused request allocates nothing');
  });

  test('reportBatchSplit makes the new regions routable at once, keeps the leader, estimates sizes', async () => {
    const { cluster, storage, reload } = await bootstrapped();
    mustApply(await cluster.regionHeartbeat(heartbeat(firstRegion(), { sizeBytes: 300n, term: 4n })));
    const [a, b] = await cluster.askBatchSplit(firstRegion(), 2);
    const report = [
      region({ id: a!.newRegionId, start: '', end: 'f', version: 3n, peers: [[a!.newPeerIds[0]!, 1n]] }),
      region({ id: b!.newRegionId, start: 'f', end: 'p', version: 3n, peers: [[b!.newPeerIds[0]!, 1n]] }),
      region({ id: 2n, start: 'p', end: '', version: 3n, peers: [[3n, 1n]] }),
    ];
    const writesBefore = storage.writeCount;
    await cluster.reportBatchSplit(report);
    assert.equal(storage.writeCount, writesBefore + 1, 'one write for the whole report');
    assert.deepEqual(regionShapes(cluster.scanRegions(key(''), key(''), 0)), [
      `${a!.newRegionId}:[,f)v3c1`,
      `${b!.newRegionId}:[f,p)v3c1`,
      '2:[p,)v3c1',
    ]);
    const derived = cluster.getRegionById(2n)!;
    assert.equal(derived.leader?.id, 3n, 'the leader of the derived region is still a peer: kept');
    assert.equal(derived.term, 4n);
    assert.equal(cluster.getRegionById(a!.newRegionId)?.leader, undefined, 'new regions have no leader until they heartbeat');
    assert.equal(cluster.getRegionById(a!.newRegionId)?.approximateSizeBytes, 100n);
    // A heartbeat that already brought the same shape with real stats is not overwritten.
    mustApply(await cluster.regionHeartbeat(heartbeat(report[1]!, { sizeBytes: 7n, term: 1n })));
    await cluster.reportBatchSplit(report);
    assert.equal(cluster.getRegionById(b!.newRegionId)?.approximateSizeBytes, 7n);
    // Everything is in storage.
    const reloaded = await reload();
    assert.deepEqual(regionShapes(reloaded.scanRegions(key(''), key(''), 0)), regionShapes(cluster.scanRegions(key(''), key(''), 0)));
  });

  test('reportBatchSplit validates its regions', async () => {
    const { cluster } = await bootstrapped();
    await assert.rejects(cluster.reportBatchSplit([firstRegion()]), InvalidClusterRequestError);
    await assert.rejects(
      cluster.reportBatchSplit([region({ id: 8n, start: '', end: 'f', version: 2n }), region({ id: 2n, start: 'g', end: '', version: 2n })]),
      InvalidClusterRequestError,
    );
    await assert.rejects(
      cluster.reportBatchSplit([region({ id: 2n, start: '', end: 'f', version: 2n }), region({ id: 2n, start: 'f', end: '', version: 2n })]),
      InvalidClusterRequestError,
    );
  });
});

describe('persistence', () => {
  test('load reproduces stores, regions and the bootstrap flag', async () => {
    const setup = await bootstrapped();
    const { cluster } = setup;
    await cluster.putStore(store(2n, 'b:1', { zone: 'z2' }));
    await cluster.putStore(store(3n, 'c:1'));
    await cluster.setStoreState(3n, metapb.StoreState.Offline);
    mustApply(await cluster.regionHeartbeat(heartbeat(region({ id: 2n, start: '', end: 'k', version: 2n, confVer: 2n, peers: [[3n, 1n], [4n, 2n]] }))));
    mustApply(await cluster.regionHeartbeat(heartbeat(region({ id: 5n, start: 'k', end: '', version: 2n, confVer: 2n, peers: [[6n, 1n], [9n, 2n]] }))));
    cluster.storeHeartbeat(storeStats(2n, 2));

    setup.clock.advance(1_000_000);
    const reloaded = await setup.reload();
    assert.equal(reloaded.isBootstrapped(), true);
    assert.deepEqual(reloaded.clusterMeta, cluster.clusterMeta);
    const storeMeta = (target: BasicCluster) => target.getAllStores(false).map((info) => ({ ...info.meta, lastHeartbeat: 0n }));
    assert.deepEqual(storeMeta(reloaded), storeMeta(cluster));
    assert.equal(reloaded.getStore(3n)?.meta.state, metapb.StoreState.Offline);
    assert.deepEqual(
      reloaded.scanRegions(key(''), key(''), 0).map((info) => info.meta),
      cluster.scanRegions(key(''), key(''), 0).map((info) => info.meta),
    );
    // What is not persisted: leaders, stats, store heartbeats. Stores get a fresh grace period.
    assert.equal(reloaded.getRegionById(2n)?.leader, undefined);
    assert.equal(reloaded.getStore(2n)?.stats, undefined);
    assert.equal(reloaded.storeLiveness(2n), StoreLiveness.up);
    assert.equal(reloaded.storeRegionStats(2n).regionCount, 2);
    reloaded.checkInvariants();
    // Heartbeats continue on the reloaded cluster with the same stale rules.
    const stale = await reloaded.regionHeartbeat(heartbeat(firstRegion()));
    assert.equal(stale.kind, 'stale');
  });

  test('load drops stored regions that a newer one covers, and deletes them', async () => {
    const storage = new MemoryPdStorage();
    const setup = await harness(storage);
    await setup.cluster.bootstrap(store(1n), firstRegion());
    // Simulate a failed delete: a stale entry for a region that region 2 has since absorbed.
    await storage.write([
      { key: regionKey(2n), value: metapb.Region.encode(region({ id: 2n, start: '', end: '', version: 5n, peers: [[3n, 1n]] })).finish() },
      { key: regionKey(7n), value: metapb.Region.encode(region({ id: 7n, start: 'm', end: '', version: 3n, peers: [[8n, 1n]] })).finish() },
    ]);
    const reloaded = await setup.reload();
    assert.deepEqual(regionShapes(reloaded.scanRegions(key(''), key(''), 0)), ['2:[,)v5c1']);
    assert.equal(await storage.get(regionKey(7n)), undefined);
  });

  test('corrupt metadata fails the load with CodecError', async () => {
    const setup = await bootstrapped();
    await setup.storage.write([{ key: regionKey(2n), value: new Uint8Array([0x0a, 0xff]) }]);
    await assert.rejects(setup.reload(), CodecError);
    await setup.storage.write([{ key: regionKey(9n), value: metapb.Region.encode(firstRegion()).finish() }]);
    await setup.storage.write([{ key: regionKey(2n), value: undefined }]);
    await assert.rejects(setup.reload(), CodecError, 'a region stored under another ID');
    const orphan = new MemoryPdStorage();
    await orphan.write([{ key: regionKey(2n), value: metapb.Region.encode(firstRegion()).finish() }]);
    await assert.rejects(harness(orphan), CodecError, 'regions without cluster meta');
  });
});

describe('cluster view', () => {
  test('schedulers read stores, regions and neighbours through ClusterView', async () => {
    const { cluster, clock } = await bootstrapped();
    await cluster.putStore(store(2n));
    mustApply(await cluster.regionHeartbeat(heartbeat(region({ id: 2n, start: '', end: 'g', version: 2n, peers: [[3n, 1n]] }), { sizeBytes: 5n })));
    mustApply(await cluster.regionHeartbeat(heartbeat(region({ id: 7n, start: 'g', end: '', version: 2n, peers: [[8n, 2n]] }), { sizeBytes: 9n })));
    const view: ClusterView = cluster.view();
    assert.equal(view.nowMs, clock.read());
    assert.equal(view.config.maxStoreDownTimeMs, 60_000);
    assert.deepEqual(view.stores().map((info) => info.meta.id), [1n, 2n]);
    assert.deepEqual(view.regions().map((info) => info.meta.id), [2n, 7n]);
    assert.equal(view.getRegion(7n)?.approximateSizeBytes, 9n);
    assert.equal(view.getStore(2n)?.meta.id, 2n);
    assert.equal(view.getNextRegion(view.getRegion(2n)!.meta)?.meta.id, 7n);
    assert.equal(view.getPrevRegion(view.getRegion(7n)!.meta)?.meta.id, 2n);
    assert.equal(view.getPrevRegion(view.getRegion(2n)!.meta), undefined);
    const live = cluster.view();
    assert.deepEqual(live.storeRegionStats(2n), { regionCount: 1, leaderCount: 1, regionSizeBytes: 9n, leaderSizeBytes: 9n });
    assert.equal(live.getRegionByKey(key('h'))?.meta.id, 7n);
    // The lists a view handed out do not change under it.
    const regions = live.regions();
    mustApply(await cluster.regionHeartbeat(heartbeat(region({ id: 2n, start: '', end: '', version: 3n, peers: [[3n, 1n]] }))));
    assert.equal(regions.length, 2);
    assert.equal(cluster.view().regions().length, 1);
  });
});

describe('errors', () => {
  test('every cluster error carries a kind and a pdpb error type', () => {
    const errors: ClusterError[] = [
      new NotBootstrappedError(),
      new AlreadyBootstrappedError(),
      new StoreNotFoundError(1n),
      new StoreTombstoneError(1n),
      new DuplicateStoreAddressError(1n, 'a', 2n),
      new InvalidStoreStateTransitionError(1n, metapb.StoreState.Up, metapb.StoreState.Tombstone, 'why'),
      new RegionNotFoundError('id 1'),
      new StaleRegionEpochError(1n, { confVer: 1n, version: 1n }, { confVer: 1n, version: 2n }),
      new InvalidClusterRequestError('bad'),
    ];
    assert.equal(new Set(errors.map((error) => error.kind)).size, errors.length);
    assert.deepEqual(
      errors.map((error) => error.errorType),
      [
        ErrorType.NotBootstrapped,
        ErrorType.AlreadyBootstrapped,
        ErrorType.Unknown,
        ErrorType.StoreTombstone,
        ErrorType.Unknown,
        ErrorType.InvalidValue,
        ErrorType.RegionNotFound,
        ErrorType.Unknown,
        ErrorType.InvalidValue,
      ],
    );
  });
});
