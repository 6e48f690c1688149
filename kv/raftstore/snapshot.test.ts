import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createMetricsRegistry, type MetricsRegistry } from '../../common/metrics/index.js';
import { SeededRandom } from '../../common/random.js';
import * as metapb from '../../proto/gen/metapb.js';
import type * as raftCmdpb from '../../proto/gen/raft_cmdpb.js';
import { ColumnFamily } from '../engine/engine.js';
import { decodeSnapshotData, encodeSnapshotData } from './snapshot-data.js';
import { initialRegion, type RaftStore } from './raft-store.js';
import { TestStores, waitFor } from './test-stores.js';

const header = (store: RaftStore) => {
  const region = store.peer(1n)!.region;
  return { regionId: 1n, regionEpoch: region.regionEpoch!, term: 0n, syncLog: true, readQuorum: false, uuid: Buffer.alloc(0) };
};

function put(store: RaftStore, key: string, value: string): Promise<raftCmdpb.RaftCmdResponse> {
  return store.propose({ header: header(store), requests: [{ cmd: { $case: 'put', value: { cf: ColumnFamily.raw, key: Buffer.from(key), value: Buffer.from(value) } } }] });
}

function addPeer(store: RaftStore, peer: metapb.Peer): Promise<raftCmdpb.RaftCmdResponse> {
  return store.propose({ header: header(store), requests: [], adminRequest: { cmd: { $case: 'changePeer', value: { changeType: 0, peer } } } });
}

describe('snapshots: a peer added on a new store starts from the leader\'s snapshot', () => {
  const metrics = new Map<bigint, MetricsRegistry>([1n, 2n].map((storeId) => [storeId, createMetricsRegistry('kv')]));
  const cluster = new TestStores([1n, 2n, 3n], new SeededRandom(17), { metrics });
  after(() => cluster.stopAll());
  const snapshotCount = async (storeId: bigint, event: string) => {
    const line = (await metrics.get(storeId)!.exposition()).split('\n').find((each) => each.startsWith(`tidedb_kv_raftstore_snapshots_total{event="${event}"} `));
    return Number(line?.split(' ')[1] ?? 0);
  };

  test('the snapshot codec round-trips a region and its data', () => {
    const region = initialRegion(4n, [metapb.Peer.create({ id: 5n, storeId: 1n, role: metapb.PeerRole.Voter })]);
    const entries = [
      { cf: ColumnFamily.write, key: Uint8Array.of(1, 2), value: Uint8Array.of(3) },
      { cf: ColumnFamily.raw, key: Uint8Array.of(9), value: new Uint8Array(0) },
    ];
    const decoded = decodeSnapshotData(encodeSnapshotData(region, entries));
    assert.equal(decoded.region.id, 4n);
    assert.deepEqual(decoded.entries, entries);
  });

  test('a region grows from one replica to three through AddNode; the new peers get the data and can lead', async () => {
    const region = initialRegion(1n, [metapb.Peer.create({ id: 11n, storeId: 1n, role: metapb.PeerRole.Voter })]);
    for (const id of [1n, 2n, 3n]) cluster.start(id);
    await cluster.stores.get(1n)!.bootstrapRegion(region);
    const first = await waitFor('store 1 to lead', () => cluster.leaderOf(1n));
    for (let index = 0; index < 30; index++) assert.equal((await put(first, `before-${index}`, `${index}`)).header?.error, undefined);

    assert.equal((await addPeer(first, metapb.Peer.create({ id: 12n, storeId: 2n, role: metapb.PeerRole.Voter }))).header?.error, undefined);
    const engine2 = cluster.engines.get(2n)!;
    await waitFor('store 2 to install the snapshot', () => (engine2.getSync(ColumnFamily.raw, Buffer.from('before-29')) !== undefined ? true : undefined));
    assert.ok((await snapshotCount(1n, 'sent')) >= 1);
    assert.equal(await snapshotCount(2n, 'applied'), 1);
    assert.equal((await put(first, 'after-2', 'x')).header?.error, undefined);
    await waitFor('store 2 to replicate new writes', () => (engine2.getSync(ColumnFamily.raw, Buffer.from('after-2')) !== undefined ? true : undefined));

    assert.equal((await addPeer(first, metapb.Peer.create({ id: 13n, storeId: 3n, role: metapb.PeerRole.Voter }))).header?.error, undefined);
    const engine3 = cluster.engines.get(3n)!;
    await waitFor('store 3 to catch up', () => (engine3.getSync(ColumnFamily.raw, Buffer.from('after-2')) !== undefined ? true : undefined));
    const onStore3 = await waitFor('store 3 to know the whole region', () => (cluster.stores.get(3n)!.peer(1n)?.region.peers.length === 3 ? cluster.stores.get(3n)!.peer(1n)!.region : undefined));
    assert.equal(onStore3.regionEpoch?.confVer, 3n);

    // The original store goes away: the two new peers elect a leader and keep serving.
    cluster.cut.add(1n);
    const successor = await waitFor('a new leader', () => cluster.leaderOf(1n));
    assert.notEqual(successor.storeId, 1n);
    assert.equal((await put(successor, 'after-failover', 'y')).header?.error, undefined);
    for (const id of [2n, 3n]) {
      await waitFor(`store ${id} to apply`, () => (cluster.engines.get(id)!.getSync(ColumnFamily.raw, Buffer.from('after-failover')) !== undefined ? true : undefined));
      assert.equal(Buffer.from(cluster.engines.get(id)!.getSync(ColumnFamily.raw, Buffer.from('before-0'))!).toString(), '0');
    }
  });
});
