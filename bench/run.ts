import { runCodecBench } from './codec.bench.js';
import { runFailpointBench } from './failpoint.bench.js';
import { formatMeasurements } from './measure.js';
import { formatMvccBench, runMvccBench } from './mvcc.bench.js';
import { runRaftBench } from './raft.bench.js';
import { runTsoOracleBench } from './tso-oracle.bench.js';

/**
 * `npm run bench [-- name ...]`: runs the named benchmarks (all when none is named) and
 * prints one table each. Benchmarks never run inside `npm test`.
 */
const benches: Record<string, () => Promise<string>> = {
  codec: async () => formatMeasurements('codec (rows and keys, one core)', runCodecBench()),
  raft: async () => formatMeasurements('raft (3 nodes in one process, in-memory transport and storage; committed proposals)', await runRaftBench()),
  mvcc: async () => formatMvccBench(await runMvccBench(), 1_000_000),
  'tso-oracle': async () => formatMeasurements('tso-oracle (the PD timestamp oracle alone, memory storage)', await runTsoOracleBench()),
  failpoint: async () => {
    const results = await runFailpointBench();
    return ['failpoint call site (ns/op, best of 5 rounds of 2M calls)', ...results.map((r) => `  ${r.name.padEnd(48)} ${r.nsPerOp.toFixed(2).padStart(9)} ns/op`)].join('\n');
  },
};

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(name in benches));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${Object.keys(benches).join(', ')}`);
  process.exit(2);
}
for (const name of requested.length > 0 ? requested : Object.keys(benches)) {
  console.log(await benches[name]!());
  console.log('');
}
