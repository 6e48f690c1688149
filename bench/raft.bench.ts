import { setImmediate as nextTurn } from 'node:timers/promises';
import { assert } from '../common/assert.js';
import { SeededRandom } from '../common/random.js';
import { decodeConfChange } from '../kv/raft/conf-change.js';
import { RawNode } from '../kv/raft/raw-node.js';
import { MemoryStorage } from '../kv/raft/storage.js';
import { EntryType, type Entry, type Message, MessageType } from '../kv/raft/types.js';
import { formatMeasurements, measure, type Measurement } from './measure.js';

/**
 * Raft replication throughput: three RawNodes in one process, each with its own
 * MemoryStorage, joined by an in-memory transport, driven by a loop shaped like a
 * raftstore's: once per iteration every node's pending Ready is drained (persist =
 * append to its MemoryStorage, then send, then apply, then advance), and then every
 * message produced in the iteration is delivered. A proposal counts once the leader has
 * applied it. At the end of every case the cluster is run to quiescence and the three
 * applied sequences are checked to be identical and complete, so a fast but wrong
 * library cannot produce a number.
 */

export interface RaftBenchOptions {
  /** Time spent measuring each case (after a warm-up). */
  readonly budgetMs?: number;
  /** Entry payload sizes; each is run in every mode. */
  readonly payloadSizesBytes?: readonly number[];
  /** Proposals kept outstanding in the batched modes. */
  readonly proposalsInFlight?: number;
  /** The storages are compacted each time this many more entries have been applied everywhere. */
  readonly compactionIntervalEntries?: number;
  /** Seed of the nodes' randomness (election timeouts). */
  readonly seed?: number;
  /** Which cases to run (all by default). */
  readonly modes?: readonly RaftBenchMode[];
}

/**
 * `one-client`: propose one entry, drive until the leader applied it, repeat.
 * `batched`: keep a window of proposals outstanding, each proposed with `RawNode.propose`.
 * `batched-one-message`: the same window, but each iteration's new proposals reach the
 * leader as one multi-entry Propose message (as a raftstore that drains its proposal
 * inbox once per iteration would send them), so they share one append per follower.
 */
export type RaftBenchMode = 'one-client' | 'batched' | 'batched-one-message';

const allModes: readonly RaftBenchMode[] = ['one-client', 'batched', 'batched-one-message'];

export interface RaftBenchMeasurement extends Measurement {
  /** Messages delivered between nodes per committed proposal. */
  readonly messagesPerProposal: number;
  /** Loop iterations (one Ready per node, then delivery) per committed proposal. */
  readonly iterationsPerProposal: number;
}

const defaultBudgetMs = 1_000;
const defaultPayloadSizesBytes = [64, 1024] as const;
const defaultProposalsInFlight = 256;
const defaultCompactionIntervalEntries = 4_096;
/** A case that cannot commit a proposal within this many iterations is stuck, not slow. */
const maxIterationsPerProposal = 1_000;
const nodeIds = [1, 2, 3] as const;
/** Payloads are carved out of slabs of this size. */
const slabSizeBytes = 256 * 1024;
const leaderId = 1;

/** One node and what the application around it keeps. */
interface Peer {
  readonly id: number;
  readonly node: RawNode;
  readonly storage: MemoryStorage;
  /** The index of the last entry applied. */
  appliedIndex: number;
  /** Proposals applied so far; proposal `n` carries sequence number `n` in its payload. */
  appliedProposals: number;
  /**
   * A running hash of (index, term, type, sequence, payload size) of every applied entry:
   * what the node applied, summarized so memory stays bounded over long runs.
   */
  appliedHash: number;
}

function mixHash(hash: number, value: number): number {
  // FNV-1a-style over whole 32-bit words: order-sensitive and cheap enough not to
  // weigh on the measurement.
  return Math.imul(hash ^ value, 0x01000193) >>> 0;
}

/** The benchmark's own checks: its hot loop builds a message only when one fails. */
class BenchCheckError extends Error {
  override readonly name = 'BenchCheckError';
}

