import { credentials, Metadata, status, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Timestamp } from '../../common/ids.js';
import type * as metapb from '../../proto/gen/metapb.js';
import * as pdpb from '../../proto/gen/pdpb.js';
import { PdClientError } from './errors.js';
import { GrpcTsoStream } from './grpc-tso-stream.js';
import { TsoBatcher, type TsoFuture } from './tso-batcher.js';

export interface PdClientOptions {
  /** Budget of one call, retries included. */
  readonly timeoutMs?: number;
  /** Sent in request headers, for PD's logs (a store's id, say). */
  readonly senderId?: bigint;
}

const defaultTimeoutMs = 10_000;
const retryBaseDelayMs = 20;
const retryMaxDelayMs = 1_000;
const errorTypeNames = new Map<number, string>(Object.entries(pdpb.ErrorType).map(([name, value]) => [value, name]));

/** A region as PD routes it: the meta and, if known, its leader. */
export interface RegionRoute {
  readonly region: metapb.Region;
  readonly leader: metapb.Peer | undefined;
}

type Unary<Request, Response> = (request: Request, metadata: Metadata, options: { deadline: Date }, callback: (error: ServiceError | null, response: Response) => void) => unknown;

function address(url: string): string {
  return url.replace(/^[a-z]+:\/\//, '').replace(/\/$/, '');
}

function isRetryable(error: unknown): boolean {
  if (error instanceof PdClientError) return error.kind === 'unavailable' || (error.kind === 'server' && error.serverErrorType === 'NotLeader');
  const code = (error as Partial<ServiceError>).code;
  return code === status.UNAVAILABLE || code === status.CANCELLED || code === status.DEADLINE_EXCEEDED;
}

/**
 * The PD client: finds the PD leader from a list of endpoints, follows it when it
 * changes, and batches timestamp requests on one stream. Every call has a deadline;
 * retries back off exponentially and stop at the budget with an error that names the
 * last cause.
 */
export class PdClient {
  readonly endpoints: readonly string[];
  private readonly timeoutMs: number;
  private readonly senderId: bigint;
  private leader: { client: pdpb.PDClient; address: string } | undefined;
  private discovery: Promise<{ client: pdpb.PDClient; address: string }> | undefined;
  private clusterIdValue = 0n;
  private readonly tso: TsoBatcher;
  private closed = false;

  private constructor(endpoints: readonly string[], options: PdClientOptions) {
    this.endpoints = endpoints.map(address);
    this.timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
    this.senderId = options.senderId ?? 0n;
    this.tso = new TsoBatcher({
      // Enough attempts to ride out a leader election (a few seconds with backoff).
      maxAttempts: 20,
      openStream: async () => {
        const leader = await this.currentLeader();
        return new GrpcTsoStream(leader.client.tso(), this.clusterIdValue, () => this.dropLeader(leader));
      },
    });
  }

  /** Connects to the PD cluster behind `endpoints` (any member will do). */
  static async connect(endpoints: readonly string[], options: PdClientOptions = {}): Promise<PdClient> {
    if (endpoints.length === 0) throw new PdClientError('unavailable', 'no PD endpoints given');
    const client = new PdClient(endpoints, options);
    await client.withRetries('connect', () => client.currentLeader());
    return client;
  }

  get clusterId(): bigint {
    return this.clusterIdValue;
  }

  /** The address of the PD leader this client talks to. */
  get leaderAddress(): string | undefined {
    return this.leader?.address;
  }

  close(): void {
    this.closed = true;
    this.tso.close();
    this.leader?.client.close();
    this.leader = undefined;
  }

  // --- leader discovery ---

  private currentLeader(): Promise<{ client: pdpb.PDClient; address: string }> {
    if (this.closed) return Promise.reject(new PdClientError('closed', 'the PD client is closed'));
    if (this.leader !== undefined) return Promise.resolve(this.leader);
    this.discovery ??= this.discoverLeader().finally(() => {
      this.discovery = undefined;
    });
    return this.discovery;
  }

  /** Asks each known member who leads; the first answer wins. */
  private async discoverLeader(): Promise<{ client: pdpb.PDClient; address: string }> {
    let lastError: unknown;
    for (const endpoint of this.endpoints) {
      const probe = new pdpb.PDClient(endpoint, credentials.createInsecure());
      try {
        const response = await this.unaryOn(probe, probe.getMembers.bind(probe), { header: this.header() }, Math.min(this.timeoutMs, 3_000));
        const leaderUrl = response.leader?.clientUrls[0];
        if (leaderUrl === undefined) throw new PdClientError('unavailable', `PD member ${endpoint} knows no leader`);
        this.clusterIdValue = response.header?.clusterId ?? 0n;
        const leaderAddress = address(leaderUrl);
        if (leaderAddress === endpoint) {
          this.leader = { client: probe, address: leaderAddress };
        } else {
          probe.close();
          this.leader = { client: new pdpb.PDClient(leaderAddress, credentials.createInsecure()), address: leaderAddress };
        }
        return this.leader;
      } catch (error) {
        probe.close();
        lastError = error;
      }
    }
    throw new PdClientError('unavailable', `no PD member of ${this.endpoints.join(', ')} answered: ${describe(lastError)}`, { cause: lastError });
  }

  /** Forgets the leader after a failure that suggests it changed or died. */
  private dropLeader(failed: { client: pdpb.PDClient }): void {
    if (this.leader !== undefined && this.leader.client === failed.client) {
      this.leader.client.close();
      this.leader = undefined;
    }
  }

  // --- calls ---

  private header(): pdpb.RequestHeader {
    return { clusterId: this.clusterIdValue, senderId: this.senderId };
  }

  private unaryOn<Request, Response extends { header?: pdpb.ResponseHeader | undefined }>(
    client: pdpb.PDClient,
    method: Unary<Request, Response>,
    request: Request,
    timeoutMs: number,
  ): Promise<Response> {
    return new Promise((resolve, reject) => {
      method.call(client, request, new Metadata(), { deadline: new Date(Date.now() + timeoutMs) }, (error, response) => {
        if (error !== null) return reject(error);
        const headerError = response.header?.error;
        if (headerError !== undefined && headerError.type !== pdpb.ErrorType.Ok) {
          const type = errorTypeNames.get(headerError.type) ?? String(headerError.type);
          return reject(new PdClientError('server', `PD: ${type}: ${headerError.message}`, { serverErrorType: type }));
        }
        resolve(response);
      });
    });
  }

  private async withRetries<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.timeoutMs;
    let lastError: unknown;
    for (let round = 0; ; round++) {
      if (this.closed) throw new PdClientError('closed', 'the PD client is closed');
      try {
        return await attempt();
      } catch (error) {
        lastError = error;
        if (!isRetryable(error)) throw error;
      }
      const delay = Math.min(retryBaseDelayMs * 2 ** round, retryMaxDelayMs);
      if (Date.now() + delay >= deadline) {
        throw new PdClientError('timeout', `${what} did not succeed within ${this.timeoutMs} ms; last error: ${describe(lastError)}`, { cause: lastError });
      }
      await sleep(delay);
    }
  }

  /** A unary call to the leader, following leader changes within the call's budget. */
  private call<Request extends { header?: pdpb.RequestHeader | undefined }, Response extends { header?: pdpb.ResponseHeader | undefined }>(
    what: string,
    pick: (client: pdpb.PDClient) => Unary<Request, Response>,
    request: Omit<Request, 'header'>,
  ): Promise<Response> {
    return this.withRetries(what, async () => {
      const leader = await this.currentLeader();
      try {
        return await this.unaryOn(leader.client, pick(leader.client), { ...request, header: this.header() } as Request, this.timeoutMs);
      } catch (error) {
        if (isRetryable(error)) this.dropLeader(leader);
        throw error;
      }
    });
  }

  // --- TSO ---

  /** One timestamp from PD's oracle; concurrent callers share requests. */
  getTimestamp(): Promise<Timestamp> {
    return this.tso.getTimestamp();
  }

  /** Starts a timestamp request to await later. */
  startTimestamp(): TsoFuture {
    return this.tso.startTimestamp();
  }

  // --- ids, cluster, stores ---

  async allocId(): Promise<bigint> {
    return (await this.call('AllocID', (client) => client.allocId, {})).id;
  }

  async isBootstrapped(): Promise<boolean> {
    return (await this.call('IsBootstrapped', (client) => client.isBootstrapped, {})).bootstrapped;
  }

  async bootstrap(store: metapb.Store, region: metapb.Region): Promise<void> {
    await this.call('Bootstrap', (client) => client.bootstrap, { store, region });
  }

  async putStore(store: metapb.Store): Promise<void> {
    await this.call('PutStore', (client) => client.putStore, { store });
  }

  async getStore(storeId: bigint): Promise<metapb.Store | undefined> {
    return (await this.call('GetStore', (client) => client.getStore, { storeId })).store;
  }

  async getAllStores(excludeTombstoneStores = true): Promise<metapb.Store[]> {
    return (await this.call('GetAllStores', (client) => client.getAllStores, { excludeTombstoneStores })).stores;
  }

  async storeHeartbeat(stats: pdpb.StoreStats): Promise<pdpb.StoreHeartbeatResponse> {
    return this.call('StoreHeartbeat', (client) => client.storeHeartbeat, { stats });
  }

  // --- regions ---

  async getRegion(key: Uint8Array): Promise<RegionRoute | undefined> {
    return route(await this.call('GetRegion', (client) => client.getRegion, { regionKey: Buffer.from(key) }));
  }

  async getPrevRegion(key: Uint8Array): Promise<RegionRoute | undefined> {
    return route(await this.call('GetPrevRegion', (client) => client.getPrevRegion, { regionKey: Buffer.from(key) }));
  }

  async getRegionById(regionId: bigint): Promise<RegionRoute | undefined> {
    return route(await this.call('GetRegionByID', (client) => client.getRegionById, { regionId }));
  }

  async scanRegions(startKey: Uint8Array, endKey: Uint8Array, limit: number): Promise<RegionRoute[]> {
    const response = await this.call('ScanRegions', (client) => client.scanRegions, { startKey: Buffer.from(startKey), endKey: Buffer.from(endKey), limit });
    return response.regions.flatMap((info) => (info.region === undefined ? [] : [{ region: info.region, leader: info.leader }]));
  }

  async askBatchSplit(region: metapb.Region, splitCount: number): Promise<pdpb.SplitId[]> {
    return (await this.call('AskBatchSplit', (client) => client.askBatchSplit, { region, splitCount })).ids;
  }

  async reportBatchSplit(regions: metapb.Region[]): Promise<void> {
    await this.call('ReportBatchSplit', (client) => client.reportBatchSplit, { regions });
  }

  /** Opens the region heartbeat stream to the leader; PD's answers (operators) go to `onResponse`. */
  async openRegionHeartbeatStream(onResponse: (response: pdpb.RegionHeartbeatResponse) => void, onError: (error: Error) => void): Promise<{ send(request: Omit<pdpb.RegionHeartbeatRequest, 'header'>): void; close(): void }> {
    const leader = await this.withRetries('RegionHeartbeat', () => this.currentLeader());
    const stream: ClientDuplexStream<pdpb.RegionHeartbeatRequest, pdpb.RegionHeartbeatResponse> = leader.client.regionHeartbeat();
    stream.on('data', onResponse);
    stream.on('error', (error: Error) => {
      this.dropLeader(leader);
      onError(error);
    });
    return {
      send: (request) => stream.write({ ...request, header: this.header() }),
      close: () => stream.end(),
    };
  }

  // --- GC safe point ---

  async getGcSafePoint(): Promise<bigint> {
    return (await this.call('GetGCSafePoint', (client) => client.getGcSafePoint, {})).safePoint;
  }

  /** Moves the safe point forward; returns the safe point now in force (never lower). */
  async updateGcSafePoint(safePoint: bigint): Promise<bigint> {
    return (await this.call('UpdateGCSafePoint', (client) => client.updateGcSafePoint, { safePoint })).newSafePoint;
  }
}

function route(response: pdpb.GetRegionResponse): RegionRoute | undefined {
  return response.region === undefined ? undefined : { region: response.region, leader: response.leader };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
