import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { balanceRegionScheduler, scheduleBalanceRegion } from './balance-region.js';
import { Coordinator } from './coordinator.js';
import { OperatorController } from './operator-controller.js';
import { createScheduleContext } from './schedule-context.js';
import { runUntilSettled, TestCluster } from './test-cluster.js';

const mebibyte = 1024n * 1024n;

describe('balance-region scheduler', () => {
  test('an empty new store receives regions until the cluster is balanced', () => {
    const cluster = new TestCluster({ storeLimitOperators: 2 });
    for (const id of [1n, 2n, 3n]) cluster.addStore(id);
    for (let id = 1n; id <= 12n; id++) cluster.addRegion(id, { voterStoreIds: [1n, 2n, 3n], leaderStoreId: (id % 3n) + 1n, sizeBytes: 64n * mebibyte });
    cluster.addStore(4n);
    const controller = new OperatorController({ config: () => cluster.config });
    const coordinator = new Coordinator(controller, { allocPeerId: cluster.allocPeerId, schedulers: [balanceRegionScheduler] });
    const result = runUntilSettled(cluster, coordinator, controller, 100);
    assert.ok(result.settled);
    const regionCounts = [...cluster.regionCounts().values()];
    // 36 replicas over 4 stores: 9 each.
    assert.deepEqual(regionCounts, [9, 9, 9, 9]);
    for (const region of cluster.regions()) {
      const stores = region.meta.peers.map((peer) => peer.storeId);
      assert.equal(new Set(stores).size, 3);
    }
    assert.ok(result.operators.every((operator) => operator.status === 'success'));
    assert.equal(result.operators.length, 9);
  });

  test('uneven region sizes balance by size, not count, and stop', () => {
    const cluster = new TestCluster();
    for (const id of [1n, 2n, 3n, 4n]) cluster.addStore(id);
    const sizes = [200n, 10n, 10n, 10n, 10n, 10n, 10n, 10n, 10n, 10n, 10n, 10n];
    sizes.forEach((size, index) => cluster.addRegion(BigInt(index + 1), { voterStoreIds: [1n, 2n, 3n], sizeBytes: size * mebibyte }));
    const controller = new OperatorController({ config: () => cluster.config });
    const coordinator = new Coordinator(controller, { allocPeerId: cluster.allocPeerId, schedulers: [balanceRegionScheduler] });
    const result = runUntilSettled(cluster, coordinator, controller, 100);
    assert.ok(result.settled);
    const context = createScheduleContext(cluster, controller, cluster.allocPeerId);
    const scores = [1n, 2n, 3n, 4n].map((storeId) => context.storeLoad(storeId).regionScoreBytes);
    // The new store took its share, and the big region did not bounce around.
    assert.ok(scores[3]! >= 200n * mebibyte);
    const bigRegionMoves = result.operators.filter((operator) => operator.regionId === 1n).length;
    assert.ok(bigRegionMoves <= 1);
    assert.equal(scheduleBalanceRegion(context), undefined);
  });

  test('never moves a replica somewhere less isolated', () => {
    const cluster = new TestCluster({ locationLabels: ['zone'] });
    cluster.addStore(1n, { labels: { zone: 'z1' } });
    cluster.addStore(2n, { labels: { zone: 'z2' } });
    cluster.addStore(3n, { labels: { zone: 'z3' } });
    cluster.addStore(4n, { labels: { zone: 'z3' } });
    for (let id = 1n; id <= 10n; id++) cluster.addRegion(id, { voterStoreIds: [1n, 2n, 3n], sizeBytes: 32n * mebibyte });
    const controller = new OperatorController({ config: () => cluster.config });
    const coordinator = new Coordinator(controller, { allocPeerId: cluster.allocPeerId, schedulers: [balanceRegionScheduler] });
    const result = runUntilSettled(cluster, coordinator, controller, 100);
    assert.ok(result.settled);
    assert.ok(result.operators.length > 0);
    for (const operator of result.operators) {
      const removed = operator.steps.find((step) => step.type === 'removePeer');
      assert.equal(removed?.type === 'removePeer' ? removed.storeId : undefined, 3n);
    }
    const regionCounts = cluster.regionCounts();
    assert.equal(regionCounts.get(1n), 10);
    assert.equal(regionCounts.get(2n), 10);
    assert.equal(regionCounts.get(3n)! + regionCounts.get(4n)!, 10);
    assert.ok(Math.abs(regionCounts.get(3n)! - regionCounts.get(4n)!) <= 1);
  });

  test('leaves unhealthy regions to the replica checker', () => {
    const cluster = new TestCluster();
    for (const id of [1n, 2n, 3n, 4n]) cluster.addStore(id);
    for (let id = 1n; id <= 6n; id++) cluster.addRegion(id, { voterStoreIds: [1n, 2n], sizeBytes: 64n * mebibyte });
    const controller = new OperatorController({ config: () => cluster.config });
    assert.equal(scheduleBalanceRegion(createScheduleContext(cluster, controller, cluster.allocPeerId)), undefined);
  });

  test('respects the per-store limit within a round', () => {
    const cluster = new TestCluster({ storeLimitOperators: 3 });
    for (const id of [1n, 2n, 3n]) cluster.addStore(id);
    for (let id = 1n; id <= 30n; id++) cluster.addRegion(id, { voterStoreIds: [1n, 2n, 3n], sizeBytes: 64n * mebibyte });
    cluster.addStore(4n);
    cluster.addStore(5n);
    const controller = new OperatorController({ config: () => cluster.config });
    const coordinator = new Coordinator(controller, { allocPeerId: cluster.allocPeerId, schedulers: [balanceRegionScheduler] });
    cluster.advanceTime(1000);
    const created = coordinator.scheduleOnce(cluster);
    assert.equal(created.length, 6);
    for (const storeId of [1n, 2n, 3n, 4n, 5n]) assert.ok(controller.storeOperatorCount(storeId) <= 3);
  });
});
