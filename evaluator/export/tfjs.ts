// The TF.js export: a LayersModel (model.json + weights.bin) built with tf.layers, channels
// last (the only layout tfjs's kernels run), trainable with tfjs-node(-gpu). The layer names
// are the PyTorch module paths. What Keras layers cannot say directly is composed exactly:
// explicit padding is a ZeroPadding2D; padded pooling is `same` pooling aligned to PyTorch's
// windows; h-swish is x * relu6(x + 3) / 6 with constant (non-trainable) 1x1 depthwise affines.
import * as tf from '@tensorflow/tfjs';
import type { Graph, Node } from '../../search/ir.js';
import { ancestors, BN_EPSILON } from '../backends/backend.js';
import type { BatchNormState } from '../backends/onnx/lower.js';
import type { Weights } from '../backends/weights.js';
import type { ModuleLayout } from './modules.js';

type Sym = tf.SymbolicTensor;
type Pending = { layer: string; values: tf.Tensor[] };

/** Builds the LayersModel with the given weights (batch-norm statistics 0 and 1, PyTorch's initial state). */
export function tfjsModel(graph: Graph, weights: Weights, layout: ModuleLayout): tf.LayersModel {
  const s = graph.inputShape;
  const input = tf.input({ shape: [s.h, s.w, s.c], name: 'input' });
  const values = new Map<number, Sym>([[0, input]]);
  const pending: Pending[] = [];
  const fused = dilatedSeparable(graph);
  // A Keras model holds only layers that lead to its output: dead nodes (a cell node no edge
  // reads) are left out here, though model.py and model.onnx's weights keep them.
  const live = new Set(ancestors(graph, [graph.output]));
  for (const node of graph.nodes.slice(1)) {
    if (values.has(node.id) || !live.has(node.id)) continue;
    const name = layerName(layout, node.id);
    const ins = node.inputs.map((j) => values.get(j)!);
    const pointwise = fused.get(node.id);
    if (pointwise !== undefined) values.set(pointwise, separable(graph, node, graph.nodes[pointwise], ins[0], weights, name, pending));
    else values.set(node.id, lowerNode(graph, node, ins, weights, name, pending));
  }
  const model = tf.model({ inputs: input, outputs: values.get(graph.output)!, name: 'rwenas' });
  for (const p of pending) {
    model.getLayer(p.layer).setWeights(p.values);
    for (const t of p.values) t.dispose();
  }
  return model;
}

/** The Keras layer name of a node: its PyTorch module path. */
export function layerName(layout: ModuleLayout, id: number): string {
  return `${layout.blockOf.get(id)!.attr}.${layout.local.get(id)}`;
}

/**
 * Dilated depthwise convolutions and the pointwise one that alone reads each: tfjs's
 * DepthwiseConv2D ignores dilation, its SeparableConv2D (depthwise then pointwise) does not.
 */
function dilatedSeparable(graph: Graph): Map<number, number> {
  const readers = new Map<number, number[]>();
  for (const n of graph.nodes) for (const j of n.inputs) readers.set(j, [...(readers.get(j) ?? []), n.id]);
  const fused = new Map<number, number>();
  for (const node of graph.nodes) {
    const op = node.op;
    if (op.kind !== 'conv' || op.dilation === 1 || op.groups === 1) continue;
    const r = readers.get(node.id) ?? [];
    const pw = r.length === 1 ? graph.nodes[r[0]].op : undefined;
    const ok = !op.bias && pw?.kind === 'conv' && pw.kernel === 1 && pw.stride === 1 && pw.padding === 0 && pw.groups === 1 && op.groups === graph.nodes[node.inputs[0]].shape.c;
    if (!ok) throw new Error(`node ${node.id} (${node.name}): TF.js has no dilated depthwise convolution unless a pointwise convolution alone follows it`);
    fused.set(node.id, r[0]);
  }
  return fused;
}

