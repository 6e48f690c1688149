import { assert } from '../../common/assert.js';

/**
 * Bounds of the MVCC layer, in one place so their relations can be checked at load.
 * Every queue, batch and retry loop in kv/mvcc takes its limit from here.
 */

/** The most distinct keys one command may latch (a prewrite of a large batch). */
export const latchMaxKeysPerCommand = 1 << 16;

/** How many times a read re-checks the in-memory locks after waiting for one to go away. */
export const memoryLockMaxWaitRounds = 10_000;

/** GC: user keys whose versions one batch examines, unless the caller asks for fewer. */
export const gcDefaultMaxKeysPerBatch = 256;
/** GC: deletions one batch may hold; a key with more old versions spans several batches. */
export const gcMaxDeletesPerBatch = 4096;
/** GC: write-CF entries read from the engine per cursor call. */
export const gcCursorBatchEntries = 256;

/** Raw KV: the most keys one batch request may name. */
export const rawBatchMaxKeys = 10_000;
/** Raw KV: the most entries one scan may return. */
export const rawScanMaxLimit = 10_240;
/** Raw KV: the longest TTL (about 100 years), so expiry arithmetic stays exact in a JS number. */
export const rawTtlMaxSeconds = 100 * 365 * 24 * 3600;
/** Raw KV: entries one TTL cleanup batch examines before writing its deletions. */
export const rawCleanupBatchEntries = 1024;

assert(gcMaxDeletesPerBatch >= gcDefaultMaxKeysPerBatch, 'a GC batch must be able to delete one version of every key it scans');
assert(rawBatchMaxKeys <= latchMaxKeysPerCommand, 'a raw batch must fit in one latch acquisition');
assert(rawCleanupBatchEntries <= latchMaxKeysPerCommand, 'a raw cleanup batch must fit in one latch acquisition');
assert(Number.isSafeInteger(rawTtlMaxSeconds * 1000 * 2), 'expiry times must stay exact');

/** Point gets served together in one batch at most; a fuller queue flushes at once. */
export const pointGetBatchMaxKeys = 1024;
/** Multi-gets one point-get batch splits into (libuv runs 4 engine calls in parallel by default). */
export const pointGetParallelReads = 4;
/** A batch splits off another multi-get only for at least this many keys per part. */
export const pointGetMinKeysPerRead = 8;
