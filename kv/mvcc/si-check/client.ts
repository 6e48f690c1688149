import { CodecError } from '../../../common/errors.js';
import { asTimestamp, maxTimestamp, physicalMsOf, type Timestamp, zeroTimestamp } from '../../../common/ids.js';
import type { SeededRandom } from '../../../common/random.js';
import { checkSecondaryLocks } from '../actions/check-secondary-locks.js';
import { checkTxnStatus, type TxnStatus } from '../actions/check-txn-status.js';
import { commitKey } from '../actions/commit.js';
import { acquirePessimisticLock } from '../actions/pessimistic-lock.js';
import type { Mutation, PrewriteProps } from '../actions/prewrite.js';
import { resolveLocks } from '../actions/resolve-lock.js';
import { rollbackKey } from '../actions/rollback.js';
import { txnHeartBeat } from '../actions/txn-heart-beat.js';
import { isKeyError, type LockInfo } from '../errors.js';
import type { LatchedMvccStore } from '../latched-store.js';
import { prewrite, type PrewriteResponse } from '../prewrite-command.js';
import type { Lock } from '../txn-types.js';
import type { TxnHistory, WriteOp } from './history.js';
import type { Scheduler, SimulatedTso } from './scheduler.js';

/** Bounds of the simulated client's retry loops; hitting one fails the run (a livelock is a bug too). */
const maxReadAttempts = 2_000;
const maxLockWaitAttempts = 200;
const maxCommitAttempts = 20;

export type CommitProtocol = '2pc' | 'async-commit' | '1pc';

/** The points where a simulated client may die, leaving whatever it wrote behind. */
export const crashStages = ['after-pessimistic-locks', 'mid-prewrite', 'after-prewrite', 'after-primary-commit', 'mid-secondary-commit'] as const;
export type CrashStage = (typeof crashStages)[number];

export interface ClientOptions {
  readonly keys: readonly string[];
  readonly pessimisticProbability: number;
  readonly protocolWeights: Readonly<Record<CommitProtocol, number>>;
  readonly crashProbability: number;
  readonly abortProbability: number;
  readonly scanProbability: number;
  readonly largeValueProbability: number;
  readonly heartBeatProbability: number;
  readonly lockTtlMs: readonly [min: number, max: number];
  /** Fault injection: snapshot reads ignore locks (read-committed), which SI forbids. */
  readonly readsIgnoreLocks: boolean;
}

export interface ClientStats {
  readOnly: number;
  committed: number;
  aborted: number;
  crashed: number;
  /** Crashed after the transaction was committed (async commit prewritten, or primary committed). */
  crashedAfterCommitPoint: number;
  reads: number;
  scans: number;
  lockWaits: number;
  locksCommittedByResolver: number;
  locksRolledBackByResolver: number;
  asyncCommitResolutions: number;
  bypassedLocks: number;
  commitTsRetries: number;
  heartBeats: number;
  gcRuns: number;
  gcVersionsDeleted: number;
}

export function newClientStats(): ClientStats {
  return {
    readOnly: 0,
    committed: 0,
    aborted: 0,
    crashed: 0,
    crashedAfterCommitPoint: 0,
    reads: 0,
    scans: 0,
    lockWaits: 0,
    locksCommittedByResolver: 0,
    locksRolledBackByResolver: 0,
    asyncCommitResolutions: 0,
    bypassedLocks: 0,
    commitTsRetries: 0,
    heartBeats: 0,
    gcRuns: 0,
    gcVersionsDeleted: 0,
  };
}

