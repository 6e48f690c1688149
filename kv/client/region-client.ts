import { PdClient } from '../../pd/client/pd-client.js';
import { compareBytes } from '../../common/codec/bytes.js';
import { encodeUserKey } from '../../common/codec/mvcc-key.js';
import type * as kvrpcpb from '../../proto/gen/kvrpcpb.js';
import type * as metapb from '../../proto/gen/metapb.js';
import { uniqueKeys } from './keys.js';
import { Backoffer } from './backoff.js';
import { KvClientError } from './errors.js';
import { RegionCache, type RegionLocation } from './region-cache.js';
import { sendByRegion } from './region-batches.js';
import { type RegionCommand, RegionRequestSender, type RequestOf, type ResponseOf } from './region-request.js';
import { StoreStreams } from './store-streams.js';

export interface RegionClientOptions {
  /** How long one call may keep retrying (backing off) before it fails; client-go's budget is 20 s. */
  readonly budgetMs?: number;
  /** How long one request to a store may take before it counts as unanswered. */
  readonly requestTimeoutMs?: number;
  /** Region requests of one call in flight at once. */
  readonly concurrency?: number;
  readonly pdTimeoutMs?: number;
}

/** Keys (or pairs) per request, and bytes per request: well inside a Raft entry (8 MiB). */
const maxBatchKeys = 4_096;
const maxBatchBytes = 4 * 1024 * 1024;

/**
 * What every client API shares: PD, the region cache, the store streams, and the two
 * ways of sending (to the region of one key; to the regions of many items, in parallel),
 * each retrying region errors within a backoff budget.
 */
export class RegionClient {
  readonly pd: PdClient;
  readonly cache: RegionCache;
  readonly streams = new StoreStreams();
  readonly sender: RegionRequestSender;
  readonly budgetMs: number;
  readonly concurrency: number;

  private constructor(pd: PdClient, options: RegionClientOptions) {
    this.pd = pd;
    this.cache = new RegionCache(pd);
    this.sender = new RegionRequestSender(this.cache, this.streams, options.requestTimeoutMs ?? 10_000);
    this.budgetMs = options.budgetMs ?? 20_000;
    this.concurrency = options.concurrency ?? 16;
  }

  /** Connects through PD (`host:port`, one or several, or comma-separated). */
  static async connect(pdEndpoints: string | readonly string[], options: RegionClientOptions = {}): Promise<RegionClient> {
    const endpoints = (typeof pdEndpoints === 'string' ? pdEndpoints.split(',') : [...pdEndpoints]).map((endpoint) => endpoint.trim()).filter((endpoint) => endpoint !== '');
    if (endpoints.length === 0) throw new KvClientError('connecting needs at least one PD endpoint');
    const pd = await PdClient.connect(endpoints, { timeoutMs: options.pdTimeoutMs ?? 10_000 });
    return new RegionClient(pd, options);
  }

  backoffer(): Backoffer {
    return new Backoffer(this.budgetMs);
  }

  /** Sends to the region holding routing key `key` until it answers without a region error. */
  async toKey<C extends RegionCommand>(key: Uint8Array, command: C, request: Omit<RequestOf<C>, 'context'>, options: { backoffer?: Backoffer; context?: Partial<kvrpcpb.Context> } = {}): Promise<ResponseOf<C>> {
    const backoffer = options.backoffer ?? this.backoffer();
    for (;;) {
      const location = await this.cache.locate(key, backoffer);
      const response = await this.sender.attempt(location, backoffer, command, request, { context: options.context ?? {} });
      if (response !== undefined) return response;
    }
  }

  /** Sends items to their regions (by routing key) in parallel chunks; see sendByRegion. */
  byRegion<T, R>(
    items: readonly T[],
    keyOf: (item: T) => Uint8Array,
    bytesOf: (item: T) => number,
    send: (location: RegionLocation, items: readonly T[], backoffer: Backoffer) => Promise<R | undefined>,
    backoffer: Backoffer = this.backoffer(),
  ): Promise<R[]> {
    return sendByRegion({ cache: this.cache, items, keyOf, backoffer, concurrency: this.concurrency, maxItems: maxBatchKeys, maxBytes: maxBatchBytes, bytesOf, send });
  }

  /**
   * Splits the regions holding `splitKeys` at those keys; PD hands out the new regions'
   * ids. Raw keys split as they are, transactional keys at their encoding. Answers the
   * regions the splits produced, in key order.
   */
  async splitRegions(splitKeys: readonly Uint8Array[], options: { raw: boolean }): Promise<metapb.Region[]> {
    const routingKey = (key: Uint8Array) => (options.raw ? key : encodeUserKey(key));
    const parts = await this.byRegion(uniqueKeys(splitKeys), routingKey, (key) => key.length, async (location, part, backoffer) => {
      // A key at a region's start is a split already made.
      const keys = part.filter((key) => compareBytes(routingKey(key), location.region.startKey) !== 0);
      if (keys.length === 0) return [];
      const response = await this.sender.attemptUnary(location, backoffer, (client, context) =>
        new Promise<kvrpcpb.SplitRegionResponse>((resolve, reject) =>
          client.splitRegion({ context, splitKeys: keys.map((key) => Buffer.from(key)), isRawKv: options.raw }, (error, answer) => (error === null ? resolve(answer) : reject(error))),
        ),
      );
      if (response !== undefined) this.cache.replaceRegions(response.regions);
      return response?.regions;
    });
    return parts.flat().sort((a, b) => compareBytes(a.startKey, b.startKey));
  }

  close(): void {
    this.streams.close();
    this.sender.close();
    this.pd.close();
  }
}
