// The local executor's pool of worker threads. Each worker owns one Evaluator (so data is
// loaded once per worker); trials go to whichever worker is idle, and results come back in
// input order, so the engine sees the same results whatever the number of workers (each
// evaluation is seeded by the experiment seed and the genome, not by which worker ran it).
//
// A worker is a fault domain: an uncaught exception or an exhausted heap ends that worker
// only. Its genome is tried once more on a fresh worker, then reported Failed with the
// reason; a genome that runs past the per-genome timeout is reported Failed and its worker
// replaced. A worker that cannot be restarted leaves the pool smaller; a pool with no worker
// left fails the batch instead of waiting for ever.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ExperimentSpec } from '../../search/experiment/spec.js';
import type { EvaluatorOptions, TrialReport, TrialRequest } from '../evaluate.js';
import type { Executor } from './executor.js';

export interface PoolOptions extends EvaluatorOptions {
  /** A genome that takes longer fails (its worker is replaced). Default: no limit. */
  readonly genomeTimeoutMs?: number;
}

/** Raised by evaluate() when the pool was closed while it ran. */
export class PoolClosedError extends Error {
  constructor() {
    super('the evaluator pool was closed');
    this.name = 'PoolClosedError';
  }
}

// Compiled, the worker is a .js file beside this one; run from TypeScript sources (tests
// under tsx), the worker thread registers the tsx loader before importing it.
const here = new URL(import.meta.url);
const fromSource = here.pathname.endsWith('.ts');

