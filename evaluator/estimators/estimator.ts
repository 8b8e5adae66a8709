// What an evaluation method is to the Evaluator: a factory (loading what the method needs once)
// and an estimator of one genome's error.
import type { ExperimentSpec } from '../../search/experiment/spec.js';
import type { SearchSpace } from '../../search/space.js';

export interface EvaluatorOptions {
  /** Overrides spec.evaluation.engine (e.g. `rwenas evaluate --engine`). */
  readonly engine?: 'auto' | 'onnx' | 'tfjs';
  /**
   * Overrides spec.evaluation.threads (ONNX Runtime intra-op threads). A pool of N workers
   * should pass about CPUs / N, so that the workers do not oversubscribe the cores.
   */
  readonly threads?: number;
}

/** What a method computes for one genome; throwing fails that genome only. */
export interface ErrorEstimate {
  readonly error: number;
  readonly stats?: Record<string, unknown>;
}

/** Params and FLOPs of the final network, counted before the estimator runs. */
export interface Complexity {
  readonly params: number;
  readonly flops: number;
}

export interface ErrorEstimator {
  estimate(genome: unknown, canonical: string, complexity: Complexity): Promise<ErrorEstimate>;
  close?(): Promise<void>;
}

export type EstimatorFactory = (spec: ExperimentSpec, space: SearchSpace, options: EvaluatorOptions) => Promise<ErrorEstimator>;
