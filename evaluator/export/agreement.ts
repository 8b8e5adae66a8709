// The agreement checks of an export, on one batch of images:
//  - ONNX vs the evaluator: the evaluator's own lowering (batch norm on the batch's
//    statistics) against the exported model.onnx with its running statistics set to that
//    batch's statistics; both on ONNX Runtime. Equal functions give equal logits.
//  - TF.js vs ONNX: the exported LayersModel (read back from its files) against model.onnx as
//    written (initial statistics 0 and 1), in inference mode.
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import type { Graph } from '../../search/ir.js';
import { OnnxEngine } from '../backends/onnx/backend.js';
import type { BatchNormState } from '../backends/onnx/lower.js';
import { initBackend } from '../backends/tfjs/backend.js';
import type { Weights } from '../backends/weights.js';
import type { ModuleLayout } from './modules.js';
import { EXPORT_INPUT, EXPORT_OUTPUT, withRunningStatistics } from './onnx.js';
import { setMovingStatistics } from './tfjs.js';

export interface Difference {
  /** Largest |a - b| over all logits of the batch. */
  readonly maxAbsDiff: number;
  /** Largest |logit| of the reference, for scale. */
  readonly maxAbs: number;
}

export interface Batch {
  /** NCHW float32 images. */
  readonly images: Float32Array;
  readonly n: number;
  readonly description: string;
}

export function difference(a: Float32Array, reference: Float32Array): Difference {
  if (a.length !== reference.length) throw new RangeError(`${a.length} values against ${reference.length}`);
  let maxAbsDiff = 0;
  let maxAbs = 0;
  for (let i = 0; i < a.length; i++) {
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs(a[i] - reference[i]));
    maxAbs = Math.max(maxAbs, Math.abs(reference[i]));
  }
  if (!Number.isFinite(maxAbsDiff)) maxAbsDiff = Infinity;
  return { maxAbsDiff, maxAbs };
}

/** Logits of the evaluator's lowering and the batch statistics every batch-norm node saw. */
export async function evaluatorRun(graph: Graph, weights: Weights, batch: Batch): Promise<{ logits: Float32Array; stats: Map<number, BatchNormState> }> {
  const bn = graph.nodes.filter((n) => n.op.kind === 'batchnorm');
  const engine = await OnnxEngine.create({ cuda: false, threads: 1 });
  const fetch = [graph.output, ...new Set(bn.map((n) => n.inputs[0]))];
  const runner = await engine.load(graph, weights, fetch);
  try {
    const out = await runner.run(batch.images, batch.n, fetch);
    const stats = new Map<number, BatchNormState>();
    for (const node of bn) stats.set(node.id, batchStatistics(out.get(node.inputs[0])!, batch.n, node.shape.c));
    return { logits: out.get(graph.output)!, stats };
  } finally {
    await runner.dispose();
  }
}

/** Per-channel mean and (biased) variance over N, H, W of an NCHW tensor, in float64. */
export function batchStatistics(x: Float32Array, n: number, c: number): BatchNormState {
  const hw = x.length / (n * c);
  const runningMean = new Float32Array(c);
  const runningVar = new Float32Array(c);
  for (let ch = 0; ch < c; ch++) {
    let sum = 0;
    for (let i = 0; i < n; i++) for (let j = 0, o = (i * c + ch) * hw; j < hw; j++) sum += x[o + j];
    const mean = sum / (n * hw);
    let sq = 0;
    for (let i = 0; i < n; i++) for (let j = 0, o = (i * c + ch) * hw; j < hw; j++) sq += (x[o + j] - mean) ** 2;
    runningMean[ch] = mean;
    runningVar[ch] = sq / (n * hw);
  }
  return { weight: new Float32Array(c).fill(1), bias: new Float32Array(c), runningMean, runningVar };
}

/** Logits of an ONNX model file's bytes on ONNX Runtime (CPU). */
export async function onnxRun(model: Uint8Array, batch: Batch, shape: { c: number; h: number; w: number }): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'], intraOpNumThreads: 1, logSeverityLevel: 3 });
  try {
    const input = new ort.Tensor('float32', batch.images, [batch.n, shape.c, shape.h, shape.w]);
    const out = await session.run({ [EXPORT_INPUT]: input });
    return out[EXPORT_OUTPUT].data as Float32Array;
  } finally {
    await session.release();
  }
}

/** Logits of a LayersModel in inference mode (the batch transposed to NHWC). */
export async function tfjsRun(model: tf.LayersModel, batch: Batch, shape: { c: number; h: number; w: number }): Promise<Float32Array> {
  await initBackend();
  const y = tf.tidy(() => model.predict(tf.tensor4d(batch.images, [batch.n, shape.c, shape.h, shape.w]).transpose([0, 2, 3, 1])) as tf.Tensor);
  const data = (await y.data()) as Float32Array;
  y.dispose();
  return data;
}

export interface Agreement {
  readonly batch: string;
  /** model.onnx (running statistics = the batch's) vs the evaluator's lowering. */
  readonly onnxVsEvaluator: Difference;
  /** The TF.js files vs model.onnx, both with the batch's statistics. */
  readonly tfjsVsOnnx: Difference;
  /** The same, both as written (statistics 0 and 1: large activations, so compare relative to maxAbs). */
  readonly tfjsVsOnnxInitial: Difference;
}

/**
 * The three comparisons (see the file comment). The batch's statistics make every
 * comparison one of well-scaled logits; the as-written one checks the files untouched.
 */
export async function agreement(graph: Graph, weights: Weights, layout: ModuleLayout, onnxModel: Uint8Array, tfjs: tf.LayersModel, batch: Batch): Promise<Agreement & { evaluatorLogits: Float32Array; onnxLogits: Float32Array }> {
  const ev = await evaluatorRun(graph, weights, batch);
  const calibrated = await onnxRun(withRunningStatistics(onnxModel, graph, layout, ev.stats), batch, graph.inputShape);
  const asWritten = await onnxRun(onnxModel, batch, graph.inputShape);
  const tfjsInitial = await tfjsRun(tfjs, batch, graph.inputShape);
  setMovingStatistics(tfjs, graph, layout, ev.stats);
  const tfjsCalibrated = await tfjsRun(tfjs, batch, graph.inputShape);
  return {
    batch: batch.description,
    onnxVsEvaluator: difference(calibrated, ev.logits),
    tfjsVsOnnx: difference(tfjsCalibrated, calibrated),
    tfjsVsOnnxInitial: difference(tfjsInitial, asWritten),
    evaluatorLogits: ev.logits,
    onnxLogits: asWritten,
  };
}
