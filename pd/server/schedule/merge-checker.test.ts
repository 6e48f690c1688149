import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ScheduleConfig } from '../cluster/types.js';
import { Coordinator } from './coordinator.js';
import { checkMerge } from './merge-checker.js';
import { OperatorController } from './operator-controller.js';
import { createScheduleContext } from './schedule-context.js';
import { adjacentRegionKeys, runUntilSettled, TestCluster } from './test-cluster.js';

const mebibyte = 1024n * 1024n;

function chain(sizesMiB: readonly bigint[], config: Partial<ScheduleConfig> = {}): TestCluster {
  const cluster = new TestCluster(config);
  for (const id of [1n, 2n, 3n, 4n]) cluster.addStore(id);
  sizesMiB.forEach((size, index) => {
    cluster.addRegion(BigInt(index + 1), { voterStoreIds: [1n, 2n, 3n], sizeBytes: size * mebibyte, ...adjacentRegionKeys(index, sizesMiB.length) });
  });
  return cluster;
}

const settled = (): boolean => true;

describe('merge checker', () => {
  test('a small region merges into its smaller neighbour', () => {
    const cluster = chain([30n, 1n, 5n]);
    const controller = new OperatorController({ config: () => cluster.config });
    const context = createScheduleContext(cluster, controller, cluster.allocPeerId);
    const merge = checkMerge(context, cluster.getRegion(2n)!, settled);
    assert.ok(merge !== undefined);
    const [active, passive] = merge;
    assert.equal(active.regionId, 2n);
    assert.equal(passive.regionId, 3n);
    assert.equal(active.kind, 'merge');
    // Large regions are not merge sources.
    assert.equal(checkMerge(context, cluster.getRegion(1n)!, settled), undefined);
  });

  test('regions that have not kept their shape long enough, or are unhealthy, are not merged', () => {
    const cluster = chain([1n, 1n]);
    const controller = new OperatorController({ config: () => cluster.config });
    const context = createScheduleContext(cluster, controller, cluster.allocPeerId);
    assert.equal(checkMerge(context, cluster.getRegion(1n)!, () => false), undefined);
    cluster.updateRegion(2n, { pendingPeers: [cluster.getRegion(2n)!.meta.peers[1]!] });
    assert.equal(checkMerge(context, cluster.getRegion(1n)!, settled), undefined);
  });

  test('a merge whose result would be split again is not planned', () => {
    const cluster = chain([10n, 90n]);
    const controller = new OperatorController({ config: () => cluster.config });
    assert.equal(checkMerge(createScheduleContext(cluster, controller, cluster.allocPeerId), cluster.getRegion(1n)!, settled), undefined);
  });

  test('the coordinator merges a run of small regions once the split-merge interval has passed', () => {
    const cluster = chain([1n, 1n, 1n, 1n, 1n, 1n]);
    // Region 4 lives on other stores: its merge must first move a peer.
    cluster.removeRegion(4n);
    cluster.addRegion(4n, { voterStoreIds: [2n, 3n, 4n], sizeBytes: mebibyte, ...adjacentRegionKeys(3, 6) });
    const controller = new OperatorController({ config: () => cluster.config });
    const coordinator = new Coordinator(controller, { allocPeerId: cluster.allocPeerId, schedulers: [], splitMergeIntervalMs: 60_000 });
    cluster.advanceTime(1000);
    assert.deepEqual(coordinator.scheduleOnce(cluster), []);
    cluster.advanceTime(50_000);
    assert.deepEqual(coordinator.scheduleOnce(cluster), []);
    const result = runUntilSettled(cluster, coordinator, controller, 100);
    assert.ok(result.settled);
    assert.ok(cluster.regions().length < 6);
    // The key space is still covered exactly once, from the empty start key to the empty end key.
    const regions = [...cluster.regions()].sort((first, second) => first.meta.startKey.compare(second.meta.startKey));
    assert.equal(regions[0]!.meta.startKey.length, 0);
    assert.equal(regions.at(-1)!.meta.endKey.length, 0);
    for (let index = 1; index < regions.length; index++) assert.ok(regions[index - 1]!.meta.endKey.equals(regions[index]!.meta.startKey));
    assert.ok(result.operators.some((operator) => operator.steps.some((step) => step.type === 'addLearner')));
    assert.ok(result.operators.every((operator) => operator.status === 'success'), result.operators.map(String).join('\n'));
  });
});
