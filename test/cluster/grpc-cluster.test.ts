import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { SeededRandom } from '../../common/random.js';
import * as metapb from '../../proto/gen/metapb.js';
import type * as raftCmdpb from '../../proto/gen/raft_cmdpb.js';
import { ColumnFamily } from '../../kv/engine/engine.js';
import { initialRegion, type RaftStore } from '../../kv/raftstore/raft-store.js';
import { waitFor } from '../../kv/raftstore/test-stores.js';
import { GrpcCluster, messageFilters } from './grpc-cluster.js';

const regionId = 1n;

function command(store: RaftStore, body: Omit<raftCmdpb.RaftCmdRequest, 'header'>): Promise<raftCmdpb.RaftCmdResponse> {
  const region = store.peer(regionId)!.region;
  return store.propose({ header: { regionId, regionEpoch: region.regionEpoch!, term: 0n, syncLog: true, readQuorum: false, uuid: Buffer.alloc(0) }, ...body });
}

const put = (store: RaftStore, key: string) => command(store, { requests: [{ cmd: { $case: 'put', value: { cf: ColumnFamily.raw, key: Buffer.from(key), value: Buffer.from(key) } } }] });

/** Resolves with the response, or with 'pending' if none came within `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'pending'> {
  return Promise.race([promise, sleep(ms).then(() => 'pending' as const)]);
}

describe('stores over real gRPC with message filters (the cluster harness)', () => {
  const cluster = new GrpcCluster(new SeededRandom(41));
  after(() => cluster.stopAll());
  const has = (storeId: bigint, key: string) => cluster.engines.get(storeId)?.getSync(ColumnFamily.raw, Buffer.from(key)) !== undefined;

  test('a minority partition cannot commit, the majority elects a leader and can, and healing converges', async () => {
    const peers = [1n, 2n, 3n].map((storeId) => metapb.Peer.create({ id: 10n + storeId, storeId, role: metapb.PeerRole.Voter }));
    for (const id of [1n, 2n, 3n]) await (await cluster.start(id)).bootstrapRegion(initialRegion(regionId, peers));
    const oldLeader = await waitFor('a leader', () => cluster.leaderOf(regionId));
    assert.equal((await put(oldLeader, 'before')).header?.error, undefined);

    const majority = [1n, 2n, 3n].filter((id) => id !== oldLeader.storeId);
    cluster.filters.push(messageFilters.partition([oldLeader.storeId], majority));
    const stranded = put(oldLeader, 'minority');
    // The old leader can only keep it waiting or, once check-quorum demotes it, refuse it.
    const early = await within(stranded, 1_000);
    assert.ok(early === 'pending' || early.header?.error !== undefined, 'the minority side must not commit');
    const newLeader = await waitFor('a majority leader', () => cluster.leaderOf(regionId, majority));
    assert.equal((await put(newLeader, 'majority')).header?.error, undefined);

    cluster.filters.length = 0;
    // The stranded command ends with an error, never a success.
    assert.ok((await stranded).header?.error !== undefined);
    for (const id of [1n, 2n, 3n]) await waitFor(`store ${id} to converge`, () => (has(id, 'majority') && has(id, 'before') ? true : undefined));
    for (const id of [1n, 2n, 3n]) assert.equal(has(id, 'minority'), false, `store ${id} applied an uncommitted write`);
  });

  test('a new store behind a snapshot-dropping link stays empty; once the link heals it catches up', async () => {
    // Counted, so the test knows snapshots were really offered and dropped.
    const dropSnapshots = messageFilters.dropSnapshots();
    let dropped = 0;
    cluster.filters.push((from, to, message) => {
      const fate = dropSnapshots(from, to, message);
      if (fate === 'drop') dropped++;
      return fate;
    });
    await cluster.start(4n);
    const leader = await waitFor('a leader', () => cluster.leaderOf(regionId));
    assert.equal((await command(leader, { requests: [], adminRequest: { cmd: { $case: 'changePeer', value: { changeType: 2, peer: metapb.Peer.create({ id: 14n, storeId: 4n, role: metapb.PeerRole.Learner }) } } } })).header?.error, undefined);
    await sleep(500);
    assert.equal(has(4n, 'before'), false, 'no snapshot may have arrived');
    await waitFor('a snapshot to be offered to store 4 and dropped', () => (dropped > 0 ? true : undefined));

    cluster.filters.length = 0;
    await waitFor('store 4 to install the snapshot', () => (has(4n, 'before') && has(4n, 'majority') ? true : undefined));
  });

  test('delayed messages slow a follower down but lose nothing; a restarted store catches up from its engine', async () => {
    const leader = await waitFor('a leader', () => cluster.leaderOf(regionId));
    const follower = [1n, 2n, 3n].find((id) => id !== leader.storeId)!;
    cluster.filters.push(messageFilters.delayTo(follower, 50));
    for (let index = 0; index < 10; index++) assert.equal((await put(leader, `slow${index}`)).header?.error, undefined);
    await waitFor('the delayed follower to apply', () => (has(follower, 'slow9') ? true : undefined));
    cluster.filters.length = 0;

    await cluster.stop(follower);
    assert.equal((await put(leader, 'while-down')).header?.error, undefined);
    await cluster.start(follower);
    await waitFor('the restarted store to catch up', () => (has(follower, 'while-down') ? true : undefined));
    for (let index = 0; index < 10; index++) assert.ok(has(follower, `slow${index}`));
  });

  test('every store restarted at once comes back with all its data, and the region serves writes again', async () => {
    const ids = [...cluster.stores.keys()];
    for (const id of ids) await cluster.stop(id);
    for (const id of ids) await cluster.start(id);
    const leader = await waitFor('a leader after the full restart', () => cluster.leaderOf(regionId));
    assert.equal((await put(leader, 'after-restart')).header?.error, undefined);
    for (const id of ids) {
      await waitFor(`store ${id} to apply after the restart`, () => (has(id, 'after-restart') ? true : undefined));
      for (const key of ['before', 'majority', 'while-down', 'slow9']) assert.ok(has(id, key), `store ${id} lost ${key}`);
    }
  });

  test('a region holding more than one gRPC message can carry (6 MiB) reaches a new store as a snapshot streamed in chunks', async () => {
    const leader = await waitFor('a leader', () => cluster.leaderOf(regionId));
    const value = (index: number) => Buffer.alloc(64 * 1024, index);
    const writes: Array<Promise<raftCmdpb.RaftCmdResponse>> = [];
    for (let index = 0; index < 96; index++) {
      writes.push(command(leader, { requests: [{ cmd: { $case: 'put', value: { cf: ColumnFamily.raw, key: Buffer.from(`big${index}`), value: value(index) } } }] }));
    }
    for (const response of await Promise.all(writes)) assert.equal(response.header?.error, undefined);

    await cluster.start(5n);
    const learner = metapb.Peer.create({ id: 15n, storeId: 5n, role: metapb.PeerRole.Learner });
    assert.equal((await command(leader, { requests: [], adminRequest: { cmd: { $case: 'changePeer', value: { changeType: 2, peer: learner } } } })).header?.error, undefined);
    await waitFor('store 5 to install the snapshot', () => (has(5n, 'big95') ? true : undefined), 20_000);
    const engine = cluster.engines.get(5n)!;
    for (let index = 0; index < 96; index++) {
      assert.ok(Buffer.from(engine.getSync(ColumnFamily.raw, Buffer.from(`big${index}`))!).equals(value(index)), `big${index} arrived damaged`);
    }
    assert.ok(has(5n, 'after-restart'));
  });
});
