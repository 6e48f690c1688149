import type { Timestamp } from '../../../common/ids.js';
import { KeyError } from '../errors.js';
import type { MvccTxn } from '../mvcc-txn.js';
import type { MvccReader } from '../reader.js';

/**
 * Extends the TTL of a live transaction's primary lock (never shortens it). Returns
 * the TTL now in force. A missing lock means the transaction is gone: TxnNotFound.
 */
export async function txnHeartBeat(reader: MvccReader, txn: MvccTxn, primary: Uint8Array, startTs: Timestamp, adviseTtlMs: bigint): Promise<bigint> {
  const lock = await reader.loadLock(primary);
  if (lock === undefined || lock.startTs !== startTs) throw new KeyError({ kind: 'txn-not-found', primary, startTs });
  if (adviseTtlMs <= lock.ttlMs) return lock.ttlMs;
  txn.putLock(primary, { ...lock, ttlMs: adviseTtlMs });
  return adviseTtlMs;
}
