import { setImmediate as nextTurn } from 'node:timers/promises';
import { MemoryPdStorage, type PdStorage, type PdWrite } from './storage.js';

/**
 * Memory storage for tests of PD's persisted state: writes can be held back until the
 * test releases them, each write yields `turnsPerWrite` event-loop turns so concurrent
 * callers pile up, and `failNextWrite` makes the next write throw once.
 */
export class GatedStorage implements PdStorage {
  readonly inner = new MemoryPdStorage();
  /** Writes started, counted when they begin rather than when they land. */
  writesStarted = 0;
  failNextWrite = false;
  private readonly turnsPerWrite: number;
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;

  constructor(options: { turnsPerWrite?: number } = {}) {
    this.turnsPerWrite = options.turnsPerWrite ?? 1;
  }

  hold(): void {
    this.gate = new Promise((resolve) => {
      this.openGate = resolve;
    });
  }

  release(): void {
    this.openGate?.();
    this.gate = undefined;
    this.openGate = undefined;
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return this.inner.get(key);
  }

  scan(prefix: string): Promise<Array<{ readonly key: string; readonly value: Uint8Array }>> {
    return this.inner.scan(prefix);
  }

  async write(writes: readonly PdWrite[]): Promise<void> {
    this.writesStarted++;
    if (this.gate !== undefined) await this.gate;
    for (let turn = 0; turn < this.turnsPerWrite; turn++) await nextTurn();
    if (this.failNextWrite) {
      this.failNextWrite = false;
      throw new Error('disk full');
    }
    await this.inner.write(writes);
  }
}
