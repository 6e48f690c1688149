import { asTimestamp } from '../../common/ids.js';
import type { ConcurrencyManager } from '../mvcc/concurrency-manager.js';
import { RegionError } from '../raftstore/region-errors.js';
import type { RaftStore } from '../raftstore/raft-store.js';

/**
 * Async commit and 1PC take their commit ts from the store's max read ts. A new leader
 * has not seen the reads its predecessor served, so before it prewrites with either it
 * raises its max ts to a fresh PD timestamp (TiKV's max-ts sync): every read served
 * anywhere before then had a smaller ts. Until that is done for the leader's term, such
 * prewrites fail with MaxTimestampNotSynced and the client retries.
 */
export class MaxTsSync {
  /** Region → the term its max ts was synced in. */
  private readonly synced = new Map<bigint, number>();
  private readonly syncing = new Map<bigint, Promise<void>>();

  constructor(
    private readonly store: RaftStore,
    private readonly concurrency: ConcurrencyManager,
    private readonly timestamp: () => Promise<bigint>,
  ) {}

  /** Throws MaxTimestampNotSynced (and starts the sync) unless this leader's term is synced. */
  check(regionId: bigint): void {
    const peer = this.store.peer(regionId);
    if (peer === undefined || !peer.isLeader()) return; // the write itself fails with the right region error
    if (this.synced.get(regionId) === peer.node.raft.term) return;
    this.sync(regionId);
    throw new RegionError({ message: `region ${regionId}: the new leader's max ts is not synced from PD yet`, maxTimestampNotSynced: {} });
  }

  /**
   * Syncs the leader's max ts for its current term (once at a time). Called as a peer
   * here becomes leader, so the first prewrite of a term usually finds it done.
   */
  sync(regionId: bigint): void {
    const peer = this.store.peer(regionId);
    if (peer === undefined || !peer.isLeader() || this.syncing.has(regionId)) return;
    const term = peer.node.raft.term;
    if (this.synced.get(regionId) === term) return;
    const sync = this.timestamp()
      .then((ts) => {
        this.concurrency.updateMaxTs(asTimestamp(ts));
        this.synced.set(regionId, term);
      })
      .catch(() => undefined)
      .finally(() => this.syncing.delete(regionId));
    this.syncing.set(regionId, sync);
  }
}
