import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hypervolume } from '../../search/hypervolume.js';
import { kneeIndex } from '../../search/knee.js';
import { Rng } from '../../search/random.js';

/** Inclusion-exclusion over all subsets: the union of the boxes [p, ref]. */
function inclusionExclusion(points: number[][], ref: number[]): number {
  const inside = points.filter((p) => p.every((v, j) => v < ref[j]));
  let total = 0;
  for (let mask = 1; mask < 1 << inside.length; mask++) {
    let volume = 1;
    let size = 0;
    for (let j = 0; j < ref.length; j++) {
      let worst = -Infinity;
      for (let i = 0; i < inside.length; i++) if (mask & (1 << i)) worst = Math.max(worst, inside[i][j]);
      volume *= ref[j] - worst;
    }
    for (let i = 0; i < inside.length; i++) if (mask & (1 << i)) size++;
    total += size % 2 === 1 ? volume : -volume;
  }
  return total;
}

/** Counts unit grid cells dominated by some point (integer coordinates in [0, side)). */
function gridVolume(points: number[][], side: number, m: number): number {
  let count = 0;
  const cell = new Array<number>(m).fill(0);
  const total = side ** m;
  for (let c = 0; c < total; c++) {
    let rest = c;
    for (let j = 0; j < m; j++) {
      cell[j] = rest % side;
      rest = Math.floor(rest / side);
    }
    if (points.some((p) => p.every((v, j) => v <= cell[j]))) count++;
  }
  return count;
}

test('hypervolume equals inclusion-exclusion on small random sets (2 and 3 objectives)', () => {
  const rng = Rng.seeded(5);
  for (let round = 0; round < 400; round++) {
    const m = 2 + (round % 2);
    const n = rng.int(9);
    const integer = round % 4 < 2;
    const points = Array.from({ length: n }, () => Array.from({ length: m }, () => (integer ? rng.int(6) : rng.next() * 6)));
    const ref = Array.from({ length: m }, () => 4 + rng.next() * 2);
    const expected = inclusionExclusion(points, ref);
    const got = hypervolume(points, ref);
    assert.ok(Math.abs(got - expected) <= 1e-9 * Math.max(1, expected), `round ${round}: ${got} vs ${expected}`);
  }
});

test('hypervolume equals a grid count on larger integer sets', () => {
  const rng = Rng.seeded(6);
  for (const m of [2, 3]) {
    for (let round = 0; round < 10; round++) {
      const side = 12;
      const points = Array.from({ length: 40 }, () => Array.from({ length: m }, () => rng.int(side)));
      assert.equal(hypervolume(points, new Array<number>(m).fill(side)), gridVolume(points, side, m));
    }
  }
});

test('hypervolume: known values, points outside the reference point, bad input', () => {
  assert.equal(hypervolume([[1, 2], [2, 1]], [3, 3]), 3);
  assert.equal(hypervolume([[0, 0, 0]], [1, 2, 3]), 6);
  assert.equal(hypervolume([[3, 0], [0, 5]], [3, 3]), 0);
  assert.equal(hypervolume([], [1, 1]), 0);
  assert.equal(hypervolume([[2]], [5]), 3);
  assert.throws(() => hypervolume([[1, 2, 3]], [1, 2]), /point 0 has 3 objectives/);
  assert.throws(() => hypervolume([[1, 2]], [1, Infinity]), /reference point coordinate 1 must be finite/);
  assert.throws(() => hypervolume([[1, 1, 1, 1]], [2, 2, 2, 2]), /1 to 3 objectives, got 4/);
});

test('knee: the member furthest inside the line or plane through the extremes', () => {
  // Convex 2-D front with an obvious bend at (1, 1).
  assert.equal(kneeIndex([[0, 10], [1, 1], [2, 0.5], [10, 0]]), 1);
  // Scale does not matter: objectives are normalised by the front's range.
  assert.equal(kneeIndex([[0, 10e6], [1, 1e6], [2, 0.5e6], [10, 0]]), 1);
  // 3-D: extremes on the unit axes; (0.2, 0.2, 0.2) bulges furthest towards the origin.
  assert.equal(kneeIndex([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0.5, 0.5, 0.1], [0.2, 0.2, 0.2]]), 4);
  assert.equal(kneeIndex([]), undefined);
  assert.equal(kneeIndex([[1, 2]]), 0);
});
