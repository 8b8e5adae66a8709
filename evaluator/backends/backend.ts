// What both inference engines (ONNX Runtime, TensorFlow.js) offer: lower an IR graph with its
// weights once, then run batches and read the outputs of chosen nodes.
import type { Graph } from '../../search/ir.js';
import type { Weights } from './weights.js';

export type EngineName = 'onnx' | 'tfjs';

/** Batch norm epsilon, as PyTorch's default. */
export const BN_EPSILON = 1e-5;

export interface NetworkRunner {
  /**
   * Runs a batch of `n` images (NCHW float32) and returns the outputs of `fetch` (node ids,
   * each among the outputs given to `load`), NCHW float32. Batch norm uses this batch's
   * statistics, so outputs depend on the batch's composition, not just on each image.
   */
  run(batch: Float32Array, n: number, fetch: readonly number[]): Promise<Map<number, Float32Array>>;
  dispose(): Promise<void>;
}

export interface InferenceEngine {
  readonly name: EngineName;
  /** What actually runs the ops, e.g. `cpu`, `cuda`, `tensorflow`, `wasm`. */
  readonly backend: string;
  load(graph: Graph, weights: Weights, outputs: readonly number[]): Promise<NetworkRunner>;
}

/** Node ids the given outputs depend on (themselves included), in topological order. */
export function ancestors(graph: Graph, outputs: readonly number[]): number[] {
  const need = new Uint8Array(graph.nodes.length);
  for (const o of outputs) {
    if (!Number.isInteger(o) || o < 0 || o >= graph.nodes.length) throw new RangeError(`output node ${o} is not in the graph (0..${graph.nodes.length - 1})`);
    need[o] = 1;
  }
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    if (need[i]) for (const j of graph.nodes[i].inputs) need[j] = 1;
  }
  const ids: number[] = [];
  need.forEach((v, i) => v && ids.push(i));
  return ids;
}
