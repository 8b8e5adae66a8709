// The experimental RWE/NASWOT probe: one random-weight forward pass of the proxy network over
// a train and a validation subset of CIFAR-10, read off in several ways at once (feature
// choice, pooling, classifier), plus NASWOT on one batch. It is built on the evaluator's
// public pieces (engine, weights, data, features, classifier, NASWOT) so the variants it
// measures are the ones `rwenas evaluate` can run; only the closed-form ridge read-out and
// the validation loss are bench-only experiments.
import { genomeHash } from '../../search/hash.js';
import { Rng } from '../../search/random.js';
import type { SearchSpace } from '../../search/space.js';
import { spaceByName } from '../../search/spaces/index.js';
import type { NetworkRunner } from '../../evaluator/backends/backend.js';
import { OnnxEngine } from '../../evaluator/backends/onnx/backend.js';
import { initWeights } from '../../evaluator/backends/weights.js';
import { channelStats, gather, loadTrainSplit, normalisedBatch, splitIndices, type ChannelStats, type ImageSet } from '../../evaluator/data/cifar10.js';
import type { Graph } from '../../search/ir.js';
import { codeNodes, computeCodes, featureDim, poolInto, type FeatureMatrix } from '../../evaluator/estimators/features.js';
import { naswotScore } from '../../evaluator/estimators/naswot.js';
import { standardise, trainSoftmax } from '../../evaluator/estimators/rwe.js';
import type { Architecture } from './groundtruth.js';
import type { BenchSpace, Probe, ProbeResult } from './probe.js';

export interface RweProbeSettings {
  /** Proxy overrides; undefined keeps the space's proxy default. */
  readonly channels?: number;
  readonly cells?: number;
  readonly train: number;
  readonly validation: number;
  readonly batch: number;
  readonly naswotBatch: number;
  readonly epochs: number;
  readonly l2: number;
  readonly lr: number;
  /** Feature variants read from the one forward pass: `last@P` (last stage pooled to P×P), `all@P` (every stage). */
  readonly features: readonly string[];
  /** Also fit a closed-form ridge read-out (one-hot least squares) per feature variant. */
  readonly ridge: boolean;
  /** ONNX Runtime intra-op threads. */
  readonly threads: number;
}

export const RWE_DEFAULTS: RweProbeSettings = {
  train: 1000,
  validation: 1000,
  batch: 100,
  naswotBatch: 128,
  epochs: 20,
  l2: 1e-3,
  lr: 0.01,
  // The paper's reading (last stage, pooled) and the best measured (every stage, pooled).
  features: ['last@1', 'all@1'],
  ridge: true,
  threads: 2,
};

/** `key=value,...` over the defaults; features as `last@1+all@1`. */
export function parseRweSettings(text: string | undefined): RweProbeSettings {
  const out: Record<string, unknown> = { ...RWE_DEFAULTS };
  for (const part of (text ?? '').split(',').filter((p) => p.trim() !== '')) {
    const [key, value] = part.split('=').map((s) => s.trim());
    if (!(key in RWE_DEFAULTS) && key !== 'channels' && key !== 'cells') throw new Error(`--rwe: unknown setting ${key} (have ${Object.keys(RWE_DEFAULTS).join(', ')}, channels, cells)`);
    if (key === 'features') out.features = value === '' || value === 'none' ? [] : value.split('+');
    else if (key === 'ridge') out.ridge = value === 'true';
    else {
      const n = Number(value);
      if (!Number.isFinite(n) || n < 0) throw new Error(`--rwe: ${key} must be a non-negative number, got ${value}`);
      out[key] = n;
    }
  }
  return out as unknown as RweProbeSettings;
}

export function settingsKey(s: RweProbeSettings): string {
  const what = s.features.length === 0 ? 'naswot-only' : `rwe ${s.train}/${s.validation},e${s.epochs},l2=${s.l2},lr=${s.lr},${s.features.join('+')}${s.ridge ? ',ridge' : ''}`;
  return `probe(${what},${s.channels ?? 'd'}c,${s.cells ?? 'd'}l,b${s.batch},nw${s.naswotBatch})`;
}

interface Subsets {
  readonly train: ImageSet;
  readonly validation: ImageSet;
  readonly stats: ChannelStats;
}

function parseFeature(spec: string): { stages: 'last' | 'all'; pooled: number } {
  const m = /^(last|all)@(\d+)$/.exec(spec);
  if (!m) throw new Error(`--rwe features: expected last@P or all@P, got ${spec}`);
  return { stages: m[1] as 'last' | 'all', pooled: Number(m[2]) };
}

