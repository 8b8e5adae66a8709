// synflow (Tanaka et al. 2020), as the zero-cost proxy of Abdelfattah et al. 2021: batch norm
// removed, every weight replaced by its absolute value, an all-ones image (batch of 1),
// R = sum of the logits; the score is the sum over conv and linear weights of |θ · ∂R/∂θ|.
//
// The reference code runs in float64, and a DARTS proxy's R exceeds 1e40: beyond float32,
// tfjs's only float type. The linearised network is positively homogeneous (no batch norm,
// |θ| >= 0, zero biases, ReLU the identity on non-negative values), so each node's tensor is
// kept as t·2^L with t rescaled by a power of two whenever it leaves [2^-40, 2^40] (inputs of
// an add or concat brought to their largest L). The scales are constants to autodiff, so the
// gradient of sum(t_out) is 2^-L_out·∂R/∂θ, itself well inside float32; the sum is scaled back
// in float64.
import * as tf from '@tensorflow/tfjs';
import type { Graph } from '../../../search/ir.js';
import type { Weights } from '../../backends/weights.js';
import { DifferentiableNetwork } from './differentiable.js';
import { liveLayers } from './layers.js';

const RANGE = 40;

export async function synflow(graph: Graph, weights: Weights): Promise<number> {
  checkHomogeneous(graph, weights);
  const net = await DifferentiableNetwork.create(graph, weights, { absolute: true });
  try {
    const layers = liveLayers(net);
    let outScale = 0;
    const sums = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => {
        const { tensor, log2 } = scaledForward(net);
        outScale = log2;
        return tf.sum(tensor) as tf.Scalar;
      }, layers.map((l) => l.weight));
      return tf.stack(layers.map((l) => tf.sum(tf.abs(tf.mul(l.weight, grads[l.weight.name])))));
    });
    const perLayer = await sums.data();
    sums.dispose();
    let total = 0;
    for (const v of perLayer) total += v * 2 ** outScale;
    if (!Number.isFinite(total)) throw new Error(`synflow: not finite (${total})`);
    return total;
  } finally {
    net.dispose();
  }
}

/** The output as t·2^log2, each node rescaled to stay within float32's range. */
function scaledForward(net: DifferentiableNetwork): { tensor: tf.Tensor; log2: number } {
  const graph = net.graph;
  const s = graph.inputShape;
  const values = new Map<number, { t: tf.Tensor4D; log2: number }>([[0, { t: tf.ones([1, s.h, s.w, s.c]) as tf.Tensor4D, log2: 0 }]]);
  for (const id of net.span([graph.output])) {
    const node = graph.nodes[id];
    const ins = node.inputs.map((j) => values.get(j)!);
    const log2 = Math.max(...ins.map((v) => v.log2));
    const aligned = ins.map((v) => (v.log2 === log2 ? v.t : (tf.mul(v.t, 2 ** (v.log2 - log2)) as tf.Tensor4D)));
    let t = net.evaluate(node, aligned, 'identity');
    const peak = tf.max(t).dataSync()[0];
    let shift = 0;
    if (peak > 0 && Math.abs(Math.log2(peak)) > RANGE) {
      shift = Math.round(Math.log2(peak));
      t = tf.mul(t, 2 ** -shift);
    }
    values.set(id, { t, log2: log2 + shift });
  }
  const out = values.get(graph.output)!;
  return { tensor: out.t, log2: out.log2 };
}

/** The rescaling needs a positively homogeneous network: ReLU only, no squeeze-excite gate, zero biases. */
function checkHomogeneous(graph: Graph, weights: Weights): void {
  for (const node of graph.nodes) {
    const op = node.op;
    if ((op.kind === 'act' && op.fn !== 'relu') || op.kind === 'mul') {
      throw new RangeError(`synflow: node ${node.id} (${node.name}) is not positively homogeneous; supported networks use ReLU only (nb201, darts)`);
    }
    const bias = weights.get(node.id)?.bias;
    if (bias && bias.some((b) => b !== 0)) throw new RangeError(`synflow: node ${node.id} (${node.name}) has a non-zero bias`);
  }
}
