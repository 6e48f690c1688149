import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
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
