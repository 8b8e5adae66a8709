// Which executor `rwenas run` uses: in-process for `table` (lookups: nothing to load or
// parallelise), a pool of worker threads otherwise. Each loads only when chosen.
import type { ExperimentSpec } from '../../search/experiment/spec.js';
import type { Executor } from './executor.js';
import type { PoolOptions } from './local-pool.js';

export async function executorFor(spec: ExperimentSpec, workers: number, options: PoolOptions = {}): Promise<Executor> {
  if (spec.evaluation.method === 'table') {
    const { InProcessExecutor } = await import('./in-process.js');
    return InProcessExecutor.create(spec);
  }
  const { LocalPool } = await import('./local-pool.js');
  return LocalPool.create(spec, workers, options);
}
