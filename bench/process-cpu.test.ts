import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { processCpu } from './process-cpu.js';

describe('processCpu (benchmarks\' CPU accounting)', () => {
  test('processCpu reads this process\'s CPU time from /proc, and it grows with work', () => {
    const before = processCpu(process.pid);
    const until = performance.now() + 100;
    // Busy for 100 ms: this process's user CPU must grow.
    while (performance.now() < until);
    const after = processCpu(process.pid);
    assert.ok(after.user + after.system > before.user + before.system, `${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
  });
});