/** A dilated depthwise + pointwise pair as one SeparableConv2D (stride 1, then subsampled). */
function separable(graph: Graph, dw: Node, pw: Node, x: Sym, weights: Weights, name: string, pending: Pending[]): Sym {
  const d = dw.op;
  const p = pw.op;
  if (d.kind !== 'conv' || p.kind !== 'conv') throw new Error('not a convolution pair');
  const inC = graph.nodes[dw.inputs[0]].shape.c;
  const mult = d.outChannels / inC;
  const wd = weights.get(dw.id);
  const wp = weights.get(pw.id);
  if (!wd || !wp) throw new Error(`node ${dw.id} (${dw.name}): no weights`);
  let y = d.padding > 0 ? (tf.layers.zeroPadding2d({ padding: [[d.padding, d.padding], [d.padding, d.padding]], name: `${name}_pad` }).apply(x) as Sym) : x;
  y = tf.layers.separableConv2d({ filters: p.outChannels, kernelSize: d.kernel, depthMultiplier: mult, dilationRate: d.dilation, padding: 'valid', useBias: p.bias, name }).apply(y) as Sym;
  const k = d.kernel;
  pending.push({
    layer: name,
    values: [
      tf.tidy(() => tf.tensor4d(wd.weight, [inC, mult, k, k]).transpose([2, 3, 0, 1])),
      tf.tidy(() => tf.tensor4d(wp.weight, [p.outChannels, d.outChannels, 1, 1]).transpose([2, 3, 1, 0])),
      ...(wp.bias ? [tf.tensor1d(wp.bias)] : []),
    ],
  });
  if (d.stride > 1) y = tf.layers.maxPooling2d({ poolSize: 1, strides: d.stride, name: `${name}_subsample` }).apply(y) as Sym;
  return y;
}

/** Sets the moving statistics of every batch-norm layer (for comparing on a batch's statistics). */
export function setMovingStatistics(model: tf.LayersModel, graph: Graph, layout: ModuleLayout, stats: ReadonlyMap<number, BatchNormState>): void {
  const present = new Set(model.layers.map((l) => l.name));
  for (const [id, s] of stats) {
    const op = graph.nodes[id].op;
    // Dead batch norms are not in the Keras model (see tfjsModel).
    if (op.kind !== 'batchnorm' || !present.has(layerName(layout, id))) continue;
    const layer = model.getLayer(layerName(layout, id));
    const values = [tf.tensor1d(s.runningMean), tf.tensor1d(s.runningVar)];
    const current = layer.getWeights();
    layer.setWeights(op.affine ? [current[0], current[1], ...values] : values);
    for (const t of values) t.dispose();
  }
}

