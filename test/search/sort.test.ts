import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../search/random.js';
import { crowdingDistance } from '../../search/algorithms/crowding.js';
import { dominates, nonDominatedSort, ranksFromFronts } from '../../search/algorithms/sort.js';

/** Brute force: peel off the non-dominated set repeatedly. */
function bruteRanks(points: number[][]): number[] {
  const rank = new Array<number>(points.length).fill(-1);
  let left = points.map((_, i) => i);
  for (let r = 0; left.length > 0; r++) {
    const front = left.filter((i) => !left.some((k) => dominates(points[k], points[i])));
    front.forEach((i) => (rank[i] = r));
    left = left.filter((i) => rank[i] === -1);
  }
  return rank;
}

function randomPoints(rng: Rng, n: number, m: number, grid: number): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: m }, () => (grid > 0 ? rng.int(grid) : rng.next())));
}

test('non-dominated sort equals brute force (2-4 objectives, ties and duplicates included)', () => {
  const rng = Rng.seeded(11);
  for (let round = 0; round < 300; round++) {
    const m = 2 + (round % 3);
    const n = 1 + rng.int(60);
    const points = randomPoints(rng, n, m, round % 2 === 0 ? 5 : 0);
    const fronts = nonDominatedSort(points);
    assert.equal(fronts.flat().length, n, 'every point in exactly one front');
    assert.deepEqual([...ranksFromFronts(fronts, n)], bruteRanks(points), `round ${round}, m=${m}, n=${n}`);
  }
});

test('non-dominated sort: empty input, NaN and ragged points', () => {
  assert.deepEqual(nonDominatedSort([]), []);
  assert.throws(() => nonDominatedSort([[1, NaN]]), /NaN/);
  assert.throws(() => nonDominatedSort([[1, 2], [1]]), /point 1 has 1 objectives, expected 2/);
});

test('crowding distance: infinite boundaries, range-normalised gaps, constant objectives skipped', () => {
  const points = [
    [0, 10, 5],
    [1, 6, 5],
    [3, 4, 5],
    [4, 1, 5],
    [10, 0, 5],
  ];
  const d = crowdingDistance(points, [0, 1, 2, 3, 4]);
  assert.equal(d[0], Infinity);
  assert.equal(d[4], Infinity);
  // Objective 3 is constant: skipped. Point 1: (3-0)/10 + (10-4)/10.
  assert.ok(Math.abs(d[1] - 0.9) < 1e-12, String(d[1]));
  assert.ok(Math.abs(d[2] - (3 / 10 + 5 / 10)) < 1e-12, String(d[2]));
  assert.ok(Math.abs(d[3] - (7 / 10 + 4 / 10)) < 1e-12, String(d[3]));
  assert.deepEqual([...crowdingDistance(points, [2, 3])], [Infinity, Infinity]);
  // A front of identical points has no range anywhere: nothing is a boundary.
  assert.deepEqual([...crowdingDistance([[1, 1], [1, 1], [1, 1]], [0, 1, 2])], [0, 0, 0]);
});