class BenchCluster {
  readonly peers: readonly Peer[];
  /** Peers by id, for message delivery. */
  private readonly peersById: (Peer | undefined)[] = [];
  private readonly leader: Peer;
  readonly payloadSizeBytes: number;
  private readonly compactionIntervalEntries: number;
  private compactedIndex = 0;
  private slab = new Uint8Array(0);
  private slabOffset = 0;
  /** Messages produced in the current iteration, delivered at its end. */
  private outbox: (readonly Message[])[] = [];
  proposed = 0;
  messagesDelivered = 0;
  iterations = 0;

  constructor(payloadSizeBytes: number, compactionIntervalEntries: number, seed: number) {
    assert(payloadSizeBytes >= 4, 'a payload must hold its 4-byte sequence number');
    this.payloadSizeBytes = payloadSizeBytes;
    this.compactionIntervalEntries = compactionIntervalEntries;
    const random = new SeededRandom(seed);
    const peers: Peer[] = [];
    for (const id of nodeIds) {
      const storage = new MemoryStorage({ confState: { voters: [...nodeIds], learners: [] } });
      const node = new RawNode({ id, electionTick: 10, heartbeatTick: 1, storage, random: () => random.nextFloat(), checkQuorum: true, preVote: true });
      const peer: Peer = { id, node, storage, appliedIndex: 0, appliedProposals: 0, appliedHash: 0x811c9dc5 };
      peers.push(peer);
      this.peersById[id] = peer;
    }
    this.peers = peers;
    this.leader = this.peersById[leaderId]!;
    this.leader.node.campaign();
    for (let round = 0; round < 100 && this.leader.node.raft.role !== 'leader'; round++) this.iterate();
    assert(this.leader.node.raft.role === 'leader', `node ${leaderId} did not become leader`);
    // Let the leader's no-op entry commit everywhere before measuring.
    this.quiesce();
  }

  /** Proposals the leader has applied. */
  committedProposals(): number {
    return this.leader.appliedProposals;
  }

  propose(): void {
    this.leader.node.propose(this.nextPayload());
  }

  /** Proposes `count` entries in one Propose message, as a follower forwarding a batch does. */
  proposeAsOneMessage(count: number): void {
    const entries: Entry[] = [];
    for (let proposal = 0; proposal < count; proposal++) entries.push({ type: EntryType.Normal, term: 0, index: 0, data: this.nextPayload() });
    this.leader.node.step({ type: MessageType.Propose, to: leaderId, from: leaderId, term: 0, logTerm: 0, index: 0, entries, commit: 0, reject: false, rejectHint: 0 });
  }

  private nextPayload(): Uint8Array {
    // A fresh buffer per proposal, as a client's serialized command would be: a view
    // into a pooled slab, as a request decoded out of a receive buffer is.
    const size = this.payloadSizeBytes;
    if (this.slabOffset + size > this.slab.length) {
      this.slab = new Uint8Array(Math.max(slabSizeBytes, size));
      this.slabOffset = 0;
    }
    const data = this.slab.subarray(this.slabOffset, this.slabOffset + size);
    this.slabOffset += size;
    const sequence = this.proposed;
    data[0] = sequence >>> 24;
    data[1] = (sequence >>> 16) & 0xff;
    data[2] = (sequence >>> 8) & 0xff;
    data[3] = sequence & 0xff;
    this.proposed++;
    return data;
  }

  /**
   * One loop iteration: drain each node's Ready once (persist, queue its messages, apply,
   * advance), then deliver every queued message. Returns whether anything happened.
   */
  iterate(): boolean {
    this.iterations++;
    let busy = false;
    for (const peer of this.peers) {
      if (!peer.node.hasReady()) continue;
      busy = true;
      this.handleReady(peer);
    }
    const outbox = this.outbox;
    this.outbox = [];
    for (const messages of outbox) {
      for (const message of messages) {
        busy = true;
        this.messagesDelivered++;
        const target = this.peersById[message.to];
        if (target === undefined) throw new BenchCheckError(`message to unknown node ${message.to}`);
        target.node.step(message);
      }
    }
    this.maybeCompact();
    return busy;
  }

