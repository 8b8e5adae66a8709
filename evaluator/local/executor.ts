// A trial executor on this machine: evaluates a generation's trials and gives their reports
// back in input order, whatever order they finish in. `rwenas run` uses one of two: the
// in-process one for `table` (lookups: nothing to load or parallelise) and LocalPool otherwise.
import type { ExperimentSpec } from '../../search/experiment/spec.js';
import type { TrialReport, TrialRequest } from '../evaluate.js';
import type { PoolOptions } from './local-pool.js';

export interface Executor {
  /** Reports each result as it arrives; resolves with all of them in input order. */
  evaluate(trials: readonly TrialRequest[], onResult?: (report: TrialReport, index: number) => void): Promise<TrialReport[]>;
  /**
   * Stops: trials being evaluated may finish (a pool gives its workers graceMs), a batch in
   * progress is abandoned, and nothing more is reported.
   */
  close(graceMs?: number): Promise<void>;
}

/** The executor a spec runs with: in-process for `table`, a pool of `workers` threads otherwise. */
export async function executorFor(spec: ExperimentSpec, workers: number, options: PoolOptions = {}): Promise<Executor> {
  if (spec.evaluation.method === 'table') {
    const { InProcessExecutor } = await import('./in-process.js');
    return InProcessExecutor.create(spec);
  }
  const { LocalPool } = await import('./local-pool.js');
  return LocalPool.create(spec, workers, options);
}
