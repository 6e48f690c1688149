import { assert } from '../../common/assert.js';
import { asTimestamp, type Timestamp, zeroTimestamp } from '../../common/ids.js';
import { commitOnePc, type Mutation, prewriteKey, type PrewriteProps } from './actions/prewrite.js';
import type { LatchedMvccStore } from './latched-store.js';

export interface PrewriteRequest {
  /** The keys of this batch (one region's share of the transaction). */
  readonly mutations: readonly Mutation[];
  /** The transaction's properties; the store supplies maxReadTs. */
  readonly props: Omit<PrewriteProps, 'maxReadTs'>;
  /** Per mutation: the key holds a pessimistic lock of this transaction. Absent: none do. */
  readonly isPessimisticLock?: readonly boolean[];
  readonly sync?: boolean;
}

export interface PrewriteResponse {
  /**
   * Async commit and 1PC: the largest minCommitTs of this batch's keys (the
   * transaction commits at the largest over all batches). 0 for a plain prewrite.
   */
  readonly minCommitTs: Timestamp;
  /** 1PC: the ts the batch was committed at. Undefined unless `props.tryOnePc`. */
  readonly onePcCommitTs?: Timestamp;
}

/**
 * The Prewrite command: prewrites every mutation of the batch in one atomic write
 * under the latches of all its keys. If any key fails, the command throws that
 * KeyError and writes nothing. With 1PC (`tryOnePc`, the batch holds the whole
 * transaction) the keys are committed at once, at the largest minCommitTs.
 *
 * Async commit and 1PC take their minCommitTs from the store's max read ts, and keep
 * their keys in the concurrency manager's memory lock table until the write has landed,
 * so no read can slip between choosing the commit ts and the locks becoming visible.
 */
export async function prewrite(store: LatchedMvccStore, request: PrewriteRequest): Promise<PrewriteResponse> {
  const { mutations, props } = request;
  assert(mutations.length > 0, 'a prewrite needs at least one mutation');
  assert(request.isPessimisticLock === undefined || request.isPessimisticLock.length === mutations.length, 'one pessimistic flag per mutation');
  const keys = mutations.map((mutation) => mutation.key);
  const usesMaxTs = props.useAsyncCommit || props.tryOnePc;
  return store.latches.withLatches(keys, async () => {
    const guard = usesMaxTs ? store.concurrency.lockKeys(keys, props.startTs) : undefined;
    // Read in the same synchronous step as the registration above (see ConcurrencyManager).
    const maxReadTs = usesMaxTs ? store.concurrency.maxTs() : zeroTimestamp;
    try {
      return await store.mvcc.write(
        async (reader, txn) => {
          const fullProps: PrewriteProps = { ...props, maxReadTs };
          let minCommitTs: bigint = 0n;
          for (let index = 0; index < mutations.length; index++) {
            const result = await prewriteKey(reader, txn, fullProps, mutations[index]!, request.isPessimisticLock?.[index] ?? false);
            if (result.minCommitTs > minCommitTs) minCommitTs = result.minCommitTs;
          }
          if (!usesMaxTs) return { minCommitTs: zeroTimestamp };
          if (!props.tryOnePc) return { minCommitTs: asTimestamp(minCommitTs) };
          // A batch of existence checks only still needs a commit ts above its start.
          const commitTs = asTimestamp(minCommitTs > props.startTs ? minCommitTs : props.startTs + 1n);
          commitOnePc(txn, props.startTs, commitTs, mutations);
          return { minCommitTs: commitTs, onePcCommitTs: commitTs };
        },
        { sync: request.sync ?? false },
      );
    } finally {
      guard?.release();
    }
  });
}
