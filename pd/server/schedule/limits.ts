import { assert } from '../../../common/assert.js';

/**
 * Every bound the scheduling package keeps, in one place. Settings an operator of the
 * cluster tunes live in ScheduleConfig; these are the internal ones.
 */
export const scheduleLimits = {
  /** Finished, timed-out and cancelled operators kept for the HTTP API. */
  operatorHistoryEntries: 512,
  /** Operators one scheduler may create in one scheduling round. */
  operatorsPerSchedulerPerRound: 8,
  /** Regions the checkers visit in one round; the next round resumes where this one stopped. */
  regionsCheckedPerRound: 8192,
  /** Slow steps (adding a learner needs a snapshot; merging waits for logs) get this many fast timeouts. */
  slowStepTimeoutMultiplier: 10,
  /**
   * Regions smaller than this count as this large when scoring stores, so moving an
   * empty region still changes a score and balancing cannot cycle through empty regions.
   */
  minimumRegionScoreSizeBytes: 1024n * 1024n,
  /** A store silent this long is not a scheduling target, even before it is Down. */
  storeDisconnectedAfterMs: 20 * 1000,
  /** A store with less than this fraction of its capacity available takes no new replicas. */
  lowSpaceAvailableRatio: 0.2,
  /** Base of the location distinct score: one zone difference outweighs many host differences. */
  locationScoreBase: 100,
  /** Location label levels considered (the score base raised to this must stay an exact integer). */
  locationLabelLevels: 6,
  /**
   * A merge whose result would exceed this is not planned: the store would split the
   * result again (TiKV's default region split size).
   */
  mergedRegionMaxSizeBytes: 96n * 1024n * 1024n,
} as const;

assert(scheduleLimits.operatorHistoryEntries > 0);
assert(scheduleLimits.operatorsPerSchedulerPerRound > 0);
assert(scheduleLimits.regionsCheckedPerRound > 0);
assert(scheduleLimits.slowStepTimeoutMultiplier >= 1);
assert(scheduleLimits.minimumRegionScoreSizeBytes > 0n);
assert(scheduleLimits.lowSpaceAvailableRatio >= 0 && scheduleLimits.lowSpaceAvailableRatio < 1);
assert(Number.isSafeInteger(scheduleLimits.locationScoreBase ** scheduleLimits.locationLabelLevels));
