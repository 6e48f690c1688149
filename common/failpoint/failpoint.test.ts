import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FailpointConfigError, FailpointPanic } from './errors.js';
import { failpoint, failpointAsync } from './failpoint.js';
import {
  clearFailpoints,
  configureFailpoint,
  configureFailpoints,
  failpointHits,
  listFailpoints,
  removeFailpoint,
  setFailpointPrinter,
  setFailpointRandomSource,
  type FailpointPrinter,
} from './registry.js';
import { seededRandomSource } from '../random.js';

let printed: [name: string, message: string][] = [];
let previousPrinter: FailpointPrinter | undefined;

beforeEach(() => {
  clearFailpoints();
  printed = [];
  previousPrinter = setFailpointPrinter((name, message) => printed.push([name, message]));
  setFailpointRandomSource(seededRandomSource(42));
});

afterEach(() => {
  clearFailpoints();
  setFailpointPrinter(previousPrinter);
  setFailpointRandomSource(undefined);
});

/** Resolves after the event loop has had `turns` chances to run timers and I/O. */
async function settle(turns = 3): Promise<void> {
  for (let turn = 0; turn < turns; turn++) await new Promise((resolve) => setImmediate(resolve));
}

describe('configuration API', () => {
  test('unarmed points do nothing and cost no promise', () => {
    assert.equal(failpoint('nowhere'), undefined);
    assert.equal(failpointAsync('nowhere'), undefined);
    configureFailpoint('elsewhere', 'return(x)');
    assert.equal(failpoint('nowhere'), undefined);
    assert.equal(failpointAsync('nowhere'), undefined);
    assert.equal(failpointHits('nowhere'), 0);
  });

  test('configure, list, reconfigure, remove and clear', () => {
    configureFailpoint('b-point', 'return(1)');
    configureFailpoint('a-point', '50%off');
    assert.deepEqual(listFailpoints(), [
      { name: 'a-point', actions: '50%off' },
      { name: 'b-point', actions: 'return(1)' },
    ]);
    assert.equal(failpoint('b-point'), '1');
    configureFailpoint('b-point', 'return(2)');
    assert.equal(failpoint('b-point'), '2');
    assert.equal(removeFailpoint('b-point'), true);
    assert.equal(removeFailpoint('b-point'), false);
    assert.equal(failpoint('b-point'), undefined);
    clearFailpoints();
    assert.deepEqual(listFailpoints(), []);
    assert.equal(failpoint('a-point'), undefined);
  });

  test('a bad action string throws and leaves the old configuration in place', () => {
    configureFailpoint('p', 'return(old)');
    assert.throws(() => configureFailpoint('p', 'retrun(new)'), FailpointConfigError);
    assert.equal(failpoint('p'), 'old');
    assert.throws(() => configureFailpoint('', 'off'), /failpoint name must not be empty/);
    assert.throws(() => configureFailpoint('a b', 'off'), /invalid failpoint name "a b"/);
    assert.throws(() => configureFailpoint('a=b', 'off'), FailpointConfigError);
  });

  test('configureFailpoints applies a FAILPOINTS-style list all or nothing', () => {
    configureFailpoints(' first=return(1) ; second = 1*off->return(2);; ');
    assert.deepEqual(listFailpoints(), [
      { name: 'first', actions: 'return(1)' },
      { name: 'second', actions: '1*off->return(2)' },
    ]);
    clearFailpoints();
    assert.throws(() => configureFailpoints('good=return;bad=nonsense'), /unknown task "nonsense"/);
    assert.deepEqual(listFailpoints(), []);
    assert.throws(() => configureFailpoints('no-equals-sign'), /expected name=actions/);
  });

  test('hits count every evaluation of an armed point, kept until clear', async () => {
    configureFailpoint('reached', 'off');
    failpoint('reached');
    failpoint('reached');
    await failpointAsync('reached');
    assert.equal(failpointHits('reached'), 3);
    configureFailpoint('reached', '0%return');
    failpoint('reached');
    assert.equal(failpointHits('reached'), 4);
    removeFailpoint('reached');
    failpoint('reached');
    assert.equal(failpointHits('reached'), 4);
    clearFailpoints();
    assert.equal(failpointHits('reached'), 0);
  });
});

