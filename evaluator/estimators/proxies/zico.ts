// ZiCo (Li et al., ICLR 2023), as in the authors' code: the gradients of the cross-entropy
// loss (batch mean) with respect to every conv and linear weight, over B mini-batches (the
// code's NB201 runs use 2 of 64 images); per layer l,
// log Σ_θ mean_b|g_θ| / std_b(g_θ) over the weights whose std (population) is non-zero,
// and the score is the sum over layers (a layer whose sum is 0 is left out). Higher is better.
import * as tf from '@tensorflow/tfjs';
import type { Graph } from '../../../search/ir.js';
import type { Weights } from '../../backends/weights.js';
import type { LabelledBatch } from './batch.js';
import { DifferentiableNetwork } from './differentiable.js';
import { liveLayers } from './layers.js';

export async function zico(graph: Graph, weights: Weights, batches: readonly LabelledBatch[]): Promise<number> {
  if (batches.length < 2) throw new RangeError(`zico: needs at least 2 mini-batches, got ${batches.length}`);
  const net = await DifferentiableNetwork.create(graph, weights);
  try {
    const layers = liveLayers(net);
    const perBatch: Float32Array[][] = [];
    for (const batch of batches) perBatch.push(await layerGradients(net, layers, batch));
    return zicoScore(layers.map((_, l) => perBatch.map((g) => g[l])));
  } finally {
    net.dispose();
  }
}

/** Each layer's weight gradient of the mean cross-entropy over one batch. */
async function layerGradients(net: DifferentiableNetwork, layers: ReturnType<typeof liveLayers>, batch: LabelledBatch): Promise<Float32Array[]> {
  const graph = net.graph;
  const grads = tf.tidy(() => {
    const x = net.input(batch.images, batch.n);
    const { grads: g } = tf.variableGrads(() => {
      const values = new Map([[0, x]]);
      net.run(values, net.span([graph.output]), 'batch');
      const logits = tf.reshape(values.get(graph.output)!, [batch.n, -1]) as tf.Tensor2D;
      return crossEntropy(logits, batch.labels);
    }, layers.map((l) => l.weight));
    return layers.map((l) => g[l.weight.name]);
  });
  const out: Float32Array[] = [];
  for (const t of grads) {
    out.push((await t.data()) as Float32Array);
    t.dispose();
  }
  return out;
}

function crossEntropy(logits: tf.Tensor2D, labels: Uint8Array): tf.Scalar {
  const oneHot = tf.oneHot(tf.tensor1d(Array.from(labels), 'int32'), logits.shape[1]);
  const logP = tf.logSoftmax(logits);
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, logP), 1))) as tf.Scalar;
}

/** The score from gradients[layer][batch] (each batch's gradient of that layer, flattened). */
export function zicoScore(gradients: readonly (readonly ArrayLike<number>[])[]): number {
  let score = 0;
  for (const perBatch of gradients) {
    const b = perBatch.length;
    const size = perBatch[0].length;
    let sum = 0;
    for (let i = 0; i < size; i++) {
      let mean = 0;
      let meanAbs = 0;
      for (const g of perBatch) {
        mean += g[i];
        meanAbs += Math.abs(g[i]);
      }
      mean /= b;
      meanAbs /= b;
      let variance = 0;
      for (const g of perBatch) variance += (g[i] - mean) ** 2;
      const std = Math.sqrt(variance / b);
      if (std > 0) sum += meanAbs / std;
    }
    if (sum > 0) score += Math.log(sum);
  }
  return score;
}
