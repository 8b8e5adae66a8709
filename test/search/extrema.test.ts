// Issue 10 item 5: no unbounded array is spread into a call. With 200,000 values,
// Math.max(...values) threw RangeError (too many arguments) in the reference point.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hypervolume } from '../../search/hypervolume.js';
import { kneeIndex } from '../../search/knee.js';
import { referenceFrom } from '../../search/reference-point.js';
import { maxOf, minOf } from '../../search/extrema.js';

const N = 200_000;
const vectors = Array.from({ length: N }, (_, i) => [i, N - i]);

test('reference point, knee and 1-D hypervolume of 200,000 vectors', () => {
  // nadir + 10% of the range per objective: x from 0 to N-1, y from 1 to N.
  assert.deepEqual(referenceFrom(vectors, [], 2), [(N - 1) + 0.1 * (N - 1), N + 0.1 * (N - 1)]);
  // The front x + y = N is flat: every point is equally far from the plane, the first wins.
  assert.equal(kneeIndex(vectors), 0);
  assert.equal(hypervolume(vectors.map((v) => [v[0]]), [N]), N);
});

test('minOf and maxOf agree with Math.min and Math.max, NaN included', () => {
  for (const values of [[3, 1, 2], [-0.5], [], [1, NaN, 3]]) {
    assert.equal(minOf(values), Math.min(...values));
    assert.equal(maxOf(values), Math.max(...values));
  }
});
