// A worker thread of the local pool: creates one Evaluator (loading data once) and evaluates
// the trials the pool sends it, one at a time. On { close } it releases the evaluator and
// ends its event loop, so the thread exits on its own (terminating a thread inside a native
// ONNX Runtime call aborts the process).
import { parentPort, workerData } from 'node:worker_threads';
import type { ExperimentSpec } from '../../search/experiment/spec.js';
import { Evaluator, type EvaluatorOptions, type TrialRequest } from '../evaluate.js';
import { injectFault, startFault } from './faults.js';

const { spec, options, start } = workerData as { spec: ExperimentSpec; options: EvaluatorOptions; start: number };
const port = parentPort!;

try {
  startFault(start);
  const evaluator = await Evaluator.create(spec, options);
  port.on('message', async (msg: { id: number; trial: TrialRequest } | { close: true }) => {
    if ('close' in msg) {
      await evaluator.close();
      port.close();
      return;
    }
    injectFault(msg.trial.genome);
    port.postMessage({ id: msg.id, report: await evaluator.evaluate(msg.trial) });
  });
  port.postMessage({ ready: true });
} catch (err) {
  port.postMessage({ failed: err instanceof Error ? err.message : String(err) });
}
