import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StoreState } from '../../../proto/gen/metapb.js';
import { DuplicateStoreAddressError, InvalidClusterRequestError, InvalidStoreStateTransitionError, StoreNotFoundError, StoreTombstoneError } from './errors.js';
import { clusterLimits } from './limits.js';
import { StoreLiveness, StoreRegistry, storeLiveness } from './store-registry.js';
import { FakeClock, store, storeStats } from './test-fixtures.js';

function mustPut(registry: StoreRegistry, meta: ReturnType<typeof store>, nowMs: number) {
  return registry.applyPut(registry.preparePut(meta), nowMs);
}

function mustSetState(registry: StoreRegistry, storeId: bigint, state: StoreState, regionCount = 0) {
  return registry.applyState(registry.prepareStateChange(storeId, state, regionCount));
}

describe('store registry', () => {
  test('a new store starts Up whatever it claims; an update keeps state, takes address and labels', () => {
    const registry = new StoreRegistry();
    const claimed = { ...store(1n, 'a:1', { zone: 'z1' }), state: StoreState.Offline };
    const first = mustPut(registry, claimed, 100);
    assert.equal(first.meta.state, StoreState.Up);
    assert.equal(first.lastHeartbeatMs, 100, 'registering counts as hearing from the store');
    mustSetState(registry, 1n, StoreState.Offline);
    const updated = mustPut(registry, store(1n, 'a:2', { zone: 'z2', host: 'h1' }), 200);
    assert.equal(updated.meta.state, StoreState.Offline, 'an Offline store that restarts stays Offline');
    assert.equal(updated.meta.address, 'a:2');
    assert.deepEqual(updated.meta.labels, [
      { key: 'zone', value: 'z2' },
      { key: 'host', value: 'h1' },
    ]);
    assert.equal(updated.lastHeartbeatMs, 200);
  });

  test('the registry copies what it is given', () => {
    const registry = new StoreRegistry();
    const meta = store(1n, 'a:1', { zone: 'z1' });
    mustPut(registry, meta, 0);
    meta.labels[0]!.value = 'changed';
    meta.address = 'elsewhere';
    assert.equal(registry.get(1n)?.meta.labels[0]?.value, 'z1');
    assert.equal(registry.get(1n)?.meta.address, 'a:1');
  });

  test('rejects malformed stores', () => {
    const registry = new StoreRegistry();
    assert.throws(() => registry.preparePut(store(0n)), InvalidClusterRequestError);
    assert.throws(() => registry.preparePut(store(1n, '')), InvalidClusterRequestError);
  });

  test('an address used by another live store is refused; a tombstone frees it', () => {
    const registry = new StoreRegistry();
    mustPut(registry, store(1n, 'host:20160'), 0);
    assert.throws(
      () => registry.preparePut(store(2n, 'host:20160')),
      (error: unknown) => error instanceof DuplicateStoreAddressError && error.existingStoreId === 1n && error.storeId === 2n,
    );
    assert.equal(registry.get(2n), undefined, 'a refused put changes nothing');
    // The same store may re-register at its own address.
    mustPut(registry, store(1n, 'host:20160'), 1);
    // An Offline store still owns its address.
    mustSetState(registry, 1n, StoreState.Offline);
    assert.throws(() => registry.preparePut(store(2n, 'host:20160')), DuplicateStoreAddressError);
    mustSetState(registry, 1n, StoreState.Tombstone);
    assert.equal(mustPut(registry, store(2n, 'host:20160'), 2).meta.state, StoreState.Up);
  });

  test('a tombstone store can never come back', () => {
    const registry = new StoreRegistry();
    mustPut(registry, store(1n), 0);
    mustSetState(registry, 1n, StoreState.Offline);
    mustSetState(registry, 1n, StoreState.Tombstone);
    assert.throws(() => registry.preparePut(store(1n)), StoreTombstoneError);
    assert.throws(() => registry.prepareStateChange(1n, StoreState.Up, 0), StoreTombstoneError);
    assert.throws(() => registry.heartbeat(storeStats(1n), 5), StoreTombstoneError);
    assert.equal(registry.prepareStateChange(1n, StoreState.Tombstone, 0), registry.get(1n)?.meta, 'no change is a no-op');
  });

  test('state transitions', () => {
    const registry = new StoreRegistry();
    mustPut(registry, store(1n), 0);
    assert.throws(() => registry.prepareStateChange(1n, StoreState.Tombstone, 0), InvalidStoreStateTransitionError, 'Up -> Tombstone skips draining');
    assert.throws(() => registry.prepareStateChange(9n, StoreState.Offline, 0), StoreNotFoundError);
    assert.equal(mustSetState(registry, 1n, StoreState.Offline).meta.state, StoreState.Offline);
    assert.equal(mustSetState(registry, 1n, StoreState.Up).meta.state, StoreState.Up, 'Offline can be cancelled');
    mustSetState(registry, 1n, StoreState.Offline);
    assert.throws(
      () => registry.prepareStateChange(1n, StoreState.Tombstone, 3),
      (error: unknown) => error instanceof InvalidStoreStateTransitionError && /3 region peers/.test(error.message),
    );
    assert.equal(registry.get(1n)?.meta.state, StoreState.Offline, 'prepare changes nothing');
    assert.equal(mustSetState(registry, 1n, StoreState.Tombstone, 0).meta.state, StoreState.Tombstone);
  });

  test('heartbeats record stats and time, keep meta', () => {
    const registry = new StoreRegistry();
    mustPut(registry, store(1n, 'a:1', { zone: 'z1' }), 10);
    assert.throws(() => registry.heartbeat(storeStats(2n), 20), StoreNotFoundError);
    const info = registry.heartbeat(storeStats(1n, 7), 30);
    assert.equal(info.stats?.regionCount, 7);
    assert.equal(info.lastHeartbeatMs, 30);
    assert.equal(info.meta.lastHeartbeat, 30n * 1_000_000n, 'meta carries the heartbeat time in nanoseconds');
    assert.equal(info.meta.labels[0]?.value, 'z1');
    // A later PutStore keeps the stats, and a state change keeps both.
    mustPut(registry, store(1n, 'a:1'), 40);
    assert.equal(registry.get(1n)?.stats?.regionCount, 7);
    const offline = mustSetState(registry, 1n, StoreState.Offline);
    assert.equal(offline.stats?.regionCount, 7);
    assert.equal(offline.lastHeartbeatMs, 40);
  });

  test('all() is in ID order and can leave tombstones out', () => {
    const registry = new StoreRegistry();
    for (const id of [3n, 1n, 2n]) mustPut(registry, store(id), 0);
    mustSetState(registry, 2n, StoreState.Offline);
    mustSetState(registry, 2n, StoreState.Tombstone);
    assert.deepEqual(registry.all(false).map((info) => info.meta.id), [1n, 2n, 3n]);
    assert.deepEqual(registry.all(true).map((info) => info.meta.id), [1n, 3n]);
    assert.equal(registry.size, 3);
  });

  test('liveness: Up, Disconnected after 20 s of silence, Down after maxStoreDownTimeMs; a heartbeat revives', () => {
    const clock = new FakeClock();
    const maxStoreDownTimeMs = 60_000;
    const registry = new StoreRegistry();
    mustPut(registry, store(1n), clock.read());
    const liveness = () => storeLiveness(registry.get(1n)!, clock.read(), maxStoreDownTimeMs);
    assert.equal(liveness(), StoreLiveness.up);
    clock.advance(clusterLimits.storeDisconnectedAfterMs);
    assert.equal(liveness(), StoreLiveness.up, 'exactly at the threshold is still Up');
    clock.advance(1);
    assert.equal(liveness(), StoreLiveness.disconnected);
    registry.heartbeat(storeStats(1n), clock.read());
    assert.equal(liveness(), StoreLiveness.up);
    clock.advance(maxStoreDownTimeMs + 1);
    assert.equal(liveness(), StoreLiveness.down);
    registry.heartbeat(storeStats(1n), clock.read());
    assert.equal(liveness(), StoreLiveness.up);
  });

  test('a loaded store gets a fresh grace period instead of looking down', () => {
    const registry = new StoreRegistry();
    registry.load({ ...store(1n), lastHeartbeat: 5n }, 1_000_000);
    const info = registry.get(1n)!;
    assert.equal(info.lastHeartbeatMs, 1_000_000);
    assert.equal(info.stats, undefined);
    assert.equal(storeLiveness(info, 1_000_000 + 1_000, 30_000), StoreLiveness.up);
  });
});
