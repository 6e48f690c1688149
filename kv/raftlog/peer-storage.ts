import { assert } from '../../common/assert.js';
import { CodecError } from '../../common/errors.js';
import * as raftServerpb from '../../proto/gen/raft_serverpb.js';
import { ColumnFamily, type Engine, type WriteBatch } from '../engine/engine.js';
import { hardStateFromProto, hardStateToProto } from '../raft/convert.js';
import { CompactedError, SnapshotTemporarilyUnavailableError, UnavailableError } from '../raft/errors.js';
import type { Storage } from '../raft/storage.js';
import { type ConfState, emptyHardState, type Entry, type HardState, type Snapshot } from '../raft/types.js';
import { limitEntriesSize } from '../raft/util.js';
import { decodeStoredEntry, encodeStoredEntry } from './entry-codec.js';
import { applyStateKey, raftLogKey, raftStateKey } from './keys.js';

/** How many recent entries stay in memory so followers and apply rarely hit the engine. */
const entryCacheCapacity = 1024;

/**
 * Raft's Storage for one region peer, persisted in the engine's raft column family. It
 * keeps the hard state, last index and truncated state in memory, mirrored in the
 * engine; reads fall back to synchronous engine gets below the entry cache.
 *
 * Writes go into a caller's batch (the raftstore writes one batch for all regions per
 * loop iteration) and update the in-memory view at once: a failed engine write is fatal
 * for the store, as in TiKV, so the two never diverge in a live process.
 */
export class PeerStorage implements Storage {
  readonly regionId: bigint;
  private readonly engine: Engine;
  private confState: ConfState;
  private hardState: HardState;
  // Invariant: truncatedIndex <= appliedIndex <= hardState.commit <= lastIndex.
  private lastIndexValue: number;
  private truncatedIndex: number;
  private truncatedTerm: number;
  private appliedIndex: number;
  /** Contiguous recent entries ending at lastIndexValue (possibly empty). */
  private cache: Entry[] = [];
  private snapshotSource: (() => Snapshot) | undefined;

  private constructor(engine: Engine, regionId: bigint, confState: ConfState, snapshotSource: (() => Snapshot) | undefined) {
    this.engine = engine;
    this.regionId = regionId;
    this.confState = confState;
    this.snapshotSource = snapshotSource;
    this.hardState = emptyHardState;
    this.lastIndexValue = 0;
    this.truncatedIndex = 0;
    this.truncatedTerm = 0;
    this.appliedIndex = 0;
  }

  /**
   * Loads the peer's Raft state from the engine (empty state for a new peer). The
   * configuration comes from the region's meta, which the raftstore owns.
   */
  static load(engine: Engine, regionId: bigint, confState: ConfState, options: { snapshotSource?: () => Snapshot } = {}): PeerStorage {
    const storage = new PeerStorage(engine, regionId, confState, options.snapshotSource);
    const raftStateBytes = engine.getSync(ColumnFamily.raft, raftStateKey(regionId));
    if (raftStateBytes !== undefined) {
      const raftState = raftServerpb.RaftLocalState.decode(raftStateBytes);
      storage.hardState = raftState.hardState === undefined ? emptyHardState : hardStateFromProto(raftState.hardState);
      storage.lastIndexValue = safeNumber(raftState.lastIndex, 'last index');
    }
    const applyStateBytes = engine.getSync(ColumnFamily.raft, applyStateKey(regionId));
    if (applyStateBytes !== undefined) {
      const applyState = raftServerpb.RaftApplyState.decode(applyStateBytes);
      storage.appliedIndex = safeNumber(applyState.appliedIndex, 'applied index');
      storage.truncatedIndex = safeNumber(applyState.truncatedState?.index ?? 0n, 'truncated index');
      storage.truncatedTerm = safeNumber(applyState.truncatedState?.term ?? 0n, 'truncated term');
    }
    assert(storage.truncatedIndex <= storage.lastIndexValue, `region ${regionId}: truncated ${storage.truncatedIndex} beyond last ${storage.lastIndexValue}`);
    return storage;
  }

