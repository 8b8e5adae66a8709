// `rwenas run FILE [--out DIR] [--set PATH=VALUE ...] [--workers N] [--log-format text|json]
//  [--resume] [--stop-after N]`: the search on this machine. The engine asks for a generation,
// the local executor evaluates it (in-process for `table`, a worker-thread pool otherwise),
// the engine is told the results in candidate order, and state.json is written, so that
// `--resume` continues an interrupted run to exactly the result of an uninterrupted one.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { Engine } from '../../search/engine.js';
import { generationHistory } from '../../search/generations.js';
import type { ExperimentManifest } from '../../search/experiment/spec.js';
import type { Evaluation } from '../../search/objectives.js';
import { spaceByName } from '../../search/spaces/index.js';
import type { TrialReport } from '../../evaluator/evaluate.js';
import type { Executor } from '../../evaluator/local/local-pool.js';
import { CliError, collect, EXIT } from '../errors.js';
import { readManifest } from '../manifest.js';
import { RunDir } from '../outputs.js';
import type { LogFormat } from '../progress.js';

interface RunOptions {
  out?: string;
  set: string[];
  workers?: string;
  logFormat?: string;
  resume?: boolean;
  stopAfter?: string;
}

function positiveInt(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError([`${flag}: expected an integer >= 1, got ${JSON.stringify(value)}`], EXIT.invalid);
  return n;
}

/** In-process for table lookups (no data to load, nothing to parallelise); a worker pool otherwise. */
// Evaluators, plotting and logging load only when a run needs them, so `rwenas validate` starts fast.
async function executorFor(manifest: ExperimentManifest, workers: number): Promise<Executor> {
  if (manifest.spec.evaluation.method === 'table') {
    const { Evaluator } = await import('../../evaluator/evaluate.js');
    const evaluator = await Evaluator.create(manifest.spec);
    return {
      async evaluate(genomes, onResult) {
        const reports: TrialReport[] = [];
        for (const [i, g] of genomes.entries()) {
          const [report] = await evaluator.evaluate([g]);
          reports.push(report);
          onResult?.(i, report);
        }
        return reports;
      },
      close: () => evaluator.close(),
    };
  }
  const { LocalPool } = await import('../../evaluator/local/local-pool.js');
  return LocalPool.create(manifest.spec, workers);
}

const toEvaluation = (r: TrialReport): Evaluation =>
  r.status === 'Succeeded' ? { genome: r.genome, status: 'Succeeded', objectives: r.objectives } : { genome: r.genome, status: 'Failed', reason: r.reason ?? 'unknown', objectives: r.objectives };

