import { setImmediate as nextTurn } from 'node:timers/promises';
import { assert } from '../../../common/assert.js';
import { compareBytes, copyBytes } from '../../../common/codec/bytes.js';
import { encodeUserKey, splitMvccKey } from '../../../common/codec/mvcc-key.js';
import type { Timestamp } from '../../../common/ids.js';
import { ColumnFamily } from '../../engine/engine.js';
import { gcCursorBatchEntries, gcDefaultMaxKeysPerBatch, gcMaxDeletesPerBatch } from '../limits.js';
import type { MvccTxn } from '../mvcc-txn.js';
import type { MvccStore } from '../store.js';
import { decodeWrite, type Write, WriteType } from '../txn-types.js';

export interface GcOptions {
  /** Inclusive start of the user key range. */
  readonly start: Uint8Array;
  /** Exclusive end of the user key range; empty means unbounded. */
  readonly end: Uint8Array;
  /**
   * No reader will ever read below this ts again, and every lock at or below it has
   * been resolved (the GC worker's contract with the cluster).
   */
  readonly safePoint: Timestamp;
  /** User keys one batch examines (default `gcDefaultMaxKeysPerBatch`). */
  readonly maxKeysPerBatch?: number;
  /** Deletions one batch may hold (default and upper bound `gcMaxDeletesPerBatch`). */
  readonly maxDeletesPerBatch?: number;
  /** Awaited between batches so foreground work runs; a macrotask turn by default. */
  readonly pause?: () => Promise<void>;
}

export interface GcStats {
  /** Distinct user keys whose write records were examined. */
  keysScanned: number;
  /** Write records (commit, rollback and lock records) deleted. */
  versionsDeleted: number;
  /** Values deleted from CF default along with their Put records. */
  valuesDeleted: number;
  /** Atomic batches written. */
  batches: number;
}

/**
 * Where GC of one user key stands, walking its versions newest first:
 * - 'seeking': every version so far is above the safe point or is a Lock/Rollback
 *   record at or below it; the newest Put/Delete at or below the safe point is ahead.
 * - 'removing': that Put (kept) or Delete (removed) has been passed: every older record
 *   is invisible to every reader at or above the safe point.
 */
type KeyGcState = 'seeking' | 'removing';

/**
 * What GC does with one write record of a key, given the state of the key so far:
 * delete it or not, and the state after it. Pure, so the rules read in one place:
 * - versions above the safe point are never touched;
 * - the newest Put at or below the safe point is what a read at the safe point sees:
 *   it stays; everything older goes;
 * - the newest Delete at or below the safe point goes too (with everything older): a
 *   read at or above the safe point finds nothing either way;
 * - Lock and Rollback records at or below the safe point go: no reader needs them, and
 *   no prewrite that old can arrive any more.
 * A key's CF latest entry is never touched: GC takes no latches, so it could race a
 * commit writing a new entry. An entry left pointing at a collected Delete still says
 * "no value" at and above its ts, which stays true.
 */
export function gcDecision(state: KeyGcState, commitTs: Timestamp, write: Write, safePoint: Timestamp): { readonly remove: boolean; readonly next: KeyGcState } {
  if (commitTs > safePoint) return { remove: false, next: state };
  if (state === 'removing') return { remove: true, next: 'removing' };
  switch (write.type) {
    case WriteType.Put:
      return { remove: false, next: 'removing' };
    case WriteType.Delete:
      return { remove: true, next: 'removing' };
    case WriteType.Lock:
    case WriteType.Rollback:
      return { remove: true, next: 'seeking' };
  }
}

/** Deletes one write record, and its value in CF default if it is a Put with a large value. */
function removeVersion(txn: MvccTxn, encodedUserKey: Uint8Array, commitTs: Timestamp, write: Write, stats: GcStats): void {
  txn.deleteEncodedWrite(encodedUserKey, commitTs);
  stats.versionsDeleted++;
  if (write.type === WriteType.Put && write.shortValue === undefined) {
    txn.deleteEncodedValue(encodedUserKey, write.startTs);
    stats.valuesDeleted++;
  }
}

