import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../../common/random.js';
import * as metapb from '../../proto/gen/metapb.js';
import type * as raftCmdpb from '../../proto/gen/raft_cmdpb.js';
import { ColumnFamily } from '../engine/engine.js';
import { initialRegion, type RaftStore } from './raft-store.js';
import { TestStores, waitFor } from './test-stores.js';

function put(store: RaftStore, region: metapb.Region, key: string): Promise<raftCmdpb.RaftCmdResponse> {
  return store.propose({
    header: { regionId: region.id, regionEpoch: region.regionEpoch!, term: 0n, syncLog: true, readQuorum: false, uuid: Buffer.alloc(0) },
    requests: [{ cmd: { $case: 'put', value: { cf: ColumnFamily.raw, key: Buffer.from(key), value: Buffer.from(key) } } }],
  });
}

describe('region split in the raftstore', () => {
  const cluster = new TestStores([1n, 2n, 3n], new SeededRandom(23));
  after(() => cluster.stopAll());

  test('a split under concurrent writes: every acknowledged write survives, both halves serve, stale epochs are refused', async () => {
    const region = initialRegion(1n, [1n, 2n, 3n].map((storeId) => metapb.Peer.create({ id: 10n + storeId, storeId, role: metapb.PeerRole.Voter })));
    for (const id of [1n, 2n, 3n]) await cluster.start(id).bootstrapRegion(region);
    const leader = await waitFor('a leader', () => cluster.leaderOf(1n));
    const keys = Array.from({ length: 40 }, (_, index) => `key-${String.fromCharCode(97 + (index % 26))}-${index}`);
    const acknowledged = new Set<string>();
    // Writes in flight while the split is proposed: each either lands before it or is refused.
    const writes = keys.map(async (key) => {
      const response = await put(leader, region, key);
      if (response.header?.error === undefined) acknowledged.add(key);
    });
    const split = await leader.proposeSplit(1n, [Buffer.from('key-m')], [{ newRegionId: 2n, newPeerIds: [21n, 22n, 23n] }]);
    await Promise.all(writes);
    assert.equal(split.header?.error, undefined);
    const [left, right] = split.adminResponse?.cmd?.$case === 'batchSplit' ? split.adminResponse.cmd.value.regions : [];
    assert.equal(left?.endKey.toString(), 'key-m');
    assert.equal(right?.startKey.toString(), 'key-m');
    assert.equal(right?.regionEpoch?.version, 2n);

    // Every store hosts both regions; the new one elects its own leader.
    for (const store of cluster.stores.values()) await waitFor(`store ${store.storeId} to host region 2`, () => store.peer(2n));
    const rightLeader = await waitFor('a leader for region 2', () => cluster.leaderOf(2n));
    assert.equal((await put(rightLeader, right!, 'key-z-new')).header?.error, undefined);
    // The old epoch is refused; the new left region refuses keys it no longer holds.
    assert.ok((await put(leader, region, 'key-a-late')).header?.error?.epochNotMatch !== undefined);
    const leftNow = cluster.leaderOf(1n)!;
    assert.ok((await put(leftNow, leftNow.peer(1n)!.region, 'key-z-wrong')).header?.error?.keyNotInRegion !== undefined);
    assert.equal((await put(leftNow, leftNow.peer(1n)!.region, 'key-a-after')).header?.error, undefined);

    // No acknowledged write is lost, on any replica.
    for (const [id, engine] of cluster.engines) {
      await waitFor(`store ${id} to apply`, () => (engine.getSync(ColumnFamily.raw, Buffer.from('key-z-new')) !== undefined ? true : undefined));
      for (const key of acknowledged) assert.ok(engine.getSync(ColumnFamily.raw, Buffer.from(key)) !== undefined, `store ${id} lost ${key}`);
    }
    assert.ok(acknowledged.size > 0);
  });
});
