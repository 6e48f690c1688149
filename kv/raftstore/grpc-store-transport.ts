import { credentials, type ClientWritableStream, type sendUnaryData, type ServerReadableStream } from '@grpc/grpc-js';
import type * as raftServerpb from '../../proto/gen/raft_serverpb.js';
import * as tikvpb from '../../proto/gen/tikvpb.js';
import type { RaftStore, StoreTransport } from './raft-store.js';
import { maxRaftEntryBytes } from './region-peer.js';
import { sendSnapshot, snapshotHandler, type SnapshotSendOptions } from './snapshot-stream.js';

/**
 * The largest gRPC message a store accepts: one Raft message carrying the largest entry
 * (maxRaftEntryBytes) with room to spare. Servers hosting the Tikv service set it.
 */
export const storeServerOptions = {
  'grpc.max_receive_message_length': 2 * maxRaftEntryBytes,
} as const;

/** A BatchRaft write is closed once its messages carry this many entry bytes. */
const maxBatchRaftBytes = 2 * 1024 * 1024;

/** Where a store listens; from PD in a cluster, from a map in tests. */
export type StoreAddressResolver = (storeId: bigint) => string | undefined;

/**
 * Raft messages between stores over gRPC: one long-lived `BatchRaft` client stream per
 * destination store, each loop iteration's messages for that store in one batch. A
 * failed stream is dropped and reopened by the next send; Raft retries what matters.
 */
export class GrpcStoreTransport implements StoreTransport {
  private readonly resolve: StoreAddressResolver;
  private readonly clients = new Map<bigint, { address: string; client: tikvpb.TikvClient }>();
  private readonly streams = new Map<bigint, ClientWritableStream<raftServerpb.RaftMessageBatch>>();
  private closed = false;

  constructor(
    resolve: StoreAddressResolver,
    private readonly snapshotOptions: SnapshotSendOptions = {},
  ) {
    this.resolve = resolve;
  }

  send(toStoreId: bigint, messages: readonly raftServerpb.RaftMessage[]): void {
    if (this.closed || messages.length === 0) return;
    const stream = this.stream(toStoreId);
    if (stream === undefined) return;
    // Several regions' appends to one store can add up past what one gRPC message may carry.
    let batch: raftServerpb.RaftMessage[] = [];
    let bytes = 0;
    for (const message of messages) {
      const size = messageBytes(message);
      if (batch.length > 0 && bytes + size > maxBatchRaftBytes) {
        stream.write({ msgs: batch });
        batch = [];
        bytes = 0;
      }
      batch.push(message);
      bytes += size;
    }
    stream.write({ msgs: batch });
  }

  /** A snapshot travels on its own `Snapshot` call, in chunks (see snapshot-stream.ts). */
  async sendSnapshot(toStoreId: bigint, message: raftServerpb.RaftMessage): Promise<void> {
    if (this.closed) throw new Error('the transport is closed');
    const client = this.client(toStoreId);
    if (client === undefined) throw new Error(`the address of store ${toStoreId} is unknown`);
    await sendSnapshot(client, message, this.snapshotOptions);
  }

  close(): void {
    this.closed = true;
    for (const stream of this.streams.values()) stream.end();
    for (const { client } of this.clients.values()) client.close();
    this.streams.clear();
    this.clients.clear();
  }

  private client(storeId: bigint): tikvpb.TikvClient | undefined {
    const address = this.resolve(storeId);
    if (address === undefined) return undefined;
    let entry = this.clients.get(storeId);
    if (entry === undefined || entry.address !== address) {
      entry?.client.close();
      entry = { address, client: new tikvpb.TikvClient(address, credentials.createInsecure()) };
      this.clients.set(storeId, entry);
    }
    return entry.client;
  }

  private stream(storeId: bigint): ClientWritableStream<raftServerpb.RaftMessageBatch> | undefined {
    const existing = this.streams.get(storeId);
    if (existing !== undefined) return existing;
    const client = this.client(storeId);
    if (client === undefined) return undefined;
    const stream = client.batchRaft(() => {
      if (this.streams.get(storeId) === stream) this.streams.delete(storeId);
    });
    stream.on('error', () => {
      if (this.streams.get(storeId) === stream) this.streams.delete(storeId);
    });
    this.streams.set(storeId, stream);
    return stream;
  }
}

/** A cheap upper-bound estimate of a Raft message's encoded size: its entries' payloads dominate. */
function messageBytes(message: raftServerpb.RaftMessage): number {
  let bytes = 256;
  for (const entry of message.message?.entries ?? []) bytes += entry.data.length + entry.context.length + 32;
  return bytes;
}

/** The receiving side: the Tikv service's `Raft`, `BatchRaft` and `Snapshot` calls, into `store`. */
export function raftMessageHandlers(store: RaftStore): Pick<tikvpb.TikvServer, 'raft' | 'batchRaft' | 'snapshot'> {
  return {
    snapshot: snapshotHandler((message) => store.receive(message)),
    raft: (call: ServerReadableStream<raftServerpb.RaftMessage, raftServerpb.Done>, callback: sendUnaryData<raftServerpb.Done>) => {
      call.on('data', (message: raftServerpb.RaftMessage) => store.receive(message));
      call.on('end', () => callback(null, {}));
      call.on('error', () => undefined);
    },
    batchRaft: (call: ServerReadableStream<raftServerpb.RaftMessageBatch, raftServerpb.Done>, callback: sendUnaryData<raftServerpb.Done>) => {
      call.on('data', (batch: raftServerpb.RaftMessageBatch) => {
        for (const message of batch.msgs) store.receive(message);
      });
      call.on('end', () => callback(null, {}));
      call.on('error', () => undefined);
    },
  };
}
