import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { WriteConflictError } from '../../kv/client/errors.js';
import { RawClient } from '../../kv/client/raw-client.js';
import { TxnClient } from '../../kv/client/txn-client.js';
import { LocalCluster } from './local-cluster.js';

const bytes = (text: string) => Buffer.from(text);
const text = (value: Uint8Array | undefined) => (value === undefined ? undefined : Buffer.from(value).toString());

interface RegionJson {
  readonly id: string;
  readonly leader: { readonly storeId: string } | null;
  readonly peers: ReadonlyArray<{ readonly storeId: string }>;
}

describe('the client across leader transfers ordered through PD\'s operator API', () => {
  let cluster: LocalCluster;
  let raw: RawClient;
  let txn: TxnClient;
  before(async () => {
    cluster = await LocalCluster.start(3);
    await cluster.waitForRegions(3);
    // Only the transfers this test orders move leaders.
    await post('/pd/api/v1/schedulers', { name: 'balance-leader-scheduler', enabled: false });
    raw = await RawClient.connect(cluster.pdEndpoint, { budgetMs: 30_000 });
    txn = await TxnClient.connect(cluster.pdEndpoint, { budgetMs: 30_000 });
  });
  after(async () => {
    raw?.close();
    txn?.close();
    await cluster?.stop();
  });

  async function post(path: string, body: unknown): Promise<Response> {
    return fetch(`${cluster.pdStatusUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  }
  async function regions(): Promise<RegionJson[]> {
    return ((await (await fetch(`${cluster.pdStatusUrl}/pd/api/v1/regions`)).json()) as { regions: RegionJson[] }).regions;
  }

  test('the operator API refuses what it cannot do with a clear status', async () => {
    assert.equal((await post('/pd/api/v1/operators', { name: 'transfer-leader' })).status, 400);
    assert.equal((await post('/pd/api/v1/operators', { name: 'transfer-leader', regionId: '999999', toStoreId: '1' })).status, 409);
    const [region] = await regions();
    const refused = await post('/pd/api/v1/operators', { name: 'transfer-leader', regionId: region!.id, toStoreId: region!.leader!.storeId });
    assert.equal(refused.status, 409);
    assert.match(await refused.text(), /already leads/);
  });

  test('raw writes and transactions keep going while every region\'s leader is moved four times; nothing acknowledged is lost', async (t) => {
    await raw.splitRegions([bytes('m')]);
    await txn.splitRegions([bytes('m')]);
    let running = true;
    const acknowledged: string[] = [];
    const committed: string[] = [];
    const rawWriter = (async () => {
      for (let index = 0; running; index++) {
        await raw.put(bytes(`raw/${index % 2 === 0 ? 'a' : 'z'}${index}`), bytes(String(index)));
        acknowledged.push(`raw/${index % 2 === 0 ? 'a' : 'z'}${index}`);
      }
    })();
    const txnWriter = (async () => {
      for (let index = 0; running; index++) {
        const transaction = await txn.begin();
        transaction.set(bytes(`txn/a${index}`), bytes(String(index)));
        transaction.set(bytes(`txn/z${index}`), bytes(String(index)));
        try {
          await transaction.commit();
          committed.push(String(index));
        } catch (error) {
          if (!(error instanceof WriteConflictError)) throw error;
        }
      }
    })();

    // Async-commit transactions over both regions: committed once both keys are prewritten.
    const asyncCommitted: string[] = [];
    const asyncWriter = (async () => {
      for (let index = 0; running; index++) {
        const transaction = await txn.begin({ asyncCommit: true, onePc: false });
        transaction.set(bytes(`atx/a${index}`), bytes(String(index)));
        transaction.set(bytes(`atx/z${index}`), bytes(String(index)));
        try {
          await transaction.commit();
          asyncCommitted.push(String(index));
        } catch (error) {
          if (!(error instanceof WriteConflictError)) throw error;
        }
      }
    })();

    // Read-modify-write increments of one counter, committed in one phase (one region):
    // after each leader change the new leader must sync its max ts before committing them.
    let increments = 0;
    const counter = (async () => {
      while (running) {
        const transaction = await txn.begin();
        const current = Number(text(await transaction.get(bytes('counter'))) ?? '0');
        transaction.set(bytes('counter'), bytes(String(current + 1)));
        try {
          await transaction.commit();
          increments++;
        } catch (error) {
          if (!(error instanceof WriteConflictError)) throw error;
        }
      }
    })();

    let transfers = 0;
    let moved = 0;
    for (let round = 0; round < 4; round++) {
      const before = await regions();
      for (const region of before) {
        const leader = region.leader?.storeId;
        const target = region.peers.find((peer) => peer.storeId !== leader)?.storeId;
        if (leader === undefined || target === undefined) continue;
        const response = await post('/pd/api/v1/operators', { name: 'transfer-leader', regionId: region.id, toStoreId: target });
        if (response.ok) transfers++;
      }
      // Let the operators reach the leaders (with the next heartbeats) and the writers run on.
      await sleep(700);
      const after = new Map((await regions()).map((region) => [region.id, region.leader?.storeId]));
      moved += before.filter((region) => after.get(region.id) !== undefined && after.get(region.id) !== region.leader?.storeId).length;
    }
    running = false;
    await Promise.all([rawWriter, txnWriter, asyncWriter, counter]);
    t.diagnostic(`${transfers} transfers ordered, ${moved} leader moves seen; ${acknowledged.length} raw puts, ${committed.length} transactions, ${asyncCommitted.length} async-commit transactions and ${increments} one-phase increments acknowledged`);
    assert.ok(transfers >= 4, `${transfers} transfers ordered`);
    assert.ok(moved >= 4, `only ${moved} leader moves happened`);
    assert.ok(acknowledged.length > 0 && committed.length > 0);

    const stored = new Map((await raw.scan(bytes('raw/'), bytes('raw0'))).map((pair) => [text(pair.key)!, text(pair.value)]));
    for (const key of acknowledged) assert.ok(stored.has(key), `raw put ${key} was acknowledged and lost`);
    const snapshot = await txn.snapshot();
    const pairs = new Map((await snapshot.scan(bytes('txn/'), bytes('txn0'))).map((pair) => [text(pair.key)!, text(pair.value)]));
    for (const index of committed) {
      assert.equal(pairs.get(`txn/a${index}`), index, `txn ${index} lost its first key`);
      assert.equal(pairs.get(`txn/z${index}`), index, `txn ${index} lost its second key`);
    }
    const asyncPairs = new Map((await snapshot.scan(bytes('atx/'), bytes('atx0'))).map((pair) => [text(pair.key)!, text(pair.value)]));
    assert.ok(asyncCommitted.length > 0);
    for (const index of asyncCommitted) {
      assert.equal(asyncPairs.get(`atx/a${index}`), index, `async txn ${index} lost its first key`);
      assert.equal(asyncPairs.get(`atx/z${index}`), index, `async txn ${index} lost its second key`);
    }
    assert.ok(increments > 0);
    assert.equal(text(await snapshot.get(bytes('counter'))), String(increments), 'an acknowledged increment was lost');
  });
});
