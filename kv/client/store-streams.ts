import { credentials } from '@grpc/grpc-js';
import * as tikvpb from '../../proto/gen/tikvpb.js';
import { ClientClosedError, StoreUnreachableError } from './errors.js';

export type StoreRequest = tikvpb.BatchCommandsRequest_Request;
export type StoreResponse = tikvpb.BatchCommandsResponse_Response;

interface Waiter {
  readonly resolve: (response: StoreResponse) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** One store's BatchCommands stream: requests pending when the turn ends go out as one message. */
class StoreStream {
  private readonly client: tikvpb.TikvClient;
  private stream: ReturnType<tikvpb.TikvClient['batchCommands']> | undefined;
  private readonly waiting = new Map<bigint, Waiter>();
  private pending: StoreRequest[] = [];
  private pendingIds: bigint[] = [];
  private nextId = 1n;
  private flushScheduled = false;
  private closed = false;
  /** Messages written and the requests they carried: requests ÷ messages is the batch size. */
  messages = 0;
  requests = 0;

  constructor(readonly address: string) {
    this.client = new tikvpb.TikvClient(address, credentials.createInsecure(), { 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  }

  send(request: StoreRequest, timeoutMs: number): Promise<StoreResponse> {
    const id = this.nextId++;
    this.pending.push(request);
    this.pendingIds.push(id);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.waiting.delete(id)) reject(new StoreUnreachableError(this.address, `no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, { resolve, reject, timer });
    });
  }

  close(): void {
    this.closed = true;
    this.failAll(new ClientClosedError());
    this.stream?.end();
    this.stream = undefined;
    this.client.close();
  }

  private open(): ReturnType<tikvpb.TikvClient['batchCommands']> {
    const stream = this.client.batchCommands();
    stream.on('data', (message: tikvpb.BatchCommandsResponse) => {
      message.requestIds.forEach((id, index) => {
        const waiter = this.waiting.get(id);
        const response = message.responses[index];
        if (waiter === undefined || response === undefined) return;
        this.waiting.delete(id);
        clearTimeout(waiter.timer);
        waiter.resolve(response);
      });
    });
    const broken = (reason: string) => {
      if (this.stream !== stream) return;
      this.stream = undefined;
      this.failAll(new StoreUnreachableError(this.address, reason));
    };
    stream.on('error', (error: Error) => broken(error.message));
    stream.on('end', () => broken('the stream ended'));
    return stream;
  }

  private flush(): void {
    this.flushScheduled = false;
    // A request whose caller already gave up (timed out, failed with a broken stream, or
    // the client closed) is not sent: the caller may be retrying it, and it must not run twice.
    const requests: StoreRequest[] = [];
    const requestIds: bigint[] = [];
    this.pendingIds.forEach((id, index) => {
      if (!this.waiting.has(id)) return;
      requests.push(this.pending[index]!);
      requestIds.push(id);
    });
    this.pending = [];
    this.pendingIds = [];
    if (requests.length === 0 || this.closed) return;
    try {
      this.stream ??= this.open();
    } catch (error) {
      this.failAll(new StoreUnreachableError(this.address, error instanceof Error ? error.message : String(error)));
      return;
    }
    this.messages++;
    this.requests += requests.length;
    this.stream.write({ requests, requestIds });
  }

  private failAll(error: Error): void {
    for (const waiter of this.waiting.values()) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
    this.waiting.clear();
  }
}

/**
 * The client's connections to stores: one multiplexed BatchCommands stream per store
 * address, opened on first use and again after it breaks. Every KV request travels on
 * these; unary calls would top out near 6,000/s with grpc-js.
 */
export class StoreStreams {
  private readonly streams = new Map<string, StoreStream>();
  private closed = false;

  send(address: string, request: StoreRequest, timeoutMs: number): Promise<StoreResponse> {
    if (this.closed) return Promise.reject(new ClientClosedError());
    let stream = this.streams.get(address);
    if (stream === undefined) {
      stream = new StoreStream(address);
      this.streams.set(address, stream);
    }
    return stream.send(request, timeoutMs);
  }

  /** Messages written and the requests they carried, over every store. */
  stats(): { messages: number; requests: number } {
    let messages = 0;
    let requests = 0;
    for (const stream of this.streams.values()) {
      messages += stream.messages;
      requests += stream.requests;
    }
    return { messages, requests };
  }

  close(): void {
    this.closed = true;
    for (const stream of this.streams.values()) stream.close();
    this.streams.clear();
  }
}
