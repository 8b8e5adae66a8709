// Combining estimator scores per architecture with constants fixed on a tuning sample.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { combineScore, fitCombination, meanRank, standardiser } from '../../bench/lib/combine.js';
import { kendallTau } from '../../bench/lib/rank.js';
import { Rng } from '../../search/random.js';

test('standardiser uses the sample standard deviation and refuses constant data', () => {
  const s = standardiser([1, 2, 3, 4]);
  assert.equal(s.mean, 2.5);
  assert.ok(Math.abs(s.sd - Math.sqrt(5 / 3)) < 1e-12);
  assert.throws(() => standardiser([3, 3, 3]), /constant/);
});

test('fitCombination finds the weight that makes two half-informative scores rank best', () => {
  // accuracy = u + v; score a sees u, score b sees v at ten times the scale, plus noise.
  const rng = Rng.seeded(42);
  const u = Array.from({ length: 120 }, () => rng.normal());
  const v = Array.from({ length: 120 }, () => rng.normal());
  const accuracy = u.map((x, i) => x + v[i]);
  const a = u.map((x) => x + 0.3 * rng.normal());
  const b = v.map((x) => 10 * x + 3 * rng.normal());
  const fit = fitCombination([{ a, b, accuracy }]);
  assert.ok(fit.weight >= 0.75 && fit.weight <= 1.5, `weight ${fit.weight}`);
  const combined = a.map((x, i) => combineScore(fit, x, b[i]));
  assert.ok(Math.abs(kendallTau(combined, accuracy) - fit.tuneTau) < 1e-12);
  assert.ok(fit.tuneTau > kendallTau(a, accuracy) + 0.1 && fit.tuneTau > kendallTau(b, accuracy) + 0.1);
});

test('fitCombination keeps weight 0 when b is pure noise', () => {
  const rng = Rng.seeded(3);
  const accuracy = Array.from({ length: 100 }, () => rng.normal());
  const a = accuracy.map((x) => x + 0.2 * rng.normal());
  const b = accuracy.map(() => rng.normal());
  assert.ok(fitCombination([{ a, b, accuracy }]).weight <= 0.25);
});

test('meanRank averages ranks with ties', () => {
  assert.deepEqual(meanRank([1, 2, 3], [3, 3, 1]), [1.75, 2.25, 2]);
});
