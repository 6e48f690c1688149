import { compareBytes, keyAfter, keyId } from '../../common/codec/bytes.js';
import type * as metapb from '../../proto/gen/metapb.js';
import { KvClientError, KvServerError } from './errors.js';
import { checkKey, checkRange, clipToRegion, scanLimitOf, storeScanMaxLimit, uniqueKeys } from './keys.js';
import { RegionClient, type RegionClientOptions } from './region-client.js';

export interface RawPair {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

export type RawClientOptions = RegionClientOptions;

export interface RawScanOptions {
  /** At most this many pairs (default 10,240, the store's cap per request). */
  readonly limit?: number;
  /** Values are left empty. */
  readonly keyOnly?: boolean;
}

/** The most pairs a store answers per scan request. */

/**
 * TideDB as a key-value store (TiKV's RawKV): every call is routed by key to the
 * region's leader, travels on that store's multiplexed stream, and retries region
 * errors (splits, leader changes, restarts) within a backoff budget. Batch calls split
 * their keys by region and send the parts in parallel; scans continue across regions.
 * Raw keys are separate from transactional ones: the same key in both APIs names two
 * different values.
 */
export class RawClient {
  private constructor(private readonly client: RegionClient) {}

  /** Connects to the cluster through PD (`host:port`, one or several, or comma-separated). */
  static async connect(pdEndpoints: string | readonly string[], options: RawClientOptions = {}): Promise<RawClient> {
    return new RawClient(await RegionClient.connect(pdEndpoints, options));
  }

  close(): void {
    this.client.close();
  }

  /**
   * Splits the regions holding `splitKeys` at those keys (TiDB's pre-split; PD hands out
   * the new regions' ids). Answers the regions the splits produced, in key order.
   */
  splitRegions(splitKeys: readonly Uint8Array[]): Promise<metapb.Region[]> {
    for (const key of splitKeys) checkKey(key, 'a raw key');
    return this.client.splitRegions(splitKeys, { raw: true });
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    checkKey(key, 'a raw key');
    const response = await this.client.toKey(key, 'rawGet', { key: Buffer.from(key), cf: '' });
    throwIfError(response.error);
    return response.notFound ? undefined : response.value;
  }

  /** The pairs of the keys that exist, in key order. */
  async batchGet(keys: readonly Uint8Array[]): Promise<RawPair[]> {
    for (const key of keys) checkKey(key, 'a raw key');
    const parts = await this.client.byRegion(uniqueKeys(keys), (key) => key, (key) => key.length, async (location, part, backoffer) => {
      const response = await this.client.sender.attempt(location, backoffer, 'rawBatchGet', { keys: part.map((key) => Buffer.from(key)), cf: '' });
      if (response !== undefined) throwIfPairError(response.pairs);
      return response?.pairs;
    });
    return parts.flat().map((pair) => ({ key: pair.key, value: pair.value })).sort((a, b) => compareBytes(a.key, b.key));
  }

  async put(key: Uint8Array, value: Uint8Array, options: { ttlSeconds?: number } = {}): Promise<void> {
    checkKey(key, 'a raw key');
    const response = await this.client.toKey(key, 'rawPut', { key: Buffer.from(key), value: Buffer.from(value), cf: '', ttl: ttlOf(options.ttlSeconds), forCas: false });
    throwIfError(response.error);
  }

  async batchPut(pairs: readonly RawPair[], options: { ttlSeconds?: number } = {}): Promise<void> {
    pairs.forEach((pair) => checkKey(pair.key, 'a raw key'));
    const ttl = ttlOf(options.ttlSeconds);
    await this.client.byRegion(lastWriteWins(pairs), (pair) => pair.key, (pair) => pair.key.length + pair.value.length, async (location, part, backoffer) => {
      const response = await this.client.sender.attempt(location, backoffer, 'rawBatchPut', {
        pairs: part.map((pair) => ({ key: Buffer.from(pair.key), value: Buffer.from(pair.value) })),
        cf: '',
        ttls: ttl === 0n ? [] : [ttl],
        forCas: false,
      });
      if (response !== undefined) throwIfError(response.error);
      return response;
    });
  }

  async delete(key: Uint8Array): Promise<void> {
    checkKey(key, 'a raw key');
    const response = await this.client.toKey(key, 'rawDelete', { key: Buffer.from(key), cf: '', forCas: false });
    throwIfError(response.error);
  }

  async batchDelete(keys: readonly Uint8Array[]): Promise<void> {
    for (const key of keys) checkKey(key, 'a raw key');
    await this.client.byRegion(uniqueKeys(keys), (key) => key, (key) => key.length, async (location, part, backoffer) => {
      const response = await this.client.sender.attempt(location, backoffer, 'rawBatchDelete', { keys: part.map((key) => Buffer.from(key)), cf: '', forCas: false });
      if (response !== undefined) throwIfError(response.error);
      return response;
    });
  }

