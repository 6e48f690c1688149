import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import * as kvrpcpb from '../../proto/gen/kvrpcpb.js';
import * as metapb from '../../proto/gen/metapb.js';
import * as tikvpb from '../../proto/gen/tikvpb.js';
import { type ProcessCluster, startProcessCluster, waitForHealthyCluster } from './process-cluster.js';
import { freePort } from '../../common/free-port.js';

describe('a local cluster of real processes (what npm start runs)', () => {
  let cluster: ProcessCluster | undefined;
  let dataDir = '';
  after(async () => {
    await cluster?.stop();
    if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
  });

  test('1 PD + 3 KV stores: every region reaches 3 replicas with a leader, serves raw KV, and all stop with exit 0', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tidedb-processes-'));
    const ports = {
      pdClient: await freePort(),
      pdPeer: await freePort(),
      pdStatus: await freePort(),
      kv: [await freePort(), await freePort(), await freePort()],
      kvStatus: [await freePort(), await freePort(), await freePort()],
    };
    cluster = await startProcessCluster({ dataDir, ports, fast: true });
    const health = await waitForHealthyCluster(ports, 3, 60_000);
    assert.equal(health.stores, 3);

    // Talk to the region's leader store directly over the KV service.
    const regions = (await (await fetch(`http://127.0.0.1:${ports.pdStatus}/pd/api/v1/regions`)).json()) as {
      regions: Array<{ id: string; epoch: { confVer: string; version: string }; leader: { id: string; storeId: string } }>;
    };
    const stores = (await (await fetch(`http://127.0.0.1:${ports.pdStatus}/pd/api/v1/stores`)).json()) as { stores: Array<{ store: { id: string; address: string } }> };
    const region = regions.regions[0]!;
    const address = stores.stores.find((entry) => entry.store.id === region.leader.storeId)!.store.address;
    const client = new tikvpb.TikvClient(address, credentials.createInsecure());
    try {
      const context = {
        regionId: BigInt(region.id),
        regionEpoch: { confVer: BigInt(region.epoch.confVer), version: BigInt(region.epoch.version) },
        peer: { id: BigInt(region.leader.id), storeId: BigInt(region.leader.storeId), role: metapb.PeerRole.Voter },
      };
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

    const codes = await cluster.stop();
    cluster = undefined;
    assert.deepEqual(codes, [0, 0, 0, 0]);
  });
});
