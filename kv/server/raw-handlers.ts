import * as kvrpcpb from '../../proto/gen/kvrpcpb.js';
import { rawBatchMaxKeys, rawScanMaxLimit, rawTtlMaxSeconds } from '../mvcc/limits.js';
import type { RawPutEntry } from '../mvcc/raw/raw-store.js';
import type { RaftRawKv } from '../raftstore/raft-raw-kv.js';
import type { RaftStore } from '../raftstore/raft-store.js';
import { type Failure, InvalidRequestError, stringErrorFields } from './kv-errors.js';
import { guarded, type KvHandlers } from './kv-handlers.js';
import { checkRawKeysInRegion, intersectRanges, limitOf, rawRangeOfRegion, regionContextOf, requireKey, scanRangeOf } from './request-scope.js';

export type RawCommandName =
  | 'rawGet'
  | 'rawBatchGet'
  | 'rawPut'
  | 'rawBatchPut'
  | 'rawDelete'
  | 'rawBatchDelete'
  | 'rawScan'
  | 'rawDeleteRange'
  | 'rawCompareAndSwap'
  | 'rawGetKeyTtl';

const empty = Buffer.alloc(0);

/** Raw KV lives in its own column family; TiKV's cf names map onto it only as the default. */
function checkColumnFamily(cf: string): void {
  if (cf !== '' && cf !== 'default') throw new InvalidRequestError(`column family "${cf}" is not supported for raw KV (only "default")`);
}

function ttlSecondsOf(ttl: bigint): number {
  if (ttl < 0n || ttl > BigInt(rawTtlMaxSeconds)) throw new InvalidRequestError(`ttl must be in 0..${rawTtlMaxSeconds} seconds, got ${ttl}`);
  return Number(ttl);
}

function requireRawKeys(keys: readonly Uint8Array[]): Uint8Array[] {
  if (keys.length === 0) throw new InvalidRequestError('keys must not be empty');
  if (keys.length > rawBatchMaxKeys) throw new InvalidRequestError(`a raw batch may hold at most ${rawBatchMaxKeys} keys, got ${keys.length}`);
  return keys.map((key) => requireKey(key, 'every raw key'));
}

/** Responses without an error string carry a non-region failure as one pair's error (as TiKV does). */
function pairsFailure(failure: Failure): { regionError?: kvrpcpb.RawScanResponse['regionError']; pairs: kvrpcpb.KvPair[] } {
  const fields = stringErrorFields(failure);
  if (fields.regionError !== undefined) return { regionError: fields.regionError, pairs: [] };
  return { pairs: [{ key: empty, value: empty, error: kvrpcpb.KeyError.create({ abort: fields.error }) }] };
}

