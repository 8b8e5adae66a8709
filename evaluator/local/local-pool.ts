// The local executor's pool of worker threads. Each worker owns one Evaluator (so data is
// loaded once per worker); trials go to whichever worker is idle, and results come back in
// input order, so the engine sees the same results whatever the number of workers (each
// evaluation is seeded by the experiment seed and the genome, not by which worker ran it).
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ExperimentSpec } from '../../search/experiment/spec.js';
import type { EvaluatorOptions, TrialReport, TrialRequest } from '../evaluate.js';
import type { Executor } from './executor.js';

// Compiled, the worker is a .js file beside this one; run from TypeScript sources (tests
// under tsx), the worker thread registers the tsx loader before importing it.
const here = new URL(import.meta.url);
const fromSource = here.pathname.endsWith('.ts');

function newWorker(workerData: unknown): Worker {
  if (!fromSource) return new Worker(new URL('./local-worker.js', here), { workerData });
  const url = new URL('./local-worker.ts', here).href;
  return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url)}); })`, { eval: true, workerData });
}

/**
 * Intra-op threads per worker: the cores shared out among the workers (at least 1), so that N
 * workers do not each start a thread per core. An explicit option or `spec.evaluation.threads`
 * (> 0) wins. Results must not depend on it (test/cli/run.test.ts runs 1 and 2 workers, which
 * on 2 cores is 2 and 1 threads).
 */
export function threadsPerWorker(spec: ExperimentSpec, workers: number, options: EvaluatorOptions = {}, cpus = availableParallelism()): number | undefined {
  if (options.threads !== undefined) return options.threads;
  if (spec.evaluation.threads > 0) return undefined;
  return Math.max(1, Math.floor(cpus / workers));
}

interface Slot {
  worker: Worker;
  busy: boolean;
}

type Reply = { ready: true } | { failed: string } | { id: number; report: TrialReport };

export class LocalPool implements Executor {
  private constructor(
    private readonly spec: ExperimentSpec,
    private readonly options: EvaluatorOptions,
    private slots: Slot[],
  ) {}

  /** Starts `workers` threads and waits until each has created its Evaluator. */
  static async create(spec: ExperimentSpec, workers: number, options: EvaluatorOptions = {}): Promise<LocalPool> {
    if (!Number.isInteger(workers) || workers < 1) throw new Error(`--workers: expected an integer >= 1, got ${workers}`);
    const threads = threadsPerWorker(spec, workers, options);
    const pool = new LocalPool(spec, threads === undefined ? options : { ...options, threads }, []);
    try {
      for (let i = 0; i < workers; i++) pool.slots.push(await pool.start());
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  private start(): Promise<Slot> {
    const worker = newWorker({ spec: this.spec, options: this.options });
    return new Promise((resolve, reject) => {
      const onMessage = (msg: Reply) => {
        worker.off('error', reject);
        if ('failed' in msg) {
          void worker.terminate();
          reject(new Error(msg.failed));
        } else resolve({ worker, busy: false });
      };
      worker.once('message', onMessage);
      worker.once('error', reject);
    });
  }

  evaluate(trials: readonly TrialRequest[], onResult?: (report: TrialReport, index: number) => void): Promise<TrialReport[]> {
    const results: TrialReport[] = new Array(trials.length);
    let next = 0;
    let done = 0;
    return new Promise((resolve) => {
      if (trials.length === 0) return resolve(results);
      const finish = (index: number, report: TrialReport) => {
        results[index] = report;
        onResult?.(report, index);
        if (++done === trials.length) resolve(results);
      };
      const feed = (slot: Slot) => {
        if (next >= trials.length) return;
        const index = next++;
        const started = performance.now();
        slot.busy = true;
        const onMessage = (msg: Reply) => {
          if (!('id' in msg) || msg.id !== index) return;
          cleanup();
          slot.busy = false;
          finish(index, msg.report);
          feed(slot);
        };
        // A worker that dies (e.g. out of memory) fails only its genome; a fresh one replaces it.
        const onExit = (code: number) => {
          cleanup();
          const reason = `evaluator worker exited (code ${code}) while evaluating this genome`;
          const { trial, genome } = trials[index];
          finish(index, { trial, genome, status: 'Failed', objectives: {}, reason, durationMs: performance.now() - started });
          this.replace(slot).then(feed, () => undefined);
        };
        const cleanup = () => {
          slot.worker.off('message', onMessage);
          slot.worker.off('exit', onExit);
        };
        slot.worker.on('message', onMessage);
        slot.worker.once('exit', onExit);
        slot.worker.postMessage({ id: index, trial: trials[index] });
      };
      for (const slot of this.slots) feed(slot);
    });
  }

  private async replace(dead: Slot): Promise<Slot> {
    const fresh = await this.start();
    this.slots = this.slots.map((s) => (s === dead ? fresh : s));
    return fresh;
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots = [];
  }
}
