import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeUserKey } from '../../common/codec/mvcc-key.js';
import { asTimestamp } from '../../common/ids.js';
import { SeededRandom } from '../../common/random.js';
import * as metapb from '../../proto/gen/metapb.js';
import { commitKey } from '../mvcc/actions/commit.js';
import { prewriteKey } from '../mvcc/actions/prewrite.js';
import { prewriteProps } from '../mvcc/test-helpers.js';
import { RaftKv } from './raft-kv.js';
import { RegionError } from './region-errors.js';
import { TestStores, waitFor } from './test-stores.js';

const bytes = (value: string) => new TextEncoder().encode(value);
const text = (value: Uint8Array | undefined) => (value === undefined ? undefined : new TextDecoder().decode(value));

const props = (primary: string, startTs: bigint) => prewriteProps(primary, asTimestamp(startTs));

describe('RaftKv: Percolator over Raft', () => {
  const cluster = new TestStores([1n, 2n, 3n], new SeededRandom(9));
  after(() => cluster.stopAll());
  // The region holds user keys from "a" up to (not including) "m", in the encoded key space.
  const region = metapb.Region.create({
    id: 7n,
    startKey: Buffer.from(encodeUserKey(bytes('a'))),
    endKey: Buffer.from(encodeUserKey(bytes('m'))),
    regionEpoch: { confVer: 1n, version: 1n },
    peers: [1n, 2n, 3n].map((storeId) => ({ id: 70n + storeId, storeId, role: metapb.PeerRole.Voter })),
  });
  const context = { regionId: region.id, regionEpoch: region.regionEpoch };

  test('a transaction prewrites and commits through the leader; every replica holds it; reads see it', async () => {
    for (const id of [1n, 2n, 3n]) await cluster.start(id).bootstrapRegion(region);
    const leader = await waitFor('a leader', () => cluster.leaderOf(region.id));
    const kv = new RaftKv(leader, cluster.engines.get(leader.storeId)!);
    await kv.write(context, [bytes('b')], (reader, txn) => prewriteKey(reader, txn, props('b', 10n), { op: 'put', key: bytes('b'), value: bytes('value-b') }, false));
    await kv.write(context, [bytes('b')], (reader, txn) => commitKey(reader, txn, bytes('b'), asTimestamp(10n), asTimestamp(11n)));
    assert.equal(text(await kv.read(context, (mvcc) => mvcc.get(bytes('b'), asTimestamp(12n)))), 'value-b');
    assert.equal(await kv.read(context, (mvcc) => mvcc.get(bytes('b'), asTimestamp(10n))), undefined);
    for (const [id, engine] of cluster.engines) {
      const replica = new RaftKv(cluster.stores.get(id)!, engine);
      await waitFor(`store ${id} to apply`, () => (engine.getSync('lock', encodeUserKey(bytes('b'))) === undefined && engine.getSync('latest', encodeUserKey(bytes('b'))) !== undefined ? true : undefined));
      assert.equal(text(await replica.mvcc.mvcc.read((reader) => reader.getValue(bytes('b'), asTimestamp(12n)))), 'value-b');
    }
  });

  test('region errors: a follower says NotLeader, a key outside the region says KeyNotInRegion, a stale epoch says EpochNotMatch', async () => {
    const leader = await waitFor('a leader', () => cluster.leaderOf(region.id));
    const follower = [...cluster.stores.values()].find((store) => store !== leader)!;
    const onFollower = new RaftKv(follower, cluster.engines.get(follower.storeId)!);
    const write = (kv: RaftKv, key: string, regionContext = context) =>
      kv.write(regionContext, [bytes(key)], (reader, txn) => prewriteKey(reader, txn, props(key, 20n), { op: 'put', key: bytes(key), value: bytes('v') }, false));
    await assert.rejects(write(onFollower, 'c'), (error: unknown) => error instanceof RegionError && error.error.notLeader?.leader?.storeId === leader.storeId);
    const onLeader = new RaftKv(leader, cluster.engines.get(leader.storeId)!);
    await assert.rejects(write(onLeader, 'x'), (error: unknown) => error instanceof RegionError && error.error.keyNotInRegion !== undefined);
    await assert.rejects(write(onLeader, 'c', { regionId: region.id, regionEpoch: { confVer: 1n, version: 0n } }), (error: unknown) => error instanceof RegionError && error.error.epochNotMatch !== undefined);
    await assert.rejects(onFollower.read(context, (mvcc) => mvcc.get(bytes('b'), asTimestamp(12n))), RegionError);
  });
});
