// Fitting the zero-cost combination on the tune half: greedy forward selection of z-scored
// (log-)proxies, each added with a weight from a small grid, kept only while the mean Kendall
// τ over seeds rises by at least MIN_GAIN (few constants: the combination must hold outside
// the sample). Then the error map log(error) = α − β·score by least squares.
import { combinationScore, FEATURES, transformed, type ErrorMap, type Feature, type Term } from '../../evaluator/estimators/zero-cost.js';
import { kendallTau } from './rank.js';

export const WEIGHT_GRID = [0.25, 0.5, 1, 2];
export const MIN_GAIN = 0.005;
export const MAX_TERMS = 5;

/** One seed's tune data: raw proxy values per architecture, and accuracies. */
export interface FitRun {
  readonly values: readonly Partial<Record<Feature, number>>[];
  readonly accuracy: readonly number[];
}

function standardiser(runs: readonly FitRun[], f: Feature): { mean: number; sd: number } | undefined {
  const xs = runs.flatMap((r) => r.values.map((v) => (v[f] === undefined ? NaN : transformed(f, v[f]!)))).filter(Number.isFinite);
  if (xs.length < 10) return undefined;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, v) => a + (v - mean) ** 2, 0) / (xs.length - 1));
  return sd > 0 ? { mean, sd } : undefined;
}

/** Scores with failures (non-finite terms, singular NASWOT kernels) ranked last, tied. */
export function scoresOf(terms: readonly Term[], values: readonly Partial<Record<Feature, number>>[]): number[] {
  const raw = values.map((v) => {
    // As the estimator: a singular NASWOT kernel is a degenerate network (worst error), term or not.
    if (v.naswot !== undefined && !Number.isFinite(v.naswot)) return NaN;
    try {
      return combinationScore(terms, v);
    } catch {
      return NaN;
    }
  });
  const finite = raw.filter(Number.isFinite);
  const floor = finite.length ? Math.min(...finite) - 1 : 0;
  return raw.map((s) => (Number.isFinite(s) ? s : floor));
}

export function meanTau(terms: readonly Term[], runs: readonly FitRun[]): number {
  return runs.reduce((a, r) => a + kendallTau(scoresOf(terms, r.values), r.accuracy), 0) / runs.length;
}

export interface Fit {
  readonly terms: Term[];
  readonly tuneTau: number;
  /** Selection steps, for the log. */
  readonly steps: string[];
}

export function fitTerms(runs: readonly FitRun[], candidates: readonly Feature[] = FEATURES): Fit {
  const z = new Map<Feature, { mean: number; sd: number }>();
  for (const f of candidates) {
    const s = standardiser(runs, f);
    if (s) z.set(f, s);
  }
  let terms: Term[] = [];
  let best = -Infinity;
  const steps: string[] = [];
  while (terms.length < MAX_TERMS) {
    let step: { terms: Term[]; tau: number } | undefined;
    for (const [f, s] of z) {
      if (terms.some((t) => t.feature === f)) continue;
      // Both signs: a proxy may rank inversely; the first term sets the scale (weight ±1).
      const weights = terms.length === 0 ? [1, -1] : WEIGHT_GRID.flatMap((w) => [w, -w]);
      for (const weight of weights) {
        const trial = [...terms, { feature: f, ...s, weight }];
        const tau = meanTau(trial, runs);
        if (!step || tau > step.tau + 1e-12) step = { terms: trial, tau };
      }
    }
    if (!step || step.tau < best + (terms.length === 0 ? -Infinity : MIN_GAIN)) break;
    terms = step.terms;
    best = step.tau;
    const last = terms[terms.length - 1];
    steps.push(`+ ${last.weight}·z(${last.feature}) → tune τ ${best.toFixed(3)}`);
  }
  return { terms, tuneTau: best, steps };
}

/** Least squares of ln(100 − accuracy) on the score (finite scores only). */
export function fitErrorMap(scores: readonly number[], accuracy: readonly number[]): ErrorMap & { residualSd: number; n: number } {
  const pts = scores.map((s, i) => [s, Math.log(100 - accuracy[i])]).filter(([s, y]) => Number.isFinite(s) && Number.isFinite(y));
  const n = pts.length;
  const mx = pts.reduce((a, p) => a + p[0], 0) / n;
  const my = pts.reduce((a, p) => a + p[1], 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of pts) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  const slope = sxy / sxx;
  const alpha = my - slope * mx;
  const resid = pts.map(([x, y]) => y - (alpha + slope * x));
  const residualSd = Math.sqrt(resid.reduce((a, r) => a + r * r, 0) / (n - 2));
  return { alpha, beta: -slope, residualSd, n };
}
