/**
 * The simulation runner:
 *
 *   node dist/kv/raft/sim/run.js --seeds N [--start S] [--steps K] [--verbose]
 *
 * Runs seeds S..S+N-1 (each a schedule of K fault steps, then the heal phase), prints
 * every violation with the command that replays it, and ends with exactly one line
 * `N schedules, K violations`. Exits non-zero when there are violations. This is the one
 * file of kv/raft/sim that touches the process (arguments, output, exit code).
 */
import { simulationLimits } from './limits.js';
import { describeScheduleConfig } from './schedule-config.js';
import { runSimulation } from './simulator.js';

interface RunArguments {
  readonly seeds: number;
  readonly start: number;
  readonly steps: number;
  readonly verbose: boolean;
}

const usage = 'usage: node dist/kv/raft/sim/run.js --seeds N [--start S] [--steps K] [--verbose]';

function parseArguments(argv: readonly string[]): RunArguments {
  let seeds = 100;
  let start = 1;
  let steps: number = simulationLimits.defaultFaultSteps;
  let verbose = false;
  const integer = (name: string, text: string | undefined, minimum: number): number => {
    const value = Number(text);
    if (text === undefined || !Number.isSafeInteger(value) || value < minimum) throw new Error(`${name} needs an integer >= ${minimum}, got ${text ?? 'nothing'}\n${usage}`);
    return value;
  };
  for (let position = 0; position < argv.length; position++) {
    const argument = argv[position]!;
    const [flag, inline] = argument.includes('=') ? [argument.slice(0, argument.indexOf('=')), argument.slice(argument.indexOf('=') + 1)] : [argument, undefined];
    const value = (): string | undefined => inline ?? argv[++position];
    switch (flag) {
      case '--seeds':
        seeds = integer('--seeds', value(), 1);
        break;
      case '--start':
        start = integer('--start', value(), 0);
        break;
      case '--steps':
        steps = integer('--steps', value(), 0);
        break;
      case '--verbose':
        verbose = true;
        break;
      case '--help':
      case '-h':
        console.log(usage);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument ${argument}\n${usage}`);
    }
  }
  if (start + seeds - 1 > 0xffff_ffff) throw new Error('seeds must stay below 2^32');
  return { seeds, start, steps, verbose };
}

function main(): void {
  let options: RunArguments;
  try {
    options = parseArguments(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 2;
    return;
  }
  const startedMs = performance.now();
  let violations = 0;
  let events = 0;
  for (let seed = options.start; seed < options.start + options.seeds; seed++) {
    const result = runSimulation({
      seed,
      steps: options.steps,
      ...(options.verbose ? { onEvent: (line: string) => console.log(`[${seed}] ${line}`) } : {}),
    });
    events += result.eventCount;
    if (options.verbose) {
      console.log(`seed ${seed}: ${describeScheduleConfig(result.config)}`);
      console.log(`seed ${seed}: trace ${result.traceDigest} (${result.eventCount} events) stats ${JSON.stringify(result.stats)}`);
    }
    if (result.violation === undefined) continue;
    violations++;
    console.log(`seed ${seed}: VIOLATION at ${result.failedAt}: ${result.violation.message}`);
    console.log(`  config: ${describeScheduleConfig(result.config)}`);
    if (!options.verbose) {
      console.log('  last events:');
      for (const line of result.recentEvents.slice(-25)) console.log(`    ${line}`);
    }
    const stepsFlag = options.steps === simulationLimits.defaultFaultSteps ? '' : ` --steps ${options.steps}`;
    console.log(`  replay: node dist/kv/raft/sim/run.js --seeds 1 --start ${seed}${stepsFlag} --verbose`);
  }
  const elapsedSeconds = (performance.now() - startedMs) / 1000;
  console.log(`ran in ${elapsedSeconds.toFixed(1)} s, ${events} events`);
  console.log(`${options.seeds} schedules, ${violations} violations`);
  process.exitCode = violations > 0 ? 1 : 0;
}

main();
