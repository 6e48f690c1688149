import { Metadata, status, type ClientWritableStream, type sendUnaryData, type ServerReadableStream, type ServiceError } from '@grpc/grpc-js';
import { crc32 } from 'node:zlib';
import * as raftServerpb from '../../proto/gen/raft_serverpb.js';
import type * as tikvpb from '../../proto/gen/tikvpb.js';

/** Data bytes per chunk: well under gRPC's 4 MiB message limit, large enough to be cheap. */
export const defaultSnapshotChunkBytes = 1024 * 1024;

/** The largest snapshot a store accepts; a region is split long before this. */
export const maxSnapshotBytes = 2 * 1024 * 1024 * 1024 - 1;

export interface SnapshotSendOptions {
  readonly chunkBytes?: number;
  /** How long the whole transfer may take before it counts as failed. */
  readonly timeoutMs?: number;
}

/**
 * Streams a MsgSnapshot over the `Snapshot` call: a header with the message (its data
 * left out), the data's size and CRC-32, then the data in chunks, each written when the
 * stream has room. Resolves once the receiver confirms it has the whole snapshot.
 */
export function sendSnapshot(client: tikvpb.TikvClient, message: raftServerpb.RaftMessage, options: SnapshotSendOptions = {}): Promise<void> {
  const data = message.message?.snapshot?.data ?? Buffer.alloc(0);
  const chunkBytes = options.chunkBytes ?? defaultSnapshotChunkBytes;
  const deadline = Date.now() + (options.timeoutMs ?? snapshotTimeoutMs(data.length));
  const header: raftServerpb.SnapshotChunkHeader = {
    message: { ...message, message: { ...message.message!, snapshot: { ...message.message!.snapshot!, data: Buffer.alloc(0) } } },
    totalSizeBytes: BigInt(data.length),
    checksum: crc32(data),
  };
  return new Promise<void>((resolve, reject) => {
    const stream: ClientWritableStream<raftServerpb.SnapshotChunk> = client.snapshot(new Metadata(), { deadline }, (error: ServiceError | null) => (error === null ? resolve() : reject(error)));
    stream.on('error', () => undefined);
    void (async () => {
      if (!stream.write({ payload: { $case: 'header', value: header } })) await drained(stream);
      for (let offset = 0; offset < data.length; offset += chunkBytes) {
        const chunk = data.subarray(offset, Math.min(data.length, offset + chunkBytes));
        if (!stream.write({ payload: { $case: 'data', value: chunk } })) await drained(stream);
      }
      stream.end();
    })().catch((error: unknown) => {
      stream.cancel();
      reject(error);
    });
  });
}

/** A generous bound: 30 s, plus a second per 8 MiB. */
function snapshotTimeoutMs(bytes: number): number {
  return 30_000 + Math.ceil(bytes / (8 * 1024 * 1024)) * 1000;
}

function drained(stream: ClientWritableStream<raftServerpb.SnapshotChunk>): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      stream.off('drain', onDrain);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onClose = () => {
      cleanup();
      reject(new Error('the snapshot stream closed before all data was written'));
    };
    stream.on('drain', onDrain);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}

/** Why a received snapshot stream was refused. */
export class SnapshotStreamError extends Error {
  override readonly name = 'SnapshotStreamError';
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Collects one snapshot stream and rebuilds its message. Data the header does not
 * account for (out of order, too much, too little, a checksum that does not match) is
 * refused whole: a store never sees part of a snapshot.
 */
export class SnapshotAssembler {
  private header: raftServerpb.SnapshotChunkHeader | undefined;
  private readonly chunks: Buffer[] = [];
  private received = 0;

  add(chunk: raftServerpb.SnapshotChunk): void {
    const payload = chunk.payload;
    if (payload === undefined) throw new SnapshotStreamError(status.INVALID_ARGUMENT, 'a snapshot chunk carries neither a header nor data');
    if (payload.$case === 'header') {
      if (this.header !== undefined) throw new SnapshotStreamError(status.INVALID_ARGUMENT, 'a snapshot stream carries a second header');
      const message = payload.value.message;
      if (message?.message?.snapshot === undefined) throw new SnapshotStreamError(status.INVALID_ARGUMENT, 'the snapshot header carries no snapshot message');
      if (payload.value.totalSizeBytes > BigInt(maxSnapshotBytes)) {
        throw new SnapshotStreamError(status.RESOURCE_EXHAUSTED, `a snapshot of ${payload.value.totalSizeBytes} bytes is larger than the ${maxSnapshotBytes} this store accepts`);
      }
      this.header = payload.value;
      return;
    }
    const header = this.header;
    if (header === undefined) throw new SnapshotStreamError(status.INVALID_ARGUMENT, 'snapshot data arrived before its header');
    this.received += payload.value.length;
    if (BigInt(this.received) > header.totalSizeBytes) {
      throw new SnapshotStreamError(status.DATA_LOSS, `the snapshot stream carries more than the ${header.totalSizeBytes} bytes its header announced`);
    }
    this.chunks.push(payload.value);
  }

  /** The whole message, once the stream has ended. */
  finish(): raftServerpb.RaftMessage {
    const header = this.header;
    if (header === undefined) throw new SnapshotStreamError(status.INVALID_ARGUMENT, 'the snapshot stream ended without a header');
    if (BigInt(this.received) !== header.totalSizeBytes) {
      throw new SnapshotStreamError(status.DATA_LOSS, `the snapshot stream ended after ${this.received} of ${header.totalSizeBytes} bytes`);
    }
    const data = Buffer.concat(this.chunks, this.received);
    if (crc32(data) !== header.checksum) throw new SnapshotStreamError(status.DATA_LOSS, 'the snapshot data does not match its checksum');
    const message = header.message!;
    return { ...message, message: { ...message.message!, snapshot: { ...message.message!.snapshot!, data } } };
  }
}

/** The receiving side of the `Snapshot` call: a whole, verified snapshot goes to `deliver`. */
export function snapshotHandler(deliver: (message: raftServerpb.RaftMessage) => void) {
  return (call: ServerReadableStream<raftServerpb.SnapshotChunk, raftServerpb.Done>, callback: sendUnaryData<raftServerpb.Done>): void => {
    const assembler = new SnapshotAssembler();
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      const code = error instanceof SnapshotStreamError ? error.code : status.INTERNAL;
      callback({ code, details: error instanceof Error ? error.message : String(error) });
    };
    call.on('data', (chunk: raftServerpb.SnapshotChunk) => {
      if (failed) return;
      try {
        assembler.add(chunk);
      } catch (error) {
        fail(error);
      }
    });
    call.on('end', () => {
      if (failed) return;
      try {
        deliver(assembler.finish());
      } catch (error) {
        fail(error);
        return;
      }
      callback(null, raftServerpb.Done.create());
    });
    call.on('error', () => {
      failed = true;
    });
  };
}
