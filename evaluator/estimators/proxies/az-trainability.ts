// AZ-NAS's trainability (Lee & Ham, CVPR 2024), as in the authors' NB201 code: for each pair
// of consecutive block features (F_{i-1} -> F_i, blocks.ts), a random ±1 tensor g_out shaped
// like F_i is pulled back to g_in = g_outᵀ ∂F_i/∂F_{i-1} (everything else held fixed, batch
// norm on the batch's statistics); where F_i is smaller, g_in is pixel-unshuffled to F_i's
// size; M = g_inᵀ g_out / (N·H·W) over channels, σ = its largest singular value, and the
// block scores -σ - 1/(σ + 1e-6) + 2 (0 at σ = 1, the best). The score is the mean over
// blocks. Higher is better.
//
// A block that is the identity scores -inf in the reference code; here it gets the score of
// σ = 0 (-1/1e-6 + 2), the lowest finite value, so that every score stays finite.
import * as tf from '@tensorflow/tfjs';
import type { Graph } from '../../../search/ir.js';
import type { Rng } from '../../../search/random.js';
import type { Weights } from '../../backends/weights.js';
import type { LabelledBatch } from './batch.js';
import { blockFeatures, type BlockLayout } from './blocks.js';
import { DifferentiableNetwork } from './differentiable.js';
import { largestSingularValue } from './linalg.js';

export const IDENTITY_BLOCK_SCORE = blockScore(0);

/** ±1 entries for the pull-back of block `pair` (F_pair -> F_pair+1), NCHW of the given shape. */
export type SignSource = (pair: number, shape: readonly [number, number, number, number]) => Float32Array;

/** Rademacher signs from `rng`, drawn in the reference code's order: the last block first, each tensor in NCHW order. */
export function rademacher(rng: Rng): SignSource {
  return (_pair, [n, c, h, w]) => {
    const out = new Float32Array(n * c * h * w);
    for (let i = 0; i < out.length; i++) out[i] = rng.next() < 0.5 ? -1 : 1;
    return out;
  };
}

export function blockScore(sigma: number): number {
  return -sigma - 1 / (sigma + 1e-6) + 2;
}

export async function azTrainability(graph: Graph, weights: Weights, batch: LabelledBatch, layout: BlockLayout, signs: SignSource): Promise<number> {
  const features = blockFeatures(graph, layout);
  const net = await DifferentiableNetwork.create(graph, weights);
  const values = new Map<number, tf.Tensor4D>();
  try {
    const input = net.input(batch.images, batch.n);
    const stem = tf.tidy(() => {
      const computed = new Map([[0, input]]);
      net.run(computed, net.span([features[0]]), 'batch');
      return computed.get(features[0])!;
    });
    input.dispose();
    values.set(features[0], stem);
    const blocks = features.map((_, i) => (i === 0 ? [] : blockNodes(net, features, i)));
    // Forward through every block first, keeping the block features (later blocks may read earlier ones).
    for (let i = 1; i < features.length; i++) {
      if (values.has(features[i])) continue;
      const out = tf.tidy(() => {
        const computed = new Map(values);
        net.run(computed, blocks[i], 'batch');
        return computed.get(features[i])!;
      });
      values.set(features[i], out);
    }
    const scores: number[] = [];
    for (let i = features.length - 1; i >= 1; i--) {
      scores.push(features[i] === features[i - 1] ? IDENTITY_BLOCK_SCORE : await pairScore(net, values, features, blocks[i], i, signs));
    }
    return scores.reduce((a, b) => a + b, 0) / scores.length;
  } finally {
    for (const t of values.values()) t.dispose();
    net.dispose();
  }
}

/** The nodes block i computes: F_i's ancestors that are not F_{i-1} or its ancestors. */
function blockNodes(net: DifferentiableNetwork, features: readonly number[], i: number): number[] {
  const before = new Set([...net.span([features[i - 1]]), features[i - 1]]);
  return net.span([features[i]]).filter((id) => !before.has(id));
}

async function pairScore(net: DifferentiableNetwork, values: ReadonlyMap<number, tf.Tensor4D>, features: readonly number[], nodes: readonly number[], i: number, signs: SignSource): Promise<number> {
  const fIn = values.get(features[i - 1])!;
  const fOut = values.get(features[i])!;
  const [n, ho, wo, co] = fOut.shape;
  const [, hi, wi, ci] = fIn.shape;
  const mat = tf.tidy(() => {
    const gOut = tf.tensor4d(signs(i - 1, [n, co, ho, wo]), [n, co, ho, wo]).transpose([0, 2, 3, 1]);
    const pull = tf.grad((x: tf.Tensor) => {
      // Everything the block computes is recomputed from x; only earlier features are kept.
      const computed = new Map(values);
      for (const id of nodes) computed.delete(id);
      computed.set(features[i - 1], x as tf.Tensor4D);
      net.run(computed, nodes, 'batch');
      return computed.get(features[i])!;
    });
    const gIn = pull(fIn, gOut);
    const r = hi / ho;
    // Pixel-unshuffle: each r x r patch of g_in becomes r²·C channels of one pixel (the order of
    // these channels does not change M's singular values).
    const unshuffled = r === 1 ? gIn : tf.transpose(tf.reshape(gIn, [n, ho, r, wo, r, ci]), [0, 1, 3, 2, 4, 5]);
    const rows = n * ho * wo;
    return tf.div(tf.matMul(tf.reshape(unshuffled, [rows, -1]), tf.reshape(gOut, [rows, co]), true, false), rows);
  });
  const m = await mat.data();
  const [rowsM, colsM] = mat.shape as [number, number];
  mat.dispose();
  if (hi % ho !== 0 || wi / wo !== hi / ho) throw new Error(`az_trainability: block ${i} maps ${hi}x${wi} to ${ho}x${wo}, not an integer downsampling`);
  return blockScore(largestSingularValue(m, rowsM, colsM));
}
