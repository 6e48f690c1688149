import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { credentials } from '@grpc/grpc-js';
import * as kvrpcpb from '../../proto/gen/kvrpcpb.js';
import * as tikvpb from '../../proto/gen/tikvpb.js';
import { leaderContext, pdRegions, startTestProcessCluster, type TestProcessCluster, waitForHealthyCluster } from './process-cluster.js';

describe('a local cluster of real processes (what npm start runs)', () => {
  let running: TestProcessCluster | undefined;
  after(() => running?.dispose());

  test('1 PD + 3 KV stores: every region reaches 3 replicas with a leader, serves raw KV, and all stop with exit 0', async () => {
    running = await startTestProcessCluster();
    const { cluster, ports } = running;
    const health = await waitForHealthyCluster(ports, 3, 60_000);
    assert.equal(health.stores, 3);

    // Talk to the region's leader store directly over the KV service.
    const { address, context } = await leaderContext(ports, (await pdRegions(ports))[0]!);
    const client = new tikvpb.TikvClient(address, credentials.createInsecure());
    try {
      const put = await new Promise<kvrpcpb.RawPutResponse>((resolve, reject) =>
        client.rawPut(kvrpcpb.RawPutRequest.create({ context, key: Buffer.from('hello'), value: Buffer.from('world') }), (error, response) => (error === null ? resolve(response) : reject(error))),
      );
      assert.equal(put.regionError, undefined);
      assert.equal(put.error, '');
      const got = await new Promise<kvrpcpb.RawGetResponse>((resolve, reject) =>
        client.rawGet(kvrpcpb.RawGetRequest.create({ context, key: Buffer.from('hello') }), (error, response) => (error === null ? resolve(response) : reject(error))),
      );
      assert.equal(got.value.toString(), 'world');

      // SplitRegion over the wire: raw keys split as themselves, with ids from PD.
      const split = await new Promise<kvrpcpb.SplitRegionResponse>((resolve, reject) =>
        client.splitRegion(kvrpcpb.SplitRegionRequest.create({ context, splitKeys: [Buffer.from('m')], isRawKv: true }), (error, response) => (error === null ? resolve(response) : reject(error))),
      );
      assert.equal(split.regionError, undefined);
      assert.deepEqual(split.regions.map((region) => [region.startKey.toString(), region.endKey.toString()]), [['', 'm'], ['m', '']]);
    } finally {
      client.close();
    }

    // The leader store's metrics count the requests and the Raft loop's work.
    const leaderStatusPort = ports.kvStatus[ports.kv.findIndex((port) => address.endsWith(`:${port}`))]!;
    const metrics = await (await fetch(`http://127.0.0.1:${leaderStatusPort}/metrics`)).text();
    assert.match(metrics, /tidedb_kv_requests_total\{type="rawPut",outcome="ok"\} 1/);
    assert.match(metrics, /tidedb_kv_raftstore_regions_count\{role="leader"\} [1-9]/);
    assert.match(metrics, /tidedb_kv_raftstore_write_duration_seconds_count [1-9]/);

    assert.deepEqual(await cluster.stop(), [0, 0, 0, 0]);
  });
});
