import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { credentials, Server, ServerCredentials, status, type ServiceError } from '@grpc/grpc-js';
import { Done as PeerDone, PDPeerClient, PDPeerService, PeerMessage, type PDPeerServer } from './gen/pd_raftpb.js';
import { MessageType } from './gen/eraftpb.js';
import {
  GetMembersRequest,
  GetMembersResponse,
  PDClient,
  PDService,
  TsoRequest,
  TsoResponse,
  type PDServer,
  AllocIDRequest,
} from './gen/pdpb.js';
import {
  BatchCommandsRequest,
  BatchCommandsResponse,
  BatchCommandsResponse_Response,
  TikvClient,
  TikvService,
  type TikvServer,
} from './gen/tikvpb.js';

// Every test talks to one in-process server on a loopback port chosen by the OS.
const clusterId = 2n ** 64n - 1n;
const physicalMs = 1_700_000_000_000n;
const testTimeoutMs = 10_000;

// The TSO handler hands out consecutive logical values from one physical time, like PD.
function makeTsoHandler(): PDServer['tso'] {
  let logical = 0n;
  return (call) => {
    call.on('data', (request: TsoRequest) => {
      logical += BigInt(request.count);
      call.write(
        TsoResponse.create({
          header: { clusterId: request.header?.clusterId ?? 0n },
          count: request.count,
          timestamp: { physical: physicalMs, logical },
        }),
      );
    });
    call.on('end', () => call.end());
  };
}

const pdImplementation: Pick<PDServer, 'getMembers' | 'tso'> = {
  getMembers: (call, callback) => {
    const member = { name: 'pd-1', memberId: 2n ** 63n + 5n, clientUrls: ['http://127.0.0.1:2379'] };
    callback(
      null,
      GetMembersResponse.create({ header: { clusterId: call.request.header?.clusterId ?? 0n }, members: [member], leader: member }),
    );
  },
  tso: makeTsoHandler(),
};

// Answers each batch in reverse order, echoing every request ID with a response of the
// matching kind, as a store does when requests finish out of order.
const tikvImplementation: Pick<TikvServer, 'batchCommands'> = {
  batchCommands: (call) => {
    call.on('data', (batch: BatchCommandsRequest) => {
      const responses: BatchCommandsResponse_Response[] = [];
      for (const request of batch.requests) {
        const command = request.cmd;
        switch (command?.$case) {
          case 'rawGet':
            responses.push({ cmd: { $case: 'rawGet', value: { value: Buffer.concat([Buffer.from('value of '), command.value.key]), notFound: false, error: '' } } });
            break;
          case 'get':
            responses.push({ cmd: { $case: 'get', value: { value: Buffer.alloc(0), notFound: true } } });
            break;
          default:
            responses.push({ cmd: { $case: 'empty', value: { testId: 0n } } });
        }
      }
      call.write(
        BatchCommandsResponse.create({
          responses: responses.reverse(),
          requestIds: [...batch.requestIds].reverse(),
          transportLayerLoad: BigInt(batch.requests.length),
        }),
      );
    });
    call.on('end', () => call.end());
  },
};

const peerImplementation: PDPeerServer = {
  raft: (call, callback) => {
    let count = 0;
    call.on('data', () => {
      count++;
    });
    call.on('end', () => {
      // A real member would step the messages into Raft; the test only checks that every
      // message arrived before the stream ended.
      receivedPeerMessages.push(count);
      callback(null, PeerDone.create({}));
    });
  },
};
const receivedPeerMessages: number[] = [];

// Turns a callback-style unary call into a promise.
function unaryCall<TResponse>(
  start: (callback: (error: ServiceError | null, response: TResponse) => void) => unknown,
): Promise<TResponse> {
  return new Promise((resolve, reject) => {
    start((error, response) => (error === null ? resolve(response) : reject(error)));
  });
}