  private handleReady(peer: Peer): void {
    const { node, storage } = peer;
    const ready = node.ready();
    // 1. Persist, before anything is sent.
    if (ready.snapshot !== undefined) storage.applySnapshot(ready.snapshot);
    storage.append(ready.entries);
    if (ready.hardState !== undefined) storage.setHardState(ready.hardState);
    // 2. Send.
    if (ready.messages.length > 0) this.outbox.push(ready.messages);
    // 3. Apply.
    for (const entry of ready.committedEntries) this.apply(peer, entry);
    node.advance(ready);
  }

  private apply(peer: Peer, entry: Entry): void {
    if (entry.index !== peer.appliedIndex + 1) throw new BenchCheckError(`node ${peer.id} applied ${entry.index} after ${peer.appliedIndex}`);
    peer.appliedIndex = entry.index;
    let hash = mixHash(mixHash(mixHash(peer.appliedHash, entry.index), entry.term), entry.type);
    if (entry.type === EntryType.ConfChange) {
      peer.storage.setConfState(peer.node.applyConfChange(decodeConfChange(entry.data)));
    } else if (entry.data.length > 0) {
      const data = entry.data;
      if (data.length !== this.payloadSizeBytes) throw new BenchCheckError(`node ${peer.id} applied a ${data.length}-byte payload`);
      const sequence = ((data[0]! << 24) | (data[1]! << 16) | (data[2]! << 8) | data[3]!) >>> 0;
      // Proposals come from one client in order, so every node must apply 0, 1, 2, ...
      if (sequence !== peer.appliedProposals) {
        throw new BenchCheckError(`node ${peer.id} applied proposal ${sequence} where ${peer.appliedProposals} was due`);
      }
      peer.appliedProposals++;
      hash = mixHash(mixHash(hash, sequence), data.length);
    }
    peer.appliedHash = hash;
  }

  /** Compacts every storage up to what all nodes have applied, once per interval. */
  private maybeCompact(): void {
    let minimumApplied = Number.MAX_SAFE_INTEGER;
    for (const peer of this.peers) minimumApplied = Math.min(minimumApplied, peer.appliedIndex);
    if (minimumApplied < this.compactedIndex + this.compactionIntervalEntries) return;
    for (const peer of this.peers) {
      // The snapshot holds no state-machine data: a follower that ever needed it would
      // skip proposals, and the final check would catch that.
      peer.storage.createSnapshot(minimumApplied, peer.node.raft.tracker.confState(), new Uint8Array(0));
      peer.storage.compact(minimumApplied);
    }
    this.compactedIndex = minimumApplied;
  }

  /** Runs until no node has a Ready and no message is in flight. */
  quiesce(): void {
    for (let round = 0; round < 10_000; round++) if (!this.iterate()) return;
    throw new BenchCheckError('the cluster did not quiesce');
  }

  /** Checks that every node applied the same, complete sequence of proposals. */
  verify(): void {
    this.quiesce();
    // Followers learn the final commit index from the next append or heartbeat.
    for (let round = 0; round < 3 && !this.allApplied(); round++) {
      this.leader.node.tick();
      this.quiesce();
    }
    const reference = this.leader;
    assert(reference.appliedProposals === this.proposed, `the leader applied ${reference.appliedProposals} of ${this.proposed} proposals`);
    assert(reference.node.raft.role === 'leader', 'the leader lost leadership during the run');
    for (const peer of this.peers) {
      assert(peer.appliedIndex === reference.appliedIndex, `node ${peer.id} applied up to ${peer.appliedIndex}, the leader up to ${reference.appliedIndex}`);
      assert(peer.appliedProposals === reference.appliedProposals, `node ${peer.id} applied ${peer.appliedProposals} proposals, the leader ${reference.appliedProposals}`);
      assert(peer.appliedHash === reference.appliedHash, `node ${peer.id} applied a different sequence of entries than the leader`);
    }
  }

