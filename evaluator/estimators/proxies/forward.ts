// The forward-only proxies of one genome, on the ONNX engine at random weights: one pass of a
// CIFAR-10 batch with He-normal weights (NASWOT, SWAP, MeCo, AZ-NAS expressivity and
// progressivity all read it) and a pair of passes of Gaussian noise with N(0, 1) weights
// (Zen-score). Everything is seeded from (experiment seed, genome hash); the images depend on
// the experiment seed only, so every genome sees the same batch.
import { hashSeed } from '../../../search/hash.js';
import type { Graph } from '../../../search/ir.js';
import { Rng } from '../../../search/random.js';
import type { ChannelStats, ImageSet } from '../../data/cifar10.js';
import { channelStats, gather, loadTrainSplit, normalisedBatch, splitIndices } from '../../data/cifar10.js';
import { codeNodes, packCodes, type Codes } from '../features.js';
import { naswotScore } from '../naswot.js';
import type { OnnxEngine } from '../../backends/onnx/backend.js';
import { bnVarianceName, channelSumName, firstImageName, gramName, outputName } from '../../backends/onnx/lower.js';
import { initWeights } from '../../backends/weights.js';
import { azForward, covarianceFromMoments, isotropyEntropy } from './aznas.js';
import { MECO_MEAN_IMAGES, mecoScore } from './meco.js';
import { SWAP_MAX_BATCH, swapScore } from './swap.js';
import { gaussianWeights, preGapNode, ZEN_MIXUP, zenScore } from './zen.js';

export const FORWARD_PROXIES = ['naswot', 'swap', 'meco', 'meco8', 'zen', 'expressivity', 'progressivity'] as const;
export type ForwardProxy = (typeof FORWARD_PROXIES)[number];
export type ForwardScores = Record<ForwardProxy, number>;

export interface ForwardMeasurement {
  readonly scores: ForwardScores;
  /** Wall seconds: the He pass and its proxies, the Zen passes, and the total. */
  readonly seconds: { readonly pass: number; readonly zen: number; readonly total: number; readonly perProxy: Record<ForwardProxy, number> };
}

/** Scope of a node's block: `stageK/cellJ`, `stageK/reduce`, `cellK`, `stageK/blockJ`, else the first name part (stem, classifier). */
export function blockOf(name: string): string {
  const parts = name.split('/');
  const at = parts.findIndex((p) => /^(cell|reduce|block)/.test(p));
  return at < 0 ? parts[0] : parts.slice(0, at + 1).join('/');
}

/** Block outputs (AZ-NAS's layer features): spatial nodes read by a node of another block, in network order. */
export function blockOutputs(graph: Graph): number[] {
  const out = new Set<number>();
  for (const node of graph.nodes) {
    for (const i of node.inputs) {
      const src = graph.nodes[i];
      if (i !== 0 && src.shape.h * src.shape.w > 1 && blockOf(src.name) !== blockOf(node.name)) out.add(i);
    }
  }
  return [...out].sort((a, b) => a - b);
}

/** MeCo's layers: every node but the input with a spatial map (1x1 maps score 0 anyway). */
export function mecoNodes(graph: Graph): number[] {
  return graph.nodes.filter((n) => n.id !== 0 && n.shape.h * n.shape.w > 1).map((n) => n.id);
}

function packNamedCodes(graph: Graph, nodes: readonly number[], maps: ReadonlyMap<string, Float32Array>, n: number): Codes {
  return packCodes(graph, nodes, (id) => maps.get(outputName(id))!, n);
}

/** Zen-score's N(0, 1) weights of a trial: seeded from (experiment seed, genome hash), apart from the He weights. */
export function zenWeights(graph: Graph, seed: number, hash: string) {
  return gaussianWeights(graph, Rng.seeded(seed, hashSeed(hash), 0x2e4));
}

/** The nodes whose whole tensors scoresFromTensors needs: codes, MeCo layers and block outputs (He pass); pre-GAP map and BN inputs (Zen pass). */
export function tensorNodes(graph: Graph): { he: number[]; zen: number[] } {
  const bnInputs = graph.nodes.filter((x) => x.op.kind === 'batchnorm').map((x) => x.inputs[0]);
  return { he: [...new Set([...codeNodes(graph), ...mecoNodes(graph), ...blockOutputs(graph)])], zen: [...new Set([preGapNode(graph), ...bnInputs])] };
}

/**
 * The same scores from whole node tensors of plain forward passes (any engine), with the
 * moments, first images and BN variances computed here rather than inside the model: the
 * route the tfjs engine takes, and a check on the ONNX extras.
 */
