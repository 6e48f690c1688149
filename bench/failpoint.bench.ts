import { setImmediate as nextTurn } from 'node:timers/promises';
import { clearFailpoints, configureFailpoint, failpoint, listFailpoints } from '../common/failpoint/index.js';

/**
 * Cost of a failpoint call site. Production code calls `failpoint()` on hot paths (apply,
 * append, send), so an unarmed point must cost about as much as a boolean test.
 */

export interface FailpointBenchResult {
  readonly name: string;
  readonly nsPerOp: number;
}

const iterationsPerRound = 2_000_000;
const rounds = 5;

export async function runFailpointBench(): Promise<FailpointBenchResult[]> {
  // The bench needs a known configuration; put back whatever was armed before it ran.
  const previous = listFailpoints();
  try {
    const results: FailpointBenchResult[] = [];
    clearFailpoints();
    results.push({ name: 'failpoint(x), nothing armed', nsPerOp: await measure() });
    configureFailpoint('y', 'off');
    results.push({ name: 'failpoint(x), another point armed', nsPerOp: await measure() });
    configureFailpoint('x', 'off');
    results.push({ name: 'failpoint(x), x armed with off', nsPerOp: await measure() });
    return results;
  } finally {
    clearFailpoints();
    for (const listing of previous) configureFailpoint(listing.name, listing.actions);
  }
}

/** The best of several rounds, in nanoseconds per call: the least disturbed measurement. */
async function measure(): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round <= rounds; round++) {
    const nsPerOp = timeRound();
    // Round 0 only warms the JIT up.
    if (round > 0) best = Math.min(best, nsPerOp);
    await nextTurn();
  }
  return best;
}

/** A plain function, not the async one: V8 optimizes a loop inside an async function less well. */
function timeRound(): number {
  let fired = 0;
  const start = process.hrtime.bigint();
  for (let index = 0; index < iterationsPerRound; index++) {
    if (failpoint('x') !== undefined) fired++;
  }
  const elapsedNs = Number(process.hrtime.bigint() - start);
  // Using the outcome keeps the optimizer from dropping the loop.
  if (fired !== 0) throw new Error(`failpoint x fired ${fired} times during the bench`);
  return elapsedNs / iterationsPerRound;
}

function formatTable(results: readonly FailpointBenchResult[]): string {
  const nameWidth = Math.max('case'.length, ...results.map((result) => result.name.length));
  const lines = [`${'case'.padEnd(nameWidth)}  ns/op`, `${'-'.repeat(nameWidth)}  -----`];
  for (const result of results) lines.push(`${result.name.padEnd(nameWidth)}  ${result.nsPerOp.toFixed(2)}`);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await runFailpointBench();
  process.stdout.write(`${formatTable(results)}\n`);
}
