import { encodeUserKey } from '../../../common/codec/mvcc-key.js';
import * as kvrpcpb from '../../../proto/gen/kvrpcpb.js';
import { LockWaitTimeoutError } from '../errors.js';
import { keyId } from '../../../common/codec/bytes.js';
import type { RegionClient } from '../region-client.js';
import { classifyKeyError } from './key-errors.js';
import type { LockResolver } from './lock-resolver.js';

export interface PessimisticLockRequest {
  readonly startTs: bigint;
  readonly forUpdateTs: bigint;
  readonly primary: Uint8Array;
  readonly keys: readonly Uint8Array[];
  /** The transaction holds no lock yet: no one can be waiting for it, so no deadlock check. */
  readonly isFirstLock: boolean;
  /** Wire convention: negative = do not wait, 0 = the store's default. */
  readonly waitTimeoutMs: bigint;
  readonly lockTtlMs: number;
  /** Told of each part's keys as soon as they are locked, so a later failure cannot orphan them. */
  readonly onLocked: (keys: readonly Uint8Array[]) => void;
}

/**
 * Takes pessimistic locks on `keys` (KvPessimisticLock, by region, in parallel) and
 * answers each key's current value (undefined: absent). The store waits for conflicting
 * locks itself and refuses deadlocks; a lock still held when the wait ends is checked
 * once (an abandoned transaction's expired lock is rolled back and the request retried),
 * else the request fails with LockWaitTimeoutError. A commit newer than forUpdateTs
 * throws WriteConflictError, for the caller to retry with a fresh forUpdateTs.
 */
export async function lockKeysPessimistically(client: RegionClient, resolver: LockResolver, request: PessimisticLockRequest): Promise<Map<string, Uint8Array | undefined>> {
  const values = new Map<string, Uint8Array | undefined>();
  await client.byRegion(
    request.keys,
    (key) => encodeUserKey(key),
    (key) => key.length,
    async (location, part, backoffer) => {
      const response = await client.sender.attempt(location, backoffer, 'pessimisticLock', {
        mutations: part.map((key) => kvrpcpb.Mutation.create({ op: kvrpcpb.Op.PessimisticLock, key: Buffer.from(key) })),
        primaryLock: Buffer.from(request.primary),
        startVersion: request.startTs,
        lockTtl: BigInt(request.lockTtlMs),
        forUpdateTs: request.forUpdateTs,
        isFirstLock: request.isFirstLock,
        waitTimeoutMs: request.waitTimeoutMs,
        returnValues: true,
        minCommitTs: 0n,
      }, { timeoutMs: requestTimeoutMs(request.waitTimeoutMs) });
      if (response === undefined) return undefined;
      if (response.errors.length > 0) {
        const locks: kvrpcpb.LockInfo[] = [];
        for (const error of response.errors) {
          const kind = classifyKeyError(error);
          if ('fatal' in kind) throw kind.fatal;
          locks.push(kind.lock);
        }
        const outcome = await resolver.resolve(locks, request.startTs, backoffer);
        if (!outcome.allResolved) throw new LockWaitTimeoutError(locks[0]!.key);
        return undefined;
      }
      request.onLocked(part);
      part.forEach((key, index) => values.set(keyId(key), response.notFounds[index] === true ? undefined : response.values[index]));
      return response;
    },
  );
  return values;
}

/** The store holds a lock request up to its wait (capped at 60 s; 0 means its 1 s default): wait longer than that for the answer. */
function requestTimeoutMs(waitTimeoutMs: bigint): number {
  const wait = waitTimeoutMs <= 0n ? 1_000 : Math.min(Number(waitTimeoutMs), 60_000);
  return Math.max(10_000, wait + 5_000);
}

/** Releases pessimistic locks a transaction took and will not commit (KvPessimisticRollback). */
export async function releasePessimisticLocks(client: RegionClient, startTs: bigint, forUpdateTs: bigint, keys: readonly Uint8Array[]): Promise<void> {
  if (keys.length === 0) return;
  await client.byRegion(
    keys,
    (key) => encodeUserKey(key),
    (key) => key.length,
    async (location, part, backoffer) => client.sender.attempt(location, backoffer, 'pessimisticRollback', { startVersion: startTs, forUpdateTs, keys: part.map((key) => Buffer.from(key)) }),
  );
}
