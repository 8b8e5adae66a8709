// Random-network features: run the proxy network over an image set in fixed batches and
// pool the chosen stage outputs; and the binary codes of its ReLUs over one batch (NASWOT).
import type { Graph } from '../../search/ir.js';
import type { ChannelStats, ImageSet } from '../data/cifar10.js';
import { normalisedBatch } from '../data/cifar10.js';
import type { NetworkRunner } from '../backends/backend.js';

export type FeatureChoice = 'last-stage' | 'all-stages';

/** Stage-output node ids whose pooled maps form the features. */
export function featureNodes(graph: Graph, choice: FeatureChoice): number[] {
  if (graph.stageOutputs.length === 0) throw new Error('graph has no stage outputs to read features from');
  return choice === 'last-stage' ? [graph.stageOutputs[graph.stageOutputs.length - 1]] : [...graph.stageOutputs];
}

/** Nodes whose sign pattern is a NASWOT code: ReLUs, and h-swish (positive exactly where its input is). */
export function codeNodes(graph: Graph): number[] {
  return graph.nodes.filter((n) => n.op.kind === 'act' && (n.op.fn === 'relu' || n.op.fn === 'hswish')).map((n) => n.id);
}

/** Feature length of one image: channels x pooled^2 per chosen stage. */
export function featureDim(graph: Graph, nodes: readonly number[], pooled: number): number {
  return nodes.reduce((d, id) => d + graph.nodes[id].shape.c * pooled * pooled, 0);
}

/**
 * Adaptive average pooling of an NCHW map to p x p (PyTorch's bins: floor(i*H/p) to
 * ceil((i+1)*H/p)), written into `out` at row stride `stride`, column offset `offset`.
 */
export function poolInto(map: Float32Array, n: number, c: number, h: number, w: number, p: number, out: Float32Array, stride: number, offset: number): void {
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const base = (b * c + ch) * h * w;
      for (let i = 0; i < p; i++) {
        const y0 = Math.floor((i * h) / p);
        const y1 = Math.ceil(((i + 1) * h) / p);
        for (let j = 0; j < p; j++) {
          const x0 = Math.floor((j * w) / p);
          const x1 = Math.ceil(((j + 1) * w) / p);
          let s = 0;
          for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) s += map[base + y * w + x];
          out[b * stride + offset + (ch * p + i) * p + j] = s / ((y1 - y0) * (x1 - x0));
        }
      }
    }
  }
}

export interface FeatureMatrix {
  /** Row-major n x dim. */
  readonly data: Float32Array;
  readonly n: number;
  readonly dim: number;
}

/** Runs `set` in consecutive batches of `batchSize` (the last may be smaller) and pools `nodes`. */
export async function computeFeatures(
  runner: NetworkRunner,
  graph: Graph,
  set: ImageSet,
  stats: ChannelStats,
  nodes: readonly number[],
  pooled: number,
  batchSize: number,
): Promise<FeatureMatrix> {
  const dim = featureDim(graph, nodes, pooled);
  const data = new Float32Array(set.count * dim);
  for (let start = 0; start < set.count; start += batchSize) {
    const n = Math.min(batchSize, set.count - start);
    const outs = await runner.run(normalisedBatch(set, start, n, stats), n, nodes);
    let offset = 0;
    for (const id of nodes) {
      const { c, h, w } = graph.nodes[id].shape;
      poolInto(outs.get(id)!, n, c, h, w, pooled, data.subarray(start * dim), dim, offset);
      offset += c * pooled * pooled;
    }
    for (let k = start * dim; k < (start + n) * dim; k++) {
      if (!Number.isFinite(data[k])) throw new Error(`features are not finite (image ${start + Math.floor((k - start * dim) / dim)}, stage feature ${(k - start * dim) % dim})`);
    }
  }
  return { data, n: set.count, dim };
}

/** Binary activation codes of one batch, packed 32 units a word, one row of `words` per image. */
export interface Codes {
  readonly bits: Uint32Array;
  readonly n: number;
  /** Number of units (bits per image). */
  readonly units: number;
  readonly words: number;
}

export async function computeCodes(runner: NetworkRunner, graph: Graph, set: ImageSet, stats: ChannelStats, nodes: readonly number[]): Promise<Codes> {
  if (nodes.length === 0) throw new Error('the network has no ReLU or h-swish activations to take NASWOT codes from');
  const n = set.count;
  const outs = await runner.run(normalisedBatch(set, 0, n, stats), n, nodes);
  return packCodes(graph, nodes, (id) => outs.get(id)!, n);
}

/** Packs each image's positive activations of `nodes` (read by `mapOf`) as bits, in node order. */
export function packCodes(graph: Graph, nodes: readonly number[], mapOf: (node: number) => Float32Array, n: number): Codes {
  const per = nodes.map((id) => graph.nodes[id].shape.c * graph.nodes[id].shape.h * graph.nodes[id].shape.w);
  const units = per.reduce((a, b) => a + b, 0);
  const words = Math.ceil(units / 32);
  const bits = new Uint32Array(n * words);
  let unit = 0;
  nodes.forEach((id, k) => {
    const map = mapOf(id);
    const size = per[k];
    for (let b = 0; b < n; b++) {
      const row = b * words;
      const src = b * size;
      for (let u = 0; u < size; u++) {
        if (map[src + u] > 0) {
          const bit = unit + u;
          bits[row + (bit >>> 5)] |= 1 << (bit & 31);
        }
      }
    }
    unit += size;
  });
  return { bits, n, units, words };
}