describe('gRPC loopback with the generated stubs', { timeout: testTimeoutMs }, () => {
  const server = new Server();
  let address = '';
  let pd: PDClient;
  let tikv: TikvClient;
  let peer: PDPeerClient;

  before(async () => {
    server.addService(PDService, pdImplementation);
    server.addService(TikvService, tikvImplementation);
    server.addService(PDPeerService, peerImplementation);
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, boundPort) =>
        error === null ? resolve(boundPort) : reject(error),
      );
    });
    address = `127.0.0.1:${port}`;
    pd = new PDClient(address, credentials.createInsecure());
    tikv = new TikvClient(address, credentials.createInsecure());
    peer = new PDPeerClient(address, credentials.createInsecure());
  });

  after(async () => {
    pd.close();
    tikv.close();
    peer.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  });

  test('unary PD.GetMembers carries 64-bit IDs exactly', async () => {
    const request = GetMembersRequest.create({ header: { clusterId, senderId: 1n } });
    const response = await unaryCall<GetMembersResponse>((callback) => pd.getMembers(request, callback));
    assert.equal(response.header?.clusterId, clusterId);
    assert.equal(response.members.length, 1);
    assert.equal(response.leader?.memberId, 2n ** 63n + 5n);
    assert.deepStrictEqual(response.leader?.clientUrls, ['http://127.0.0.1:2379']);
  });

  test('an unimplemented method fails with UNIMPLEMENTED', async () => {
    const request = AllocIDRequest.create({});
    await assert.rejects(unaryCall((callback) => pd.allocId(request, callback)), (error: ServiceError) => {
      assert.equal(error.code, status.UNIMPLEMENTED);
      return true;
    });
  });

  test('bidi PD.Tso answers each request with a block of count timestamps', async () => {
    const stream = pd.tso();
    const counts = [1, 10, 100];
    for (const count of counts) stream.write(TsoRequest.create({ header: { clusterId }, count }));
    stream.end();
    const responses: TsoResponse[] = [];
    for await (const response of stream) responses.push(response as TsoResponse);
    assert.deepStrictEqual(
      responses.map((response) => response.count),
      counts,
    );
    const last = responses[responses.length - 1]?.timestamp;
    assert.ok(last !== undefined);
    assert.equal(last.logical, 111n);
    // The composed timestamp passes 2^53 and must stay exact.
    const composed = (last.physical << 18n) + last.logical;
    assert.equal(composed, 445_644_800_000_000_111n);
  });

  test('bidi Tikv.BatchCommands matches responses to requests by ID', async () => {
    const stream = tikv.batchCommands();
    const requestIds = [7n, 2n ** 64n - 1n, 2n ** 53n + 1n];
    stream.write(
      BatchCommandsRequest.create({
        requests: [
          { cmd: { $case: 'rawGet', value: { key: Buffer.from('a') } } },
          { cmd: { $case: 'get', value: { key: Buffer.from('b'), version: 2n ** 60n } } },
          { cmd: { $case: 'empty', value: { testId: 3n } } },
        ],
        requestIds,
      }),
    );
    stream.end();
    const batches: BatchCommandsResponse[] = [];
    for await (const batch of stream) batches.push(batch as BatchCommandsResponse);
    assert.equal(batches.length, 1);
    const batch = batches[0];
    assert.ok(batch !== undefined);
    assert.equal(batch.transportLayerLoad, 3n);
    const byId = new Map(batch.requestIds.map((id, index) => [id, batch.responses[index]?.cmd]));
    const rawGet = byId.get(7n);
    assert.ok(rawGet?.$case === 'rawGet');
    assert.equal(rawGet.value.value.toString(), 'value of a');
    assert.equal(byId.get(2n ** 64n - 1n)?.$case, 'get');
    assert.equal(byId.get(2n ** 53n + 1n)?.$case, 'empty');
  });

  test('client-streaming PDPeer.Raft delivers every message before Done', async () => {
    const done = await new Promise<PeerDone>((resolve, reject) => {
      const stream = peer.raft((error, response) => (error === null ? resolve(response) : reject(error)));
      for (let index = 0; index < 5; index++) {
        stream.write(
          PeerMessage.create({ clusterId, message: { msgType: MessageType.MsgHeartbeat, to: 2n, from: 1n, term: BigInt(index) } }),
        );
      }
      stream.end();
    });
    assert.deepStrictEqual(done, PeerDone.create({}));
    assert.deepStrictEqual(receivedPeerMessages, [5]);
  });
});
