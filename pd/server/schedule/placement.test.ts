import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as metapb from '../../../proto/gen/metapb.js';
import { isReplicaTarget, locationDifferenceLevel, locationDistinctScore, peerReplaceReason, storeHealth } from './placement.js';
import { TestCluster } from './test-cluster.js';

describe('placement', () => {
  test('store health follows heartbeats and state', () => {
    const cluster = new TestCluster({ maxStoreDownTimeMs: 60_000 });
    const up = cluster.addStore(1n);
    cluster.addStore(2n);
    cluster.stopStore(2n);
    const never = cluster.addStore(3n, { lastHeartbeatMs: 0 });
    cluster.addStore(4n, { state: metapb.StoreState.Offline });
    cluster.addStore(5n, { state: metapb.StoreState.Tombstone });
    assert.equal(storeHealth(up, cluster), 'up');
    assert.equal(storeHealth(never, cluster), 'disconnected');
    cluster.advanceTime(20_001);
    assert.equal(storeHealth(cluster.getStore(2n)!, cluster), 'disconnected');
    cluster.advanceTime(40_000);
    assert.equal(storeHealth(cluster.getStore(2n)!, cluster), 'down');
    assert.equal(storeHealth(cluster.getStore(1n)!, cluster), 'up');
    assert.equal(storeHealth(cluster.getStore(4n)!, cluster), 'offline');
    assert.equal(storeHealth(cluster.getStore(5n)!, cluster), 'tombstone');
  });

  test('a max-store-down-time shorter than the disconnect time still makes a store down', () => {
    const cluster = new TestCluster({ maxStoreDownTimeMs: 5000 });
    cluster.addStore(1n);
    cluster.stopStore(1n);
    cluster.advanceTime(5001);
    assert.equal(storeHealth(cluster.getStore(1n)!, cluster), 'down');
  });

  test('replica targets: up, not busy, with enough free space', () => {
    const cluster = new TestCluster();
    assert.ok(isReplicaTarget(cluster.addStore(1n), cluster));
    assert.ok(!isReplicaTarget(cluster.addStore(2n, { isBusy: true }), cluster));
    assert.ok(!isReplicaTarget(cluster.addStore(3n, { capacityBytes: 1000n, availableBytes: 199n }), cluster));
    assert.ok(isReplicaTarget(cluster.addStore(4n, { capacityBytes: 1000n, availableBytes: 200n }), cluster));
    assert.ok(!isReplicaTarget(cluster.addStore(5n, { state: metapb.StoreState.Offline }), cluster));
  });

  test('location distinct score weighs zones above hosts; a missing label matches anything', () => {
    const cluster = new TestCluster();
    const labels = ['zone', 'host'];
    const a = cluster.addStore(1n, { labels: { zone: 'z1', host: 'h1' } });
    const sameZone = cluster.addStore(2n, { labels: { zone: 'z1', host: 'h2' } });
    const otherZone = cluster.addStore(3n, { labels: { zone: 'z2', host: 'h3' } });
    const sameHost = cluster.addStore(4n, { labels: { zone: 'Z1', host: 'H1' } });
    const unlabelled = cluster.addStore(5n);
    assert.equal(locationDifferenceLevel(labels, a, otherZone), 0);
    assert.equal(locationDifferenceLevel(labels, a, sameZone), 1);
    assert.equal(locationDifferenceLevel(labels, a, sameHost), -1);
    assert.equal(locationDifferenceLevel(labels, a, unlabelled), -1);
    assert.equal(locationDistinctScore(labels, otherZone, [a, sameZone]), 200);
    assert.equal(locationDistinctScore(labels, sameZone, [a, otherZone]), 101);
    assert.equal(locationDistinctScore(labels, a, [a]), 0);
    assert.equal(locationDistinctScore([], otherZone, [a, sameZone]), 0);
  });

  test('peers are replaced for down, tombstone, unknown and offline stores, or when reported down long enough', () => {
    const cluster = new TestCluster({ maxStoreDownTimeMs: 60_000 });
    for (const id of [1n, 2n, 3n, 4n]) cluster.addStore(id);
    const region = cluster.addRegion(1n, { voterStoreIds: [1n, 2n, 3n, 4n], downPeers: [{ storeId: 4n, downSeconds: 60n }] });
    const [first, second, third, fourth] = region.meta.peers;
    assert.equal(peerReplaceReason(region, first!, cluster), undefined);
    assert.equal(peerReplaceReason(region, fourth!, cluster), 'down');
    cluster.setStoreState(2n, metapb.StoreState.Offline);
    cluster.setStoreState(3n, metapb.StoreState.Tombstone);
    assert.equal(peerReplaceReason(region, second!, cluster), 'offline');
    assert.equal(peerReplaceReason(region, third!, cluster), 'down');
    assert.equal(peerReplaceReason(region, { id: 99n, storeId: 42n, role: metapb.PeerRole.Voter }, cluster), 'down');
  });
});
