import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ScheduleConfig } from '../cluster/types.js';
import { balanceLeaderScheduler, scheduleBalanceLeader } from './balance-leader.js';
import { Coordinator } from './coordinator.js';
import { OperatorController } from './operator-controller.js';
import { createScheduleContext } from './schedule-context.js';
import { runUntilSettled, TestCluster } from './test-cluster.js';

function leaderCluster(leaders: readonly number[], config: Partial<ScheduleConfig> = {}): TestCluster {
  const cluster = new TestCluster(config);
  const storeIds = leaders.map((_count, index) => BigInt(index + 1));
  for (const id of storeIds) cluster.addStore(id);
  let regionId = 1n;
  leaders.forEach((count, index) => {
    for (let leader = 0; leader < count; leader++) {
      cluster.addRegion(regionId++, { voterStoreIds: storeIds.slice(0, 3), leaderStoreId: storeIds[index]! });
    }
  });
  return cluster;
}

function counts(cluster: TestCluster): number[] {
  return [...cluster.leaderCounts().values()];
}

describe('balance-leader scheduler', () => {
  test('leaders 5/1/0 converge to 2/2/2 in three moves, then stop', () => {
    const cluster = leaderCluster([5, 1, 0]);
    const controller = new OperatorController({ config: () => cluster.config });
    const coordinator = new Coordinator(controller, { allocPeerId: cluster.allocPeerId, schedulers: [balanceLeaderScheduler] });
    const result = runUntilSettled(cluster, coordinator, controller, 20);
    assert.ok(result.settled);
    assert.deepEqual(counts(cluster), [2, 2, 2]);
    assert.equal(result.operators.length, 3);
    assert.ok(result.operators.every((operator) => operator.status === 'success' && operator.description === 'balance-leader'));
    // No flapping: no store both gave and received leaders.
    const gave = new Set<bigint>();
    const received = new Set<bigint>();
    for (const operator of result.operators) {
      for (const step of operator.steps) {
        if (step.type !== 'transferLeader') continue;
        gave.add(step.fromStoreId);
        received.add(step.toStoreId);
      }
    }
    assert.ok([...gave].every((storeId) => !received.has(storeId)));
    // Later rounds keep proposing nothing.
    for (let round = 0; round < 5; round++) {
      cluster.advanceTime(10_000);
      assert.deepEqual(coordinator.scheduleOnce(cluster), []);
    }
  });

  test('operators in flight count: repeated proposals without progress stop at the balance point', () => {
    const cluster = leaderCluster([5, 1, 0]);
    const controller = new OperatorController({ config: () => cluster.config });
    const context = createScheduleContext(cluster, controller, cluster.allocPeerId);
    let proposed = 0;
    for (;;) {
      const operator = scheduleBalanceLeader(context);
      if (operator === undefined) break;
      assert.deepEqual(controller.addOperator(operator, cluster.nowMs), { added: true });
      proposed++;
      assert.ok(proposed <= 3, 'kept proposing beyond the balance point');
    }
    assert.equal(proposed, 3);
    assert.deepEqual([1n, 2n, 3n].map((storeId) => context.storeLoad(storeId).leaderCount), [2, 2, 2]);
  });

  test('a spread within the tolerance, or of a single leader, is left alone', () => {
    for (const [leaders, tolerance] of [
      [[3, 2, 2], 1],
      [[3, 2, 1], 2],
      [[2, 1, 1], 0],
      [[5, 1, 0], 4],
    ] as const) {
      const cluster = leaderCluster(leaders, { leaderScheduleTolerance: tolerance });
      const controller = new OperatorController({ config: () => cluster.config });
      assert.equal(scheduleBalanceLeader(createScheduleContext(cluster, controller, cluster.allocPeerId)), undefined, `${leaders.join('/')}`);
    }
  });

  test('with zero tolerance it still converges without passing a leader back and forth', () => {
    const cluster = leaderCluster([7, 0, 0], { leaderScheduleTolerance: 0 });
    const controller = new OperatorController({ config: () => cluster.config });
    const coordinator = new Coordinator(controller, { allocPeerId: cluster.allocPeerId, schedulers: [balanceLeaderScheduler] });
    const result = runUntilSettled(cluster, coordinator, controller, 20);
    assert.ok(result.settled);
    assert.deepEqual(counts(cluster).sort(), [2, 2, 3]);
    assert.equal(result.operators.length, 4);
  });

  test('never moves a leader to a down or pending peer, or to a store that is not up', () => {
    const cluster = new TestCluster();
    for (const id of [1n, 2n, 3n]) cluster.addStore(id);
    for (let id = 1n; id <= 4n; id++) {
      cluster.addRegion(id, { voterStoreIds: [1n, 2n, 3n], leaderStoreId: 1n, pendingStoreIds: [2n], downPeers: [{ storeId: 3n, downSeconds: 30n }] });
    }
    const controller = new OperatorController({ config: () => cluster.config });
    assert.equal(scheduleBalanceLeader(createScheduleContext(cluster, controller, cluster.allocPeerId)), undefined);
    for (let id = 1n; id <= 4n; id++) cluster.updateRegion(id, { pendingPeers: [], downPeers: [] });
    cluster.stopStore(2n);
    cluster.advanceTime(60_000);
    const operator = scheduleBalanceLeader(createScheduleContext(cluster, controller, cluster.allocPeerId));
    assert.ok(operator !== undefined);
    assert.deepEqual(operator.steps, [{ type: 'transferLeader', fromStoreId: 1n, toStoreId: 3n }]);
  });

  test('respects the per-store limit', () => {
    const cluster = leaderCluster([9, 0, 0], { storeLimitOperators: 2 });
    const controller = new OperatorController({ config: () => cluster.config });
    const coordinator = new Coordinator(controller, { allocPeerId: cluster.allocPeerId, schedulers: [balanceLeaderScheduler] });
    cluster.advanceTime(1000);
    const created = coordinator.scheduleOnce(cluster);
    assert.equal(created.length, 2);
    assert.equal(controller.storeOperatorCount(1n), 2);
  });
});
