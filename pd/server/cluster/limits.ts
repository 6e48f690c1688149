import { assert } from '../../../common/assert.js';

/** Bounds of PD's cluster metadata, in one place so their relations can be checked. */
export const clusterLimits = {
  /**
   * A store silent this long is Disconnected: schedulers stop sending it new work, but
   * its replicas are not replaced yet (that waits for maxStoreDownTimeMs). PD's value.
   */
  storeDisconnectedAfterMs: 20_000,
  /** Most new regions one AskBatchSplit may ask IDs for. */
  maxSplitCountPerRequest: 1_000,
  /** Most regions one ReportBatchSplit may carry (the split regions plus the original). */
  maxRegionsPerSplitReport: 1_001,
  /** Most peers a region may have; a region with more is a corrupt request. */
  maxPeersPerRegion: 64,
  /** Most keys one coalesced persistence batch may hold before it is cut. */
  maxWritesPerPersistBatch: 4_096,
} as const;

assert(clusterLimits.maxRegionsPerSplitReport === clusterLimits.maxSplitCountPerRequest + 1, 'a split report holds every split region plus the original');
assert(clusterLimits.maxWritesPerPersistBatch >= clusterLimits.maxRegionsPerSplitReport, 'one split report must fit one persistence batch');
assert(clusterLimits.storeDisconnectedAfterMs > 0, 'stores need a disconnect threshold');