function lowerNode(graph: Graph, node: Node, ins: Sym[], weights: Weights, name: string, pending: Pending[]): Sym {
  const op = node.op;
  const x = ins[0];
  const inShape = node.inputs.length > 0 ? graph.nodes[node.inputs[0]].shape : graph.inputShape;
  const apply = (layer: tf.layers.Layer, input: Sym | Sym[] = x) => layer.apply(input) as Sym;
  switch (op.kind) {
    case 'input':
      throw new Error(`node ${node.id}: only node 0 may be the input`);
    case 'conv': {
      const w = weights.get(node.id);
      if (!w) throw new Error(`node ${node.id} (${node.name}): no weights`);
      let y = op.padding > 0 ? apply(tf.layers.zeroPadding2d({ padding: [[op.padding, op.padding], [op.padding, op.padding]], name: `${name}_pad` })) : x;
      // tfjs refuses stride > 1 with dilation > 1: stride 1, then keep every stride-th pixel.
      const strides = op.dilation > 1 ? 1 : op.stride;
      const common = { kernelSize: op.kernel, strides, dilationRate: op.dilation, padding: 'valid' as const, useBias: op.bias, name };
      const k = op.kernel;
      let kernel: tf.Tensor;
      if (op.dilation > 1 && op.groups !== 1) throw new Error(`node ${node.id} (${node.name}): a dilated depthwise convolution must be exported as a separable pair`);
      if (op.groups === 1) {
        y = apply(tf.layers.conv2d({ ...common, filters: op.outChannels }), y);
        kernel = tf.tidy(() => tf.tensor4d(w.weight, [op.outChannels, inShape.c, k, k]).transpose([2, 3, 1, 0]));
      } else if (op.groups === inShape.c) {
        const mult = op.outChannels / inShape.c;
        y = apply(tf.layers.depthwiseConv2d({ ...common, depthMultiplier: mult }), y);
        kernel = tf.tidy(() => tf.tensor4d(w.weight, [inShape.c, mult, k, k]).transpose([2, 3, 0, 1]));
      } else {
        throw new Error(`node ${node.id} (${node.name}): TF.js has no grouped convolution with ${op.groups} groups of ${inShape.c / op.groups} channels`);
      }
      pending.push({ layer: name, values: w.bias ? [kernel, tf.tensor1d(w.bias)] : [kernel] });
      if (strides !== op.stride) y = apply(tf.layers.maxPooling2d({ poolSize: 1, strides: op.stride, name: `${name}_subsample` }), y);
      return y;
    }
    case 'batchnorm':
      // PyTorch's momentum 0.1 is Keras's 0.9; tfjs's initial moving statistics are 0 and 1.
      return apply(tf.layers.batchNormalization({ axis: -1, epsilon: BN_EPSILON, momentum: 0.9, center: op.affine, scale: op.affine, name }));
    case 'act':
      switch (op.fn) {
        case 'relu':
          return apply(tf.layers.reLU({ name }));
        case 'sigmoid':
          return apply(tf.layers.activation({ activation: 'sigmoid', name }));
        case 'hsigmoid':
          return hardSigmoid(x, inShape.c, name, pending);
        case 'hswish':
          return apply(tf.layers.multiply({ name }), [x, hardSigmoid(x, inShape.c, `${name}_gate`, pending)]);
      }
      throw new Error(`unknown activation ${(op as { fn: string }).fn}`);
    case 'avgpool':
    case 'maxpool':
      return pool(node, x, inShape.h, inShape.w, name);
    case 'crop':
      return apply(tf.layers.cropping2D({ cropping: [[op.top, 0], [op.left, 0]], name }));
    case 'add':
      return apply(tf.layers.add({ name }), ins);
    case 'mul':
      return apply(tf.layers.multiply({ name }), ins);
    case 'concat':
      return apply(tf.layers.concatenate({ axis: -1, name }), ins);
    case 'zero':
      return constantAffine(x, inShape.c, 0, undefined, name, pending);
    case 'globalavgpool':
      // Keeps [1, 1, C] (GlobalAveragePooling2D would drop the spatial axes).
      return apply(tf.layers.averagePooling2d({ poolSize: [inShape.h, inShape.w], strides: [inShape.h, inShape.w], padding: 'valid', name }));
    case 'linear': {
      const w = weights.get(node.id);
      if (!w) throw new Error(`node ${node.id} (${node.name}): no weights`);
      // The IR flattens NCHW: channels first before flattening, unless there is one pixel.
      const nchw = inShape.h * inShape.w > 1 ? apply(tf.layers.permute({ dims: [3, 1, 2], name: `${name}_nchw` })) : x;
      const flat = apply(tf.layers.flatten({ name: `${name}_flatten` }), nchw);
      const y = apply(tf.layers.dense({ units: op.outFeatures, useBias: op.bias, name: node.id === graph.output ? 'logits' : name }), flat);
      const inF = inShape.c * inShape.h * inShape.w;
      pending.push({ layer: node.id === graph.output ? 'logits' : name, values: [tf.tidy(() => tf.tensor2d(w.weight, [op.outFeatures, inF]).transpose()), ...(w.bias ? [tf.tensor1d(w.bias)] : [])] });
      return node.id === graph.output ? y : apply(tf.layers.reshape({ targetShape: [1, 1, op.outFeatures], name: `${name}_nhwc` }), y);
    }
  }
}

/** relu6(x + 3) / 6, PyTorch's hardsigmoid (tfjs's own hardSigmoid is 0.2x + 0.5). */
function hardSigmoid(x: Sym, c: number, name: string, pending: Pending[]): Sym {
  const shifted = constantAffine(x, c, 1, 3, `${name}_plus3`, pending);
  const clipped = tf.layers.activation({ activation: 'relu6', name: `${name}_relu6` }).apply(shifted) as Sym;
  return constantAffine(clipped, c, 1 / 6, undefined, `${name}_div6`, pending);
}

