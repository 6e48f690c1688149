import { credentials, type ClientWritableStream, type sendUnaryData, type ServerReadableStream } from '@grpc/grpc-js';
import type * as raftServerpb from '../../proto/gen/raft_serverpb.js';
import * as tikvpb from '../../proto/gen/tikvpb.js';
import type { RaftStore, StoreTransport } from './raft-store.js';

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

  constructor(resolve: StoreAddressResolver) {
    this.resolve = resolve;
  }

  send(toStoreId: bigint, messages: readonly raftServerpb.RaftMessage[]): void {
    if (this.closed || messages.length === 0) return;
    const stream = this.stream(toStoreId);
    stream?.write({ msgs: [...messages] });
  }

  close(): void {
    this.closed = true;
    for (const stream of this.streams.values()) stream.end();
    for (const { client } of this.clients.values()) client.close();
    this.streams.clear();
    this.clients.clear();
  }

  private stream(storeId: bigint): ClientWritableStream<raftServerpb.RaftMessageBatch> | undefined {
    const existing = this.streams.get(storeId);
    if (existing !== undefined) return existing;
    const address = this.resolve(storeId);
    if (address === undefined) return undefined;
    let entry = this.clients.get(storeId);
    if (entry === undefined || entry.address !== address) {
      entry?.client.close();
      entry = { address, client: new tikvpb.TikvClient(address, credentials.createInsecure()) };
      this.clients.set(storeId, entry);
    }
    const stream = entry.client.batchRaft(() => {
      if (this.streams.get(storeId) === stream) this.streams.delete(storeId);
    });
    stream.on('error', () => {
      if (this.streams.get(storeId) === stream) this.streams.delete(storeId);
    });
    this.streams.set(storeId, stream);
    return stream;
  }
}

/** The receiving side: the Tikv service's `Raft` and `BatchRaft` calls, into `store`. */
export function raftMessageHandlers(store: RaftStore): Pick<tikvpb.TikvServer, 'raft' | 'batchRaft'> {
  return {
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
