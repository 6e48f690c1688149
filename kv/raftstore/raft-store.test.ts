import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createMetricsRegistry } from '../../common/metrics/index.js';
import { SeededRandom } from '../../common/random.js';
import * as metapb from '../../proto/gen/metapb.js';
import type * as raftCmdpb from '../../proto/gen/raft_cmdpb.js';
import { ColumnFamily } from '../engine/engine.js';
import { RegionError } from './region-errors.js';
import { initialRegion, type RaftStore } from './raft-store.js';
import { maxRaftEntryBytes } from './region-peer.js';
import { TestStores, waitFor } from './test-stores.js';

const text = (value: Uint8Array | undefined) => (value === undefined ? undefined : new TextDecoder().decode(value));
const bytes = (value: string) => Buffer.from(value);

function putCommand(region: metapb.Region, key: string, value: string): raftCmdpb.RaftCmdRequest {
  return {
    header: { regionId: region.id, regionEpoch: region.regionEpoch!, term: 0n, syncLog: true, readQuorum: false, uuid: Buffer.alloc(0) },
    requests: [{ cmd: { $case: 'put', value: { cf: ColumnFamily.default, key: bytes(key), value: bytes(value) } } }],
  };
}

describe('RaftStore: three stores, one region', () => {
  const store1Metrics = createMetricsRegistry('kv');
  const cluster = new TestStores([1n, 2n, 3n], new SeededRandom(3), { metrics: new Map([[1n, store1Metrics]]) });
  const engines = cluster.engines;
  const stores = cluster.stores;
  const region = initialRegion(1n, [1n, 2n, 3n].map((storeId) => metapb.Peer.create({ id: 10n + storeId, storeId, role: metapb.PeerRole.Voter })));
  const startStore = (storeId: bigint): RaftStore => cluster.start(storeId);
  after(() => cluster.stopAll());

  const leaderStore = () => cluster.leaderOf(1n);

  test('elects a leader, replicates writes to every store, and rejects bad commands with region errors', async () => {
    for (const storeId of [1n, 2n, 3n]) await startStore(storeId).bootstrapRegion(region);
    const leader = await waitFor('a leader', leaderStore);
    const response = await leader.propose(putCommand(region, 'k1', 'v1'));
    assert.equal(response.header?.error, undefined);
    for (const [storeId, engine] of engines) await waitFor(`store ${storeId} to apply`, () => (engine.getSync(ColumnFamily.default, bytes('k1')) !== undefined ? true : undefined));

    const follower = [...stores.values()].find((store) => store !== leader)!;
    const refused = await follower.propose(putCommand(region, 'k2', 'v2'));
    assert.equal(refused.header?.error?.notLeader?.leader?.storeId, leader.storeId);

    const stale = await leader.propose(putCommand({ ...region, regionEpoch: { confVer: 1n, version: 0n } }, 'k3', 'v3'));
    assert.ok(stale.header?.error?.epochNotMatch !== undefined);
    assert.equal((await stores.get(1n)!.propose({ ...putCommand(region, 'k', 'v'), header: { ...putCommand(region, 'k', 'v').header!, regionId: 99n } })).header?.error?.regionNotFound?.regionId, 99n);

    // A command too large for one Raft entry is refused whole; the region goes on serving.
    const huge = putCommand(region, 'huge', 'x'.repeat(maxRaftEntryBytes + 1));
    const tooLarge = await leader.propose(huge);
    assert.equal(tooLarge.header?.error?.raftEntryTooLarge?.regionId, 1n);
    assert.ok(Number(tooLarge.header.error.raftEntryTooLarge.entrySize) > maxRaftEntryBytes);
    assert.equal(engines.get(leader.storeId)!.getSync(ColumnFamily.default, bytes('huge')), undefined);

    await leader.readBarrier(1n, region.regionEpoch);
    await assert.rejects(follower.readBarrier(1n, region.regionEpoch), (error: unknown) => error instanceof RegionError && error.error.notLeader !== undefined);

    await stores.get(1n)!.propose(putCommand(region, 'counted', 'v'));
    const exposition = await store1Metrics.exposition();
    const sample = (series: string) => Number(exposition.split('\n').find((line) => line.startsWith(`${series} `))?.slice(series.length + 1));
    assert.equal(sample('tidedb_kv_raftstore_regions_count{role="all"}'), 1);
    assert.ok(sample('tidedb_kv_raftstore_iterations_total') > 0);
    assert.ok(sample('tidedb_kv_raftstore_ready_peers_total') >= sample('tidedb_kv_raftstore_iterations_total'));
    assert.ok(sample('tidedb_kv_raftstore_messages_sent_total') > 0);
    assert.ok(sample('tidedb_kv_raftstore_applied_entries_total') >= 1);
    // Store 1 is handed at least one proposal above (leader or not: refused ones count too).
    assert.ok(sample('tidedb_kv_raftstore_proposals_total') >= 1);
    assert.ok(sample('tidedb_kv_raftstore_write_duration_seconds_count') > 0);
  });

  test('writes proposed in one turn go into one log entry; each caller gets its own responses; a stale one fails alone', async () => {
    const leader = await waitFor('a leader', leaderStore);
    const peer = leader.peer(1n)!;
    const before = peer.node.raft.raftLog.lastIndex();
    const twoPuts = (key: string): raftCmdpb.RaftCmdRequest => {
      const one = putCommand(region, `${key}a`, 'x');
      return { ...one, requests: [...one.requests, ...putCommand(region, `${key}b`, 'y').requests] };
    };
    const stale = { ...putCommand(region, 'stale', 'v'), header: { ...putCommand(region, 'stale', 'v').header!, regionEpoch: { confVer: 1n, version: 0n } } };
    const responses = await Promise.all([
      ...Array.from({ length: 20 }, (_, index) => leader.propose(putCommand(region, `batched${index}`, `v${index}`))),
      leader.propose(twoPuts('pair')),
      leader.propose(stale),
    ]);
    const staleResponse = responses.pop()!;
    const pair = responses.pop()!;
    assert.ok(staleResponse.header?.error?.epochNotMatch !== undefined);
    assert.equal(pair.header?.error, undefined);
    assert.deepEqual(pair.responses.map((response) => response.cmd?.$case), ['put', 'put']);
    for (const response of responses) {
      assert.equal(response.header?.error, undefined);
      assert.deepEqual(response.responses.map((each) => each.cmd?.$case), ['put']);
    }
    assert.equal(peer.node.raft.raftLog.lastIndex(), before + 1, 'one entry for the whole turn');
    for (const [storeId, engine] of engines) {
      await waitFor(`store ${storeId} to apply the batch`, () => (engine.getSync(ColumnFamily.default, bytes('pairb')) !== undefined ? true : undefined));
      for (let index = 0; index < 20; index++) assert.equal(text(engine.getSync(ColumnFamily.default, bytes(`batched${index}`))), `v${index}`);
      assert.equal(engine.getSync(ColumnFamily.default, bytes('stale')), undefined);
    }
  });

  test('the leader store is cut off: a new leader serves, the old one cannot commit, nothing acknowledged is lost', async () => {
    const oldLeader = await waitFor('a leader', leaderStore);
    for (let index = 0; index < 20; index++) assert.equal((await oldLeader.propose(putCommand(region, `a${index}`, `${index}`))).header?.error, undefined);
    cluster.cut.add(oldLeader.storeId);
    // The isolated leader's proposal cannot commit; it ends stale or not-leader.
    const orphan = oldLeader.propose(putCommand(region, 'orphan', 'x'));
    const newLeader = await waitFor('a new leader', () => [...stores.values()].find((store) => store !== oldLeader && store.peer(1n)?.isLeader() === true));
    for (let index = 0; index < 20; index++) assert.equal((await newLeader.propose(putCommand(region, `b${index}`, `${index}`))).header?.error, undefined);
    cluster.cut.delete(oldLeader.storeId);
    const orphanResult = await orphan;
    assert.ok(orphanResult.header?.error !== undefined, 'a proposal from a minority leader must not succeed');
    // Healed: every store converges on the majority's log.
    for (const [storeId, engine] of engines) {
      await waitFor(`store ${storeId} to catch up`, () => (engine.getSync(ColumnFamily.default, bytes('b19')) !== undefined ? true : undefined));
      for (let index = 0; index < 20; index++) assert.equal(text(engine.getSync(ColumnFamily.default, bytes(`a${index}`))), `${index}`);
      assert.equal(engine.getSync(ColumnFamily.default, bytes('orphan')), undefined);
    }
  });

  test('a leader refuses to hand over to a peer it has not heard from (a dead store would stall the region)', async () => {
    const leader = await waitFor('a leader', leaderStore);
    const silent = region.peers.find((member) => member.storeId !== leader.storeId)!;
    cluster.cut.add(silent.storeId);
    try {
      await new Promise((resolve) => setTimeout(resolve, 800));
      const transfer = await leader.propose({ header: putCommand(region, 'x', 'x').header!, requests: [], adminRequest: { cmd: { $case: 'transferLeader', value: { peer: silent, peers: [] } } } });
      assert.match(transfer.header?.error?.message ?? '', /has not answered recently/);
      assert.equal(leader.peer(1n)!.isLeader(), true);
      assert.equal((await leader.propose(putCommand(region, 'still-leading', 'v'))).header?.error, undefined);
    } finally {
      cluster.cut.delete(silent.storeId);
    }
  });

  test('a leader handing over leadership stops serving lease reads for the rest of its term', async () => {
    const leader = await waitFor('a leader', leaderStore);
    const peer = leader.peer(1n)!;
    assert.equal((await leader.propose(putCommand(region, 'lease', 'v'))).header?.error, undefined);
    assert.equal(peer.holdsLease, true, 'an applied write in this term gives the leader its lease');
    const term = peer.node.raft.term;
    const target = region.peers.find((member) => member.storeId !== leader.storeId)!;
    const transfer = await leader.propose({ header: putCommand(region, 'x', 'x').header!, requests: [], adminRequest: { cmd: { $case: 'transferLeader', value: { peer: target, peers: [] } } } });
    assert.equal(transfer.header?.error, undefined);
    // The target may win at once, past every follower's lease: the old leader must not answer from its own.
    assert.equal(peer.holdsLease, false);
    const newLeader = await waitFor('the transfer to finish', () => (stores.get(target.storeId)?.peer(1n)?.isLeader() === true ? stores.get(target.storeId) : undefined));
    assert.ok(newLeader.peer(1n)!.node.raft.term > term);
    await assert.rejects(leader.readBarrier(1n, region.regionEpoch), (error: unknown) => error instanceof RegionError && error.error.notLeader !== undefined);
  });

  test('a store restarted from its engine recovers its region and catches up', async () => {
    const victim = [...stores.values()].find((store) => !store.peer(1n)!.isLeader())!;
    await cluster.stop(victim.storeId);
    const leader = await waitFor('a leader', leaderStore);
    assert.equal((await leader.propose(putCommand(region, 'during-restart', 'x'))).header?.error, undefined);
    const restarted = cluster.start(victim.storeId);
    assert.equal(await restarted.loadRegions(), 1);
    await waitFor('the restarted store to catch up', () => (engines.get(victim.storeId)!.getSync(ColumnFamily.default, bytes('during-restart')) !== undefined ? true : undefined));
  });
});

