import { seededRandomSource } from '../../common/random.js';
import { resolveRaftConfig } from './config.js';
import { Raft } from './raft.js';
import { MemoryStorage } from './storage.js';
import type { RaftConfigLike } from './test-types.js';
import { type Entry, EntryType, type HardState, makeMessage, type Message, MessageType } from './types.js';

/**
 * Helpers for unit tests that drive the `Raft` state machine directly, in the style of
 * etcd-raft's `newTestRaft` / `network`: no RawNode and no persistence, so a test sees
 * exactly the messages one step produces. Entries stay in the unstable log, which Raft
 * reads like any other part of its log.
 */

export interface TestStorageOptions {
  readonly voters: readonly number[];
  readonly learners?: readonly number[];
  /** Entries already persisted, contiguous from index 1. */
  readonly entries?: readonly Entry[];
  readonly hardState?: HardState;
}

export function newTestStorage(options: TestStorageOptions): MemoryStorage {
  const storage = new MemoryStorage({ confState: { voters: options.voters, learners: options.learners ?? [] } });
  if (options.entries !== undefined) storage.append(options.entries);
  if (options.hardState !== undefined) storage.setHardState(options.hardState);
  return storage;
}

export interface TestRaftOptions extends RaftConfigLike {
  /** Members when no storage is given; defaults to [1, 2, 3]. */
  readonly voters?: readonly number[];
  readonly learners?: readonly number[];
  readonly storage?: MemoryStorage;
  /** Seed of the election-timeout randomness; defaults to the node id. */
  readonly seed?: number;
}

/** A Raft node with electionTick 10 and heartbeatTick 1 unless overridden. */
export function newTestRaft(id: number, options: TestRaftOptions = {}): Raft {
  const { voters, learners, storage, seed, ...config } = options;
  return new Raft(
    resolveRaftConfig({
      id,
      electionTick: 10,
      heartbeatTick: 1,
      random: seededRandomSource(seed ?? id),
      ...config,
      storage: storage ?? newTestStorage({ voters: voters ?? [1, 2, 3], learners: learners ?? [] }),
    }),
  );
}

/** Entries with the given terms, starting at `firstIndex`, with empty payloads. */
export function entriesWithTerms(firstIndex: number, terms: readonly number[]): Entry[] {
  return terms.map((term, offset) => ({ type: EntryType.Normal, term, index: firstIndex + offset, data: new Uint8Array(0) }));
}

export function entry(index: number, term: number, data: string | Uint8Array = new Uint8Array(0), type: EntryType = EntryType.Normal): Entry {
  return { type, term, index, data: typeof data === 'string' ? new TextEncoder().encode(data) : data };
}

/** The messages the node queued since the last call, which are then forgotten. */
export function readMessages(raft: Raft): Message[] {
  const messages = raft.messages;
  raft.messages = [];
  return messages;
}

/** Messages ordered by recipient, then type, so assertions do not depend on map order. */
export function sortMessages(messages: readonly Message[]): Message[] {
  return [...messages].sort((a, b) => a.to - b.to || a.type - b.type || a.index - b.index);
}

/** The follower's success answer to an append: it now matches everything the append carried. */
export function acceptAndReply(message: Message): Message {
  if (message.type !== MessageType.Append) throw new Error(`acceptAndReply needs an Append, got ${message.type}`);
  return makeMessage({ type: MessageType.AppendResponse, from: message.to, to: message.from, term: message.term, index: message.index + message.entries.length });
}

export function hupMessage(id: number): Message {
  return makeMessage({ type: MessageType.Hup, from: id, to: id });
}

export function proposeMessage(id: number, ...payloads: readonly (string | Uint8Array)[]): Message {
  const entries = payloads.map((payload) => entry(0, 0, payload));
  return makeMessage({ type: MessageType.Propose, from: id, to: id, entries: entries.length === 0 ? [entry(0, 0)] : entries });
}

/** Proposes on a leader; returns whether it was accepted. */
export function propose(raft: Raft, ...payloads: readonly (string | Uint8Array)[]): boolean {
  return raft.step(proposeMessage(raft.id, ...payloads)) === 'ok';
}

