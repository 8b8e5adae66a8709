// AZ-NAS (Lee & Ham, CVPR 2024, "AZ-NAS: Assembling Zero-Cost Proxies for Network
// Architecture Search"), its two forward-only proxies. For each block's output feature map
// (B images x C channels x H x W), the C x C covariance of the channel vectors over all
// B·H·W positions has eigenvalues s; the block's expressivity is the entropy of s / Σs
// (high when the features spread isotropically over the channels). Expressivity is the sum
// over blocks; progressivity the smallest increase from one block to the next.
import { symmetricEigenvalues } from './linalg.js';

/** Entropy of the normalised spectrum of a covariance matrix (C x C, row-major). */
export function isotropyEntropy(covariance: ArrayLike<number>, channels: number): number {
  const s = symmetricEigenvalues(covariance, channels);
  let total = 0;
  // A covariance matrix is positive semi-definite: rounding negatives are 0.
  for (let i = 0; i < s.length; i++) total += Math.max(0, s[i]);
  if (!(total > 0)) return 0;
  let h = 0;
  for (let i = 0; i < s.length; i++) {
    const p = Math.max(0, s[i]) / total;
    h -= p * Math.log(p + 1e-8);
  }
  return h;
}

/** Covariance from the second moment E[x xᵀ] (C x C) and the mean E[x] (C), as computed in the model. */
export function covarianceFromMoments(second: ArrayLike<number>, mean: ArrayLike<number>, channels: number): Float64Array {
  const out = new Float64Array(channels * channels);
  for (let i = 0; i < channels; i++) {
    for (let j = 0; j < channels; j++) out[i * channels + j] = second[i * channels + j] - mean[i] * mean[j];
  }
  return out;
}

export interface AzForward {
  readonly expressivity: number;
  readonly progressivity: number;
  /** Per-block entropies, in network order. */
  readonly blocks: readonly number[];
}

export function azForward(blockEntropies: readonly number[]): AzForward {
  if (blockEntropies.length < 2) throw new RangeError(`AZ-NAS: expected at least 2 block outputs, got ${blockEntropies.length}`);
  let progressivity = Infinity;
  for (let i = 1; i < blockEntropies.length; i++) progressivity = Math.min(progressivity, blockEntropies[i] - blockEntropies[i - 1]);
  return { expressivity: blockEntropies.reduce((a, b) => a + b, 0), progressivity, blocks: blockEntropies };
}
