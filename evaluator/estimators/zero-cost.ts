// The `zero-cost` estimator's formula: a calibrated linear combination of z-scored (log-)
// proxies, score = Σ_k w_k · (t_k(value_k) − mean_k) / sd_k, higher predicted better, and its
// map to an estimated test error in percent, error = exp(α − β·score) (β > 0: strictly
// decreasing, so the ranking is the score's), capped at 100. The constants of each space live
// in calibration.ts; `npm run bench:fidelity` fits them on the tune halves with this code.
import { DegenerateNetworkError } from '../degenerate.js';

/** How a raw proxy value enters the combination: positive, size-like quantities by their log. */
export const FEATURE_TRANSFORMS = {
  naswot: 'identity',
  swap: 'log',
  meco: 'identity',
  meco8: 'identity',
  zen: 'identity',
  expressivity: 'identity',
  progressivity: 'identity',
  params: 'log',
  flops: 'log',
  synflow: 'identity',
  jacob_cov: 'identity',
  zico: 'identity',
  trainability: 'identity',
} as const;

export type Feature = keyof typeof FEATURE_TRANSFORMS;
export const FEATURES = Object.keys(FEATURE_TRANSFORMS) as Feature[];

export function transformed(feature: Feature, raw: number): number {
  if (FEATURE_TRANSFORMS[feature] === 'log') return raw > 0 ? Math.log(raw) : -Infinity;
  return raw;
}

export interface Term {
  readonly feature: Feature;
  /** z-score constants of the transformed value over the fitting sample. */
  readonly mean: number;
  readonly sd: number;
  readonly weight: number;
}

/** error = min(100, exp(alpha − beta · score)). */
export interface ErrorMap {
  readonly alpha: number;
  readonly beta: number;
}

/** The combined score; an infinite term (NASWOT's singular kernel) throws DegenerateNetworkError, NaN fails the trial. */
export function combinationScore(terms: readonly Term[], values: Partial<Record<Feature, number>>): number {
  let score = 0;
  for (const t of terms) {
    const raw = values[t.feature];
    if (raw === undefined) throw new Error(`zero-cost: proxy ${t.feature} was not measured`);
    const v = transformed(t.feature, raw);
    // An infinite term (NASWOT's singular kernel) is a degenerate network: the worst error. NaN stays a failure.
    if (v === Infinity || v === -Infinity) throw new DegenerateNetworkError(`zero-cost: proxy ${t.feature} is not finite (${raw}); a degenerate network`);
    if (!Number.isFinite(v)) throw new Error(`zero-cost: proxy ${t.feature} is not finite (${raw})`);
    score += (t.weight * (v - t.mean)) / t.sd;
  }
  return score;
}

export function estimatedError(map: ErrorMap, score: number): number {
  if (!(map.beta > 0)) throw new RangeError(`zero-cost error map: beta must be > 0, got ${map.beta}`);
  return Math.min(100, Math.exp(map.alpha - map.beta * score));
}
