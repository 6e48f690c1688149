import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { credentials } from '@grpc/grpc-js';
import * as kvrpcpb from '../../proto/gen/kvrpcpb.js';
import * as tikvpb from '../../proto/gen/tikvpb.js';
import { leaderContext, pdRegions, startTestProcessCluster, type TestProcessCluster, waitForHealthyCluster } from './process-cluster.js';
import { freePort } from '../../common/free-port.js';

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

describe('a local cluster of real processes (what npm start runs)', () => {
  let running: TestProcessCluster | undefined;
  after(() => running?.dispose());

  test('1 PD + 3 KV stores: every region reaches 3 replicas with a leader, serves raw KV and pessimistic lock waits, and all stop with exit 0', async (t) => {
    running = await startTestProcessCluster();
    const { cluster, ports } = running;
    const health = await waitForHealthyCluster(ports, 3, 60_000);
    assert.equal(health.stores, 3);

    // Talk to the region's leader store directly over the KV service.
    const { address, context } = await leaderContext(ports, (await pdRegions(ports))[0]!);
    const client = new tikvpb.TikvClient(address, credentials.createInsecure());
    try {
      const put = await new Promise<kvrpcpb.RawPutResponse>((resolve, reject) =>
        client.rawPut(kvrpcpb.RawPutRequest.create({ context, key: Buffer.from('hello'), value: Buffer.from('world') }), (error, response) => (error === null ? resolve(response) : reject(error))),
      );
      assert.equal(put.regionError, undefined);
      assert.equal(put.error, '');
      const got = await new Promise<kvrpcpb.RawGetResponse>((resolve, reject) =>
        client.rawGet(kvrpcpb.RawGetRequest.create({ context, key: Buffer.from('hello') }), (error, response) => (error === null ? resolve(response) : reject(error))),
      );
      assert.equal(got.value.toString(), 'world');

      // SplitRegion over the wire: raw keys split as themselves, with ids from PD.
      const split = await new Promise<kvrpcpb.SplitRegionResponse>((resolve, reject) =>
        client.splitRegion(kvrpcpb.SplitRegionRequest.create({ context, splitKeys: [Buffer.from('m')], isRawKv: true }), (error, response) => (error === null ? resolve(response) : reject(error))),
      );
      assert.equal(split.regionError, undefined);
      assert.deepEqual(split.regions.map((region) => [region.startKey.toString(), region.endKey.toString()]), [['', 'm'], ['m', '']]);
    } finally {
      client.close();
    }

    // Two transactions locking keys of the two regions in opposite orders: the cluster's
    // one deadlock detector (the leader store of the first region) sees the cycle,
    // whichever stores lead the regions.
    // PD's leader balancing moves one of the two leaders off the store that split them;
    // wait for that, so no leader moves mid-test (the detector's graph moves with the
    // first region's leader) and the waits ask the detector across stores.
    const regions = await waitFor('the two regions to be led by different stores', async () => {
      const listed = await pdRegions(ports);
      return listed.length === 2 && listed[0]!.leader !== null && listed[1]!.leader !== null && listed[0]!.leader.storeId !== listed[1]!.leader.storeId ? listed : undefined;
    });
    t.diagnostic(`first region led by store ${regions[0]!.leader!.storeId}, second by store ${regions[1]!.leader!.storeId}`);
    /** Like a client: to the leader PD names, again with fresh routing after a region error. */
    const lock = async (regionIndex: number, name: string, startVersion: bigint, isFirstLock: boolean) => {
      for (let attempt = 0; ; attempt++) {
        const { address, context } = await leaderContext(ports, (await pdRegions(ports))[regionIndex]!);
        const regionClient = new tikvpb.TikvClient(address, credentials.createInsecure());
        try {
          const response = await new Promise<kvrpcpb.PessimisticLockResponse>((resolve, reject) =>
            regionClient.kvPessimisticLock(
              kvrpcpb.PessimisticLockRequest.create({
                context,
                mutations: [{ op: kvrpcpb.Op.PessimisticLock, key: Buffer.from(name) }],
                primaryLock: Buffer.from(name),
                startVersion,
                forUpdateTs: startVersion,
                lockTtl: 20_000n,
                waitTimeoutMs: 20_000n,
                isFirstLock,
              }),
              (error, answer) => (error === null ? resolve(answer) : reject(error)),
            ),
          );
          if (response.regionError === undefined || attempt >= 20) return response;
        } finally {
          regionClient.close();
        }
        await sleep(200);
      }
    };
    // Transactional keys route by their encoding: "a" falls before the split key "m", "z" after.
    assert.deepEqual((await lock(0, 'a', 100n, true)).errors, []);
    assert.deepEqual((await lock(1, 'z', 200n, true)).errors, []);
    // 100 waits for 200's lock on "z" and 200 for 100's on "a": whichever wait reaches the
    // detector second closes the cycle and is refused at once; the other waits until the
    // refused txn gives its lock up, then takes the key.
    const waits = [
      { txn: 100n, other: 200n, regionIndex: 0, heldKey: 'a', answer: lock(1, 'z', 100n, false) },
      { txn: 200n, other: 100n, regionIndex: 1, heldKey: 'z', answer: lock(0, 'a', 200n, false) },
    ];
    const first = await Promise.race(waits.map((wait) => wait.answer.then(() => wait)));
    const refused = await first.answer;
    assert.equal(refused.regionError, undefined);
    assert.equal(refused.errors[0]?.deadlock?.lockTs, first.other, `txn ${first.txn} answered first, and not with a deadlock: ${JSON.stringify(refused.errors[0], (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value))}`);
    {
      const { address, context } = await leaderContext(ports, (await pdRegions(ports))[first.regionIndex]!);
      const heldClient = new tikvpb.TikvClient(address, credentials.createInsecure());
      try {
        const rolledBack = await new Promise<kvrpcpb.PessimisticRollbackResponse>((resolve, reject) =>
          heldClient.kvPessimisticRollback(kvrpcpb.PessimisticRollbackRequest.create({ context, startVersion: first.txn, forUpdateTs: first.txn, keys: [Buffer.from(first.heldKey)] }), (error, response) => (error === null ? resolve(response) : reject(error))),
        );
        assert.equal(rolledBack.regionError, undefined);
      } finally {
        heldClient.close();
      }
    }
    const tookIt = await waits.find((wait) => wait !== first)!.answer;
    assert.equal(tookIt.regionError, undefined);
    assert.deepEqual(tookIt.errors, []);

    // The leader store's metrics count the requests and the Raft loop's work.
    const leaderStatusPort = ports.kvStatus[ports.kv.findIndex((port) => address.endsWith(`:${port}`))]!;
    const metrics = await (await fetch(`http://127.0.0.1:${leaderStatusPort}/metrics`)).text();
    assert.match(metrics, /tidedb_kv_requests_total\{type="rawPut",outcome="ok"\} 1/);
    assert.match(metrics, /tidedb_kv_raftstore_regions_count\{role="leader"\} [1-9]/);
    assert.match(metrics, /tidedb_kv_raftstore_write_duration_seconds_count [1-9]/);

    assert.deepEqual(await cluster.stop(), [0, 0, 0, 0]);
  });
});

