import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../../../common/random.js';
import { Scheduler, SimulatedTso, SimulationClock } from './scheduler.js';

async function interleaving(seed: number): Promise<string[]> {
  const clock = new SimulationClock(0);
  const scheduler = new Scheduler(new SeededRandom(seed), clock, 3);
  const trace: string[] = [];
  const task = (name: string) => async () => {
    for (let step = 0; step < 5; step++) {
      trace.push(`${name}${step}@${clock.nowMs}`);
      await scheduler.step();
    }
  };
  await scheduler.run([task('a'), task('b'), task('c')], 1_000);
  return trace;
}

describe('simulation scheduler', () => {
  test('the interleaving is a function of the seed', async () => {
    assert.deepEqual(await interleaving(1), await interleaving(1));
    assert.notDeepEqual(await interleaving(1), await interleaving(2));
    assert.equal((await interleaving(3)).length, 15);
  });

  test('tasks blocked on each other with none runnable are reported as a deadlock', async () => {
    const scheduler = new Scheduler(new SeededRandom(1), new SimulationClock(0), 1);
    const never = new Promise<void>(() => {});
    await assert.rejects(scheduler.run([() => never], 100), /deadlock/);
  });

  test('a task that throws fails the run', async () => {
    const scheduler = new Scheduler(new SeededRandom(1), new SimulationClock(0), 1);
    await assert.rejects(
      scheduler.run(
        [
          async () => {
            throw new Error('boom');
          },
        ],
        100,
      ),
      /boom/,
    );
  });

  test('the TSO hands out increasing timestamps on the simulated clock', () => {
    const clock = new SimulationClock(5);
    const tso = new SimulatedTso(clock);
    const first = tso.next();
    const second = tso.next();
    clock.advance(1);
    const third = tso.next();
    assert.ok(first < second && second < third);
    assert.equal(third >> 18n, 6n);
    assert.equal(third & ((1n << 18n) - 1n), 0n);
  });
});
