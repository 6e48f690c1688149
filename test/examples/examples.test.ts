import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rawKvExample } from '../../examples/raw-kv.js';
import { txnKvExample } from '../../examples/txn-kv.js';
import { LocalCluster } from '../cluster/local-cluster.js';

describe('the examples run against a cluster', () => {
  let cluster: LocalCluster;
  before(async () => {
    cluster = await LocalCluster.start(3);
    await cluster.waitForRegions(3);
  });
  after(() => cluster?.stop());

  test('raw-kv.ts prints what each call did', async () => {
    const lines: string[] = [];
    await rawKvExample(cluster.pdEndpoint, (line) => lines.push(line));
    assert.deepEqual(lines.slice(0, 3), [
      'get user/1 -> ada',
      'scan user/ -> user/1=ada, user/2=grace, user/3=edsger',
      'cas leader: node-a won, node-b lost (holder node-a)',
    ]);
    assert.match(lines[3]!, /^ttl session\/42 -> (59|60) s$/);
    assert.equal(lines[4], 'after deleteRange user/ -> 0 keys');
  });

  test('txn-kv.ts moves money in two racing transactions and keeps the total', async () => {
    const lines: string[] = [];
    await txnKvExample(cluster.pdEndpoint, (line) => lines.push(line));
    assert.deepEqual(lines, ['alice=80, bob=70', 'total 150']);
  });
});
