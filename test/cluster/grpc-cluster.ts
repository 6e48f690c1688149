import { bindServer } from '../../common/grpc-bind.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { Server, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { SeededRandom } from '../../common/random.js';
import * as eraftpb from '../../proto/gen/eraftpb.js';
import type * as raftServerpb from '../../proto/gen/raft_serverpb.js';
import * as tikvpb from '../../proto/gen/tikvpb.js';
import { MemoryEngine } from '../../kv/engine/memory-engine.js';
import { GrpcStoreTransport, raftMessageHandlers, storeServerOptions } from '../../kv/raftstore/grpc-store-transport.js';
import { RaftStore, type StoreTransport } from '../../kv/raftstore/raft-store.js';

/**
 * What happens to one Raft message between two stores: delivered, dropped, or
 * delivered after a delay. Filters are consulted in order; the first that does not
 * deliver decides.
 */
export type MessageFate = 'deliver' | 'drop' | { readonly delayMs: number };
export type MessageFilter = (from: bigint, to: bigint, message: raftServerpb.RaftMessage) => MessageFate;

/** Filters in the style of TiKV's test_raftstore. */
export const messageFilters = {
  /** Messages cross no boundary between the groups (stores in no group are cut off). */
  partition(...groups: ReadonlyArray<readonly bigint[]>): MessageFilter {
    const groupOf = (storeId: bigint) => groups.findIndex((group) => group.includes(storeId));
    return (from, to) => (groupOf(from) >= 0 && groupOf(from) === groupOf(to) ? 'deliver' : 'drop');
  },
  /** Nothing reaches or leaves `storeId`. */
  isolate(storeId: bigint): MessageFilter {
    return (from, to) => (from === storeId || to === storeId ? 'drop' : 'deliver');
  },
  /** Snapshots are lost on the way; everything else arrives. */
  dropSnapshots(): MessageFilter {
    return (_from, _to, message) => (message.message?.msgType === eraftpb.MessageType.MsgSnapshot ? 'drop' : 'deliver');
  },
  /** Messages to `toStoreId` arrive `delayMs` late. */
  delayTo(toStoreId: bigint, delayMs: number): MessageFilter {
    return (_from, to) => (to === toStoreId ? { delayMs } : 'deliver');
  },
};

/** A StoreTransport that runs each message past the cluster's filters first. */
class FilteredTransport implements StoreTransport {
  constructor(
    private readonly from: bigint,
    private readonly inner: StoreTransport,
    private readonly filters: () => readonly MessageFilter[],
  ) {}

  send(toStoreId: bigint, messages: readonly raftServerpb.RaftMessage[]): void {
    const now: raftServerpb.RaftMessage[] = [];
    for (const message of messages) {
      const fate = this.fate(toStoreId, message);
      if (fate === 'deliver') now.push(message);
      else if (fate !== 'drop') setTimeout(() => this.inner.send(toStoreId, [message]), fate.delayMs);
    }
    if (now.length > 0) this.inner.send(toStoreId, now);
  }

  /** A dropped snapshot is a stream that failed: the sender hears of it, as it would. */
  async sendSnapshot(toStoreId: bigint, message: raftServerpb.RaftMessage): Promise<void> {
    const fate = this.fate(toStoreId, message);
    if (fate === 'drop') throw new Error(`a filter dropped the snapshot to store ${toStoreId}`);
    if (fate !== 'deliver') await sleep(fate.delayMs);
    await this.inner.sendSnapshot(toStoreId, message);
  }

  private fate(toStoreId: bigint, message: raftServerpb.RaftMessage): MessageFate {
    for (const filter of this.filters()) {
      const fate = filter(this.from, toStoreId, message);
      if (fate !== 'deliver') return fate;
    }
    return 'deliver';
  }
}

interface RunningStore {
  readonly store: RaftStore;
  readonly server: Server;
  readonly transport: GrpcStoreTransport;
}

/**
 * Stores in one process talking real gRPC on loopback, with message filters between
 * them; each store keeps its engine across stop and restart, as a data dir would.
 */
export class GrpcCluster {
  readonly engines = new Map<bigint, MemoryEngine>();
  /** The filters every message between stores passes; tests push and clear them. */
  readonly filters: MessageFilter[] = [];
  private readonly running = new Map<bigint, RunningStore>();
  private readonly addresses = new Map<bigint, string>();

  constructor(private readonly random: SeededRandom) {}

  get stores(): ReadonlyMap<bigint, RaftStore> {
    return new Map([...this.running].map(([id, entry]) => [id, entry.store]));
  }

  async start(storeId: bigint): Promise<RaftStore> {
    let engine = this.engines.get(storeId);
    if (engine === undefined) {
      engine = new MemoryEngine();
      this.engines.set(storeId, engine);
    }
    const transport = new GrpcStoreTransport((id) => this.addresses.get(id));
    const store = new RaftStore({
      storeId,
      engine,
      transport: new FilteredTransport(storeId, transport, () => this.filters),
      random: () => this.random.nextFloat(),
      tickIntervalMs: 20,
      electionTicks: 10,
      heartbeatTicks: 2,
    });
    await store.loadRegions();
    const server = new Server(storeServerOptions);
    server.addService(tikvpb.TikvService, raftMessageHandlers(store) as unknown as UntypedServiceImplementation);
    const port = await bindServer(server, '127.0.0.1:0');
    this.addresses.set(storeId, `127.0.0.1:${port}`);
    this.running.set(storeId, { store, server, transport });
    store.start();
    return store;
  }

  async stop(storeId: bigint): Promise<void> {
    const entry = this.running.get(storeId);
    if (entry === undefined) return;
    this.running.delete(storeId);
    await entry.store.stop();
    entry.transport.close();
    entry.server.forceShutdown();
  }

  async stopAll(): Promise<void> {
    for (const id of [...this.running.keys()]) await this.stop(id);
  }

  /** The store leading `regionId`, if any running store does. */
  leaderOf(regionId: bigint, among: readonly bigint[] = [...this.running.keys()]): RaftStore | undefined {
    return among.map((id) => this.running.get(id)?.store).find((store) => store?.peer(regionId)?.isLeader() === true);
  }
}
