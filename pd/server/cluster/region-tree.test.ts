import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../../../common/random.js';
import { PeerRole } from '../../../proto/gen/metapb.js';
import type * as metapb from '../../../proto/gen/metapb.js';
import { RegionTree, StaleReason, type RegionUpdate } from './region-tree.js';
import { key, region, regionInfo, regionShapes } from './test-fixtures.js';
import type { RegionInfo } from './types.js';

function mustApply(tree: RegionTree, info: RegionInfo): Exclude<RegionUpdate, { kind: 'stale' }> {
  const update = tree.update(info);
  assert.notEqual(update.kind, 'stale', `expected ${info.meta.id} to apply, got ${JSON.stringify(update.kind === 'stale' ? update.reason : '')}`);
  tree.checkInvariants();
  return update as Exclude<RegionUpdate, { kind: 'stale' }>;
}

function mustBeStale(tree: RegionTree, info: RegionInfo, reason: StaleReason, currentId: bigint): void {
  const before = regionShapes(tree.regions());
  const update = tree.update(info);
  assert.equal(update.kind, 'stale');
  if (update.kind !== 'stale') return;
  assert.equal(update.reason, reason);
  assert.equal(update.current.meta.id, currentId);
  assert.deepEqual(regionShapes(tree.regions()), before, 'a stale update must change nothing');
  tree.checkInvariants();
}

function build(specs: ReadonlyArray<readonly [bigint, string, string]>): RegionTree {
  const tree = new RegionTree();
  for (const [id, start, end] of specs) mustApply(tree, regionInfo(region({ id, start, end })));
  return tree;
}

describe('region tree lookups', () => {
  // [, c) [c, g) gap [k, p) [p, )
  const tree = build([
    [1n, '', 'c'],
    [2n, 'c', 'g'],
    [3n, 'k', 'p'],
    [4n, 'p', ''],
  ]);

  test('getRegion finds the region containing a key, none inside a gap', () => {
    assert.equal(tree.getRegion(key(''))?.meta.id, 1n);
    assert.equal(tree.getRegion(key('b\xff'))?.meta.id, 1n);
    assert.equal(tree.getRegion(key('c'))?.meta.id, 2n);
    assert.equal(tree.getRegion(key('f'))?.meta.id, 2n);
    assert.equal(tree.getRegion(key('g')), undefined);
    assert.equal(tree.getRegion(key('j\xff')), undefined);
    assert.equal(tree.getRegion(key('k'))?.meta.id, 3n);
    assert.equal(tree.getRegion(key('zzzz'))?.meta.id, 4n);
  });

  test('getRegionById', () => {
    assert.equal(tree.getRegionById(3n)?.meta.startKey.toString(), 'k');
    assert.equal(tree.getRegionById(9n), undefined);
    assert.equal(tree.size, 4);
  });

  test('getPrevRegion returns the adjacent region before the one containing the key', () => {
    assert.equal(tree.getPrevRegion(key('a')), undefined, 'the first region has no predecessor');
    assert.equal(tree.getPrevRegion(key('d'))?.meta.id, 1n);
    assert.equal(tree.getPrevRegion(key('k')), undefined, 'region 2 ends at g, not at k: not adjacent');
    assert.equal(tree.getPrevRegion(key('h')), undefined, 'no region contains h');
    assert.equal(tree.getPrevRegion(key('q'))?.meta.id, 3n);
  });

  test('scanRegions from the region containing the start key, bounded by end key and limit', () => {
    const ids = (start: string, end: string, limit: number) => tree.scanRegions(key(start), key(end), limit).map((info) => info.meta.id);
    assert.deepEqual(ids('', '', 0), [1n, 2n, 3n, 4n]);
    assert.deepEqual(ids('d', '', 0), [2n, 3n, 4n]);
    assert.deepEqual(ids('h', '', 0), [3n, 4n], 'a start key in a gap begins at the next region');
    assert.deepEqual(ids('a', 'k', 0), [1n, 2n], 'a region starting at the end key is excluded');
    assert.deepEqual(ids('a', 'k\x00', 0), [1n, 2n, 3n]);
    assert.deepEqual(ids('', '', 2), [1n, 2n]);
    assert.deepEqual(ids('q', '', 5), [4n]);
  });

  test('getAdjacent pairs only regions that share a boundary', () => {
    const adjacent = (id: bigint) => {
      const { prev, next } = tree.getAdjacent(tree.getRegionById(id)!.meta);
      return [prev?.meta.id, next?.meta.id];
    };
    assert.deepEqual(adjacent(1n), [undefined, 2n]);
    assert.deepEqual(adjacent(2n), [1n, undefined]);
    assert.deepEqual(adjacent(3n), [undefined, 4n]);
    assert.deepEqual(adjacent(4n), [3n, undefined]);
  });

  test('an empty tree answers nothing', () => {
    const empty = new RegionTree();
    assert.equal(empty.getRegion(key('a')), undefined);
    assert.equal(empty.getPrevRegion(key('a')), undefined);
    assert.deepEqual(empty.scanRegions(key(''), key(''), 0), []);
    assert.deepEqual(empty.getAdjacent(region({ id: 1n, start: 'a', end: 'b' })), { prev: undefined, next: undefined });
  });
});

