import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfChangeType } from '../../../proto/gen/eraftpb.js';
import { OperatorPriority } from './operator.js';
import { createAddReplicaOperator, createMergeOperators, createMovePeerOperator, createTransferLeaderOperator } from './operator-builder.js';
import { OperatorController } from './operator-controller.js';
import { createScheduleContext, type ScheduleContext } from './schedule-context.js';
import { TestCluster } from './test-cluster.js';

const low = { kind: 'region', description: 'balance-region', priority: OperatorPriority.low } as const;
const urgent = { kind: 'replica', description: 'replace-down-replica', priority: OperatorPriority.urgent } as const;

function setup(regionCount = 8, storeLimitOperators = 2): { cluster: TestCluster; controller: OperatorController; context: ScheduleContext } {
  const cluster = new TestCluster({ storeLimitOperators, operatorStepTimeoutMs: 1000 });
  for (const id of [1n, 2n, 3n, 4n, 5n]) cluster.addStore(id);
  for (let id = 1n; id <= BigInt(regionCount); id++) cluster.addRegion(id, { voterStoreIds: [1n, 2n, 3n] });
  const controller = new OperatorController({ config: () => cluster.config, historyEntries: 4 });
  return { cluster, controller, context: createScheduleContext(cluster, controller, cluster.allocPeerId) };
}