/** x * scale (+ shift) per channel as a frozen 1x1 depthwise convolution. */
function constantAffine(x: Sym, c: number, scale: number, shift: number | undefined, name: string, pending: Pending[]): Sym {
  const layer = tf.layers.depthwiseConv2d({ kernelSize: 1, useBias: shift !== undefined, trainable: false, name });
  const y = layer.apply(x) as Sym;
  pending.push({ layer: name, values: [tf.fill([1, 1, c, 1], scale), ...(shift !== undefined ? [tf.fill([c], shift)] : [])] });
  return y;
}

/**
 * PyTorch pooling (symmetric padding p; average pooling without the padding in its count) as
 * Keras pooling: `valid` when p = 0 or the padding counts as zeros; otherwise `same`, which
 * ignores padding, on the input extended by e zero rows/columns at the bottom/right so that
 * `same` puts p padding rows on top, then the surplus outputs cropped. Extra rows never
 * enter a kept window, so the result is exact. Throws where no such e exists.
 */
function pool(node: Node, x: Sym, h: number, w: number, name: string): Sym {
  const op = node.op;
  if (op.kind !== 'avgpool' && op.kind !== 'maxpool') throw new Error('not a pooling node');
  const make = op.kind === 'avgpool' ? tf.layers.averagePooling2d : tf.layers.maxPooling2d;
  const cfg = { poolSize: op.kernel, strides: op.stride };
  if (op.padding === 0) return make({ ...cfg, padding: 'valid', name }).apply(x) as Sym;
  if (op.kind === 'avgpool' && op.countIncludePad) {
    const padded = tf.layers.zeroPadding2d({ padding: [[op.padding, op.padding], [op.padding, op.padding]], name: `${name}_pad` }).apply(x) as Sym;
    return make({ ...cfg, padding: 'valid', name }).apply(padded) as Sym;
  }
  const eh = sameExtension(h, op.kernel, op.stride, op.padding);
  const ew = sameExtension(w, op.kernel, op.stride, op.padding);
  if (eh === undefined || ew === undefined) throw new Error(`node ${node.id} (${node.name}): no exact TF.js form of ${op.kind} k${op.kernel} s${op.stride} p${op.padding} on ${h}x${w}`);
  let y = eh.extra + ew.extra > 0 ? (tf.layers.zeroPadding2d({ padding: [[0, eh.extra], [0, ew.extra]], name: `${name}_extend` }).apply(x) as Sym) : x;
  y = make({ ...cfg, padding: 'same', name }).apply(y) as Sym;
  if (eh.surplus + ew.surplus > 0) y = tf.layers.cropping2D({ cropping: [[0, eh.surplus], [0, ew.surplus]], name: `${name}_crop` }).apply(y) as Sym;
  return y;
}

function sameExtension(n: number, k: number, s: number, p: number): { extra: number; surplus: number } | undefined {
  const out = Math.floor((n + 2 * p - k) / s) + 1;
  const lastRow = (out - 1) * s - p + k - 1;
  for (let e = 0; e <= s; e++) {
    const n2 = n + e;
    const out2 = Math.ceil(n2 / s);
    const top = Math.floor(Math.max((out2 - 1) * s + k - n2, 0) / 2);
    if (top === p && out2 >= out && (e === 0 || lastRow <= n - 1)) return { extra: e, surplus: out2 - out };
  }
  return undefined;
}

/** Writes the model as model.json + weights.bin (tfjs's layers-model format). */
export async function saveTfjs(model: tf.LayersModel): Promise<{ modelJson: string; weights: Uint8Array }> {
  let saved: { modelJson: string; weights: Uint8Array } | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData;
      const buffer = data instanceof ArrayBuffer ? data : tf.io.concatenateArrayBuffers(data ?? []);
      const json = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: 'rwenas export',
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      saved = { modelJson: `${JSON.stringify(json)}\n`, weights: new Uint8Array(buffer) };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!saved) throw new Error('TF.js did not save the model');
  return saved;
}

/** Loads model.json + weights.bin as written by saveTfjs. */
export async function loadTfjs(modelJson: string, weights: Uint8Array): Promise<tf.LayersModel> {
  const json = JSON.parse(modelJson) as { modelTopology: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
  const buf = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((m) => m.weights), weightData: buf }));
}

/** Parameters tfjs would train (moving statistics and the frozen helper layers excluded). */
export function trainableParams(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((n, w) => n + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);
}
