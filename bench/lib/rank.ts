// Rank statistics for the fidelity benchmark: Kendall's τ-b, Spearman's ρ (both correct
// under ties) and seeded percentile-bootstrap intervals. Written here rather than taken from
// a package because the npm statistics libraries we looked at lack τ-b with tie handling;
// the tests check every function against SciPy's values.
import { Rng } from '../../search/random.js';

function checkPaired(x: readonly number[], y: readonly number[], what: string): void {
  if (x.length !== y.length) throw new RangeError(`${what}: x has ${x.length} values, y has ${y.length}; expected equal lengths`);
  if (x.length < 2) throw new RangeError(`${what}: expected at least 2 pairs, got ${x.length}`);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) {
      throw new RangeError(`${what}: pair ${i} is not finite (x=${x[i]}, y=${y[i]})`);
    }
  }
}

/** 1-based ranks, ties sharing the mean of the ranks they span (SciPy's `rankdata(method='average')`). */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Array<number>(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && values[order[end]] === values[order[start]]) end++;
    const mean = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]] = mean;
    start = end;
  }
  return ranks;
}

/** Pearson's correlation; NaN when either side is constant (as SciPy). */
export function pearson(x: readonly number[], y: readonly number[]): number {
  checkPaired(x, y, 'pearson');
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

/** Spearman's ρ: Pearson's correlation of the average ranks. */
export function spearmanRho(x: readonly number[], y: readonly number[]): number {
  checkPaired(x, y, 'spearmanRho');
  return pearson(averageRanks(x), averageRanks(y));
}

/**
 * Kendall's τ-b = (C − D) / sqrt((n0 − n1)(n0 − n2)), where n1 and n2 count pairs tied in x
 * and in y. O(n²), which is fine for the few hundred architectures a benchmark holds.
 */
export function kendallTau(x: readonly number[], y: readonly number[]): number {
  checkPaired(x, y, 'kendallTau');
  const n = x.length;
  let s = 0;
  let tiedX = 0;
  let tiedY = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = Math.sign(x[i] - x[j]);
      const dy = Math.sign(y[i] - y[j]);
      if (dx === 0) tiedX++;
      if (dy === 0) tiedY++;
      s += dx * dy;
    }
  }
  const n0 = (n * (n - 1)) / 2;
  const denominator = Math.sqrt((n0 - tiedX) * (n0 - tiedY));
  return denominator === 0 ? NaN : s / denominator;
}

export interface Interval {
  readonly estimate: number;
  readonly low: number;
  readonly high: number;
}

export interface BootstrapOptions {
  readonly resamples?: number;
  /** Coverage of the interval, e.g. 0.95. */
  readonly level?: number;
  readonly seed?: number;
}

/**
 * Percentile bootstrap over pairs: resample the (x, y) pairs with replacement, recompute
 * the statistic, and take the central `level` quantiles. Resamples whose statistic is
 * undefined (all values tied) are skipped.
 */
export function bootstrapInterval(
  x: readonly number[],
  y: readonly number[],
  statistic: (x: readonly number[], y: readonly number[]) => number,
  options: BootstrapOptions = {},
): Interval {
  checkPaired(x, y, 'bootstrapInterval');
  const resamples = options.resamples ?? 1000;
  const level = options.level ?? 0.95;
  if (!(level > 0 && level < 1)) throw new RangeError(`bootstrapInterval: level must be in (0, 1), got ${level}`);
  if (!Number.isInteger(resamples) || resamples < 10) throw new RangeError(`bootstrapInterval: resamples must be an integer ≥ 10, got ${resamples}`);
  const rng = Rng.seeded(options.seed ?? 0);
  const n = x.length;
  const bx = new Array<number>(n);
  const by = new Array<number>(n);
  const stats: number[] = [];
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) {
      const k = rng.int(n);
      bx[i] = x[k];
      by[i] = y[k];
    }
    const value = statistic(bx, by);
    if (Number.isFinite(value)) stats.push(value);
  }
  stats.sort((a, b) => a - b);
  const alpha = (1 - level) / 2;
  return { estimate: statistic(x, y), low: quantile(stats, alpha), high: quantile(stats, 1 - alpha) };
}

/** Linear-interpolation quantile of sorted values (NumPy's default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const position = q * (sorted.length - 1);
  const lo = Math.floor(position);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (position - lo);
}
