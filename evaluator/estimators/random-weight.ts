// The random-weight estimators (rwe, naswot, rwe+naswot) behind one probe: the data set is
// loaded once; per genome the proxy network is built, seeded from (experiment seed, genome
// hash), run once over the subsets, and scored.
import { countComplexity } from '../../search/complexity.js';
import { SPEC_DEFAULTS } from '../../search/experiment/defaults.js';
import type { ExperimentSpec, RweSpec } from '../../search/experiment/spec.js';
import { genomeHash, hashSeed } from '../../search/hash.js';
import type { Graph } from '../../search/ir.js';
import { Rng } from '../../search/random.js';
import type { NetworkOptions, SearchSpace } from '../../search/space.js';
import type { ChannelStats, ImageSet } from '../data/cifar10.js';
import { NUM_CLASSES, channelStats, gather, loadTrainSplit, splitIndices } from '../data/cifar10.js';
import { resolveDataset } from '../data/download.js';
import type { InferenceEngine, EngineName } from '../backends/backend.js';
import { createEngine } from '../backends/backends.js';
import { codeNodes, computeCodes, computeFeatures, featureNodes, type FeatureMatrix } from './features.js';
import { naswotError, naswotScore } from './naswot.js';
import { rweError } from './rwe.js';
import { initWeights } from '../backends/weights.js';

export type RandomWeightMethod = 'rwe' | 'naswot' | 'rwe+naswot';

/** RweSpec with every field resolved. */
export type RweSettings = Required<RweSpec>;

// The schema's defaults (search/experiment/defaults.ts), for a spec built without them.
const D = SPEC_DEFAULTS.evaluation.rwe;
export const RWE_OPTIONAL_DEFAULTS = {
  pooledSize: D.pooledSize,
  learningRate: D.learningRate,
  classifierBatchSize: D.classifierBatchSize,
  naswotBatch: D.naswotBatch,
  naswotWeight: D.naswotWeight,
} as const;

export function rweSettings(spec: Partial<RweSpec> & Omit<RweSpec, keyof typeof RWE_OPTIONAL_DEFAULTS>): RweSettings {
  const s = { ...RWE_OPTIONAL_DEFAULTS, ...Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined)) } as RweSettings;
  const positive = ['trainSamples', 'validationSamples', 'batchSize', 'classifierEpochs', 'pooledSize', 'classifierBatchSize', 'naswotBatch'] as const;
  for (const k of positive) {
    if (!Number.isInteger(s[k]) || s[k] < 1) throw new RangeError(`spec.evaluation.rwe.${k}: expected a positive integer, got ${s[k]}`);
  }
  if (!(s.naswotWeight >= 0 && s.naswotWeight <= 1)) throw new RangeError(`spec.evaluation.rwe.naswotWeight: expected 0..1, got ${s.naswotWeight}`);
  if (!(s.l2 >= 0)) throw new RangeError(`spec.evaluation.rwe.l2: expected >= 0, got ${s.l2}`);
  if (!(s.learningRate > 0)) throw new RangeError(`spec.evaluation.rwe.learningRate: expected > 0, got ${s.learningRate}`);
  if (s.naswotBatch > s.trainSamples) throw new RangeError(`spec.evaluation.rwe.naswotBatch ${s.naswotBatch} exceeds trainSamples ${s.trainSamples}`);
  return s;
}

/**
 * The rwe+naswot combination hook: a weighted mean of the two errors (both percent-like,
 * lower is better). The fidelity benchmark decides whether and with which weight it is used.
 */
export function combineErrors(rwe: number, naswot: number, naswotWeight: number): number {
  return (1 - naswotWeight) * rwe + naswotWeight * naswot;
}

export interface ProbeMeasurement {
  readonly rweError?: number;
  readonly naswotScore?: number;
  readonly naswotError?: number;
  /** The error of the method asked for. */
  readonly error: number;
  readonly stats: {
    readonly estimator: RandomWeightMethod;
    readonly engine: EngineName;
    readonly backend: string;
    readonly images: number;
    readonly proxyFlopsPerImage: number;
    readonly featureSeconds: number;
    readonly classifierSeconds: number;
  };
}

export interface ProbeOptions {
  readonly engine?: EngineName | 'auto';
  /** Overrides spec.evaluation.threads. */
  readonly threads?: number;
}

