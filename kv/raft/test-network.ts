import { SeededRandom } from '../../common/random.js';
import { decodeConfChange } from './conf-change.js';
import { RawNode } from './raw-node.js';
import { MemoryStorage } from './storage.js';
import { type Entry, EntryType, type Message, type RaftConfigLike } from './test-types.js';

/**
 * A minimal synchronous cluster for unit tests: every node processes its Ready in the
 * documented order and messages are delivered in FIFO order unless dropped.
 */
export class TestNetwork {
  readonly nodes = new Map<number, RawNode>();
  readonly storages = new Map<number, MemoryStorage>();
  readonly applied = new Map<number, Entry[]>();
  readonly readStates = new Map<number, { index: number; context: string }[]>();
  /** The config overrides each node was created with, reused when it restarts. */
  private readonly nodeOptions = new Map<number, RaftConfigLike>();
  private queue: Message[] = [];
  /** Messages for which this returns true are dropped. */
  dropFilter: (message: Message) => boolean = () => false;
  readonly random: SeededRandom;

  constructor(ids: readonly number[], options: RaftConfigLike = {}, seed = 1) {
    this.random = new SeededRandom(seed);
    for (const id of ids) this.addNode(id, ids, options);
  }

  addNode(id: number, voters: readonly number[], options: RaftConfigLike = {}, learners: readonly number[] = []): RawNode {
    const storage = new MemoryStorage({ confState: { voters, learners } });
    const node = new RawNode({ id, electionTick: 10, heartbeatTick: 1, storage, random: () => this.random.nextFloat(), ...options });
    this.nodes.set(id, node);
    this.nodeOptions.set(id, options);
    this.storages.set(id, storage);
    this.applied.set(id, []);
    this.readStates.set(id, []);
    return node;
  }

  node(id: number): RawNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  /** Handles every pending Ready and delivers messages until the cluster is quiet. */
  settle(maxRounds = 10_000): void {
    for (let round = 0; round < maxRounds; round++) {
      let busy = false;
      for (const [id, node] of this.nodes) {
        while (node.hasReady()) {
          busy = true;
          this.handleReady(id, node);
        }
      }
      const batch = this.queue;
      this.queue = [];
      for (const message of batch) {
        const target = this.nodes.get(message.to);
        if (target === undefined || this.dropFilter(message)) continue;
        busy = true;
        target.step(message);
      }
      if (!busy) return;
    }
    throw new Error('network did not settle');
  }

  private handleReady(id: number, node: RawNode): void {
    const storage = this.storages.get(id)!;
    const ready = node.ready();
    if (ready.snapshot !== undefined) storage.applySnapshot(ready.snapshot);
    storage.append(ready.entries);
    if (ready.hardState !== undefined) storage.setHardState(ready.hardState);
    for (const message of ready.messages) this.queue.push(message);
    for (const entry of ready.committedEntries) {
      if (entry.type === EntryType.ConfChange) storage.setConfState(node.applyConfChange(decodeConfChange(entry.data)));
      this.applied.get(id)!.push(entry);
    }
    for (const state of ready.readStates) this.readStates.get(id)!.push({ index: state.index, context: new TextDecoder().decode(state.requestContext) });
    node.advance(ready);
  }

  /**
   * Replaces node `id` by a fresh RawNode over the same storage, as after a crash: what
   * the storage holds survives, `applied` is the last index the application had applied,
   * and messages still queued for the old node are lost.
   */
  restartNode(id: number, applied = 0): RawNode {
    const storage = this.storages.get(id);
    if (storage === undefined) throw new Error(`no node ${id}`);
    this.queue = this.queue.filter((message) => message.to !== id && message.from !== id);
    const node = new RawNode({ id, electionTick: 10, heartbeatTick: 1, storage, random: () => this.random.nextFloat(), ...this.nodeOptions.get(id), applied });
    this.nodes.set(id, node);
    this.applied.set(id, this.applied.get(id)!.filter((entry) => entry.index <= applied));
    return node;
  }

  /** Drops every message to or from the given nodes until `recover`. */
  isolate(...ids: readonly number[]): void {
    const isolated = new Set(ids);
    this.dropFilter = (message) => isolated.has(message.to) || isolated.has(message.from);
  }

  recover(): void {
    this.dropFilter = () => false;
  }

  /**
   * Ticks every node `times` times, then delivers. With times > 1 nothing is delivered
   * between ticks, so followers hear no heartbeat and may campaign: to let a cluster run
   * for a while, call tickAll() in a loop.
   */
  tickAll(times = 1): void {
    for (let time = 0; time < times; time++) for (const node of this.nodes.values()) node.tick();
    this.settle();
  }

  leader(): number | undefined {
    for (const [id, node] of this.nodes) if (node.status().softState.role === 'leader') return id;
    return undefined;
  }

  appliedData(id: number): string[] {
    return this.applied
      .get(id)!
      .filter((entry) => entry.type === EntryType.Normal && entry.data.length > 0)
      .map((entry) => new TextDecoder().decode(entry.data));
  }
}
