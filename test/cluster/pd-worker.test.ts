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
import { ColumnFamily } from '../../kv/engine/engine.js';

describe('stores report to a real tide-pd and carry out its operators', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  /** A real tide-pd in a temporary data dir, and a client of it; both stop after the suite. */
  async function startPd(schedule: Record<string, unknown> = {}): Promise<{ pd: PdServer; client: PdClient }> {
    const dataDir = await mkdtemp(join(tmpdir(), 'tidedb-cluster-pd-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const config = pdConfigSchema.parse({ name: 'pd', dataDir, clientUrls: '127.0.0.1:0', peerUrls: '127.0.0.1:0', statusUrls: '127.0.0.1:0', raft: { tickIntervalMs: '20ms' }, schedule });
    const pd = await PdServer.start(config, createLogger({ component: 'pd', level: 'silent' }));
    cleanups.push(() => pd.stop());
    const client = await PdClient.connect([`127.0.0.1:${pd.clientPort}`], { timeoutMs: 10_000 });
    cleanups.push(async () => client.close());
    return { pd, client };
  }

  test('heartbeats make PD route the region to its leader; TransferLeader and RemovePeer steps take effect', async () => {
    const { client } = await startPd();

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
    // PD sends a step again with every heartbeat until it takes effect; the leader may
    // refuse one while it has not heard from the target lately.
    for (let attempt = 0; attempt < 50 && cluster.leaderOf(2n)?.storeId !== target.storeId; attempt++) {
      const current = cluster.leaderOf(2n);
      if (current !== undefined) await workers.get(current.storeId)!.handleResponse({ regionId: 2n, regionEpoch: epoch(), transferLeader: { peer: target, peers: [] } });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
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

  test('region heartbeats carry the written flow, the keys, and the pending and down peers', async () => {
    // Four replicas wanted: PD adds one on store 4, the store this test cuts off.
    const { pd, client } = await startPd({ maxReplicas: 4, intervalMs: '100ms' });
    const storeMeta = (id: bigint) => metapb.Store.create({ id, address: `127.0.0.1:${20_000 + Number(id)}`, state: metapb.StoreState.Up });
    const peers = [1n, 2n, 3n].map((storeId) => metapb.Peer.create({ id: 200n + storeId, storeId, role: metapb.PeerRole.Voter }));
    // As above: PD bootstraps with one replica, the stores run the region with three.
    await client.bootstrap(storeMeta(1n), initialRegion(7n, [peers[0]!]));
    const region = { ...initialRegion(7n, peers), regionEpoch: { confVer: 3n, version: 1n } };
    for (const id of [2n, 3n, 4n]) await client.putStore(storeMeta(id));

    // Slower ticks than usual (a 1 s election timeout): a down peer shows only after the
    // leader has been stable for peerDownAfterMs, which a loaded machine must not prevent.
    const cluster = new TestStores([1n, 2n, 3n, 4n], new SeededRandom(33), { tickIntervalMs: 100 });
    cleanups.push(() => cluster.stopAll());
    for (const id of [1n, 2n, 3n, 4n]) {
      const store = cluster.start(id);
      if (id !== 4n) await store.bootstrapRegion(region);
      const worker = new PdWorker({ store, engine: cluster.engines.get(id)!, pd: client, meta: storeMeta(id), storeHeartbeatIntervalMs: 100, regionHeartbeatIntervalMs: 100, splitCheckIntervalMs: 100, splitCheckDiffBytes: 1000, peerDownAfterMs: 300 });
      cleanups.push(async () => worker.stop());
      await worker.start();
    }
    cluster.cut.add(4n);
    const leader = await waitFor('a leader', () => cluster.leaderOf(7n));
    const regionJson = async () => {
      const listed = (await (await fetch(`http://127.0.0.1:${pd.statusPort}/pd/api/v1/regions`)).json()) as { regions: Array<Record<string, unknown> & { id: string }> };
      return listed.regions.find((each) => each.id === '7') as
        | { writtenBytes: string; writtenKeys: string; approximateKeys: string; downPeers: Array<{ id: string }>; pendingPeers: Array<{ id: string; storeId: string }> }
        | undefined;
    };
    // Time-boxed generously: on a loaded machine elections with 20 ms ticks come often, and a
    // new leader starts every peer's silence afresh.
    const until = async <T>(what: string, probe: (json: NonNullable<Awaited<ReturnType<typeof regionJson>>>) => T | undefined): Promise<T> => {
      const deadline = Date.now() + 30_000;
      let last: unknown;
      while (Date.now() < deadline) {
        const json = await regionJson();
        last = json;
        const value = json === undefined ? undefined : probe(json);
        if (value !== undefined) return value;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`timed out waiting for PD to show ${what}; PD's last view: ${JSON.stringify(last)}`);
    };
    const header = () => ({ regionId: 7n, regionEpoch: leader.peer(7n)!.region.regionEpoch!, term: 0n, syncLog: true, readQuorum: false, uuid: Buffer.alloc(0) });

    // Writes keep coming while PD is watched, so every heartbeat interval has some.
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        await leader.propose({ header: header(), requests: [{ cmd: { $case: 'put', value: { cf: ColumnFamily.raw, key: Buffer.from(`flow${written}`), value: Buffer.alloc(100) } } }] });
        written++;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    try {
      await until('written flow', (json) => (Number(json.writtenKeys) > 0 && Number(json.writtenBytes) >= 100 * Number(json.writtenKeys) ? json : undefined));
      await until('the keys the split checker counted', (json) => (Number(json.approximateKeys) > 0 ? true : undefined));
    } finally {
      writing = false;
      await writer;
    }
    // A heartbeat reports its interval's writes, not the total so far: with the writer
    // stopped, the flow PD shows drops to nothing.
    await until('no flow once the writes stop', (json) => (json.writtenKeys === '0' && json.writtenBytes === '0' ? true : undefined));

    // PD adds the 4th replica on store 4, which Raft cannot reach (cut from the start): it
    // needs a snapshot it never gets (pending), and it never answers (down).
    const added = await until('a peer on store 4 pending', (json) => json.pendingPeers.find((peer) => peer.storeId === '4'));
    // (`until` returns only once PD lists the peer as down.)
    await until('that peer down', (json) => json.downPeers.find((peer) => peer.id === added.id));
    // A follower that keeps answering is neither.
    const json = await regionJson();
    for (const member of peers) {
      assert.equal(json?.pendingPeers.some((peer) => peer.id === member.id.toString()), false);
      assert.equal(json?.downPeers.some((peer) => peer.id === member.id.toString()), false);
    }
  });
});