/** The walk's position between batches. */
interface GcCursor {
  /** The engine key (in CF write) to continue from. */
  resumeAt: Uint8Array;
  /** The user key being walked when the last batch ended mid-key, with its state. */
  currentKey: Uint8Array | undefined;
  state: KeyGcState;
  done: boolean;
}

/**
 * Garbage-collects the MVCC versions of [start, end) that no reader at or above the
 * safe point can see (see `gcDecision`), in bounded batches: each batch reads a fresh
 * snapshot, examines at most `maxKeysPerBatch` keys (and holds at most
 * `maxDeletesPerBatch` deletions, so a key with very many versions spans batches),
 * writes its deletions atomically, then awaits `pause` so foreground commands run.
 *
 * It takes no latches: it only deletes records at or below the safe point, and no
 * command writes there any more (every transaction that old is finished and its locks
 * resolved), so what it deletes cannot change under it; versions written meanwhile are
 * all above the safe point and untouched.
 */
export async function gcRange(store: MvccStore, options: GcOptions): Promise<GcStats> {
  const maxKeysPerBatch = options.maxKeysPerBatch ?? gcDefaultMaxKeysPerBatch;
  const maxDeletesPerBatch = Math.min(options.maxDeletesPerBatch ?? gcMaxDeletesPerBatch, gcMaxDeletesPerBatch);
  assert(Number.isInteger(maxKeysPerBatch) && maxKeysPerBatch > 0, 'maxKeysPerBatch must be a positive integer');
  assert(Number.isInteger(maxDeletesPerBatch) && maxDeletesPerBatch >= 2, 'maxDeletesPerBatch must be an integer of at least 2 (a version and its value)');
  const pause = options.pause ?? (() => nextTurn());
  const end = options.end.length === 0 ? undefined : encodeUserKey(options.end);
  const stats: GcStats = { keysScanned: 0, versionsDeleted: 0, valuesDeleted: 0, batches: 0 };
  const cursor: GcCursor = { resumeAt: encodeUserKey(options.start), currentKey: undefined, state: 'seeking', done: false };
  while (!cursor.done) {
    await store.write(async (reader, txn) => {
      const iterator = reader.engine.iterator(ColumnFamily.write, { start: cursor.resumeAt, ...(end === undefined ? {} : { end }) });
      let keysInBatch = 0;
      try {
        for (;;) {
          const entries = await iterator.next(gcCursorBatchEntries);
          if (entries.length === 0) {
            cursor.done = true;
            return;
          }
          for (const [engineKey, value] of entries) {
            if (txn.modifications.length + 2 > maxDeletesPerBatch) {
              // The batch is full (one more version may take two deletions). When this is
              // the middle of a key, its state carries over to the next batch.
              cursor.resumeAt = copyBytes(engineKey);
              return;
            }
            const { encodedUserKey, ts: commitTs } = splitMvccKey(engineKey);
            if (cursor.currentKey === undefined || compareBytes(cursor.currentKey, encodedUserKey) !== 0) {
              if (keysInBatch >= maxKeysPerBatch) {
                cursor.resumeAt = copyBytes(engineKey);
                return;
              }
              cursor.currentKey = copyBytes(encodedUserKey);
              cursor.state = 'seeking';
              keysInBatch++;
              stats.keysScanned++;
            }
            const write = decodeWrite(value);
            const decision = gcDecision(cursor.state, commitTs, write, options.safePoint);
            if (decision.remove) removeVersion(txn, encodedUserKey, commitTs, write, stats);
            cursor.state = decision.next;
          }
        }
      } finally {
        await iterator.close();
      }
    });
    stats.batches++;
    if (!cursor.done) await pause();
  }
  return stats;
}
