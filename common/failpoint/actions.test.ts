import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFailpointActions, type FailpointAction } from './actions.js';
import { FailpointConfigError } from './errors.js';

function only(text: string): FailpointAction {
  const actions = parseFailpointActions(text);
  assert.equal(actions.length, 1, `one term in ${text}`);
  const [action] = actions;
  assert.ok(action !== undefined);
  return action;
}

describe('parseFailpointActions: valid strings', () => {
  test('bare tasks', () => {
    assert.deepEqual(only('off'), { task: { kind: 'off' }, probability: 1, maxCount: undefined });
    assert.deepEqual(only('return').task, { kind: 'return', value: '' });
    assert.deepEqual(only('return()').task, { kind: 'return', value: '' });
    assert.deepEqual(only('panic').task, { kind: 'panic', message: undefined });
    assert.deepEqual(only('print').task, { kind: 'print', message: undefined });
    assert.deepEqual(only('pause').task, { kind: 'pause' });
    assert.deepEqual(only('yield').task, { kind: 'yield' });
  });

  test('tasks with arguments', () => {
    assert.deepEqual(only('return(region not found)').task, { kind: 'return', value: 'region not found' });
    assert.deepEqual(only('panic(disk on fire)').task, { kind: 'panic', message: 'disk on fire' });
    assert.deepEqual(only('print(still alive!)').task, { kind: 'print', message: 'still alive!' });
    assert.deepEqual(only('sleep(100)').task, { kind: 'sleep', durationMs: 100 });
    assert.deepEqual(only('delay(5)').task, { kind: 'delay', durationMs: 5 });
    // Only the first "(" opens the argument, so the argument may hold parentheses, % and *.
    assert.deepEqual(only('return(f(x) = 50% * 2)').task, { kind: 'return', value: 'f(x) = 50% * 2' });
  });

  test('probability and count prefixes', () => {
    assert.deepEqual(only('20%return'), { task: { kind: 'return', value: '' }, probability: 0.2, maxCount: undefined });
    assert.deepEqual(only('3*off'), { task: { kind: 'off' }, probability: 1, maxCount: 3 });
    assert.deepEqual(only('12.5%4*sleep(10)'), { task: { kind: 'sleep', durationMs: 10 }, probability: 0.125, maxCount: 4 });
    assert.equal(only('0%panic').probability, 0);
    assert.equal(only('100%panic').probability, 1);
    assert.equal(only('0*panic').maxCount, 0);
  });

  test('chains split on -> outside parentheses, with whitespace around terms', () => {
    const actions = parseFailpointActions('20%3*print(still alive!) -> 1*return(a->b) ->panic');
    assert.deepEqual(actions, [
      { task: { kind: 'print', message: 'still alive!' }, probability: 0.2, maxCount: 3 },
      { task: { kind: 'return', value: 'a->b' }, probability: 1, maxCount: 1 },
      { task: { kind: 'panic', message: undefined }, probability: 1, maxCount: undefined },
    ]);
  });
});

describe('parseFailpointActions: invalid strings throw FailpointConfigError', () => {
  const cases: [text: string, message: RegExp][] = [
    ['', /empty action/],
    ['   ', /empty action/],
    ['return->', /\(term 2 ""\): empty action/],
    ['->off', /\(term 1 ""\): empty action/],
    ['explode', /unknown task "explode"; expected one of off, return, panic, print, sleep, delay, pause, yield/],
    ['Return', /unknown task "Return"/],
    ['return(x', /parentheses do not match/],
    ['return(x)y', /parentheses do not match/],
    ['returnx)', /parentheses do not match/],
    ['sleep', /"sleep" needs a duration in milliseconds/],
    ['sleep()', /"sleep" needs a whole number of milliseconds, got ""/],
    ['sleep(abc)', /"sleep" needs a whole number of milliseconds, got "abc"/],
    ['delay(-5)', /"delay" needs a whole number of milliseconds, got "-5"/],
    ['delay(1.5)', /whole number of milliseconds/],
    ['sleep(999999999999)', /exceeds the limit/],
    ['off(1)', /task "off" takes no argument/],
    ['pause(10)', /task "pause" takes no argument/],
    ['x%return', /probability must be a number from 0 to 100 before "%", got "x"/],
    ['%return', /probability must be a number/],
    ['101%return', /probability must be at most 100%/],
    ['-5%return', /probability must be a number/],
    ['a*return', /count must be a non-negative integer before "\*", got "a"/],
    ['1.5*return', /count must be a non-negative integer/],
    ['3*20%return', /probability must be a number from 0 to 100 before "%", got "3\*20"/],
    ['50%', /unknown task ""/],
  ];
  for (const [text, message] of cases) {
    test(JSON.stringify(text), () => {
      assert.throws(
        () => parseFailpointActions(text),
        (error: unknown) => error instanceof FailpointConfigError && message.test(error.message),
      );
    });
  }

  test('the message quotes the whole action string', () => {
    assert.throws(() => parseFailpointActions('1*off->sleep(x)'), {
      name: 'FailpointConfigError',
      message: 'invalid failpoint actions "1*off->sleep(x)" (term 2 "sleep(x)"): task "sleep" needs a whole number of milliseconds, got "x"',
    });
  });
});
