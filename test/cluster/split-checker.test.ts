import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../common/log/index.js';
import { SeededRandom } from '../../common/random.js';
import { ColumnFamily } from '../../kv/engine/engine.js';
import { PdWorker } from '../../kv/raftstore/pd-worker.js';
import { initialRegion } from '../../kv/raftstore/raft-store.js';
import { TestStores, waitFor } from '../../kv/raftstore/test-stores.js';
import { PdClient } from '../../pd/client/pd-client.js';
import { pdConfigSchema } from '../../pd/server/config.js';
import { PdServer } from '../../pd/server/pd-server.js';
import * as metapb from '../../proto/gen/metapb.js';

describe('the split checker splits a region that outgrows the limit, through PD', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  test('writes past the size limit split the region; PD routes both halves; no key is lost', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tidedb-split-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const pd = await PdServer.start(
      pdConfigSchema.parse({ name: 'pd', dataDir, clientUrls: '127.0.0.1:0', peerUrls: '127.0.0.1:0', statusUrls: '127.0.0.1:0', raft: { tickIntervalMs: '20ms' } }),
      createLogger({ component: 'pd', level: 'silent' }),
    );
    cleanups.push(() => pd.stop());
    const client = await PdClient.connect([`127.0.0.1:${pd.clientPort}`], { timeoutMs: 10_000 });
    cleanups.push(async () => client.close());
    const storeMeta = (id: bigint) => metapb.Store.create({ id, address: `127.0.0.1:${20_000 + Number(id)}`, state: metapb.StoreState.Up });
    const peers = [1n, 2n, 3n].map((storeId) => metapb.Peer.create({ id: 100n + storeId, storeId, role: metapb.PeerRole.Voter }));
    await client.bootstrap(storeMeta(1n), initialRegion(2n, [peers[0]!]));
    await client.putStore(storeMeta(2n));
    await client.putStore(storeMeta(3n));
    const region = { ...initialRegion(2n, peers), regionEpoch: { confVer: 3n, version: 1n } };

    const cluster = new TestStores([1n, 2n, 3n], new SeededRandom(29));
    cleanups.push(() => cluster.stopAll());
    const workers: PdWorker[] = [];
    for (const id of [1n, 2n, 3n]) {
      const store = cluster.start(id);
      await store.bootstrapRegion(region);
      const worker = new PdWorker({
        store,
        engine: cluster.engines.get(id)!,
        pd: client,
        meta: storeMeta(id),
        storeHeartbeatIntervalMs: 100,
        regionHeartbeatIntervalMs: 100,
        regionMaxSizeBytes: 4_096,
        splitCheckDiffBytes: 512,
        splitCheckIntervalMs: 50,
      });
      workers.push(worker);
      cleanups.push(async () => worker.stop());
      await worker.start();
    }
    const leader = await waitFor('a leader', () => cluster.leaderOf(2n));
    const keys: string[] = [];
    for (let index = 0; index < 80; index++) {
      const key = `k${String(index).padStart(3, '0')}`;
      const current = cluster.leaderOf(2n) ?? leader;
      const target = current.peer(2n)!.region;
      // Keys past the left region's end belong to the new region: write them there.
      const owner = target.endKey.length > 0 && Buffer.compare(Buffer.from(key), target.endKey) >= 0 ? undefined : current;
      if (owner === undefined) break;
      const response = await owner.propose({
        header: { regionId: 2n, regionEpoch: target.regionEpoch!, term: 0n, syncLog: true, readQuorum: false, uuid: Buffer.alloc(0) },
        requests: [{ cmd: { $case: 'put', value: { cf: ColumnFamily.raw, key: Buffer.from(key), value: Buffer.alloc(100, 120) } } }],
      });
      if (response.header?.error === undefined) keys.push(key);
    }
    // PD learns of the split and routes keys on both sides to different regions.
    let routes = await client.scanRegions(new Uint8Array(0), new Uint8Array(0), 10);
    for (let attempt = 0; attempt < 100 && routes.length < 2; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      routes = await client.scanRegions(new Uint8Array(0), new Uint8Array(0), 10);
    }
    assert.ok(routes.length >= 2, `PD knows ${routes.length} region(s)`);
    assert.ok(workers.reduce((sum, worker) => sum + worker.splits, 0) >= 1);
    const [first, second] = routes;
    assert.deepEqual(first!.region.endKey, second!.region.startKey);
    const lastKey = keys[keys.length - 1]!;
    for (const [id, engine] of cluster.engines) {
      await waitFor(`store ${id} to apply`, () => (engine.getSync(ColumnFamily.raw, Buffer.from(lastKey)) !== undefined ? true : undefined));
      for (const key of keys) assert.ok(engine.getSync(ColumnFamily.raw, Buffer.from(key)) !== undefined, `store ${id} lost ${key}`);
    }
    for (const store of cluster.stores.values()) assert.ok(store.regions().length >= 2, `store ${store.storeId} hosts ${store.regions().length} region(s)`);

    // The SplitRegion path: the leader splits the first region at a key of our choosing.
    const firstRegionLeader = await waitFor('a leader of the first region', () => cluster.leaderOf(first!.region.id));
    const worker = workers[[...cluster.stores.keys()].indexOf(firstRegionLeader.storeId)]!;
    const left = firstRegionLeader.peer(first!.region.id)!.region;
    const splitAt = Buffer.from('k005');
    const follower = [...cluster.stores.values()].find((store) => store !== firstRegionLeader && store.peer(left.id) !== undefined)!;
    const followerWorker = workers[[...cluster.stores.keys()].indexOf(follower.storeId)]!;
    assert.ok((await followerWorker.splitRegion(left.id, left.regionEpoch, [splitAt])).regionError?.notLeader !== undefined);
    assert.ok((await worker.splitRegion(left.id, { confVer: 3n, version: 0n }, [splitAt])).regionError?.epochNotMatch !== undefined);
    assert.ok((await worker.splitRegion(left.id, left.regionEpoch, [Buffer.from('zzz')])).regionError?.keyNotInRegion !== undefined);
    const split = await worker.splitRegion(left.id, left.regionEpoch, [splitAt]);
    assert.equal(split.regionError, undefined);
    assert.deepEqual(split.regions.map((region) => Buffer.from(region.endKey).toString()), ['k005', Buffer.from(left.endKey).toString()]);
    let afterSplit = await client.scanRegions(new Uint8Array(0), new Uint8Array(0), 10);
    for (let attempt = 0; attempt < 100 && afterSplit.length < routes.length + 1; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      afterSplit = await client.scanRegions(new Uint8Array(0), new Uint8Array(0), 10);
    }
    assert.deepEqual(Buffer.from(afterSplit[0]!.region.endKey).toString(), 'k005');
    for (const key of keys) assert.ok(cluster.engines.get(1n)!.getSync(ColumnFamily.raw, Buffer.from(key)) !== undefined, `lost ${key}`);
  });
});
