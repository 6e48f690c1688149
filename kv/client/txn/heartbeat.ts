import { encodeUserKey } from '../../../common/codec/mvcc-key.js';
import type { RegionClient } from '../region-client.js';

/** The longest a transaction's locks are kept alive by heartbeats (TiDB's max-txn-ttl). */
const maxTxnTtlMs = 60 * 60_000;

/**
 * Keeps a transaction's primary lock alive (TxnHeartBeat every half TTL, each asking
 * for the time elapsed plus a TTL), so readers do not take a slow or long transaction for
 * an abandoned one. After an hour it lets go: the locks then expire. Returns the stop.
 */
export function startPrimaryHeartbeat(client: RegionClient, primary: Uint8Array, startTs: bigint, lockTtlMs: number, onError: (error: unknown) => void): () => void {
  const started = Date.now();
  const timer = setInterval(() => {
    if (Date.now() - started > maxTxnTtlMs) {
      clearInterval(timer);
      return;
    }
    client
      .toKey(encodeUserKey(primary), 'txnHeartBeat', { primaryLock: Buffer.from(primary), startVersion: startTs, adviseLockTtl: BigInt(Date.now() - started + lockTtlMs) })
      .catch(onError);
  }, Math.max(50, Math.floor(lockTtlMs / 2)));
  timer.unref();
  return () => clearInterval(timer);
}