/** Loads CIFAR-10 and the engine once; measures proxy networks with RWE and/or NASWOT. */
export class RandomWeightProbe {
  private constructor(
    readonly settings: RweSettings,
    readonly seed: number,
    readonly engine: InferenceEngine,
    private readonly train: ImageSet,
    private readonly validation: ImageSet,
    private readonly codesBatch: ImageSet,
    readonly normalisation: ChannelStats,
  ) {}

  static async create(spec: ExperimentSpec, opts: ProbeOptions = {}): Promise<RandomWeightProbe> {
    const settings = rweSettings(spec.evaluation.rwe);
    const dir = await resolveDataset(spec.evaluation.dataset);
    const all = loadTrainSplit(dir);
    // The subsets depend on the experiment seed only: every genome sees the same images.
    const split = splitIndices(all.count, settings.trainSamples, settings.validationSamples, Rng.seeded(spec.algorithm.seed, 0x5eed), `${dir} (train split)`);
    const train = gather(all, split.train);
    const validation = gather(all, split.validation);
    const codesBatch = gather(all, split.train.subarray(0, settings.naswotBatch));
    const engine = await createEngine(opts.engine ?? spec.evaluation.engine, { threads: opts.threads ?? spec.evaluation.threads });
    return new RandomWeightProbe(settings, spec.algorithm.seed, engine, train, validation, codesBatch, channelStats(train));
  }

  /** Measures one proxy network; `hash` (the genome hash) seeds its weights and classifier. */
  async measure(graph: Graph, hash: string, method: RandomWeightMethod): Promise<ProbeMeasurement> {
    const s = this.settings;
    const useRwe = method !== 'naswot';
    const useNaswot = method !== 'rwe';
    const weights = initWeights(graph, this.seed, hash);
    const features = useRwe ? featureNodes(graph, s.features) : [];
    const codes = useNaswot ? codeNodes(graph) : [];
    const runner = await this.engine.load(graph, weights, [...new Set([...features, ...codes])]);
    let rwe: number | undefined;
    let score: number | undefined;
    let nasErr: number | undefined;
    let images = 0;
    const t0 = performance.now();
    let featureMs = 0;
    let trainF: FeatureMatrix | undefined;
    let valF: FeatureMatrix | undefined;
    try {
      if (useRwe) {
        trainF = await computeFeatures(runner, graph, this.train, this.normalisation, features, s.pooledSize, s.batchSize);
        valF = await computeFeatures(runner, graph, this.validation, this.normalisation, features, s.pooledSize, s.batchSize);
        images += this.train.count + this.validation.count;
      }
      if (useNaswot) {
        const c = await computeCodes(runner, graph, this.codesBatch, this.normalisation, codes);
        images += this.codesBatch.count;
        featureMs = performance.now() - t0;
        score = naswotScore(c);
        nasErr = naswotError(score, c.n);
      } else {
        featureMs = performance.now() - t0;
      }
    } finally {
      await runner.dispose();
    }
    const t1 = performance.now();
    if (useRwe) {
      const opts = { epochs: s.classifierEpochs, l2: s.l2, learningRate: s.learningRate, batchSize: s.classifierBatchSize, classes: NUM_CLASSES };
      rwe = rweError(trainF!, this.train.labels, valF!, this.validation.labels, opts, Rng.seeded(this.seed, hashSeed(hash), 0xc1a5));
    }
    const classifierSeconds = (performance.now() - t1) / 1000;
    const error = method === 'rwe' ? rwe! : method === 'naswot' ? nasErr! : combineErrors(rwe!, nasErr!, s.naswotWeight);
    return {
      error,
      ...(rwe !== undefined ? { rweError: rwe } : {}),
      ...(score !== undefined ? { naswotScore: score, naswotError: nasErr } : {}),
      stats: {
        estimator: method,
        engine: this.engine.name,
        backend: this.engine.backend,
        images,
        proxyFlopsPerImage: countComplexity(graph).flops,
        featureSeconds: round(featureMs / 1000),
        classifierSeconds: round(classifierSeconds),
      },
    };
  }

  /** Measures a genome of the experiment's space (builds its proxy network). */
  async measureGenome(space: SearchSpace, genome: unknown, canonical: string, method: RandomWeightMethod, proxy?: NetworkOptions): Promise<ProbeMeasurement> {
    return this.measure(space.build(genome, 'proxy', proxy), genomeHash(space.name, canonical), method);
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
