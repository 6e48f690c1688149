import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../../common/random.js';
import * as metapb from '../../proto/gen/metapb.js';
import type * as raftCmdpb from '../../proto/gen/raft_cmdpb.js';
import { ColumnFamily } from '../engine/engine.js';
import { initialRegion, type RaftStore } from './raft-store.js';
import { TestStores, waitFor } from './test-stores.js';

const bytes = (value: string) => Buffer.from(value);

describe('range deletes through Raft', () => {
  const cluster = new TestStores([1n, 2n, 3n], new SeededRandom(29));
  after(() => cluster.stopAll());
  const region = initialRegion(1n, [1n, 2n, 3n].map((storeId) => metapb.Peer.create({ id: 10n + storeId, storeId, role: metapb.PeerRole.Voter })));
  const header = { regionId: 1n, regionEpoch: region.regionEpoch!, term: 0n, syncLog: true, readQuorum: false, uuid: Buffer.alloc(0) };
  const put = (store: RaftStore, key: string) => store.propose({ header, requests: [{ cmd: { $case: 'put', value: { cf: ColumnFamily.raw, key: bytes(key), value: bytes(key) } } }] });
  const deleteRange = (store: RaftStore, start: string, end: string, extra: raftCmdpb.Request[] = []) =>
    store.propose({ header, requests: [{ cmd: { $case: 'deleteRange', value: { cf: ColumnFamily.raw, startKey: bytes(start), endKey: bytes(end), notifyOnly: false } } }, ...extra] });
  const present = (storeId: bigint, key: string) => cluster.engines.get(storeId)!.getSync(ColumnFamily.raw, bytes(key)) !== undefined;

  test('a write proposed before a range delete in the same turn is deleted with it; one proposed after survives', async () => {
    for (const id of [1n, 2n, 3n]) await cluster.start(id).bootstrapRegion(region);
    const leader = await waitFor('a leader', () => cluster.leaderOf(1n));
    for (const key of ['k1', 'k2', 'k3', 'z']) assert.equal((await put(leader, key)).header?.error, undefined);

    // All three in one turn: they commit together and apply from one Ready.
    const [before, removed, after] = await Promise.all([put(leader, 'k4'), deleteRange(leader, 'k', 'l'), put(leader, 'k5')]);
    for (const response of [before, removed, after]) assert.equal(response.header?.error, undefined);
    assert.equal(removed.responses[0]?.cmd?.$case, 'deleteRange');
    for (const id of [1n, 2n, 3n]) {
      await waitFor(`store ${id} to apply the range delete`, () => (present(id, 'k5') ? true : undefined));
      for (const key of ['k1', 'k2', 'k3', 'k4']) assert.equal(present(id, key), false, `store ${id} still has ${key}`);
      assert.ok(present(id, 'z'));
    }
  });

  test('a range delete survives a restart of every store: the applied index moved with it', async () => {
    for (const id of [1n, 2n, 3n]) await cluster.stop(id);
    for (const id of [1n, 2n, 3n]) assert.equal(await cluster.start(id).loadRegions(), 1);
    const leader = await waitFor('a leader after restart', () => cluster.leaderOf(1n));
    assert.equal((await put(leader, 'after-restart')).header?.error, undefined);
    for (const id of [1n, 2n, 3n]) {
      await waitFor(`store ${id} to apply after restart`, () => (present(id, 'after-restart') ? true : undefined));
      assert.equal(present(id, 'k1'), false);
      assert.ok(present(id, 'k5'));
    }
  });

  test('a range delete mixed with other requests or in a non-data column family is refused and deletes nothing', async () => {
    const leader = await waitFor('a leader', () => cluster.leaderOf(1n));
    const mixed = await deleteRange(leader, 'a', 'zz', [{ cmd: { $case: 'put', value: { cf: ColumnFamily.raw, key: bytes('m'), value: bytes('m') } } }]);
    assert.match(mixed.header?.error?.message ?? '', /cannot share a command/);
    const raftCf = await leader.propose({ header, requests: [{ cmd: { $case: 'deleteRange', value: { cf: ColumnFamily.raft, startKey: bytes('a'), endKey: bytes('b'), notifyOnly: false } } }] });
    assert.match(raftCf.header?.error?.message ?? '', /holds no region data/);
    assert.ok(present(leader.storeId, 'z'));
    assert.ok(present(leader.storeId, 'k5'));
  });
});
