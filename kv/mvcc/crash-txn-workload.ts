import { composeTimestamp, type Timestamp } from '../../common/ids.js';
import { commitKey } from './actions/commit.js';
import type { Mutation } from './actions/prewrite.js';
import type { LatchedMvccStore } from './latched-store.js';
import { prewrite } from './prewrite-command.js';

/**
 * The transactions the Percolator crash-recovery test runs in a child process that is
 * killed part-way. Transaction `n` writes the value `n` to its own keys `t<n>/k0..3` and
 * to the key `shared`, as 2PC: one prewrite batch, then the primary's commit, then each
 * secondary's commit, each its own engine batch. Every crash point therefore leaves
 * some transaction half done, which lock resolution after the restart must finish or
 * undo as a whole.
 */
export const keysPerTxn = 4;
export const sharedKey = 'shared';
export const crashTxnLockTtlMs = 100n;

const encoder = new TextEncoder();

export function txnKeys(txnIndex: number): string[] {
  const own = Array.from({ length: keysPerTxn }, (_, index) => `t${String(txnIndex).padStart(6, '0')}/k${index}`);
  return [own[0]!, sharedKey, ...own.slice(1)];
}

/** Timestamps on a fixed synthetic clock: 10 ms per transaction. */
export function txnTimestamps(txnIndex: number): { startTs: Timestamp; commitTs: Timestamp } {
  return { startTs: composeTimestamp(BigInt(1_000 + txnIndex * 10), 0n), commitTs: composeTimestamp(BigInt(1_000 + txnIndex * 10 + 5), 0n) };
}

/** Runs transaction `txnIndex`; `onCommitted` fires once its primary is committed (the commit point). */
export async function runCrashTxn(store: LatchedMvccStore, txnIndex: number, onCommitted: () => void): Promise<void> {
  const keys = txnKeys(txnIndex);
  const { startTs, commitTs } = txnTimestamps(txnIndex);
  const value = encoder.encode(String(txnIndex));
  const mutations: Mutation[] = keys.map((key) => ({ op: 'put', key: encoder.encode(key), value }));
  await prewrite(store, {
    mutations,
    props: {
      startTs,
      primary: encoder.encode(keys[0]!),
      lockTtlMs: crashTxnLockTtlMs,
      txnSize: BigInt(keys.length),
      forUpdateTs: composeTimestamp(0n, 0n),
      minCommitTs: composeTimestamp(0n, 0n),
      maxCommitTs: composeTimestamp(0n, 0n),
      useAsyncCommit: false,
      secondaries: [],
      tryOnePc: false,
    },
  });
  for (const [index, key] of keys.entries()) {
    const encoded = encoder.encode(key);
    await store.write([encoded], (reader, txn) => commitKey(reader, txn, encoded, startTs, commitTs));
    if (index === 0) onCommitted();
  }
}