export function scoresFromTensors(graph: Graph, n: number, he: ReadonlyMap<number, Float32Array>, zenX: ReadonlyMap<number, Float32Array>, zenMixed: ReadonlyMap<number, Float32Array>): ForwardScores {
  const codes = codeNodes(graph);
  const named = new Map([...he].map(([id, v]) => [outputName(id), v]));
  const packed = packNamedCodes(graph, codes, named, n);
  const mecoOf = (image: number) =>
    mecoScore(
      mecoNodes(graph).map((id) => {
        const { c, h, w } = graph.nodes[id].shape;
        return { map: he.get(id)!.subarray(image * c * h * w, (image + 1) * c * h * w), channels: c, positions: h * w };
      }),
    );
  const meco = mecoOf(0);
  let meco8 = 0;
  for (let i = 0; i < MECO_MEAN_IMAGES; i++) meco8 += mecoOf(i) / MECO_MEAN_IMAGES;
  const az = azForward(
    blockOutputs(graph).map((id) => {
      const { c, h, w } = graph.nodes[id].shape;
      const x = he.get(id)!;
      const m = n * h * w;
      const second = new Float64Array(c * c);
      const mean = new Float64Array(c);
      const v = new Float64Array(c);
      for (let b = 0; b < n; b++) {
        for (let p = 0; p < h * w; p++) {
          for (let i = 0; i < c; i++) v[i] = x[(b * c + i) * h * w + p];
          for (let i = 0; i < c; i++) {
            mean[i] += v[i] / m;
            for (let j = 0; j < c; j++) second[i * c + j] += (v[i] * v[j]) / m;
          }
        }
      }
      return isotropyEntropy(covarianceFromMoments(second, mean, c), c);
    }),
  );
  const f = preGapNode(graph);
  const { c, h, w } = graph.nodes[f].shape;
  const variances = graph.nodes.filter((x) => x.op.kind === 'batchnorm').map((bn) => {
    const x = zenX.get(bn.inputs[0])!;
    const s = graph.nodes[bn.inputs[0]].shape;
    const hw = s.h * s.w;
    const out = new Float64Array(s.c);
    for (let ch = 0; ch < s.c; ch++) {
      let sum = 0;
      let sq = 0;
      for (let b = 0; b < n; b++) for (let p = 0; p < hw; p++) {
        const val = x[(b * s.c + ch) * hw + p];
        sum += val;
        sq += val * val;
      }
      const mu = sum / (n * hw);
      out[ch] = Math.max(0, sq / (n * hw) - mu * mu);
    }
    return out;
  });
  return {
    naswot: naswotScore(packed),
    swap: swapScore(packed),
    meco,
    meco8,
    expressivity: az.expressivity,
    progressivity: az.progressivity,
    zen: zenScore(zenX.get(f)!, zenMixed.get(f)!, n, c * h * w, variances),
  };
}

export interface ForwardProbeOptions {
  readonly dataset: string;
  readonly seed: number;
  /** Images per batch (SWAP's patterns allow at most 64). */
  readonly batch: number;
  /**
   * Images MeCo reads: 1 (the paper's) or MECO_MEAN_IMAGES, which adds MeCo-8 (NaN when 1:
   * on the 8-cell DARTS proxy the extra images cost more than the 4 s budget allows).
   */
  readonly mecoImages?: 1 | typeof MECO_MEAN_IMAGES;
  readonly engine: OnnxEngine;
}

export class ForwardProxyProbe {
  private constructor(
    readonly options: ForwardProbeOptions,
    /** The normalised CIFAR-10 batch (NCHW), Zen's Gaussian batch x and x + γ·ε. */
    readonly images: Float32Array,
    readonly noise: Float32Array,
    readonly noiseMixed: Float32Array,
  ) {}

  /** Loads the seeded CIFAR-10 batch (and the Gaussian noise batch) once. */
  static create(options: ForwardProbeOptions): ForwardProxyProbe {
    const b = options.batch;
    if (!Number.isInteger(b) || b < MECO_MEAN_IMAGES || b > SWAP_MAX_BATCH) throw new RangeError(`proxy batch: expected an integer ${MECO_MEAN_IMAGES}..${SWAP_MAX_BATCH}, got ${b}`);
    if (options.mecoImages !== undefined && options.mecoImages !== 1 && options.mecoImages !== MECO_MEAN_IMAGES) throw new RangeError(`mecoImages: expected 1 or ${MECO_MEAN_IMAGES}, got ${options.mecoImages}`);
    const all = loadTrainSplit(options.dataset);
    const split = splitIndices(all.count, b, 1, Rng.seeded(options.seed, 0x5eed), `${options.dataset} (train split)`);
    const set: ImageSet = gather(all, split.train);
    const stats: ChannelStats = channelStats(set);
    const images = normalisedBatch(set, 0, b, stats);
    const rng = Rng.seeded(options.seed, 0x2e4);
    const noise = new Float32Array(images.length);
    const noiseMixed = new Float32Array(images.length);
    for (let i = 0; i < noise.length; i++) noise[i] = rng.normal();
    for (let i = 0; i < noise.length; i++) noiseMixed[i] = noise[i] + ZEN_MIXUP * rng.normal();
    return new ForwardProxyProbe(options, images, noise, noiseMixed);
  }