export async function run(file: string, opts: RunOptions): Promise<void> {
  const started = performance.now();
  const manifest = await readManifest(file, opts.set);
  const { spec, metadata } = manifest;
  if (spec.suspend) throw new CliError([`${file}: spec.suspend is true, so nothing runs (--set spec.suspend=false to run it)`], EXIT.invalid);
  const logFormat = opts.logFormat as LogFormat | undefined;
  if (logFormat !== undefined && logFormat !== 'text' && logFormat !== 'json') {
    throw new CliError([`--log-format: expected text or json, got ${JSON.stringify(logFormat)}`], EXIT.invalid);
  }
  const workers = positiveInt('--workers', opts.workers, Math.min(4, availableParallelism()));
  const stopAfter = positiveInt('--stop-after', opts.stopAfter, Infinity);
  const out = new RunDir(resolve(opts.out ?? `out/${metadata.name}`));
  const settings = { space: spaceByName(spec.searchSpace.name), objectives: spec.objectives, constraints: spec.constraints, algorithm: spec.algorithm };
  const a = spec.algorithm;
  const { Progress } = await import('../progress.js');
  const progress = new Progress(logFormat, a.populationSize + a.generations * a.offspringSize, a.generations);
  const log = progress.log;

  let engine: Engine;
  const state = opts.resume ? out.readState() : undefined;
  if (state) {
    try {
      engine = Engine.restore(settings, state);
    } catch (err) {
      throw new CliError([`${out.path('state.json')}: cannot resume: ${(err as Error).message}`], EXIT.invalid);
    }
    out.keepTrials(new Set(engine.history().map((h) => h.trial)));
    log.info('resuming', { dir: out.dir, generation: engine.generation, evaluations: engine.history().length });
  } else {
    if (opts.resume) log.warn('nothing to resume, starting afresh', { state: out.path('state.json') });
    else if (existsSync(out.path('state.json'))) log.warn('replacing the outputs of an earlier run (use --resume to continue it)', { dir: out.dir });
    out.reset();
    engine = Engine.create(settings);
  }
  log.info('run', { experiment: metadata.name, space: spec.searchSpace.name, method: spec.evaluation.method, objectives: spec.objectives, seed: a.seed, out: out.dir });

  const executor = await executorFor(manifest, workers);
  const onSignal = () => {
    progress.stop();
    log.warn('interrupted; resume with --resume', { state: out.path('state.json'), generation: engine.generation });
    void executor.close().finally(() => process.exit(EXIT.interrupted));
  };
  process.once('SIGINT', onSignal);
  let evaluations = engine.history().length;
  let completed = 0;
  progress.start(evaluations, engine.generation);
  try {
    while (!engine.done && completed < stopAfter) {
      const candidates = engine.ask();
      const generation = engine.generation;
      const reports = await executor.evaluate(
        candidates.map((c) => c.genome),
        (i, r) => {
          const c = candidates[i];
          out.appendTrial({ trial: c.trial, genome: c.genome, generation: c.generation, objectives: r.objectives as Record<string, number>, status: r.status, durationMs: Math.round(r.durationMs), ...(r.reason ? { reason: r.reason } : {}) });
          progress.evaluated(++evaluations);
        },
      );
      // Told in candidate order, whatever order the results arrived in.
      engine.tell(reports.map((r, i) => toEvaluation({ ...r, genome: candidates[i].genome })));
      out.writeJson('state.json', engine.toJSON());
      completed++;
      // In-process lookups never leave the microtask queue: yield so that SIGINT is handled.
      await new Promise((resolve) => setImmediate(resolve));
      const history = engine.history();
      const failed = history.filter((h) => h.status === 'Failed');
      progress.generation({ generation, evaluations: history.length, failed: failed.length, hypervolume: engine.hypervolume(), frontSize: engine.front().length });
      for (const f of reports.filter((r) => r.status === 'Failed')) log.warn('trial failed', { generation, genome: f.genome, reason: f.reason });
      if (failed.length > spec.execution.maxFailedTrials) {
        throw new CliError(
          [`${failed.length} trials failed, more than spec.execution.maxFailedTrials (${spec.execution.maxFailedTrials}); last: ${failed[failed.length - 1].genome}: ${failed[failed.length - 1].reason}`],
          EXIT.failed,
        );
      }
    }
  } finally {
    process.off('SIGINT', onSignal);
    progress.stop();
    await executor.close();
  }

  const front = engine.front();
  out.writeJson('front.json', front);
  const ref = engine.referencePoint();
  const knee = engine.knee();
  const history = engine.history();
  out.writeJson('summary.json', {
    experiment: metadata.name,
    space: spec.searchSpace.name,
    method: spec.evaluation.method,
    objectives: spec.objectives,
    seed: a.seed,
    done: engine.done,
    generations: engine.generation,
    evaluations: history.length,
    failed: history.filter((h) => h.status === 'Failed').length,
    frontSize: front.length,
    hypervolume: engine.hypervolume(),
    referencePoint: ref ? Object.fromEntries(spec.objectives.map((o, i) => [o, ref[i]])) : null,
    knee: knee ?? null,
    wallMs: Math.round(performance.now() - started),
    // What `rwenas export` and `rwenas report` need besides the trials: the final network's
    // sizes, the constraints, and the front's progress per generation.
    final: { ...settings.space.defaults.final, ...spec.searchSpace.final },
    constraints: spec.constraints,
    history: generationHistory(history, spec.objectives, spec.constraints, ref),
  });
  const { paretoSvg } = await import('../plot.js');
  out.writeText('pareto.svg', await paretoSvg(`${metadata.name}: ${spec.searchSpace.name}, ${spec.evaluation.method}, seed ${a.seed}`, spec.objectives, history, front, knee));
  log.info(engine.done ? 'done' : 'stopped; continue with --resume', { generations: engine.generation, evaluations: history.length, front: front.length, hypervolume: engine.hypervolume(), out: out.dir });
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run the search of a NASExperiment manifest on this machine')
    .argument('<file>', 'manifest (YAML)')
    .option('--out <dir>', 'output directory (default ./out/<metadata.name>)')
    .option('--set <path=value>', 'override a field by dotted path, value read as YAML (repeatable)', collect, [])
    .option('--workers <n>', 'evaluator worker threads for rwe/naswot (default: min(4, CPUs))')
    .option('--log-format <format>', 'text or json logs on stderr instead of a progress bar')
    .option('--resume', 'continue the run whose state.json is in the output directory')
    .option('--stop-after <n>', 'stop after n generations (state.json kept; continue with --resume)')
    .action((file: string, opts: RunOptions) => run(file, opts));
}
