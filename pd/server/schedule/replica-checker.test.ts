import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as metapb from '../../../proto/gen/metapb.js';
import type { ScheduleConfig } from '../cluster/types.js';
import { Coordinator } from './coordinator.js';
import { OperatorPriority, type Operator } from './operator.js';
import { createAddReplicaOperator } from './operator-builder.js';
import { OperatorController } from './operator-controller.js';
import { checkReplicas } from './replica-checker.js';
import { createScheduleContext } from './schedule-context.js';
import { driveOperators, runUntilSettled, TestCluster } from './test-cluster.js';

const hourMs = 60 * 60 * 1000;

function harness(config: Partial<ScheduleConfig> = {}) {
  const cluster = new TestCluster({ maxStoreDownTimeMs: hourMs, ...config });
  const controller = new OperatorController({ config: () => cluster.config });
  const check = (regionId: bigint): Operator | undefined =>
    checkReplicas(createScheduleContext(cluster, controller, cluster.allocPeerId), cluster.getRegion(regionId)!);
  /** Runs the checker on one region until it proposes nothing, carrying out each operator. */
  const settle = (regionId: bigint): Operator[] => {
    const operators: Operator[] = [];
    for (let round = 0; round < 10; round++) {
      const operator = check(regionId);
      if (operator === undefined) return operators;
      assert.deepEqual(controller.addOperator(operator, cluster.nowMs), { added: true });
      driveOperators(cluster, controller);
      assert.equal(operator.status, 'success', operator.toString());
      operators.push(operator);
    }
    throw new Error('the replica checker did not settle');
  };
  const storesOf = (regionId: bigint): bigint[] => cluster.getRegion(regionId)!.meta.peers.map((peer) => peer.storeId).sort();
  return { cluster, controller, check, settle, storesOf };
}

function addStores(cluster: TestCluster, ids: readonly bigint[]): void {
  for (const id of ids) cluster.addStore(id);
}

