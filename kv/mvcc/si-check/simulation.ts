import { asTimestamp, maxTimestamp, type Timestamp, zeroTimestamp } from '../../../common/ids.js';
import { gcRange } from '../actions/gc.js';
import { SeededRandom } from '../../../common/random.js';
import { ConcurrencyManager, type MemoryLockGuard } from '../concurrency-manager.js';
import { isKeyError, lockInfo } from '../errors.js';
import { checkLatestIndex } from '../latest-index.js';
import { LatchedMvccStore } from '../latched-store.js';
import { Latches, type LatchRelease } from '../latches.js';
import type { Lock } from '../txn-types.js';
import { newClientStats, planTransaction, SimulatedClient, type ClientOptions, type ClientStats, type CommitProtocol } from './client.js';
import { type Anomaly, type History, type TxnHistory, verifyHistory } from './history.js';
import { Scheduler, SimulatedTso, SimulationClock } from './scheduler.js';
import { SteppingEngine } from './stepping-engine.js';

/**
 * Faults the checker must catch, to prove it can: each removes one mechanism that
 * snapshot isolation on a store depends on.
 */
export const simulationFaults = ['none', 'no-latches', 'reads-ignore-locks', 'no-max-ts', 'no-memory-locks'] as const;
export type SimulationFault = (typeof simulationFaults)[number];

export interface SimulationConfig {
  readonly seed: number;
  readonly keyCount: number;
  /** Transactions running at once. */
  readonly clients: number;
  /** Transactions each client runs, one after another. */
  readonly txnsPerClient: number;
  readonly pessimisticProbability: number;
  readonly protocolWeights: Readonly<Record<CommitProtocol, number>>;
  readonly crashProbability: number;
  readonly abortProbability: number;
  readonly scanProbability: number;
  readonly largeValueProbability: number;
  readonly heartBeatProbability: number;
  readonly lockTtlMs: readonly [min: number, max: number];
  /** The clock moves by 0..this at every scheduling step. */
  readonly maxClockStepMs: number;
  /** How often a snapshot read inside a command lets other tasks run. */
  readonly readStepProbability: number;
  /** After each transaction, how often its client runs a GC pass below every running transaction. */
  readonly gcProbability: number;
  readonly fault: SimulationFault;
}

export const defaultSimulationConfig: Omit<SimulationConfig, 'seed'> = {
  keyCount: 8,
  clients: 6,
  txnsPerClient: 12,
  pessimisticProbability: 0.25,
  protocolWeights: { '2pc': 3, 'async-commit': 2, '1pc': 1 },
  crashProbability: 0.12,
  abortProbability: 0.08,
  scanProbability: 0.25,
  largeValueProbability: 0.15,
  heartBeatProbability: 0.2,
  lockTtlMs: [20, 80],
  maxClockStepMs: 2,
  readStepProbability: 0.15,
  gcProbability: 0.1,
  fault: 'none',
};

export interface SimulationResult {
  readonly config: SimulationConfig;
  readonly anomalies: readonly Anomaly[];
  readonly history: History;
  readonly stats: ClientStats;
  readonly steps: number;
}

const maxStepsPerTxn = 5_000;
const maxLockResolutionRounds = 1_000;

/** Latches that never make anyone wait (fault injection). */
class NoLatches extends Latches {
  override acquire(): Promise<LatchRelease> {
    return Promise.resolve(() => {});
  }
}

/** A concurrency manager that tracks nothing (fault injection). */
class NoMaxTs extends ConcurrencyManager {
  override maxTs(): Timestamp {
    return zeroTimestamp;
  }
}

/** A concurrency manager without its in-memory lock table (fault injection). */
class NoMemoryLocks extends ConcurrencyManager {
  override lockKeys(): MemoryLockGuard {
    return { release: () => {} };
  }
}

function concurrencyManagerFor(fault: SimulationFault): ConcurrencyManager {
  if (fault === 'no-max-ts') return new NoMaxTs();
  if (fault === 'no-memory-locks') return new NoMemoryLocks();
  return new ConcurrencyManager();
}

