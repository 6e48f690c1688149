import { type Entry, EntryType, type HardState, emptyHardState, Role } from '../types.js';

/** The rules the simulator checks; each violation names one. */
export const InvariantRule = {
  /** At most one leader per term (Raft §5.2, Election Safety). */
  ElectionSafety: 'election-safety',
  /** Persisted term never decreases, a vote is never changed within a term, commit never decreases. */
  HardState: 'hard-state',
  /** A vote or an append acknowledgement is only sent once what it promises is persisted. */
  PersistBeforeSend: 'persist-before-send',
  /** Two logs with an entry of the same index and term are identical up to it (§5.3). */
  LogMatching: 'log-matching',
  /** Every committed entry is in the log of every later leader (§5.4, Leader Completeness). */
  LeaderCompleteness: 'leader-completeness',
  /** No two nodes apply different entries at one index; each applies 1, 2, 3, ... (§5.4.3). */
  StateMachineSafety: 'state-machine-safety',
  /** A committed entry stays at its index forever, across crashes and restarts. */
  Durability: 'durability',
  /** A ReadIndex read point covers everything committed before the read was requested. */
  LinearizableRead: 'linearizable-read',
  /** After the faults heal, a leader is elected and a proposal commits within a bound. */
  Liveness: 'liveness',
  /** The library (or the storage it drives) threw where it must not. */
  LibraryError: 'library-error',
} as const;
export type InvariantRule = (typeof InvariantRule)[keyof typeof InvariantRule];

export class InvariantViolation extends Error {
  override readonly name = 'InvariantViolation';
  constructor(
    readonly rule: InvariantRule,
    readonly detail: string,
  ) {
    super(`${rule}: ${detail}`);
  }
}

/** A read-only view of one node's stable log, for the leader-completeness and log-matching checks. */
export interface LogView {
  /** The index of the snapshot the log starts after (0 for none). */
  readonly snapshotIndex: number;
  readonly snapshotTerm: number;
  readonly lastIndex: number;
  /** The term at `index`, for index in [snapshotIndex, lastIndex]. */
  term(index: number): number;
  /** The entries in [snapshotIndex + 1, lastIndex]. */
  entries(): readonly Entry[];
}

/** Where one (index, term) entry was first seen, for log matching. */
interface EntryFact {
  readonly fingerprint: string;
  /** The term of the entry just before it in the log that held it. */
  readonly previousTerm: number;
  readonly firstSeenOn: number;
}

/** What is known about the committed entry at one index. */
interface CommittedFact {
  readonly term: number;
  /** Unknown while the index is only known committed through a snapshot boundary. */
  fingerprint: string | undefined;
  readonly knownFrom: string;
}

/** The identity of an entry's content: type and payload bytes. */
export function entryFingerprint(entry: Pick<Entry, 'type' | 'data'>): string {
  let text = entry.type === EntryType.ConfChange ? 'C:' : 'N:';
  const data = entry.data;
  for (let position = 0; position < data.length; position++) text += String.fromCharCode(data[position]!);
  return text;
}

/** A short printable form of a payload for violation messages. */
export function describePayload(data: Uint8Array): string {
  let text = '';
  for (let position = 0; position < data.length && position < 24; position++) {
    const code = data[position]!;
    text += code >= 0x20 && code < 0x7f ? String.fromCharCode(code) : '.';
  }
  return data.length > 24 ? `'${text}...'` : `'${text}'`;
}

function describeFingerprint(fingerprint: string | undefined): string {
  if (fingerprint === undefined) return '(content unknown)';
  return `${fingerprint.startsWith('C:') ? 'conf change' : 'entry'} '${fingerprint.slice(2, 26).replace(/[^\x20-\x7e]/g, '.')}'`;
}

/**
 * Checks Raft's safety invariants incrementally, from the events a simulator (or a test)
 * feeds it. Every method throws InvariantViolation on the first broken rule. Each check
 * costs O(size of the event), except `observeLeader` (O(leader's log)) and
 * `checkLogMatching` (O(nodes² × log)), which run rarely.
 *
 * "Committed" here means known committed: persisted as committed in some node's hard
 * state, or applied by some node. That is a lower bound of the true commit index, so
 * every check against it is sound.
 */
