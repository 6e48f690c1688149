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
  /** Waits this edge stands for: one txn can wait for another on several keys at once. */
  waits: number;
}

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

  constructor(clock: () => number = Date.now) {
    this.clock = clock;
  }

  /**
   * Adds `edge` unless `edge.waitForTxn` already waits, directly or through others, for
   * `edge.txn`; then the cycle comes back and nothing is added.
   */
  detect(edge: WaitForEdge, ttlMs: number): DeadlockFound | undefined {
    const now = this.clock();
    const chain = this.pathTo(edge.waitForTxn, edge.txn, now);
    if (chain !== undefined) {
      const closing = chain[chain.length - 1]!;
      return { deadlockKeyHash: closing.keyHash, waitChain: [edge, ...chain] };
    }
    let waits = this.edges.get(edge.txn);
    if (waits === undefined) this.edges.set(edge.txn, (waits = new Map()));
    const existing = waits.get(edge.waitForTxn);
    const expiresAtMs = Math.max(existing?.expiresAtMs ?? 0, now + ttlMs);
    waits.set(edge.waitForTxn, { ...edge, expiresAtMs, waits: (existing !== undefined && existing.expiresAtMs > now ? existing.waits : 0) + 1 });
    return undefined;
  }

  /** One of `txn`'s waits for `waitForTxn` ended; the edge goes with the last one. */
  cleanUpWaitFor(txn: bigint, waitForTxn: bigint): void {
    const waits = this.edges.get(txn);
    const edge = waits?.get(waitForTxn);
    if (waits === undefined || edge === undefined) return;
    if (--edge.waits > 0) return;
    waits.delete(waitForTxn);
    if (waits.size === 0) this.edges.delete(txn);
  }

  /** `txn` ended: it waits for nothing. */
  cleanUp(txn: bigint): void {
    this.edges.delete(txn);
  }

  /** How many edges the graph holds (expired ones included until met). */
  get size(): number {
    let count = 0;
    for (const waits of this.edges.values()) count += waits.size;
    return count;
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
