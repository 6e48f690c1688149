import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { asTimestamp } from '../../../common/ids.js';
import { type AnomalyKind, type ClientOutcome, type History, type TxnHistory, verifyHistory, type WriteOp } from './history.js';

const ts = (value: number) => asTimestamp(BigInt(value));

interface TxnSpec {
  id: number;
  start: number;
  /** Commit ts in the store (all keys), or undefined: not committed. */
  commit?: number;
  reads?: Record<string, string | undefined>;
  writes?: Record<string, string | 'delete' | 'lock'>;
  client?: ClientOutcome;
  /** Override the store's verdict per key. */
  records?: Record<string, number | undefined>;
}

function txn(spec: TxnSpec): TxnHistory {
  const writes = new Map<string, WriteOp>();
  for (const [key, value] of Object.entries(spec.writes ?? {})) writes.set(key, value === 'delete' ? { kind: 'delete' } : value === 'lock' ? { kind: 'lock' } : { kind: 'put', value });
  const storeRecords = new Map<string, { kind: 'committed'; commitTs: ReturnType<typeof ts> } | { kind: 'not-committed' }>();
  for (const key of writes.keys()) {
    const commit = spec.records !== undefined && key in spec.records ? spec.records[key] : spec.commit;
    storeRecords.set(key, commit === undefined ? { kind: 'not-committed' } : { kind: 'committed', commitTs: ts(commit) });
  }
  const client: ClientOutcome = spec.client ?? (writes.size === 0 ? { kind: 'read-only' } : spec.commit === undefined ? { kind: 'aborted', reason: 'test' } : { kind: 'committed', commitTs: ts(spec.commit) });
  return {
    id: spec.id,
    startTs: ts(spec.start),
    mode: 'test',
    reads: Object.entries(spec.reads ?? {}).map(([key, value]) => ({ key, value })),
    writes,
    client,
    storeRecords,
  };
}

function kinds(specs: TxnSpec[], finalState: Record<string, string | undefined>): AnomalyKind[] {
  const history: History = { keys: ['x', 'y'], txns: specs.map(txn), finalState: new Map(Object.entries(finalState)) };
  return verifyHistory(history).map((anomaly) => anomaly.kind);
}

describe('snapshot isolation history verifier', () => {
  test('a snapshot-isolated history has no anomaly (including write skew, which SI allows)', () => {
    assert.deepEqual(
      kinds(
        [
          { id: 1, start: 1, commit: 2, writes: { x: 'x1', y: 'y1' } },
          { id: 2, start: 3, commit: 6, reads: { x: 'x1', y: 'y1' }, writes: { x: 'x2' } },
          // Concurrent with 2, disjoint writes: write skew is fine under SI.
          { id: 3, start: 4, commit: 7, reads: { x: 'x1', y: 'y1' }, writes: { y: 'delete' } },
          { id: 4, start: 5, reads: { x: 'x1' }, writes: { x: 'never' } },
          { id: 5, start: 8, reads: { x: 'x2', y: undefined } },
          { id: 6, start: 9, commit: 10, writes: { y: 'lock' } },
        ],
        { x: 'x2', y: undefined },
      ),
      [],
    );
  });

  test('a read that misses a commit below its start is stale', () => {
    assert.deepEqual(
      kinds(
        [
          { id: 1, start: 1, commit: 2, writes: { x: 'x1' } },
          { id: 2, start: 3, reads: { x: undefined } },
        ],
        { x: 'x1' },
      ),
      ['stale-read'],
    );
  });

  test('a read that sees a commit above its start is stale', () => {
    assert.deepEqual(
      kinds(
        [
          { id: 1, start: 1, commit: 5, writes: { x: 'x1' } },
          { id: 2, start: 3, reads: { x: 'x1' } },
        ],
        { x: 'x1' },
      ),
      ['stale-read'],
    );
  });

  test('a read or final value from a transaction that never committed is an aborted write made visible', () => {
    assert.deepEqual(
      kinds(
        [
          { id: 1, start: 1, writes: { x: 'x1' } },
          { id: 2, start: 3, reads: { x: 'x1' } },
        ],
        { x: 'x1' },
      ),
      ['aborted-write-visible', 'aborted-write-visible'],
    );
  });

  test('two committed writers of one key with overlapping lifetimes are a lost update', () => {
    assert.deepEqual(
      kinds(
        [
          { id: 1, start: 1, commit: 4, writes: { x: 'x1' } },
          { id: 2, start: 2, commit: 5, writes: { x: 'x2' } },
        ],
        { x: 'x2' },
      ),
      ['lost-update'],
    );
    // Lock records count as writes for first-committer-wins.
    assert.deepEqual(
      kinds(
        [
          { id: 1, start: 1, commit: 4, writes: { x: 'lock' } },
          { id: 2, start: 2, commit: 5, writes: { x: 'x2' } },
        ],
        { x: 'x2' },
      ),
      ['lost-update'],
    );
  });

  test('a final state that is not the committed history replayed is a lost write', () => {
    assert.deepEqual(
      kinds(
        [
          { id: 1, start: 1, commit: 2, writes: { x: 'x1' } },
          { id: 2, start: 3, commit: 4, writes: { x: 'x2' } },
        ],
        { x: 'x1' },
      ),
      ['lost-write'],
    );
  });

  test('a transaction committed on some keys only, or at two commit timestamps, is torn', () => {
    // The keys that did commit are part of the history, so the missing one is also a lost write.
    assert.deepEqual(kinds([{ id: 1, start: 1, commit: 2, writes: { x: 'x1', y: 'y1' }, records: { y: undefined } }], { x: 'x1', y: undefined }), ['torn-commit', 'lost-write']);
    assert.deepEqual(kinds([{ id: 1, start: 1, commit: 2, writes: { x: 'x1', y: 'y1' }, records: { y: 3 }, client: { kind: 'crashed', stage: 'test' } }], { x: 'x1', y: 'y1' }), ['torn-commit']);
  });

  test('the store must agree with what the client was told', () => {
    assert.deepEqual(kinds([{ id: 1, start: 1, writes: { x: 'x1' }, client: { kind: 'committed', commitTs: ts(2) } }], { x: undefined }), ['client-mismatch']);
    assert.deepEqual(kinds([{ id: 1, start: 1, commit: 2, writes: { x: 'x1' }, client: { kind: 'aborted', reason: 'test' } }], { x: 'x1' }), ['client-mismatch']);
    // A crashed client may go either way.
    assert.deepEqual(kinds([{ id: 1, start: 1, commit: 2, writes: { x: 'x1' }, client: { kind: 'crashed', stage: 'test' } }], { x: 'x1' }), []);
  });
});