describe('replica checker', () => {
  test('a region with two replicas gets a third on the least loaded store', () => {
    const { cluster, check, settle, storesOf } = harness();
    addStores(cluster, [1n, 2n, 3n, 4n]);
    cluster.addRegion(1n, { voterStoreIds: [1n, 2n] });
    // Store 3 already carries more data than store 4.
    cluster.addRegion(2n, { voterStoreIds: [1n, 2n, 3n], sizeBytes: 500n * 1024n * 1024n });
    const operator = check(1n)!;
    assert.equal(operator.description, 'make-up-replica');
    assert.equal(operator.priority, OperatorPriority.high);
    assert.deepEqual(operator.steps.map((step) => [step.type, 'storeId' in step ? step.storeId : undefined]), [
      ['addLearner', 4n],
      ['promoteLearner', 4n],
    ]);
    settle(1n);
    assert.deepEqual(storesOf(1n), [1n, 2n, 4n]);
    assert.ok(cluster.getRegion(1n)!.meta.peers.every((peer) => peer.role === metapb.PeerRole.Voter));
    assert.equal(check(2n), undefined);
  });

  test('a region with one replica is brought to three on distinct stores', () => {
    const { cluster, settle, storesOf } = harness();
    addStores(cluster, [1n, 2n, 3n, 4n, 5n]);
    cluster.addRegion(1n, { voterStoreIds: [3n] });
    assert.equal(settle(1n).length, 2);
    assert.equal(new Set(storesOf(1n)).size, 3);
  });

  test("a Down store's replicas are replaced elsewhere, and only once the store is down long enough", () => {
    const { cluster, check, settle, storesOf } = harness();
    addStores(cluster, [1n, 2n, 3n, 4n]);
    cluster.addRegion(1n, { voterStoreIds: [1n, 2n, 3n] });
    cluster.stopStore(3n);
    cluster.advanceTime(hourMs - 1000);
    // Silent but not yet Down: nothing moves.
    assert.equal(check(1n), undefined);
    cluster.advanceTime(2000);
    const operator = check(1n)!;
    assert.equal(operator.description, 'replace-down-replica');
    assert.equal(operator.priority, OperatorPriority.urgent);
    settle(1n);
    assert.deepEqual(storesOf(1n), [1n, 2n, 4n]);
  });

  test('a peer the leader reports down for longer than max-store-down-time is replaced', () => {
    const { cluster, check, settle, storesOf } = harness();
    addStores(cluster, [1n, 2n, 3n, 4n]);
    cluster.addRegion(1n, { voterStoreIds: [1n, 2n, 3n], downPeers: [{ storeId: 2n, downSeconds: 60n }] });
    assert.equal(check(1n), undefined);
    cluster.updateRegion(1n, { downPeers: cluster.getRegion(1n)!.downPeers.map((entry) => ({ ...entry, downSeconds: 3600n })) });
    assert.equal(check(1n)?.description, 'replace-down-replica');
    settle(1n);
    assert.deepEqual(storesOf(1n), [1n, 3n, 4n]);
  });

  test("an Offline store's replicas move away, the leader first handing over", () => {
    const { cluster, check, settle, storesOf } = harness();
    addStores(cluster, [1n, 2n, 3n, 4n]);
    cluster.addRegion(1n, { voterStoreIds: [1n, 2n, 3n], leaderStoreId: 1n });
    cluster.setStoreState(1n, metapb.StoreState.Offline);
    const operator = check(1n)!;
    assert.equal(operator.description, 'replace-offline-replica');
    assert.deepEqual(operator.steps.map((step) => step.type), ['addLearner', 'promoteLearner', 'transferLeader', 'removePeer']);
    settle(1n);
    assert.deepEqual(storesOf(1n), [2n, 3n, 4n]);
    assert.notEqual(cluster.getRegion(1n)!.leader?.storeId, 1n);
  });

  test('a replica on a Tombstone or unknown store is replaced', () => {
    const { cluster, check } = harness();
    addStores(cluster, [1n, 2n, 3n, 4n, 5n]);
    cluster.addRegion(1n, { voterStoreIds: [1n, 2n, 3n] });
    cluster.setStoreState(3n, metapb.StoreState.Tombstone);
    assert.equal(check(1n)?.description, 'replace-down-replica');
    cluster.addRegion(2n, { voterStoreIds: [1n, 2n, 9n] });
    assert.equal(check(2n)?.description, 'replace-down-replica');
  });

  test('with nowhere to put a replacement, nothing is proposed', () => {
    const { cluster, check } = harness();
    addStores(cluster, [1n, 2n, 3n]);
    cluster.addRegion(1n, { voterStoreIds: [1n, 2n, 3n] });
    cluster.stopStore(3n);
    cluster.advanceTime(2 * hourMs);
    assert.equal(check(1n), undefined);
  });

  test('an extra replica is removed from the down store first', () => {
    const { cluster, check, settle, storesOf } = harness();
    addStores(cluster, [1n, 2n, 3n, 4n]);
    cluster.addRegion(1n, { voterStoreIds: [1n, 2n, 3n, 4n] });
    cluster.stopStore(2n);
    cluster.advanceTime(2 * hourMs);
    const operator = check(1n)!;
    assert.equal(operator.description, 'remove-extra-replica');
    assert.deepEqual(operator.steps.map((step) => [step.type, 'storeId' in step ? step.storeId : undefined]), [['removePeer', 2n]]);
    settle(1n);
    assert.deepEqual(storesOf(1n), [1n, 3n, 4n]);
  });

  test('an extra replica is removed where it is worst isolated', () => {
    const { cluster, check } = harness({ locationLabels: ['zone', 'host'] });
    cluster.addStore(1n, { labels: { zone: 'z1', host: 'h1' } });
    cluster.addStore(2n, { labels: { zone: 'z1', host: 'h2' } });
    cluster.addStore(3n, { labels: { zone: 'z2', host: 'h3' } });
    cluster.addStore(4n, { labels: { zone: 'z3', host: 'h4' } });
    cluster.addRegion(1n, { voterStoreIds: [1n, 2n, 3n, 4n], leaderStoreId: 3n });
    const operator = check(1n)!;
    const removed = operator.steps.find((step) => step.type === 'removePeer');
    assert.ok(removed !== undefined && (removed.storeId === 1n || removed.storeId === 2n));
  });

  test('with zone labels, replicas spread across zones before hosts', () => {
    const { cluster, settle, storesOf } = harness({ locationLabels: ['zone', 'host'] });
    const zones: Record<string, string> = { '1': 'z1', '2': 'z1', '3': 'z1', '4': 'z2', '5': 'z2', '6': 'z3' };
    for (const [id, zone] of Object.entries(zones)) cluster.addStore(BigInt(id), { labels: { zone, host: `h${id}` } });
    // Make the lone store of z3 the most loaded: it must still be chosen for isolation.
    cluster.addRegion(9n, { voterStoreIds: [6n, 5n, 3n], sizeBytes: 900n * 1024n * 1024n });
    cluster.addRegion(1n, { voterStoreIds: [1n] });
    settle(1n);
    const zonesOfRegion = storesOf(1n).map((storeId) => zones[storeId.toString()]);
    assert.deepEqual([...new Set(zonesOfRegion)].sort(), ['z1', 'z2', 'z3']);
  });

  test('replicas crowded in one zone are moved to a better location', () => {
    const { cluster, check, settle, storesOf } = harness({ locationLabels: ['zone'] });
    cluster.addStore(1n, { labels: { zone: 'z1' } });
    cluster.addStore(2n, { labels: { zone: 'z1' } });
    cluster.addStore(3n, { labels: { zone: 'z2' } });
    cluster.addStore(4n, { labels: { zone: 'z3' } });
    cluster.addRegion(1n, { voterStoreIds: [1n, 2n, 3n] });
    assert.equal(check(1n)?.description, 'move-to-better-location');
    settle(1n);
    const stores = storesOf(1n);
    assert.ok(stores.includes(4n) && stores.includes(3n));
    assert.equal(check(1n), undefined);
  });

  test('without a better location, an already spread region stays put', () => {
    const { cluster, check } = harness({ locationLabels: ['zone'] });
    cluster.addStore(1n, { labels: { zone: 'z1' } });
    cluster.addStore(2n, { labels: { zone: 'z2' } });
    cluster.addStore(3n, { labels: { zone: 'z3' } });
    cluster.addStore(4n, { labels: { zone: 'z3' } });
    cluster.addRegion(1n, { voterStoreIds: [1n, 2n, 3n] });
    assert.equal(check(1n), undefined);
  });

  test('a learner left behind is promoted when replicas are missing, removed otherwise', () => {
    const { cluster, check } = harness();
    addStores(cluster, [1n, 2n, 3n, 4n]);
    cluster.addRegion(1n, { voterStoreIds: [1n, 2n], learnerStoreIds: [3n] });
    assert.equal(check(1n)?.description, 'promote-learner');
    cluster.addRegion(2n, { voterStoreIds: [1n, 2n, 3n], learnerStoreIds: [4n] });
    assert.equal(check(2n)?.description, 'remove-extra-learner');
    // A learner still catching up is left alone.
    cluster.addRegion(3n, { voterStoreIds: [1n, 2n], learnerStoreIds: [3n], pendingStoreIds: [3n] });
    assert.equal(check(3n), undefined);
  });

  test('busy, full, silent and never-seen stores receive no replicas', () => {
    const { cluster, check } = harness();
    addStores(cluster, [1n, 2n]);
    cluster.addStore(3n, { isBusy: true });
    cluster.addStore(4n, { capacityBytes: 100n, availableBytes: 10n });
    cluster.addStore(5n, { lastHeartbeatMs: 0 });
    cluster.addStore(6n, { lastHeartbeatMs: cluster.nowMs - 60_000 });
    cluster.addStore(7n, { capacityBytes: 100n, availableBytes: 50n });
    cluster.addRegion(1n, { voterStoreIds: [1n, 2n] });
    const operator = check(1n)!;
    assert.equal(operator.steps[0]?.type === 'addLearner' ? operator.steps[0].storeId : undefined, 7n);
  });

  test('a store at its operator limit is passed over for the next best', () => {
    const { cluster, controller, check } = harness({ storeLimitOperators: 1 });
    addStores(cluster, [1n, 2n, 3n, 4n, 5n]);
    cluster.addRegion(1n, { voterStoreIds: [1n, 2n] });
    cluster.addRegion(2n, { voterStoreIds: [1n, 2n] });
    cluster.addRegion(3n, { voterStoreIds: [1n, 2n] });
    cluster.addRegion(4n, { voterStoreIds: [1n, 2n] });
    const addTarget = (operator: Operator | undefined): bigint | undefined => {
      const step = operator?.steps[0];
      return step?.type === 'addLearner' ? step.storeId : undefined;
    };
    const targets: (bigint | undefined)[] = [];
    for (const regionId of [1n, 2n, 3n, 4n]) {
      const operator = check(regionId);
      targets.push(addTarget(operator));
      if (operator !== undefined) assert.deepEqual(controller.addOperator(operator, cluster.nowMs), { added: true });
    }
    // One operator per store: the three empty stores each take one, the fourth region waits.
    assert.deepEqual(targets, [3n, 4n, 5n, undefined]);
    driveOperators(cluster, controller);
    assert.equal(addTarget(check(4n)), 3n);
  });

  test('a region with an operator in flight, or without a leader, is skipped', () => {
    const { cluster, controller, check } = harness();
    addStores(cluster, [1n, 2n, 3n]);
    cluster.addRegion(1n, { voterStoreIds: [1n, 2n] });
    cluster.addRegion(2n, { voterStoreIds: [1n, 2n], leaderStoreId: null });
    const context = createScheduleContext(cluster, controller, cluster.allocPeerId);
    controller.addOperator(createAddReplicaOperator(context, cluster.getRegion(1n)!, 3n, { kind: 'admin', description: 'x', priority: OperatorPriority.low }), cluster.nowMs);
    assert.equal(check(1n), undefined);
    assert.equal(check(2n), undefined);
  });

  test('end to end: a store goes down and every region is restored to three replicas elsewhere', () => {
    const cluster = new TestCluster({ maxStoreDownTimeMs: hourMs, storeLimitOperators: 3 });
    addStores(cluster, [1n, 2n, 3n, 4n, 5n]);
    for (let id = 1n; id <= 20n; id++) {
      const first = (id % 5n) + 1n;
      cluster.addRegion(id, { voterStoreIds: [first, (first % 5n) + 1n, ((first + 1n) % 5n) + 1n] });
    }
    const controller = new OperatorController({ config: () => cluster.config });
    const coordinator = new Coordinator(controller, { allocPeerId: cluster.allocPeerId, schedulers: [] });
    cluster.stopStore(3n);
    cluster.advanceTime(hourMs + 1);
    const result = runUntilSettled(cluster, coordinator, controller, 50);
    assert.ok(result.settled);
    for (const region of cluster.regions()) {
      const stores = region.meta.peers.map((peer) => peer.storeId);
      assert.equal(stores.length, 3);
      assert.equal(new Set(stores).size, 3);
      assert.ok(!stores.includes(3n), `region ${region.meta.id} still on the down store`);
    }
    assert.ok(result.operators.every((operator) => operator.description === 'replace-down-replica'));
  });
});
