import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../common/log/index.js';
import * as metapb from '../../proto/gen/metapb.js';
import { PdClient } from '../client/pd-client.js';
import { PdClientError } from '../client/errors.js';
import { pdConfigSchema, type PdConfig } from '../server/config.js';
import { PdServer } from '../server/pd-server.js';
import { freePort } from '../../common/free-port.js';

const logger = createLogger({ component: 'pd-test', level: 'silent' });

function configFor(overrides: Record<string, unknown>): PdConfig {
  return pdConfigSchema.parse({ raft: { tickIntervalMs: '20ms', electionTicks: 10, heartbeatTicks: 2 }, ...overrides });
}

function store(id: bigint, port: number): metapb.Store {
  return metapb.Store.create({ id, address: `127.0.0.1:${port}`, state: metapb.StoreState.Up });
}

function firstRegion(storeId: bigint): metapb.Region {
  return metapb.Region.create({ id: 2n, startKey: Buffer.alloc(0), endKey: Buffer.alloc(0), regionEpoch: { confVer: 1n, version: 1n }, peers: [{ id: 3n, storeId, role: 0 }] });
}

describe('tide-pd', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  async function tempDir(): Promise<string> {
    const path = await mkdtemp(join(tmpdir(), 'tidedb-pd-'));
    cleanups.push(() => rm(path, { recursive: true, force: true }));
    return path;
  }

  test('one member: TSO, ids, bootstrap, stores, regions, split ids, safe point, HTTP API, restart', async () => {
    const dataDir = await tempDir();
    const config = configFor({ name: 'pd-1', dataDir, clientUrls: '127.0.0.1:0', peerUrls: '127.0.0.1:0', statusUrls: '127.0.0.1:0' });
    let server = await PdServer.start(config, logger);
    cleanups.push(() => server.stop());
    let client = await PdClient.connect([`127.0.0.1:${server.clientPort}`], { timeoutMs: 10_000 });
    cleanups.push(async () => client.close());

    const timestamps = await Promise.all(Array.from({ length: 500 }, () => client.getTimestamp()));
    assert.equal(new Set(timestamps).size, 500);
    const firstId = await client.allocId();
    assert.ok((await client.allocId()) > firstId);

    assert.equal(await client.isBootstrapped(), false);
    await assert.rejects(client.putStore(store(1n, 20160)), (error: unknown) => error instanceof PdClientError && error.serverErrorType === 'NotBootstrapped');
    await client.bootstrap(store(1n, 20160), firstRegion(1n));
    assert.equal(await client.isBootstrapped(), true);
    await assert.rejects(client.bootstrap(store(1n, 20160), firstRegion(1n)), (error: unknown) => error instanceof PdClientError && error.serverErrorType === 'AlreadyBootstrapped');
    await client.putStore(store(4n, 20161));
    assert.deepEqual((await client.getAllStores()).map((entry) => entry.id).sort(), [1n, 4n]);
    assert.equal((await client.getRegion(Uint8Array.of(0x74)))?.region.id, 2n);

    // The leader reports a new epoch through the heartbeat stream.
    const responses: unknown[] = [];
    const stream = await client.openRegionHeartbeatStream((response) => responses.push(response), () => undefined);
    stream.send({
      region: { ...firstRegion(1n), regionEpoch: { confVer: 2n, version: 1n }, peers: [{ id: 3n, storeId: 1n, role: 0 }, { id: 5n, storeId: 4n, role: 0 }] },
      leader: { id: 3n, storeId: 1n, role: 0 },
      downPeers: [],
      pendingPeers: [],
      bytesWritten: 0n,
      bytesRead: 0n,
      keysWritten: 0n,
      keysRead: 0n,
      approximateSizeBytes: 1024n,
      approximateKeys: 10n,
      term: 5n,
    });
    for (let attempt = 0; attempt < 100 && (await client.getRegion(Uint8Array.of(1)))?.region.peers.length !== 2; attempt++) await sleep(20);
    const route = await client.getRegion(Uint8Array.of(1));
    assert.equal(route?.region.peers.length, 2);
    assert.equal(route?.leader?.id, 3n);
    stream.close();

    const splitIds = await client.askBatchSplit(route!.region, 2);
    assert.equal(splitIds.length, 2);
    assert.equal(splitIds[0]!.newPeerIds.length, 2);

    assert.equal(await client.updateGcSafePoint(100n), 100n);
    assert.equal(await client.updateGcSafePoint(50n), 100n);
    assert.equal(await client.getGcSafePoint(), 100n);

    const http = (await (await fetch(`http://127.0.0.1:${server.statusPort}/pd/api/v1/stores`)).json()) as { count: number };
    assert.equal(http.count, 2);
    const health = (await (await fetch(`http://127.0.0.1:${server.statusPort}/pd/api/v1/health`)).json()) as { serving: boolean };
    assert.equal(health.serving, true);
    const regions = (await (await fetch(`http://127.0.0.1:${server.statusPort}/pd/api/v1/regions`)).json()) as { count: number; regions: Array<{ peers: unknown[] }> };
    assert.equal(regions.count, 1);
    assert.equal(regions.regions[0]!.peers.length, 2);
    const schedulers = (await (await fetch(`http://127.0.0.1:${server.statusPort}/pd/api/v1/schedulers`)).json()) as { schedulers: Array<{ name: string; enabled: boolean }> };
    assert.deepEqual(schedulers.schedulers, [
      { name: 'balance-leader-scheduler', enabled: true },
      { name: 'balance-region-scheduler', enabled: true },
    ]);
    assert.ok(Array.isArray(((await (await fetch(`http://127.0.0.1:${server.statusPort}/pd/api/v1/operators`)).json()) as { operators: unknown[] }).operators));
    assert.match(await (await fetch(`http://127.0.0.1:${server.statusPort}/metrics`)).text(), /tidedb_pd_/);
    // Steering: pause a scheduler, drain a store.
    const post = (path: string, body: unknown) => fetch(`http://127.0.0.1:${server.statusPort}${path}`, { method: 'POST', body: JSON.stringify(body) });
    const paused = (await (await post('/pd/api/v1/schedulers', { name: 'balance-leader-scheduler', enabled: false })).json()) as { schedulers: Array<{ name: string; enabled: boolean }> };
    assert.equal(paused.schedulers.find((entry) => entry.name === 'balance-leader-scheduler')?.enabled, false);
    assert.equal((await post('/pd/api/v1/schedulers', { name: 'nope', enabled: true })).status, 404);
    assert.equal((await post('/pd/api/v1/stores/state', { storeId: '4', state: 'Offline' })).status, 200);
    assert.equal((await client.getStore(4n))?.state, metapb.StoreState.Offline);
    assert.equal((await post('/pd/api/v1/stores/state', { storeId: '4', state: 'Sideways' })).status, 400);

    // A restart keeps everything and never goes back in time or ids.
    const lastTimestamp = await client.getTimestamp();
    const lastId = await client.allocId();
    client.close();
    await server.stop();
    server = await PdServer.start({ ...config, clientUrls: '127.0.0.1:0', peerUrls: '127.0.0.1:0', statusUrls: '127.0.0.1:0' }, logger);
    client = await PdClient.connect([`127.0.0.1:${server.clientPort}`], { timeoutMs: 10_000 });
    assert.ok((await client.getTimestamp()) > lastTimestamp);
    assert.ok((await client.allocId()) > lastId);
    assert.equal(await client.isBootstrapped(), true);
    assert.equal(await client.getGcSafePoint(), 100n);
  });

  test('three members: the leader is killed; TSO stays strictly increasing and ids unique', async () => {
    const names = ['pd-a', 'pd-b', 'pd-c'];
    const peerPorts = await Promise.all(names.map(() => freePort()));
    const clientPorts = await Promise.all(names.map(() => freePort()));
    const initialCluster = names.map((name, index) => `${name}=127.0.0.1:${peerPorts[index]}`).join(',');
    const servers: Array<PdServer | undefined> = [];
    for (const [index, name] of names.entries()) {
      const config = configFor({ name, dataDir: await tempDir(), clientUrls: `127.0.0.1:${clientPorts[index]}`, peerUrls: `127.0.0.1:${peerPorts[index]}`, statusUrls: '127.0.0.1:0', initialCluster });
      servers.push(await PdServer.start(config, logger));
    }
    cleanups.push(async () => {
      for (const server of servers) await server?.stop();
    });
    const client = await PdClient.connect(clientPorts.map((port) => `127.0.0.1:${port}`), { timeoutMs: 15_000 });
    cleanups.push(async () => client.close());

    const seen: bigint[] = [];
    const ids = new Set<bigint>();
    for (let round = 0; round < 20; round++) {
      seen.push(...(await Promise.all(Array.from({ length: 50 }, () => client.getTimestamp()))));
      ids.add(await client.allocId());
    }
    const leaderIndex = servers.findIndex((server) => server?.leaderState() !== undefined);
    assert.ok(leaderIndex >= 0, 'a member serves');
    await servers[leaderIndex]!.stop();
    servers[leaderIndex] = undefined;
    // Calls keep working once a new leader serves.
    for (let round = 0; round < 20; round++) {
      seen.push(...(await Promise.all(Array.from({ length: 50 }, () => client.getTimestamp()))));
      ids.add(await client.allocId());
    }
    assert.ok(servers.some((server) => server?.leaderState() !== undefined), 'a new member serves');
    // Each round's timestamps were requested after the previous round's arrived.
    assert.equal(new Set(seen).size, seen.length, 'no timestamp handed out twice');
    for (let round = 1; round < 40; round++) {
      const previousMax = seen.slice((round - 1) * 50, round * 50).reduce((a, b) => (a > b ? a : b));
      const currentMin = seen.slice(round * 50, (round + 1) * 50).reduce((a, b) => (a < b ? a : b));
      assert.ok(currentMin > previousMax, `round ${round} went back in time`);
    }
    assert.equal(ids.size, 40, 'no id handed out twice');
  });
});
