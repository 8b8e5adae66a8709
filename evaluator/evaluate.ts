// The one evaluation entry point, used in-process, by local worker threads and by evaluator
// pods: a trial (its name and genome) in, its TrialReport out. Params and FLOPs always come
// from the complexity counter on the final network; `error` from the experiment's evaluation
// method (an ErrorEstimator from estimators/registry.ts). A genome that fails is reported
// Failed with its reason.
import { countComplexity } from '../search/complexity.js';
import type { ExperimentSpec } from '../search/experiment/spec.js';
import type { Objectives } from '../search/objectives.js';
import type { SearchSpace } from '../search/space.js';
import { spaceByName } from '../search/spaces/index.js';
import type { Candidate, TrialResult } from '../search/trial.js';
import { DegenerateNetworkError, WORST_ERROR } from './degenerate.js';
import type { ErrorEstimator, EvaluatorOptions } from './estimators/estimator.js';
import { ESTIMATORS } from './estimators/registry.js';

export type { EvaluatorOptions } from './estimators/estimator.js';

/** What the evaluator is asked: a trial's name (passed through to its report) and its genome. */
export type TrialRequest = Pick<Candidate, 'trial' | 'genome'>;

/** A trial's result (error in percent when the method gives one, params and flops of the final network) with what was measured on the way. */
export interface TrialReport extends TrialResult {
  /** Canonical genome (the input as given when it does not parse). */
  readonly genome: string;
  readonly stats?: Record<string, unknown>;
  /** Wall time of this genome's evaluation. */
  readonly durationMs: number;
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

  /** Evaluates one trial; a failure is a Failed report, never a throw. */
  async evaluate({ trial, genome: text }: TrialRequest): Promise<TrialReport> {
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
      return { trial, genome: canonical, status: 'Succeeded', objectives, ...(stats ? { stats } : {}), durationMs };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (err instanceof DegenerateNetworkError && objectives.params !== undefined) {
        // A valid evaluation with the worst score, for every estimator: not a failure.
        const worst = { error: WORST_ERROR, params: objectives.params, flops: objectives.flops as number };
        return { trial, genome: canonical, status: 'Succeeded', objectives: worst, reason: `degenerate network, recorded with the worst error (${WORST_ERROR}%): ${reason}`, stats: { degenerate: true }, durationMs: performance.now() - started };
      }
      return { trial, genome: canonical, status: 'Failed', objectives, reason, durationMs: performance.now() - started };
    }
  }

  async close(): Promise<void> {
    await this.estimator.close?.();
  }
}