describe('tasks at synchronous sites', () => {
  test('off returns undefined', () => {
    configureFailpoint('p', 'off');
    assert.equal(failpoint('p'), undefined);
  });

  test('return with and without a value', () => {
    configureFailpoint('p', 'return');
    assert.equal(failpoint('p'), '');
    configureFailpoint('p', 'return(not leader)');
    assert.equal(failpoint('p'), 'not leader');
  });

  test('panic throws FailpointPanic with the message and the point name', () => {
    configureFailpoint('p', 'panic(disk full)');
    assert.throws(
      () => failpoint('p'),
      (error: unknown) => error instanceof FailpointPanic && error.message === 'disk full' && error.failpointName === 'p',
    );
    configureFailpoint('p', 'panic');
    assert.throws(() => failpoint('p'), { name: 'FailpointPanic', message: 'failpoint p panicked' });
  });

  test('print logs the message and continues', () => {
    configureFailpoint('p', 'print(still alive)');
    assert.equal(failpoint('p'), undefined);
    configureFailpoint('p', 'print');
    failpoint('p');
    assert.deepEqual(printed, [
      ['p', 'still alive'],
      ['p', 'failpoint p reached'],
    ]);
  });

  test('sleep blocks the thread for the duration', () => {
    configureFailpoint('p', 'sleep(30)');
    const start = performance.now();
    assert.equal(failpoint('p'), undefined);
    assert.ok(performance.now() - start >= 29, 'slept');
  });

  test('delay busy-waits for the duration', () => {
    configureFailpoint('p', 'delay(20)');
    const startCpu = process.cpuUsage();
    const start = performance.now();
    assert.equal(failpoint('p'), undefined);
    assert.ok(performance.now() - start >= 19, 'delayed');
    const cpu = process.cpuUsage(startCpu);
    // A sleeping thread would use next to no CPU; a spinning one uses most of the delay
    // even when other processes compete for the cores.
    assert.ok((cpu.user + cpu.system) / 1000 >= 5, 'the delay held the CPU');
  });

  test('pause at a synchronous site throws a FailpointConfigError that explains why', () => {
    configureFailpoint('p', 'pause');
    assert.throws(() => failpoint('p'), (error: unknown) => {
      return error instanceof FailpointConfigError && /"pause" needs an async call site \(failpointAsync\)/.test(error.message);
    });
  });

  test('yield continues', () => {
    configureFailpoint('p', 'yield');
    assert.equal(failpoint('p'), undefined);
  });
});

describe('tasks at async sites', () => {
  test('return, off, print resolve like the sync form', async () => {
    configureFailpoint('p', 'return(v)');
    assert.equal(await failpointAsync('p'), 'v');
    configureFailpoint('p', 'off');
    const off = failpointAsync('p');
    assert.ok(off instanceof Promise);
    assert.equal(await off, undefined);
    configureFailpoint('p', 'print(hello)');
    assert.equal(await failpointAsync('p'), undefined);
    assert.deepEqual(printed, [['p', 'hello']]);
  });

  test('panic rejects with FailpointPanic', async () => {
    configureFailpoint('p', 'panic(boom)');
    await assert.rejects(async () => failpointAsync('p'), { name: 'FailpointPanic', message: 'boom' });
  });

  test('sleep awaits a timer without blocking the event loop', async () => {
    configureFailpoint('p', 'sleep(40)');
    const start = performance.now();
    const order: string[] = [];
    const pending = failpointAsync('p');
    assert.ok(pending !== undefined);
    setTimeout(() => order.push('other timer'), 1);
    setImmediate(() => order.push('immediate'));
    assert.equal(await pending, undefined);
    order.push('sleep done');
    assert.ok(performance.now() - start >= 35, 'slept');
    assert.deepEqual(order, ['immediate', 'other timer', 'sleep done']);
  });

  test('pause waits until the point is reconfigured, then continues', async () => {
    configureFailpoint('p', 'pause');
    let finished = false;
    const pending = failpointAsync('p');
    assert.ok(pending !== undefined);
    const done = pending.then((value) => {
      finished = true;
      return value;
    });
    await settle();
    assert.equal(finished, false, 'still paused');
    configureFailpoint('p', 'return(after)');
    assert.equal(await done, undefined, 'a released pause continues as if nothing fired');
    assert.equal(failpoint('p'), 'after');
  });

  test('pause is released by remove and by clear', async () => {
    configureFailpoint('p', 'pause');
    const removed = failpointAsync('p');
    await settle();
    removeFailpoint('p');
    assert.equal(await removed, undefined);

    configureFailpoint('q', 'pause');
    const cleared = [failpointAsync('q'), failpointAsync('q')];
    await settle();
    clearFailpoints();
    assert.deepEqual(await Promise.all(cleared), [undefined, undefined]);
  });

  test('a pause applies K times, then falls through', async () => {
    configureFailpoint('p', '1*pause->return(through)');
    const paused = failpointAsync('p');
    assert.equal(await failpointAsync('p'), 'through');
    let finished = false;
    void paused?.then(() => (finished = true));
    await settle();
    assert.equal(finished, false);
    removeFailpoint('p');
    await settle();
    assert.equal(finished, true);
  });

  test('delay and yield continue', async () => {
    configureFailpoint('p', 'delay(5)');
    assert.equal(await failpointAsync('p'), undefined);
    configureFailpoint('p', 'yield');
    assert.equal(await failpointAsync('p'), undefined);
  });
});

