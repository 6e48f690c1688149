/**
 * The event trace of one simulated schedule. Every event is folded into a running hash
 * (so two runs of one seed can be compared cheaply: determinism) and kept in a small ring
 * buffer (so a violation report can show what led up to it). A sink, when given, sees
 * every event as it happens (`--verbose`).
 */
export class Trace {
  // Two independent 32-bit lanes of a multiply-xorshift hash (cyrb53-style).
  private hashHigh = 0xdeadbeef;
  private hashLow = 0x41c6ce57;
  private count = 0;
  private readonly recent: string[] = [];
  private recentNext = 0;

  constructor(
    /** How many of the latest events to keep for reports. */
    private readonly recentCapacity: number,
    private readonly sink?: (line: string) => void,
  ) {}

  record(line: string): void {
    let high = this.hashHigh;
    let low = this.hashLow;
    for (let position = 0; position < line.length; position++) {
      const code = line.charCodeAt(position);
      high = Math.imul(high ^ code, 2654435761);
      low = Math.imul(low ^ code, 1597334677);
    }
    // A separator, so that event boundaries count.
    high = Math.imul(high ^ 10, 2654435761);
    low = Math.imul(low ^ 10, 1597334677);
    this.hashHigh = high;
    this.hashLow = low;
    this.count++;
    if (this.recentCapacity > 0) {
      if (this.recent.length < this.recentCapacity) this.recent.push(line);
      else this.recent[this.recentNext] = line;
      this.recentNext = (this.recentNext + 1) % this.recentCapacity;
    }
    this.sink?.(line);
  }

  get eventCount(): number {
    return this.count;
  }

  /** The hash of every event so far, as 16 hex digits. */
  digest(): string {
    let high = this.hashHigh;
    let low = this.hashLow;
    high = Math.imul(high ^ (high >>> 16), 2246822507) ^ Math.imul(low ^ (low >>> 13), 3266489909);
    low = Math.imul(low ^ (low >>> 16), 2246822507) ^ Math.imul(high ^ (high >>> 13), 3266489909);
    return (high >>> 0).toString(16).padStart(8, '0') + (low >>> 0).toString(16).padStart(8, '0');
  }

  /** The latest events, oldest first. */
  recentEvents(): string[] {
    if (this.recent.length < this.recentCapacity) return this.recent.slice();
    return [...this.recent.slice(this.recentNext), ...this.recent.slice(0, this.recentNext)];
  }
}
