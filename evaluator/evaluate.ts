// The one evaluation entry point, used in-process, by local worker threads and by evaluator
// pods: genomes in, one TrialReport per genome out (same order). Params and FLOPs always come
// from the complexity counter on the final network; `error` from the experiment's evaluation
// method (an ErrorEstimator). A genome that fails is reported Failed with its reason; the
// others in the batch are still evaluated.
import { countComplexity } from '../search/complexity.js';
import type { EvaluationMethod, ExperimentSpec } from '../search/experiment/spec.js';
import type { Objectives } from '../search/objectives.js';
import type { SearchSpace } from '../search/space.js';
import { spaceByName } from '../search/spaces/index.js';
import { calibrationFor, combinedError, combinedScore } from './estimators/calibration.js';
import { RandomWeightProbe, type RandomWeightMethod } from './estimators/random-weight.js';
import { loadTable } from './estimators/table.js';

export interface TrialReport {
  /** Canonical genome (the input as given when it does not parse). */
  readonly genome: string;
  readonly status: 'Succeeded' | 'Failed';
  /** error (percent, when the method gives one), params and flops (final network). */
  readonly objectives: Objectives;
  readonly stats?: Record<string, unknown>;
  readonly reason?: string;
  /** Wall time of this genome's evaluation. */
  readonly durationMs: number;
}

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

/** Evaluation methods by name; rwe, naswot and their combinations register here too. */
export const ESTIMATORS: Partial<Record<EvaluationMethod, EstimatorFactory>> = {
  table: async (spec, space) => {
    const table = await loadTable(spec.evaluation.table.path, space);
    return { estimate: async (_genome, canonical) => ({ error: table.error(canonical), stats: { estimator: 'table' } }) };
  },
  rwe: randomWeight('rwe'),
  naswot: randomWeight('naswot'),
  'rwe+naswot': randomWeight('rwe+naswot'),
  'naswot+params': naswotParams(),
};

/**
 * naswot+params: z(NASWOT) + w·z(ln params of the final network) with the space's constants
 * (evaluator/estimators/calibration.ts), on the NASWOT batch those were fitted with (which replaces
 * rwe.naswotBatch for this method); error = 100 / (1 + e^combined).
 */
function naswotParams(): EstimatorFactory {
  return async (spec, space, options) => {
    const cal = calibrationFor(spec, space);
    const rwe = { ...spec.evaluation.rwe, naswotBatch: cal.naswotBatch };
    const probe = await RandomWeightProbe.create({ ...spec, evaluation: { ...spec.evaluation, rwe } }, { engine: options.engine, threads: options.threads });
    return {
      estimate: async (genome, canonical, { params }) => {
        // A singular kernel (degenerate cell) throws here: that trial fails with the reason.
        const r = await probe.measureGenome(space, genome, canonical, 'naswot', spec.searchSpace.proxy);
        const combined = combinedScore(cal, r.naswotScore!, params);
        return {
          error: combinedError(combined),
          stats: { ...r.stats, estimator: 'naswot+params', naswotScore: r.naswotScore, naswotBatch: cal.naswotBatch, paramsWeight: cal.weight, combinedScore: combined },
        };
      },
    };
  };
}

/** rwe, naswot, rwe+naswot: one probe (data set and engine loaded once) per Evaluator. */
function randomWeight(method: RandomWeightMethod): EstimatorFactory {
  return async (spec, space, options) => {
    const probe = await RandomWeightProbe.create(spec, { engine: options.engine, threads: options.threads });
    return {
      estimate: async (genome, canonical) => {
        const r = await probe.measureGenome(space, genome, canonical, method, spec.searchSpace.proxy);
        const scores = { ...(r.rweError !== undefined ? { rweError: r.rweError } : {}), ...(r.naswotScore !== undefined ? { naswotScore: r.naswotScore } : {}) };
        return { error: r.error, stats: { ...r.stats, ...scores } };
      },
    };
  };
}

export class Evaluator {
  private constructor(
    readonly spec: ExperimentSpec,
    readonly space: SearchSpace,
    private readonly estimator: ErrorEstimator,
  ) {}

  /** Loads what the method needs once (a table, a data set); errors name the spec field. */
  static async create(spec: ExperimentSpec, options: EvaluatorOptions = {}): Promise<Evaluator> {
    const space = spaceByName(spec.searchSpace.name);
    const method = spec.evaluation.method;
    const factory = ESTIMATORS[method];
    if (!factory) throw new Error(`spec.evaluation.method: ${method} is not available in this build (available: ${Object.keys(ESTIMATORS).join(', ')})`);
    return new Evaluator(spec, space, await factory(spec, space, options));
  }

  /** One report per genome, in input order. */
  async evaluate(genomes: readonly string[]): Promise<TrialReport[]> {
    const reports: TrialReport[] = [];
    for (const text of genomes) reports.push(await this.evaluateOne(text));
    return reports;
  }

  async close(): Promise<void> {
    await this.estimator.close?.();
  }

  private async evaluateOne(text: string): Promise<TrialReport> {
    const started = performance.now();
    let canonical = text;
    let objectives: Objectives = {};
    try {
      const genome = this.space.parse(text);
      canonical = this.space.serialize(genome);
      const { params, flops } = countComplexity(this.space.build(genome, 'final', this.spec.searchSpace.final));
      objectives = { params, flops };
      const { error, stats } = await this.estimator.estimate(genome, canonical, { params, flops });
      if (!Number.isFinite(error)) throw new Error(`error is not finite (${error})`);
      objectives = { error, params, flops };
      const durationMs = performance.now() - started;
      return { genome: canonical, status: 'Succeeded', objectives, ...(stats ? { stats } : {}), durationMs };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      return { genome: canonical, status: 'Failed', objectives, reason, durationMs: performance.now() - started };
    }
  }
}
