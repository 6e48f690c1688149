import type * as errorpb from '../../proto/gen/errorpb.js';
import type * as metapb from '../../proto/gen/metapb.js';
import type * as pdpb from '../../proto/gen/pdpb.js';
import type * as raftCmdpb from '../../proto/gen/raft_cmdpb.js';
import { ColumnFamily, type Engine } from '../engine/engine.js';
import type { PdClient } from '../../pd/client/pd-client.js';
import type { RaftStore } from './raft-store.js';
import { compareBytes } from '../../common/codec/bytes.js';
import { epochNotMatchError, keyNotInRegionError, notLeaderError, regionNotFoundError } from './region-errors.js';
import { findSplitKey } from './split-checker.js';

export interface PdWorkerOptions {
  readonly store: RaftStore;
  readonly engine: Engine;
  readonly pd: PdClient;
  /** This store's meta as registered with PD. */
  readonly meta: metapb.Store;
  readonly storeHeartbeatIntervalMs?: number;
  readonly regionHeartbeatIntervalMs?: number;
  readonly capacityBytes?: bigint;
  /** A region larger than this is split in two (TiKV's region-max-size is 144 MiB). */
  readonly regionMaxSizeBytes?: number;
  /** Applied write bytes after which a region is measured again (TiKV's region-split-check-diff). */
  readonly splitCheckDiffBytes?: number;
  readonly splitCheckIntervalMs?: number;
  /** A member silent this long is reported to PD as a down peer (TiKV's max-peer-down-duration is 10 min). */
  readonly peerDownAfterMs?: number;
}

/**
 * The store's side of talking to PD: store heartbeats with stats, region heartbeats for
 * every region this store leads (size, peers, leader, term), and the operators PD
 * answers with, carried out as Raft admin commands on the leader peer. A step whose
 * epoch no longer matches is skipped: PD re-plans from the next heartbeat.
 */
export class PdWorker {
  private readonly options: PdWorkerOptions;
  private readonly timers: NodeJS.Timeout[] = [];
  private stream: { send(request: Omit<pdpb.RegionHeartbeatRequest, 'header'>): void; close(): void } | undefined;
  private stopped = false;
  /** Operator steps carried out, for tests and status. */
  stepsExecuted = 0;
  /** Splits this store's leaders carried out. */
  splits = 0;
  private readonly checkedAtBytes = new Map<bigint, number>();
  /** Each region's size and keys as the split checker last measured them. */
  private readonly measured = new Map<bigint, { sizeBytes: number; keys: number }>();
  /** Each region's written bytes and keys as of its last heartbeat: the next one reports the difference. */
  private readonly reportedWrites = new Map<bigint, { bytes: number; keys: number }>();
  /** The store's written bytes and keys as of its last heartbeat, by region. */
  private readonly storeReportedWrites = new Map<bigint, { bytes: number; keys: number }>();
  private checking = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(options: PdWorkerOptions) {
    this.options = options;
  }

  async start(): Promise<void> {
    await this.openStream();
    this.timers.push(setInterval(() => this.track(this.storeHeartbeat()), this.options.storeHeartbeatIntervalMs ?? 10_000));
    this.timers.push(setInterval(() => this.track(this.regionHeartbeats()), this.options.regionHeartbeatIntervalMs ?? 10_000));
    this.timers.push(setInterval(() => this.track(this.checkSplits()), this.options.splitCheckIntervalMs ?? 10_000));
    this.track(this.storeHeartbeat());
    this.track(this.regionHeartbeats());
  }

  /** Stops the rounds and waits for the ones under way, so the engine can close after. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    this.stream?.close();
    await Promise.all(this.inFlight);
  }

  /**
   * Runs a background round to completion. A failed round (PD unreachable, or the store
   * shutting down under it) is dropped: the next round retries, and a background failure
   * must never take the process down.
   */
  private track(round: Promise<void>): void {
    const settled = round.catch(() => undefined).finally(() => this.inFlight.delete(settled));
    this.inFlight.add(settled);
  }

  private async openStream(): Promise<void> {
    if (this.stopped) return;
    try {
      this.stream = await this.options.pd.openRegionHeartbeatStream(
        (response) => this.track(this.handleResponse(response)),
        () => {
          // The stream broke (PD leader change): the next heartbeat round reopens it.
          this.stream = undefined;
        },
      );
    } catch {
      this.stream = undefined;
    }
  }