describe('probability, counts and chains', () => {
  test('P% fires in about P percent of evaluations with a seeded source', () => {
    configureFailpoint('p', '20%return(hit)');
    let fired = 0;
    const evaluations = 10_000;
    for (let index = 0; index < evaluations; index++) if (failpoint('p') === 'hit') fired++;
    // Four standard deviations of a binomial(10000, 0.2) are 160.
    assert.ok(fired > 1840 && fired < 2160, `fired ${fired} of ${evaluations}`);
  });

  test('the same seed replays the same sequence of outcomes', () => {
    const outcomes = (): string => {
      setFailpointRandomSource(seededRandomSource(7));
      configureFailpoint('p', '50%return(1)->return(0)');
      let text = '';
      for (let index = 0; index < 64; index++) text += failpoint('p');
      return text;
    };
    const first = outcomes();
    assert.equal(outcomes(), first);
    assert.match(first, /^[01]{64}$/);
    assert.ok(first.includes('0') && first.includes('1'));
  });

  test('0% never fires and 100% always fires', () => {
    configureFailpoint('p', '0%return(never)');
    for (let index = 0; index < 100; index++) assert.equal(failpoint('p'), undefined);
    configureFailpoint('p', '100%return(always)');
    for (let index = 0; index < 100; index++) assert.equal(failpoint('p'), 'always');
  });

  test('K* applies K times, then the point does nothing', () => {
    configureFailpoint('p', '3*return(x)');
    assert.deepEqual([1, 2, 3, 4, 5].map(() => failpoint('p')), ['x', 'x', 'x', undefined, undefined]);
  });

  test('K* then falls through to the next term', () => {
    configureFailpoint('p', '2*return(a)->1*return(b)->return(c)');
    assert.deepEqual([1, 2, 3, 4, 5].map(() => failpoint('p')), ['a', 'a', 'b', 'c', 'c']);
  });

  test('1*off skips the first hit only', () => {
    configureFailpoint('p', '1*off->return(second)');
    assert.deepEqual([1, 2, 3].map(() => failpoint('p')), [undefined, 'second', 'second']);
  });

  test('reconfiguring restarts the counts', () => {
    configureFailpoint('p', '1*return(x)');
    assert.equal(failpoint('p'), 'x');
    assert.equal(failpoint('p'), undefined);
    configureFailpoint('p', '1*return(x)');
    assert.equal(failpoint('p'), 'x');
  });

  test('a count is spent only when its term fires', () => {
    // fail-rs semantics: "20%3*print" prints at most 3 times, whenever the 20% draw hits.
    configureFailpoint('p', '20%3*print(still alive!)->panic');
    let panics = 0;
    for (let index = 0; index < 200; index++) {
      try {
        failpoint('p');
      } catch (error) {
        assert.ok(error instanceof FailpointPanic);
        panics++;
      }
    }
    assert.equal(printed.length, 3);
    assert.equal(panics, 197);
  });

  test('a probability miss falls through to the next term', () => {
    configureFailpoint('p', '30%return(a)->return(b)');
    const counts = new Map<string | undefined, number>();
    for (let index = 0; index < 5000; index++) {
      const value = failpoint('p');
      counts.set(value, (counts.get(value) ?? 0) + 1);
    }
    const a = counts.get('a') ?? 0;
    assert.equal(a + (counts.get('b') ?? 0), 5000);
    assert.ok(a > 1350 && a < 1650, `a fired ${a} times`);
  });
});
