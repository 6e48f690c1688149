import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../common/log/index.js';
import { SeededRandom } from '../../common/random.js';
import { PdWorker } from '../../kv/raftstore/pd-worker.js';
import { initialRegion } from '../../kv/raftstore/raft-store.js';
import { TestStores, waitFor } from '../../kv/raftstore/test-stores.js';
import { PdClient } from '../../pd/client/pd-client.js';
import { pdConfigSchema } from '../../pd/server/config.js';
import { PdServer } from '../../pd/server/pd-server.js';
import * as metapb from '../../proto/gen/metapb.js';

describe('stores report to a real tide-pd and carry out its operators', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  test('heartbeats make PD route the region to its leader; TransferLeader and RemovePeer steps take effect', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tidedb-cluster-pd-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const config = pdConfigSchema.parse({ name: 'pd', dataDir, clientUrls: '127.0.0.1:0', peerUrls: '127.0.0.1:0', statusUrls: '127.0.0.1:0', raft: { tickIntervalMs: '20ms' } });
    const pd = await PdServer.start(config, createLogger({ component: 'pd', level: 'silent' }));
    cleanups.push(() => pd.stop());
    const client = await PdClient.connect([`127.0.0.1:${pd.clientPort}`], { timeoutMs: 10_000 });
    cleanups.push(async () => client.close());

    const storeMeta = (id: bigint) => metapb.Store.create({ id, address: `127.0.0.1:${20_000 + Number(id)}`, state: metapb.StoreState.Up });
    // PD bootstraps with one replica; the stores run the region as it is after two
    // AddNode steps (conf version 3), which their heartbeats then report.
    const peers = [1n, 2n, 3n].map((storeId) => metapb.Peer.create({ id: 100n + storeId, storeId, role: metapb.PeerRole.Voter }));
    await client.bootstrap(storeMeta(1n), { ...initialRegion(2n, [peers[0]!]) });
    const region = { ...initialRegion(2n, peers), regionEpoch: { confVer: 3n, version: 1n } };
    await client.putStore(storeMeta(2n));
    await client.putStore(storeMeta(3n));

    const cluster = new TestStores([1n, 2n, 3n], new SeededRandom(21));
    cleanups.push(() => cluster.stopAll());
    const workers = new Map<bigint, PdWorker>();
    for (const id of [1n, 2n, 3n]) {
      const store = cluster.start(id);
      await store.bootstrapRegion(region);
      const worker = new PdWorker({ store, engine: cluster.engines.get(id)!, pd: client, meta: storeMeta(id), storeHeartbeatIntervalMs: 100, regionHeartbeatIntervalMs: 100 });
      workers.set(id, worker);
      cleanups.push(async () => worker.stop());
      await worker.start();
    }
    const leader = await waitFor('a leader', () => cluster.leaderOf(2n));
    // PD learns the leader from the region heartbeats.
    let route = await client.getRegion(new Uint8Array(0));
    for (let attempt = 0; attempt < 100 && route?.leader?.storeId !== leader.storeId; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      route = await client.getRegion(new Uint8Array(0));
    }
    assert.equal(route?.leader?.storeId, leader.storeId);

    // PD's operator steps, as a heartbeat response would carry them.
    const target = region.peers.find((peer) => peer.storeId !== leader.storeId)!;
    const epoch = () => cluster.stores.get(leader.storeId)!.peer(2n)!.region.regionEpoch!;
    await workers.get(leader.storeId)!.handleResponse({ regionId: 2n, regionEpoch: epoch(), transferLeader: { peer: target, peers: [] } });
    const newLeader = await waitFor('the transfer', () => (cluster.leaderOf(2n)?.storeId === target.storeId ? cluster.leaderOf(2n) : undefined));
    const removed = region.peers.find((peer) => peer.storeId !== target.storeId)!;
    const epochNow = newLeader.peer(2n)!.region.regionEpoch!;
    await workers.get(newLeader.storeId)!.handleResponse({ regionId: 2n, regionEpoch: epochNow, changePeer: { peer: removed, changeType: 1 } });
    for (let attempt = 0; attempt < 100; attempt++) {
      route = await client.getRegion(new Uint8Array(0));
      if (route?.region.peers.length === 2) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.deepEqual(route?.region.peers.map((peer) => peer.storeId).sort(), region.peers.filter((peer) => peer.id !== removed.id).map((peer) => peer.storeId).sort());
    assert.equal(route?.region.regionEpoch?.confVer, 4n);
    // A step planned against an old epoch is skipped.
    const before = workers.get(newLeader.storeId)!.stepsExecuted;
    await workers.get(newLeader.storeId)!.handleResponse({ regionId: 2n, regionEpoch: epochNow, transferLeader: { peer: removed, peers: [] } });
    assert.equal(workers.get(newLeader.storeId)!.stepsExecuted, before);
  });
});
