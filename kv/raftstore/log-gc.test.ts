import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createMetricsRegistry } from '../../common/metrics/index.js';
import { SeededRandom } from '../../common/random.js';
import * as metapb from '../../proto/gen/metapb.js';
import { ColumnFamily } from '../engine/engine.js';
import { initialRegion } from './raft-store.js';
import { TestStores, waitFor } from './test-stores.js';

describe('Raft log GC in the raftstore', () => {
  const cluster = new TestStores([1n, 2n, 3n], new SeededRandom(11), { raftLogGcThresholdEntries: 50 });
  after(() => cluster.stopAll());

  test('the leader compacts every replica\'s log once all have applied; writes and restarts still work', async () => {
    const region = initialRegion(1n, [1n, 2n, 3n].map((storeId) => metapb.Peer.create({ id: 10n + storeId, storeId, role: metapb.PeerRole.Voter })));
    for (const id of [1n, 2n, 3n]) await cluster.start(id).bootstrapRegion(region);
    const leader = await waitFor('a leader', () => cluster.leaderOf(1n));
    for (let index = 0; index < 200; index++) {
      const response = await leader.propose({
        header: { regionId: 1n, regionEpoch: region.regionEpoch!, term: 0n, syncLog: true, readQuorum: false, uuid: Buffer.alloc(0) },
        requests: [{ cmd: { $case: 'put', value: { cf: ColumnFamily.raw, key: Buffer.from(`k${index}`), value: Buffer.from(`${index}`) } } }],
      });
      assert.equal(response.header?.error, undefined);
    }
    for (const store of cluster.stores.values()) {
      await waitFor(`store ${store.storeId} to compact`, () => (store.peer(1n)!.storage.firstIndex() > 100 ? true : undefined));
    }
    // A follower restarted from its engine starts from the compacted log and still catches up.
    const follower = [...cluster.stores.values()].find((store) => store !== leader)!;
    await cluster.stop(follower.storeId);
    await leader.propose({
      header: { regionId: 1n, regionEpoch: region.regionEpoch!, term: 0n, syncLog: true, readQuorum: false, uuid: Buffer.alloc(0) },
      requests: [{ cmd: { $case: 'put', value: { cf: ColumnFamily.raw, key: Buffer.from('after'), value: Buffer.from('x') } } }],
    });
    const restarted = cluster.start(follower.storeId);
    assert.equal(await restarted.loadRegions(), 1);
    await waitFor('the restarted follower to catch up', () => (cluster.engines.get(follower.storeId)!.getSync(ColumnFamily.raw, Buffer.from('after')) !== undefined ? true : undefined));
  });
});

describe('Raft log GC past a lagging peer', () => {
  const metrics = new Map([[1n, createMetricsRegistry('kv')], [2n, createMetricsRegistry('kv')], [3n, createMetricsRegistry('kv')]]);
  const cluster = new TestStores([1n, 2n, 3n], new SeededRandom(13), { raftLogGcThresholdEntries: 20, raftLogGcCountLimitEntries: 60, metrics });
  after(() => cluster.stopAll());

  test('a cut-off follower does not keep the log from compacting past the count limit; healed, it catches up from a snapshot', async () => {
    const region = initialRegion(1n, [1n, 2n, 3n].map((storeId) => metapb.Peer.create({ id: 10n + storeId, storeId, role: metapb.PeerRole.Voter })));
    for (const id of [1n, 2n, 3n]) await cluster.start(id).bootstrapRegion(region);
    const leader = await waitFor('a leader', () => cluster.leaderOf(1n));
    const laggard = [...cluster.stores.values()].find((store) => store !== leader)!;
    cluster.cut.add(laggard.storeId);
    const laggardLast = laggard.peer(1n)!.node.raft.raftLog.lastIndex();
    for (let index = 0; index < 150; index++) {
      const response = await leader.propose({
        header: { regionId: 1n, regionEpoch: region.regionEpoch!, term: 0n, syncLog: true, readQuorum: false, uuid: Buffer.alloc(0) },
        requests: [{ cmd: { $case: 'put', value: { cf: ColumnFamily.raw, key: Buffer.from(`lag${index}`), value: Buffer.from(`${index}`) } } }],
      });
      assert.equal(response.header?.error, undefined);
    }
    await waitFor('the leader to compact past the laggard', () => (leader.peer(1n)!.storage.firstIndex() > laggardLast + 1 ? true : undefined));

    cluster.cut.delete(laggard.storeId);
    await waitFor('the laggard to catch up', () => (cluster.engines.get(laggard.storeId)!.getSync(ColumnFamily.raw, Buffer.from('lag149')) !== undefined ? true : undefined));
    for (let index = 0; index < 150; index++) assert.ok(cluster.engines.get(laggard.storeId)!.getSync(ColumnFamily.raw, Buffer.from(`lag${index}`)) !== undefined, `lag${index} missing`);
    const applied = (await metrics.get(laggard.storeId)!.exposition()).split('\n').find((line) => line.startsWith('tidedb_kv_raftstore_snapshots_total{event="applied"} '));
    assert.equal(applied?.split(' ')[1], '1', 'the laggard caught up from a snapshot');
  });
});