// In the same file as the test above so the two process clusters never run at once: on
// 2 cores, two clusters with fast ticks starve each other into election churn.
describe('scaling a process cluster out and in', () => {
  let running: TestProcessCluster | undefined;
  after(() => running?.dispose());

  test('a 4th store joins and PD moves replicas and leaders onto it; a drained store is emptied; every region keeps 3 replicas', async () => {
    running = await startTestProcessCluster();
    const { cluster, ports } = running;
    await waitForHealthyCluster(ports, 3, 60_000);

    // Six regions to spread, made with SplitRegion on the bootstrap region's leader.
    const { address, context } = await leaderContext(ports, (await pdRegions(ports))[0]!);
    const client = new tikvpb.TikvClient(address, credentials.createInsecure());
    try {
      const split = await new Promise<kvrpcpb.SplitRegionResponse>((resolve, reject) =>
        client.splitRegion(kvrpcpb.SplitRegionRequest.create({ context, splitKeys: ['b', 'd', 'f', 'h', 'j'].map((key) => Buffer.from(key)), isRawKv: true }), (error, response) =>
          error === null ? resolve(response) : reject(error),
        ),
      );
      assert.equal(split.regionError, undefined);
      assert.equal(split.regions.length, 6);
    } finally {
      client.close();
    }

    const storeIds = async () => ((await (await fetch(`http://127.0.0.1:${ports.pdStatus}/pd/api/v1/stores`)).json()) as { stores: Array<{ store: { id: string } }> }).stores.map((entry) => entry.store.id);
    const original = await storeIds();
    assert.equal(original.length, 3);
    cluster.addStore(await freePort(), await freePort());
    const deadline = Date.now() + 90_000;
    let onNewStore = { peers: 0, leaders: 0 };
    for (;;) {
      const regions = await pdRegions(ports);
      const newStoreId = (await storeIds()).find((id) => !original.includes(id));
      onNewStore = {
        peers: regions.filter((region) => region.peers.some((peer) => peer.storeId === newStoreId)).length,
        leaders: regions.filter((region) => region.leader?.storeId === newStoreId).length,
      };
      const allThree = regions.length === 6 && regions.every((region) => region.peers.filter((peer) => peer.role === 0).length === 3 && region.leader !== null);
      if (onNewStore.peers >= 2 && onNewStore.leaders >= 1 && allThree) break;
      if (Date.now() > deadline) assert.fail(`after 90 s the new store holds ${onNewStore.peers} replica(s) and ${onNewStore.leaders} leader(s); regions: ${JSON.stringify(regions)}`);
      await sleep(500);
    }

    // Draining one of the original stores: PD moves its replicas elsewhere, none is lost.
    const drained = original[0]!;
    const replicasOn = async (storeId: string) => (await pdRegions(ports)).filter((region) => region.peers.some((peer) => peer.storeId === storeId)).length;
    assert.ok((await replicasOn(drained)) > 0, 'the store to drain holds replicas');
    const post = await fetch(`http://127.0.0.1:${ports.pdStatus}/pd/api/v1/stores/state`, { method: 'POST', body: JSON.stringify({ storeId: drained, state: 'Offline' }) });
    assert.equal(post.status, 200);
    const drainDeadline = Date.now() + 90_000;
    for (;;) {
      const regions = await pdRegions(ports);
      const left = await replicasOn(drained);
      const healthy = regions.length === 6 && regions.every((region) => region.peers.filter((peer) => peer.role === 0).length === 3 && region.leader !== null);
      if (left === 0 && healthy) break;
      if (Date.now() > drainDeadline) assert.fail(`after 90 s the drained store still holds ${left} replica(s); regions: ${JSON.stringify(regions)}`);
      await sleep(500);
    }

    assert.deepEqual(await cluster.stop(), [0, 0, 0, 0, 0]);
  });
});