  /** Pairs with start ≤ key < end (an empty end: no upper bound), ascending, across regions. */
  async scan(start: Uint8Array, end: Uint8Array, options: RawScanOptions = {}): Promise<RawPair[]> {
    checkRange(start, end);
    const limit = scanLimitOf(options.limit);
    const backoffer = this.client.backoffer();
    const out: RawPair[] = [];
    let from = start;
    while (out.length < limit) {
      const location = await this.client.cache.locate(from, backoffer);
      const clipped = clipToRegion(end, location.region.endKey);
      const asked = Math.min(limit - out.length, storeScanMaxLimit);
      const response = await this.client.sender.attempt(location, backoffer, 'rawScan', { startKey: Buffer.from(from), endKey: Buffer.from(clipped.end), limit: asked, keyOnly: options.keyOnly ?? false, cf: '', reverse: false });
      if (response === undefined) continue;
      throwIfPairError(response.kvs);
      for (const pair of response.kvs) out.push({ key: pair.key, value: pair.value });
      const last = response.kvs[response.kvs.length - 1];
      // A full answer may have left keys in this region: go on right after the last one.
      if (response.kvs.length === asked && last !== undefined) {
        from = keyAfter(last.key);
        continue;
      }
      // This region is done; the next one starts where it ends, unless the range ends first.
      if (clipped.last) break;
      from = clipped.end;
    }
    return out;
  }

  /** Pairs with end ≤ key < start (client-go's order: start is the upper bound), descending, across regions. */
  async reverseScan(start: Uint8Array, end: Uint8Array, options: RawScanOptions = {}): Promise<RawPair[]> {
    if (start.length > 0 && compareBytes(end, start) > 0) throw new KvClientError('reverseScan needs end ≤ start (start is the exclusive upper bound)');
    const limit = scanLimitOf(options.limit);
    const backoffer = this.client.backoffer();
    const out: RawPair[] = [];
    let upper = start;
    while (out.length < limit) {
      const location = await this.client.cache.locateBefore(upper, backoffer);
      const regionStart = location.region.startKey;
      const lower = compareBytes(end, regionStart) > 0 ? end : regionStart;
      const asked = Math.min(limit - out.length, storeScanMaxLimit);
      const response = await this.client.sender.attempt(location, backoffer, 'rawScan', { startKey: Buffer.from(upper), endKey: Buffer.from(lower), limit: asked, keyOnly: options.keyOnly ?? false, cf: '', reverse: true });
      if (response === undefined) continue;
      throwIfPairError(response.kvs);
      for (const pair of response.kvs) out.push({ key: pair.key, value: pair.value });
      const last = response.kvs[response.kvs.length - 1];
      if (response.kvs.length === asked && last !== undefined) {
        // The upper bound is exclusive: the next request ends just below the last key.
        upper = last.key;
        continue;
      }
      if (regionStart.length === 0 || compareBytes(regionStart, end) <= 0) break;
      upper = regionStart;
    }
    return out;
  }

  /** Deletes every key with start ≤ key < end (an empty end: no upper bound), region by region. */
  async deleteRange(start: Uint8Array, end: Uint8Array): Promise<void> {
    checkRange(start, end);
    const backoffer = this.client.backoffer();
    let from = start;
    for (;;) {
      const location = await this.client.cache.locate(from, backoffer);
      const clipped = clipToRegion(end, location.region.endKey);
      const response = await this.client.sender.attempt(location, backoffer, 'rawDeleteRange', { startKey: Buffer.from(from), endKey: Buffer.from(clipped.end), cf: '' });
      if (response === undefined) continue;
      throwIfError(response.error);
      if (clipped.last) return;
      from = clipped.end;
    }
  }

  /**
   * Sets `key` to `value` if its current value is `previous` (undefined: the key must not
   * exist). Answers whether it did, and the value found either way.
   */
  async compareAndSwap(key: Uint8Array, previous: Uint8Array | undefined, value: Uint8Array, options: { ttlSeconds?: number } = {}): Promise<{ succeeded: boolean; previous: Uint8Array | undefined }> {
    checkKey(key, 'a raw key');
    const response = await this.client.toKey(key, 'rawCompareAndSwap', {
      key: Buffer.from(key),
      value: Buffer.from(value),
      previousNotExist: previous === undefined,
      previousValue: Buffer.from(previous ?? new Uint8Array(0)),
      cf: '',
      ttl: ttlOf(options.ttlSeconds),
    });
    throwIfError(response.error);
    return { succeeded: response.succeed, previous: response.previousNotExist ? undefined : response.previousValue };
  }

  /** Seconds until `key` expires: 0 if it never does, undefined if it does not exist. */
  async getKeyTTL(key: Uint8Array): Promise<number | undefined> {
    checkKey(key, 'a raw key');
    const response = await this.client.toKey(key, 'rawGetKeyTtl', { key: Buffer.from(key), cf: '' });
    throwIfError(response.error);
    return response.notFound ? undefined : Number(response.ttl);
  }
}


function ttlOf(ttlSeconds: number | undefined): bigint {
  if (ttlSeconds === undefined || ttlSeconds === 0) return 0n;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 0) throw new KvClientError(`a TTL is a whole number of seconds, got ${ttlSeconds}`);
  return BigInt(ttlSeconds);
}

/** A store reports a failed read as a pair carrying an error (and no key): never data. */
function throwIfPairError(pairs: ReadonlyArray<{ readonly error?: { readonly abort: string } | undefined }>): void {
  const failed = pairs.find((pair) => pair.error !== undefined);
  if (failed !== undefined) throw new KvServerError(failed.error!.abort || 'the store failed the read');
}

function throwIfError(error: string): void {
  if (error !== '') throw new KvServerError(error);
}

/** A key given twice in one batch keeps its last value, as a sequence of puts would. */
function lastWriteWins(pairs: readonly RawPair[]): RawPair[] {
  const byKey = new Map<string, RawPair>();
  for (const pair of pairs) byKey.set(keyId(pair.key), pair);
  return [...byKey.values()];
}