export async function makeRweProbe(settings: RweProbeSettings, dataset: string): Promise<Probe> {
  const engine = await OnnxEngine.create({ threads: settings.threads, cuda: false });
  let images: ImageSet | undefined;
  const subsets = new Map<number, Subsets>();
  const features = settings.features.map((f) => ({ name: f, ...parseFeature(f) }));

  // Same subsets for every architecture at a seed, as a search would see them.
  function subsetsFor(seed: number): Subsets {
    let s = subsets.get(seed);
    if (!s) {
      images ??= loadTrainSplit(dataset);
      const idx = splitIndices(images.count, settings.train, settings.validation, Rng.seeded(seed, 0x5eed));
      const train = gather(images, idx.train);
      s = { train, validation: gather(images, idx.validation), stats: channelStats(train) };
      subsets.set(seed, s);
    }
    return s;
  }

  return {
    name: settingsKey(settings),
    seeded: true,
    spaces: ['nb201', 'darts'],
    async measure(spaceName: BenchSpace, arch: Architecture, seed: number): Promise<ProbeResult> {
      const space: SearchSpace = spaceByName(spaceName);
      const genome = space.parse(arch.genome);
      const canonical = space.serialize(genome);
      const graph = space.build(genome, 'proxy', { channels: settings.channels, cells: settings.cells });
      const data = subsetsFor(seed);
      const scores: Record<string, number> = {};
      const seconds: Record<string, number> = {};

      let t0 = performance.now();
      const weights = initWeights(graph, seed, genomeHash(space.name, canonical));
      const relus = codeNodes(graph);
      const runner: NetworkRunner = await engine.load(graph, weights, [...graph.stageOutputs, ...relus]);
      const setup = (performance.now() - t0) / 1000;
      try {
        // NASWOT: codes of the first naswotBatch train images (batch norm on that batch).
        t0 = performance.now();
        const nb = Math.min(settings.naswotBatch, data.train.count);
        const codes = await computeCodes(runner, graph, gather(data.train, Int32Array.from({ length: nb }, (_, i) => i)), data.stats, relus);
        scores.naswot = naswotScore(codes);
        seconds.naswot = setup + (performance.now() - t0) / 1000;

        if (features.length === 0) return { scores, seconds };
        // One forward pass per stage set; pooled variants are cheap re-reads of it.
        const lastOnly = features.every((f) => f.stages === 'last');
        const nodes = lastOnly ? [graph.stageOutputs[graph.stageOutputs.length - 1]] : [...graph.stageOutputs];
        t0 = performance.now();
        const sizes = [...new Set(features.map((f) => f.pooled))];
        const pooledTrain = await pooledFeatures(runner, graph, data.train, data.stats, nodes, sizes, settings.batch);
        const pooledVal = await pooledFeatures(runner, graph, data.validation, data.stats, nodes, sizes, settings.batch);
        const forward = (performance.now() - t0) / 1000;

        for (const f of features) {
          const train = select(graph, nodes, f, pooledTrain.get(f.pooled)!);
          const val = select(graph, nodes, f, pooledVal.get(f.pooled)!);
          t0 = performance.now();
          const [xt, xv] = standardise(train, val);
          const model = trainSoftmax(xt, data.train.labels, train.n, train.dim, { epochs: settings.epochs, l2: settings.l2, learningRate: settings.lr, batchSize: 100, classes: 10 }, Rng.seeded(seed, 0xc1a5));
          const { error, loss } = evaluateLinear(xv, data.validation.labels, val.n, val.dim, (row, z) => {
            for (let k = 0; k < 10; k++) {
              let s = model.b[k];
              for (let d = 0; d < val.dim; d++) s += model.w[k * val.dim + d] * xv[row * val.dim + d];
              z[k] = s;
            }
          });
          const cls = (performance.now() - t0) / 1000;
          scores[`rwe ${f.name} softmax`] = -error;
          seconds[`rwe ${f.name} softmax`] = setup + forward + cls;
          scores[`rwe ${f.name} softmax val-loss`] = -loss;
          seconds[`rwe ${f.name} softmax val-loss`] = setup + forward + cls;
          if (settings.ridge) {
            t0 = performance.now();
            const r = ridgeError(xt, data.train.labels, train.n, xv, data.validation.labels, val.n, train.dim, 1);
            scores[`rwe ${f.name} ridge`] = -r;
            seconds[`rwe ${f.name} ridge`] = setup + forward + (performance.now() - t0) / 1000;
          }
        }
      } finally {
        await runner.dispose();
      }
      return { scores, seconds };
    },
  };
}

