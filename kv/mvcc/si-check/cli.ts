import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { describeTxn } from './history.js';
import { defaultSimulationConfig, replayCommand, runSimulation, type SimulationConfig, type SimulationFault, simulationFaults, type SimulationResult } from './simulation.js';

/**
 * Runs the snapshot-isolation checker for many seeds, or replays one.
 *
 *   node dist/kv/mvcc/si-check/cli.js --from 1 --count 500      # seeds 1..500
 *   node dist/kv/mvcc/si-check/cli.js --seed 42 --verbose       # replay one, print its history
 *   options: --clients N --txns N --keys N --fault <none|no-latches|reads-ignore-locks|no-max-ts|no-memory-locks>
 *
 * Exits 1 if any seed finds an anomaly (each failing seed prints its replay command).
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      from: { type: 'string' },
      count: { type: 'string' },
      clients: { type: 'string' },
      txns: { type: 'string' },
      keys: { type: 'string' },
      fault: { type: 'string' },
      verbose: { type: 'boolean' },
    },
  });
  const fault = (values.fault ?? 'none') as SimulationFault;
  if (!simulationFaults.includes(fault)) throw new Error(`unknown fault ${fault}; one of ${simulationFaults.join(', ')}`);
  const base: Omit<SimulationConfig, 'seed'> = {
    ...defaultSimulationConfig,
    ...(values.clients === undefined ? {} : { clients: positive(values.clients, 'clients') }),
    ...(values.txns === undefined ? {} : { txnsPerClient: positive(values.txns, 'txns') }),
    ...(values.keys === undefined ? {} : { keyCount: positive(values.keys, 'keys') }),
    fault,
  };
  const seeds: number[] = [];
  if (values.seed !== undefined) seeds.push(Number(values.seed));
  else {
    const from = values.from === undefined ? 1 : Number(values.from);
    const count = values.count === undefined ? 100 : positive(values.count, 'count');
    for (let seed = from; seed < from + count; seed++) seeds.push(seed);
  }
  let failures = 0;
  const started = Date.now();
  for (const seed of seeds) {
    const seedStarted = Date.now();
    const result = await runSimulation({ ...base, seed });
    const failed = result.anomalies.length > 0;
    if (failed) failures++;
    if (failed || values.verbose === true || seeds.length <= 20) console.log(summary(result, Date.now() - seedStarted));
    if (failed) printFailure(result);
    if (values.verbose === true) for (const txn of result.history.txns) console.log('  ' + describeTxn(txn));
  }
  console.log(`${seeds.length} seeds, ${failures} with anomalies, ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return failures === 0 ? 0 : 1;
}

function summary(result: SimulationResult, elapsedMs: number): string {
  const s = result.stats;
  return (
    `seed ${result.config.seed}: ${result.anomalies.length === 0 ? 'ok' : `${result.anomalies.length} ANOMALIES`} ` +
    `committed ${s.committed} aborted ${s.aborted} crashed ${s.crashed} (${s.crashedAfterCommitPoint} after the commit point) read-only ${s.readOnly} | ` +
    `lock waits ${s.lockWaits} resolved commit/rollback ${s.locksCommittedByResolver}/${s.locksRolledBackByResolver} async ${s.asyncCommitResolutions} ` +
    `bypassed ${s.bypassedLocks} commit-ts retries ${s.commitTsRetries} gc ${s.gcRuns} runs/${s.gcVersionsDeleted} versions | ${result.steps} steps, ${elapsedMs} ms`
  );
}

function printFailure(result: SimulationResult): void {
  for (const anomaly of result.anomalies) console.log(`  ${anomaly.kind}: ${anomaly.message}`);
  const involved = new Set(result.anomalies.flatMap((anomaly) => anomaly.txnIds));
  for (const txn of result.history.txns) if (involved.has(txn.id)) console.log(`    ${describeTxn(txn)}`);
  console.log(`  replay: ${replayCommand(result.config)}`);
}

function positive(text: string, name: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer, got ${text}`);
  return value;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main();
}
