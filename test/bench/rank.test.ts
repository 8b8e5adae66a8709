// The fidelity benchmark's rank statistics against SciPy 1.17's values
// (scipy.stats.kendalltau = τ-b, scipy.stats.spearmanr, scipy.stats.rankdata).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { averageRanks, bootstrapInterval, kendallTau, pearson, quantile, spearmanRho } from '../../bench/lib/rank.js';

const close = (actual: number, expected: number, tol = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);

test('Kendall τ and Spearman ρ without ties match SciPy', () => {
  const x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const y = [3, 1, 2, 5, 4, 7, 6, 10, 8, 9];
  close(kendallTau(x, y), 0.7333333333333333);
  close(spearmanRho(x, y), 0.9030303030303028);
});

test('ties: average ranks, τ-b and ρ match SciPy', () => {
  const x = [1, 2, 2, 3, 4, 4, 4, 5];
  const y = [2, 1, 3, 3, 5, 4, 6, 6];
  assert.deepEqual(averageRanks(x), [1, 2.5, 2.5, 4, 6, 6, 6, 8]);
  close(kendallTau(x, y), 0.8006407690254358);
  close(spearmanRho(x, y), 0.9007775105401477);
  // SciPy's documentation example for kendalltau.
  close(kendallTau([12, 2, 1, 12, 2], [1, 4, 7, 1, 0]), -0.4714045207910316);
  close(spearmanRho([12, 2, 1, 12, 2], [1, 4, 7, 1, 0]), -0.5407380704358752);
});

test('monotone transforms leave rank correlations unchanged; reversal flips the sign', () => {
  const x = [0.3, 2.5, -1, 7, 4.2, 0.9];
  const y = [1, 5, 0, 9, 6, 3];
  close(kendallTau(x, y), 1);
  close(spearmanRho(x.map(Math.exp), y), 1);
  close(kendallTau(x.map((v) => -v), y), -1);
  close(spearmanRho(x.map((v) => -v * 10), y), -1);
});

test('a constant side gives NaN, not a number that looks meaningful', () => {
  assert.ok(Number.isNaN(kendallTau([1, 1, 1], [1, 2, 3])));
  assert.ok(Number.isNaN(spearmanRho([1, 2, 3], [4, 4, 4])));
  assert.ok(Number.isNaN(pearson([2, 2], [1, 3])));
});

test('bad input names the function and the problem', () => {
  assert.throws(() => kendallTau([1, 2], [1]), /kendallTau: x has 2 values, y has 1/);
  assert.throws(() => spearmanRho([1], [1]), /at least 2 pairs/);
  assert.throws(() => kendallTau([1, NaN], [1, 2]), /pair 1 is not finite/);
  assert.throws(() => bootstrapInterval([1, 2], [1, 2], kendallTau, { level: 1.5 }), /level must be in \(0, 1\)/);
});

test('quantile interpolates linearly like NumPy', () => {
  close(quantile([1, 2, 3, 4], 0.5), 2.5);
  close(quantile([1, 2, 3, 4], 0.025), 1.075);
  close(quantile([10], 0.9), 10);
});

test('bootstrap interval: seeded, brackets the estimate, degenerate for perfect agreement', () => {
  const x = [5, 1, 4, 2, 8, 7, 3, 6, 10, 9, 12, 11];
  const y = [4, 2, 5, 1, 6, 8, 3, 7, 9, 12, 10, 11];
  const a = bootstrapInterval(x, y, kendallTau, { seed: 7, resamples: 400 });
  const b = bootstrapInterval(x, y, kendallTau, { seed: 7, resamples: 400 });
  assert.deepEqual(a, b);
  close(a.estimate, kendallTau(x, y));
  assert.ok(a.low < a.estimate && a.estimate < a.high, JSON.stringify(a));
  assert.ok(a.low > 0 && a.high <= 1, JSON.stringify(a));
  const other = bootstrapInterval(x, y, kendallTau, { seed: 8, resamples: 400 });
  assert.notDeepEqual(other, a);
  const perfect = bootstrapInterval(x, x, spearmanRho, { seed: 1, resamples: 200 });
  assert.deepEqual([perfect.low, perfect.high], [1, 1]);
});
