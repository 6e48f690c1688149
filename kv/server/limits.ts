import { assert } from '../../common/assert.js';

/** The most entries one KvScan, RawScan or KvScanLock answers; a larger limit is capped. */
export const scanMaxLimit = 10_240;

/** How many locks one step of a region-wide ResolveLock scans and resolves at a time. */
export const resolveLockBatchKeys = 256;

/** The most keys or mutations one transactional request may carry. */
export const requestMaxKeys = 65_536;

assert(resolveLockBatchKeys <= scanMaxLimit, 'a resolve batch is one lock scan');
