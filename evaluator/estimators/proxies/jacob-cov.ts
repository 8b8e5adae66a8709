// jacob_cov (Mellor et al. 2020, v1), as in Abdelfattah et al.'s zero-cost-nas code: J = the
// gradient of the summed logits with respect to each input image (batch norm on the batch's
// statistics), C = the correlation matrix of the N rows of J, score = -Σ_i (log(λ_i + k) + 1/(λ_i + k))
// over C's eigenvalues, k = 1e-5. Higher is better.
import * as tf from '@tensorflow/tfjs';
import type { Graph } from '../../../search/ir.js';
import type { Weights } from '../../backends/weights.js';
import type { LabelledBatch } from './batch.js';
import { DifferentiableNetwork } from './differentiable.js';
import { symmetricEigenvalues } from './linalg.js';

const K = 1e-5;

export async function jacobCov(graph: Graph, weights: Weights, batch: LabelledBatch): Promise<number> {
  const net = await DifferentiableNetwork.create(graph, weights);
  try {
    const jacobian = tf.tidy(() => {
      const x = net.input(batch.images, batch.n);
      const g = tf.grad((input: tf.Tensor) => {
        const values = new Map([[0, input as tf.Tensor4D]]);
        net.run(values, net.span([graph.output]), 'batch');
        return tf.sum(values.get(graph.output)!);
      })(x);
      return tf.reshape(g, [batch.n, -1]);
    });
    const rows = await jacobian.data();
    const width = jacobian.shape[1]!;
    jacobian.dispose();
    return jacobCovScore(rows, batch.n, width);
  } finally {
    net.dispose();
  }
}

/**
 * The score of an N x D Jacobian (row-major). A row without variance has no correlation
 * (NumPy gives NaN): such a network's input gradients are treated as all alike, i.e. C of
 * rank one (eigenvalues N, 0, ..., 0), the lowest score there is. Eigenvalues are clamped at 0
 * (rounding can make the smallest slightly negative).
 */
export function jacobCovScore(rows: ArrayLike<number>, n: number, width: number): number {
  const z = new Float64Array(n * width);
  let degenerate = false;
  for (let i = 0; i < n; i++) {
    let mean = 0;
    for (let j = 0; j < width; j++) mean += rows[i * width + j];
    mean /= width;
    let ss = 0;
    for (let j = 0; j < width; j++) ss += (rows[i * width + j] - mean) ** 2;
    if (!(ss > 0)) degenerate = true;
    const inv = 1 / Math.sqrt(ss);
    for (let j = 0; j < width; j++) z[i * width + j] = (rows[i * width + j] - mean) * inv;
  }
  const eig = degenerate ? rankOne(n) : symmetricEigenvalues(correlation(z, n, width), n);
  let score = 0;
  for (const v of eig) score -= Math.log(Math.max(v, 0) + K) + 1 / (Math.max(v, 0) + K);
  return score;
}

function rankOne(n: number): Float64Array {
  const e = new Float64Array(n);
  e[n - 1] = n;
  return e;
}

function correlation(z: Float64Array, n: number, width: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = i; k < n; k++) {
      let s = 0;
      for (let j = 0; j < width; j++) s += z[i * width + j] * z[k * width + j];
      c[i * n + k] = s;
      c[k * n + i] = s;
    }
  }
  return c;
}
