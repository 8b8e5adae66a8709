// `rwenas run FILE [--out DIR] [--set PATH=VALUE ...] [--workers N] [--log-format text|json]
//  [--resume] [--stop-after N]`: the search on this machine. The engine asks for a generation,
// the local executor evaluates it (evaluator/local/: in-process for `table`, a worker-thread
// pool otherwise), the engine is told the results in candidate order, and state.json is
// written, so that `--resume` continues an interrupted run to exactly the result of an
// uninterrupted one. The run policy (settings, required objectives, failure budget, front
// summary) is search/study.ts, shared with the operator.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Logger } from 'winston';
import { SearchEngine, type SearchSettings } from '../../search/engine.js';
import type { ExperimentManifest, ExperimentSpec } from '../../search/experiment/spec.js';
import type { ObjectiveName } from '../../search/objectives.js';
import { frontSummary, generationHistory, overFailureBudget, plannedEvaluations, requiredObjectives, searchSettings, toResult } from '../../search/study.js';
import type { Candidate } from '../../search/trial.js';
import { spaceByName } from '../../search/spaces/index.js';
import type { TrialReport } from '../../evaluator/evaluate.js';
import type { Executor } from '../../evaluator/local/executor.js';
import { CliError, collect, EXIT } from '../errors.js';
import { readManifest } from '../manifest.js';
import { RunDir } from '../outputs.js';
import type { LogFormat, Progress } from '../progress.js';

interface RunOptions {
  out?: string;
  set: string[];
  workers?: string;
  logFormat?: string;
  resume?: boolean;
  stopAfter?: string;
}

/** What one `rwenas run` works with, from its flags to its engine. */
interface Run {
  readonly started: number;
  readonly manifest: ExperimentManifest;
  readonly spec: ExperimentSpec;
  readonly out: RunDir;
  readonly progress: Progress;
  readonly log: Logger;
  readonly required: readonly ObjectiveName[];
  readonly workers: number;
  readonly stopAfter: number;
}

function positiveInt(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError([`${flag}: expected an integer >= 1, got ${JSON.stringify(value)}`], EXIT.invalid);
  return n;
}

// Evaluators, plotting and logging load only when a run needs them, so `rwenas validate` starts fast.
async function prepare(file: string, opts: RunOptions): Promise<Run> {
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
  const { Progress } = await import('../progress.js');
  const progress = new Progress(logFormat, plannedEvaluations(spec), spec.algorithm.generations);
  return { started, manifest, spec, out, progress, log: progress.log, required: requiredObjectives(spec), workers, stopAfter };
}

/** The engine restored from state.json (--resume), or a fresh one over a cleared output directory. */
function openEngine(run: Run, settings: SearchSettings, resume: boolean): SearchEngine {
  const { out, log } = run;
  const state = resume ? out.readState() : undefined;
  if (state) {
    let engine: SearchEngine;
    try {
      engine = SearchEngine.restore(settings, state);
    } catch (err) {
      throw new CliError([`${out.path('state.json')}: cannot resume: ${(err as Error).message}`], EXIT.invalid);
    }
    out.keepTrials(new Set(engine.history().map((h) => h.trial)));
    log.info('resuming', { dir: out.dir, generation: engine.generation, evaluations: engine.history().length });
    return engine;
  }
  if (resume) log.warn('nothing to resume, starting afresh', { state: out.path('state.json') });
  else if (existsSync(out.path('state.json'))) log.warn('replacing the outputs of an earlier run (use --resume to continue it)', { dir: out.dir });
  out.reset();
  return SearchEngine.create(settings);
}

/** Evaluates the current generation; each result is appended to trials.jsonl as it arrives. */
async function evaluateGeneration(run: Run, engine: SearchEngine, executor: Executor, counted: { evaluations: number }): Promise<{ generation: number; reports: TrialReport[] }> {
  const candidates: Candidate[] = engine.ask();
  const generation = engine.generation;
  const reports = await executor.evaluate(candidates, (r, i) => {
    const c = candidates[i];
    run.out.appendTrial({ trial: c.trial, genome: c.genome, generation: c.generation, objectives: r.objectives as Record<string, number>, status: r.status, durationMs: Math.round(r.durationMs), ...(r.reason ? { reason: r.reason } : {}) });
    run.progress.evaluated(++counted.evaluations);
  });
  // Told in candidate order, whatever order the results arrived in.
  engine.tell(reports.map((r) => toResult(r.trial, r, run.required)));
  run.out.writeJson('state.json', engine.toJSON());
  return { generation, reports };
}

