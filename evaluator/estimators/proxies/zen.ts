// Zen-score (Lin et al., ICCV 2021, "Zen-NAS: A Zero-Shot NAS for High-Performance Deep Image
// Recognition"): with Gaussian weights N(0, 1) and a Gaussian input batch x, perturbed as
// x' = x + γ·ε (γ = 0.01), Zen = log E_images[Σ |f(x) − f(x')|] + Σ_BN log sqrt(mean_c σ²_c),
// f the feature map before global pooling and σ²_c each batch norm's per-channel batch
// variance on x (batch norms fed a constant are left out). Higher is better. (The reference code averages 32 such draws; we take one
// draw per trial, seeded from the trial, to keep the cost at one pair of forward passes.)
import type { Graph } from '../../../search/ir.js';
import type { Rng } from '../../../search/random.js';
import type { LayerWeights, Weights } from '../../backends/weights.js';

export const ZEN_MIXUP = 0.01;

/** Standard normal weights (Zen-NAS's initialisation), zero biases, in node order. */
export function gaussianWeights(graph: Graph, rng: Rng): Weights {
  const out = new Map<number, LayerWeights>();
  for (const node of graph.nodes) {
    const op = node.op;
    let count = 0;
    let biasLength = 0;
    if (op.kind === 'conv') {
      count = op.outChannels * (graph.nodes[node.inputs[0]].shape.c / op.groups) * op.kernel * op.kernel;
      biasLength = op.bias ? op.outChannels : 0;
    } else if (op.kind === 'linear') {
      const s = graph.nodes[node.inputs[0]].shape;
      count = op.outFeatures * s.c * s.h * s.w;
      biasLength = op.bias ? op.outFeatures : 0;
    } else continue;
    const weight = new Float32Array(count);
    for (let i = 0; i < count; i++) weight[i] = rng.normal();
    out.set(node.id, { weight, bias: biasLength ? new Float32Array(biasLength) : undefined });
  }
  return out;
}

/** The feature map Zen reads: the input of the network's global average pooling. */
export function preGapNode(graph: Graph): number {
  const pool = graph.nodes.find((n) => n.op.kind === 'globalavgpool');
  if (!pool) throw new Error('Zen-score: the network has no global average pooling');
  return pool.inputs[0];
}

/** Zen from the two pre-GAP maps (n images each, `size` values per image) and the BN variances. */
export function zenScore(f: ArrayLike<number>, fMixed: ArrayLike<number>, n: number, size: number, bnVariances: readonly ArrayLike<number>[]): number {
  let total = 0;
  for (let k = 0; k < n * size; k++) total += Math.abs(f[k] - fMixed[k]);
  let score = Math.log(total / n);
  for (const v of bnVariances) {
    let mean = 0;
    for (let c = 0; c < v.length; c++) mean += v[c];
    mean /= v.length;
    // A batch norm fed a constant (e.g. a conv of NB201's all-`none` node) normalises
    // nothing; log 0 would sink an otherwise working network, so it is left out.
    if (mean > 0) score += 0.5 * Math.log(mean);
  }
  return score;
}