export class InvariantChecker {
  private readonly leaderByTerm = new Map<number, { leader: number; source: string }>();
  private readonly hardStates = new Map<number, HardState>();
  // index -> term -> fact.
  private readonly entryFacts = new Map<number, Map<number, EntryFact>>();
  private readonly committed = new Map<number, CommittedFact>();
  private readonly lastApplied = new Map<number, number>();
  private readonly readRequests = new Map<string, number>();
  private maxCommitted = 0;
  private maxApplied = 0;

  /** The highest index known committed. */
  get maxCommittedIndex(): number {
    return this.maxCommitted;
  }

  /** The highest index applied by any node. */
  get maxAppliedIndex(): number {
    return this.maxApplied;
  }

  /** The last index `nodeId` applied (0 if none). */
  appliedIndexOf(nodeId: number): number {
    return this.lastApplied.get(nodeId) ?? 0;
  }

  /** Records the current role of `nodeId` at `term`: a leader claims the term; a follower names who holds it. */
  observeRole(nodeId: number, term: number, role: Role, leaderId: number): void {
    if (role === Role.Leader) this.claimTerm(term, nodeId, `node ${nodeId} became leader`);
    else if (leaderId !== 0) this.claimTerm(term, leaderId, `node ${nodeId} follows ${leaderId}`);
  }

  private claimTerm(term: number, leader: number, source: string): void {
    const existing = this.leaderByTerm.get(term);
    if (existing === undefined) {
      this.leaderByTerm.set(term, { leader, source });
      return;
    }
    if (existing.leader !== leader) {
      throw new InvariantViolation(InvariantRule.ElectionSafety, `term ${term} has two leaders: ${existing.leader} (${existing.source}) and ${leader} (${source})`);
    }
  }

  /** The hard state `nodeId` just persisted. */
  observeHardState(nodeId: number, next: HardState): void {
    const previous = this.hardStates.get(nodeId) ?? emptyHardState;
    if (next.term < previous.term) {
      throw new InvariantViolation(InvariantRule.HardState, `node ${nodeId} persisted term ${next.term} after term ${previous.term}`);
    }
    if (next.term === previous.term && previous.vote !== 0 && next.vote !== previous.vote) {
      throw new InvariantViolation(InvariantRule.HardState, `node ${nodeId} changed its vote in term ${next.term} from ${previous.vote} to ${next.vote}`);
    }
    if (next.commit < previous.commit) {
      throw new InvariantViolation(InvariantRule.HardState, `node ${nodeId} persisted commit ${next.commit} after commit ${previous.commit}`);
    }
    this.hardStates.set(nodeId, next);
  }

  /** `nodeId` sends a granted vote for `candidate` in `term`; its persisted hard state must already hold that vote. */
  observeVoteGranted(nodeId: number, candidate: number, term: number): void {
    const persisted = this.hardStates.get(nodeId) ?? emptyHardState;
    // A later term makes the vote moot: the node can no longer vote in `term` after a restart.
    if (persisted.term > term || (persisted.term === term && persisted.vote === candidate)) return;
    throw new InvariantViolation(
      InvariantRule.PersistBeforeSend,
      `node ${nodeId} granted its vote to ${candidate} in term ${term} but persisted term ${persisted.term} vote ${persisted.vote}`,
    );
  }

  /** `nodeId` acknowledges its log up to `index`; its stable log must reach that far. */
  observeAppendAcknowledged(nodeId: number, index: number, persistedLastIndex: number): void {
    if (index <= persistedLastIndex) return;
    throw new InvariantViolation(
      InvariantRule.PersistBeforeSend,
      `node ${nodeId} acknowledged index ${index} but its stable log ends at ${persistedLastIndex}`,
    );
  }

