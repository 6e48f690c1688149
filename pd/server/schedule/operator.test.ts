import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfChangeType } from '../../../proto/gen/eraftpb.js';
import * as metapb from '../../../proto/gen/metapb.js';
import { CheckPolicy } from '../../../proto/gen/pdpb.js';
import { Operator, OperatorPriority } from './operator.js';
import {
  createMergeOperators,
  createMovePeerOperator,
  createSplitRegionOperator,
  createTransferLeaderOperator,
} from './operator-builder.js';
import { OperatorController } from './operator-controller.js';
import { peerOnStore } from './region-peers.js';
import { createScheduleContext, type ScheduleContext } from './schedule-context.js';
import { TestCluster } from './test-cluster.js';

const label = { kind: 'admin', description: 'test', priority: OperatorPriority.normal } as const;

function setup(): { cluster: TestCluster; context: ScheduleContext } {
  const cluster = new TestCluster({ operatorStepTimeoutMs: 1000 });
  for (const id of [1n, 2n, 3n, 4n]) cluster.addStore(id);
  cluster.addRegion(1n, { voterStoreIds: [1n, 2n, 3n], leaderStoreId: 1n });
  const controller = new OperatorController({ config: () => cluster.config });
  return { cluster, context: createScheduleContext(cluster, controller, cluster.allocPeerId) };
}

function mustRunning(operator: Operator, cluster: TestCluster) {
  const progress = operator.checkProgress(cluster.getRegion(operator.regionId)!, cluster);
  assert.equal(progress.type, 'running', JSON.stringify(progress, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)));
  if (progress.type !== 'running') throw new Error('unreachable');
  return progress;
}

