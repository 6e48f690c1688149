import { assert } from '../../../common/assert.js';

/** Every bound of the simulator, in one place. */
export const simulationLimits = {
  /** Messages in flight at once; beyond it the oldest is lost. */
  maxPendingMessages: 4096,
  /** Readys one node handles in a row before the simulator moves on. */
  maxReadyRoundsPerDrain: 64,
  /**
   * Deliveries in one drain of the network during the heal phase. Without ticks a
   * healthy cluster falls quiet long before this; a drain that does not is a message
   * storm, reported as a liveness violation.
   */
  maxDeliveriesPerDrain: 20_000,
  /** The heal phase must elect a leader and commit within this many election timeouts. */
  livenessElectionTimeouts: 100,
  /** Events kept for a violation report. */
  recentEventCapacity: 60,
  /** Membership bounds: changes keep the voters within [minVoters, maxVoters]. */
  minVoters: 3,
  maxVoters: 7,
  maxLearners: 2,
  /** A proposed conf change that has not been applied anywhere after this many steps is presumed lost. */
  confChangeTimeoutSteps: 400,
  /** Random bytes after a proposal's unique id. */
  maxPayloadPaddingBytes: 24,
  /** Steps of a schedule's fault phase when the caller does not say. */
  defaultFaultSteps: 2000,
  /** Fault-phase steps between full pairwise log-matching checks. */
  fullLogCheckIntervalSteps: 250,
} as const;

assert(simulationLimits.minVoters >= 3, 'fewer than 3 voters cannot survive one crash');
assert(simulationLimits.maxVoters > simulationLimits.minVoters, 'voter bounds leave no room for a change');
