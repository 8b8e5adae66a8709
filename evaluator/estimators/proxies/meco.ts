// MeCo (Jiang et al., NeurIPS 2023, "MeCo: Zero-Shot NAS with One Data and Single Forward
// Pass via Minimum Eigenvalue of Correlation"): for each layer, the feature map of one image
// is read as C channels observed at H·W positions; the layer's score is the minimum
// eigenvalue of their C x C Pearson correlation matrix, and MeCo is the sum over layers.
// Higher is better. "Layer" here is every node of the IR (each op's output once), the
// counterpart of the reference code's forward hook on every module.
import { correlationMatrix, symmetricEigenvalues } from './linalg.js';

/** λ_min of the channel correlation matrix of one image's C x H x W map (0 for a 1x1 map). */
export function mecoLayer(map: ArrayLike<number>, channels: number, positions: number): number {
  if (positions < 2 || channels < 1) return 0;
  // C channels over H·W ≤ C positions: the centred rows span at most H·W − 1 dimensions, so the
  // (positive semi-definite) correlation matrix is singular and λ_min is exactly 0.
  if (positions <= channels) return 0;
  const corr = correlationMatrix(map, channels, positions);
  return symmetricEigenvalues(corr, channels)[0];
}

/** Images MeCo-8 averages over: the paper's one-image score has a large variance across images. */
export const MECO_MEAN_IMAGES = 8;

/** MeCo over layers: the sum of their mecoLayer values. */
export function mecoScore(layers: readonly { map: ArrayLike<number>; channels: number; positions: number }[]): number {
  let sum = 0;
  for (const l of layers) {
    const v = mecoLayer(l.map, l.channels, l.positions);
    if (Number.isFinite(v)) sum += v;
  }
  return sum;
}
