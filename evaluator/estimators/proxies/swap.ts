// SWAP (Peng et al., ICLR 2024, "SWAP-NAS: Sample-Wise Activation Patterns for Ultra-fast
// NAS"): over a batch of N images, each ReLU unit's activation pattern is the N-bit vector
// of which images switch it on; the SWAP score is the number of distinct patterns among all
// units. Higher is better. The regularised score multiplies it by exp(-(P - mu)^2 / sigma),
// P the parameter count in thousands, favouring sizes near mu.
import type { Codes } from '../features.js';

/** The largest batch whose per-unit patterns fit the 64-bit keys this implementation sorts. */
export const SWAP_MAX_BATCH = 64;

/** Number of distinct per-unit activation patterns of a batch's codes (NASWOT's packed bits). */
export function swapScore(codes: Codes): number {
  const { bits, n, units, words } = codes;
  if (n > SWAP_MAX_BATCH) throw new RangeError(`SWAP: batch of ${n} images exceeds ${SWAP_MAX_BATCH}`);
  // Unit u's pattern as a 64-bit key: image i sets bit i; lo word = images 0-31, hi = 32-63.
  const keys = new BigUint64Array(units);
  const halves = new Uint32Array(keys.buffer);
  const little = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  const [lo, hi] = little ? [0, 1] : [1, 0];
  for (let i = 0; i < n; i++) {
    const half = i < 32 ? lo : hi;
    const bit = 1 << (i & 31);
    const row = i * words;
    for (let w = 0; w < words; w++) {
      let word = bits[row + w];
      while (word !== 0) {
        const t = word & -word;
        const u = w * 32 + (31 - Math.clz32(t));
        halves[2 * u + half] |= bit;
        word ^= t;
      }
    }
  }
  keys.sort();
  let distinct = units > 0 ? 1 : 0;
  for (let u = 1; u < units; u++) if (keys[u] !== keys[u - 1]) distinct++;
  return distinct;
}

/** Regularised SWAP: swap · exp(-(paramsK - mu)^2 / sigma), paramsK in thousands of parameters. */
export function regularisedSwap(swap: number, paramsK: number, mu: number, sigma: number): number {
  if (!(sigma > 0)) throw new RangeError(`regularisedSwap: sigma must be > 0, got ${sigma}`);
  return swap * Math.exp(-((paramsK - mu) ** 2) / sigma);
}
