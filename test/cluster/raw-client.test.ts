import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { KvClientError } from '../../kv/client/errors.js';
import { RawClient } from '../../kv/client/raw-client.js';
import { LocalCluster } from './local-cluster.js';

const bytes = (text: string) => Buffer.from(text);
const text = (value: Uint8Array | undefined) => (value === undefined ? undefined : Buffer.from(value).toString());
const keyOf = (index: number) => bytes(`key${String(index).padStart(5, '0')}`);

describe('RawClient against a 3-store cluster (PD + 3 tide-kv in this process, real gRPC and LevelDB)', () => {
  let cluster: LocalCluster;
  let client: RawClient;
  before(async () => {
    cluster = await LocalCluster.start(3);
    await cluster.waitForRegions(3);
    client = await RawClient.connect(cluster.pdEndpoint, { budgetMs: 30_000 });
  });
  after(async () => {
    client?.close();
    await cluster?.stop();
  });

  test('get, put (with TTL), delete, compare-and-swap and key TTL round trip', async () => {
    assert.equal(await client.get(bytes('absent')), undefined);
    await client.put(bytes('a'), bytes('1'));
    assert.equal(text(await client.get(bytes('a'))), '1');
    assert.equal(await client.getKeyTTL(bytes('a')), 0);
    await client.put(bytes('ttl'), bytes('x'), { ttlSeconds: 100 });
    const ttl = await client.getKeyTTL(bytes('ttl'));
    assert.ok(ttl !== undefined && ttl > 90 && ttl <= 100, `ttl ${ttl}`);
    assert.equal(await client.getKeyTTL(bytes('absent')), undefined);

    assert.deepEqual(await client.compareAndSwap(bytes('cas'), undefined, bytes('v1')), { succeeded: true, previous: undefined });
    const lost = await client.compareAndSwap(bytes('cas'), bytes('wrong'), bytes('v2'));
    assert.equal(lost.succeeded, false);
    assert.equal(text(lost.previous), 'v1');
    assert.equal((await client.compareAndSwap(bytes('cas'), bytes('v1'), bytes('v2'))).succeeded, true);
    assert.equal(text(await client.get(bytes('cas'))), 'v2');

    await client.delete(bytes('a'));
    assert.equal(await client.get(bytes('a')), undefined);
  });

  test('bad input is refused with a typed error before anything is sent', async () => {
    await assert.rejects(client.put(new Uint8Array(0), bytes('v')), KvClientError);
    await assert.rejects(client.scan(bytes('z'), bytes('a')), KvClientError);
    await assert.rejects(client.put(bytes('k'), bytes('v'), { ttlSeconds: -1 }), KvClientError);
    await assert.rejects(client.scan(bytes('a'), bytes('b'), { limit: 0 }), KvClientError);
  });

  test('batch calls and scans stay exact while the key space is split into regions under them', async () => {
    const count = 3_000;
    const pairs = Array.from({ length: count }, (_, index) => ({ key: keyOf(index), value: bytes(`value${index}`) }));
    // Splits land while the batch put is in flight: parts of it meet EpochNotMatch and are re-planned.
    const splitting = (async () => {
      await sleep(5);
      return client.splitRegions([500, 1_000, 1_500, 2_000, 2_500].map(keyOf));
    })();
    await client.batchPut(pairs);
    const regions = await splitting;
    assert.ok(regions.length >= 6, `${regions.length} regions after the splits`);

    const all = await client.scan(keyOf(0), keyOf(count));
    assert.equal(all.length, count);
    all.forEach((pair, index) => assert.equal(text(pair.key), text(keyOf(index))));
    assert.equal(text(all[1_234]!.value), 'value1234');

    const some = await client.batchGet([keyOf(2_999), keyOf(0), keyOf(1_500), bytes('key-none'), keyOf(1_499)]);
    assert.deepEqual(some.map((pair) => text(pair.key)), [0, 1_499, 1_500, 2_999].map((index) => text(keyOf(index))));

    // Limits, key-only, and a range ending inside a region.
    const page = await client.scan(keyOf(490), keyOf(2_000), { limit: 20, keyOnly: true });
    assert.deepEqual(page.map((pair) => text(pair.key)), Array.from({ length: 20 }, (_, index) => text(keyOf(490 + index))));
    assert.ok(page.every((pair) => pair.value.length === 0));

    const backwards = await client.reverseScan(keyOf(1_005), keyOf(990));
    assert.deepEqual(backwards.map((pair) => text(pair.key)), Array.from({ length: 15 }, (_, index) => text(keyOf(1_004 - index))));
    const tail = await client.reverseScan(new Uint8Array(0), keyOf(0), { limit: 3 });
    assert.deepEqual(tail.map((pair) => text(pair.key)), ['ttl', 'key02999', 'key02998']);

    // A delete range across four regions, and a batch delete across two.
    await client.deleteRange(keyOf(400), keyOf(2_100));
    await client.batchDelete([keyOf(10), keyOf(2_900)]);
    const left = await client.scan(keyOf(0), keyOf(count));
    assert.equal(left.length, count - 1_700 - 2);
    assert.equal(await client.get(keyOf(1_000)), undefined);
    assert.equal(text(await client.get(keyOf(2_100))), 'value2100');
    assert.equal(text(await client.get(keyOf(399))), 'value399');
  });

  test('a store stopped mid-stream: calls retry onto the new leaders and nothing acknowledged is lost; it rejoins on restart', async (t) => {
    const started = Date.now();
    const mark = (what: string) => t.diagnostic(`${what} at ${Date.now() - started} ms`);
    const written: number[] = [];
    let writing = true;
    const writer = (async () => {
      for (let index = 0; writing; index++) {
        await client.put(bytes(`during${index}`), bytes(`${index}`));
        written.push(index);
      }
    })();
    await sleep(300);
    await cluster.stopStore(0);
    mark('store 0 stopped');
    await sleep(1_500);
    writing = false;
    await writer;
    mark(`writer done after ${written.length} puts`);
    assert.ok(written.length > 0);
    for (const index of written) assert.equal(text(await client.get(bytes(`during${index}`))), `${index}`, `during${index} lost`);
    const scanned = await client.scan(bytes('during'), bytes('durinh'));
    assert.equal(scanned.length, written.length);

    mark('checked');
    await cluster.startStore(0);
    mark('store 0 restarted');
    await cluster.waitForRegions(3);
    mark('every region has 3 replicas again');
    assert.equal(text(await client.get(keyOf(2_999))), 'value2999');
  });
});