  /** Sets where snapshots come from (the region peer builds them from an engine snapshot). */
  setSnapshotSource(source: () => Snapshot): void {
    this.snapshotSource = source;
  }

  /** Whether the peer has any Raft state (a new peer on a store has none until a snapshot). */
  get isInitialized(): boolean {
    return this.lastIndexValue > 0;
  }

  /**
   * Gives a peer of a region created at bootstrap (or by a split) its starting log
   * position: everything up to `index` counts as applied and compacted, at `term`. A peer
   * added later starts empty, so the leader must send it a snapshot rather than replay
   * a log that never held the region's initial membership.
   */
  initialize(batch: WriteBatch, index: number, term: number): void {
    assert(!this.isInitialized, `region ${this.regionId}: initialize on a peer that has Raft state`);
    this.truncatedIndex = index;
    this.truncatedTerm = term;
    this.lastIndexValue = index;
    this.appliedIndex = index;
    // A peer created early by a message may already have voted in a later term: keep that.
    this.hardState = this.hardState.term > term ? { term: this.hardState.term, vote: this.hardState.vote, commit: index } : { term, vote: 0, commit: index };
    this.cache = [];
    this.writeRaftState(batch);
    this.writeApplyState(batch);
  }

  /**
   * Installs a snapshot's Raft position: the log restarts after `snapshot`'s index, which
   * counts as applied (the caller writes the snapshot's data in the same batch).
   */
  applySnapshot(batch: WriteBatch, snapshot: Snapshot): void {
    const { index, term, confState } = snapshot.metadata;
    assert(index > this.appliedIndex, `region ${this.regionId}: snapshot at ${index} is not ahead of applied ${this.appliedIndex}`);
    for (let old = this.truncatedIndex + 1; old <= this.lastIndexValue; old++) batch.delete(ColumnFamily.raft, raftLogKey(this.regionId, old));
    this.truncatedIndex = index;
    this.truncatedTerm = term;
    this.lastIndexValue = index;
    this.appliedIndex = index;
    this.hardState = { term: Math.max(this.hardState.term, term), vote: this.hardState.vote, commit: Math.max(this.hardState.commit, index) };
    this.confState = confState;
    this.cache = [];
    this.writeRaftState(batch);
    this.writeApplyState(batch);
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: this.hardState, confState: this.confState };
  }

  get applied(): number {
    return this.appliedIndex;
  }

  setConfState(confState: ConfState): void {
    this.confState = confState;
  }

  firstIndex(): number {
    return this.truncatedIndex + 1;
  }

  lastIndex(): number {
    return this.lastIndexValue;
  }

  term(index: number): number {
    if (index === this.truncatedIndex) return this.truncatedTerm;
    if (index < this.truncatedIndex) throw new CompactedError();
    if (index > this.lastIndexValue) throw new UnavailableError();
    return this.entryAt(index).term;
  }

  entries(low: number, high: number, maxSizeBytes: number): Entry[] {
    if (low <= this.truncatedIndex) throw new CompactedError();
    if (high > this.lastIndexValue + 1) throw new UnavailableError(`entries' high ${high} is beyond last index ${this.lastIndexValue}`);
    const out: Entry[] = [];
    let size = 0;
    for (let index = low; index < high; index++) {
      const entry = this.entryAt(index);
      size += entry.data.length + 16;
      if (out.length > 0 && size > maxSizeBytes) break;
      out.push(entry);
    }
    return limitEntriesSize(out, maxSizeBytes);
  }

  snapshot(): Snapshot {
    if (this.snapshotSource === undefined) throw new SnapshotTemporarilyUnavailableError('this peer has no snapshot source');
    return this.snapshotSource();
  }

  private entryAt(index: number): Entry {
    const cacheStart = this.lastIndexValue - this.cache.length + 1;
    if (index >= cacheStart && this.cache.length > 0) return this.cache[index - cacheStart]!;
    const bytes = this.engine.getSync(ColumnFamily.raft, raftLogKey(this.regionId, index));
    if (bytes === undefined) throw new CodecError(`region ${this.regionId}: raft log entry ${index} is missing from the engine`);
    return decodeStoredEntry(index, bytes);
  }

  /** Adds entries from a Ready to `batch`, truncating any conflicting tail. */
  append(batch: WriteBatch, entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = entries[0]!.index;
    const last = entries[entries.length - 1]!.index;
    assert(first > this.truncatedIndex, `region ${this.regionId}: append at ${first} below truncated ${this.truncatedIndex}`);
    assert(first <= this.lastIndexValue + 1, `region ${this.regionId}: append at ${first} leaves a gap after ${this.lastIndexValue}`);
    for (const entry of entries) batch.put(ColumnFamily.raft, raftLogKey(this.regionId, entry.index), encodeStoredEntry(entry));
    // Entries after the new tail belong to a log that lost to this one: delete them.
    for (let index = last + 1; index <= this.lastIndexValue; index++) batch.delete(ColumnFamily.raft, raftLogKey(this.regionId, index));

    const cacheStart = this.lastIndexValue - this.cache.length + 1;
    if (this.cache.length > 0 && first >= cacheStart && first <= this.lastIndexValue + 1) {
      this.cache = this.cache.slice(0, first - cacheStart).concat(entries);
    } else {
      this.cache = entries.slice();
    }
    if (this.cache.length > entryCacheCapacity) this.cache = this.cache.slice(this.cache.length - entryCacheCapacity);
    this.lastIndexValue = last;
    this.writeRaftState(batch);
  }

  setHardState(batch: WriteBatch, hardState: HardState): void {
    this.hardState = hardState;
    this.writeRaftState(batch);
  }

  /** Records that entries up to `index` are applied (persisted with the applied writes). */
  setApplied(batch: WriteBatch, index: number): void {
    assert(index >= this.appliedIndex, `region ${this.regionId}: applied index moving back from ${this.appliedIndex} to ${index}`);
    this.appliedIndex = index;
    this.writeApplyState(batch);
  }

  /** Log GC: deletes entries up to and including `index`, which must be applied. */
  compactTo(batch: WriteBatch, index: number): void {
    if (index <= this.truncatedIndex) return;
    assert(index <= this.appliedIndex, `region ${this.regionId}: compacting to ${index} beyond applied ${this.appliedIndex}`);
    const term = this.term(index);
    for (let old = this.truncatedIndex + 1; old <= index; old++) batch.delete(ColumnFamily.raft, raftLogKey(this.regionId, old));
    this.truncatedIndex = index;
    this.truncatedTerm = term;
    const cacheStart = this.lastIndexValue - this.cache.length + 1;
    if (this.cache.length > 0 && index >= cacheStart) this.cache = this.cache.slice(index - cacheStart + 1);
    this.writeApplyState(batch);
  }

  private writeRaftState(batch: WriteBatch): void {
    const state: raftServerpb.RaftLocalState = { hardState: hardStateToProto(this.hardState), lastIndex: BigInt(this.lastIndexValue) };
    batch.put(ColumnFamily.raft, raftStateKey(this.regionId), raftServerpb.RaftLocalState.encode(state).finish());
  }

  private writeApplyState(batch: WriteBatch): void {
    const state: raftServerpb.RaftApplyState = {
      appliedIndex: BigInt(this.appliedIndex),
      truncatedState: { index: BigInt(this.truncatedIndex), term: BigInt(this.truncatedTerm) },
      commitIndex: BigInt(this.hardState.commit),
      commitTerm: 0n,
    };
    batch.put(ColumnFamily.raft, applyStateKey(this.regionId), raftServerpb.RaftApplyState.encode(state).finish());
  }
}

function safeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new CodecError(`${what} ${value} is beyond 2^53`);
  return Number(value);
}
