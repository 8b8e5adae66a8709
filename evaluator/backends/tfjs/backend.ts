// The TensorFlow.js inference engine: interprets the IR node by node with tfjs ops (NHWC inside,
// NCHW at the boundary, like the ONNX engine). Backend: tfjs-node-gpu, else tfjs-node
// (both optional native packages), else WASM (XNNPACK, one thread), else plain JS.
// Padding is always explicit (a pad, then a `valid` op) so every backend computes the same
// thing, whatever its own convention for padded pooling.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Graph, Node } from '../../../search/ir.js';
import { ancestors, BN_EPSILON, type InferenceEngine, type NetworkRunner } from '../backend.js';
import type { Weights } from '../weights.js';

let chosen: Promise<string> | undefined;

/** Picks and initialises the best available backend once per process; returns its name. */
export function initBackend(): Promise<string> {
  chosen ??= (async () => {
    for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
      try {
        await import(pkg);
        if (await tf.setBackend('tensorflow')) return pkg.endsWith('gpu') ? 'tensorflow-gpu' : 'tensorflow';
      } catch {
        // Optional dependency not installed (its install needs libtensorflow): try the next.
      }
    }
    try {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const dir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
      wasm.setWasmPaths(`${dir}/`);
      wasm.setThreadsCount(1);
      if (await tf.setBackend('wasm')) return 'wasm';
    } catch {
      // No WASM support: plain JavaScript below.
    }
    await tf.setBackend('cpu');
    return 'cpu';
  })();
  return chosen;
}

export class TfjsEngine implements InferenceEngine {
  readonly name = 'tfjs' as const;
  private constructor(readonly backend: string) {}

  static async create(): Promise<TfjsEngine> {
    return new TfjsEngine(await initBackend());
  }

  async load(graph: Graph, weights: Weights, outputs: readonly number[]): Promise<NetworkRunner> {
    const order = ancestors(graph, outputs);
    const params = new Map<number, { w: tf.Tensor; b?: tf.Tensor }>();
    for (const id of order) {
      const node = graph.nodes[id];
      const lw = weights.get(id);
      if (!lw) continue;
      const inS = graph.nodes[node.inputs[0]].shape;
      if (node.op.kind === 'conv') {
        const { outChannels: o, kernel: k, groups } = node.op;
        const perGroup = inS.c / groups;
        let w: tf.Tensor;
        if (groups === 1) w = tf.tidy(() => tf.tensor4d(lw.weight, [o, inS.c, k, k]).transpose([2, 3, 1, 0]));
        else if (perGroup === 1) w = tf.tidy(() => tf.tensor4d(lw.weight, [inS.c, o / inS.c, k, k]).transpose([2, 3, 0, 1]));
        else throw new Error(`node ${id} (${node.name}): tfjs has no grouped convolution with ${groups} groups of ${perGroup} channels`);
        params.set(id, { w, b: lw.bias ? tf.tensor1d(lw.bias) : undefined });
      } else if (node.op.kind === 'linear') {
        params.set(id, { w: tf.tensor2d(lw.weight, [node.op.outFeatures, inS.c * inS.h * inS.w]), b: lw.bias ? tf.tensor1d(lw.bias) : undefined });
      }
    }
    // A node's tensor is freed after its last consumer ran (unless it is fetched).
    const lastUse = new Map<number, number>();
    for (const id of order) for (const j of graph.nodes[id].inputs) lastUse.set(j, id);

    return {
      async run(batch, n, fetch) {
        const s = graph.inputShape;
        const values = new Map<number, tf.Tensor4D>();
        values.set(0, tf.tidy(() => tf.tensor4d(batch.subarray(0, n * s.c * s.h * s.w), [n, s.c, s.h, s.w]).transpose([0, 2, 3, 1])));
        const keep = new Set(fetch);
        const result = new Map<number, Float32Array>();
        try {
          for (const id of order) {
            if (id !== 0) {
              const node = graph.nodes[id];
              values.set(id, tf.tidy(() => forward(node, node.inputs.map((j) => values.get(j)!), graph, params.get(id))));
            }
            for (const j of graph.nodes[id].inputs) {
              if (lastUse.get(j) === id && !keep.has(j)) {
                values.get(j)!.dispose();
                values.delete(j);
              }
            }
          }
          for (const id of fetch) {
            const t = values.get(id);
            if (!t) throw new RangeError(`node ${id} is not an output of this model`);
            const nchw = tf.transpose(t, [0, 3, 1, 2]);
            result.set(id, (await nchw.data()) as Float32Array);
            nchw.dispose();
          }
          return result;
        } finally {
          for (const t of values.values()) t.dispose();
        }
      },
      async dispose() {
        for (const p of params.values()) {
          p.w.dispose();
          p.b?.dispose();
        }
      },
    };
  }
}

