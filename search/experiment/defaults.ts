// Default values of every NASExperiment spec field that has one. The schema (schema.ts)
// takes its `default:` values from here, so this typed object and the CRD cannot disagree.
// Fields without a default: `searchSpace.name` (required), the network size overrides
// (absent = the space's own default), `constraints.*` (absent = unconstrained),
// `algorithm.offspringSize` (absent = populationSize) and `algorithm.referencePoint`
// (absent = fixed from generation 0 and recorded).
import type { AlgorithmSpec, ExperimentSpec, SearchSpaceSpec } from './spec.js';

export type SpecDefaults = Omit<ExperimentSpec, 'searchSpace' | 'algorithm'> & {
  readonly searchSpace: Omit<SearchSpaceSpec, 'name'>;
  readonly algorithm: Omit<AlgorithmSpec, 'offspringSize' | 'referencePoint'>;
};

export const SPEC_DEFAULTS: SpecDefaults = {
  searchSpace: { final: {}, proxy: {} },
  objectives: ['error', 'flops'],
  constraints: {},
  algorithm: {
    name: 'nsga2',
    populationSize: 20,
    generations: 10,
    crossoverProbability: 0.9,
    mutationRate: 0.2,
    seed: 0,
    initialGenomes: [],
  },
  evaluation: {
    // The best-ranking estimator measured (docs/fidelity.md): a calibrated combination of
    // zero-cost proxies, per-space constants in evaluator/estimators/calibration.ts.
    method: 'zero-cost',
    // source and path absent: the mounted /data path in pods, the user cache under rwenas run.
    dataset: { name: 'cifar10' },
    rwe: {
      trainSamples: 5000,
      validationSamples: 1000,
      batchSize: 128,
      features: 'all-stages',
      classifierEpochs: 20,
      l2: 0.0001,
      pooledSize: 1,
      learningRate: 0.01,
      classifierBatchSize: 256,
      naswotBatch: 64,
      naswotWeight: 0.9,
    },
    table: {},
    engine: 'auto',
    threads: 0,
  },
  execution: {
    parallelism: 4,
    trialsPerJob: 4,
    maxFailedTrials: 10,
    backoffLimit: 2,
    timeoutSeconds: 3600,
    genomeTimeoutSeconds: 1800,
    template: {},
  },
  suspend: false,
};
