import { assert } from '../../common/assert.js';

/**
 * The append messages in flight to one follower, as a ring of (last index, bytes). The
 * leader stops sending when the ring is full (by count or by bytes) and frees slots as
 * acknowledgements arrive: flow control.
 */
export class Inflights {
  private readonly capacity: number;
  private readonly maxBytes: number;
  private readonly indexes: number[];
  private readonly sizes: number[];
  private start = 0;
  // Invariant: 0 <= count <= capacity, bytes = the sum of the sizes of the count slots.
  count = 0;
  bytes = 0;

  constructor(capacity: number, maxBytes: number) {
    assert(capacity > 0, 'inflights capacity must be positive');
    this.capacity = capacity;
    this.maxBytes = maxBytes;
    this.indexes = new Array<number>(capacity).fill(0);
    this.sizes = new Array<number>(capacity).fill(0);
  }

  /** Records a message whose last entry has `index` and whose entries take `bytes`. */
  add(index: number, bytes: number): void {
    assert(!this.full(), 'cannot add into a full inflights');
    const slot = (this.start + this.count) % this.capacity;
    this.indexes[slot] = index;
    this.sizes[slot] = bytes;
    this.count++;
    this.bytes += bytes;
  }

  /** Frees every message whose last index is <= `index`. */
  freeLE(index: number): void {
    if (this.count === 0 || index < this.indexes[this.start]!) return;
    let freed = 0;
    let freedBytes = 0;
    let slot = this.start;
    while (freed < this.count && this.indexes[slot]! <= index) {
      freedBytes += this.sizes[slot]!;
      freed++;
      slot = (slot + 1) % this.capacity;
    }
    this.count -= freed;
    this.bytes -= freedBytes;
    this.start = this.count === 0 ? 0 : slot;
  }

  /** Frees the oldest message (a heartbeat response proves the follower is alive). */
  freeFirstOne(): void {
    if (this.count === 0) return;
    this.freeLE(this.indexes[this.start]!);
  }

  full(): boolean {
    return this.count === this.capacity || (this.maxBytes !== 0 && this.bytes >= this.maxBytes);
  }

  reset(): void {
    this.count = 0;
    this.bytes = 0;
    this.start = 0;
  }
}
