import type { Message } from './types.js';

export interface ReadIndexStatus {
  readonly request: Message;
  readonly index: number;
  readonly acknowledged: Set<number>;
}

function contextKey(context: Uint8Array): string {
  let key = '';
  for (const byte of context) key += String.fromCharCode(byte);
  return key;
}

/**
 * Pending safe read-index requests. A request's read index is the commit index when it
 * arrived; it is served once a quorum answers a heartbeat carrying its context, which
 * proves this node was still the leader when the request was made (§6.4 of the thesis).
 */
export class ReadOnly {
  private readonly pending = new Map<string, ReadIndexStatus>();
  // Invariant: queue holds exactly the keys of `pending`, in arrival order.
  private queue: string[] = [];

  addRequest(index: number, request: Message): void {
    const key = contextKey(request.entries[0]!.data);
    if (this.pending.has(key)) return;
    this.pending.set(key, { request, index, acknowledged: new Set() });
    this.queue.push(key);
  }

  /** Records a heartbeat acknowledgement; returns who acknowledged, or undefined for an unknown context. */
  receiveAcknowledgement(id: number, context: Uint8Array): ReadonlySet<number> | undefined {
    const status = this.pending.get(contextKey(context));
    if (status === undefined) return undefined;
    status.acknowledged.add(id);
    return status.acknowledged;
  }

  /**
   * Dequeues the request with `context` and every request before it (a quorum that
   * acknowledged a later heartbeat also confirms the earlier ones).
   */
  advance(context: Uint8Array): ReadIndexStatus[] {
    const key = contextKey(context);
    const position = this.queue.indexOf(key);
    if (position < 0) return [];
    const served = this.queue.slice(0, position + 1);
    this.queue = this.queue.slice(position + 1);
    const out: ReadIndexStatus[] = [];
    for (const servedKey of served) {
      const status = this.pending.get(servedKey);
      if (status !== undefined) out.push(status);
      this.pending.delete(servedKey);
    }
    return out;
  }

  lastPendingRequestContext(): Uint8Array | undefined {
    const last = this.queue[this.queue.length - 1];
    if (last === undefined) return undefined;
    return this.pending.get(last)!.request.entries[0]!.data;
  }
}
