import type { Timestamp } from '../../../common/ids.js';

/** What a transaction wrote to one key. Values are unique per transaction and key. */
export type WriteOp = { readonly kind: 'put'; readonly value: string } | { readonly kind: 'delete' } | { readonly kind: 'lock' };

/** What the simulated client believes happened to its transaction. */
export type ClientOutcome =
  | { readonly kind: 'read-only' }
  | { readonly kind: 'aborted'; readonly reason: string }
  | { readonly kind: 'crashed'; readonly stage: string }
  | { readonly kind: 'committed'; readonly commitTs: Timestamp };

/** What the store says about one key of a transaction once every lock is resolved. */
export type StoreRecord = { readonly kind: 'committed'; readonly commitTs: Timestamp } | { readonly kind: 'not-committed' };

export interface ObservedRead {
  readonly key: string;
  readonly value: string | undefined;
}

export interface TxnHistory {
  readonly id: number;
  readonly startTs: Timestamp;
  /** How it ran (locking, commit protocol), for reports. */
  readonly mode: string;
  /** Every snapshot read at startTs, with the value it returned. */
  readonly reads: ObservedRead[];
  readonly writes: Map<string, WriteOp>;
  client: ClientOutcome;
  /** Per written key, filled in after the run: the store's commit record of this transaction. */
  readonly storeRecords: Map<string, StoreRecord>;
}

export interface History {
  readonly keys: readonly string[];
  readonly txns: readonly TxnHistory[];
  /** Each key read above every commit, after every lock was resolved. */
  readonly finalState: ReadonlyMap<string, string | undefined>;
}

export type AnomalyKind = 'stale-read' | 'aborted-write-visible' | 'lost-update' | 'lost-write' | 'torn-commit' | 'client-mismatch' | 'protocol-violation';

export interface Anomaly {
  readonly kind: AnomalyKind;
  readonly message: string;
  /** The transactions involved, for reports. */
  readonly txnIds: readonly number[];
}

interface CommittedWrite {
  readonly txn: TxnHistory;
  readonly commitTs: Timestamp;
  readonly op: WriteOp;
}

/**
 * Checks a finished run against snapshot isolation, using only the recorded history
 * and what the store holds at the end:
 * - torn commits: a transaction is committed on all its keys at one commitTs, or on none;
 * - client mismatch: a commit the client was told of is in the store, an abort is not;
 * - (a) every read of every transaction returns exactly the value of the last
 *   committed write at or below its startTs (a value written by a transaction that did
 *   not commit is reported as an aborted write made visible);
 * - (b) first committer wins: no two committed transactions that write a common key
 *   overlap in [startTs, commitTs];
 * - (c)/(d) the final state equals the committed transactions replayed in commitTs order:
 *   no committed write lost, no uncommitted write visible.
 * Returns every anomaly found; an empty list means the history is snapshot isolated.
 */