  private async storeHeartbeat(): Promise<void> {
    const regions = this.options.store.regions();
    const leaders = regions.filter((region) => this.options.store.peer(region.id)?.isLeader() === true).length;
    const capacity = this.options.capacityBytes ?? 1n << 40n;
    let bytesWritten = 0;
    let keysWritten = 0;
    for (const region of regions) {
      const written = this.writtenSince(this.storeReportedWrites, region.id);
      bytesWritten += written.bytes;
      keysWritten += written.keys;
    }
    this.forgetRegionsGone(regions);
    // What the store holds, from the engine (every region, led here or not).
    const usedSizeBytes = (await this.options.engine.approximateSizeBytes(ColumnFamily.write, {})) + (await this.options.engine.approximateSizeBytes(ColumnFamily.default, {}));
    try {
      await this.options.pd.storeHeartbeat({
        storeId: this.options.meta.id,
        capacityBytes: capacity,
        availableBytes: capacity / 2n,
        regionCount: regions.length,
        leaderCount: leaders,
        sendingSnapCount: 0,
        receivingSnapCount: 0,
        startTime: 0,
        applyingSnapCount: 0,
        isBusy: false,
        usedSizeBytes: BigInt(usedSizeBytes),
        bytesWritten: BigInt(bytesWritten),
        keysWritten: BigInt(keysWritten),
        bytesRead: 0n,
        keysRead: 0n,
      });
    } catch {
      // PD unreachable: the next round tries again.
    }
  }

  private async regionHeartbeats(only?: bigint): Promise<void> {
    if (this.stopped) return;
    if (this.stream === undefined) await this.openStream();
    const stream = this.stream;
    if (stream === undefined) return;
    for (const region of this.options.store.regions()) {
      if (only !== undefined && region.id !== only) continue;
      const peer = this.options.store.peer(region.id);
      if (peer === undefined) continue;
      // Every round moves every region's baseline, led here or not: a store that becomes
      // leader then reports the writes since the last round, not since it last led.
      const written = this.writtenSince(this.reportedWrites, region.id);
      if (!peer.isLeader()) continue;
      const estimated = await this.options.engine.approximateSizeBytes(ColumnFamily.write, { start: region.startKey, ...(region.endKey.length === 0 ? {} : { end: region.endKey }) });
      // The engine's estimate misses what is still in memory; the split checker's last count does not.
      const measured = this.measured.get(region.id);
      stream.send({
        region: peer.region,
        leader: peer.peer,
        downPeers: peer.downPeers(this.options.peerDownAfterMs ?? 10 * 60_000).map(({ peer: member, downSeconds }) => ({ peer: member, downSeconds: BigInt(downSeconds) })),
        pendingPeers: peer.pendingPeers(),
        bytesWritten: BigInt(written.bytes),
        bytesRead: 0n,
        keysWritten: BigInt(written.keys),
        keysRead: 0n,
        approximateSizeBytes: BigInt(Math.max(estimated, measured?.sizeBytes ?? 0)),
        approximateKeys: BigInt(measured?.keys ?? 0),
        term: BigInt(peer.node.raft.term),
      });
    }
  }

  /**
   * The split checker: a region this store leads that has taken enough writes since it
   * was last measured is measured again; if it is too large, PD hands out ids for the
   * new region and its peers, the split is proposed, and PD hears of the result.
   */
  async checkSplits(): Promise<void> {
    if (this.checking || this.stopped) return;
    this.checking = true;
    const maxSize = this.options.regionMaxSizeBytes ?? 144 * 1024 * 1024;
    const diff = this.options.splitCheckDiffBytes ?? Math.floor(maxSize / 16);
    try {
      for (const region of this.options.store.regions()) {
        const peer = this.options.store.peer(region.id);
        if (peer === undefined || !peer.isLeader()) continue;
        // A region never measured here (new, or this store just started) is measured once.
        const checkedAt = this.checkedAtBytes.get(region.id);
        if (checkedAt !== undefined && peer.appliedWriteBytes - checkedAt < diff) continue;
        this.checkedAtBytes.set(region.id, peer.appliedWriteBytes);
        const { splitKey, sizeBytes, keys } = await findSplitKey(this.options.engine, peer.region, maxSize);
        this.measured.set(region.id, { sizeBytes, keys });
        if (splitKey === undefined) continue;
        await this.split(peer.region, [splitKey]);
      }
    } catch {
      // PD unreachable or the region moved: the next round measures again.
    } finally {
      this.checking = false;
    }
  }

