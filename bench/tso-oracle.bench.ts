import { setTimeout as sleepMs } from 'node:timers/promises';
import { formatMeasurements, type Measurement } from './measure.js';
import { MemoryPdStorage } from '../pd/server/storage.js';
import { TimestampOracle, type TimestampRange } from '../pd/server/tso.js';

/**
 * Timestamps per second straight out of the PD timestamp oracle (no gRPC, no client),
 * on memory storage and the real clock: the ceiling the TSO service can reach. Counts
 * 1 and 100 stand for one uncoalesced request and a client batch of 100 callers.
 */

interface TsoBenchCase {
  readonly count: number;
  /** Requests in flight at once: 1 awaits each before the next, more run as Promise.all. */
  readonly concurrency: number;
}

const cases: readonly TsoBenchCase[] = [
  { count: 1, concurrency: 1 },
  { count: 1, concurrency: 1_000 },
  { count: 100, concurrency: 1 },
  { count: 100, concurrency: 1_000 },
];

export async function runTsoOracleBench(budgetMs = 1_000): Promise<Measurement[]> {
  const oracle = new TimestampOracle({ storage: new MemoryPdStorage(), clock: Date.now, sleep: (ms) => sleepMs(ms) });
  await oracle.initialize();
  const results: Measurement[] = [];
  for (const benchCase of cases) {
    const name = `getTimestamps(${benchCase.count}), ${benchCase.concurrency} in flight (timestamps)`;
    results.push(await measureCase(oracle, name, benchCase, budgetMs));
  }
  oracle.resign();
  return results;
}

async function measureCase(oracle: TimestampOracle, name: string, benchCase: TsoBenchCase, budgetMs: number): Promise<Measurement> {
  const warmupEnd = performance.now() + Math.min(200, budgetMs / 5);
  let previousLast = oracle.current() ?? 0n;
  const round = async (): Promise<number> => {
    if (benchCase.concurrency === 1) {
      // Batches of sequential requests, so the timing loop's own cost stays small.
      for (let index = 0; index < 100; index++) {
        const range = await oracle.getTimestamps(benchCase.count);
        if (range.first <= previousLast) throw new Error(`timestamp went back: ${range.first} after ${previousLast}`);
        previousLast = range.last;
      }
      return 100 * benchCase.count;
    }
    const requests: Array<Promise<TimestampRange>> = [];
    for (let index = 0; index < benchCase.concurrency; index++) requests.push(oracle.getTimestamps(benchCase.count));
    const ranges = await Promise.all(requests);
    // Checking the answers keeps the bench honest: every range lies above the last one.
    for (const range of ranges) {
      if (range.first <= previousLast) throw new Error(`timestamp went back: ${range.first} after ${previousLast}`);
      previousLast = range.last;
    }
    return benchCase.concurrency * benchCase.count;
  };
  while (performance.now() < warmupEnd) await round();
  let operations = 0;
  const start = performance.now();
  let now = start;
  while (now - start < budgetMs) {
    operations += await round();
    now = performance.now();
  }
  const seconds = (now - start) / 1_000;
  return { name, operations, seconds, opsPerSecond: operations / seconds, nsPerOp: (seconds * 1e9) / operations };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const budgetArgument = process.argv.indexOf('--budget-ms');
  const budgetMs = budgetArgument >= 0 ? Number(process.argv[budgetArgument + 1]) : 1_000;
  process.stdout.write(`${formatMeasurements('tso-oracle (TimestampOracle on memory storage, real clock, one core)', await runTsoOracleBench(budgetMs))}\n`);
}
