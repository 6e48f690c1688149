import { credentials } from '@grpc/grpc-js';
import * as tikvpb from '../proto/gen/tikvpb.js';

type Request = tikvpb.BatchCommandsRequest_Request;
type Response = tikvpb.BatchCommandsResponse_Response;

/**
 * One BatchCommands stream to one store, for benchmarks: whatever requests are pending
 * when the current turn ends go out as one message; answers are routed back by request
 * ID. (kv/client's client, with region routing and retries, comes in its own issue.)
 */
export class BatchStreamClient {
  private readonly client: tikvpb.TikvClient;
  private readonly stream: ReturnType<tikvpb.TikvClient['batchCommands']>;
  private readonly waiting = new Map<bigint, { resolve: (response: Response) => void; reject: (error: Error) => void }>();
  private pending: Request[] = [];
  private pendingIds: bigint[] = [];
  private nextId = 1n;
  private flushScheduled = false;
  /** How many messages were written, to report the batch size. */
  messages = 0;
  requests = 0;

  constructor(address: string) {
    this.client = new tikvpb.TikvClient(address, credentials.createInsecure());
    this.stream = this.client.batchCommands();
    this.stream.on('data', (message: tikvpb.BatchCommandsResponse) => {
      message.requestIds.forEach((id, index) => {
        const waiter = this.waiting.get(id);
        const response = message.responses[index];
        if (waiter === undefined || response === undefined) return;
        this.waiting.delete(id);
        waiter.resolve(response);
      });
    });
    this.stream.on('error', (error: Error) => {
      for (const waiter of this.waiting.values()) waiter.reject(error);
      this.waiting.clear();
    });
  }

  send(request: Request): Promise<Response> {
    const id = this.nextId++;
    this.pending.push(request);
    this.pendingIds.push(id);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    return new Promise((resolve, reject) => this.waiting.set(id, { resolve, reject }));
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    this.messages++;
    this.requests += this.pending.length;
    this.stream.write({ requests: this.pending, requestIds: this.pendingIds });
    this.pending = [];
    this.pendingIds = [];
  }

  close(): void {
    this.stream.end();
    this.client.close();
  }
}