  /**
   * Splits a region this store leads at `splitKeys` (routing keys; the SplitRegion RPC):
   * PD hands out the ids, the split is proposed and applied, and PD hears of the result.
   * Returns the regions after the split in key order, or the region error that refused it.
   */
  async splitRegion(regionId: bigint, epoch: metapb.RegionEpoch | undefined, splitKeys: readonly Uint8Array[]): Promise<{ regionError?: errorpb.Error; regions: metapb.Region[] }> {
    const peer = this.options.store.peer(regionId);
    if (peer === undefined) return { regionError: regionNotFoundError(regionId), regions: [] };
    if (!peer.isLeader()) return { regionError: notLeaderError(regionId, peer.leader()), regions: [] };
    const region = peer.region;
    if (epoch === undefined || epoch.version !== region.regionEpoch?.version || epoch.confVer !== region.regionEpoch.confVer) {
      return { regionError: epochNotMatchError(`epoch of region ${regionId} is stale`, [region]), regions: [] };
    }
    const keys = [...splitKeys].sort(compareBytes).filter((key, index, sorted) => index === 0 || compareBytes(sorted[index - 1]!, key) !== 0);
    // A split key must fall strictly inside the region: at its start it would make an empty region.
    const outside = keys.find((key) => compareBytes(key, region.startKey) <= 0 || (region.endKey.length > 0 && compareBytes(key, region.endKey) >= 0));
    if (outside !== undefined) return { regionError: keyNotInRegionError(outside, region), regions: [] };
    if (keys.length === 0) return { regions: [region] };
    return this.split(region, keys);
  }

  /** Splits `region` at sorted routing keys with ids from PD, and tells PD the outcome. */
  private async split(region: metapb.Region, keys: readonly Uint8Array[]): Promise<{ regionError?: errorpb.Error; regions: metapb.Region[] }> {
    const ids = await this.options.pd.askBatchSplit(region, keys.length);
    const result = await this.options.store.proposeSplit(region.id, keys, ids);
    const admin = result.adminResponse?.cmd;
    if (result.header?.error !== undefined) return { regionError: result.header.error, regions: [] };
    if (admin?.$case !== 'batchSplit') return { regionError: { message: `region ${region.id}: the split produced no regions` }, regions: [] };
    this.splits++;
    await this.options.pd.reportBatchSplit(admin.value.regions);
    this.reportRegionSoon(region.id);
    return { regions: admin.value.regions };
  }

  /** Carries out one operator step PD sent for a region this store leads. */
  async handleResponse(response: pdpb.RegionHeartbeatResponse): Promise<void> {
    const peer = this.options.store.peer(response.regionId);
    if (peer === undefined || !peer.isLeader()) return;
    const epoch = peer.region.regionEpoch;
    const planned = response.regionEpoch;
    if (epoch === undefined || planned === undefined || epoch.confVer !== planned.confVer || epoch.version !== planned.version) return;
    const header: raftCmdpb.RaftRequestHeader = { regionId: peer.region.id, regionEpoch: epoch, term: 0n, syncLog: true, readQuorum: false, uuid: Buffer.alloc(0) };
    let adminRequest: raftCmdpb.AdminRequest | undefined;
    if (response.changePeer?.peer !== undefined) {
      adminRequest = { cmd: { $case: 'changePeer', value: { changeType: response.changePeer.changeType, peer: response.changePeer.peer } } };
    } else if (response.transferLeader?.peer !== undefined) {
      adminRequest = { cmd: { $case: 'transferLeader', value: { peer: response.transferLeader.peer, peers: [] } } };
    }
    if (adminRequest === undefined) return;
    const result = await this.options.store.propose({ header, requests: [], adminRequest });
    if (result.header?.error === undefined) {
      this.stepsExecuted++;
      // Report the new shape at once (as TiKV does after a conf change), so PD moves to
      // the operator's next step without waiting for the next heartbeat round.
      this.reportRegionSoon(peer.region.id);
    }
  }

  /** What a region's peer here wrote since `reported` last recorded it (and records it now). */
  private writtenSince(reported: Map<bigint, { bytes: number; keys: number }>, regionId: bigint): { bytes: number; keys: number } {
    const peer = this.options.store.peer(regionId);
    if (peer === undefined) return { bytes: 0, keys: 0 };
    const now = { bytes: peer.appliedWriteBytes, keys: peer.appliedWriteKeys };
    const before = reported.get(regionId) ?? { bytes: 0, keys: 0 };
    reported.set(regionId, now);
    return { bytes: Math.max(0, now.bytes - before.bytes), keys: Math.max(0, now.keys - before.keys) };
  }

  /** Drops what is kept about regions no longer on this store (split away, moved, destroyed). */
  private forgetRegionsGone(regions: ReadonlyArray<{ readonly id: bigint }>): void {
    const here = new Set(regions.map((region) => region.id));
    for (const map of [this.checkedAtBytes, this.measured, this.reportedWrites, this.storeReportedWrites]) {
      for (const regionId of map.keys()) if (!here.has(regionId)) map.delete(regionId);
    }
  }

  private reportRegionSoon(regionId: bigint): void {
    setTimeout(() => this.track(this.regionHeartbeats(regionId)), 50);
  }
}
