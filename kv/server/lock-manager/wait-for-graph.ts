/** One edge of the wait-for graph: `txn` waits for `waitForTxn`, which holds the lock on the key. */
export interface WaitForEdge {
  readonly txn: bigint;
  readonly waitForTxn: bigint;
  readonly keyHash: bigint;
  readonly key: Uint8Array;
}

/** A cycle found by `detect`: the edges from the requesting txn around back to it. */
export interface DeadlockFound {
  /** The key hash of the edge that leads back to the requesting txn. */
  readonly deadlockKeyHash: bigint;
  readonly waitChain: readonly WaitForEdge[];
}

interface StoredEdge extends WaitForEdge {
  expiresAtMs: number;
  /**
   * The keys (by hash) this edge stands for: one txn can wait for another on several
   * keys at once. A set, so a Detect sent twice (a retry) is one wait, not two.
   */
  readonly keyHashes: Set<bigint>;
}

/** How often `detect` drops every expired edge, not only those a search meets. */
const sweepIntervalMs = 1_000;

/**
 * The cluster's wait-for graph between transactions (by start ts), kept by the deadlock
 * detector. An edge is added only if it closes no cycle; edges leave when their waiter
 * stops waiting, when their txn ends, or when their time to live runs out (a waiter whose
 * store died never cleans up).
 */
export class WaitForGraph {
  /** txn → the txns it waits for, each with the edge. */
  private readonly edges = new Map<bigint, Map<bigint, StoredEdge>>();
  private readonly clock: () => number;
  private lastSweepMs = 0;

  constructor(clock: () => number = Date.now) {
    this.clock = clock;
  }

  /**
   * Adds `edge` unless `edge.waitForTxn` already waits, directly or through others, for
   * `edge.txn`; then the cycle comes back and nothing is added.
   */
  detect(edge: WaitForEdge, ttlMs: number): DeadlockFound | undefined {
    const now = this.clock();
    if (now - this.lastSweepMs >= sweepIntervalMs) this.sweep(now);
    const chain = this.pathTo(edge.waitForTxn, edge.txn, now);
    if (chain !== undefined) {
      const closing = chain[chain.length - 1]!;
      return { deadlockKeyHash: closing.keyHash, waitChain: [edge, ...chain] };
    }
    let waits = this.edges.get(edge.txn);
    if (waits === undefined) this.edges.set(edge.txn, (waits = new Map()));
    const existing = waits.get(edge.waitForTxn);
    if (existing !== undefined && existing.expiresAtMs > now) {
      existing.keyHashes.add(edge.keyHash);
      existing.expiresAtMs = Math.max(existing.expiresAtMs, now + ttlMs);
    } else {
      waits.set(edge.waitForTxn, { ...edge, expiresAtMs: now + ttlMs, keyHashes: new Set([edge.keyHash]) });
    }
    return undefined;
  }

  /** `txn`'s wait for `waitForTxn` on the key hashed `keyHash` ended; the edge goes with its last key. */
  cleanUpWaitFor(txn: bigint, waitForTxn: bigint, keyHash: bigint): void {
    const waits = this.edges.get(txn);
    const edge = waits?.get(waitForTxn);
    if (waits === undefined || edge === undefined) return;
    edge.keyHashes.delete(keyHash);
    if (edge.keyHashes.size > 0) return;
    waits.delete(waitForTxn);
    if (waits.size === 0) this.edges.delete(txn);
  }

  /** Forgets every edge (this store stopped being the detector; the next one starts afresh). */
  clear(): void {
    this.edges.clear();
  }

  /** `txn` ended: it waits for nothing. */
  cleanUp(txn: bigint): void {
    this.edges.delete(txn);
  }

  /** How many edges the graph holds (expired ones included until swept). */
  get size(): number {
    let count = 0;
    for (const waits of this.edges.values()) count += waits.size;
    return count;
  }

  private sweep(now: number): void {
    this.lastSweepMs = now;
    for (const [txn, waits] of this.edges) {
      for (const [next, edge] of waits) if (edge.expiresAtMs <= now) waits.delete(next);
      if (waits.size === 0) this.edges.delete(txn);
    }
  }

  /** A path of live edges from `from` to `to`, by depth-first search; expired edges met on the way go. */
  private pathTo(from: bigint, to: bigint, now: number): WaitForEdge[] | undefined {
    const visited = new Set<bigint>([from]);
    const stack: Array<{ txn: bigint; path: WaitForEdge[] }> = [{ txn: from, path: [] }];
    while (stack.length > 0) {
      const { txn, path } = stack.pop()!;
      const waits = this.edges.get(txn);
      if (waits === undefined) continue;
      for (const [next, edge] of waits) {
        if (edge.expiresAtMs <= now) {
          waits.delete(next);
          continue;
        }
        if (next === to) return [...path, edge];
        if (visited.has(next)) continue;
        visited.add(next);
        stack.push({ txn: next, path: [...path, edge] });
      }
      if (waits.size === 0) this.edges.delete(txn);
    }
    return undefined;
  }
}
