// The in-process executor: one Evaluator in this thread, trials one after the other.
import type { ExperimentSpec } from '../../search/experiment/spec.js';
import { Evaluator, type EvaluatorOptions, type TrialReport, type TrialRequest } from '../evaluate.js';
import type { Executor } from './executor.js';
import { injectFault } from './faults.js';

export class InProcessExecutor implements Executor {
  private closed = false;

  private constructor(private readonly evaluator: Evaluator) {}

  static async create(spec: ExperimentSpec, options: EvaluatorOptions = {}): Promise<InProcessExecutor> {
    return new InProcessExecutor(await Evaluator.create(spec, options));
  }

  async evaluate(trials: readonly TrialRequest[], onResult?: (report: TrialReport, index: number) => void): Promise<TrialReport[]> {
    const reports: TrialReport[] = [];
    for (const [i, t] of trials.entries()) {
      injectFault(t.genome);
      const report = await this.evaluator.evaluate(t);
      // Closed meanwhile (^C): nothing more is reported.
      if (this.closed) break;
      reports.push(report);
      onResult?.(report, i);
    }
    return reports;
  }

  close(): Promise<void> {
    this.closed = true;
    return this.evaluator.close();
  }
}
