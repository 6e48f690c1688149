import { bindServer } from '../../../common/grpc-bind.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '@grpc/grpc-js';
import { asTimestamp } from '../../../common/ids.js';
import * as deadlockpb from '../../../proto/gen/deadlock.js';
import { isKeyError } from '../../mvcc/errors.js';
import { ClusterDeadlockDetector, deadlockService, keyHash } from './deadlock-detector.js';
import { LockManager } from './lock-manager.js';
import { LockWaiters } from './lock-waiters.js';
import { WaitForGraph } from './wait-for-graph.js';

const key = (name: string) => Buffer.from(name);
const edge = (txn: bigint, waitForTxn: bigint, name = `k${txn}-${waitForTxn}`) => ({ txn, waitForTxn, keyHash: keyHash(key(name)), key: key(name) });

describe('the wait-for graph', () => {
  test('an edge that closes a cycle is refused and names it; others are added', () => {
    const graph = new WaitForGraph();
    assert.equal(graph.detect(edge(1n, 2n), 10_000), undefined);
    assert.equal(graph.detect(edge(2n, 3n), 10_000), undefined);
    // 3 → 1 closes 1 → 2 → 3 → 1.
    const found = graph.detect(edge(3n, 1n, 'held-by-1'), 10_000);
    assert.ok(found !== undefined);
    assert.deepEqual(found.waitChain.map((each) => [each.txn, each.waitForTxn]), [[3n, 1n], [1n, 2n], [2n, 3n]]);
    assert.equal(found.deadlockKeyHash, keyHash(key('k2-3')));
    assert.equal(graph.size, 2, 'the refused edge is not added');
    // A two-txn cycle.
    assert.ok(graph.detect(edge(2n, 1n), 10_000) !== undefined);
  });

  test('two waits of one txn for another make one edge that stays until both end; a repeated wait counts once', () => {
    const graph = new WaitForGraph();
    graph.detect(edge(1n, 2n, 'x'), 10_000);
    graph.detect(edge(1n, 2n, 'y'), 10_000);
    // A Detect retried after a timeout: the same wait again.
    graph.detect(edge(1n, 2n, 'y'), 10_000);
    graph.cleanUpWaitFor(1n, 2n, keyHash(key('x')));
    assert.ok(graph.detect(edge(2n, 1n), 10_000) !== undefined, 'the second wait still counts');
    graph.cleanUpWaitFor(1n, 2n, keyHash(key('y')));
    assert.equal(graph.detect(edge(2n, 1n), 10_000), undefined, 'the repeated wait ended with its one clean-up');
  });

  test('clean-ups remove edges: a waiter that stopped waiting, a txn that ended', () => {
    const graph = new WaitForGraph();
    graph.detect(edge(1n, 2n), 10_000);
    graph.detect(edge(2n, 3n), 10_000);
    graph.cleanUpWaitFor(2n, 3n, keyHash(key('k2-3')));
    assert.equal(graph.detect(edge(3n, 1n), 10_000), undefined);
    graph.cleanUp(3n);
    graph.cleanUp(1n);
    assert.equal(graph.size, 0);
  });

  test('an edge whose time to live ran out no longer counts (its waiter\'s store died)', () => {
    let now = 1_000;
    const graph = new WaitForGraph(() => now);
    graph.detect(edge(1n, 2n), 500);
    now += 501;
    assert.equal(graph.detect(edge(2n, 1n), 500), undefined);
    assert.equal(graph.size, 1);
  });

  test('expired edges no search meets are swept too, so the graph does not grow without bound', () => {
    let now = 1_000;
    const graph = new WaitForGraph(() => now);
    for (let txn = 10n; txn < 110n; txn++) graph.detect(edge(txn, txn + 1_000n), 500);
    assert.equal(graph.size, 100);
    now += 1_001;
    // An unrelated wait: its search meets none of them, the sweep drops them all.
    graph.detect(edge(5n, 6n), 500);
    assert.equal(graph.size, 1);
    graph.clear();
    assert.equal(graph.size, 0);
  });
});

describe('lock waiters', () => {
  test('a release of the key wakes its waiters; other keys do not; timeouts and cancels end a wait', async () => {
    const waiters = new LockWaiters();
    const first = waiters.register(key('a'), 60_000);
    const second = waiters.register(key('a'), 60_000);
    const other = waiters.register(key('b'), 60_000);
    assert.equal(waiters.size, 3);
    waiters.released([key('a')]);
    assert.equal(await first.wait, 'released');
    assert.equal(await second.wait, 'released');
    other.cancel();
    assert.equal(await other.wait, 'cancelled');
    assert.equal(await waiters.register(key('c'), 5).wait, 'timeout');
    assert.equal(waiters.size, 0);
  });

  test('a region this store stops leading: the waiters on its keys give up, the others keep waiting', async () => {
    const waiters = new LockWaiters();
    const [before, atStart, inside, atEnd] = ['a', 'm', 'mz', 't'].map((name) => waiters.register(key(name), 60_000));
    waiters.cancelRange(key('m'), key('t'));
    assert.equal(await atStart!.wait, 'cancelled');
    assert.equal(await inside!.wait, 'cancelled');
    assert.equal(waiters.size, 2);
    waiters.cancelRange(key('s'), new Uint8Array(0));
    assert.equal(await atEnd!.wait, 'cancelled', 'an empty end is unbounded');
    before!.cancel();
    assert.equal(await before!.wait, 'cancelled');
    assert.equal(waiters.size, 0);
  });

  test('closed (the store stops): waiters give up, and a request arriving afterwards does not wait', async () => {
    const waiters = new LockWaiters();
    const waiting = waiters.register(key('a'), 60_000);
    waiters.close();
    assert.equal(await waiting.wait, 'cancelled');
    assert.equal(await waiters.register(key('b'), 60_000).wait, 'cancelled');
    assert.equal(waiters.size, 0);
  });
});

