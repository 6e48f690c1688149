/**
 * Branded 64-bit identifiers. They are all `bigint` underneath, and the brands keep a
 * region id from being passed where a store id or a timestamp is expected. A
 * timestamp is never a JS number: `physical << 18` passes 2^53.
 */
export type Timestamp = bigint & { readonly __brand: 'Timestamp' };
export type RegionId = bigint & { readonly __brand: 'RegionId' };
export type StoreId = bigint & { readonly __brand: 'StoreId' };
export type PeerId = bigint & { readonly __brand: 'PeerId' };

const uint64Max = (1n << 64n) - 1n;

function checkUint64(value: bigint, what: string): void {
  if (value < 0n || value > uint64Max) throw new RangeError(`${what} out of uint64 range: ${value}`);
}

export function asTimestamp(value: bigint): Timestamp {
  checkUint64(value, 'timestamp');
  return value as Timestamp;
}

export function asRegionId(value: bigint): RegionId {
  checkUint64(value, 'region id');
  return value as RegionId;
}

export function asStoreId(value: bigint): StoreId {
  checkUint64(value, 'store id');
  return value as StoreId;
}

export function asPeerId(value: bigint): PeerId {
  checkUint64(value, 'peer id');
  return value as PeerId;
}

/** TSO layout: physical milliseconds in the high bits, an 18-bit logical counter below. */
export const logicalBits = 18n;
export const maxLogical = (1n << logicalBits) - 1n;

export function composeTimestamp(physicalMs: bigint, logical: bigint): Timestamp {
  if (logical < 0n || logical > maxLogical) throw new RangeError(`logical ${logical} outside 0..${maxLogical}`);
  if (physicalMs < 0n) throw new RangeError(`physical ${physicalMs} is negative`);
  return asTimestamp((physicalMs << logicalBits) | logical);
}

export function physicalMsOf(ts: Timestamp): bigint {
  return ts >> logicalBits;
}

export function logicalOf(ts: Timestamp): bigint {
  return ts & maxLogical;
}

/** The largest timestamp: reads at it see every committed version. */
export const maxTimestamp = asTimestamp(uint64Max);
export const zeroTimestamp = asTimestamp(0n);