  /**
   * `nodeId` persisted `entries` (contiguous), the first following an entry of
   * `previousTerm`; `commitIndex` is the commit index it had persisted before.
   */
  observeAppend(nodeId: number, entries: readonly Entry[], previousTerm: number, commitIndex: number): void {
    let previous = previousTerm;
    for (const entry of entries) {
      if (entry.term < previous) {
        throw new InvariantViolation(
          InvariantRule.LogMatching,
          `node ${nodeId} persisted entry ${entry.index} of term ${entry.term} after an entry of term ${previous}: log terms must not decrease`,
        );
      }
      const fingerprint = entryFingerprint(entry);
      let byTerm = this.entryFacts.get(entry.index);
      if (byTerm === undefined) {
        byTerm = new Map();
        this.entryFacts.set(entry.index, byTerm);
      }
      const fact = byTerm.get(entry.term);
      if (fact === undefined) {
        byTerm.set(entry.term, { fingerprint, previousTerm: previous, firstSeenOn: nodeId });
      } else {
        if (fact.fingerprint !== fingerprint) {
          throw new InvariantViolation(
            InvariantRule.LogMatching,
            `index ${entry.index} term ${entry.term} holds ${describeFingerprint(fact.fingerprint)} on node ${fact.firstSeenOn} but ${describeFingerprint(fingerprint)} on node ${nodeId}`,
          );
        }
        if (fact.previousTerm !== previous) {
          throw new InvariantViolation(
            InvariantRule.LogMatching,
            `index ${entry.index} term ${entry.term} follows an entry of term ${fact.previousTerm} on node ${fact.firstSeenOn} but of term ${previous} on node ${nodeId}`,
          );
        }
      }
      if (entry.index <= commitIndex) {
        const committed = this.committed.get(entry.index);
        if (committed !== undefined && (committed.term !== entry.term || (committed.fingerprint !== undefined && committed.fingerprint !== fingerprint))) {
          throw new InvariantViolation(
            InvariantRule.Durability,
            `node ${nodeId} overwrote committed index ${entry.index} (term ${committed.term}, ${describeFingerprint(committed.fingerprint)}, ${committed.knownFrom}) with term ${entry.term} ${describeFingerprint(fingerprint)}`,
          );
        }
      }
      previous = entry.term;
    }
  }

  /** `nodeId` knows the entry at `index` of `term` is committed; `entry` gives its content when known. */
  observeCommitted(nodeId: number, index: number, term: number, entry: Pick<Entry, 'type' | 'data'> | undefined, how: string): void {
    const fingerprint = entry === undefined ? undefined : entryFingerprint(entry);
    const existing = this.committed.get(index);
    if (existing === undefined) {
      this.committed.set(index, { term, fingerprint, knownFrom: `${how} on node ${nodeId}` });
      if (index > this.maxCommitted) this.maxCommitted = index;
      return;
    }
    if (existing.term !== term || (fingerprint !== undefined && existing.fingerprint !== undefined && existing.fingerprint !== fingerprint)) {
      throw new InvariantViolation(
        InvariantRule.StateMachineSafety,
        `index ${index} is committed as term ${existing.term} ${describeFingerprint(existing.fingerprint)} (${existing.knownFrom}) and as term ${term} ${describeFingerprint(fingerprint)} (${how} on node ${nodeId})`,
      );
    }
    if (existing.fingerprint === undefined) existing.fingerprint = fingerprint;
  }

  /** `nodeId` applies one entry to its state machine. */
  observeApply(nodeId: number, entry: Pick<Entry, 'index' | 'term' | 'type' | 'data'>): void {
    const last = this.lastApplied.get(nodeId) ?? 0;
    if (entry.index !== last + 1) {
      throw new InvariantViolation(InvariantRule.StateMachineSafety, `node ${nodeId} applied index ${entry.index} right after index ${last}`);
    }
    this.observeCommitted(nodeId, entry.index, entry.term, entry, 'applied');
    this.lastApplied.set(nodeId, entry.index);
    if (entry.index > this.maxApplied) this.maxApplied = entry.index;
  }

  /**
   * `nodeId` replaces its state machine with a snapshot at (index, term) holding the
   * applied `records` (the full applied history, contiguous, ending at `index`).
   */
  observeRestore(nodeId: number, index: number, term: number, records: readonly Pick<Entry, 'index' | 'term' | 'type' | 'data'>[]): void {
    const last = this.lastApplied.get(nodeId) ?? 0;
    if (index <= last) {
      throw new InvariantViolation(InvariantRule.StateMachineSafety, `node ${nodeId} restored a snapshot at index ${index}, rolling back its applied index ${last}`);
    }
    const lastRecord = records[records.length - 1];
    if (lastRecord !== undefined && (lastRecord.index !== index || lastRecord.term !== term)) {
      throw new InvariantViolation(
        InvariantRule.StateMachineSafety,
        `node ${nodeId} restored a snapshot labelled index ${index} term ${term} whose state ends at index ${lastRecord.index} term ${lastRecord.term}`,
      );
    }
    for (let position = 1; position < records.length; position++) {
      if (records[position]!.index !== records[position - 1]!.index + 1) {
        throw new InvariantViolation(InvariantRule.StateMachineSafety, `node ${nodeId} restored a snapshot with a gap after index ${records[position - 1]!.index}`);
      }
    }
    for (const record of records) this.observeCommitted(nodeId, record.index, record.term, record, 'restored from a snapshot');
    this.observeCommitted(nodeId, index, term, undefined, 'restored from a snapshot');
    this.lastApplied.set(nodeId, index);
    if (index > this.maxApplied) this.maxApplied = index;
  }