export function verifyHistory(history: History): Anomaly[] {
  const anomalies: Anomaly[] = [];
  const committedAt = new Map<TxnHistory, Timestamp>();
  const writerOfValue = new Map<string, TxnHistory>();
  for (const txn of history.txns) {
    for (const op of txn.writes.values()) if (op.kind === 'put') writerOfValue.set(op.value, txn);
    const commitTs = checkCommitRecords(txn, anomalies);
    if (commitTs !== undefined) committedAt.set(txn, commitTs);
    checkClientOutcome(txn, commitTs, anomalies);
  }

  // Per key, the committed writes in commitTs order.
  const committedWrites = new Map<string, CommittedWrite[]>();
  for (const [txn, commitTs] of committedAt) {
    for (const [key, op] of txn.writes) {
      let list = committedWrites.get(key);
      if (list === undefined) committedWrites.set(key, (list = []));
      list.push({ txn, commitTs, op });
    }
  }
  for (const list of committedWrites.values()) list.sort((a, b) => (a.commitTs < b.commitTs ? -1 : a.commitTs > b.commitTs ? 1 : 0));

  const visibleAt = (key: string, ts: Timestamp): CommittedWrite | undefined => {
    let visible: CommittedWrite | undefined;
    for (const write of committedWrites.get(key) ?? []) {
      if (write.commitTs > ts) break;
      if (write.op.kind !== 'lock') visible = write;
    }
    return visible;
  };
  const describeValue = (value: string | undefined): string => {
    if (value === undefined) return 'nothing';
    const writer = writerOfValue.get(value);
    return writer === undefined ? `unknown value ${JSON.stringify(value.slice(0, 24))}` : `the write of txn ${writer.id}`;
  };

  // (a) Snapshot reads, and (d) no uncommitted value seen.
  for (const txn of history.txns) {
    for (const read of txn.reads) {
      const visible = visibleAt(read.key, txn.startTs);
      const expected = visible === undefined || visible.op.kind !== 'put' ? undefined : visible.op.value;
      if (read.value === expected) continue;
      const seenWriter = read.value === undefined ? undefined : writerOfValue.get(read.value);
      const ids = [txn.id, ...(seenWriter === undefined ? [] : [seenWriter.id]), ...(visible === undefined ? [] : [visible.txn.id])];
      if (seenWriter !== undefined && !committedAt.has(seenWriter)) {
        anomalies.push({ kind: 'aborted-write-visible', message: `txn ${txn.id} (start ${txn.startTs}) read ${read.key} and saw ${describeValue(read.value)}, which never committed`, txnIds: ids });
      } else {
        anomalies.push({
          kind: 'stale-read',
          message:
            `txn ${txn.id} (start ${txn.startTs}) read ${read.key} and saw ${describeValue(read.value)}, ` +
            `but its snapshot holds ${describeValue(expected)}${visible === undefined ? '' : ` (committed at ${visible.commitTs})`}`,
          txnIds: ids,
        });
      }
    }
  }

  // (b) First committer wins.
  for (const [key, writes] of committedWrites) {
    for (let i = 0; i < writes.length; i++) {
      for (let j = i + 1; j < writes.length; j++) {
        const a = writes[i]!;
        const b = writes[j]!;
        if (a.txn.startTs < b.commitTs && b.txn.startTs < a.commitTs) {
          anomalies.push({
            kind: 'lost-update',
            message: `txns ${a.txn.id} [${a.txn.startTs}, ${a.commitTs}] and ${b.txn.id} [${b.txn.startTs}, ${b.commitTs}] both committed writes of ${key} and overlap`,
            txnIds: [a.txn.id, b.txn.id],
          });
        }
      }
    }
  }

  // (c) and (d): the final state is the committed history replayed.
  for (const key of history.keys) {
    let expected: string | undefined;
    let lastWriter: TxnHistory | undefined;
    for (const write of committedWrites.get(key) ?? []) {
      if (write.op.kind === 'lock') continue;
      expected = write.op.kind === 'put' ? write.op.value : undefined;
      lastWriter = write.txn;
    }
    const actual = history.finalState.get(key);
    if (actual === expected) continue;
    const actualWriter = actual === undefined ? undefined : writerOfValue.get(actual);
    const ids = [...(lastWriter === undefined ? [] : [lastWriter.id]), ...(actualWriter === undefined ? [] : [actualWriter.id])];
    if (actualWriter !== undefined && !committedAt.has(actualWriter)) {
      anomalies.push({ kind: 'aborted-write-visible', message: `the final value of ${key} is ${describeValue(actual)}, which never committed`, txnIds: ids });
    } else {
      anomalies.push({ kind: 'lost-write', message: `the final value of ${key} is ${describeValue(actual)}, but the committed history ends with ${describeValue(expected)}`, txnIds: ids });
    }
  }
  return anomalies;
}

/** The transaction's commit ts if it is committed on its keys; reports torn commits. */
function checkCommitRecords(txn: TxnHistory, anomalies: Anomaly[]): Timestamp | undefined {
  const committed = new Set<Timestamp>();
  let uncommittedKeys = 0;
  for (const key of txn.writes.keys()) {
    const record = txn.storeRecords.get(key);
    if (record?.kind === 'committed') committed.add(record.commitTs);
    else uncommittedKeys++;
  }
  if (committed.size === 0) return undefined;
  if (committed.size > 1 || uncommittedKeys > 0) {
    anomalies.push({
      kind: 'torn-commit',
      message: `txn ${txn.id} is committed on ${txn.writes.size - uncommittedKeys} of ${txn.writes.size} keys, at ${[...committed].join(', ')}`,
      txnIds: [txn.id],
    });
  }
  return [...committed].reduce((a, b) => (a > b ? a : b));
}

function checkClientOutcome(txn: TxnHistory, commitTs: Timestamp | undefined, anomalies: Anomaly[]): void {
  const client = txn.client;
  if (client.kind === 'committed' && commitTs !== client.commitTs) {
    anomalies.push({
      kind: 'client-mismatch',
      message: `txn ${txn.id} was reported committed at ${client.commitTs}, but the store has ${commitTs === undefined ? 'no commit' : `a commit at ${commitTs}`}`,
      txnIds: [txn.id],
    });
  }
  if (client.kind === 'aborted' && commitTs !== undefined) {
    anomalies.push({ kind: 'client-mismatch', message: `txn ${txn.id} was aborted (${client.reason}), but the store committed it at ${commitTs}`, txnIds: [txn.id] });
  }
}

/** A one-line account of a transaction, for failure reports. */
export function describeTxn(txn: TxnHistory): string {
  const reads = txn.reads.map((read) => `${read.key}=${read.value === undefined ? '∅' : read.value.slice(0, 16)}`).join(' ');
  const writes = [...txn.writes].map(([key, op]) => `${key}:${op.kind === 'put' ? op.value.slice(0, 16) : op.kind}`).join(' ');
  const store = [...txn.storeRecords].map(([key, record]) => `${key}:${record.kind === 'committed' ? record.commitTs : '-'}`).join(' ');
  const client = txn.client.kind === 'committed' ? `committed@${txn.client.commitTs}` : txn.client.kind === 'aborted' ? `aborted(${txn.client.reason})` : txn.client.kind === 'crashed' ? `crashed(${txn.client.stage})` : 'read-only';
  return `txn ${txn.id} [${txn.mode}] start ${txn.startTs} client ${client} | reads ${reads} | writes ${writes} | store ${store}`;
}
