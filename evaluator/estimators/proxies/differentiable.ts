// The IR lowered to tfjs so that tfjs can differentiate it: the executor's per-node forward
// (backends/tfjs), convolutions through conv-grad.ts, weights as tf.Variables (the same
// seeded numbers the executors use, in tfjs layout). Runs a whole network or one span of it
// (the nodes between two feature maps), for the gradient-based proxies.
import * as tf from '@tensorflow/tfjs';
import type { Graph, Node } from '../../../search/ir.js';
import { ancestors } from '../../backends/backend.js';
import { forward, initBackend } from '../../backends/tfjs/backend.js';
import type { Weights } from '../../backends/weights.js';
import { differentiableConv } from './conv-grad.js';

/** `batch`: batch norm on the batch's statistics (the evaluator's); `identity`: batch norm removed (synflow). */
export type BatchNormMode = 'batch' | 'identity';

export interface LayerParams {
  readonly node: number;
  /** tfjs layout: dense conv [k, k, in, out], depthwise [k, k, in, multiplier], linear [out, in]. */
  readonly weight: tf.Variable;
  readonly bias?: tf.Variable;
}

export interface LowerOptions {
  /** Use |w| (synflow's linearised network). */
  readonly absolute?: boolean;
}

export class DifferentiableNetwork {
  private readonly convs = new Map<number, (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D>();

  private constructor(
    readonly graph: Graph,
    /** Conv and linear layers in node order. */
    readonly layers: readonly LayerParams[],
    private readonly byNode: ReadonlyMap<number, LayerParams>,
  ) {}

  static async create(graph: Graph, weights: Weights, opts: LowerOptions = {}): Promise<DifferentiableNetwork> {
    await initBackend();
    const layers: LayerParams[] = [];
    for (const node of graph.nodes) {
      const lw = weights.get(node.id);
      if (!lw) continue;
      const values = opts.absolute ? lw.weight.map(Math.abs) : lw.weight;
      const bias = lw.bias ? variable(tf.tensor1d(opts.absolute ? lw.bias.map(Math.abs) : lw.bias)) : undefined;
      layers.push({ node: node.id, weight: variable(tfjsLayout(graph, node, values)), bias });
    }
    return new DifferentiableNetwork(graph, layers, new Map(layers.map((l) => [l.node, l])));
  }

  /**
   * Computes `nodes` (topological order) from the tensors already in `values` (NHWC), adding
   * each result to `values`. Call inside a tfjs gradient function or tidy: nothing is freed.
   */
  run(values: Map<number, tf.Tensor4D>, nodes: readonly number[], bn: BatchNormMode): void {
    for (const id of nodes) {
      if (values.has(id)) continue;
      const node = this.graph.nodes[id];
      const ins = node.inputs.map((j) => {
        const v = values.get(j);
        if (!v) throw new Error(`node ${id} (${node.name}): input ${j} was not computed`);
        return v;
      });
      values.set(id, this.evaluate(node, ins, bn));
    }
  }

  /** All nodes the given outputs depend on, the input excepted. */
  span(outputs: readonly number[]): number[] {
    return ancestors(this.graph, outputs).filter((id) => id !== 0);
  }

  /** A batch (NCHW float32, `n` images) as the network's NHWC input tensor. */
  input(batch: Float32Array, n: number): tf.Tensor4D {
    const s = this.graph.inputShape;
    return tf.tidy(() => tf.tensor4d(batch.subarray(0, n * s.c * s.h * s.w), [n, s.c, s.h, s.w]).transpose([0, 2, 3, 1]));
  }

  dispose(): void {
    for (const l of this.layers) {
      l.weight.dispose();
      l.bias?.dispose();
    }
  }

  /** One node's output from its inputs' tensors. */
  evaluate(node: Node, ins: tf.Tensor4D[], bn: BatchNormMode): tf.Tensor4D {
    const op = node.op;
    if (op.kind === 'batchnorm' && bn === 'identity') return ins[0];
    if (op.kind === 'maxpool') return maxPool(ins[0], op.kernel, op.stride, op.padding);
    const p = this.byNode.get(node.id);
    if (op.kind !== 'conv') return forward(node, ins, this.graph, p ? { w: p.weight, b: p.bias } : undefined);
    let conv = this.convs.get(node.id);
    if (!conv) {
      const geometry = { kernel: op.kernel, stride: op.stride, padding: op.padding, dilation: op.dilation, depthwise: op.groups !== 1 };
      // The value is the executor's conv without its bias; the bias is added outside.
      const convOnly: Node = { ...node, op: { ...op, bias: false } };
      conv = differentiableConv(geometry, (x, w) => forward(convOnly, [x], this.graph, { w }));
      this.convs.set(node.id, conv);
    }
    const y = conv(ins[0], p!.weight as tf.Tensor4D);
    return p!.bias ? tf.add(y, p!.bias) : y;
  }
}

/** A variable holding `t`'s values; `t` is freed (tf.variable copies it). */
function variable(t: tf.Tensor): tf.Variable {
  const v = tf.variable(t);
  t.dispose();
  return v;
}

/**
 * Max pooling as the maximum of its k² taps: tfjs's WASM MaxPoolGrad routes gradients to the
 * wrong pixels (checked against its CPU backend and a direct loop); tf.maximum's gradient
 * sends each to the window's maximum. The value is the executor's, exactly.
 */
function maxPool(x: tf.Tensor4D, k: number, s: number, p: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const ho = Math.floor((h + 2 * p - k) / s) + 1;
  const wo = Math.floor((w + 2 * p - k) / s) + 1;
  // Padded so that every tap's s·Ho x s·Wo window is in bounds (the extra rows are never picked).
  const extraH = Math.max(0, (k - 1) + s * ho - (h + 2 * p));
  const extraW = Math.max(0, (k - 1) + s * wo - (w + 2 * p));
  const xp = tf.pad(x, [[0, 0], [p, p + extraH], [p, p + extraW], [0, 0]], -Infinity);
  let out: tf.Tensor4D | undefined;
  for (let kh = 0; kh < k; kh++) {
    for (let kw = 0; kw < k; kw++) {
      const win = tf.slice(xp, [0, kh, kw, 0], [n, s * ho, s * wo, c]);
      const t = s === 1 ? win : tf.reshape(tf.slice(tf.reshape(win, [n, ho, s, wo, s, c]), [0, 0, 0, 0, 0, 0], [n, ho, 1, wo, 1, c]), [n, ho, wo, c]);
      out = out ? (tf.maximum(out, t) as tf.Tensor4D) : (t as tf.Tensor4D);
    }
  }
  return out!;
}

/** ONNX-layout weights (as drawn) in the tfjs layout the executor uses. */
function tfjsLayout(graph: Graph, node: Node, w: Float32Array): tf.Tensor {
  const inS = graph.nodes[node.inputs[0]].shape;
  const op = node.op;
  if (op.kind === 'linear') return tf.tensor2d(w, [op.outFeatures, inS.c * inS.h * inS.w]);
  if (op.kind !== 'conv') throw new Error(`node ${node.id} (${node.name}): ${op.kind} has no weights`);
  const { outChannels: o, kernel: k, groups } = op;
  if (groups === 1) return tf.tidy(() => tf.tensor4d(w, [o, inS.c, k, k]).transpose([2, 3, 1, 0]));
  if (groups === inS.c) return tf.tidy(() => tf.tensor4d(w, [inS.c, o / inS.c, k, k]).transpose([2, 3, 0, 1]));
  throw new Error(`node ${node.id} (${node.name}): no grouped convolution with ${groups} groups of ${inS.c / groups} channels`);
}