describe('RaftStore back-pressure', () => {
  const cluster = new TestStores([1n], new SeededRandom(5), { maxPendingProposals: 3 });
  after(() => cluster.stopAll());

  test('past maxPendingProposals unanswered commands, a region refuses new ones with ServerIsBusy, and takes them again once applied', async () => {
    const region = initialRegion(1n, [metapb.Peer.create({ id: 11n, storeId: 1n, role: metapb.PeerRole.Voter })]);
    const store = cluster.start(1n);
    await store.bootstrapRegion(region);
    await waitFor('a leader', () => cluster.leaderOf(1n));
    // Proposed in one turn: none can be applied before the loop runs.
    const responses = await Promise.all(Array.from({ length: 5 }, (_, index) => store.propose(putCommand(region, `busy${index}`, 'v'))));
    assert.deepEqual(
      responses.map((response) => (response.header?.error === undefined ? 'ok' : response.header.error.serverIsBusy !== undefined ? 'busy' : 'other')),
      ['ok', 'ok', 'ok', 'busy', 'busy'],
    );
    assert.ok((responses[3]!.header?.error?.serverIsBusy?.backoffMs ?? 0n) > 0n);
    assert.equal(store.peer(1n)!.pendingProposals, 0);
    assert.equal((await store.propose(putCommand(region, 'after', 'v'))).header?.error, undefined);
  });
});
