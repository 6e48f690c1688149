import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../../common/random.js';
import type * as eraftpb from '../../proto/gen/eraftpb.js';
import * as metapb from '../../proto/gen/metapb.js';
import type * as raftCmdpb from '../../proto/gen/raft_cmdpb.js';
import { ColumnFamily } from '../engine/engine.js';
import { messageToProto } from '../raft/convert.js';
import { MessageType } from '../raft/types.js';
import { raftLogKey } from '../raftlog/keys.js';
import { initialRegion, type RaftStore } from './raft-store.js';
import { TestStores, waitFor } from './test-stores.js';

function command(store: RaftStore, body: Pick<raftCmdpb.RaftCmdRequest, 'requests' | 'adminRequest'>): Promise<raftCmdpb.RaftCmdResponse> {
  const region = store.peer(1n)!.region;
  return store.propose({ header: { regionId: 1n, regionEpoch: region.regionEpoch!, term: 0n, syncLog: true, readQuorum: false, uuid: Buffer.alloc(0) }, ...body });
}

const put = (store: RaftStore, key: string) => command(store, { requests: [{ cmd: { $case: 'put', value: { cf: ColumnFamily.raw, key: Buffer.from(key), value: Buffer.from(key) } } }] });
const changePeer = (store: RaftStore, changeType: eraftpb.ConfChangeType, peer: metapb.Peer) => command(store, { requests: [], adminRequest: { cmd: { $case: 'changePeer', value: { changeType, peer } } } });

describe('removed peers', () => {
  const cluster = new TestStores([1n, 2n, 3n], new SeededRandom(31));
  after(() => cluster.stopAll());

  test('a removed peer destroys its data and leaves a tombstone; stale messages cannot resurrect it; a newer re-add can', async () => {
    const peers = [1n, 2n, 3n].map((storeId) => metapb.Peer.create({ id: 10n + storeId, storeId, role: metapb.PeerRole.Voter }));
    for (const id of [1n, 2n, 3n]) await cluster.start(id).bootstrapRegion(initialRegion(1n, peers));
    const leader = await waitFor('a leader', () => cluster.leaderOf(1n));
    for (let index = 0; index < 10; index++) assert.equal((await put(leader, `k${index}`)).header?.error, undefined);
    const victim = peers.find((peer) => peer.storeId !== leader.storeId)!;
    const victimEngine = cluster.engines.get(victim.storeId)!;
    await waitFor('the victim to apply', () => (victimEngine.getSync(ColumnFamily.raw, Buffer.from('k9')) !== undefined ? true : undefined));

    // The leader may not remove itself: PD moves the leadership away first.
    const leaderPeer = peers.find((peer) => peer.storeId === leader.storeId)!;
    assert.match((await changePeer(leader, 1, leaderPeer)).header?.error?.message ?? '', /transfer the leadership before removing it/);
    assert.equal(leader.peer(1n)?.region.peers.length, 3);

    assert.equal((await changePeer(leader, 1, victim)).header?.error, undefined);
    const victimStore = cluster.stores.get(victim.storeId)!;
    await waitFor('the peer to go', () => (victimStore.peer(1n) === undefined ? true : undefined));
    await waitFor('its data to be destroyed', () => (victimEngine.getSync(ColumnFamily.raw, Buffer.from('k0')) === undefined ? true : undefined));
    assert.equal(victimEngine.getSync(ColumnFamily.raft, raftLogKey(1n, 6)), undefined);

    // A message from before the removal (old epoch) is ignored.
    victimStore.receive({
      regionId: 1n,
      fromPeer: peers.find((peer) => peer.storeId === leader.storeId)!,
      toPeer: victim,
      message: messageToProto({ type: MessageType.Heartbeat, to: Number(victim.id), from: 11, term: 9, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0 }),
      regionEpoch: { confVer: 1n, version: 1n },
      isTombstone: false,
      startKey: Buffer.alloc(0),
      endKey: Buffer.alloc(0),
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(victimStore.peer(1n), undefined);

    // Re-added under a new peer id (a newer membership): created, caught up by snapshot.
    assert.equal((await changePeer(leader, 0, metapb.Peer.create({ id: 20n + victim.storeId, storeId: victim.storeId, role: metapb.PeerRole.Voter }))).header?.error, undefined);
    await waitFor('the re-added peer to catch up', () => (victimEngine.getSync(ColumnFamily.raw, Buffer.from('k9')) !== undefined ? true : undefined));
    assert.equal(victimStore.peer(1n)?.peer.id, 20n + victim.storeId);
  });
});
