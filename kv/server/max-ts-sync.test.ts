import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { asTimestamp } from '../../common/ids.js';
import { SeededRandom } from '../../common/random.js';
import * as metapb from '../../proto/gen/metapb.js';
import { ConcurrencyManager } from '../mvcc/concurrency-manager.js';
import { initialRegion } from '../raftstore/raft-store.js';
import { RegionError } from '../raftstore/region-errors.js';
import { TestStores, waitFor } from '../raftstore/test-stores.js';
import { MaxTsSync } from './max-ts-sync.js';

describe('max-ts sync before async-commit and 1PC prewrites', () => {
  const cluster = new TestStores([1n, 2n, 3n], new SeededRandom(7));
  after(() => cluster.stopAll());

  test('a leader refuses with MaxTimestampNotSynced until its max ts holds a fresh PD timestamp, once per term; a new leader syncs as it takes over', async () => {
    const region = initialRegion(1n, [1n, 2n, 3n].map((storeId) => metapb.Peer.create({ id: 10n + storeId, storeId, role: metapb.PeerRole.Voter })));
    for (const id of [1n, 2n, 3n]) await cluster.start(id).bootstrapRegion(region);
    const store = await waitFor('a leader', () => cluster.leaderOf(1n));
    const concurrency = new ConcurrencyManager();
    let asked = 0;
    const sync = new MaxTsSync(store, concurrency, async () => {
      asked++;
      return 5_000n;
    });
    assert.throws(() => sync.check(1n), (error: unknown) => error instanceof RegionError && error.error.maxTimestampNotSynced !== undefined);
    await waitFor('the sync', () => (concurrency.maxTs() === asTimestamp(5_000n) ? true : undefined));
    sync.check(1n);
    sync.check(1n);
    assert.equal(asked, 1);

    // Leadership goes away and comes back in a later term: the store must sync again.
    const transfer = async (from: typeof store, to: bigint) => {
      const peer = region.peers.find((member) => member.storeId === to)!;
      for (let attempt = 0; attempt < 50 && cluster.leaderOf(1n)?.storeId !== to; attempt++) {
        await from.propose({ header: { regionId: 1n, regionEpoch: region.regionEpoch!, term: 0n, syncLog: true, readQuorum: false, uuid: Buffer.alloc(0) }, requests: [], adminRequest: { cmd: { $case: 'transferLeader', value: { peer, peers: [] } } } });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return waitFor(`store ${to} to lead`, () => (cluster.leaderOf(1n)?.storeId === to ? cluster.leaderOf(1n) : undefined));
    };
    // As the store wires it: a peer that becomes leader syncs at once, before any prewrite asks.
    const roles: boolean[] = [];
    store.roleChangeListeners.add((changed, leading) => {
      roles.push(leading);
      if (leading) sync.sync(changed.id);
    });
    const term = store.peer(1n)!.node.raft.term;
    const other = await transfer(store, store.storeId === 2n ? 3n : 2n);
    await transfer(other, store.storeId);
    assert.ok(store.peer(1n)!.node.raft.term > term);
    // Told when it stopped leading and when it led again (an election under load may add a round), alternating.
    assert.ok(roles.length >= 2 && roles[0] === false && roles[roles.length - 1] === true && roles.every((leading, index) => index === 0 || leading !== roles[index - 1]), JSON.stringify(roles));
    await waitFor('the second sync', () => (asked === 2 ? true : undefined));
    sync.check(1n);
  });
});