export interface ClientEnvironment {
  readonly store: LatchedMvccStore;
  readonly tso: SimulatedTso;
  readonly scheduler: Scheduler;
  readonly random: SeededRandom;
  readonly options: ClientOptions;
  readonly stats: ClientStats;
  /** Answers of the store that break the protocol (a committed transaction losing a lock, say). */
  readonly violations: string[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (text: string) => encoder.encode(text);
const text = (value: Uint8Array | undefined) => (value === undefined ? undefined : decoder.decode(value));

/** What a client learned from a lock it met: it is gone, it can be read past, or it must be waited out. */
type LockResolution = 'resolved' | 'bypass' | 'wait';

/** A prewrite that could not go through, and why; the transaction then aborts. */
class TxnAbort extends Error {
  override readonly name = 'TxnAbort';
}

/** The simulated client stopped here on purpose: it leaves its locks for others to resolve. */
class TxnCrash extends Error {
  override readonly name = 'TxnCrash';
}

/**
 * A simulated Percolator client (what kv/client's transaction does, against one store):
 * snapshot reads that resolve the locks they meet, buffered writes, optional
 * pessimistic locks, then prewrite (2PC, async commit or 1PC) and commit, with random
 * aborts and crashes. Every step records what it saw into the transaction's history.
 */
export class SimulatedClient {
  private readonly env: ClientEnvironment;

  constructor(env: ClientEnvironment) {
    this.env = env;
  }

  async runTransaction(record: TxnHistory, plan: TxnPlan): Promise<void> {
    try {
      await this.runSteps(record, plan);
    } catch (error) {
      if (error instanceof TxnCrash) {
        // A client that learned of its commit before dying keeps that belief: the store must honour it.
        if (record.client.kind === 'committed') this.env.stats.crashedAfterCommitPoint++;
        else record.client = { kind: 'crashed', stage: error.message };
        this.env.stats.crashed++;
        return;
      }
      if (isKeyError(error)) {
        // The store answered what a correct store never answers at this point of the
        // protocol. Record it, and leave the transaction as if its client crashed.
        this.env.violations.push(`txn ${record.id}: ${error.message}`);
        if (record.client.kind !== 'committed') record.client = { kind: 'crashed', stage: 'protocol violation' };
        return;
      }
      if (!(error instanceof TxnAbort)) throw error;
      record.client = { kind: 'aborted', reason: error.message };
      this.env.stats.aborted++;
      try {
        await this.rollbackAll([...record.writes.keys()], record.startTs);
      } catch (rollbackError) {
        if (!isKeyError(rollbackError)) throw rollbackError;
        this.env.violations.push(`txn ${record.id}: rolling back: ${rollbackError.message}`);
      }
    }
  }

  private async runSteps(record: TxnHistory, plan: TxnPlan): Promise<void> {
    const { random, stats, options } = this.env;
    const startTs = record.startTs;
    const bypass = new Set<bigint>();
    for (const key of plan.readKeys) {
      await this.step();
      record.reads.push({ key, value: await this.snapshotGet(key, startTs, bypass) });
      stats.reads++;
    }
    if (plan.scan !== undefined) {
      await this.step();
      record.reads.push(...(await this.snapshotScan(plan.scan.start, plan.scan.end, startTs, bypass)));
      stats.scans++;
    }
    if (plan.writes.size === 0) {
      stats.readOnly++;
      return;
    }
    for (const [key, op] of plan.writes) record.writes.set(key, op);
    const keys = [...plan.writes.keys()];
    const primary = keys[0]!;

    if (plan.pessimistic) {
      // Lock every key to be written, primary first, at forUpdateTs = startTs: a commit
      // after our start is a conflict, exactly as for an optimistic prewrite (so the
      // transaction stays snapshot isolated).
      for (const key of keys) {
        await this.step();
        await this.pessimisticLock(key, primary, startTs, plan.lockTtlMs);
      }
      this.maybeCrash(plan, 'after-pessimistic-locks');
    }
    if (plan.abortBeforePrewrite) throw new TxnAbort('client abort before prewrite');

    const props: Omit<PrewriteProps, 'maxReadTs'> = {
      startTs,
      primary: bytes(primary),
      lockTtlMs: plan.lockTtlMs,
      txnSize: BigInt(keys.length),
      forUpdateTs: plan.pessimistic ? startTs : zeroTimestamp,
      minCommitTs: asTimestamp(startTs + 1n),
      maxCommitTs: zeroTimestamp,
      useAsyncCommit: plan.protocol === 'async-commit',
      secondaries: plan.protocol === 'async-commit' ? keys.slice(1).map(bytes) : [],
      tryOnePc: plan.protocol === '1pc',
    };
    let minCommitTs: bigint = 0n;
    let onePcCommitTs: Timestamp | undefined;
    for (let index = 0; index < plan.groups.length; index++) {
      await this.step();
      if (index > 0) {
        this.maybeCrash(plan, 'mid-prewrite');
        if (plan.abortMidPrewrite) throw new TxnAbort('client abort between prewrite batches');
        if (random.chance(options.heartBeatProbability) && plan.groups.slice(0, index).some((group) => group.includes(primary))) {
          await this.heartBeat(primary, startTs, plan.lockTtlMs * 2n);
        }
      }
      const group = plan.groups[index]!;
      const response = await this.prewriteGroup(group.map((key) => mutationOf(key, plan.writes.get(key)!)), props, plan.pessimistic);
      if (response.minCommitTs > minCommitTs) minCommitTs = response.minCommitTs;
      onePcCommitTs = response.onePcCommitTs;
    }
    if (plan.protocol === '1pc') {
      record.client = { kind: 'committed', commitTs: onePcCommitTs! };
      stats.committed++;
      return;
    }
    if (plan.protocol === 'async-commit') {
      // Every prewrite succeeded: the transaction is committed at the largest minCommitTs,
      // whatever happens to this client now.
      record.client = { kind: 'committed', commitTs: asTimestamp(minCommitTs) };
    }
    this.maybeCrash(plan, 'after-prewrite');

    let commitTs: Timestamp = plan.protocol === 'async-commit' ? asTimestamp(minCommitTs) : this.env.tso.next();
    await this.step();
    for (let attempt = 0; ; attempt++) {
      if (attempt >= maxCommitAttempts) throw new Error(`txn ${record.id}: commit of the primary kept failing`);
      try {
        await this.env.store.write([bytes(primary)], (reader, txn) => commitKey(reader, txn, bytes(primary), startTs, commitTs));
        break;
      } catch (error) {
        if (isKeyError(error, 'commit-ts-expired') && plan.protocol === '2pc') {
          // A reader pushed the primary's minCommitTs: ask for a newer commit ts.
          stats.commitTsRetries++;
          commitTs = this.env.tso.next();
          continue;
        }
        if (isKeyError(error, 'txn-lock-not-found') && plan.protocol === '2pc') {
          // The primary lock expired and a reader rolled it back.
          throw new TxnAbort('primary rolled back before commit');
        }
        throw error;
      }
    }
    record.client = { kind: 'committed', commitTs };
    stats.committed++;
    this.maybeCrash(plan, 'after-primary-commit');
    for (const key of keys.slice(1)) {
      await this.step();
      this.maybeCrash(plan, 'mid-secondary-commit');
      await this.env.store.write([bytes(key)], (reader, txn) => commitKey(reader, txn, bytes(key), startTs, commitTs));
    }
  }

  private maybeCrash(plan: TxnPlan, stage: CrashStage): void {
    if (plan.crashAt === stage) throw new TxnCrash(stage);
  }

  private async step(): Promise<void> {
    await this.env.scheduler.step();
  }

  private async backoff(): Promise<void> {
    this.env.stats.lockWaits++;
    const turns = this.env.random.nextIntBetween(1, 4);
    for (let turn = 0; turn < turns; turn++) await this.step();
  }

  /** A snapshot read of one key at `startTs`, resolving every lock in the way. */
  async snapshotGet(key: string, startTs: Timestamp, bypass: Set<bigint>): Promise<string | undefined> {
    const isolation = this.env.options.readsIgnoreLocks ? 'rc' : 'si';
    for (let attempt = 0; attempt < maxReadAttempts; attempt++) {
      try {
        return text(await this.env.store.get(bytes(key), startTs, { bypassLocks: bypass, isolation }));
      } catch (error) {
        if (error instanceof CodecError) {
          // A commit record whose value is gone: the store's data is corrupt, which only a
          // broken mechanism can cause. Record it and carry on, so the run still ends.
          this.env.violations.push(`read of ${key} at ${startTs} met corrupt data: ${error.message}`);
          return undefined;
        }
        if (!isKeyError(error, 'key-is-locked') || error.detail.kind !== 'key-is-locked') throw error;
        await this.handleReadLock(error.detail.lock, startTs, bypass);
      }
    }
    throw new Error(`a read of ${key} at ${startTs} never got past its locks`);
  }

  /** A snapshot scan of [start, end) at `startTs`; every key of the range is a read (absent ones included). */
  private async snapshotScan(start: string, end: string, startTs: Timestamp, bypass: Set<bigint>): Promise<Array<{ key: string; value: string | undefined }>> {
    for (let attempt = 0; attempt < maxReadAttempts; attempt++) {
      let entries: Awaited<ReturnType<typeof this.env.store.scan>>;
      try {
        entries = await this.env.store.scan({ start: bytes(start), end: bytes(end), ts: startTs, limit: 1_000, bypassLocks: bypass });
      } catch (error) {
        if (!(error instanceof CodecError)) throw error;
        // Corrupt data, as in snapshotGet: only a broken mechanism causes it.
        this.env.violations.push(`scan of [${start}, ${end}) at ${startTs} met corrupt data: ${error.message}`);
        return [];
      }
      const blocked = entries.find((entry) => 'error' in entry);
      if (blocked !== undefined && 'error' in blocked) {
        const detail = blocked.error.detail;
        if (detail.kind !== 'key-is-locked') throw blocked.error;
        await this.handleReadLock(detail.lock, startTs, bypass);
        continue;
      }
      const seen = new Map(entries.map((entry) => [text(entry.key)!, 'value' in entry ? text(entry.value) : undefined]));
      return this.env.options.keys.filter((key) => key >= start && key < end).map((key) => ({ key, value: seen.get(key) }));
    }
    throw new Error(`a scan of [${start}, ${end}) at ${startTs} never got past its locks`);
  }

  private async handleReadLock(lock: LockInfo, startTs: Timestamp, bypass: Set<bigint>): Promise<void> {
    const resolution = await this.resolveLock(lock, startTs);
    if (resolution === 'bypass') {
      bypass.add(lock.startTs);
      this.env.stats.bypassedLocks++;
    } else if (resolution === 'wait') {
      await this.backoff();
    }
  }

  /**
   * What a client does about a lock it met (TiDB's lock resolver): ask the primary.
   * Committed or rolled back: resolve this key the same way. Still locked: a reader whose
   * start ts is now below the primary's minCommitTs may read past it; an expired
   * async-commit transaction is decided from its secondaries; otherwise wait.
   * `callerStartTs` is the reader's start ts, or the max ts for a writer.
   */
  async resolveLock(lock: LockInfo, callerStartTs: Timestamp): Promise<LockResolution> {
    const { store, tso } = this.env;
    const currentTs = tso.next();
    const primary = lock.primary;
    let status: TxnStatus;
    try {
      status = await store.write([primary], (reader, txn) =>
        checkTxnStatus(reader, txn, { primary, lockTs: lock.startTs, callerStartTs, currentTs, rollbackIfNotExist: isExpired(lock, currentTs) }),
      );
    } catch (error) {
      // The primary is not there yet (its prewrite may be in flight) and the lock is young.
      if (isKeyError(error, 'txn-not-found')) return 'wait';
      throw error;
    }
    switch (status.kind) {
      case 'committed':
        await this.resolveKeys([lock.key], lock.startTs, status.commitTs);
        return 'resolved';
      case 'rolled-back':
        await this.resolveKeys([lock.key], lock.startTs, zeroTimestamp);
        return 'resolved';
      case 'locked':
        if (status.lock.useAsyncCommit) {
          if (!isExpired(status.lock, currentTs)) return 'wait';
          await this.resolveAsyncCommit(primary, status.lock);
          return 'resolved';
        }
        if (callerStartTs !== maxTimestamp && status.lock.minCommitTs > callerStartTs) return 'bypass';
        return 'wait';
    }
  }

  /** Decides an async-commit transaction whose primary lock expired, from its secondaries. */
  private async resolveAsyncCommit(primary: Uint8Array, primaryLock: Lock): Promise<void> {
    const { store, stats } = this.env;
    const startTs = primaryLock.startTs;
    const secondaries = primaryLock.secondaries;
    const status = await store.write(secondaries, (reader, txn) => checkSecondaryLocks(reader, txn, secondaries, startTs));
    let commitTs: bigint;
    if (status.kind === 'committed') commitTs = status.commitTs;
    else if (status.kind === 'rolled-back') commitTs = 0n;
    else commitTs = status.locks.reduce((max, { lock }) => (lock.minCommitTs > max ? lock.minCommitTs : max), primaryLock.minCommitTs as bigint);
    stats.asyncCommitResolutions++;
    await this.resolveKeys([primary, ...secondaries], startTs, asTimestamp(commitTs));
  }

  private async resolveKeys(keys: readonly Uint8Array[], startTs: Timestamp, commitTs: Timestamp): Promise<void> {
    const { store, stats } = this.env;
    await store.write(keys, (reader, txn) => resolveLocks(reader, txn, keys, startTs, commitTs));
    if (commitTs === 0n) stats.locksRolledBackByResolver += keys.length;
    else stats.locksCommittedByResolver += keys.length;
  }

  private async pessimisticLock(key: string, primary: string, startTs: Timestamp, lockTtlMs: bigint): Promise<void> {
    for (let attempt = 0; attempt < maxLockWaitAttempts; attempt++) {
      try {
        await this.env.store.write([bytes(key)], (reader, txn) =>
          acquirePessimisticLock(reader, txn, { key: bytes(key), primary: bytes(primary), startTs, forUpdateTs: startTs, lockTtlMs }),
        );
        return;
      } catch (error) {
        if (isKeyError(error, 'key-is-locked') && error.detail.kind === 'key-is-locked') {
          if ((await this.resolveLock(error.detail.lock, maxTimestamp)) === 'wait') await this.backoff();
          continue;
        }
        if (isKeyError(error, 'write-conflict') || isKeyError(error, 'pessimistic-lock-rolled-back')) throw new TxnAbort(`pessimistic lock: ${error.detail.kind}`);
        throw error;
      }
    }
    throw new TxnAbort('pessimistic lock wait timed out');
  }

  private async prewriteGroup(mutations: Mutation[], props: Omit<PrewriteProps, 'maxReadTs'>, pessimistic: boolean): Promise<PrewriteResponse> {
    for (let attempt = 0; attempt < maxLockWaitAttempts; attempt++) {
      try {
        return await prewrite(this.env.store, { mutations, props, ...(pessimistic ? { isPessimisticLock: mutations.map(() => true) } : {}) });
      } catch (error) {
        if (isKeyError(error, 'key-is-locked') && error.detail.kind === 'key-is-locked') {
          if ((await this.resolveLock(error.detail.lock, maxTimestamp)) === 'wait') await this.backoff();
          continue;
        }
        if (isKeyError(error, 'write-conflict') || isKeyError(error, 'pessimistic-lock-not-found')) throw new TxnAbort(`prewrite: ${error.detail.kind}`);
        throw error;
      }
    }
    throw new TxnAbort('prewrite lock wait timed out');
  }

  private async heartBeat(primary: string, startTs: Timestamp, ttlMs: bigint): Promise<void> {
    try {
      await this.env.store.write([bytes(primary)], (reader, txn) => txnHeartBeat(reader, txn, bytes(primary), startTs, ttlMs));
      this.env.stats.heartBeats++;
    } catch (error) {
      // The primary lock is gone: a reader rolled the transaction back.
      if (isKeyError(error, 'txn-not-found')) throw new TxnAbort('heartbeat: primary lock gone');
      throw error;
    }
  }

  /** Rolls back every key of an aborted transaction (its own locks, and protection against late prewrites). */
  private async rollbackAll(keys: readonly string[], startTs: Timestamp): Promise<void> {
    for (const key of keys) {
      await this.step();
      await this.env.store.write([bytes(key)], (reader, txn) => rollbackKey(reader, txn, bytes(key), startTs));
    }
  }
}

/** The random choices of one transaction, drawn up front. */
export interface TxnPlan {
  readonly readKeys: readonly string[];
  readonly scan: { readonly start: string; readonly end: string } | undefined;
  /** In order; the first is the primary. Empty: a read-only transaction. */
  readonly writes: ReadonlyMap<string, WriteOp>;
  readonly pessimistic: boolean;
  readonly protocol: CommitProtocol;
  /** Prewrite batches (as if the keys lived in different regions), in the order sent. */
  readonly groups: ReadonlyArray<readonly string[]>;
  readonly lockTtlMs: bigint;
  readonly crashAt: CrashStage | undefined;
  readonly abortBeforePrewrite: boolean;
  readonly abortMidPrewrite: boolean;
}

export function planTransaction(random: SeededRandom, options: ClientOptions, txnId: number): TxnPlan {
  const { keys } = options;
  const readKeys = sample(random, keys, random.nextInt(4));
  let scan: TxnPlan['scan'];
  if (random.chance(options.scanProbability)) {
    const from = random.nextInt(keys.length);
    const to = random.nextIntBetween(from + 1, keys.length);
    scan = { start: keys[from]!, end: to < keys.length ? keys[to]! : `${keys[keys.length - 1]!}~` };
  }
  const writes = new Map<string, WriteOp>();
  for (const key of sample(random, keys, random.nextInt(4))) {
    const roll = random.nextFloat();
    if (roll < 0.7) {
      const padding = random.chance(options.largeValueProbability) ? '#'.repeat(300) : '';
      writes.set(key, { kind: 'put', value: `t${txnId}:${key}${padding}` });
    } else if (roll < 0.9) {
      writes.set(key, { kind: 'delete' });
    } else {
      writes.set(key, { kind: 'lock' });
    }
  }
  const protocol = pickWeighted(random, options.protocolWeights);
  const writeKeys = [...writes.keys()];
  const groups: string[][] = [];
  if (protocol === '1pc') {
    groups.push(writeKeys);
  } else {
    const shuffled = sample(random, writeKeys, writeKeys.length);
    const groupCount = Math.min(shuffled.length, random.nextIntBetween(1, 3));
    for (let index = 0; index < groupCount; index++) groups.push([]);
    shuffled.forEach((key, index) => groups[index < groupCount ? index : random.nextInt(groupCount)]!.push(key));
  }
  const [ttlMin, ttlMax] = options.lockTtlMs;
  const crashes = random.chance(options.crashProbability);
  const aborts = !crashes && random.chance(options.abortProbability);
  return {
    readKeys,
    scan,
    writes,
    pessimistic: random.chance(options.pessimisticProbability),
    protocol,
    groups: groups.filter((group) => group.length > 0),
    lockTtlMs: BigInt(random.nextIntBetween(ttlMin, ttlMax)),
    crashAt: crashes ? random.pick(crashStages) : undefined,
    abortBeforePrewrite: aborts && random.nextBoolean(),
    abortMidPrewrite: aborts,
  };
}

function mutationOf(key: string, op: WriteOp): Mutation {
  switch (op.kind) {
    case 'put':
      return { op: 'put', key: bytes(key), value: bytes(op.value) };
    case 'delete':
      return { op: 'delete', key: bytes(key) };
    case 'lock':
      return { op: 'lock', key: bytes(key) };
  }
}

function isExpired(lock: { readonly startTs: Timestamp; readonly ttlMs: bigint }, currentTs: Timestamp): boolean {
  return physicalMsOf(lock.startTs) + lock.ttlMs < physicalMsOf(currentTs);
}

/** `count` distinct items in random order. */
function sample<T>(random: SeededRandom, items: readonly T[], count: number): T[] {
  const pool = [...items];
  const out: T[] = [];
  while (out.length < count && pool.length > 0) out.push(pool.splice(random.nextInt(pool.length), 1)[0]!);
  return out;
}

function pickWeighted<K extends string>(random: SeededRandom, weights: Readonly<Record<K, number>>): K {
  const entries = Object.entries(weights) as Array<[K, number]>;
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = random.nextFloat() * total;
  for (const [name, weight] of entries) {
    roll -= weight;
    if (roll < 0) return name;
  }
  return entries[entries.length - 1]![0];
}
