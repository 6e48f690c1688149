import { CodecError } from '../../../common/errors.js';
import * as metapb from '../../../proto/gen/metapb.js';
import type { PdWrite } from '../storage.js';

/**
 * How cluster metadata is laid out in PdStorage, next to the TSO window, the ID
 * allocator and the GC safe point that other modules keep there:
 *
 *   cluster/meta                metapb.Cluster; its presence means "bootstrapped"
 *   cluster/stores/{id:020}     metapb.Store
 *   cluster/regions/{id:020}    metapb.Region (the shape only: leader and stats live
 *                               in memory and are rebuilt from heartbeats)
 *
 * IDs are zero-padded to 20 digits (the width of 2^64 - 1) so key order is ID order.
 */
export const clusterStorageKeys = {
  cluster: 'cluster/meta',
  storePrefix: 'cluster/stores/',
  regionPrefix: 'cluster/regions/',
} as const;

const idDigits = 20;

export function storeKey(storeId: bigint): string {
  return clusterStorageKeys.storePrefix + formatId(storeId);
}

export function regionKey(regionId: bigint): string {
  return clusterStorageKeys.regionPrefix + formatId(regionId);
}

function formatId(id: bigint): string {
  if (id < 0n || id >= 1n << 64n) throw new RangeError(`id out of uint64 range: ${id}`);
  return id.toString().padStart(idDigits, '0');
}

export function putStoreWrite(meta: metapb.Store): PdWrite {
  return { key: storeKey(meta.id), value: metapb.Store.encode(meta).finish() };
}

export function putRegionWrite(meta: metapb.Region): PdWrite {
  return { key: regionKey(meta.id), value: metapb.Region.encode(meta).finish() };
}

export function deleteRegionWrite(regionId: bigint): PdWrite {
  return { key: regionKey(regionId), value: undefined };
}

export function putClusterWrite(cluster: metapb.Cluster): PdWrite {
  return { key: clusterStorageKeys.cluster, value: metapb.Cluster.encode(cluster).finish() };
}

export function decodeCluster(value: Uint8Array): metapb.Cluster {
  return decodeWith(metapb.Cluster, value, clusterStorageKeys.cluster);
}

/** Decodes a stored store and checks it is stored under its own ID. */
export function decodeStore(key: string, value: Uint8Array): metapb.Store {
  const meta = decodeWith(metapb.Store, value, key);
  if (key !== storeKey(meta.id)) throw new CodecError(`store ${meta.id} is stored under ${key}`);
  return meta;
}

/** Decodes a stored region and checks it is stored under its own ID. */
export function decodeRegion(key: string, value: Uint8Array): metapb.Region {
  const meta = decodeWith(metapb.Region, value, key);
  if (key !== regionKey(meta.id)) throw new CodecError(`region ${meta.id} is stored under ${key}`);
  return meta;
}

function decodeWith<T>(codec: metapb.MessageFns<T>, value: Uint8Array, key: string): T {
  try {
    return codec.decode(value);
  } catch (error) {
    // The generated decoder throws plain Errors (or RangeErrors) on truncated input.
    throw new CodecError(`corrupt cluster metadata at ${key}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
