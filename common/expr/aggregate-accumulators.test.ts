import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '../random.js';
import { Decimal } from '../types/decimal.js';
import { newAccumulator } from './aggregate.js';
import { resultTypes } from './eval-type.js';
import { columnRef } from './expr.js';

const bigint = resultTypes.bigint();

test('SUM and AVG of integers are exact whatever their size, small ones summed in a double until it nears 2^53', () => {
  const random = new SeededRandom(3);
  // Addends at the edge of the small path (±2^31), large ones past it, and (round 0)
  // enough of the largest small ones that their sum passes 2^53, where a double is no
  // longer exact: it must be folded into the bigint on the way.
  const edges = [2n ** 31n - 1n, -(2n ** 31n) + 1n, 2n ** 31n, -(2n ** 31n), 2n ** 62n, -(2n ** 63n), 0n, 1n, -1n];
  for (let round = 0; round < 20; round++) {
    const sum = newAccumulator({ kind: 'sum', args: [columnRef(0, bigint)], distinct: false });
    const average = newAccumulator({ kind: 'avg', args: [columnRef(0, bigint)], distinct: false });
    let exact = 0n;
    let count = 0n;
    const values = round === 0 ? Array.from({ length: 5_000_000 }, () => 2n ** 31n - 1n) : Array.from({ length: 20_000 }, () => (random.chance(0.5) ? edges[random.nextInt(edges.length)]! : BigInt(random.nextIntBetween(-1000, 1000))));
    for (const value of values) {
      sum.add(value);
      average.add(value);
      exact += value;
      count++;
    }
    sum.add(null);
    assert.deepEqual(sum.partial(), [Decimal.fromBigInt(exact)], `round ${round}`);
    assert.deepEqual(average.partial(), [count, Decimal.fromBigInt(exact)], `round ${round}`);
  }
});

test('COUNT counts the values that are not NULL, as a bigint', () => {
  const count = newAccumulator({ kind: 'count', args: [columnRef(0, bigint)], distinct: false });
  for (let index = 0; index < 1000; index++) count.add(index % 3 === 0 ? null : BigInt(index));
  assert.deepEqual(count.partial(), [666n]);
  assert.deepEqual(newAccumulator({ kind: 'sum', args: [columnRef(0, bigint)], distinct: false }).partial(), [null], 'SUM of no values is NULL');
});
