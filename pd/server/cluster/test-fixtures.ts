import { PeerRole, StoreState } from '../../../proto/gen/metapb.js';
import type * as metapb from '../../../proto/gen/metapb.js';
import type * as pdpb from '../../../proto/gen/pdpb.js';
import type { RegionInfo } from './types.js';

/** Builders shared by this folder's tests: short, readable regions, stores and heartbeats. */

export function key(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

export interface RegionSpec {
  readonly id: bigint;
  readonly start: string;
  /** '' means unbounded. */
  readonly end: string;
  readonly version?: bigint;
  readonly confVer?: bigint;
  /** [peerId, storeId] pairs. */
  readonly peers?: ReadonlyArray<readonly [bigint, bigint]>;
}

export function region(spec: RegionSpec): metapb.Region {
  return {
    id: spec.id,
    startKey: key(spec.start),
    endKey: key(spec.end),
    regionEpoch: { version: spec.version ?? 1n, confVer: spec.confVer ?? 1n },
    peers: (spec.peers ?? [[spec.id * 10n, 1n]]).map(([id, storeId]) => ({ id, storeId, role: PeerRole.Voter })),
  };
}

export interface InfoExtras {
  /** Index into meta.peers of the leader; -1 for none. Default 0. */
  readonly leaderIndex?: number;
  readonly term?: bigint;
  readonly sizeBytes?: bigint;
}

export function regionInfo(meta: metapb.Region, extras: InfoExtras = {}): RegionInfo {
  const leaderIndex = extras.leaderIndex ?? 0;
  return {
    meta,
    leader: leaderIndex < 0 ? undefined : meta.peers[leaderIndex],
    downPeers: [],
    pendingPeers: [],
    approximateSizeBytes: extras.sizeBytes ?? 0n,
    approximateKeys: 0n,
    bytesWritten: 0n,
    bytesRead: 0n,
    keysWritten: 0n,
    keysRead: 0n,
    term: extras.term ?? 1n,
  };
}

export function heartbeat(meta: metapb.Region, extras: InfoExtras & { readonly bytesWritten?: bigint } = {}): pdpb.RegionHeartbeatRequest {
  return {
    header: undefined,
    region: meta,
    leader: meta.peers[extras.leaderIndex ?? 0],
    downPeers: [],
    pendingPeers: [],
    bytesWritten: extras.bytesWritten ?? 0n,
    bytesRead: 0n,
    keysWritten: 0n,
    keysRead: 0n,
    approximateSizeBytes: extras.sizeBytes ?? 0n,
    approximateKeys: 0n,
    term: extras.term ?? 1n,
    interval: undefined,
  };
}

export function store(id: bigint, address = `127.0.0.1:${20160 + Number(id)}`, labels: Record<string, string> = {}): metapb.Store {
  return {
    id,
    address,
    labels: Object.entries(labels).map(([labelKey, value]) => ({ key: labelKey, value })),
    version: '0.1.0',
    statusAddress: '',
    state: StoreState.Up,
    startTimestamp: 0n,
    lastHeartbeat: 0n,
  };
}

export function storeStats(storeId: bigint, regionCount = 0): pdpb.StoreStats {
  return {
    storeId,
    capacityBytes: 100n << 30n,
    availableBytes: 50n << 30n,
    regionCount,
    leaderCount: 0,
    sendingSnapCount: 0,
    receivingSnapCount: 0,
    startTime: 0,
    applyingSnapCount: 0,
    isBusy: false,
    usedSizeBytes: 0n,
    bytesWritten: 0n,
    keysWritten: 0n,
    bytesRead: 0n,
    keysRead: 0n,
    interval: undefined,
  };
}

/** A deterministic clock for tests: starts at `startMs`, moves only when told. */
export class FakeClock {
  nowMs: number;

  constructor(startMs = 1_700_000_000_000) {
    this.nowMs = startMs;
  }

  readonly read = (): number => this.nowMs;

  advance(ms: number): void {
    this.nowMs += ms;
  }
}

/** A sequential ID allocator that counts its calls. */
export class CountingAllocator {
  next: bigint;
  calls = 0;

  constructor(first = 1000n) {
    this.next = first;
  }

  readonly allocate = async (): Promise<bigint> => {
    this.calls++;
    return this.next++;
  };
}

/** Describes regions compactly for assertions: `id:[start,end)v{version}c{confVer}`. */
export function regionShapes(regions: readonly RegionInfo[]): string[] {
  return regions.map((info) => {
    const epoch = info.meta.regionEpoch;
    return `${info.meta.id}:[${info.meta.startKey.toString('latin1')},${info.meta.endKey.toString('latin1')})v${epoch?.version}c${epoch?.confVer}`;
  });
}
