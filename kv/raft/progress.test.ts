/**
 * Progress (the leader's view of one follower), its inflights ring, and the
 * ProgressTracker's quorum arithmetic (cases follow etcd-raft's tracker tests).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AssertionError } from '../../common/assert.js';
import { SeededRandom } from '../../common/random.js';
import { Inflights } from './inflights.js';
import { Progress, type ProgressState } from './progress.js';
import { ProgressTracker } from './tracker.js';

function progressIn(state: ProgressState, match: number, next: number, maxInflightMessages = 256): Progress {
  const progress = new Progress(match, next, maxInflightMessages, 0, false);
  if (state === 'replicate') progress.becomeReplicate();
  if (state === 'snapshot') progress.becomeSnapshot(next);
  progress.match = match;
  progress.next = next;
  return progress;
}

describe('Inflights', () => {
  test('fills up to its capacity by count, and refuses more', () => {
    const inflights = new Inflights(10, 0);
    for (let index = 0; index < 10; index++) {
      assert.equal(inflights.full(), false);
      inflights.add(index, 100);
    }
    assert.equal(inflights.full(), true);
    assert.equal(inflights.count, 10);
    assert.equal(inflights.bytes, 1000);
    assert.throws(() => inflights.add(10, 100), AssertionError);
  });

  test('fills up by bytes: full once the bytes in flight reach the bound', () => {
    const inflights = new Inflights(10, 250);
    inflights.add(1, 100);
    inflights.add(2, 100);
    assert.equal(inflights.full(), false);
    inflights.add(3, 100);
    assert.equal(inflights.full(), true, '300 >= 250');
    inflights.freeLE(1);
    assert.equal(inflights.full(), false);
    assert.equal(inflights.bytes, 200);
  });

  test('freeLE frees every message up to an index, in order; lower indexes free nothing', () => {
    const inflights = new Inflights(10, 0);
    for (let index = 0; index < 10; index++) inflights.add(index, index);
    inflights.freeLE(-1);
    assert.equal(inflights.count, 10);
    inflights.freeLE(4);
    assert.equal(inflights.count, 5);
    assert.equal(inflights.bytes, 5 + 6 + 7 + 8 + 9);
    inflights.freeLE(8);
    assert.equal(inflights.count, 1);
    assert.equal(inflights.bytes, 9);
    inflights.freeLE(100);
    assert.equal(inflights.count, 0);
    assert.equal(inflights.bytes, 0);
  });

  test('the ring wraps around its end', () => {
    const inflights = new Inflights(10, 0);
    for (let index = 0; index < 10; index++) inflights.add(index, 1);
    inflights.freeLE(5);
    // Six slots free at the front; these land past the end and wrap.
    for (let index = 10; index < 16; index++) inflights.add(index, 1);
    assert.equal(inflights.full(), true);
    inflights.freeLE(12);
    assert.equal(inflights.count, 3, 'left: 13, 14, 15');
    inflights.freeFirstOne();
    assert.equal(inflights.count, 2);
    inflights.freeLE(15);
    assert.equal(inflights.count, 0);
    inflights.freeFirstOne();
    assert.equal(inflights.count, 0, 'freeing an empty ring does nothing');
  });

  test('matches a simple queue model under random operations', () => {
    const random = new SeededRandom(7);
    const capacity = 8;
    const maxBytes = 500;
    const inflights = new Inflights(capacity, maxBytes);
    let model: { index: number; bytes: number }[] = [];
    let nextIndex = 1;
    for (let step = 0; step < 5000; step++) {
      const modelBytes = model.reduce((sum, item) => sum + item.bytes, 0);
      const modelFull = model.length === capacity || modelBytes >= maxBytes;
      assert.equal(inflights.full(), modelFull, `step ${step}`);
      const choice = random.nextInt(4);
      if (choice <= 1 && !modelFull) {
        const bytes = random.nextInt(150);
        nextIndex += 1 + random.nextInt(3);
        inflights.add(nextIndex, bytes);
        model.push({ index: nextIndex, bytes });
      } else if (choice === 2) {
        const upTo = nextIndex - random.nextInt(10);
        inflights.freeLE(upTo);
        // etcd semantics: freeing stops at the first message above the index.
        let position = 0;
        while (position < model.length && model[position]!.index <= upTo) position++;
        model = model.slice(position);
      } else if (choice === 3) {
        inflights.freeFirstOne();
        model = model.slice(1);
      }
      assert.equal(inflights.count, model.length, `step ${step}`);
      assert.equal(inflights.bytes, model.reduce((sum, item) => sum + item.bytes, 0), `step ${step}`);
    }
  });

  test('reset empties it', () => {
    const inflights = new Inflights(2, 0);
    inflights.add(1, 10);
    inflights.add(2, 10);
    inflights.reset();
    assert.equal(inflights.count, 0);
    assert.equal(inflights.bytes, 0);
    assert.equal(inflights.full(), false);
  });
});

describe('Progress', () => {
  test('becomeProbe from replicate probes from match + 1', () => {
    const progress = progressIn('replicate', 1, 5);
    progress.becomeProbe();
    assert.equal(progress.state, 'probe');
    assert.equal(progress.next, 2);
  });

  test('becomeProbe from snapshot resumes past the snapshot, or from match + 1 when that is later', () => {
    const behind = new Progress(1, 2, 256, 0, false);
    behind.becomeSnapshot(10);
    behind.becomeProbe();
    assert.equal(behind.next, 11);
    assert.equal(behind.pendingSnapshot, 0);

    const ahead = new Progress(1, 2, 256, 0, false);
    ahead.becomeSnapshot(10);
    ahead.match = 12;
    ahead.becomeProbe();
    assert.equal(ahead.next, 13);
  });

  test('becomeReplicate streams from match + 1 with an empty window', () => {
    const progress = progressIn('probe', 1, 5);
    progress.becomeReplicate();
    assert.equal(progress.state, 'replicate');
    assert.equal(progress.next, 2);
    assert.equal(progress.inflights.count, 0);
  });

  test('maybeUpdate advances match (and next), and never moves back', () => {
    const progress = progressIn('probe', 3, 5);
    assert.equal(progress.maybeUpdate(2), false);
    assert.deepEqual([progress.match, progress.next], [3, 5]);
    assert.equal(progress.maybeUpdate(3), false);
    assert.equal(progress.maybeUpdate(4), true);
    assert.deepEqual([progress.match, progress.next], [4, 5]);
    assert.equal(progress.maybeUpdate(6), true);
    assert.deepEqual([progress.match, progress.next], [6, 7]);
  });

  test('maybeUpdate unpauses a probe', () => {
    const progress = progressIn('probe', 1, 2);
    progress.sentEntries(1, 10);
    assert.equal(progress.isPaused(), true);
    progress.maybeUpdate(2);
    assert.equal(progress.isPaused(), false);
  });

  const decrCases: { state: ProgressState; match: number; next: number; rejected: number; hint: number; decremented: boolean; wantNext: number }[] = [
    // Replicate: a rejection at or below match is stale.
    { state: 'replicate', match: 5, next: 10, rejected: 5, hint: 5, decremented: false, wantNext: 10 },
    { state: 'replicate', match: 5, next: 10, rejected: 4, hint: 4, decremented: false, wantNext: 10 },
    // Replicate: a real rejection goes back to match + 1.
    { state: 'replicate', match: 5, next: 10, rejected: 9, hint: 9, decremented: true, wantNext: 6 },
    // Probe: only the answer to the latest probe (next - 1) counts.
    { state: 'probe', match: 0, next: 0, rejected: 0, hint: 0, decremented: false, wantNext: 0 },
    { state: 'probe', match: 0, next: 10, rejected: 5, hint: 5, decremented: false, wantNext: 10 },
    // Probe: next = min(rejected, hint + 1), at least 1.
    { state: 'probe', match: 0, next: 10, rejected: 9, hint: 9, decremented: true, wantNext: 9 },
    { state: 'probe', match: 0, next: 2, rejected: 1, hint: 1, decremented: true, wantNext: 1 },
    { state: 'probe', match: 0, next: 1, rejected: 0, hint: 0, decremented: true, wantNext: 1 },
    { state: 'probe', match: 0, next: 10, rejected: 9, hint: 2, decremented: true, wantNext: 3 },
    { state: 'probe', match: 0, next: 10, rejected: 9, hint: 0, decremented: true, wantNext: 1 },
  ];
  for (const { state, match, next, rejected, hint, decremented, wantNext } of decrCases) {
    test(`maybeDecrTo in ${state} (match ${match}, next ${next}) for rejected ${rejected} hint ${hint} → next ${wantNext}`, () => {
      const progress = progressIn(state, match, next);
      assert.equal(progress.maybeDecrTo(rejected, hint), decremented);
      assert.equal(progress.match, match);
      assert.equal(progress.next, wantNext);
    });
  }

  test('isPaused: a probe after one send, replicate with a full window, snapshot always', () => {
    const probe = progressIn('probe', 0, 1);
    assert.equal(probe.isPaused(), false);
    probe.sentEntries(0, 0);
    assert.equal(probe.isPaused(), false, 'an empty probe does not pause');
    probe.sentEntries(2, 20);
    assert.equal(probe.isPaused(), true);

    const replicate = progressIn('replicate', 0, 1, 2);
    replicate.sentEntries(1, 10);
    assert.equal(replicate.isPaused(), false);
    replicate.sentEntries(3, 30);
    assert.equal(replicate.isPaused(), true);
    assert.equal(replicate.next, 5, 'next moves past everything sent');

    assert.equal(progressIn('snapshot', 0, 1).isPaused(), true);
  });
});

describe('ProgressTracker', () => {
  function tracker(voters: readonly number[], learners: readonly number[] = []): ProgressTracker {
    const result = new ProgressTracker(256, 0);
    for (const id of voters) result.add(id, false, 0, 1);
    for (const id of learners) result.add(id, true, 0, 1);
    return result;
  }

  const committedCases: { matches: number[]; learnerMatches?: number[]; committed: number }[] = [
    { matches: [5], committed: 5 },
    { matches: [5, 3], committed: 3 },
    { matches: [5, 3, 1], committed: 3 },
    { matches: [1, 3, 5], committed: 3 },
    { matches: [5, 5, 1, 1], committed: 1 },
    { matches: [5, 5, 5, 1], committed: 5 },
    { matches: [9, 8, 7, 2, 1], committed: 7 },
    // Learners never count, however far ahead.
    { matches: [1, 1, 5], learnerMatches: [9, 9], committed: 1 },
  ];
  for (const { matches, learnerMatches = [], committed } of committedCases) {
    test(`voter matches [${matches.join(',')}] (learners [${learnerMatches.join(',')}]) commit ${committed}`, () => {
      const voters = matches.map((_, index) => index + 1);
      const learners = learnerMatches.map((_, index) => 100 + index);
      const subject = tracker(voters, learners);
      voters.forEach((id, index) => subject.progress.get(id)!.maybeUpdate(matches[index]!));
      learners.forEach((id, index) => subject.progress.get(id)!.maybeUpdate(learnerMatches[index]!));
      assert.equal(subject.committed(), committed);
    });
  }

  test('quorum sizes', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7].map((size) => tracker(Array.from({ length: size }, (_, index) => index + 1)).quorum()),
      [1, 2, 2, 3, 3, 4, 4],
    );
  });

  const voteCases: { voters: number; votes: [number, boolean][]; result: 'pending' | 'won' | 'lost' }[] = [
    { voters: 3, votes: [], result: 'pending' },
    { voters: 3, votes: [[1, true]], result: 'pending' },
    { voters: 3, votes: [[1, true], [2, true]], result: 'won' },
    { voters: 3, votes: [[1, true], [2, false]], result: 'pending' },
    { voters: 3, votes: [[1, true], [2, false], [3, false]], result: 'lost' },
    { voters: 4, votes: [[1, true], [2, true]], result: 'pending' },
    { voters: 4, votes: [[1, true], [2, false], [3, false]], result: 'lost' },
    // Only a node's first vote counts.
    { voters: 3, votes: [[1, true], [2, false], [2, true]], result: 'pending' },
    // Votes of learners and strangers do not count.
    { voters: 3, votes: [[1, true], [100, true], [9, true]], result: 'pending' },
  ];
  for (const { voters, votes, result } of voteCases) {
    test(`${voters} voters with votes ${JSON.stringify(votes)}: ${result}`, () => {
      const subject = tracker(Array.from({ length: voters }, (_, index) => index + 1), [100]);
      for (const [id, granted] of votes) subject.recordVote(id, granted);
      assert.equal(subject.tallyVotes().result, result);
      subject.resetVotes();
      assert.equal(subject.tallyVotes().result, 'pending');
    });
  }

  test('quorumActive and isQuorum count voters only', () => {
    const subject = tracker([1, 2, 3], [4, 5]);
    subject.progress.get(1)!.recentActive = true;
    subject.progress.get(4)!.recentActive = true;
    subject.progress.get(5)!.recentActive = true;
    assert.equal(subject.quorumActive(), false);
    subject.progress.get(2)!.recentActive = true;
    assert.equal(subject.quorumActive(), true);
    assert.equal(subject.isQuorum(new Set([1, 4, 5])), false);
    assert.equal(subject.isQuorum(new Set([1, 3])), true);
  });

  test('promote, remove and confState keep voters and learners apart and sorted', () => {
    const subject = tracker([3, 1], [5, 4]);
    assert.deepEqual(subject.confState(), { voters: [1, 3], learners: [4, 5] });
    subject.promote(4);
    assert.deepEqual(subject.confState(), { voters: [1, 3, 4], learners: [5] });
    assert.equal(subject.progress.get(4)!.isLearner, false);
    subject.remove(1);
    assert.deepEqual(subject.confState(), { voters: [3, 4], learners: [5] });
    assert.equal(subject.progress.has(1), false);
    assert.deepEqual(subject.sortedIds(), [3, 4, 5]);
    assert.equal(subject.quorum(), 2);
  });

  test('isSingleton: one voter, whatever the learners', () => {
    assert.equal(tracker([1]).isSingleton(), true);
    assert.equal(tracker([1], [2]).isSingleton(), true);
    assert.equal(tracker([1, 2]).isSingleton(), false);
  });

  test('resetProgress starts everyone probing after the last index; only self matches it', () => {
    const subject = tracker([1, 2], [3]);
    subject.progress.get(2)!.becomeReplicate();
    subject.resetProgress(7, 1);
    assert.deepEqual(
      [1, 2, 3].map((id) => {
        const progress = subject.progress.get(id)!;
        return [progress.match, progress.next, progress.state, progress.isLearner];
      }),
      [
        [7, 8, 'probe', false],
        [0, 8, 'probe', false],
        [0, 8, 'probe', true],
      ],
    );
  });
});