/** (index, term) pairs of a log, the shape log assertions compare. */
export function logTerms(raft: Raft): [index: number, term: number][] {
  return raft.raftLog.allEntries().map((item) => [item.index, item.term]);
}

/**
 * Persists the unstable log into `storage`, marks everything committed as applied, and
 * forgets queued messages: the state a node reaches after handling a Ready.
 */
export function stabilize(raft: Raft, storage: MemoryStorage): void {
  const unstable = raft.raftLog.unstableEntries();
  const last = unstable[unstable.length - 1];
  if (last !== undefined) {
    storage.append(unstable);
    raft.raftLog.stableTo(last.index, last.term);
  }
  raft.raftLog.appliedTo(raft.raftLog.committed);
  readMessages(raft);
}

/**
 * Has a fresh leader replicate and commit its no-op entry on every follower (all of
 * which accept), then stabilizes it, leaving every follower in the replicate state.
 */
export function commitNoopEntry(raft: Raft, storage: MemoryStorage): void {
  if (raft.role !== 'leader') throw new Error('commitNoopEntry needs a leader');
  raft.bcastAppend();
  for (const message of readMessages(raft)) {
    if (message.type !== MessageType.Append || message.entries.length !== 1 || message.entries[0]!.data.length !== 0) {
      throw new Error('not the append of the no-op entry');
    }
    raft.step(acceptAndReply(message));
  }
  stabilize(raft, storage);
}

/**
 * A synchronous network of Raft nodes, like etcd-raft's test `network`: `send` delivers
 * a message and, breadth first, everything it causes, until no message is left. A
 * recipient with no node behind it is a black hole.
 */
export class RaftNetwork {
  readonly peers = new Map<number, Raft>();
  private readonly cuts = new Set<string>();
  private readonly isolated = new Set<number>();
  /** Messages for which this returns true are dropped, on top of cuts and isolation. */
  dropIf: (message: Message) => boolean = () => false;
  /** Called for every message the network delivers, before delivery. */
  onDeliver: (message: Message) => void = () => {};

  constructor(rafts: readonly Raft[]) {
    for (const raft of rafts) this.peers.set(raft.id, raft);
  }

  peer(id: number): Raft {
    const raft = this.peers.get(id);
    if (raft === undefined) throw new Error(`no peer ${id}`);
    return raft;
  }

  send(...messages: readonly Message[]): void {
    const queue = [...messages];
    for (let delivered = 0; queue.length > 0; delivered++) {
      if (delivered > 100_000) throw new Error('the network did not quiesce');
      const message = queue.shift()!;
      if (this.dropped(message)) continue;
      const raft = this.peers.get(message.to);
      if (raft === undefined) continue;
      this.onDeliver(message);
      raft.step(message);
      queue.push(...readMessages(raft));
    }
  }

  /** Delivers whatever the nodes queued outside of `send` (e.g. after ticks). */
  flush(): void {
    const pending: Message[] = [];
    for (const raft of this.peers.values()) pending.push(...readMessages(raft));
    this.send(...pending);
  }

  hup(id: number): void {
    this.send(hupMessage(id));
  }

  propose(id: number, ...payloads: readonly (string | Uint8Array)[]): void {
    this.send(proposeMessage(id, ...payloads));
  }

  /** Drops every message between `a` and `b`, both ways. */
  cut(a: number, b: number): void {
    this.cuts.add(`${a}-${b}`);
    this.cuts.add(`${b}-${a}`);
  }

  /** Drops every message to or from `id`. */
  isolate(id: number): void {
    this.isolated.add(id);
  }

  recover(): void {
    this.cuts.clear();
    this.isolated.clear();
    this.dropIf = () => false;
  }

  private dropped(message: Message): boolean {
    // A node's messages to itself are local and never lost.
    if (message.from === message.to) return false;
    if (this.dropIf(message)) return true;
    if (this.isolated.has(message.from) || this.isolated.has(message.to)) return true;
    return this.cuts.has(`${message.from}-${message.to}`);
  }
}