/** Like the evaluator's computeFeatures, but one forward pass pools into several sizes. */
async function pooledFeatures(runner: NetworkRunner, graph: Graph, set: ImageSet, stats: ChannelStats, nodes: readonly number[], sizes: readonly number[], batch: number): Promise<Map<number, FeatureMatrix>> {
  const out = new Map<number, FeatureMatrix>();
  for (const p of sizes) {
    const dim = featureDim(graph, nodes, p);
    out.set(p, { data: new Float32Array(set.count * dim), n: set.count, dim });
  }
  for (let start = 0; start < set.count; start += batch) {
    const n = Math.min(batch, set.count - start);
    const maps = await runner.run(normalisedBatch(set, start, n, stats), n, nodes);
    for (const p of sizes) {
      const m = out.get(p)!;
      let offset = 0;
      for (const id of nodes) {
        const { c, h, w } = graph.nodes[id].shape;
        poolInto(maps.get(id)!, n, c, h, w, p, m.data.subarray(start * m.dim), m.dim, offset);
        offset += c * p * p;
      }
    }
  }
  for (const m of out.values()) if (!m.data.every(Number.isFinite)) throw new Error('features are not finite');
  return out;
}

/** The columns of a multi-stage feature matrix that belong to the variant (last stage or all). */
function select(graph: Graph, nodes: readonly number[], f: { stages: 'last' | 'all'; pooled: number }, m: FeatureMatrix): FeatureMatrix {
  if (f.stages === 'all' || nodes.length === 1) return m;
  const widths = nodes.map((id) => graph.nodes[id].shape.c * f.pooled * f.pooled);
  const offset = widths.slice(0, -1).reduce((a, b) => a + b, 0);
  const dim = widths[widths.length - 1];
  const data = new Float32Array(m.n * dim);
  for (let i = 0; i < m.n; i++) data.set(m.data.subarray(i * m.dim + offset, i * m.dim + offset + dim), i * dim);
  return { data, n: m.n, dim };
}

function evaluateLinear(x: ArrayLike<number>, labels: Uint8Array, n: number, _dim: number, logits: (row: number, z: Float64Array) => void): { error: number; loss: number } {
  const z = new Float64Array(10);
  let wrong = 0;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    logits(i, z);
    let best = 0;
    let m = -Infinity;
    for (let k = 0; k < 10; k++) {
      if (z[k] > z[best]) best = k;
      m = Math.max(m, z[k]);
    }
    let s = 0;
    for (let k = 0; k < 10; k++) s += Math.exp(z[k] - m);
    loss += m + Math.log(s) - z[labels[i]];
    if (best !== labels[i]) wrong++;
  }
  return { error: (100 * wrong) / n, loss: loss / n };
}

/** One-hot least squares with ridge λ·n (features already standardised), by Cholesky; validation error in percent. */
export function ridgeError(xt: ArrayLike<number>, yt: Uint8Array, n: number, xv: ArrayLike<number>, yv: Uint8Array, nv: number, dim: number, lambda: number): number {
  const d = dim + 1; // + bias column
  const a = new Float64Array(d * d);
  const b = new Float64Array(d * 10);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) row[j] = xt[i * dim + j];
    row[dim] = 1;
    for (let p = 0; p < d; p++) {
      const rp = row[p];
      if (rp === 0) continue;
      for (let q = p; q < d; q++) a[p * d + q] += rp * row[q];
      b[p * 10 + yt[i]] += rp;
    }
  }
  for (let p = 0; p < d; p++) for (let q = 0; q < p; q++) a[p * d + q] = a[q * d + p];
  for (let p = 0; p < dim; p++) a[p * d + p] += lambda * n;
  a[dim * d + dim] += 1e-9;
  // Cholesky in place (lower), then two triangular solves per class column.
  for (let j = 0; j < d; j++) {
    let s = a[j * d + j];
    for (let k = 0; k < j; k++) s -= a[j * d + k] * a[j * d + k];
    const l = Math.sqrt(Math.max(s, 1e-12));
    a[j * d + j] = l;
    for (let i = j + 1; i < d; i++) {
      let t = a[i * d + j];
      for (let k = 0; k < j; k++) t -= a[i * d + k] * a[j * d + k];
      a[i * d + j] = t / l;
    }
  }
  const w = new Float64Array(d * 10);
  for (let c = 0; c < 10; c++) {
    const y = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      let s = b[i * 10 + c];
      for (let k = 0; k < i; k++) s -= a[i * d + k] * y[k];
      y[i] = s / a[i * d + i];
    }
    for (let i = d - 1; i >= 0; i--) {
      let s = y[i];
      for (let k = i + 1; k < d; k++) s -= a[k * d + i] * w[k * 10 + c];
      w[i * 10 + c] = s / a[i * d + i];
    }
  }
  let wrong = 0;
  for (let i = 0; i < nv; i++) {
    let best = 0;
    let bestV = -Infinity;
    for (let c = 0; c < 10; c++) {
      let s = w[dim * 10 + c];
      for (let j = 0; j < dim; j++) s += xv[i * dim + j] * w[j * 10 + c];
      if (s > bestV) {
        bestV = s;
        best = c;
      }
    }
    if (best !== yv[i]) wrong++;
  }
  return (100 * wrong) / nv;
}
