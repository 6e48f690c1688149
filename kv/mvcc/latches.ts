import { assert } from '../../common/assert.js';
import { keyId } from '../../common/codec/bytes.js';
import { latchMaxKeysPerCommand } from './limits.js';

/** Gives the latches back. Call it exactly once. */
export type LatchRelease = () => void;

interface Waiter {
  /** How many of its keys' queues still have an earlier command at the head. */
  remaining: number;
  /** Set while the command waits; undefined once granted. */
  grant: (() => void) | undefined;
}

/**
 * Per-key latches: a command that reads a snapshot, computes and writes (a Percolator
 * action) holds the latches of every key it touches for that whole time, so two
 * commands on the same key cannot interleave their read and their write.
 *
 * Ordering guarantee: `acquire` dedupes and sorts the keys and then enqueues the
 * command on the FIFO queue of every key in one synchronous step. Therefore:
 * - commands whose key sets overlap run one after another, in the order they called
 *   `acquire` (the order of the calls is a total order, and every queue holds its
 *   commands in that order);
 * - a command that shares no key with another runs concurrently with it;
 * - there is no deadlock: the earliest waiting command in call order is at the head of
 *   every queue it sits in, so it is always runnable once the commands ahead of it
 *   release. (Enqueueing on all keys at once is what makes this hold; the sorted order
 *   keeps queues and tests deterministic, and would also make one-key-at-a-time
 *   acquisition deadlock-free.)
 * Latches are held in memory only: they order commands on one store, not across stores.
 */
export class Latches {
  // Invariant: no queue is empty (an emptied queue is deleted); the head of each queue
  // holds the latch of that key.
  private readonly queues = new Map<string, Waiter[]>();

  /** Resolves once the command holds the latches of all `keys`. */
  acquire(keys: readonly Uint8Array[]): Promise<LatchRelease> {
    const ids = latchIds(keys);
    assert(ids.length <= latchMaxKeysPerCommand, `a command may latch at most ${latchMaxKeysPerCommand} keys, asked for ${ids.length}`);
    const waiter: Waiter = { remaining: 0, grant: undefined };
    for (const id of ids) {
      let queue = this.queues.get(id);
      if (queue === undefined) {
        queue = [];
        this.queues.set(id, queue);
      }
      queue.push(waiter);
      if (queue.length > 1) waiter.remaining++;
    }
    const release = this.releaseOnce(ids, waiter);
    if (waiter.remaining === 0) return Promise.resolve(release);
    return new Promise((resolve) => {
      waiter.grant = () => resolve(release);
    });
  }

  /** Runs `body` holding the latches of `keys`, releasing them however it ends. */
  async withLatches<T>(keys: readonly Uint8Array[], body: () => Promise<T>): Promise<T> {
    const release = await this.acquire(keys);
    try {
      return await body();
    } finally {
      release();
    }
  }

  /** Keys with a holder or a waiter (for tests and metrics). */
  get busyKeyCount(): number {
    return this.queues.size;
  }

  private releaseOnce(ids: readonly string[], waiter: Waiter): LatchRelease {
    let released = false;
    return () => {
      assert(!released, 'latches released twice');
      assert(waiter.remaining === 0, 'latches released before they were granted');
      released = true;
      for (const id of ids) {
        const queue = this.queues.get(id);
        assert(queue !== undefined && queue[0] === waiter, 'a latch holder must be at the head of its queues');
        queue.shift();
        const next = queue[0];
        if (next === undefined) {
          this.queues.delete(id);
          continue;
        }
        next.remaining--;
        if (next.remaining === 0) {
          const grant = next.grant;
          assert(grant !== undefined, 'a waiting command has a grant callback');
          next.grant = undefined;
          grant();
        }
      }
    };
  }
}

/**
 * Keys as map keys: one latin1 character per byte, so the strings sort exactly as the
 * bytes do (a prefix before its extensions), and equal bytes give equal strings.
 */
function latchIds(keys: readonly Uint8Array[]): string[] {
  const ids = new Set<string>();
  for (const key of keys) ids.add(keyId(key));
  return [...ids].sort();
}
