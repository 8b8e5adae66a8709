// A worker thread of the local pool: creates one Evaluator (loading data once) and evaluates
// the trials the pool sends it, one at a time.
import { parentPort, workerData } from 'node:worker_threads';
import type { ExperimentSpec } from '../../search/experiment/spec.js';
import { Evaluator, type EvaluatorOptions, type TrialRequest } from '../evaluate.js';

const { spec, options } = workerData as { spec: ExperimentSpec; options: EvaluatorOptions };
const port = parentPort!;

try {
  const evaluator = await Evaluator.create(spec, options);
  port.on('message', async (msg: { id: number; trial: TrialRequest } | { close: true }) => {
    if ('close' in msg) {
      await evaluator.close();
      port.close();
      return;
    }
    port.postMessage({ id: msg.id, report: await evaluator.evaluate(msg.trial) });
  });
  port.postMessage({ ready: true });
} catch (err) {
  port.postMessage({ failed: err instanceof Error ? err.message : String(err) });
}