/** Raw KV commands: reads after the read barrier, writes proposed through Raft. */
export function createRawHandlers(store: RaftStore, raw: RaftRawKv): Pick<KvHandlers, RawCommandName> {
  return {
    rawGet: guarded(
      async (request: kvrpcpb.RawGetRequest) => {
        const context = regionContextOf(request.context);
        checkColumnFamily(request.cf);
        const key = requireKey(request.key);
        checkRawKeysInRegion(store, context, [key]);
        const value = await raw.get(context, key);
        return kvrpcpb.RawGetResponse.create({ value: value === undefined ? empty : Buffer.from(value), notFound: value === undefined });
      },
      (failure) => kvrpcpb.RawGetResponse.create(stringErrorFields(failure)),
    ),

    rawBatchGet: guarded(
      async (request: kvrpcpb.RawBatchGetRequest) => {
        const context = regionContextOf(request.context);
        checkColumnFamily(request.cf);
        const keys = requireRawKeys(request.keys);
        checkRawKeysInRegion(store, context, keys);
        const entries = await raw.batchGet(context, keys);
        return kvrpcpb.RawBatchGetResponse.create({ pairs: entries.map((entry) => ({ key: Buffer.from(entry.key), value: Buffer.from(entry.value) })) });
      },
      (failure) => kvrpcpb.RawBatchGetResponse.create(pairsFailure(failure)),
    ),

    rawPut: guarded(
      async (request: kvrpcpb.RawPutRequest) => {
        const context = regionContextOf(request.context);
        checkColumnFamily(request.cf);
        const key = requireKey(request.key);
        await raw.batchPut(context, [{ key, value: request.value, ttlSeconds: ttlSecondsOf(request.ttl) }]);
        return kvrpcpb.RawPutResponse.create({});
      },
      (failure) => kvrpcpb.RawPutResponse.create(stringErrorFields(failure)),
    ),

    rawBatchPut: guarded(
      async (request: kvrpcpb.RawBatchPutRequest) => {
        const context = regionContextOf(request.context);
        checkColumnFamily(request.cf);
        const pairs = request.pairs;
        requireRawKeys(pairs.map((pair) => pair.key));
        const ttls = request.ttls;
        // No TTLs, one for every pair, or one per pair.
        if (ttls.length > 1 && ttls.length !== pairs.length) throw new InvalidRequestError(`ttls has ${ttls.length} entries for ${pairs.length} pairs`);
        const entries: RawPutEntry[] = pairs.map((pair, index) => ({ key: pair.key, value: pair.value, ttlSeconds: ttlSecondsOf(ttls[ttls.length === 1 ? 0 : index] ?? 0n) }));
        await raw.batchPut(context, entries);
        return kvrpcpb.RawBatchPutResponse.create({});
      },
      (failure) => kvrpcpb.RawBatchPutResponse.create(stringErrorFields(failure)),
    ),

    rawDelete: guarded(
      async (request: kvrpcpb.RawDeleteRequest) => {
        const context = regionContextOf(request.context);
        checkColumnFamily(request.cf);
        await raw.batchDelete(context, [requireKey(request.key)]);
        return kvrpcpb.RawDeleteResponse.create({});
      },
      (failure) => kvrpcpb.RawDeleteResponse.create(stringErrorFields(failure)),
    ),

    rawBatchDelete: guarded(
      async (request: kvrpcpb.RawBatchDeleteRequest) => {
        const context = regionContextOf(request.context);
        checkColumnFamily(request.cf);
        await raw.batchDelete(context, requireRawKeys(request.keys));
        return kvrpcpb.RawBatchDeleteResponse.create({});
      },
      (failure) => kvrpcpb.RawBatchDeleteResponse.create(stringErrorFields(failure)),
    ),

    rawScan: guarded(
      async (request: kvrpcpb.RawScanRequest) => {
        const context = regionContextOf(request.context);
        checkColumnFamily(request.cf);
        const range = intersectRanges(scanRangeOf(request.startKey, request.endKey, request.reverse), rawRangeOfRegion(store, context));
        const entries = await raw.scan(context, { start: range.start, end: range.end, limit: limitOf(request.limit, rawScanMaxLimit), reverse: request.reverse, keyOnly: request.keyOnly });
        return kvrpcpb.RawScanResponse.create({ kvs: entries.map((entry) => ({ key: Buffer.from(entry.key), value: Buffer.from(entry.value) })) });
      },
      (failure) => {
        const { regionError, pairs } = pairsFailure(failure);
        return kvrpcpb.RawScanResponse.create({ ...(regionError === undefined ? {} : { regionError }), kvs: pairs });
      },
    ),

    rawDeleteRange: guarded(
      async (request: kvrpcpb.RawDeleteRangeRequest) => {
        const context = regionContextOf(request.context);
        checkColumnFamily(request.cf);
        if (request.endKey.length > 0 && Buffer.compare(request.startKey, request.endKey) >= 0) {
          throw new InvalidRequestError('RawDeleteRange needs start_key before end_key (an empty end_key means no upper bound)');
        }
        await raw.deleteRange(context, request.startKey, request.endKey);
        return kvrpcpb.RawDeleteRangeResponse.create({});
      },
      (failure) => kvrpcpb.RawDeleteRangeResponse.create(stringErrorFields(failure)),
    ),

    rawCompareAndSwap: guarded(
      async (request: kvrpcpb.RawCASRequest) => {
        const context = regionContextOf(request.context);
        checkColumnFamily(request.cf);
        const key = requireKey(request.key);
        checkRawKeysInRegion(store, context, [key]);
        const result = await raw.compareAndSwap(context, {
          key,
          value: request.value,
          previousNotExist: request.previousNotExist,
          ...(request.previousNotExist ? {} : { previousValue: request.previousValue }),
          ttlSeconds: ttlSecondsOf(request.ttl),
        });
        return kvrpcpb.RawCASResponse.create({
          succeed: result.succeeded,
          previousNotExist: result.previousNotExist,
          previousValue: result.previousValue === undefined ? empty : Buffer.from(result.previousValue),
        });
      },
      (failure) => kvrpcpb.RawCASResponse.create(stringErrorFields(failure)),
    ),

    rawGetKeyTtl: guarded(
      async (request: kvrpcpb.RawGetKeyTTLRequest) => {
        const context = regionContextOf(request.context);
        checkColumnFamily(request.cf);
        const key = requireKey(request.key);
        checkRawKeysInRegion(store, context, [key]);
        const ttl = await raw.getKeyTtl(context, key);
        if (ttl.kind === 'not-found') return kvrpcpb.RawGetKeyTTLResponse.create({ notFound: true });
        return kvrpcpb.RawGetKeyTTLResponse.create({ ttl: BigInt(ttl.remainingSeconds ?? 0) });
      },
      (failure) => kvrpcpb.RawGetKeyTTLResponse.create(stringErrorFields(failure)),
    ),
  };
}
