import { setImmediate as nextTurn } from 'node:timers/promises';
import { composeTimestamp, type Timestamp } from '../../../common/ids.js';
import type { SeededRandom } from '../../../common/random.js';

/** Simulated wall time in milliseconds; only the scheduler moves it. */
export class SimulationClock {
  nowMs: number;

  constructor(startMs: number) {
    this.nowMs = startMs;
  }

  advance(ms: number): void {
    this.nowMs += ms;
  }
}

/**
 * A timestamp oracle on the simulated clock, as PD's TSO: physical milliseconds from the
 * clock, a logical counter within one millisecond. Every timestamp is larger than the
 * ones before it.
 */
export class SimulatedTso {
  private readonly clock: SimulationClock;
  private lastPhysicalMs = -1;
  private logical = 0n;

  constructor(clock: SimulationClock) {
    this.clock = clock;
  }

  next(): Timestamp {
    if (this.clock.nowMs > this.lastPhysicalMs) {
      this.lastPhysicalMs = this.clock.nowMs;
      this.logical = 0n;
    } else {
      this.logical++;
    }
    return composeTimestamp(BigInt(this.lastPhysicalMs), this.logical);
  }
}

/**
 * A cooperative scheduler that makes a set of async tasks interleave in an order drawn
 * from a seeded PRNG. Tasks call `step()` wherever another task may run; the scheduler
 * wakes exactly one stepped task at a time and lets it run until it steps again, blocks
 * (on a latch, say) or finishes. Everything else in the simulation resolves through
 * promises only (no timers, no I/O), so once the event loop has turned, every woken
 * task has reached its next step: the interleaving, and hence the whole run, is a pure
 * function of the seed.
 */
export class Scheduler {
  private readonly random: SeededRandom;
  private readonly clock: SimulationClock;
  private readonly maxClockStepMs: number;
  private readonly stepped: Array<() => void> = [];
  /** Scheduling decisions made so far. */
  steps = 0;

  constructor(random: SeededRandom, clock: SimulationClock, maxClockStepMs: number) {
    this.random = random;
    this.clock = clock;
    this.maxClockStepMs = maxClockStepMs;
  }

  /** Gives other tasks a chance to run; resolves when the scheduler picks this task again. */
  step(): Promise<void> {
    return new Promise((resolve) => this.stepped.push(resolve));
  }

  /** Runs the tasks to completion, advancing the clock by a random amount at every step. */
  async run(tasks: ReadonlyArray<() => Promise<void>>, maxSteps: number): Promise<void> {
    let finished = 0;
    let failure: { error: unknown } | undefined;
    for (const task of tasks) {
      const started = (async () => {
        await this.step();
        await task();
      })();
      started.then(
        () => {
          finished++;
        },
        (error: unknown) => {
          failure ??= { error };
        },
      );
    }
    for (;;) {
      await nextTurn();
      if (failure !== undefined) throw failure.error;
      if (this.stepped.length === 0) {
        if (finished === tasks.length) return;
        throw new Error(`deadlock: ${tasks.length - finished} tasks are blocked and none can run`);
      }
      if (this.steps >= maxSteps) throw new Error(`the simulation did not finish within ${maxSteps} steps`);
      this.steps++;
      this.clock.advance(this.random.nextInt(this.maxClockStepMs + 1));
      const [wake] = this.stepped.splice(this.random.nextInt(this.stepped.length), 1);
      wake!();
    }
  }
}
