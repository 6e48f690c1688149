import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, ServerCredentials, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { SeededRandom } from '../../common/random.js';
import * as metapb from '../../proto/gen/metapb.js';
import * as tikvpb from '../../proto/gen/tikvpb.js';
import { ColumnFamily } from '../engine/engine.js';
import { MemoryEngine } from '../engine/memory-engine.js';
import { GrpcStoreTransport, raftMessageHandlers } from './grpc-store-transport.js';
import { initialRegion, RaftStore } from './raft-store.js';
import { waitFor } from './test-stores.js';

describe('stores replicate over gRPC', () => {
  const servers: Server[] = [];
  const stores: RaftStore[] = [];
  const transports: GrpcStoreTransport[] = [];
  after(async () => {
    for (const store of stores) await store.stop();
    for (const transport of transports) transport.close();
    for (const server of servers) server.forceShutdown();
  });

  test('three stores on loopback elect a leader and replicate a write', async () => {
    const random = new SeededRandom(5);
    const addresses = new Map<bigint, string>();
    const engines = new Map<bigint, MemoryEngine>();
    const region = initialRegion(1n, [1n, 2n, 3n].map((storeId) => metapb.Peer.create({ id: 10n + storeId, storeId, role: metapb.PeerRole.Voter })));
    for (const storeId of [1n, 2n, 3n]) {
      const engine = new MemoryEngine();
      engines.set(storeId, engine);
      const transport = new GrpcStoreTransport((id) => addresses.get(id));
      transports.push(transport);
      const store = new RaftStore({ storeId, engine, transport, random: () => random.nextFloat(), tickIntervalMs: 20, electionTicks: 10, heartbeatTicks: 2 });
      stores.push(store);
      const server = new Server();
      servers.push(server);
      server.addService(tikvpb.TikvService, raftMessageHandlers(store) as unknown as UntypedServiceImplementation);
      const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error === null ? resolve(bound) : reject(error))));
      addresses.set(storeId, `127.0.0.1:${port}`);
      await store.bootstrapRegion(region);
      store.start();
    }
    const leader = await waitFor('a leader', () => stores.find((store) => store.peer(1n)?.isLeader() === true));
    const response = await leader.propose({
      header: { regionId: 1n, regionEpoch: region.regionEpoch!, term: 0n, syncLog: true, readQuorum: false, uuid: Buffer.alloc(0) },
      requests: [{ cmd: { $case: 'put', value: { cf: ColumnFamily.raw, key: Buffer.from('k'), value: Buffer.from('over grpc') } } }],
    });
    assert.equal(response.header?.error, undefined);
    for (const [storeId, engine] of engines) {
      await waitFor(`store ${storeId} to apply`, () => (engine.getSync(ColumnFamily.raw, Buffer.from('k')) !== undefined ? true : undefined));
    }
  });
});