type Padding = [[number, number], [number, number], [number, number], [number, number]];
const pad2 = (p: number): Padding => [[0, 0], [p, p], [p, p], [0, 0]];

/** One node's output from its inputs' (NHWC); `p` holds the node's weights in tfjs layout. The gradient-based proxies reuse it. */
export function forward(node: Node, ins: tf.Tensor4D[], graph: Graph, p?: { w: tf.Tensor; b?: tf.Tensor }): tf.Tensor4D {
  const op = node.op;
  const x = ins[0];
  switch (op.kind) {
    case 'input':
      throw new Error(`node ${node.id}: only node 0 may be the input`);
    case 'conv': {
      const padded = op.padding > 0 ? tf.pad(x, pad2(op.padding)) : x;
      // tfjs refuses stride > 1 together with dilation > 1: run at stride 1, then subsample.
      const stride = op.dilation > 1 ? 1 : op.stride;
      let y = op.groups === 1
        ? tf.conv2d(padded, p!.w as tf.Tensor4D, stride, 'valid', 'NHWC', op.dilation)
        : tf.depthwiseConv2d(padded, p!.w as tf.Tensor4D, stride, 'valid', 'NHWC', op.dilation);
      if (stride !== op.stride) {
        const [n, h, w, c] = y.shape;
        y = tf.stridedSlice(y, [0, 0, 0, 0], [n, h, w, c], [1, op.stride, op.stride, 1]) as tf.Tensor4D;
      }
      return p!.b ? tf.add(y, p!.b) : y;
    }
    case 'batchnorm': {
      // Means over H, W first, then over N: shorter float32 sums than one reduction over
      // (N, H, W), whose rounding error otherwise grows through the ~50 BN layers of a proxy.
      const mean = tf.mean(tf.mean(x, [1, 2], true), 0, true);
      const d = tf.sub(x, mean);
      const variance = tf.mean(tf.mean(tf.square(d), [1, 2], true), 0, true);
      return tf.mul(d, tf.rsqrt(tf.add(variance, BN_EPSILON)));
    }
    case 'act':
      switch (op.fn) {
        case 'relu': return tf.relu(x);
        case 'sigmoid': return tf.sigmoid(x);
        case 'hsigmoid': return tf.div(tf.relu6(tf.add(x, 3)), 6);
        case 'hswish': return tf.mul(x, tf.div(tf.relu6(tf.add(x, 3)), 6));
      }
      throw new Error(`unknown activation ${(op as { fn: string }).fn}`);
    case 'maxpool':
      return tf.maxPool(op.padding > 0 ? tf.pad(x, pad2(op.padding), -Infinity) : x, op.kernel, op.stride, 'valid');
    case 'avgpool': {
      const pooled = tf.avgPool(op.padding > 0 ? tf.pad(x, pad2(op.padding)) : x, op.kernel, op.stride, 'valid');
      if (op.countIncludePad || op.padding === 0) return pooled;
      // Exclude padding: window sums divided by the number of real pixels in each window.
      const counts = windowCounts(graph.nodes[node.inputs[0]].shape.h, graph.nodes[node.inputs[0]].shape.w, op.kernel, op.stride, op.padding);
      return tf.div(tf.mul(pooled, op.kernel * op.kernel), tf.tensor4d(counts.data, [1, counts.h, counts.w, 1]));
    }
    case 'crop':
      return tf.slice(x, [0, op.top, op.left, 0], [-1, -1, -1, -1]);
    case 'add':
      return ins.slice(1).reduce((a, b) => tf.add(a, b), x);
    case 'mul':
      return tf.mul(x, ins[1]);
    case 'zero':
      return tf.mul(x, 0);
    case 'concat':
      return tf.concat(ins, 3);
    case 'globalavgpool':
      return tf.mean(x, [1, 2], true);
    case 'linear': {
      const [n, h, w, c] = x.shape;
      const flat = tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [n, c * h * w]) as tf.Tensor2D;
      const y = tf.matMul(flat, p!.w as tf.Tensor2D, false, true);
      return tf.reshape(p!.b ? tf.add(y, p!.b) : y, [n, 1, 1, op.outFeatures]);
    }
  }
}

function windowCounts(h: number, w: number, k: number, stride: number, pad: number): { data: Float32Array; h: number; w: number } {
  const oh = Math.floor((h + 2 * pad - k) / stride) + 1;
  const ow = Math.floor((w + 2 * pad - k) / stride) + 1;
  const span = (i: number, size: number) => Math.min(i * stride - pad + k, size) - Math.max(i * stride - pad, 0);
  const data = new Float32Array(oh * ow);
  for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) data[i * ow + j] = span(i, h) * span(j, w);
  return { data, h: oh, w: ow };
}
