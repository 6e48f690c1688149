import { ErrorType } from '../../../proto/gen/pdpb.js';
import type * as metapb from '../../../proto/gen/metapb.js';

/**
 * Typed errors of PD's cluster metadata. Each carries a `kind` to switch on and the
 * pdpb `ErrorType` the gRPC service should put in the response header, so the service
 * maps an error to the wire in one place without parsing messages.
 */
export abstract class ClusterError extends Error {
  abstract readonly kind: ClusterErrorKind;
  abstract readonly errorType: ErrorType;
}

export type ClusterErrorKind = AnyClusterError['kind'];

/** Every concrete cluster error, for exhaustive switches over `kind`. */
export type AnyClusterError =
  | NotBootstrappedError
  | AlreadyBootstrappedError
  | StoreNotFoundError
  | StoreTombstoneError
  | DuplicateStoreAddressError
  | InvalidStoreStateTransitionError
  | RegionNotFoundError
  | StaleRegionEpochError
  | InvalidClusterRequestError;

export class NotBootstrappedError extends ClusterError {
  override readonly name = 'NotBootstrappedError';
  readonly kind = 'notBootstrapped';
  readonly errorType = ErrorType.NotBootstrapped;

  constructor() {
    super('cluster is not bootstrapped');
  }
}

export class AlreadyBootstrappedError extends ClusterError {
  override readonly name = 'AlreadyBootstrappedError';
  readonly kind = 'alreadyBootstrapped';
  readonly errorType = ErrorType.AlreadyBootstrapped;

  constructor() {
    super('cluster is already bootstrapped');
  }
}

export class StoreNotFoundError extends ClusterError {
  override readonly name = 'StoreNotFoundError';
  readonly kind = 'storeNotFound';
  readonly errorType = ErrorType.Unknown;
  readonly storeId: bigint;

  constructor(storeId: bigint) {
    super(`store ${storeId} not found`);
    this.storeId = storeId;
  }
}

/** A removed store tried to come back (PutStore, heartbeat): its ID is never reused. */
export class StoreTombstoneError extends ClusterError {
  override readonly name = 'StoreTombstoneError';
  readonly kind = 'storeTombstone';
  readonly errorType = ErrorType.StoreTombstone;
  readonly storeId: bigint;

  constructor(storeId: bigint) {
    super(`store ${storeId} is tombstone`);
    this.storeId = storeId;
  }
}

/** A store claimed an address that another live (non-tombstone) store already uses. */
export class DuplicateStoreAddressError extends ClusterError {
  override readonly name = 'DuplicateStoreAddressError';
  readonly kind = 'duplicateStoreAddress';
  readonly errorType = ErrorType.Unknown;
  readonly storeId: bigint;
  readonly address: string;
  readonly existingStoreId: bigint;

  constructor(storeId: bigint, address: string, existingStoreId: bigint) {
    super(`store ${storeId} claims address ${address}, already used by store ${existingStoreId}`);
    this.storeId = storeId;
    this.address = address;
    this.existingStoreId = existingStoreId;
  }
}

export class InvalidStoreStateTransitionError extends ClusterError {
  override readonly name = 'InvalidStoreStateTransitionError';
  readonly kind = 'invalidStoreStateTransition';
  readonly errorType = ErrorType.InvalidValue;
  readonly storeId: bigint;
  readonly from: metapb.StoreState;
  readonly to: metapb.StoreState;

  constructor(storeId: bigint, from: metapb.StoreState, to: metapb.StoreState, reason: string) {
    super(`store ${storeId} cannot go from state ${from} to ${to}: ${reason}`);
    this.storeId = storeId;
    this.from = from;
    this.to = to;
  }
}

export class RegionNotFoundError extends ClusterError {
  override readonly name = 'RegionNotFoundError';
  readonly kind = 'regionNotFound';
  readonly errorType = ErrorType.RegionNotFound;

  constructor(what: string) {
    super(`region not found: ${what}`);
  }
}

/** A request named a region by an epoch older than the one PD knows. */
export class StaleRegionEpochError extends ClusterError {
  override readonly name = 'StaleRegionEpochError';
  readonly kind = 'staleRegionEpoch';
  readonly errorType = ErrorType.Unknown;
  readonly regionId: bigint;
  readonly requestEpoch: metapb.RegionEpoch;
  readonly currentEpoch: metapb.RegionEpoch;

  constructor(regionId: bigint, requestEpoch: metapb.RegionEpoch, currentEpoch: metapb.RegionEpoch) {
    super(
      `stale epoch for region ${regionId}: request {confVer ${requestEpoch.confVer}, version ${requestEpoch.version}}, ` +
        `current {confVer ${currentEpoch.confVer}, version ${currentEpoch.version}}`,
    );
    this.regionId = regionId;
    this.requestEpoch = requestEpoch;
    this.currentEpoch = currentEpoch;
  }
}

/** A request that is malformed in itself (missing region, empty address, bad key range...). */
export class InvalidClusterRequestError extends ClusterError {
  override readonly name = 'InvalidClusterRequestError';
  readonly kind = 'invalidRequest';
  readonly errorType = ErrorType.InvalidValue;
}