describe('region tree updates', () => {
  test('a split seen right side first: the new region evicts the old one, then the left side returns', () => {
    const tree = new RegionTree();
    mustApply(tree, regionInfo(region({ id: 1n, start: '', end: '', version: 1n })));
    // Region 1 [, ) splits at m into 1 [, m) and 2 [m, ), both at version 2.
    const right = mustApply(tree, regionInfo(region({ id: 2n, start: 'm', end: '', version: 2n })));
    assert.equal(right.kind, 'inserted');
    assert.deepEqual(right.removed.map((info) => info.meta.id), [1n]);
    assert.equal(tree.getRegion(key('a')), undefined, 'PD knows nothing of [, m) until region 1 reports');
    const left = mustApply(tree, regionInfo(region({ id: 1n, start: '', end: 'm', version: 2n })));
    assert.equal(left.kind, 'inserted');
    assert.deepEqual(regionShapes(tree.regions()), ['1:[,m)v2c1', '2:[m,)v2c1']);
    // The old leader of region 1, which missed the split, reports the old shape.
    mustBeStale(tree, regionInfo(region({ id: 1n, start: '', end: '', version: 1n })), StaleReason.staleEpoch, 1n);
  });

  test('a split seen left side first keeps the right part until the new region reports', () => {
    const tree = new RegionTree();
    mustApply(tree, regionInfo(region({ id: 1n, start: '', end: '', version: 1n })));
    const left = mustApply(tree, regionInfo(region({ id: 1n, start: '', end: 'm', version: 2n })));
    assert.equal(left.kind, 'updated');
    assert.equal(left.kind === 'updated' && left.metaChanged, true);
    assert.deepEqual(regionShapes(tree.regions()), ['1:[,m)v2c1']);
    mustApply(tree, regionInfo(region({ id: 2n, start: 'm', end: '', version: 2n })));
    assert.deepEqual(regionShapes(tree.regions()), ['1:[,m)v2c1', '2:[m,)v2c1']);
  });

  test('a batch split into several regions, reported in any order', () => {
    const tree = new RegionTree();
    mustApply(tree, regionInfo(region({ id: 1n, start: 'a', end: 'z', version: 5n })));
    mustApply(tree, regionInfo(region({ id: 11n, start: 'f', end: 'k', version: 8n })));
    mustApply(tree, regionInfo(region({ id: 1n, start: 'a', end: 'f', version: 8n })));
    mustApply(tree, regionInfo(region({ id: 13n, start: 'p', end: 'z', version: 8n })));
    mustApply(tree, regionInfo(region({ id: 12n, start: 'k', end: 'p', version: 8n })));
    assert.deepEqual(regionShapes(tree.regions()), ['1:[a,f)v8c1', '11:[f,k)v8c1', '12:[k,p)v8c1', '13:[p,z)v8c1']);
  });

  test('a merge: the target grows over the source; the source and its stale peers are refused', () => {
    const tree = build([
      [1n, '', 'm'],
      [2n, 'm', ''],
    ]);
    // Source 2 merges into target 1: target version = max(1, 1) + 1.
    const merged = mustApply(tree, regionInfo(region({ id: 1n, start: '', end: '', version: 2n })));
    assert.equal(merged.kind, 'updated');
    assert.deepEqual(merged.removed.map((info) => info.meta.id), [2n]);
    assert.deepEqual(regionShapes(tree.regions()), ['1:[,)v2c1']);
    mustBeStale(tree, regionInfo(region({ id: 2n, start: 'm', end: '', version: 1n })), StaleReason.overlapsNewer, 1n);
  });

  test('an overlapping region with an equal version is replaced, as PD does', () => {
    const tree = build([[1n, 'a', 'm']]);
    const update = mustApply(tree, regionInfo(region({ id: 2n, start: 'k', end: 'z', version: 1n })));
    assert.deepEqual(update.removed.map((info) => info.meta.id), [1n]);
  });

  test('confVer and term staleness for the same region', () => {
    const tree = new RegionTree();
    const peers: Array<readonly [bigint, bigint]> = [
      [10n, 1n],
      [20n, 2n],
    ];
    mustApply(tree, regionInfo(region({ id: 1n, start: '', end: '', version: 3n, confVer: 4n, peers }), { term: 7n }));
    // Same version, older membership.
    mustBeStale(tree, regionInfo(region({ id: 1n, start: '', end: '', version: 3n, confVer: 3n, peers }), { term: 9n }), StaleReason.staleEpoch, 1n);
    // Newer version but older confVer is still stale: both dimensions must not go back.
    mustBeStale(tree, regionInfo(region({ id: 1n, start: '', end: '', version: 4n, confVer: 3n, peers }), { term: 9n }), StaleReason.staleEpoch, 1n);
    // Same epoch from a deposed leader (older term).
    mustBeStale(tree, regionInfo(region({ id: 1n, start: '', end: '', version: 3n, confVer: 4n, peers }), { term: 6n, leaderIndex: 1 }), StaleReason.staleTerm, 1n);
    // Same epoch, newer term: a leader change, applied but not a meta change.
    const leaderChange = mustApply(tree, regionInfo(region({ id: 1n, start: '', end: '', version: 3n, confVer: 4n, peers }), { term: 8n, leaderIndex: 1 }));
    assert.equal(leaderChange.kind === 'updated' && leaderChange.metaChanged, false);
    assert.equal(tree.getRegionById(1n)?.leader?.storeId, 2n);
    // Term 0 means "unknown" and proves nothing.
    mustApply(tree, regionInfo(region({ id: 1n, start: '', end: '', version: 3n, confVer: 4n, peers }), { term: 0n }));
  });

  test('stats-only updates are not meta changes; peer changes are, in any order', () => {
    const tree = new RegionTree();
    const peers: Array<readonly [bigint, bigint]> = [
      [10n, 1n],
      [20n, 2n],
    ];
    mustApply(tree, regionInfo(region({ id: 1n, start: '', end: '', peers })));
    const statsOnly = mustApply(tree, regionInfo(region({ id: 1n, start: '', end: '', peers: [...peers].reverse() }), { sizeBytes: 99n }));
    assert.equal(statsOnly.kind === 'updated' && statsOnly.metaChanged, false, 'peer order does not matter');
    const meta = region({ id: 1n, start: '', end: '', confVer: 2n, peers });
    (meta.peers[1] as metapb.Peer).role = PeerRole.Learner;
    const roleChange = mustApply(tree, regionInfo(meta));
    assert.equal(roleChange.kind === 'updated' && roleChange.metaChanged, true);
  });

  test('per-store region and leader counts follow every change', () => {
    const tree = new RegionTree();
    const three: Array<readonly [bigint, bigint]> = [
      [10n, 1n],
      [11n, 2n],
      [12n, 3n],
    ];
    mustApply(tree, regionInfo(region({ id: 1n, start: '', end: 'm', peers: three }), { sizeBytes: 100n }));
    mustApply(tree, regionInfo(region({ id: 2n, start: 'm', end: '', peers: three.map(([id, storeId]) => [id + 10n, storeId] as const) }), { sizeBytes: 50n, leaderIndex: 1 }));
    assert.deepEqual(tree.storeRegionStats(1n), { regionCount: 2, leaderCount: 1, regionSizeBytes: 150n, leaderSizeBytes: 100n });
    assert.deepEqual(tree.storeRegionStats(2n), { regionCount: 2, leaderCount: 1, regionSizeBytes: 150n, leaderSizeBytes: 50n });
    // Region 2 moves its peer from store 3 to store 4 and its leader to store 1.
    mustApply(
      tree,
      regionInfo(region({ id: 2n, start: 'm', end: '', confVer: 2n, peers: [[20n, 1n], [21n, 2n], [23n, 4n]] }), { sizeBytes: 60n, term: 2n }),
    );
    assert.deepEqual(tree.storeRegionStats(1n), { regionCount: 2, leaderCount: 2, regionSizeBytes: 160n, leaderSizeBytes: 160n });
    assert.deepEqual(tree.storeRegionStats(3n), { regionCount: 1, leaderCount: 0, regionSizeBytes: 100n, leaderSizeBytes: 0n });
    assert.deepEqual(tree.storeRegionStats(4n), { regionCount: 1, leaderCount: 0, regionSizeBytes: 60n, leaderSizeBytes: 0n });
    tree.remove(1n);
    tree.checkInvariants();
    assert.deepEqual(tree.storeRegionStats(3n), { regionCount: 0, leaderCount: 0, regionSizeBytes: 0n, leaderSizeBytes: 0n });
    assert.equal(tree.remove(1n), undefined);
  });

  test('a region that moved away from its old range entirely', () => {
    const tree = build([
      [1n, 'a', 'c'],
      [2n, 'x', 'z'],
    ]);
    mustApply(tree, regionInfo(region({ id: 1n, start: 'm', end: 'p', version: 2n })));
    assert.deepEqual(regionShapes(tree.regions()), ['1:[m,p)v2c1', '2:[x,z)v1c1']);
    mustApply(tree, regionInfo(region({ id: 2n, start: 'b', end: 'c', version: 2n })));
    assert.deepEqual(regionShapes(tree.regions()), ['2:[b,c)v2c1', '1:[m,p)v2c1']);
  });
});

