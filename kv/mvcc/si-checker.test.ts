import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { newClientStats, type ClientStats } from './si-check/client.js';
import { describeTxn } from './si-check/history.js';
import { defaultSimulationConfig, replayCommand, runSimulation, type SimulationFault } from './si-check/simulation.js';

/**
 * The randomized snapshot-isolation checker (see si-check/). `npm test` runs a bounded
 * number of seeds; more run with SI_CHECK_SEEDS=<count> [SI_CHECK_FIRST_SEED=<n>], or
 * through the CLI (`node dist/kv/mvcc/si-check/cli.js --from 1 --count 1000`).
 */
const firstSeed = Number(process.env['SI_CHECK_FIRST_SEED'] ?? '1');
const seedCount = Number(process.env['SI_CHECK_SEEDS'] ?? '8');

describe('snapshot isolation checker', () => {
  test(`seeds ${firstSeed}..${firstSeed + seedCount - 1}: every history is snapshot isolated`, async () => {
    const totals = newClientStats();
    for (let seed = firstSeed; seed < firstSeed + seedCount; seed++) {
      const config = { ...defaultSimulationConfig, seed };
      const result = await runSimulation(config);
      if (result.anomalies.length > 0) {
        const involved = new Set(result.anomalies.flatMap((anomaly) => anomaly.txnIds));
        assert.fail(
          [
            `seed ${seed}: ${result.anomalies.length} anomalies`,
            ...result.anomalies.slice(0, 10).map((anomaly) => `  ${anomaly.kind}: ${anomaly.message}`),
            ...result.history.txns.filter((txn) => involved.has(txn.id)).map((txn) => `    ${describeTxn(txn)}`),
            `replay: ${replayCommand(config)}`,
          ].join('\n'),
        );
      }
      for (const name of Object.keys(totals) as Array<keyof ClientStats>) totals[name] += result.stats[name];
    }
    // The runs must exercise what they claim to: commits, aborts, crashes, every way of resolving a lock.
    for (const name of ['committed', 'aborted', 'crashed', 'crashedAfterCommitPoint', 'readOnly', 'scans', 'lockWaits', 'locksCommittedByResolver', 'locksRolledBackByResolver', 'asyncCommitResolutions', 'bypassedLocks', 'gcVersionsDeleted'] as const) {
      assert.ok(totals[name] > 0, `no ${name} in ${seedCount} seeds: ${JSON.stringify(totals)}`);
    }
  });

  test('a seed replays exactly', async () => {
    const first = await runSimulation({ ...defaultSimulationConfig, seed: 7 });
    const second = await runSimulation({ ...defaultSimulationConfig, seed: 7 });
    assert.equal(second.steps, first.steps);
    assert.deepEqual(second.history.txns.map(describeTxn), first.history.txns.map(describeTxn));
    assert.deepEqual([...second.history.finalState], [...first.history.finalState]);
  });

  // The checker is only worth something if it fails when a mechanism SI depends on is gone.
  const faults: ReadonlyArray<{ fault: SimulationFault; expected: string }> = [
    { fault: 'no-latches', expected: 'commands interleave on one key' },
    { fault: 'reads-ignore-locks', expected: 'reads skip locks of transactions that commit below them' },
    { fault: 'no-max-ts', expected: 'async commit and 1PC commit below reads already served' },
    { fault: 'no-memory-locks', expected: 'reads slip between an async-commit prewrite and its write' },
  ];
  for (const { fault, expected } of faults) {
    test(`finds anomalies when ${expected} (fault ${fault})`, async () => {
      for (let seed = 1; seed <= 10; seed++) {
        const result = await runSimulation({ ...defaultSimulationConfig, seed, fault });
        if (result.anomalies.length > 0) return;
      }
      assert.fail(`fault ${fault}: no anomaly in 10 seeds`);
    });
  }
});
