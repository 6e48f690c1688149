import { credentials } from '@grpc/grpc-js';
import type * as errorpb from '../../proto/gen/errorpb.js';
import * as tikvpb from '../../proto/gen/tikvpb.js';
import * as kvrpcpb from '../../proto/gen/kvrpcpb.js';
import type { Backoffer } from './backoff.js';
import { RegionRequestError, StoreUnreachableError } from './errors.js';
import type { RegionCache, RegionLocation } from './region-cache.js';
import type { StoreRequest, StoreResponse, StoreStreams } from './store-streams.js';

type RequestCmd = NonNullable<StoreRequest['cmd']>;
type ResponseCmd = NonNullable<StoreResponse['cmd']>;
/** The KV commands that go to a region (every BatchCommands case but `empty`). */
export type RegionCommand = Exclude<RequestCmd['$case'], 'empty'>;
type RequestMap = { [K in RequestCmd as K['$case']]: K['value'] };
type ResponseMap = { [K in ResponseCmd as K['$case']]: K['value'] };
export type RequestOf<C extends RegionCommand> = RequestMap[C];
export type ResponseOf<C extends RegionCommand> = ResponseMap[C];


export interface AttemptOptions {
  /** Fields of the request's context besides the region's (isolation level, resolved locks). */
  readonly context?: Partial<kvrpcpb.Context>;
  /** For requests the store may hold on purpose (a pessimistic lock waiting for another). */
  readonly timeoutMs?: number;
  /**
   * Called when an attempt ends without proof of whether the store ran the request: no
   * answer, or a StaleCommand (proposed by a leader that lost its term). Every other
   * region error proves the request was not applied.
   */
  readonly onUndetermined?: () => void;
}

/**
 * Sends one request to one region's peer on its store's stream and reads the region
 * error the way client-go does: each error updates the region cache with what it proves
 * and backs off as its kind needs; the caller then re-plans (re-locates its keys) and
 * sends again. Errors no retry can fix are thrown.
 */
export class RegionRequestSender {
  private readonly unaryClients = new Map<string, tikvpb.TikvClient>();

  constructor(
    private readonly cache: RegionCache,
    private readonly streams: StoreStreams,
    private readonly timeoutMs: number,
  ) {}

  /** One attempt: the answer, or undefined when the routing changed and the caller must plan this part again. */
  async attempt<C extends RegionCommand>(
    location: RegionLocation,
    backoffer: Backoffer,
    command: C,
    request: Omit<RequestOf<C>, 'context'>,
    options: AttemptOptions = {},
  ): Promise<ResponseOf<C> | undefined> {
    const context = kvrpcpb.Context.create({ ...options.context, regionId: location.region.id, ...(location.region.regionEpoch === undefined ? {} : { regionEpoch: location.region.regionEpoch }), peer: location.peer });
    let answer: StoreResponse;
    try {
      answer = await this.streams.send(location.address, { cmd: { $case: command, value: { ...request, context } } as unknown as RequestCmd }, options.timeoutMs ?? this.timeoutMs);
    } catch (error) {
      if (!(error instanceof StoreUnreachableError)) throw error;
      // No answer: the request may have reached the store and run there.
      options.onUndetermined?.();
      // The store may be down: try the region's next peer, and look the store up again.
      this.cache.switchPeer(location.region.id, location.peer);
      this.cache.invalidateStore(location.peer.storeId);
      await backoffer.backoff('tikvRpc', error);
      return undefined;
    }
    const cmd = answer.cmd;
    if (cmd === undefined || cmd.$case !== command) throw new RegionRequestError({ message: `the store answered ${cmd?.$case ?? 'nothing'} to ${command}` });
    const response = cmd.value as unknown as ResponseOf<C>;
    const regionError = (response as { regionError?: errorpb.Error }).regionError;
    if (regionError === undefined) return response;
    // A leader that lost its term drops the commands it proposed, though the next leader may still commit them.
    if (regionError.staleCommand !== undefined) options.onUndetermined?.();
    await this.onRegionError(location, backoffer, regionError);
    return undefined;
  }

  /**
   * One attempt of a control call that has no place on the stream (SplitRegion): a unary
   * call to the region's peer, with region errors read as for `attempt`.
   */
  async attemptUnary<R extends { regionError?: errorpb.Error | undefined }>(location: RegionLocation, backoffer: Backoffer, call: (client: tikvpb.TikvClient, context: kvrpcpb.Context) => Promise<R>): Promise<R | undefined> {
    const context = kvrpcpb.Context.create({ regionId: location.region.id, ...(location.region.regionEpoch === undefined ? {} : { regionEpoch: location.region.regionEpoch }), peer: location.peer });
    let client = this.unaryClients.get(location.address);
    if (client === undefined) {
      client = new tikvpb.TikvClient(location.address, credentials.createInsecure());
      this.unaryClients.set(location.address, client);
    }
    let response: R;
    try {
      response = await call(client, context);
    } catch (error) {
      this.cache.switchPeer(location.region.id, location.peer);
      this.cache.invalidateStore(location.peer.storeId);
      await backoffer.backoff('tikvRpc', error);
      return undefined;
    }
    if (response.regionError === undefined) return response;
    await this.onRegionError(location, backoffer, response.regionError);
    return undefined;
  }

  close(): void {
    for (const client of this.unaryClients.values()) client.close();
    this.unaryClients.clear();
  }

  /** What client-go's onRegionError does, case by case. */
  private async onRegionError(location: RegionLocation, backoffer: Backoffer, error: errorpb.Error): Promise<void> {
    const regionId = location.region.id;
    if (error.notLeader !== undefined) {
      const leader = error.notLeader.leader;
      if (leader !== undefined && leader.id === location.peer.id) {
        // The peer names itself: it leads but cannot take proposals now (a leader transfer is under way).
        await backoffer.backoff('notLeader', error);
        return;
      }
      if (leader !== undefined && this.cache.updateLeader(regionId, leader)) {
        // A new leader is named: go straight to it, with a short wait in case it is still taking over.
        await backoffer.backoff('notLeader', error);
        return;
      }
      // No one named (an election is under way) or the same peer: wait, and ask another peer.
      this.cache.switchPeer(regionId, location.peer);
      await backoffer.backoff('notLeader', error);
      return;
    }
    if (error.epochNotMatch !== undefined) {
      const current = error.epochNotMatch.currentRegions;
      if (current.length > 0) this.cache.replaceRegions(current);
      else this.cache.invalidate(regionId);
      await backoffer.backoff('regionMiss', error);
      return;
    }
    if (error.serverIsBusy !== undefined) {
      await backoffer.backoff('serverBusy', error);
      return;
    }
    if (error.maxTimestampNotSynced !== undefined) {
      // A new leader is fetching a timestamp from PD: moments.
      await backoffer.backoff('regionMiss', error);
      return;
    }
    if (error.staleCommand !== undefined) {
      await backoffer.backoff('staleCommand', error);
      return;
    }
    if (error.storeNotMatch !== undefined) {
      this.cache.invalidateStore(location.peer.storeId);
      this.cache.invalidate(regionId);
      await backoffer.backoff('regionMiss', error);
      return;
    }
    if (error.raftEntryTooLarge !== undefined) throw new RegionRequestError(error);
    // RegionNotFound, KeyNotInRegion, and anything else: forget the region and ask PD again.
    this.cache.invalidate(regionId);
    await backoffer.backoff('regionMiss', error);
  }
}
