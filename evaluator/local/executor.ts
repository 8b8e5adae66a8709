// A trial executor on this machine: evaluates a generation's trials and gives their reports
// back in input order, whatever order they finish in. Two implement it: InProcessExecutor
// (in-process.ts) and LocalPool (local-pool.ts); executors.ts picks one for a spec.
import type { TrialReport, TrialRequest } from '../evaluate.js';

export interface Executor {
  /** Reports each result as it arrives; resolves with all of them in input order. */
  evaluate(trials: readonly TrialRequest[], onResult?: (report: TrialReport, index: number) => void): Promise<TrialReport[]>;
  /**
   * Stops: trials being evaluated may finish (a pool gives its workers graceMs), a batch in
   * progress is abandoned, and nothing more is reported.
   */
  close(graceMs?: number): Promise<void>;
}