function newWorker(workerData: unknown): Worker {
  // RWENAS_WORKER_HEAP_MB caps each worker's JS heap, so one genome cannot take the memory of all.
  const heap = Number(process.env.RWENAS_WORKER_HEAP_MB);
  const resourceLimits = heap > 0 ? { maxOldGenerationSizeMb: heap } : undefined;
  if (!fromSource) return new Worker(new URL('./local-worker.js', here), { workerData, resourceLimits });
  const url = new URL('./local-worker.ts', here).href;
  return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url)}); })`, { eval: true, workerData, resourceLimits });
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

/**
 * Loads in this thread the native add-on the workers use. onnxruntime-node registers itself
 * only when its library is first loaded; once the last thread holding it is gone, a new worker
 * fails with "Module did not self-register". Held here, a crashed worker can be replaced.
 */
async function holdNativeAddons(spec: ExperimentSpec, options: EvaluatorOptions): Promise<void> {
  if (spec.evaluation.method === 'table' || (options.engine ?? spec.evaluation.engine) === 'tfjs') return;
  await import('onnxruntime-node').catch(() => undefined);
}

type Reply = { ready: true } | { failed: string } | { id: number; report: TrialReport };

/** One worker and how it ended, if it did (the 'error' event, when there was one, says why). */
class Slot {
  busy = false;
  /** The message of the worker's 'error' event (an uncaught exception, an exhausted heap). */
  crash?: string;
  /** The thread has ended (possibly while idle, between two genomes). */
  dead = false;
  readonly exited: Promise<number>;
  constructor(readonly worker: Worker) {
    // Always listened to: an 'error' event without a listener would end the whole process.
    worker.on('error', (err) => (this.crash = err.message));
    this.exited = new Promise((resolve) => worker.once('exit', resolve));
    void this.exited.then(() => (this.dead = true));
  }
}

interface Pending {
  readonly index: number;
  readonly attempt: number;
}

export class LocalPool implements Executor {
  private slots: Slot[] = [];
  private starts = 0;
  private closing = false;
  private abortBatch?: (err: Error) => void;
  /** Replacements of dead workers still starting. */
  private readonly restarts = new Set<Promise<Slot>>();

  private constructor(
    private readonly spec: ExperimentSpec,
    private readonly options: EvaluatorOptions,
    private readonly genomeTimeoutMs: number,
  ) {}

  /** Starts `workers` threads and waits until each has created its Evaluator. */
  static async create(spec: ExperimentSpec, workers: number, options: PoolOptions = {}): Promise<LocalPool> {
    if (!Number.isInteger(workers) || workers < 1) throw new Error(`--workers: expected an integer >= 1, got ${workers}`);
    const { genomeTimeoutMs, ...evaluatorOptions } = options;
    const threads = threadsPerWorker(spec, workers, evaluatorOptions);
    const pool = new LocalPool(spec, threads === undefined ? evaluatorOptions : { ...evaluatorOptions, threads }, genomeTimeoutMs ?? Infinity);
    await holdNativeAddons(spec, evaluatorOptions);
    try {
      for (let i = 0; i < workers; i++) pool.slots.push(await pool.start());
    } catch (err) {
      await pool.close(0);
      throw err;
    }
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  /** A fresh worker, once its Evaluator exists; rejects with why it could not start. */
  private start(): Promise<Slot> {
    const slot = new Slot(newWorker({ spec: this.spec, options: this.options, start: this.starts++ }));
    return new Promise((resolve, reject) => {
      const onMessage = (msg: Reply) => {
        slot.worker.off('message', onMessage);
        if ('failed' in msg) {
          void slot.worker.terminate();
          reject(new Error(msg.failed));
        } else resolve(slot);
      };
      slot.worker.on('message', onMessage);
      void slot.exited.then((code) => reject(new Error(slot.crash ?? `evaluator worker exited (code ${code}) while starting`)));
    });
  }

  async evaluate(trials: readonly TrialRequest[], onResult?: (report: TrialReport, index: number) => void): Promise<TrialReport[]> {
    // A worker replaced after the last batch (its genome timed out) may still be starting.
    if (this.slots.length === 0) await Promise.allSettled([...this.restarts]);
    if (this.closing) throw new PoolClosedError();
    if (this.slots.length === 0 && trials.length > 0) throw new Error('no evaluator worker left (every restart failed)');
    return this.evaluateOn(trials, onResult);
  }

  private evaluateOn(trials: readonly TrialRequest[], onResult?: (report: TrialReport, index: number) => void): Promise<TrialReport[]> {
    const results: TrialReport[] = new Array(trials.length);
    const queue: Pending[] = trials.map((_, index) => ({ index, attempt: 1 }));
    let done = 0;
    return new Promise<TrialReport[]>((resolve, reject) => {
      if (trials.length === 0) return resolve(results);
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        reject(err);
      };
      this.abortBatch = fail;
      const finish = (index: number, report: TrialReport) => {
        if (settled) return;
        results[index] = report;
        onResult?.(report, index);
        if (++done === trials.length) {
          settled = true;
          resolve(results);
        }
      };
      const failed = (p: Pending, reason: string, started: number) =>
        finish(p.index, { ...trials[p.index], status: 'Failed', objectives: {}, reason, durationMs: performance.now() - started });

      const feed = (slot: Slot) => {
        const p = queue.shift();
        if (!p) return;
        if (settled || this.closing || !this.slots.includes(slot)) return void queue.unshift(p);
        // A worker that died while idle is replaced before it is given anything.
        if (slot.dead) {
          queue.unshift(p);
          return this.renew(slot, feed, fail);
        }
        const started = performance.now();
        slot.busy = true;
        const cleanup = () => {
          clearTimeout(timer);
          slot.worker.off('message', onMessage);
          slot.worker.off('exit', onExit);
        };
        const onMessage = (msg: Reply) => {
          if (!('id' in msg) || msg.id !== p.index) return;
          cleanup();
          slot.busy = false;
          finish(p.index, msg.report);
          feed(slot);
        };
        const onExit = (code: number) => {
          cleanup();
          // A crash may be the worker's, not the genome's: one more try on a fresh worker.
          if (p.attempt < 2) queue.unshift({ index: p.index, attempt: p.attempt + 1 });
          else failed(p, `evaluator worker crashed twice on this genome: ${slot.crash ?? `exited with code ${code}`}`, started);
          this.renew(slot, feed, fail);
        };
        // A genome past its time fails at once, whether or not its thread can be stopped
        // (a native call ignores terminate()); the worker is replaced.
        const timer = Number.isFinite(this.genomeTimeoutMs)
          ? setTimeout(() => {
              cleanup();
              failed(p, `evaluation timed out after ${this.genomeTimeoutMs / 1000} s (its worker was replaced)`, started);
              void slot.worker.terminate();
              this.renew(slot, feed, fail);
            }, this.genomeTimeoutMs)
          : undefined;
        slot.worker.on('message', onMessage);
        slot.worker.once('exit', onExit);
        slot.worker.postMessage({ id: p.index, trial: trials[p.index] });
      };
      for (const slot of this.slots) feed(slot);
    }).finally(() => {
      this.abortBatch = undefined;
    });
  }

  /**
   * Replaces a dead worker and feeds the new one. When it cannot start, the pool goes on with
   * fewer workers; with none left, the batch fails (it would otherwise wait for ever).
   */
  private renew(dead: Slot, feed: (slot: Slot) => void, fail: (err: Error) => void): void {
    const restart = this.replace(dead);
    this.restarts.add(restart);
    void restart.then(() => this.restarts.delete(restart), () => this.restarts.delete(restart));
    restart.then(feed, (err: Error) => {
      if (err instanceof PoolClosedError) return;
      if (this.slots.length === 0) fail(new Error(`no evaluator worker left: a crashed worker could not be restarted: ${err.message}`));
      else for (const s of this.slots) if (!s.busy) feed(s);
    });
  }

  private async replace(dead: Slot): Promise<Slot> {
    this.slots = this.slots.filter((s) => s !== dead);
    if (this.closing) throw new PoolClosedError();
    const fresh = await this.start();
    if (this.closing) {
      fresh.worker.postMessage({ close: true });
      throw new PoolClosedError();
    }
    this.slots.push(fresh);
    return fresh;
  }

  /**
   * Asks every worker to finish its genome and exit by itself (a thread terminated inside an
   * ONNX Runtime call aborts the process); one still busy after graceMs is terminated.
   * A batch being evaluated is abandoned with PoolClosedError; no result is reported after this.
   */
  async close(graceMs = 30_000): Promise<void> {
    this.closing = true;
    this.abortBatch?.(new PoolClosedError());
    const slots = this.slots;
    this.slots = [];
    await Promise.all(
      slots.map(async (slot) => {
        const ask = () => slot.worker.postMessage({ close: true });
        if (!slot.busy) ask();
        else slot.worker.on('message', (msg: Reply) => 'id' in msg && ask());
        const grace = setTimeout(() => void slot.worker.terminate(), graceMs);
        await slot.exited;
        clearTimeout(grace);
      }),
    );
  }
}