describe('operator', () => {
  test('a peer move walks add learner, promote, transfer leader, remove, and then finishes', () => {
    const { cluster, context } = setup();
    const operator = createMovePeerOperator(context, cluster.getRegion(1n)!, 1n, 4n, label);
    assert.ok(operator !== undefined);
    assert.deepEqual(
      operator.steps.map((step) => step.type),
      ['addLearner', 'promoteLearner', 'transferLeader', 'removePeer'],
    );

    let progress = mustRunning(operator, cluster);
    assert.equal(progress.stepIndex, 0);
    const add = progress.command!;
    assert.equal(add.regionId, 1n);
    assert.deepEqual(add.regionEpoch, { confVer: 1n, version: 1n });
    assert.equal(add.targetPeer?.storeId, 1n);
    assert.equal(add.changePeer?.changeType, ConfChangeType.AddLearnerNode);
    assert.equal(add.changePeer?.peer?.storeId, 4n);
    assert.equal(add.changePeer?.peer?.role, metapb.PeerRole.Learner);
    const newPeerId = add.changePeer?.peer?.id;
    assert.ok(cluster.applyResponse(add).applied);

    progress = mustRunning(operator, cluster);
    assert.equal(progress.step.type, 'promoteLearner');
    assert.equal(progress.command?.changePeer?.changeType, ConfChangeType.AddNode);
    assert.equal(progress.command?.changePeer?.peer?.id, newPeerId);
    assert.deepEqual(progress.command?.regionEpoch, { confVer: 2n, version: 1n });
    assert.ok(cluster.applyResponse(progress.command!).applied);

    progress = mustRunning(operator, cluster);
    assert.equal(progress.step.type, 'transferLeader');
    const newLeaderStore = progress.command?.transferLeader?.peer?.storeId;
    assert.ok(newLeaderStore !== undefined && newLeaderStore !== 1n);
    assert.ok(cluster.applyResponse(progress.command!).applied);

    progress = mustRunning(operator, cluster);
    assert.equal(progress.step.type, 'removePeer');
    assert.equal(progress.command?.changePeer?.changeType, ConfChangeType.RemoveNode);
    assert.equal(progress.command?.changePeer?.peer?.storeId, 1n);
    assert.equal(progress.command?.targetPeer?.storeId, newLeaderStore);
    assert.ok(cluster.applyResponse(progress.command!).applied);

    assert.deepEqual(operator.checkProgress(cluster.getRegion(1n)!, cluster), { type: 'finished' });
    assert.equal(operator.status, 'success');
    const region = cluster.getRegion(1n)!;
    assert.deepEqual(region.meta.peers.map((peer) => peer.storeId).sort(), [2n, 3n, 4n]);
    assert.ok(region.meta.peers.every((peer) => peer.role === metapb.PeerRole.Voter));
  });

  test('a pending learner is waited for: no command until it has caught up', () => {
    const { cluster, context } = setup();
    const operator = createMovePeerOperator(context, cluster.getRegion(1n)!, 2n, 4n, label)!;
    assert.ok(cluster.applyResponse(mustRunning(operator, cluster).command!).applied);
    const learner = peerOnStore(cluster.getRegion(1n)!.meta, 4n)!;
    cluster.updateRegion(1n, { pendingPeers: [learner] });
    let progress = mustRunning(operator, cluster);
    assert.equal(progress.stepIndex, 0);
    assert.equal(progress.command, undefined);
    cluster.updateRegion(1n, { pendingPeers: [] });
    progress = mustRunning(operator, cluster);
    assert.equal(progress.step.type, 'promoteLearner');
  });

  test('a heartbeat that shows several steps done skips them all at once', () => {
    const { cluster, context } = setup();
    const operator = createMovePeerOperator(context, cluster.getRegion(1n)!, 2n, 4n, label)!;
    const first = operator.steps[0]!;
    const learnerId = first.type === 'addLearner' ? first.peerId : 0n;
    // The store applied the learner and the promotion before PD heard back.
    const region = cluster.getRegion(1n)!;
    cluster.updateRegion(1n, {
      meta: { ...region.meta, peers: [...region.meta.peers, { id: learnerId, storeId: 4n, role: metapb.PeerRole.Voter }], regionEpoch: { confVer: 3n, version: 1n } },
    });
    const progress = mustRunning(operator, cluster);
    assert.equal(progress.step.type, 'removePeer');
    assert.equal(operator.currentStepIndex, 2);
  });

  test('a step that is not confirmed in time times the operator out; slow steps get longer', () => {
    const { cluster, context } = setup();
    const operator = createMovePeerOperator(context, cluster.getRegion(1n)!, 2n, 4n, label)!;
    assert.deepEqual(operator.stepTimeoutsMs, [10_000, 1000, 1000]);
    mustRunning(operator, cluster);
    cluster.advanceTime(10_000);
    mustRunning(operator, cluster);
    cluster.advanceTime(1);
    const progress = operator.checkProgress(cluster.getRegion(1n)!, cluster);
    assert.equal(progress.type, 'timedOut');
    assert.equal(operator.status, 'timeout');
    assert.equal(operator.checkProgress(cluster.getRegion(1n)!, cluster).type, 'timedOut');
  });

  test('each step gets its own timeout, counted from when the previous one finished', () => {
    const { cluster, context } = setup();
    const operator = createMovePeerOperator(context, cluster.getRegion(1n)!, 2n, 4n, label)!;
    cluster.advanceTime(9000);
    assert.ok(cluster.applyResponse(mustRunning(operator, cluster).command!).applied);
    cluster.advanceTime(500);
    assert.equal(mustRunning(operator, cluster).step.type, 'promoteLearner');
    cluster.advanceTime(1000);
    assert.equal(mustRunning(operator, cluster).step.type, 'promoteLearner');
    cluster.advanceTime(1);
    assert.equal(operator.checkProgress(cluster.getRegion(1n)!, cluster).type, 'timedOut');
  });

  test('a membership change the operator did not make cancels it', () => {
    const { cluster, context } = setup();
    const operator = createMovePeerOperator(context, cluster.getRegion(1n)!, 2n, 4n, label)!;
    mustRunning(operator, cluster);
    // Someone else removed the peer on store 3.
    const region = cluster.getRegion(1n)!;
    cluster.updateRegion(1n, {
      meta: { ...region.meta, peers: region.meta.peers.filter((peer) => peer.storeId !== 3n), regionEpoch: { confVer: 2n, version: 1n } },
    });
    const progress = operator.checkProgress(cluster.getRegion(1n)!, cluster);
    assert.equal(progress.type, 'cancelled');
    assert.equal(operator.status, 'cancelled');
    assert.match(operator.endReason ?? '', /conf version/);
  });

  test('a learner slot taken by another peer cancels the operator', () => {
    const { cluster, context } = setup();
    const operator = createMovePeerOperator(context, cluster.getRegion(1n)!, 2n, 4n, label)!;
    const region = cluster.getRegion(1n)!;
    cluster.updateRegion(1n, {
      meta: { ...region.meta, peers: [...region.meta.peers, { id: 77n, storeId: 4n, role: metapb.PeerRole.Learner }], regionEpoch: { confVer: 2n, version: 1n } },
    });
    const progress = operator.checkProgress(cluster.getRegion(1n)!, cluster);
    assert.equal(progress.type, 'cancelled');
    assert.match(progress.type === 'cancelled' ? progress.reason : '', /already holds peer 77/);
  });

  test('removing the peer that became leader meanwhile cancels the operator', () => {
    const { cluster, context } = setup();
    const region = cluster.getRegion(1n)!;
    const operator = createTransferLeaderOperator(context, region, 1n, 2n, label);
    const progress = mustRunning(operator, cluster);
    assert.equal(progress.command?.transferLeader?.peer?.storeId, 2n);
    assert.ok(cluster.applyResponse(progress.command!).applied);
    assert.equal(operator.checkProgress(cluster.getRegion(1n)!, cluster).type, 'finished');

    const remove = new Operator({
      regionId: 1n,
      regionEpoch: { confVer: 1n, version: 1n },
      kind: 'admin',
      description: 'remove',
      priority: OperatorPriority.normal,
      steps: [{ type: 'removePeer', storeId: 2n, peerId: peerOnStore(region.meta, 2n)!.id }],
      createdAtMs: cluster.nowMs,
      fastStepTimeoutMs: 1000,
      regionSizeBytes: 0n,
    });
    assert.equal(remove.checkProgress(cluster.getRegion(1n)!, cluster).type, 'cancelled');
  });

  test('a step that needs a store PD counts down is stale at once; removing a peer from one is not', () => {
    const cluster = new TestCluster({ maxStoreDownTimeMs: 1000, operatorStepTimeoutMs: 60_000 });
    for (const id of [1n, 2n, 3n, 4n]) cluster.addStore(id);
    cluster.addRegion(1n, { voterStoreIds: [1n, 2n, 3n], leaderStoreId: 1n });
    const controller = new OperatorController({ config: () => cluster.config });
    const context = createScheduleContext(cluster, controller, cluster.allocPeerId);
    const reasonOf = (operator: Operator): string => {
      const progress = operator.checkProgress(cluster.getRegion(1n)!, cluster);
      return progress.type === 'cancelled' ? progress.reason : progress.type;
    };

    // Adding a learner on a store that stopped heartbeating: running until the store is down.
    const add = createMovePeerOperator(context, cluster.getRegion(1n)!, 3n, 4n, label)!;
    const movePromote = createMovePeerOperator(context, cluster.getRegion(1n)!, 3n, 4n, label)!;
    cluster.stopStore(4n);
    cluster.advanceTime(1000);
    assert.equal(reasonOf(add), 'running');
    cluster.advanceTime(1);
    assert.equal(reasonOf(add), 'store 4 is down');

    // The learner exists, and the leader reports it silent as long as a store takes to be down.
    const learnerStep = movePromote.steps[0]!;
    assert.ok(learnerStep.type === 'addLearner');
    const region = cluster.getRegion(1n)!;
    const learner = { id: learnerStep.peerId, storeId: 4n, role: metapb.PeerRole.Learner };
    cluster.updateRegion(1n, { meta: { ...region.meta, peers: [...region.meta.peers, learner], regionEpoch: { confVer: 2n, version: 1n } } });
    assert.equal(reasonOf(movePromote), 'store 4 is down');

    // Leadership offered to a peer the leader reports down never arrives.
    const transfer = createTransferLeaderOperator(context, cluster.getRegion(1n)!, 1n, 2n, label);
    cluster.updateRegion(1n, { downPeers: [{ peer: { ...peerOnStore(region.meta, 2n)! }, downSeconds: 1n }] });
    assert.equal(reasonOf(transfer), `peer ${peerOnStore(region.meta, 2n)!.id} on store 2 is reported down by the leader`);

    // Removing the peer on the down store is what should happen, so it goes ahead.
    const remove = new Operator({
      regionId: 1n,
      regionEpoch: { confVer: 2n, version: 1n },
      kind: 'replica',
      description: 'remove-bad-learner',
      priority: OperatorPriority.normal,
      steps: [{ type: 'removePeer', storeId: 4n, peerId: learner.id }],
      createdAtMs: cluster.nowMs,
      fastStepTimeoutMs: 1000,
      regionSizeBytes: 0n,
    });
    assert.equal(mustRunning(remove, cluster).command?.changePeer?.peer?.storeId, 4n);
  });

  test('a resent command carries the current epoch, so a store that already applied it rejects it', () => {
    const { cluster, context } = setup();
    const operator = createMovePeerOperator(context, cluster.getRegion(1n)!, 2n, 4n, label)!;
    const command = mustRunning(operator, cluster).command!;
    assert.ok(cluster.applyResponse(command).applied);
    assert.equal(cluster.applyResponse(command).applied, false);
  });

  test('a split finishes when the region range changes', () => {
    const { cluster, context } = setup();
    const operator = createSplitRegionOperator(context, cluster.getRegion(1n)!, CheckPolicy.UseKey, [Buffer.from('m')], label);
    const progress = mustRunning(operator, cluster);
    assert.deepEqual(progress.command?.splitRegion, { policy: CheckPolicy.UseKey, keys: [Buffer.from('m')] });
    const result = cluster.applyResponse(progress.command!);
    assert.ok(result.applied);
    assert.equal(operator.checkProgress(cluster.getRegion(1n)!, cluster).type, 'finished');
    assert.equal(cluster.regions().length, 2);
  });

  test('a merge: the active operator sends the merge, the passive one finishes when the target grows', () => {
    const cluster = new TestCluster({ operatorStepTimeoutMs: 1000 });
    for (const id of [1n, 2n, 3n]) cluster.addStore(id);
    cluster.addRegion(1n, { voterStoreIds: [1n, 2n, 3n], startKey: '', endKey: 'm' });
    cluster.addRegion(2n, { voterStoreIds: [2n, 3n, 1n], startKey: 'm', endKey: '' });
    const controller = new OperatorController({ config: () => cluster.config });
    const context = createScheduleContext(cluster, controller, cluster.allocPeerId);
    const [active, passive] = createMergeOperators(context, cluster.getRegion(1n)!, cluster.getRegion(2n)!, label)!;
    assert.deepEqual(active.steps.map((step) => step.type), ['mergeRegion']);
    assert.equal(mustRunning(passive, cluster).command, undefined);
    const progress = mustRunning(active, cluster);
    assert.equal(progress.command?.merge?.target?.id, 2n);
    assert.deepEqual(cluster.applyResponse(progress.command!), { applied: true, removedRegionIds: [1n], createdRegionIds: [] });
    assert.equal(passive.checkProgress(cluster.getRegion(2n)!, cluster).type, 'finished');
    assert.equal(cluster.getRegion(2n)!.meta.startKey.length, 0);
  });

  test('a merge between regions on different stores first moves the source peers', () => {
    const cluster = new TestCluster({ operatorStepTimeoutMs: 1000 });
    for (const id of [1n, 2n, 3n, 4n]) cluster.addStore(id);
    cluster.addRegion(1n, { voterStoreIds: [1n, 2n, 3n], leaderStoreId: 1n, startKey: '', endKey: 'm' });
    cluster.addRegion(2n, { voterStoreIds: [2n, 3n, 4n], startKey: 'm', endKey: '' });
    const controller = new OperatorController({ config: () => cluster.config });
    const context = createScheduleContext(cluster, controller, cluster.allocPeerId);
    const [active, passive] = createMergeOperators(context, cluster.getRegion(1n)!, cluster.getRegion(2n)!, label)!;
    assert.deepEqual(
      active.steps.map((step) => step.type),
      ['addLearner', 'promoteLearner', 'transferLeader', 'removePeer', 'mergeRegion'],
    );
    // The passive half holds the target for as long as the whole active half may take.
    assert.deepEqual(passive.stepTimeoutsMs, [10_000 + 1000 + 1000 + 1000 + 10_000]);
    for (let index = 0; index < 4; index++) assert.ok(cluster.applyResponse(mustRunning(active, cluster).command!).applied);
    const merge = mustRunning(active, cluster);
    assert.equal(merge.step.type, 'mergeRegion');
    assert.ok(cluster.applyResponse(merge.command!).applied);
    assert.equal(cluster.regions().length, 1);
  });

  test('summary is JSON-safe', () => {
    const { cluster, context } = setup();
    const operator = createMovePeerOperator(context, cluster.getRegion(1n)!, 2n, 4n, label)!;
    const summary = JSON.parse(JSON.stringify(operator.summary())) as { regionId: string; steps: string[]; status: string };
    assert.equal(summary.regionId, '1');
    assert.equal(summary.status, 'created');
    assert.equal(summary.steps.length, 3);
    assert.match(summary.steps[0]!, /add learner peer \d+ on store 4/);
  });
});
