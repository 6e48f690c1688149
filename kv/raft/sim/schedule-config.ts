import type { SeededRandom } from '../../../common/random.js';

/** The knobs of one schedule, drawn from its seed so configurations vary across seeds. */
export interface ScheduleConfig {
  readonly voterCount: number;
  readonly learnerCount: number;
  readonly electionTick: number;
  readonly heartbeatTick: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly maxSizePerMessageBytes: number;
  readonly maxCommittedSizePerReadyBytes: number;
  readonly maxInflightMessages: number;
  /** 0 for no byte bound. */
  readonly maxInflightBytes: number;
  /** 0 for no bound. */
  readonly maxUncommittedEntriesSizeBytes: number;
  readonly disableProposalForwarding: boolean;
  /** Steps of the fault phase. */
  readonly faultSteps: number;
  /** Chance that a message is lost as it is sent, during the fault phase. */
  readonly dropProbability: number;
  /** Chance that a message is sent twice, during the fault phase. */
  readonly duplicateProbability: number;
  /** Chance that a node handles its Ready right after an event, rather than at a later step. */
  readonly eagerReadyProbability: number;
  /** How much the schedule leans on crashes, partitions and membership changes (1 = the default mix). */
  readonly faultIntensity: number;
}

/** Draws a configuration; the simulator calls it first thing, from the schedule's one PRNG. */
export function drawScheduleConfig(random: SeededRandom, faultSteps: number): ScheduleConfig {
  const heartbeatTick = random.nextIntBetween(1, 2);
  const electionTick = random.nextIntBetween(heartbeatTick + 3, 10);
  const maxSizePerMessageBytes = random.pick([48, 128, 512, 4096, 1024 * 1024]);
  const maxInflightBytes = random.chance(0.25) ? maxSizePerMessageBytes * random.nextIntBetween(1, 8) : 0;
  return {
    voterCount: random.chance(0.6) ? 3 : 5,
    learnerCount: random.chance(0.35) ? 1 : 0,
    electionTick,
    heartbeatTick,
    preVote: random.nextBoolean(),
    checkQuorum: random.nextBoolean(),
    maxSizePerMessageBytes,
    maxCommittedSizePerReadyBytes: random.pick([64, 1024, maxSizePerMessageBytes]),
    maxInflightMessages: random.pick([1, 2, 4, 16, 256]),
    maxInflightBytes,
    maxUncommittedEntriesSizeBytes: random.chance(0.25) ? random.pick([64, 256, 1024]) : 0,
    disableProposalForwarding: random.chance(0.15),
    faultSteps,
    dropProbability: random.pick([0, 0.01, 0.05, 0.15]),
    duplicateProbability: random.pick([0, 0.01, 0.05]),
    eagerReadyProbability: random.pick([0.6, 0.85, 1]),
    faultIntensity: random.pick([0.5, 1, 2, 3]),
  };
}

export function describeScheduleConfig(config: ScheduleConfig): string {
  return [
    `voters=${config.voterCount}`,
    `learners=${config.learnerCount}`,
    `election=${config.electionTick}`,
    `heartbeat=${config.heartbeatTick}`,
    `preVote=${config.preVote}`,
    `checkQuorum=${config.checkQuorum}`,
    `maxMsg=${config.maxSizePerMessageBytes}B`,
    `maxReady=${config.maxCommittedSizePerReadyBytes}B`,
    `inflight=${config.maxInflightMessages}/${config.maxInflightBytes}B`,
    `maxUncommitted=${config.maxUncommittedEntriesSizeBytes}B`,
    `forwarding=${!config.disableProposalForwarding}`,
    `drop=${config.dropProbability}`,
    `dup=${config.duplicateProbability}`,
    `eager=${config.eagerReadyProbability}`,
    `faults=${config.faultIntensity}`,
    `steps=${config.faultSteps}`,
  ].join(' ');
}
