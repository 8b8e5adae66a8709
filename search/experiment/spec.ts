// The NASExperiment manifest: one format for `kubectl apply` and `rwenas run`.
// These types describe a spec after defaults are applied (every field present).
import type { ObjectiveName } from '../objectives.js';
import type { NetworkOptions, SpaceName } from '../space.js';
import type { PodTemplate } from './template.js';

export const API_VERSION = 'rwenas.dev/v1alpha1';
export const KIND = 'NASExperiment';

export interface SearchSpaceSpec {
  readonly name: SpaceName;
  /** Overrides of the final network's size (complexity objective). */
  readonly final: NetworkOptions;
  /** Overrides of the RWE proxy network's size. */
  readonly proxy: NetworkOptions;
}

export interface ConstraintsSpec {
  /** Trials above these are infeasible (constrained domination). Absent = unconstrained. */
  readonly maxParams?: number;
  readonly maxFlops?: number;
  readonly maxError?: number;
}

export type AlgorithmName = 'nsga2' | 'random';

export interface AlgorithmSpec {
  readonly name: AlgorithmName;
  /** Even integer >= 4. */
  readonly populationSize: number;
  /** Offspring per generation (defaults to populationSize). */
  readonly offspringSize: number;
  /** Generations after the initial population (generation 0). */
  readonly generations: number;
  readonly crossoverProbability: number;
  /** Per-gene mutation rate. */
  readonly mutationRate: number;
  readonly seed: number;
  /** Genomes placed in the initial population before random samples. */
  readonly initialGenomes: readonly string[];
  /** Hypervolume reference point per objective; absent = fixed from generation 0 and recorded. */
  readonly referencePoint?: Readonly<Partial<Record<ObjectiveName, number>>>;
}

/**
 * zero-cost (the default): a calibrated combination of zero-cost proxies, per-space constants
 * fitted in docs/fidelity.md (evaluator/estimators/calibration.ts), the best-ranking estimator
 * measured. naswot+params: NASWOT combined with ln(params), the previous default.
 */
export type EvaluationMethod = 'zero-cost' | 'rwe' | 'naswot' | 'rwe+naswot' | 'naswot+params' | 'table';

export interface DatasetSpec {
  readonly name: 'cifar10';
  /**
   * `path`: an existing cifar-10-batches-bin directory; `download`: fetch, verify MD5, cache.
   * Absent: download under `rwenas run` when `path` is absent too, path otherwise.
   */
  readonly source?: 'path' | 'download';
  /** Absent: /data/cifar10/cifar-10-batches-bin in evaluator pods, the user cache under `rwenas run`. */
  readonly path?: string;
}

export interface RweSpec {
  readonly trainSamples: number;
  readonly validationSamples: number;
  readonly batchSize: number;
  /** Which features feed the classifier. */
  readonly features: 'last-stage' | 'all-stages';
  readonly classifierEpochs: number;
  readonly l2: number;
  /** Side of the adaptive average pooling of each feature map (1 = global pooling). */
  readonly pooledSize: number;
  /** Adam step size of the classifier. */
  readonly learningRate: number;
  /** Classifier mini-batch size. */
  readonly classifierBatchSize: number;
  /** Images in the one batch whose ReLU codes give the NASWOT score (the first of the train subset); <= trainSamples. naswot+params uses its calibration's batch instead. */
  readonly naswotBatch: number;
  /** rwe+naswot: weight of the NASWOT error in the combined error (0 = RWE only, 1 = NASWOT only). */
  readonly naswotWeight: number;
}

export interface EvaluationSpec {
  readonly method: EvaluationMethod;
  readonly dataset: DatasetSpec;
  readonly rwe: RweSpec;
  /** path absent: the NAS-Bench-201 table shipped in the project (data/nb201-cifar10.csv.gz). */
  readonly table: { readonly path?: string };
  readonly engine: 'auto' | 'onnx' | 'tfjs';
  /** Threads per evaluation (ONNX Runtime intra-op). 0 = library default. */
  readonly threads: number;
}

export interface ExecutionSpec {
  readonly parallelism: number;
  /** 1..16 trials per evaluator Job. */
  readonly trialsPerJob: number;
  readonly maxFailedTrials: number;
  readonly backoffLimit: number;
  /** activeDeadlineSeconds of each evaluator Job. */
  readonly timeoutSeconds: number;
  /** Seconds one genome's evaluation may take, in a pod or a local worker, before it Fails. */
  readonly genomeTimeoutSeconds: number;
  /** Evaluator pod settings: the allow-listed part of a PodTemplateSpec (template.ts). */
  readonly template: PodTemplate;
}

export interface ExperimentSpec {
  readonly searchSpace: SearchSpaceSpec;
  readonly objectives: readonly ObjectiveName[];
  readonly constraints: ConstraintsSpec;
  readonly algorithm: AlgorithmSpec;
  readonly evaluation: EvaluationSpec;
  readonly execution: ExecutionSpec;
  readonly suspend: boolean;
}

export interface ExperimentManifest {
  readonly apiVersion: typeof API_VERSION;
  readonly kind: typeof KIND;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly spec: ExperimentSpec;
}