/**
 * A model of a cluster's regions evolving through splits, merges, membership and leader
 * changes with TiKV's epoch rules. Every state any region ever had is a heartbeat some
 * peer may still send; delivering them in a random order, with the final states last,
 * must leave the tree exactly at the final states, and never break its invariants.
 */
describe('region tree under shuffled heartbeats (seeded)', () => {
  interface ModelRegion {
    id: bigint;
    start: string;
    end: string;
    version: bigint;
    confVer: bigint;
    term: bigint;
  }

  function snapshot(model: ModelRegion): RegionInfo {
    return regionInfo(region({ id: model.id, start: model.start, end: model.end, version: model.version, confVer: model.confVer, peers: [[model.id * 100n + model.confVer, 1n]] }), {
      term: model.term,
    });
  }

  function runSeed(seed: number): void {
    const random = new SeededRandom(seed);
    let nextId = 2n;
    // Invariant: sorted by start, contiguous, covering the whole key space.
    let live: ModelRegion[] = [{ id: 1n, start: '', end: '', version: 1n, confVer: 1n, term: 1n }];
    const history: RegionInfo[] = [snapshot(live[0]!)];
    for (let step = 0; step < 60; step++) {
      const index = random.nextInt(live.length);
      const target = live[index]!;
      const action = random.nextInt(4);
      if (action === 0) {
        // Split at a fresh key inside the range: all parts get version + 1.
        const low = target.start === '' ? 'a' : target.start;
        const splitKey = low + String.fromCharCode(97 + random.nextInt(26)) + String(step);
        if (target.end !== '' && splitKey >= target.end) continue;
        const right: ModelRegion = { id: nextId++, start: splitKey, end: target.end, version: target.version + 1n, confVer: 1n, term: 1n };
        target.end = splitKey;
        target.version += 1n;
        live.splice(index + 1, 0, right);
        history.push(snapshot(target), snapshot(right));
      } else if (action === 1 && index + 1 < live.length) {
        // Merge the right neighbour into the target: version = max + 1.
        const source = live[index + 1]!;
        target.end = source.end;
        target.version = (target.version > source.version ? target.version : source.version) + 1n;
        live.splice(index + 1, 1);
        history.push(snapshot(target));
      } else if (action === 2) {
        target.confVer += 1n;
        history.push(snapshot(target));
      } else {
        target.term += 1n;
        history.push(snapshot(target));
      }
    }
    live = live.map((model) => ({ ...model }));

    const tree = new RegionTree();
    const shuffled = history.slice();
    for (let index = shuffled.length - 1; index > 0; index--) {
      const other = random.nextInt(index + 1);
      [shuffled[index], shuffled[other]] = [shuffled[other]!, shuffled[index]!];
    }
    for (const info of shuffled) {
      tree.update(info);
      tree.checkInvariants();
    }
    for (const model of live) {
      tree.update(snapshot(model));
      tree.checkInvariants();
    }
    const expected = live.map((model) => `${model.id}:[${model.start},${model.end})v${model.version}c${model.confVer}`);
    assert.deepEqual(regionShapes(tree.regions()), expected, `seed ${seed}`);
    for (const model of live) assert.equal(tree.getRegionById(model.id)?.term, model.term, `seed ${seed}: term of ${model.id}`);
    // Old states arriving late change nothing.
    for (const info of history) tree.update(info);
    assert.deepEqual(regionShapes(tree.regions()), expected, `seed ${seed}: after late replays`);
  }

  test('converges to the final states for 200 seeds', () => {
    for (let seed = 1; seed <= 200; seed++) runSeed(seed);
  });
});

describe('region tree at scale', () => {
  test('100k regions: build, heartbeat in place, look up', () => {
    const tree = new RegionTree();
    const count = 100_000;
    const boundary = (index: number) => (index === 0 ? '' : `k${String(index).padStart(6, '0')}`);
    for (let index = 0; index < count; index++) {
      const meta = region({ id: BigInt(index + 1), start: boundary(index), end: index + 1 === count ? '' : boundary(index + 1) });
      assert.equal(tree.update(regionInfo(meta)).kind, 'inserted');
    }
    for (let index = 0; index < count; index += 7) {
      const current = tree.getRegionById(BigInt(index + 1))!;
      const update = tree.update({ ...current, approximateSizeBytes: 1n, term: 2n });
      assert.equal(update.kind === 'updated' && !update.metaChanged, true);
    }
    for (let index = 1; index < count; index += 13) assert.equal(tree.getRegion(key(boundary(index) + 'x'))?.meta.id, BigInt(index + 1));
    tree.checkInvariants();
    assert.equal(tree.size, count);
  });
});
