import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rawKvExample } from '../../examples/raw-kv.js';
import { txnKvExample } from '../../examples/txn-kv.js';
import { coprocessorExample } from '../../examples/coprocessor.js';
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

  test('coprocessor.ts pushes a grouped aggregation down to eight regions and merges the partial results', async () => {
    const lines: string[] = [];
    await coprocessorExample(cluster.pdEndpoint, (line) => lines.push(line));
    const regions = Number(/^(\d+) regions answered$/.exec(lines[0]!)?.[1]);
    assert.ok(regions >= 8, lines[0]);
    // The same query computed row by row: SELECT k, COUNT(*), SUM(v) FROM t WHERE v > 10 GROUP BY k.
    assert.deepEqual(lines.slice(1), ['ant: count=105 sum=1803', 'bee: count=121 sum=2077', 'cat: count=119 sum=2131', 'dog: count=103 sum=1829']);
  });
});
