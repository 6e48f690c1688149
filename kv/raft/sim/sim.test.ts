import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RawNode } from '../raw-node.js';
import { MemoryStorage } from '../storage.js';
import { type Entry, EntryType, makeMessage, MessageType } from '../types.js';
import { InvariantChecker } from './checker.js';
import { runSimulation, type SimulationResult, type SimulationStats } from './simulator.js';

/** Seeds the test suite runs; `npm run test:raft-sim` runs many more. */
const seedCount = 400;

function describeFailure(result: SimulationResult): string {
  return `seed ${result.seed} at ${result.failedAt}: ${result.violation?.message}\n  replay: node dist/kv/raft/sim/run.js --seeds 1 --start ${result.seed} --verbose\n  ${result.recentEvents.slice(-15).join('\n  ')}`;
}

describe('deterministic Raft simulation', () => {
  test(`${seedCount} seeded schedules find no violation and exercise every fault`, () => {
    const totals: Partial<Record<keyof SimulationStats, number>> = {};
    const failures: string[] = [];
    const configs = { preVote: 0, checkQuorum: 0, fiveVoters: 0, learner: 0 };
    for (let seed = 1; seed <= seedCount; seed++) {
      const result = runSimulation({ seed });
      if (result.violation !== undefined) failures.push(describeFailure(result));
      for (const [key, value] of Object.entries(result.stats) as Array<[keyof SimulationStats, number]>) totals[key] = (totals[key] ?? 0) + value;
      if (result.config.preVote) configs.preVote++;
      if (result.config.checkQuorum) configs.checkQuorum++;
      if (result.config.voterCount === 5) configs.fiveVoters++;
      if (result.config.learnerCount > 0) configs.learner++;
    }
    assert.deepEqual(failures, [], `${failures.length} of ${seedCount} schedules violated an invariant:\n${failures.join('\n')}`);
    // The schedules really did what they claim: without these the 0 above proves little.
    for (const key of [
      'proposals',
      'readStates',
      'crashes',
      'crashesMidReady',
      'restarts',
      'partitions',
      'confChangesApplied',
      'nodesRemoved',
      'leaderTransfers',
      'compactions',
      'snapshotsInstalled',
      'messagesLost',
      'messagesDuplicated',
      'leadersElected',
    ] as const) {
      assert.ok((totals[key] ?? 0) > seedCount / 10, `${key} happened only ${totals[key] ?? 0} times in ${seedCount} schedules`);
    }
    assert.ok((totals.maxCommittedIndex ?? 0) > seedCount * 30, `only ${totals.maxCommittedIndex} entries committed in all schedules`);
    for (const [name, count] of Object.entries(configs)) assert.ok(count > seedCount / 10 && count < seedCount, `${name} in ${count} of ${seedCount} configurations`);
  });

  // The simulator caught the library acknowledging entries it never persisted (seeds
  // 197 and 1474 at the time; the exact seeds move as the library changes): a follower
  // appends entries from the leader of term T and queues an AppendResponse, and before
  // its next Ready an append from the leader of term T' > T truncates them; the queued
  // response still goes out, claiming entries the follower does not have. This is the
  // minimal transcript of it; RawNode.ready now drops such stale acknowledgements.
  test('a follower never acknowledges entries truncated before they were persisted', () => {
    const confState = { voters: [1, 2, 3], learners: [] };
    const storage = new MemoryStorage({ snapshot: { data: new Uint8Array(0), metadata: { index: 1, term: 1, confState } } });
    storage.setHardState({ term: 1, vote: 0, commit: 1 });
    const follower = new RawNode({ id: 2, electionTick: 10, heartbeatTick: 1, storage, applied: 1, random: () => 0.5 });
    const entry = (index: number, term: number): Entry => ({ type: EntryType.Normal, index, term, data: new Uint8Array([index]) });
    // The leader of term 2 sends entries 2 and 3; the follower steps it but has not yet handled its Ready.
    follower.step(makeMessage({ type: MessageType.Append, from: 1, to: 2, term: 2, index: 1, logTerm: 1, entries: [entry(2, 2), entry(3, 2)], commit: 1 }));
    // The leader of term 3 overwrites index 2 before that Ready is handled.
    follower.step(makeMessage({ type: MessageType.Append, from: 3, to: 2, term: 3, index: 1, logTerm: 1, entries: [entry(2, 3)], commit: 1 }));
    const ready = follower.ready();
    storage.append(ready.entries);
    const checker = new InvariantChecker();
    for (const message of ready.messages) {
      if (message.type === MessageType.AppendResponse && !message.reject) checker.observeAppendAcknowledged(2, message.index, storage.lastIndex());
    }
  });

  test('the same seed replays the identical trace; different seeds differ', () => {
    const first = runSimulation({ seed: 4242, steps: 1500 });
    const again = runSimulation({ seed: 4242, steps: 1500 });
    const other = runSimulation({ seed: 4243, steps: 1500 });
    assert.ok(first.eventCount > 1000, `only ${first.eventCount} events`);
    assert.equal(again.traceDigest, first.traceDigest);
    assert.equal(again.eventCount, first.eventCount);
    assert.deepEqual(again.stats, first.stats);
    assert.deepEqual(again.recentEvents, first.recentEvents);
    assert.notEqual(other.traceDigest, first.traceDigest);
  });

  test('the full event stream of a replay is identical line by line', () => {
    const lines: string[][] = [[], []];
    for (const run of [0, 1]) runSimulation({ seed: 99, steps: 600, onEvent: (line) => lines[run]!.push(line) });
    assert.ok(lines[0]!.length > 300);
    assert.deepEqual(lines[1], lines[0]);
  });

  test('a schedule of a few thousand steps runs well under a second', () => {
    const startedMs = performance.now();
    const result = runSimulation({ seed: 12345, steps: 4000 });
    const elapsedMs = performance.now() - startedMs;
    assert.equal(result.violation, undefined, result.violation?.message);
    assert.ok(elapsedMs < 1000, `4000 steps took ${elapsedMs.toFixed(0)} ms`);
  });
});
