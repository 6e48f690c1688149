import type * as errorpb from '../../proto/gen/errorpb.js';
import type * as metapb from '../../proto/gen/metapb.js';

/** Region errors as kvrpcpb responses carry them (errorpb.Error with one case set). */
export function notLeaderError(regionId: bigint, leader: metapb.Peer | undefined): errorpb.Error {
  return { message: `peer is not the leader of region ${regionId}`, notLeader: { regionId, ...(leader === undefined ? {} : { leader }) } };
}

export function epochNotMatchError(message: string, currentRegions: readonly metapb.Region[]): errorpb.Error {
  return { message, epochNotMatch: { currentRegions: [...currentRegions] } };
}

export function staleCommandError(message: string): errorpb.Error {
  return { message, staleCommand: {} };
}

export function regionNotFoundError(regionId: bigint): errorpb.Error {
  return { message: `region ${regionId} is not on this store`, regionNotFound: { regionId } };
}

export function keyNotInRegionError(key: Uint8Array, region: metapb.Region): errorpb.Error {
  return {
    message: `key is not in region ${region.id}`,
    keyNotInRegion: { key: Buffer.from(key), regionId: region.id, startKey: region.startKey, endKey: region.endKey },
  };
}

export function serverIsBusyError(reason: string, backoffMs: bigint): errorpb.Error {
  return { message: `server is busy: ${reason}`, serverIsBusy: { reason, backoffMs } };
}

export function raftEntryTooLargeError(regionId: bigint, entrySize: number): errorpb.Error {
  return { message: `a command of ${entrySize} bytes is too large for one Raft entry of region ${regionId}`, raftEntryTooLarge: { regionId, entrySize: BigInt(entrySize) } };
}

/** A failed command: the region error, ready to put in a response header. */
export class RegionError extends Error {
  override readonly name = 'RegionError';
  readonly error: errorpb.Error;

  constructor(error: errorpb.Error) {
    super(error.message);
    this.error = error;
  }
}