  /**
   * `nodeId` became leader of `term` with `log` (its whole log right after the election).
   * Every index up to `committedWatermark`, the highest index known committed before the
   * election, must be in it with the committed term.
   */
  observeLeader(nodeId: number, term: number, log: LogView, committedWatermark: number): void {
    if (committedWatermark > log.lastIndex) {
      throw new InvariantViolation(
        InvariantRule.LeaderCompleteness,
        `node ${nodeId} became leader of term ${term} with last index ${log.lastIndex}, but index ${committedWatermark} was already committed`,
      );
    }
    const atSnapshot = this.committed.get(log.snapshotIndex);
    if (log.snapshotIndex > 0 && atSnapshot !== undefined && atSnapshot.term !== log.snapshotTerm) {
      throw new InvariantViolation(
        InvariantRule.LeaderCompleteness,
        `node ${nodeId} became leader of term ${term} with a snapshot at index ${log.snapshotIndex} term ${log.snapshotTerm}, but that index was committed in term ${atSnapshot.term}`,
      );
    }
    for (let index = log.snapshotIndex + 1; index <= committedWatermark; index++) {
      const committed = this.committed.get(index);
      if (committed === undefined) continue;
      const termAtIndex = log.term(index);
      if (termAtIndex !== committed.term) {
        throw new InvariantViolation(
          InvariantRule.LeaderCompleteness,
          `node ${nodeId} became leader of term ${term} with term ${termAtIndex} at index ${index}, but term ${committed.term} ${describeFingerprint(committed.fingerprint)} was committed there (${committed.knownFrom})`,
        );
      }
    }
  }

  /** A read with `context` was requested now. */
  observeReadRequest(context: string): void {
    this.readRequests.set(context, this.maxCommitted);
  }

  /** `nodeId` received the read point `index` for `context`. */
  observeReadState(nodeId: number, context: string, index: number): void {
    const committedAtRequest = this.readRequests.get(context);
    if (committedAtRequest === undefined) {
      throw new InvariantViolation(InvariantRule.LinearizableRead, `node ${nodeId} got a read state for ${JSON.stringify(context)}, which nobody requested`);
    }
    if (index < committedAtRequest) {
      throw new InvariantViolation(
        InvariantRule.LinearizableRead,
        `node ${nodeId} got read index ${index} for ${JSON.stringify(context)}, but index ${committedAtRequest} was already committed when the read was requested: a stale read`,
      );
    }
  }

  /**
   * The full pairwise form of log matching, over whole stable logs: wherever two logs
   * agree on the term at an index, they agree on every entry they both hold before it.
   */
  checkLogMatching(logs: ReadonlyArray<{ readonly nodeId: number; readonly log: LogView }>): void {
    const materialized = logs.map(({ nodeId, log }) => ({ nodeId, log, entries: log.entries() }));
    for (let a = 0; a < materialized.length; a++) {
      for (let b = a + 1; b < materialized.length; b++) {
        const left = materialized[a]!;
        const right = materialized[b]!;
        const low = Math.max(left.log.snapshotIndex + 1, right.log.snapshotIndex + 1);
        const high = Math.min(left.log.lastIndex, right.log.lastIndex);
        let agreedUpTo = 0;
        for (let index = high; index >= low; index--) {
          if (left.log.term(index) === right.log.term(index)) {
            agreedUpTo = index;
            break;
          }
        }
        for (let index = low; index <= agreedUpTo; index++) {
          const leftEntry = left.entries[index - left.log.snapshotIndex - 1]!;
          const rightEntry = right.entries[index - right.log.snapshotIndex - 1]!;
          if (leftEntry.term !== rightEntry.term || entryFingerprint(leftEntry) !== entryFingerprint(rightEntry)) {
            throw new InvariantViolation(
              InvariantRule.LogMatching,
              `nodes ${left.nodeId} and ${right.nodeId} agree on term ${left.log.term(agreedUpTo)} at index ${agreedUpTo} but differ at index ${index} (term ${leftEntry.term} ${describeFingerprint(entryFingerprint(leftEntry))} vs term ${rightEntry.term} ${describeFingerprint(entryFingerprint(rightEntry))})`,
            );
          }
        }
      }
    }
  }
}
