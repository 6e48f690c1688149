import { credentials, type ClientWritableStream, type sendUnaryData, type ServerReadableStream } from '@grpc/grpc-js';
import { messageFromProto, messageToProto } from '../../../kv/raft/convert.js';
import type { Message } from '../../../kv/raft/types.js';
import * as pdRaftpb from '../../../proto/gen/pd_raftpb.js';
import type { PeerTransport } from './pd-member.js';

/** Receives Raft messages for a member. */
export interface PeerMessageSink {
  step(message: Message): void;
}

/**
 * Raft messages between PD members over gRPC: one long-lived client stream per peer
 * (PDPeer.Raft), reopened on the next send after a failure. Messages to an unreachable
 * member are dropped; Raft retries what matters.
 */
export class GrpcPeerTransport implements PeerTransport {
  private readonly clusterId: bigint;
  private readonly addresses: ReadonlyMap<bigint, string>;
  private readonly clients = new Map<bigint, pdRaftpb.PDPeerClient>();
  private readonly streams = new Map<bigint, ClientWritableStream<pdRaftpb.PeerMessage>>();
  private sink: PeerMessageSink | undefined;
  private closed = false;

  constructor(clusterId: bigint, addresses: ReadonlyMap<bigint, string>) {
    this.clusterId = clusterId;
    this.addresses = addresses;
  }

  /** Where received messages go (set once the member exists). */
  attach(sink: PeerMessageSink): void {
    this.sink = sink;
  }

  /** The PDPeer service to register on this member's gRPC server. */
  service(): pdRaftpb.PDPeerServer {
    return {
      raft: (call: ServerReadableStream<pdRaftpb.PeerMessage, pdRaftpb.Done>, callback: sendUnaryData<pdRaftpb.Done>) => {
        call.on('data', (peerMessage: pdRaftpb.PeerMessage) => {
          // A message from another PD cluster, or a malformed one, is dropped.
          if (peerMessage.clusterId !== this.clusterId || peerMessage.message === undefined) return;
          try {
            this.sink?.step(messageFromProto(peerMessage.message));
          } catch {
            // A message Raft refuses (a local type, values out of range) is dropped too.
          }
        });
        call.on('end', () => callback(null, {}));
        call.on('error', () => undefined);
      },
    };
  }

  send(to: bigint, messages: readonly Message[]): void {
    if (this.closed) return;
    const stream = this.stream(to);
    if (stream === undefined) return;
    for (const message of messages) stream.write({ clusterId: this.clusterId, message: messageToProto(message) });
  }

  close(): void {
    this.closed = true;
    for (const stream of this.streams.values()) stream.end();
    for (const client of this.clients.values()) client.close();
    this.streams.clear();
    this.clients.clear();
  }

  private stream(to: bigint): ClientWritableStream<pdRaftpb.PeerMessage> | undefined {
    const existing = this.streams.get(to);
    if (existing !== undefined) return existing;
    const address = this.addresses.get(to);
    if (address === undefined) return undefined;
    let client = this.clients.get(to);
    if (client === undefined) {
      client = new pdRaftpb.PDPeerClient(address, credentials.createInsecure());
      this.clients.set(to, client);
    }
    const stream = client.raft(() => {
      // The stream ended or failed: the next send opens a new one.
      if (this.streams.get(to) === stream) this.streams.delete(to);
    });
    stream.on('error', () => {
      if (this.streams.get(to) === stream) this.streams.delete(to);
    });
    this.streams.set(to, stream);
    return stream;
  }
}