describe('operator controller', () => {
  test('holds one operator per region; only a higher priority replaces it', () => {
    const { cluster, controller, context } = setup();
    const first = createMovePeerOperator(context, cluster.getRegion(1n)!, 2n, 4n, low)!;
    assert.deepEqual(controller.addOperator(first, cluster.nowMs), { added: true });
    assert.equal(first.status, 'running');
    const same = createMovePeerOperator(context, cluster.getRegion(1n)!, 3n, 5n, low)!;
    const rejected = controller.addOperator(same, cluster.nowMs);
    assert.equal(rejected.added, false);
    assert.equal(controller.getOperator(1n), first);

    const higher = createMovePeerOperator(context, cluster.getRegion(1n)!, 3n, 5n, urgent)!;
    assert.deepEqual(controller.addOperator(higher, cluster.nowMs), { added: true });
    assert.equal(first.status, 'replaced');
    assert.equal(controller.getOperator(1n), higher);
    assert.deepEqual(controller.history(), [first]);
  });

  test('enforces the per-store limit of operators in flight', () => {
    const { cluster, controller, context } = setup(8, 2);
    const results = [1n, 2n, 3n].map((regionId) =>
      controller.addOperator(createAddReplicaOperator(context, cluster.getRegion(regionId)!, 4n, low), cluster.nowMs),
    );
    assert.deepEqual(results.map((result) => result.added), [true, true, false]);
    assert.equal(controller.storeOperatorCount(4n), 2);
    assert.equal(controller.storeHasCapacity(4n), false);
    assert.equal(controller.storeHasCapacity(5n), true);
    // A transfer between two other stores is unaffected.
    const transfer = createTransferLeaderOperator(context, cluster.getRegion(3n)!, 1n, 2n, low);
    assert.deepEqual(controller.addOperator(transfer, cluster.nowMs), { added: true });
    // Raising the limit takes effect at once.
    cluster.config = { ...cluster.config, storeLimitOperators: 3 };
    assert.equal(controller.storeHasCapacity(4n), true);
  });

  test('dispatches commands on heartbeats and retires finished operators to the history', () => {
    const { cluster, controller, context } = setup();
    const operator = createAddReplicaOperator(context, cluster.getRegion(1n)!, 4n, low);
    controller.addOperator(operator, cluster.nowMs);
    assert.equal(controller.onRegionHeartbeat(cluster.getRegion(2n)!, cluster), undefined);
    const add = controller.onRegionHeartbeat(cluster.getRegion(1n)!, cluster)!;
    assert.equal(add.changePeer?.changeType, ConfChangeType.AddLearnerNode);
    // The same heartbeat again resends the same step.
    assert.deepEqual(controller.onRegionHeartbeat(cluster.getRegion(1n)!, cluster), add);
    assert.ok(cluster.applyResponse(add).applied);
    const promote = controller.onRegionHeartbeat(cluster.getRegion(1n)!, cluster)!;
    assert.equal(promote.changePeer?.changeType, ConfChangeType.AddNode);
    assert.ok(cluster.applyResponse(promote).applied);
    assert.equal(controller.onRegionHeartbeat(cluster.getRegion(1n)!, cluster), undefined);
    assert.equal(controller.getOperator(1n), undefined);
    assert.equal(controller.operators().length, 0);
    assert.equal(controller.history()[0]?.status, 'success');
    assert.equal(controller.storeOperatorCount(4n), 0);
  });

  test('times out operators on heartbeat or by sweep, freeing the store limit', () => {
    const { cluster, controller, context } = setup();
    const first = createTransferLeaderOperator(context, cluster.getRegion(1n)!, 1n, 2n, low);
    const second = createTransferLeaderOperator(context, cluster.getRegion(2n)!, 1n, 3n, low);
    controller.addOperators([first], cluster.nowMs);
    controller.addOperators([second], cluster.nowMs);
    cluster.advanceTime(1001);
    assert.equal(controller.onRegionHeartbeat(cluster.getRegion(1n)!, cluster), undefined);
    assert.equal(first.status, 'timeout');
    assert.deepEqual(controller.sweepTimedOut(cluster.nowMs), [second]);
    assert.equal(second.status, 'timeout');
    assert.equal(controller.operators().length, 0);
    assert.equal(controller.storeHasCapacity(1n), true);
  });

  test('keeps a bounded history, oldest dropped first', () => {
    const { cluster, controller, context } = setup(8, 100);
    const operators = [1n, 2n, 3n, 4n, 5n, 6n].map((regionId) => createTransferLeaderOperator(context, cluster.getRegion(regionId)!, 1n, 2n, low));
    for (const operator of operators) {
      controller.addOperator(operator, cluster.nowMs);
      assert.ok(controller.cancelOperator(operator.regionId, cluster.nowMs, 'test'));
    }
    assert.deepEqual(controller.history(), operators.slice(2));
    assert.equal(controller.cancelOperator(1n, cluster.nowMs, 'none'), false);
  });

  test('adds a group of operators all or nothing', () => {
    const { cluster, controller, context } = setup(8, 1);
    const blocker = createAddReplicaOperator(context, cluster.getRegion(3n)!, 5n, low);
    controller.addOperator(blocker, cluster.nowMs);
    const ok = createAddReplicaOperator(context, cluster.getRegion(1n)!, 4n, low);
    const blocked = createAddReplicaOperator(context, cluster.getRegion(2n)!, 5n, low);
    assert.equal(controller.addOperators([ok, blocked], cluster.nowMs).added, false);
    assert.equal(controller.getOperator(1n), undefined);
    assert.equal(ok.status, 'created');
  });

  test('a merge: the target absorbing the source finishes both halves', () => {
    const cluster = new TestCluster();
    for (const id of [1n, 2n, 3n]) cluster.addStore(id);
    cluster.addRegion(1n, { voterStoreIds: [1n, 2n, 3n], startKey: '', endKey: 'm' });
    cluster.addRegion(2n, { voterStoreIds: [1n, 2n, 3n], startKey: 'm', endKey: '' });
    const controller = new OperatorController({ config: () => cluster.config });
    const context = createScheduleContext(cluster, controller, cluster.allocPeerId);
    const merge = createMergeOperators(context, cluster.getRegion(1n)!, cluster.getRegion(2n)!, { kind: 'merge', description: 'merge-region', priority: OperatorPriority.normal })!;
    assert.deepEqual(controller.addOperators(merge, cluster.nowMs), { added: true });
    const command = controller.onRegionHeartbeat(cluster.getRegion(1n)!, cluster)!;
    assert.ok(cluster.applyResponse(command).applied);
    // The target reports first; the source is never heard from again.
    assert.equal(controller.onRegionHeartbeat(cluster.getRegion(2n)!, cluster), undefined);
    assert.deepEqual(merge.map((operator) => operator.status), ['success', 'success']);
    assert.equal(controller.operators().length, 0);
  });

  test('a merge: the source disappearing finishes it; a failed half frees the other', () => {
    const cluster = new TestCluster({ operatorStepTimeoutMs: 1000 });
    for (const id of [1n, 2n, 3n]) cluster.addStore(id);
    cluster.addRegion(1n, { voterStoreIds: [1n, 2n, 3n], startKey: '', endKey: 'm' });
    cluster.addRegion(2n, { voterStoreIds: [1n, 2n, 3n], startKey: 'm', endKey: '' });
    const controller = new OperatorController({ config: () => cluster.config });
    const context = createScheduleContext(cluster, controller, cluster.allocPeerId);
    const label = { kind: 'merge', description: 'merge-region', priority: OperatorPriority.normal } as const;

    const first = createMergeOperators(context, cluster.getRegion(1n)!, cluster.getRegion(2n)!, label)!;
    controller.addOperators(first, cluster.nowMs);
    controller.onRegionRemoved(1n, cluster.nowMs);
    assert.equal(first[0].status, 'success');
    assert.equal(first[1].status, 'running');
    controller.cancelOperator(2n, cluster.nowMs, 'test');

    const second = createMergeOperators(context, cluster.getRegion(1n)!, cluster.getRegion(2n)!, label)!;
    controller.addOperators(second, cluster.nowMs);
    cluster.advanceTime(10_001);
    controller.sweepTimedOut(cluster.nowMs);
    assert.deepEqual(second.map((operator) => operator.status), ['timeout', 'cancelled']);
    assert.equal(controller.operators().length, 0);
  });

  test('a region dropped from the cluster cancels its operator', () => {
    const { cluster, controller, context } = setup();
    const operator = createTransferLeaderOperator(context, cluster.getRegion(1n)!, 1n, 2n, low);
    controller.addOperator(operator, cluster.nowMs);
    const revision = controller.revision;
    controller.onRegionRemoved(1n, cluster.nowMs);
    assert.equal(operator.status, 'cancelled');
    assert.ok(controller.revision > revision);
  });
});