  /**
   * All forward proxies of one proxy network; `hash` (the genome hash) seeds its weights.
   * `zen: false` skips Zen-score's own pair of passes (a fifth of the cost) and reports it NaN.
   */
  async measure(graph: Graph, hash: string, { zen: withZen = true }: { zen?: boolean } = {}): Promise<ForwardMeasurement> {
    const t0 = performance.now();
    const he = await this.hePass(graph, hash);
    const t1 = performance.now();
    const zen = withZen ? await this.zenPass(graph, hash) : NaN;
    const t2 = performance.now();
    const pass = (t1 - t0) / 1000;
    const perProxy = Object.fromEntries(FORWARD_PROXIES.map((p) => [p, p === 'zen' ? (t2 - t1) / 1000 : he.shared + (he.own[p as Exclude<ForwardProxy, 'zen'>] ?? 0)])) as Record<ForwardProxy, number>;
    return { scores: { ...he.scores, zen }, seconds: { pass, zen: (t2 - t1) / 1000, total: (t2 - t0) / 1000, perProxy } };
  }

  private async hePass(graph: Graph, hash: string) {
    const n = this.options.batch;
    const codes = codeNodes(graph);
    if (codes.length === 0) throw new Error('the network has no ReLU or h-swish activations (NASWOT, SWAP)');
    const layers = mecoNodes(graph);
    const blocks = blockOutputs(graph);
    const start = performance.now();
    const runner = await this.options.engine.loadWithExtras(graph, initWeights(graph, this.options.seed, hash), codes, { firstImage: layers, firstImages: this.options.mecoImages ?? MECO_MEAN_IMAGES, moments: blocks });
    let maps: Map<string, Float32Array>;
    try {
      maps = await runner.run(this.images, n);
    } finally {
      await runner.dispose();
    }
    const shared = (performance.now() - start) / 1000;
    const own: Partial<Record<ForwardProxy, number>> = {};
    const timed = <T>(name: ForwardProxy, f: () => T): T => {
      const t = performance.now();
      const v = f();
      own[name] = (own[name] ?? 0) + (performance.now() - t) / 1000;
      return v;
    };
    const packed = timed('naswot', () => packNamedCodes(graph, codes, maps, n));
    own.swap = own.naswot;
    const naswot = timed('naswot', () => naswotScore(packed));
    const swap = timed('swap', () => swapScore(packed));
    const mecoOf = (image: number) =>
      mecoScore(
        layers.map((id) => {
          const { c, h, w } = graph.nodes[id].shape;
          return { map: maps.get(firstImageName(id))!.subarray(image * c * h * w, (image + 1) * c * h * w), channels: c, positions: h * w };
        }),
      );
    const meco = timed('meco', () => mecoOf(0));
    const images = this.options.mecoImages ?? MECO_MEAN_IMAGES;
    const meco8 = timed('meco8', () => {
      if (images < MECO_MEAN_IMAGES) return NaN;
      let sum = meco;
      for (let i = 1; i < MECO_MEAN_IMAGES; i++) sum += mecoOf(i);
      return sum / MECO_MEAN_IMAGES;
    });
    own.meco8 = (own.meco8 ?? 0) + (own.meco ?? 0);
    const az = timed('expressivity', () =>
      azForward(
        blocks.map((id) => {
          const { c, h, w } = graph.nodes[id].shape;
          const m = n * h * w;
          const second = maps.get(gramName(id))!.map((v) => v / m);
          const mean = maps.get(channelSumName(id))!.map((v) => v / m);
          return isotropyEntropy(covarianceFromMoments(second, mean, c), c);
        }),
      ),
    );
    own.progressivity = own.expressivity;
    return { scores: { naswot, swap, meco, meco8, expressivity: az.expressivity, progressivity: az.progressivity }, shared, own };
  }

  private async zenPass(graph: Graph, hash: string): Promise<number> {
    const n = this.options.batch;
    const f = preGapNode(graph);
    const bns = graph.nodes.filter((x) => x.op.kind === 'batchnorm').map((x) => x.id);
    const weights = zenWeights(graph, this.options.seed, hash);
    const runner = await this.options.engine.loadWithExtras(graph, weights, [f], { bnVariance: bns });
    try {
      const a = await runner.run(this.noise, n);
      const b = await runner.run(this.noiseMixed, n);
      const { c, h, w } = graph.nodes[f].shape;
      return zenScore(a.get(outputName(f))!, b.get(outputName(f))!, n, c * h * w, bns.map((id) => a.get(bnVarianceName(id))!));
    } finally {
      await runner.dispose();
    }
  }
}
