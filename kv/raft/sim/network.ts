import { assert } from '../../../common/assert.js';
import type { Message } from '../types.js';

/** Node ids stay below this, so a directed link fits one number. */
const maxNodeId = 0x1_0000;

function linkKey(from: number, to: number): number {
  return from * maxNodeId + to;
}

/**
 * The simulated transport: a pool of messages in flight, and the set of directed links
 * that are cut. The simulator decides which message moves when, so delay and reordering
 * come from its choices; the network only holds the messages and the partition.
 */
export class SimNetwork {
  private pending: Message[] = [];
  private readonly blocked = new Set<number>();

  constructor(
    /** Bound on messages in flight; beyond it the oldest is lost, as a full buffer would. */
    private readonly maxPendingMessages: number,
  ) {}

  get pendingCount(): number {
    return this.pending.length;
  }

  get partitioned(): boolean {
    return this.blocked.size > 0;
  }

  /** Puts a message in flight; returns the message it evicted to stay within the bound, if any. */
  enqueue(message: Message): Message | undefined {
    assert(message.from < maxNodeId && message.to < maxNodeId, `node id out of range in ${message.from}->${message.to}`);
    this.pending.push(message);
    if (this.pending.length > this.maxPendingMessages) return this.pending.shift();
    return undefined;
  }

  /** Removes and returns the message at `position` (0 is the oldest). */
  take(position: number): Message {
    assert(position >= 0 && position < this.pending.length, `no pending message at ${position}`);
    const [message] = this.pending.splice(position, 1);
    return message!;
  }

  peek(position: number): Message {
    const message = this.pending[position];
    assert(message !== undefined, `no pending message at ${position}`);
    return message;
  }

  /** The position of the oldest message to `to`, if any. */
  findPendingTo(to: number): number | undefined {
    const position = this.pending.findIndex((message) => message.to === to);
    return position < 0 ? undefined : position;
  }

  isBlocked(from: number, to: number): boolean {
    return this.blocked.size > 0 && this.blocked.has(linkKey(from, to));
  }

  /** Cuts the directed link from -> to. */
  block(from: number, to: number): void {
    if (from !== to) this.blocked.add(linkKey(from, to));
  }

  /** Cuts every link between the two groups, in both directions. */
  split(groupA: readonly number[], groupB: readonly number[]): void {
    for (const a of groupA) {
      for (const b of groupB) {
        this.block(a, b);
        this.block(b, a);
      }
    }
  }

  /** Restores every link. */
  heal(): void {
    this.blocked.clear();
  }

  /** A printable description of the cut links, for traces. */
  describePartition(): string {
    return [...this.blocked]
      .sort((a, b) => a - b)
      .map((key) => `${Math.floor(key / maxNodeId)}>${key % maxNodeId}`)
      .join(' ');
  }
}