/** Logs the generation and its failures; throws once the failure budget is spent. */
function afterGeneration(run: Run, engine: SearchEngine, generation: number, reports: readonly TrialReport[]): void {
  const history = engine.history();
  const failed = history.filter((h) => h.status === 'Failed');
  run.progress.generation({ generation, evaluations: history.length, failed: failed.length, hypervolume: engine.hypervolume(), frontSize: engine.front().length });
  for (const f of reports.filter((r) => r.status === 'Failed')) run.log.warn('trial failed', { generation, genome: f.genome, reason: f.reason });
  const over = overFailureBudget(failed.length, run.spec);
  if (over) {
    const last = failed[failed.length - 1];
    throw new CliError([`${over}; last: ${last.genome}: ${last.reason}`], EXIT.failed);
  }
}

/** Generations until the engine is done or --stop-after; ^C stops the executor and leaves state.json to resume from. */
async function runGenerations(run: Run, engine: SearchEngine, executor: Executor): Promise<void> {
  const { out, log, progress } = run;
  const onSignal = () => {
    progress.stop();
    log.warn('interrupted; resume with --resume', { state: out.path('state.json'), generation: engine.generation });
    void executor.close().finally(() => process.exit(EXIT.interrupted));
  };
  process.once('SIGINT', onSignal);
  const counted = { evaluations: engine.history().length };
  let completed = 0;
  progress.start(counted.evaluations, engine.generation);
  try {
    while (!engine.done && completed < run.stopAfter) {
      const { generation, reports } = await evaluateGeneration(run, engine, executor, counted);
      completed++;
      // In-process lookups never leave the microtask queue: yield so that SIGINT is handled.
      await new Promise((resolve) => setImmediate(resolve));
      afterGeneration(run, engine, generation, reports);
    }
  } finally {
    process.off('SIGINT', onSignal);
    progress.stop();
    await executor.close();
  }
}

/** front.json, summary.json and pareto.svg. */
async function writeResults(run: Run, engine: SearchEngine): Promise<void> {
  const { spec, out, manifest } = run;
  const a = spec.algorithm;
  const summary = frontSummary(engine, spec.objectives);
  const history = engine.history();
  out.writeJson('front.json', summary.front);
  out.writeJson('summary.json', {
    experiment: manifest.metadata.name,
    space: spec.searchSpace.name,
    method: spec.evaluation.method,
    objectives: spec.objectives,
    seed: a.seed,
    done: engine.done,
    generations: engine.generation,
    evaluations: history.length,
    failed: history.filter((h) => h.status === 'Failed').length,
    frontSize: summary.front.length,
    hypervolume: summary.hypervolume,
    referencePoint: summary.referencePoint,
    knee: summary.knee,
    wallMs: Math.round(performance.now() - run.started),
    // What `rwenas export` and `rwenas report` need besides the trials: the final network's
    // sizes, the constraints, and the front's progress per generation.
    final: { ...spaceByName(spec.searchSpace.name).defaults.final, ...spec.searchSpace.final },
    constraints: spec.constraints,
    history: generationHistory(history, spec.objectives, spec.constraints, engine.referencePoint()),
  });
  const { paretoSvg } = await import('../plot.js');
  out.writeText('pareto.svg', await paretoSvg(`${manifest.metadata.name}: ${spec.searchSpace.name}, ${spec.evaluation.method}, seed ${a.seed}`, spec.objectives, history, summary.front, summary.knee ?? undefined));
  run.log.info(engine.done ? 'done' : 'stopped; continue with --resume', { generations: engine.generation, evaluations: history.length, front: summary.front.length, hypervolume: summary.hypervolume, out: out.dir });
}

export async function run(file: string, opts: RunOptions): Promise<void> {
  const r = await prepare(file, opts);
  const { spec, manifest } = r;
  const engine = openEngine(r, searchSettings(spec), opts.resume === true);
  r.log.info('run', { experiment: manifest.metadata.name, space: spec.searchSpace.name, method: spec.evaluation.method, objectives: spec.objectives, seed: spec.algorithm.seed, out: r.out.dir });
  const { executorFor } = await import('../../evaluator/local/executors.js');
  await runGenerations(r, engine, await executorFor(spec, r.workers));
  await writeResults(r, engine);
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
