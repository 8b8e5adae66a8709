// NASWOT (Mellor et al. 2021, "Neural Architecture Search without Training"): for one batch
// of N images, the kernel K[i][j] = units - Hamming(code_i, code_j), i.e.
// codes·codesᵀ + (1-codes)·(1-codes)ᵀ; the score is log|K|. Higher is better.
import type { Codes } from './features.js';
import { DegenerateNetworkError } from '../degenerate.js';

/** The N x N Hamming-similarity kernel (float64, row-major). */
export function naswotKernel(codes: Codes): Float64Array {
  const { bits, n, units, words } = codes;
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    k[i * n + i] = units;
    for (let j = i + 1; j < n; j++) {
      let d = 0;
      for (let w = 0; w < words; w++) d += popcount(bits[i * words + w] ^ bits[j * words + w]);
      k[i * n + j] = k[j * n + i] = units - d;
    }
  }
  return k;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** log|det K| by LU with partial pivoting; -Infinity when K is singular. */
export function logAbsDet(matrix: Float64Array, n: number): number {
  const a = Float64Array.from(matrix);
  let sum = 0;
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r * n + col]) > Math.abs(a[piv * n + col])) piv = r;
    const p = a[piv * n + col];
    if (p === 0) return -Infinity;
    if (piv !== col) for (let c = 0; c < n; c++) [a[col * n + c], a[piv * n + c]] = [a[piv * n + c], a[col * n + c]];
    sum += Math.log(Math.abs(p));
    for (let r = col + 1; r < n; r++) {
      const f = a[r * n + col] / p;
      if (f !== 0) for (let c = col; c < n; c++) a[r * n + c] -= f * a[col * n + c];
    }
  }
  return sum;
}

/** The NASWOT score of a batch's codes: log|K|. */
export function naswotScore(codes: Codes): number {
  return logAbsDet(naswotKernel(codes), codes.n);
}

/** Scale of the score-to-error transform (per image, natural log units). */
export const NASWOT_SCALE = 10;

/**
 * NASWOT as an `error` (lower is better, like every estimator): 100 * exp(-score / (10 N)).
 * Strictly decreasing in the score, so it ranks exactly as NASWOT; positive; about 20-40 for
 * typical proxy networks (score/N is roughly log(units) + log of K's normalised spectrum).
 * A singular kernel (two images with identical codes: a degenerate network) has no finite
 * score: the trial is recorded with the worst error (evaluator/degenerate.ts).
 */
export function naswotError(score: number, n: number): number {
  if (!Number.isFinite(score)) {
    throw new DegenerateNetworkError('NASWOT kernel is singular: images share identical ReLU codes (degenerate network)');
  }
  return 100 * Math.exp(-score / (NASWOT_SCALE * n));
}
