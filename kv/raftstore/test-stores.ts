import { setTimeout as sleep } from 'node:timers/promises';
import type { MetricsRegistry } from '../../common/metrics/index.js';
import type { SeededRandom } from '../../common/random.js';
import type * as raftServerpb from '../../proto/gen/raft_serverpb.js';
import { MemoryEngine } from '../engine/memory-engine.js';
import { RaftStore, type StoreTransport } from './raft-store.js';

/**
 * Stores in one process for tests, linked by an in-memory network that delivers
 * asynchronously; a store in `cut` neither sends nor receives.
 */
export class TestStores {
  readonly stores = new Map<bigint, RaftStore>();
  readonly engines = new Map<bigint, MemoryEngine>();
  readonly cut = new Set<bigint>();
  private readonly random: SeededRandom;

  private readonly raftLogGcThresholdEntries: number;
  /** Registries for a store's first start only: a restart in the same process would register the same metrics twice. */
  private readonly metrics: Map<bigint, MetricsRegistry>;

  private readonly maxPendingProposals: number | undefined;

  private readonly raftLogGcCountLimitEntries: number | undefined;
  /** 20 ms by default: elections in a fraction of a second keep tests short. */
  private readonly tickIntervalMs: number;

  constructor(
    storeIds: readonly bigint[],
    random: SeededRandom,
    options: { raftLogGcThresholdEntries?: number; raftLogGcCountLimitEntries?: number; metrics?: ReadonlyMap<bigint, MetricsRegistry>; maxPendingProposals?: number; tickIntervalMs?: number } = {},
  ) {
    this.random = random;
    this.tickIntervalMs = options.tickIntervalMs ?? 20;
    this.raftLogGcCountLimitEntries = options.raftLogGcCountLimitEntries;
    this.maxPendingProposals = options.maxPendingProposals;
    this.raftLogGcThresholdEntries = options.raftLogGcThresholdEntries ?? 1024;
    this.metrics = new Map(options.metrics ?? []);
    for (const id of storeIds) this.engines.set(id, new MemoryEngine());
  }

  private transport(from: bigint): StoreTransport {
    return {
      send: (to: bigint, messages: readonly raftServerpb.RaftMessage[]) => {
        if (this.cut.has(to) || this.cut.has(from)) return;
        const store = this.stores.get(to);
        if (store === undefined) return;
        setImmediate(() => {
          for (const message of messages) store.receive(message);
        });
      },
      sendSnapshot: (to: bigint, message: raftServerpb.RaftMessage) =>
        new Promise<void>((resolve, reject) => {
          const store = this.stores.get(to);
          if (store === undefined || this.cut.has(to) || this.cut.has(from)) return reject(new Error(`store ${to} is unreachable`));
          setImmediate(() => {
            store.receive(message);
            resolve();
          });
        }),
    };
  }

  /** Starts (or restarts, on its existing engine) the store `storeId`. */
  start(storeId: bigint): RaftStore {
    const store = new RaftStore({
      storeId,
      engine: this.engines.get(storeId)!,
      transport: this.transport(storeId),
      random: () => this.random.nextFloat(),
      tickIntervalMs: this.tickIntervalMs,
      electionTicks: 10,
      heartbeatTicks: 2,
      raftLogGcThresholdEntries: this.raftLogGcThresholdEntries,
      ...(this.raftLogGcCountLimitEntries === undefined ? {} : { raftLogGcCountLimitEntries: this.raftLogGcCountLimitEntries }),
      ...(this.metrics.has(storeId) ? { metrics: this.metrics.get(storeId)! } : {}),
      ...(this.maxPendingProposals === undefined ? {} : { maxPendingProposals: this.maxPendingProposals }),
    });
    this.metrics.delete(storeId);
    this.stores.set(storeId, store);
    store.start();
    return store;
  }

  async stop(storeId: bigint): Promise<void> {
    await this.stores.get(storeId)?.stop();
    this.stores.delete(storeId);
  }

  async stopAll(): Promise<void> {
    for (const id of [...this.stores.keys()]) await this.stop(id);
  }

  /** The store holding the leader of `regionId` among the reachable ones. */
  leaderOf(regionId: bigint): RaftStore | undefined {
    return [...this.stores.values()].find((store) => store.peer(regionId)?.isLeader() === true && !this.cut.has(store.storeId));
  }
}

export async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