  private allApplied(): boolean {
    for (const peer of this.peers) if (peer.appliedIndex !== this.leader.appliedIndex) return false;
    return true;
  }
}

/** Proposes one entry and drives the cluster until the leader has applied it, repeatedly. */
function measureOneClient(cluster: BenchCluster, name: string, budgetMs: number): Measurement {
  const proposalsPerBatch = 64;
  return measure(
    name,
    () => {
      for (let proposal = 0; proposal < proposalsPerBatch; proposal++) {
        const target = cluster.committedProposals() + 1;
        cluster.propose();
        for (let iteration = 0; cluster.committedProposals() < target; iteration++) {
          if (iteration >= maxIterationsPerProposal) throw new BenchCheckError('a proposal did not commit');
          cluster.iterate();
        }
      }
      return proposalsPerBatch;
    },
    budgetMs,
  );
}

/**
 * Keeps `inFlight` proposals outstanding: each iteration tops the window up, then
 * drains and delivers everything pending at once.
 */
function measureBatched(cluster: BenchCluster, name: string, budgetMs: number, inFlight: number, asOneMessage: boolean): Measurement {
  const iterationsPerBatch = 16;
  return measure(
    name,
    () => {
      const before = cluster.committedProposals();
      for (let iteration = 0; iteration < iterationsPerBatch; iteration++) {
        const free = inFlight - (cluster.proposed - cluster.committedProposals());
        if (asOneMessage) {
          if (free > 0) cluster.proposeAsOneMessage(free);
        } else {
          for (let proposal = 0; proposal < free; proposal++) cluster.propose();
        }
        cluster.iterate();
      }
      return cluster.committedProposals() - before;
    },
    budgetMs,
  );
}

function sizeName(bytes: number): string {
  return bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} B`;
}

export async function runRaftBench(options: RaftBenchOptions = {}): Promise<RaftBenchMeasurement[]> {
  const budgetMs = options.budgetMs ?? defaultBudgetMs;
  const inFlight = options.proposalsInFlight ?? defaultProposalsInFlight;
  const compactionIntervalEntries = options.compactionIntervalEntries ?? defaultCompactionIntervalEntries;
  const seed = options.seed ?? 1;
  const results: RaftBenchMeasurement[] = [];
  for (const mode of options.modes ?? allModes) {
    for (const payloadSizeBytes of options.payloadSizesBytes ?? defaultPayloadSizesBytes) {
      const cluster = new BenchCluster(payloadSizeBytes, compactionIntervalEntries, seed);
      const startMessages = cluster.messagesDelivered;
      const startIterations = cluster.iterations;
      const startProposals = cluster.committedProposals();
      const label = mode === 'one-client' ? '1 client' : mode === 'batched' ? `${inFlight} in flight` : `${inFlight} in flight, 1 msg/iter`;
      const name = `${label}, ${sizeName(payloadSizeBytes)}`;
      const measurement =
        mode === 'one-client'
          ? measureOneClient(cluster, name, budgetMs)
          : measureBatched(cluster, name, budgetMs, inFlight, mode === 'batched-one-message');
      // The ratios cover warm-up and measurement alike: both run the same loop.
      const proposals = cluster.committedProposals() - startProposals;
      const messagesPerProposal = (cluster.messagesDelivered - startMessages) / proposals;
      const iterationsPerProposal = (cluster.iterations - startIterations) / proposals;
      cluster.verify();
      results.push({
        ...measurement,
        name: `${name} (${messagesPerProposal.toFixed(2)} msg/op)`,
        messagesPerProposal,
        iterationsPerProposal,
      });
      // Let the event loop breathe between cases when run inside a larger harness.
      await nextTurn();
    }
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const budgetArgument = process.argv.indexOf('--budget-ms');
  const budgetMs = budgetArgument > 0 ? Number(process.argv[budgetArgument + 1]) : defaultBudgetMs;
  const results = await runRaftBench({ budgetMs });
  console.log(formatMeasurements('raft (3 nodes in one process, in-memory transport and storage; committed proposals)', results));
}
