import { setImmediate as nextTurn, setTimeout as sleepMs } from 'node:timers/promises';
import { unreachable } from '../assert.js';
import { FailpointConfigError, FailpointPanic } from './errors.js';
import {
  failpointState,
  fireFailpoint,
  lookupFailpoint,
  printFailpointMessage,
  waitUntilReconfigured,
  type ConfiguredFailpoint,
} from './registry.js';

/**
 * Call sites. Production code names the places where faults matter:
 *
 *   const injected = failpoint('apply-before-write');
 *   if (injected !== undefined) return failApply(injected);
 *
 * and, where the surrounding code is async and the fault may need to wait:
 *
 *   const fp = failpointAsync('raft-before-persist');
 *   if (fp !== undefined) { const value = await fp; if (value !== undefined) ... }
 */

/**
 * A module-local alias of the hot-path flag. V8 loads an imported binding through its
 * module cell with a hole check on every call (about 2 ns); a local const it folds away,
 * which keeps an unarmed `failpoint()` near the cost of an empty call.
 */
const state = failpointState;

/** The cell a synchronous `sleep` waits on; nothing ever notifies it, so the wait times out. */
const sleepCell = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));

/**
 * Evaluates a failpoint synchronously. Returns undefined when nothing fires, the value of a
 * `return` task ('' for a bare `return`), throws `FailpointPanic` for `panic`, and blocks the
 * thread for `sleep` and `delay`. `pause` cannot block a synchronous site on an event, so
 * it throws `FailpointConfigError` there.
 */
export function failpoint(name: string): string | undefined {
  // Hot path: one boolean test while no failpoint is armed anywhere in the process.
  if (!state.anyConfigured) return undefined;
  return evaluateSync(name);
}

/**
 * Evaluates a failpoint at an async site. Returns undefined synchronously when the point is
 * not armed, so an unarmed point costs no promise; otherwise a promise of what the sync form
 * would return. `sleep` awaits a timer and `pause` awaits until the point is reconfigured or
 * removed, both without blocking the event loop; `panic` rejects with `FailpointPanic`.
 * The chain is evaluated (counts and probability draws consumed) before this returns.
 */
export function failpointAsync(name: string): Promise<string | undefined> | undefined {
  // Hot path: one boolean test while no failpoint is armed anywhere in the process.
  if (!state.anyConfigured) return undefined;
  const point = lookupFailpoint(name);
  if (point === undefined) return undefined;
  return evaluateAsync(point);
}

function evaluateSync(name: string): string | undefined {
  const point = lookupFailpoint(name);
  if (point === undefined) return undefined;
  const task = fireFailpoint(point);
  if (task === undefined) return undefined;
  switch (task.kind) {
    case 'off':
    case 'yield':
      return undefined;
    case 'return':
      return task.value;
    case 'panic':
      throw panicOf(name, task.message);
    case 'print':
      printFailpointMessage(name, task.message);
      return undefined;
    case 'sleep':
      Atomics.wait(sleepCell, 0, 0, task.durationMs);
      return undefined;
    case 'delay':
      busyWait(task.durationMs);
      return undefined;
    case 'pause':
      throw new FailpointConfigError(
        `failpoint ${JSON.stringify(name)}: "pause" needs an async call site (failpointAsync), ` +
          'but this point is evaluated with the synchronous failpoint(); use sleep(ms) or delay(ms) here',
      );
    default:
      return unreachable(task);
  }
}

async function evaluateAsync(point: ConfiguredFailpoint): Promise<string | undefined> {
  const task = fireFailpoint(point);
  if (task === undefined) return undefined;
  switch (task.kind) {
    case 'off':
      return undefined;
    case 'return':
      return task.value;
    case 'panic':
      throw panicOf(point.name, task.message);
    case 'print':
      printFailpointMessage(point.name, task.message);
      return undefined;
    case 'sleep':
      await sleepMs(task.durationMs);
      return undefined;
    case 'delay':
      busyWait(task.durationMs);
      return undefined;
    case 'pause':
      await waitUntilReconfigured(point);
      return undefined;
    case 'yield':
      await nextTurn();
      return undefined;
    default:
      return unreachable(task);
  }
}

function panicOf(name: string, message: string | undefined): FailpointPanic {
  return new FailpointPanic(name, message ?? `failpoint ${name} panicked`);
}

/** Spins on the clock like fail-rs's `delay`: the thread stays busy, as under a CPU stall. */
function busyWait(durationMs: number): void {
  const deadline = performance.now() + durationMs;
  while (performance.now() < deadline) {
    // Spin: holding the CPU is the point of this task.
  }
}
