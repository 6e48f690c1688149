import { bindServer } from '../../common/grpc-bind.js';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, status, type ServiceError, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { composeTimestamp } from '../../common/ids.js';
import * as pdpb from '../../proto/gen/pdpb.js';
import { PdClientError } from './errors.js';
import { PdClient } from './pd-client.js';

/**
 * A stand-in PD member on loopback (real gRPC), for testing the client's protocol
 * handling: leader discovery, TSO batching, retries. The real PD server is tested
 * against this client separately.
 */
class FakePdMember {
  readonly server = new Server();
  port = 0;
  leaderAddress = '';
  serving = true;
  tsoRequests = 0;
  nextId = 100n;
  private logical = 0n;

  async start(): Promise<void> {
    const implementation: Partial<pdpb.PDServer> = {
      getMembers: (_call, callback) => {
        const leader = { name: 'leader', memberId: 1n, peerUrls: [], clientUrls: [`http://${this.leaderAddress}`], leaderPriority: 0 };
        callback(null, pdpb.GetMembersResponse.create({ header: { clusterId: 7n }, members: [leader], leader }));
      },
      tso: (call) => {
        call.on('data', (request: pdpb.TsoRequest) => {
          this.tsoRequests++;
          this.logical += BigInt(request.count);
          call.write(pdpb.TsoResponse.create({ header: { clusterId: 7n }, count: request.count, timestamp: { physical: 1_000n, logical: this.logical } }));
        });
        call.on('end', () => call.end());
      },
      allocId: (_call, callback) => {
        if (!this.serving) {
          callback(null, pdpb.AllocIDResponse.create({ header: { clusterId: 7n, error: { type: pdpb.ErrorType.NotLeader, message: 'not leader' } } }));
          return;
        }
        callback(null, pdpb.AllocIDResponse.create({ header: { clusterId: 7n }, id: this.nextId++ }));
      },
      getRegion: (call, callback) => {
        if (call.request.regionKey.length === 0) {
          callback({ code: status.INTERNAL, message: 'boom' } as ServiceError, null);
          return;
        }
        callback(null, pdpb.GetRegionResponse.create({ header: { clusterId: 7n }, region: { id: 9n, startKey: Buffer.alloc(0), endKey: Buffer.alloc(0), peers: [] } }));
      },
    };
    this.server.addService(pdpb.PDService, implementation as UntypedServiceImplementation);
    this.port = await bindServer(this.server, '127.0.0.1:0');
    this.leaderAddress = `127.0.0.1:${this.port}`;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  stop(): void {
    this.server.forceShutdown();
  }
}

describe('PdClient against PD members on loopback', () => {
  const members: FakePdMember[] = [];
  const clients: PdClient[] = [];
  after(() => {
    for (const client of clients) client.close();
    for (const member of members) member.stop();
  });

  async function member(): Promise<FakePdMember> {
    const started = new FakePdMember();
    await started.start();
    members.push(started);
    return started;
  }

  test('coalesces 1,000 concurrent timestamp requests into a few TSO requests, all distinct', async () => {
    const pd = await member();
    const client = await PdClient.connect([pd.address]);
    clients.push(client);
    assert.equal(client.clusterId, 7n);
    const timestamps = await Promise.all(Array.from({ length: 1_000 }, () => client.getTimestamp()));
    assert.equal(new Set(timestamps).size, 1_000);
    assert.ok(pd.tsoRequests <= 4, `${pd.tsoRequests} TSO requests for 1,000 callers`);
    // Blocks are handed out in arrival order: the callers' timestamps increase.
    for (let index = 1; index < timestamps.length; index++) assert.ok(timestamps[index]! > timestamps[index - 1]!);
    assert.equal(timestamps[999], composeTimestamp(1_000n, 1_000n));
    const future = client.startTimestamp();
    assert.ok((await future.wait()) > timestamps[999]!);
  });

  test('finds the leader through any member and follows it when leadership moves', async () => {
    const follower = await member();
    const leader = await member();
    follower.leaderAddress = leader.address;
    const client = await PdClient.connect([follower.address, leader.address], { timeoutMs: 5_000 });
    clients.push(client);
    assert.equal(client.leaderAddress, leader.address);
    assert.equal(await client.allocId(), 100n);
    // The leader dies; the old follower takes over.
    leader.stop();
    follower.leaderAddress = follower.address;
    follower.nextId = 500n;
    assert.equal(await client.allocId(), 500n);
    assert.equal(client.leaderAddress, follower.address);
    assert.ok((await client.getTimestamp()) > 0n);
  });

  test('a NotLeader answer makes the client rediscover; a server error is not retried', async () => {
    const pd = await member();
    const client = await PdClient.connect([pd.address], { timeoutMs: 400 });
    clients.push(client);
    pd.serving = false;
    const failure = await client.allocId().then(
      () => assert.fail('allocId should fail while PD is not leader'),
      (error: unknown) => error,
    );
    assert.ok(failure instanceof PdClientError && failure.kind === 'timeout', String(failure));
    assert.match(String((failure as PdClientError).message), /NotLeader/);
    pd.serving = true;
    assert.equal((await client.getRegion(Uint8Array.of(1)))?.region.id, 9n);
    await assert.rejects(client.getRegion(new Uint8Array(0)), (error: ServiceError) => error.code === status.INTERNAL);
  });

  test('connecting to nothing fails with a clear error', async () => {
    await assert.rejects(PdClient.connect(['127.0.0.1:1'], { timeoutMs: 300 }), (error: unknown) => error instanceof PdClientError && /127\.0\.0\.1:1/.test(error.message));
    await assert.rejects(PdClient.connect([]), PdClientError);
  });
});
