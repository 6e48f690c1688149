import { pathToFileURL } from 'node:url';
import { setFailpointPrinter } from '../../common/failpoint/index.js';
import { fillCrashBatch, lastCrashBatch } from './crash-batches.js';
import { LevelEngine } from './level-engine.js';

/**
 * The child process of the crash-safety test: opens the LevelDB at `directory`,
 * continues after the last batch it finds, and writes `count` more crash batches,
 * printing `acked <n>` once each write has resolved. It dies by SIGKILL (no cleanup,
 * no close) when a failpoint armed with `print` fires (FAILPOINTS in its environment),
 * or whenever the parent kills it.
 *
 * Usage: node crash-writer.js <directory> <count>
 */
async function main(): Promise<void> {
  const [directory, countText] = process.argv.slice(2);
  if (directory === undefined || countText === undefined) throw new Error('usage: crash-writer.js <directory> <count>');
  // A `print` failpoint is the kill switch: die on the spot, like a power cut of the process.
  setFailpointPrinter(() => process.kill(process.pid, 'SIGKILL'));
  const engine = await LevelEngine.open(directory);
  const first = (await lastCrashBatch(engine)) + 1;
  for (let batchIndex = first; batchIndex < first + Number(countText); batchIndex++) {
    const batch = engine.newBatch();
    fillCrashBatch(batch, batchIndex);
    await engine.write(batch);
    // Writes to a pipe are synchronous on Linux: the parent sees every ack printed here.
    process.stdout.write(`acked ${batchIndex}\n`);
  }
  await engine.close();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