describe('the lock manager', () => {
  const wait = (manager: LockManager, startTs: bigint, lockTs: bigint, name: string, stillLocked = true) =>
    manager.waitFor({ key: key(name), lockKey: key(`lock-${name}`), lockTs: asTimestamp(lockTs), startTs: asTimestamp(startTs), isFirstLock: false, timeoutMs: 60_000, stillLocked: async () => stillLocked });

  test('waits until the lock is released; refuses a wait that would deadlock; a lock already gone is not waited for', async () => {
    const manager = new LockManager();
    const waiting = wait(manager, 10n, 20n, 'x');
    // Let the detector record 10 → 20 before 20 asks to wait for 10.
    await new Promise((resolve) => setImmediate(resolve));
    await assert.rejects(wait(manager, 20n, 10n, 'y'), (error: unknown) => isKeyError(error, 'deadlock'));
    manager.waiters.released([key('lock-x')]);
    assert.equal(await waiting, 'released');
    // The wait ended, so its edge went: 20 may wait for 10 now.
    const later = wait(manager, 20n, 10n, 'y');
    await new Promise((resolve) => setImmediate(resolve));
    manager.waiters.released([key('lock-y')]);
    assert.equal(await later, 'released');
    assert.equal(await wait(manager, 30n, 40n, 'z', false), 'released');
    assert.equal(manager.waiters.size, 0);
  });

  test('the wire\'s wait timeout: negative never waits, 0 is the default, others are capped', () => {
    const manager = new LockManager({ defaultWaitTimeoutMs: 700, maxWaitTimeoutMs: 5_000 });
    assert.equal(manager.waitBudgetMs(-1n), 0);
    assert.equal(manager.waitBudgetMs(0n), 700);
    assert.equal(manager.waitBudgetMs(1_200n), 1_200);
    assert.equal(manager.waitBudgetMs(90_000n), 5_000);
  });
});

describe('one deadlock detector for the cluster, over the Deadlock service', () => {
  const detectorGraph = new WaitForGraph();
  const servers: Server[] = [];
  const addresses: string[] = [];
  before(async () => {
    // Two stores: the second is the detector; the first answers "not the detector".
    for (const isDetector of [() => false, () => true]) {
      const server = new Server();
      server.addService(deadlockpb.DeadlockService, deadlockService(isDetector() ? detectorGraph : new WaitForGraph(), isDetector));
      const port = await bindServer(server, '127.0.0.1:0');
      servers.push(server);
      addresses.push(`127.0.0.1:${port}`);
    }
  });
  after(() => {
    for (const server of servers) server.forceShutdown();
  });

  test('a cycle through waits recorded from two stores is found; a stale detector address is replaced', async () => {
    // PD first names the old detector, then the right one.
    const answers = [addresses[0]!, addresses[1]!];
    const remote = new ClusterDeadlockDetector({ graph: new WaitForGraph(), isDetector: () => false, detectorAddress: async () => answers.shift() ?? addresses[1]! });
    try {
      assert.equal(await remote.detect(edge(1n, 2n), 10_000), undefined);
      assert.equal(detectorGraph.size, 1, 'the edge is kept by the detector store');
      // The detector store's own lock manager asks its graph directly.
      const local = new ClusterDeadlockDetector({ graph: detectorGraph, isDetector: () => true, detectorAddress: async () => undefined });
      const found = await local.detect(edge(2n, 1n), 10_000);
      assert.deepEqual(found?.waitChain.map((each) => [each.txn, each.waitForTxn]), [[2n, 1n], [1n, 2n]]);
      // And a remote store learns of a deadlock the same way.
      const again = await remote.detect(edge(2n, 1n), 10_000);
      assert.equal(again?.deadlockKeyHash, keyHash(key('k1-2')));
      remote.cleanUpWaitFor(1n, 2n, keyHash(key('k1-2')));
      await waitUntil(() => detectorGraph.size === 0);
    } finally {
      remote.close();
    }
  });

  test('with no detector reachable, detection answers "no deadlock" rather than failing the wait', async () => {
    const remote = new ClusterDeadlockDetector({ graph: new WaitForGraph(), isDetector: () => false, detectorAddress: async () => '127.0.0.1:1', timeoutMs: 500 });
    try {
      assert.equal(await remote.detect(edge(5n, 6n), 10_000), undefined);
    } finally {
      remote.close();
    }
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 500 && !condition(); attempt++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(condition());
}
