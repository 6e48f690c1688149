import { bindServer } from '../../common/grpc-bind.js';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, type sendUnaryData, type ServerReadableStream, type UntypedServiceImplementation } from '@grpc/grpc-js';
import * as eraftpb from '../../proto/gen/eraftpb.js';
import type * as raftServerpb from '../../proto/gen/raft_serverpb.js';
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
      const port = await bindServer(server, '127.0.0.1:0');
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

  test('one send of more than a gRPC message can carry (6 × 1 MiB appends) goes out in several batches, all delivered', async () => {
    const received: raftServerpb.RaftMessageBatch[] = [];
    // The default server: gRPC's 4 MiB receive limit.
    const server = new Server();
    servers.push(server);
    server.addService(tikvpb.TikvService, {
      batchRaft: (call: ServerReadableStream<raftServerpb.RaftMessageBatch, raftServerpb.Done>, callback: sendUnaryData<raftServerpb.Done>) => {
        call.on('data', (batch: raftServerpb.RaftMessageBatch) => received.push(batch));
        call.on('end', () => callback(null, {}));
      },
    } as unknown as UntypedServiceImplementation);
    const port = await bindServer(server, '127.0.0.1:0');
    const transport = new GrpcStoreTransport(() => `127.0.0.1:${port}`);
    transports.push(transport);
    const append = (regionId: bigint): raftServerpb.RaftMessage => ({
      regionId,
      message: eraftpb.Message.create({ msgType: eraftpb.MessageType.MsgAppend, to: 2n, from: 1n, entries: [eraftpb.Entry.create({ index: 5n, term: 1n, data: Buffer.alloc(1024 * 1024, Number(regionId)) })] }),
      isTombstone: false,
      startKey: Buffer.alloc(0),
      endKey: Buffer.alloc(0),
    });
    transport.send(9n, [1n, 2n, 3n, 4n, 5n, 6n].map(append));
    await waitFor('all six appends', () => (received.flatMap((batch) => batch.msgs).length === 6 ? true : undefined));
    assert.ok(received.length >= 3, `${received.length} batches`);
    assert.deepEqual(received.flatMap((batch) => batch.msgs.map((message) => message.regionId)), [1n, 2n, 3n, 4n, 5n, 6n]);
  });
});
