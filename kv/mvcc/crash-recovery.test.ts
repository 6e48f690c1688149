import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeTimestamp, maxTimestamp } from '../../common/ids.js';
import { SeededRandom } from '../../common/random.js';
import { type CrashChildOptions, runCrashChild } from '../engine/crash-harness.js';
import { LevelEngine } from '../engine/level-engine.js';
import { checkTxnStatus } from './actions/check-txn-status.js';
import { resolveLocks } from './actions/resolve-lock.js';
import { sharedKey, txnKeys } from './crash-txn-workload.js';
import { LatchedMvccStore } from './latched-store.js';
import { text } from './test-helpers.js';

const writerPath = fileURLToPath(new URL('./crash-txn-writer.js', import.meta.url));

/**
 * Reopens what the killed writer left, resolves every lock as a reader would (long after
 * every TTL), and returns, per transaction, how many of its own keys are visible. The
 * transactions must each be all-or-nothing, and `shared` must hold the last one.
 */
async function recoverAndInspect(directory: string, txnCount: number): Promise<{ committed: number[]; problems: string[] }> {
  const engine = await LevelEngine.open(directory);
  const store = new LatchedMvccStore(engine);
  const problems: string[] = [];
  try {
    const farFuture = composeTimestamp(10_000_000n, 0n);
    const locks = await store.read((reader) => reader.scanLocks(new Uint8Array(0), new Uint8Array(0), () => true, 10_000));
    for (const { key, lock } of locks) {
      const status = await store.write([lock.primary], (reader, txn) =>
        checkTxnStatus(reader, txn, { primary: lock.primary, lockTs: lock.startTs, callerStartTs: maxTimestamp, currentTs: farFuture, rollbackIfNotExist: true }),
      );
      if (status.kind === 'locked') throw new Error('a lock outlived its TTL');
      const commitTs = status.kind === 'committed' ? status.commitTs : composeTimestamp(0n, 0n);
      await store.write([key], (reader, txn) => resolveLocks(reader, txn, [key], lock.startTs, commitTs));
    }
    // One scan sees every visible key; the keys of a transaction are all there or none.
    const entries = await store.scan({ start: new Uint8Array(0), end: new Uint8Array(0), ts: farFuture, limit: 100_000 });
    const visible = new Map<string, string | undefined>();
    for (const entry of entries) {
      if ('error' in entry) problems.push(`${text(entry.key)} is still locked`);
      else visible.set(text(entry.key)!, text(entry.value));
    }
    const committed: number[] = [];
    for (let txnIndex = 1; txnIndex <= txnCount; txnIndex++) {
      const own = txnKeys(txnIndex).filter((key) => key !== sharedKey);
      const present = own.filter((key) => visible.has(key));
      for (const key of present) if (visible.get(key) !== String(txnIndex)) problems.push(`${key} holds ${visible.get(key)}`);
      if (present.length === own.length) committed.push(txnIndex);
      else if (present.length > 0) problems.push(`txn ${txnIndex} is visible on ${present.length} of ${own.length} keys (torn)`);
    }
    const shared = visible.get(sharedKey);
    const last = committed.at(-1);
    if (shared !== (last === undefined ? undefined : String(last))) problems.push(`shared holds ${shared}, the last committed txn is ${last}`);
    if (committed.some((txnIndex, position) => txnIndex !== position + 1)) problems.push(`committed txns are not a prefix: ${committed.join(',')}`);
    const remaining = await store.read((reader) => reader.scanLocks(new Uint8Array(0), new Uint8Array(0), () => true, 10));
    if (remaining.length > 0) problems.push(`${remaining.length} locks remain`);
    return { committed, problems };
  } finally {
    await engine.close();
  }
}

async function crashAndRecover(options: CrashChildOptions): Promise<{ committed: number[]; lastReported: number }> {
  const directory = await mkdtemp(join(tmpdir(), 'tidedb-txn-crash-'));
  try {
    const run = await runCrashChild(writerPath, [directory, '1000'], options);
    assert.equal(run.signal, 'SIGKILL', run.stderr);
    const { committed, problems } = await recoverAndInspect(directory, 1000);
    assert.deepEqual(problems, []);
    // Every transaction the client saw reach its commit point survives.
    assert.ok((committed.at(-1) ?? 0) >= run.lastProgress, `committed ${committed.at(-1)} < reported ${run.lastProgress}`);
    return { committed, lastReported: run.lastProgress };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

describe('Percolator crash recovery on LevelDB (a writer killed between command batches)', () => {
  // Each transaction writes 6 batches: prewrite, primary commit, 4 secondary commits.
  test('killed after a prewrite batch: the transaction is rolled back everywhere', async () => {
    const { committed } = await crashAndRecover({ failpoints: 'engine-after-write=12*off->print' });
    assert.deepEqual(committed, [1, 2]);
  });

  test('killed after the primary commit: the secondaries are rolled forward', async () => {
    const { committed } = await crashAndRecover({ failpoints: 'engine-after-write=13*off->print' });
    assert.deepEqual(committed, [1, 2, 3]);
  });

  test('killed between secondary commits: the rest are rolled forward', async () => {
    const { committed } = await crashAndRecover({ failpoints: 'engine-before-write=15*off->print' });
    assert.deepEqual(committed, [1, 2, 3]);
  });

  test('killed at random moments: every transaction is all or nothing', async () => {
    const random = new SeededRandom(4242);
    for (let round = 0; round < 2; round++) {
      await crashAndRecover({ killAfterProgress: random.nextIntBetween(1, 40), killDelayMs: random.nextInt(3) });
    }
  });
});