/**
 * One seeded run of the snapshot-isolation checker: `clients` simulated clients run
 * transactions concurrently against one LatchedMvccStore (interleaved by the seeded
 * scheduler, inside commands too), with random aborts, crashes and lock resolution.
 * Afterwards every leftover lock is resolved, the store's verdict on each transaction
 * is read back, and the history is verified (see `verifyHistory`).
 */
export async function runSimulation(config: SimulationConfig): Promise<SimulationResult> {
  const random = new SeededRandom(config.seed);
  const clock = new SimulationClock(1_000_000);
  const tso = new SimulatedTso(clock);
  const scheduler = new Scheduler(random, clock, config.maxClockStepMs);
  const engine = new SteppingEngine(scheduler, random, config.readStepProbability);
  const store = new LatchedMvccStore(engine, {
    ...(config.fault === 'no-latches' ? { latches: new NoLatches() } : {}),
    concurrency: concurrencyManagerFor(config.fault),
    // The scheduler allows no timers: point-get batches close in a microtask.
    schedulePointGetFlush: queueMicrotask,
  });
  const keys = Array.from({ length: config.keyCount }, (_, index) => `k${index}`);
  const options: ClientOptions = {
    keys,
    pessimisticProbability: config.pessimisticProbability,
    // Without latches the memory lock table's own assertion stops async commit and 1PC
    // at once; plain 2PC shows what the history checker makes of the missing latches.
    protocolWeights: config.fault === 'no-latches' ? { '2pc': 1, 'async-commit': 0, '1pc': 0 } : config.protocolWeights,
    crashProbability: config.crashProbability,
    abortProbability: config.abortProbability,
    scanProbability: config.scanProbability,
    largeValueProbability: config.largeValueProbability,
    heartBeatProbability: config.heartBeatProbability,
    lockTtlMs: config.lockTtlMs,
    readsIgnoreLocks: config.fault === 'reads-ignore-locks',
  };
  const stats = newClientStats();
  const violations: string[] = [];
  const client = new SimulatedClient({ store, tso, scheduler, random, options, stats, violations });
  const txns: TxnHistory[] = [];
  let nextTxnId = 1;
  // Transactions whose client is still at work: GC must stay below their start.
  const running = new Set<TxnHistory>();
  // Transactions whose store verdict is taken (before GC could remove their records).
  const judged = new Set<TxnHistory>();

  const judge = async (txn: TxnHistory) => {
    judged.add(txn);
    for (const key of txn.writes.keys()) {
      const record = await store.read((reader) => reader.getTxnCommitRecord(new TextEncoder().encode(key), txn.startTs));
      txn.storeRecords.set(key, record.kind === 'committed' ? { kind: 'committed', commitTs: record.commitTs } : { kind: 'not-committed' });
    }
  };

  /** Resolves every lock that `filter` selects, until none is left. */
  const resolveAllLocks = async (filter: (lock: Lock) => boolean, what: string) => {
    for (let round = 0; ; round++) {
      if (round >= maxLockResolutionRounds) throw new Error(`locks remain after resolving ${what}`);
      const locks = await store.read((reader) => reader.scanLocks(new Uint8Array(0), new Uint8Array(0), filter, 10_000));
      if (locks.length === 0) return;
      for (const { key, lock } of locks) {
        try {
          if ((await client.resolveLock(lockInfo(key, lock), maxTimestamp)) === 'wait') await scheduler.step();
        } catch (error) {
          if (!isKeyError(error)) throw error;
          violations.push(`resolving the lock of txn ${lock.startTs} (${what}): ${error.message}`);
          // Drop the lock so the run can finish and the history be checked.
          await store.write([key], async (_reader, txn) => txn.unlockKey(key));
        }
      }
    }
  };

  /**
   * A GC pass as the GC worker runs it: a safe point below every running transaction,
   * every lock at or below it resolved, then the versions below it collected in small
   * batches that interleave with the running transactions.
   */
  let collecting = false;
  const collectGarbage = async () => {
    // One pass at a time, as one GC worker: a second pass could collect the records of
    // a transaction the first is still judging.
    if (collecting) return;
    collecting = true;
    let safePoint = asTimestamp(tso.next() - 1n);
    for (const txn of running) if (txn.startTs <= safePoint) safePoint = asTimestamp(txn.startTs - 1n);
    await resolveAllLocks((lock) => lock.startTs <= safePoint, `below safe point ${safePoint}`);
    for (const txn of txns) if (!running.has(txn) && !judged.has(txn) && txn.startTs <= safePoint) await judge(txn);
    const gcStats = await gcRange(store.mvcc, { start: new Uint8Array(0), end: new Uint8Array(0), safePoint, maxKeysPerBatch: 2, pause: () => scheduler.step() });
    stats.gcRuns++;
    stats.gcVersionsDeleted += gcStats.versionsDeleted;
    collecting = false;
  };

  const runClient = async () => {
    for (let round = 0; round < config.txnsPerClient; round++) {
      const id = nextTxnId++;
      const plan = planTransaction(random, options, id);
      const record: TxnHistory = {
        id,
        startTs: tso.next(),
        mode: `${plan.pessimistic ? 'pessimistic' : 'optimistic'}/${plan.protocol}/${plan.groups.length} batches${plan.crashAt === undefined ? '' : `/crash ${plan.crashAt}`}`,
        reads: [],
        writes: new Map(),
        client: { kind: 'read-only' },
        storeRecords: new Map(),
      };
      txns.push(record);
      running.add(record);
      await client.runTransaction(record, plan);
      running.delete(record);
      await scheduler.step();
      if (random.chance(config.gcProbability)) await collectGarbage();
    }
  };
  const totalTxns = config.clients * config.txnsPerClient;
  await scheduler.run(
    Array.from({ length: config.clients }, () => runClient),
    maxStepsPerTxn * totalTxns,
  );

  // Settle: let every lock expire, resolve what the crashed clients left, then read the verdicts.
  const finalState = new Map<string, string | undefined>();
  await scheduler.run(
    [
      async () => {
        clock.advance(10_000_000);
        await resolveAllLocks(() => true, 'at the end');
        const finalTs = tso.next();
        for (const key of keys) finalState.set(key, await client.snapshotGet(key, finalTs, new Set()));
        for (const txn of txns) if (!judged.has(txn)) await judge(txn);
      },
    ],
    maxStepsPerTxn * totalTxns,
  );

  const history: History = { keys, txns, finalState };
  const anomalies: Anomaly[] = violations.map((message) => ({ kind: 'protocol-violation', message, txnIds: txnIdsIn(message) }));
  anomalies.push(...verifyHistory(history));
  // The read index over CF write must agree with it after everything the run did.
  for (const problem of await checkLatestIndex(engine.unscheduled())) anomalies.push({ kind: 'protocol-violation', message: `CF latest: ${problem}`, txnIds: [] });
  return { config, anomalies, history, stats, steps: scheduler.steps };
}

function txnIdsIn(message: string): number[] {
  const match = /^txn (\d+):/.exec(message);
  return match === null ? [] : [Number(match[1])];
}

/** The command that replays one run, for failure reports. */
export function replayCommand(config: SimulationConfig): string {
  const parts = ['node dist/kv/mvcc/si-check/cli.js', `--seed ${config.seed}`];
  if (config.clients !== defaultSimulationConfig.clients) parts.push(`--clients ${config.clients}`);
  if (config.txnsPerClient !== defaultSimulationConfig.txnsPerClient) parts.push(`--txns ${config.txnsPerClient}`);
  if (config.keyCount !== defaultSimulationConfig.keyCount) parts.push(`--keys ${config.keyCount}`);
  if (config.fault !== 'none') parts.push(`--fault ${config.fault}`);
  parts.push('--verbose');
  return parts.join(' ');
}
