import { compareBytes } from '../../common/codec/bytes.js';
import { maxTimestamp, type Timestamp } from '../../common/ids.js';
import { KeyError, lockInfo } from './errors.js';
import { type Lock, LockType } from './txn-types.js';

/**
 * Whether a snapshot read at `readTs` must wait for `lock` (Percolator's read rule, as
 * TiKV applies it). A lock blocks when its transaction might commit at or below readTs:
 * - a lock from a later start, a pessimistic lock or a Lock-type lock never blocks;
 * - a lock whose minCommitTs is above readTs (pushed by CheckTxnStatus, or async
 *   commit) will commit above readTs, so it does not block;
 * - locks of transactions the reader already resolved (`bypassLocks`) do not block;
 * - a read at the max timestamp of a primary key (not async commit) reads the last
 *   committed value: the primary's own lock is the commit point.
 * Throws KeyError 'key-is-locked' when it blocks.
 */
export function checkLockForRead(key: Uint8Array, lock: Lock, readTs: Timestamp, bypassLocks: ReadonlySet<bigint> = emptySet, readerStartTs?: Timestamp): void {
  if (lock.startTs > readTs) return;
  if (lock.type === LockType.Lock || lock.type === LockType.Pessimistic) return;
  if (lock.minCommitTs > readTs) return;
  if (bypassLocks.has(lock.startTs)) return;
  // A transaction reads its own writes through its buffer, never through its locks.
  if (readerStartTs !== undefined && lock.startTs === readerStartTs) return;
  if (readTs === maxTimestamp && !lock.useAsyncCommit && compareBytes(key, lock.primary) === 0) return;
  throw new KeyError({ kind: 'key-is-locked', lock: lockInfo(key, lock) });
}

const emptySet: ReadonlySet<bigint> = new Set();
