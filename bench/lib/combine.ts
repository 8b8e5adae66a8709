// Combining two estimator scores per single architecture, without a population: each score
// is z-scored against constants fixed on the tuning sample, then mixed with a fixed weight.
// (A mean of per-batch ranks would need the whole population; a trial is scored alone.)
import { averageRanks, kendallTau } from './rank.js';

export interface Standardiser {
  readonly mean: number;
  readonly sd: number;
}

export function standardiser(values: readonly number[]): Standardiser {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  if (!(sd > 0)) throw new RangeError(`standardiser: values are constant (${mean}); cannot z-score`);
  return { mean, sd };
}

export interface LinearCombination {
  readonly a: Standardiser;
  readonly b: Standardiser;
  /** Weight of b relative to a: score = z(a) + weight · z(b). */
  readonly weight: number;
}

export function combineScore(c: LinearCombination, a: number, b: number): number {
  return (a - c.a.mean) / c.a.sd + c.weight * ((b - c.b.mean) / c.b.sd);
}

/** Candidate weights: 0 … 4 (b's share from none to dominant); a coarse grid limits overfitting. */
export const WEIGHTS = [0, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4];

/**
 * Fits the weight on tuning data (one or more seeds, each a paired list of a, b and the
 * accuracy), maximising the mean Kendall τ over seeds.
 */
export function fitCombination(
  runs: readonly { a: readonly number[]; b: readonly number[]; accuracy: readonly number[] }[],
): LinearCombination & { tuneTau: number } {
  const a = standardiser(runs.flatMap((r) => r.a));
  const b = standardiser(runs.flatMap((r) => r.b));
  let best = { a, b, weight: 0, tuneTau: -Infinity };
  for (const weight of WEIGHTS) {
    const c = { a, b, weight };
    const tau =
      runs.reduce((sum, r) => sum + kendallTau(r.a.map((v, i) => combineScore(c, v, r.b[i])), r.accuracy), 0) / runs.length;
    if (tau > best.tuneTau + 1e-9) best = { ...c, tuneTau: tau };
  }
  return best;
}

/** Population reference: the mean of the two rank vectors (needs the whole sample at once). */
export function meanRank(a: readonly number[], b: readonly number[]): number[] {
  const ra = averageRanks(a);
  const rb = averageRanks(b);
  return ra.map((r, i) => (r + rb[i]) / 2);
}
