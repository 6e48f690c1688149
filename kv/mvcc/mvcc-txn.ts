import { appendTimestamp, encodeMvccKey, encodeUserKey } from '../../common/codec/mvcc-key.js';
import type { Timestamp } from '../../common/ids.js';
import { ColumnFamily, type WriteBatch } from '../engine/engine.js';
import { assert } from '../../common/assert.js';
import { encodeLatestWrite, encodeLock, encodeWrite, type Lock, type Write, WriteType } from './txn-types.js';

export type Modification =
  | { readonly kind: 'put'; readonly cf: ColumnFamily; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly kind: 'delete'; readonly cf: ColumnFamily; readonly key: Uint8Array };

/**
 * The writes one transactional command produces, as plain modifications: the caller
 * applies them as one atomic engine batch (or ships them as one Raft command).
 */
export class MvccTxn {
  readonly modifications: Modification[] = [];
  sizeBytes = 0;

  private add(modification: Modification): void {
    this.modifications.push(modification);
    this.sizeBytes += modification.key.length + (modification.kind === 'put' ? modification.value.length : 0);
  }

  putLock(key: Uint8Array, lock: Lock): void {
    this.add({ kind: 'put', cf: ColumnFamily.lock, key: encodeUserKey(key), value: encodeLock(lock) });
  }

  unlockKey(key: Uint8Array): void {
    this.add({ kind: 'delete', cf: ColumnFamily.lock, key: encodeUserKey(key) });
  }

  putValue(key: Uint8Array, startTs: Timestamp, value: Uint8Array): void {
    this.add({ kind: 'put', cf: ColumnFamily.default, key: encodeMvccKey(key, startTs), value });
  }

  deleteValue(key: Uint8Array, startTs: Timestamp): void {
    this.add({ kind: 'delete', cf: ColumnFamily.default, key: encodeMvccKey(key, startTs) });
  }

  putWrite(key: Uint8Array, commitTs: Timestamp, write: Write): void {
    this.add({ kind: 'put', cf: ColumnFamily.write, key: encodeMvccKey(key, commitTs), value: encodeWrite(write) });
  }

  /**
   * A commit record of a Put or Delete, and the key's CF latest entry with it. Commits
   * on one key land in commit-ts order (each waits for the previous transaction's lock
   * to go, and prewrite refuses a start below the last commit), so this record is the
   * newest data record of the key.
   */
  putDataWrite(key: Uint8Array, commitTs: Timestamp, write: Write): void {
    assert(write.type === WriteType.Put || write.type === WriteType.Delete, 'only Put and Delete records are data records');
    this.putWrite(key, commitTs, write);
    this.add({ kind: 'put', cf: ColumnFamily.latest, key: encodeUserKey(key), value: encodeLatestWrite({ commitTs, write }) });
  }

  /** Drops a key's CF latest entry (GC removed its last data record). */
  deleteEncodedLatest(encodedUserKey: Uint8Array): void {
    this.add({ kind: 'delete', cf: ColumnFamily.latest, key: encodedUserKey });
  }

  deleteWrite(key: Uint8Array, commitTs: Timestamp): void {
    this.add({ kind: 'delete', cf: ColumnFamily.write, key: encodeMvccKey(key, commitTs) });
  }

  /** Deletes a write record given the already encoded user key (used by GC). */
  deleteEncodedWrite(encodedUserKey: Uint8Array, commitTs: Timestamp): void {
    this.add({ kind: 'delete', cf: ColumnFamily.write, key: appendTimestamp(encodedUserKey, commitTs) });
  }

  deleteEncodedValue(encodedUserKey: Uint8Array, startTs: Timestamp): void {
    this.add({ kind: 'delete', cf: ColumnFamily.default, key: appendTimestamp(encodedUserKey, startTs) });
  }

  get isEmpty(): boolean {
    return this.modifications.length === 0;
  }

  /** Adds every modification to an engine batch. */
  writeTo(batch: WriteBatch): void {
    for (const modification of this.modifications) {
      if (modification.kind === 'put') batch.put(modification.cf, modification.key, modification.value);
      else batch.delete(modification.cf, modification.key);
    }
  }
}
