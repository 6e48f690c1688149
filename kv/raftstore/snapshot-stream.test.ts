import { bindServer } from '../../common/grpc-bind.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import { credentials, Server, status, type ServiceError, type UntypedServiceImplementation } from '@grpc/grpc-js';
import * as eraftpb from '../../proto/gen/eraftpb.js';
import type * as raftServerpb from '../../proto/gen/raft_serverpb.js';
import * as tikvpb from '../../proto/gen/tikvpb.js';
import { sendSnapshot, snapshotHandler } from './snapshot-stream.js';

function snapshotMessage(data: Buffer): raftServerpb.RaftMessage {
  return {
    regionId: 7n,
    fromPeer: { id: 71n, storeId: 1n, role: 0 },
    toPeer: { id: 72n, storeId: 2n, role: 0 },
    message: eraftpb.Message.create({
      msgType: eraftpb.MessageType.MsgSnapshot,
      to: 72n,
      from: 71n,
      term: 3n,
      snapshot: { data, metadata: { index: 40n, term: 3n, confState: { voters: [71n, 72n], learners: [] } } },
    }),
    regionEpoch: { confVer: 2n, version: 1n },
    isTombstone: false,
    startKey: Buffer.alloc(0),
    endKey: Buffer.alloc(0),
  };
}

/** Writes raw chunks on a `Snapshot` call and resolves with how the receiver answered. */
function rawStream(client: tikvpb.TikvClient, chunks: raftServerpb.SnapshotChunk[]): Promise<ServiceError | null> {
  return new Promise((resolve) => {
    const stream = client.snapshot((error) => resolve(error));
    for (const chunk of chunks) stream.write(chunk);
    stream.end();
  });
}

describe('snapshots stream between stores in chunks over gRPC', () => {
  const delivered: raftServerpb.RaftMessage[] = [];
  const server = new Server();
  let client: tikvpb.TikvClient;
  before(async () => {
    server.addService(tikvpb.TikvService, { snapshot: snapshotHandler((message) => delivered.push(message)) } as unknown as UntypedServiceImplementation);
    const port = await bindServer(server, '127.0.0.1:0');
    client = new tikvpb.TikvClient(`127.0.0.1:${port}`, credentials.createInsecure());
  });
  after(() => {
    client.close();
    server.forceShutdown();
  });

  test('a snapshot larger than one gRPC message (9 MiB in 1 MiB chunks) arrives whole', async () => {
    const data = Buffer.alloc(9 * 1024 * 1024 + 17);
    for (let index = 0; index < data.length; index += 4096) data.writeUInt32BE(index, index);
    delivered.length = 0;
    await sendSnapshot(client, snapshotMessage(data));
    assert.equal(delivered.length, 1);
    const message = delivered[0]!;
    assert.equal(message.regionId, 7n);
    assert.equal(message.message?.snapshot?.metadata?.index, 40n);
    assert.ok(Buffer.from(message.message!.snapshot!.data).equals(data));
  });

  test('an empty snapshot arrives too', async () => {
    delivered.length = 0;
    await sendSnapshot(client, snapshotMessage(Buffer.alloc(0)), { chunkBytes: 16 });
    assert.equal(delivered.length, 1);
    assert.equal(delivered[0]!.message?.snapshot?.data.length, 0);
  });

  const header = (data: Buffer, overrides: Partial<raftServerpb.SnapshotChunkHeader> = {}): raftServerpb.SnapshotChunk => {
    const message = snapshotMessage(Buffer.alloc(0));
    return { payload: { $case: 'header', value: { message, totalSizeBytes: BigInt(data.length), checksum: crc32(data), ...overrides } } };
  };
  const data = (bytes: Buffer): raftServerpb.SnapshotChunk => ({ payload: { $case: 'data', value: bytes } });

  test('a stream that ends early, carries extra bytes, fails its checksum or starts without a header is refused and delivers nothing', async () => {
    delivered.length = 0;
    const payload = Buffer.from('0123456789abcdef');
    const truncated = await rawStream(client, [header(payload), data(payload.subarray(0, 10))]);
    assert.equal(truncated?.code, status.DATA_LOSS);
    assert.match(truncated.details, /10 of 16 bytes/);

    const extra = await rawStream(client, [header(payload), data(payload), data(Buffer.from('!'))]);
    assert.equal(extra?.code, status.DATA_LOSS);

    const corrupt = Buffer.from(payload);
    corrupt[3] = 0x7a;
    const badChecksum = await rawStream(client, [header(payload), data(corrupt)]);
    assert.equal(badChecksum?.code, status.DATA_LOSS);
    assert.match(badChecksum.details, /checksum/);

    const headless = await rawStream(client, [data(payload)]);
    assert.equal(headless?.code, status.INVALID_ARGUMENT);

    const twoHeaders = await rawStream(client, [header(payload), header(payload)]);
    assert.equal(twoHeaders?.code, status.INVALID_ARGUMENT);

    const tooLarge = await rawStream(client, [header(payload, { totalSizeBytes: 1n << 40n })]);
    assert.equal(tooLarge?.code, status.RESOURCE_EXHAUSTED);

    assert.equal(delivered.length, 0);
  });

  test('sending to a store that is not there rejects, so Raft hears the snapshot failed', async () => {
    const nowhere = new tikvpb.TikvClient('127.0.0.1:1', credentials.createInsecure());
    try {
      await assert.rejects(sendSnapshot(nowhere, snapshotMessage(Buffer.alloc(1024)), { timeoutMs: 2_000 }));
    } finally {
      nowhere.close();
    }
  });
});
