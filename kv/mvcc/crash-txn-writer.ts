import { pathToFileURL } from 'node:url';
import { setFailpointPrinter } from '../../common/failpoint/index.js';
import { LevelEngine } from '../engine/level-engine.js';
import { runCrashTxn } from './crash-txn-workload.js';
import { LatchedMvccStore } from './latched-store.js';

/**
 * The child process of the Percolator crash-recovery test: runs crash transactions
 * 1..count on the LevelDB at `directory`, printing `committed <n>` at each commit point.
 * It dies by SIGKILL when a failpoint armed with `print` fires, or when the parent kills it.
 *
 * Usage: node crash-txn-writer.js <directory> <count>
 */
async function main(): Promise<void> {
  const [directory, countText] = process.argv.slice(2);
  if (directory === undefined || countText === undefined) throw new Error('usage: crash-txn-writer.js <directory> <count>');
  setFailpointPrinter(() => process.kill(process.pid, 'SIGKILL'));
  const engine = await LevelEngine.open(directory);
  const store = new LatchedMvccStore(engine);
  for (let txnIndex = 1; txnIndex <= Number(countText); txnIndex++) {
    await runCrashTxn(store, txnIndex, () => process.stdout.write(`committed ${txnIndex}\n`));
  }
  await engine.close();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
