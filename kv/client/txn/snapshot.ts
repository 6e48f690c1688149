import { compareBytes, keyAfter, smallestDecodedAtOrAfter } from '../../../common/codec/bytes.js';
import { encodeUserKey } from '../../../common/codec/mvcc-key.js';
import type * as kvrpcpb from '../../../proto/gen/kvrpcpb.js';
import type { Backoffer } from '../backoff.js';
import { checkKey, checkRange, scanLimitOf, storeScanMaxLimit, uniqueKeys } from '../keys.js';
import type { RegionClient } from '../region-client.js';
import { classifyKeyError } from './key-errors.js';
import type { LockResolver } from './lock-resolver.js';

export interface KvPair {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** The most pairs a store answers per scan request. */

/**
 * A consistent view of the transactional data at one timestamp: what every transaction
 * committed before `ts` and nothing after. A lock met on the way is resolved (its
 * transaction's fate settled) and the read retried; a live transaction's lock makes the
 * read wait with backoff. Keys route by their memcomparable encoding.
 */
export class Snapshot {
  /** Transactions whose locks this snapshot may read past (their commit ts was pushed beyond ts). */
  private readonly bypass = new Set<bigint>();

  constructor(
    private readonly client: RegionClient,
    private readonly resolver: LockResolver,
    readonly ts: bigint,
  ) {}

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    checkKey(key);
    const backoffer = this.client.backoffer();
    for (;;) {
      const response = await this.client.toKey(encodeUserKey(key), 'get', { key: Buffer.from(key), version: this.ts }, { backoffer, context: this.context() });
      if (response.error === undefined) return response.notFound ? undefined : response.value;
      await this.handleKeyErrors([response.error], backoffer);
    }
  }

  /** The pairs of the keys that exist, in key order. */
  async batchGet(keys: readonly Uint8Array[]): Promise<KvPair[]> {
    for (const key of keys) checkKey(key);
    const backoffer = this.client.backoffer();
    const found: KvPair[] = [];
    let pending = uniqueKeys(keys);
    while (pending.length > 0) {
      const locked: Uint8Array[] = [];
      const errors: kvrpcpb.KeyError[] = [];
      await this.client.byRegion(
        pending,
        (key) => encodeUserKey(key),
        (key) => key.length,
        async (location, part, attemptBackoffer) => {
          const response = await this.client.sender.attempt(location, attemptBackoffer, 'batchGet', { keys: part.map((key) => Buffer.from(key)), version: this.ts }, { context: this.context() });
          if (response === undefined) return undefined;
          if (response.error !== undefined) {
            errors.push(response.error);
            locked.push(...part);
            return response;
          }
          for (const pair of response.pairs) {
            if (pair.error !== undefined) {
              errors.push(pair.error);
              locked.push(pair.key);
            } else found.push({ key: pair.key, value: pair.value });
          }
          return response;
        },
        backoffer,
      );
      if (errors.length > 0) await this.handleKeyErrors(errors, backoffer);
      pending = locked;
    }
    return found.sort((a, b) => compareBytes(a.key, b.key));
  }

  /** Pairs with start ≤ key < end (an empty end: no upper bound), ascending, across regions. */
  async scan(start: Uint8Array, end: Uint8Array, options: { limit?: number; keyOnly?: boolean } = {}): Promise<KvPair[]> {
    checkRange(start, end);
    const limit = scanLimitOf(options.limit);
    const backoffer = this.client.backoffer();
    const out: KvPair[] = [];
    let from = start;
    let route = encodeUserKey(start);
    while (out.length < limit) {
      const location = await this.client.cache.locate(route, backoffer);
      const asked = Math.min(limit - out.length, storeScanMaxLimit);
      const response = await this.client.sender.attempt(location, backoffer, 'scan', { startKey: Buffer.from(from), endKey: Buffer.from(end), limit: asked, version: this.ts, keyOnly: options.keyOnly ?? false, reverse: false }, { context: this.context() });
      if (response === undefined) continue;
      const errors = [...(response.error === undefined ? [] : [response.error]), ...response.pairs.flatMap((pair) => (pair.error === undefined ? [] : [pair.error]))];
      if (errors.length > 0) {
        // Settle the locks, then read this part again.
        await this.handleKeyErrors(errors, backoffer);
        continue;
      }
      for (const pair of response.pairs) out.push({ key: pair.key, value: pair.value });
      const last = response.pairs[response.pairs.length - 1];
      if (last !== undefined) from = keyAfter(last.key);
      // A full answer may have left keys in this region (the store answers only this
      // region's keys: its range in user keys is exact, raw-key bounds included).
      if (response.pairs.length === asked && last !== undefined) continue;
      const regionEnd = location.region.endKey;
      if (regionEnd.length === 0) break;
      // The next region starts at this one's end; user keys from `from` on that precede
      // it were all read here, so asking the next region from `from` repeats nothing.
      const next = smallestDecodedAtOrAfter(regionEnd);
      if (compareBytes(next, from) > 0) from = next;
      if (end.length > 0 && compareBytes(from, end) >= 0) break;
      route = regionEnd;
    }
    return out;
  }

  /** Resolves the locks among `errors` and waits if some are still held; throws any other error. */
  private async handleKeyErrors(errors: readonly kvrpcpb.KeyError[], backoffer: Backoffer): Promise<void> {
    const locks: kvrpcpb.LockInfo[] = [];
    for (const error of errors) {
      const kind = classifyKeyError(error);
      if ('fatal' in kind) throw kind.fatal;
      locks.push(kind.lock);
    }
    const outcome = await this.resolver.resolve(locks, this.ts, backoffer);
    for (const ts of outcome.pushed) this.bypass.add(ts);
    if (!outcome.allResolved) await backoffer.backoff('txnLockFast', `waiting for ${locks.length} lock(s), e.g. of txn ${locks[0]?.lockVersion}`);
  }

  private context(): Partial<kvrpcpb.Context> {
    return this.bypass.size === 0 ? {} : { resolvedLocks: [...this.bypass] };
  }
}

