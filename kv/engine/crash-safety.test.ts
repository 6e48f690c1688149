import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SeededRandom } from '../../common/random.js';
import { inspectCrashState, type CrashState } from './crash-batches.js';
import { type CrashChildOptions, type CrashChildRun, runCrashChild } from './crash-harness.js';
import { LevelEngine } from './level-engine.js';

const writerPath = fileURLToPath(new URL('./crash-writer.js', import.meta.url));
const childTimeoutMs = 20_000;

/** Runs the writer in a child process (see `runCrashChild`); progress is the last acknowledged batch. */
function runWriter(directory: string, count: number, options: CrashChildOptions = {}): Promise<CrashChildRun> {
  return runCrashChild(writerPath, [directory, String(count)], { timeoutMs: childTimeoutMs, ...options });
}

async function reopenAndInspect(directory: string): Promise<CrashState> {
  const engine = await LevelEngine.open(directory);
  try {
    return await inspectCrashState(engine);
  } finally {
    await engine.close();
  }
}

async function withDirectory(body: (directory: string) => Promise<void>): Promise<void> {
  const directory = await mkdtemp(join(tmpdir(), 'tidedb-crash-'));
  try {
    await body(directory);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

describe('engine crash safety (a writer process killed between and during batches)', () => {
  test('a clean run applies every batch', async () => {
    await withDirectory(async (directory) => {
      const run = await runWriter(directory, 5);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(await reopenAndInspect(directory), { lastBatch: 5, problems: [] });
    });
  });

  test('killed just before the 4th batch is handed to LevelDB: batches 1..3, whole', async () => {
    await withDirectory(async (directory) => {
      const run = await runWriter(directory, 10, { failpoints: 'engine-before-write=3*off->print' });
      assert.equal(run.signal, 'SIGKILL', run.stderr);
      assert.equal(run.lastProgress, 3);
      assert.deepEqual(await reopenAndInspect(directory), { lastBatch: 3, problems: [] });
    });
  });

  test('killed while the 4th batch is in flight: it is all there or not at all', async () => {
    await withDirectory(async (directory) => {
      const run = await runWriter(directory, 10, { failpoints: 'engine-write-in-flight=3*off->print' });
      assert.equal(run.signal, 'SIGKILL', run.stderr);
      assert.equal(run.lastProgress, 3);
      const state = await reopenAndInspect(directory);
      assert.deepEqual(state.problems, []);
      assert.ok(state.lastBatch === 3 || state.lastBatch === 4, `last batch ${state.lastBatch}`);
    });
  });

  test('killed right after the 4th batch landed, before it was acknowledged: the batch survives', async () => {
    await withDirectory(async (directory) => {
      const run = await runWriter(directory, 10, { failpoints: 'engine-after-write=3*off->print' });
      assert.equal(run.signal, 'SIGKILL', run.stderr);
      assert.equal(run.lastProgress, 3);
      assert.deepEqual(await reopenAndInspect(directory), { lastBatch: 4, problems: [] });
    });
  });

  test('killed at random moments, reopened and continued, twice over', async () => {
    const random = new SeededRandom(20240501);
    await withDirectory(async (directory) => {
      let previous = 0;
      for (let round = 0; round < 2; round++) {
        const run = await runWriter(directory, 100_000, { killAfterProgress: random.nextIntBetween(1, 30), killDelayMs: random.nextInt(4) });
        assert.equal(run.signal, 'SIGKILL', run.stderr);
        const state = await reopenAndInspect(directory);
        assert.deepEqual(state.problems, [], `round ${round}`);
        // A process crash loses no acknowledged batch (the OS still holds the unsynced log).
        assert.ok(state.lastBatch >= run.lastProgress, `round ${round}: last batch ${state.lastBatch} < acked ${run.lastProgress}`);
        assert.ok(state.lastBatch > previous, `round ${round}: made progress`);
        previous = state.lastBatch;
      }
    });
  });
});
