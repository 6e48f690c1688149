import type { ClientDuplexStream } from '@grpc/grpc-js';
import { composeTimestamp, type Timestamp } from '../../common/ids.js';
import type * as pdpb from '../../proto/gen/pdpb.js';
import { PdClientError } from './errors.js';
import type { TsoStream } from './tso-batcher.js';

interface Pending {
  readonly count: number;
  readonly resolve: (ts: Timestamp) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The PD Tso bidi stream: requests are answered in order, one response each, so a FIFO
 * of waiters matches responses to requests. Any error fails every waiter and the stream.
 */
export class GrpcTsoStream implements TsoStream {
  private readonly call: ClientDuplexStream<pdpb.TsoRequest, pdpb.TsoResponse>;
  private readonly clusterId: bigint;
  private readonly waiting: Pending[] = [];
  private failure: Error | undefined;

  private readonly onFailure: (error: Error) => void;

  /** `onFailure` hears about the first failure (the client then looks for a new leader). */
  constructor(call: ClientDuplexStream<pdpb.TsoRequest, pdpb.TsoResponse>, clusterId: bigint, onFailure: (error: Error) => void = () => undefined) {
    this.call = call;
    this.clusterId = clusterId;
    this.onFailure = onFailure;
    call.on('data', (response: pdpb.TsoResponse) => this.onResponse(response));
    call.on('error', (error: Error) => this.fail(new PdClientError('unavailable', `TSO stream failed: ${error.message}`, { cause: error })));
    call.on('end', () => this.fail(new PdClientError('unavailable', 'TSO stream ended')));
  }

  request(count: number): Promise<Timestamp> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ count, resolve, reject });
      this.call.write({ header: { clusterId: this.clusterId, senderId: 0n }, count, dcLocation: '' });
    });
  }

  close(): void {
    this.fail(new PdClientError('closed', 'TSO stream closed'));
    this.call.cancel();
  }

  private onResponse(response: pdpb.TsoResponse): void {
    const waiter = this.waiting.shift();
    if (waiter === undefined) return this.fail(new PdClientError('unavailable', 'TSO response with no request waiting'));
    const error = response.header?.error;
    if (error !== undefined && error.type !== 0) {
      waiter.reject(new PdClientError('server', `TSO: ${error.message}`, { serverErrorType: String(error.type) }));
      return this.fail(new PdClientError('unavailable', 'TSO stream answered with an error'));
    }
    if (response.count !== waiter.count || response.timestamp === undefined) {
      waiter.reject(new PdClientError('server', `TSO answered ${response.count} timestamps for a request of ${waiter.count}`));
      return this.fail(new PdClientError('unavailable', 'TSO stream out of step'));
    }
    waiter.resolve(composeTimestamp(response.timestamp.physical, response.timestamp.logical));
  }

  private fail(error: Error): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    if (!(error instanceof PdClientError && error.kind === 'closed')) this.onFailure(error);
    for (const waiter of this.waiting.splice(0)) waiter.reject(error);
  }
}
