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
import { unmetConstraints } from '../../search/feasibility.js';
import type { ObjectiveName } from '../../search/objectives.js';
import { settingsSnapshot } from '../../search/settings.js';
import { frontSummary, generationHistory, overFailureBudget, plannedEvaluations, requiredObjectives, searchSettings, toResult } from '../../search/study.js';
import type { Candidate } from '../../search/trial.js';
import { spaceByName } from '../../search/spaces/index.js';
import type { TrialReport } from '../../evaluator/evaluate.js';
import type { Executor } from '../../evaluator/local/executor.js';
import { localDataset } from '../dataset.js';
import { CliError, collect, EXIT, positiveInt, positiveSeconds } from '../errors.js';
import { readManifest } from '../manifest.js';
import { RunDir } from '../outputs.js';
import { planResume } from '../resume.js';
import type { LogFormat, Progress } from '../progress.js';
import { errorIsRankingScore, RANKING_SCORE } from '../../evaluator/estimators/zero-cost-estimator.js';

interface RunOptions {
  out?: string;
  set: string[];
  workers?: string;
  logFormat?: string;
  resume?: boolean;
  stopAfter?: string;
  genomeTimeout?: string;
  force?: boolean;
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
  readonly genomeTimeoutMs: number;
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
  const genomeTimeoutMs = 1000 * positiveSeconds('--genome-timeout', opts.genomeTimeout, spec.execution.genomeTimeoutSeconds);
  const out = new RunDir(resolve(opts.out ?? `out/${metadata.name}`));
  const { Progress } = await import('../progress.js');
  const progress = new Progress(logFormat, plannedEvaluations(spec), spec.algorithm.generations);
  return { started, manifest, spec, out, progress, log: progress.log, required: requiredObjectives(spec), workers, stopAfter, genomeTimeoutMs };
}

/**
 * The engine restored from state.json (--resume), or a fresh one over a cleared output
 * directory; an earlier run's outputs are replaced only with --force.
 */
function openEngine(run: Run, settings: SearchSettings, opts: RunOptions): SearchEngine {
  const { out, log } = run;
  const resume = opts.resume === true;
  const recorded = resume ? out.readState() : undefined;
  if (recorded) {
    const plan = planResume(recorded, settingsSnapshot(settings));
    if (plan.refused.length > 0) {
      throw new CliError([`${out.path('state.json')}: cannot resume: the manifest changed settings of the search:`, ...plan.refused.map((l) => `  ${l}`)], EXIT.invalid);
    }
    if (plan.raisedGenerations) log.warn('resuming with more generations', { ...plan.raisedGenerations });
    let engine: SearchEngine;
    try {
      engine = SearchEngine.restore(settings, plan.state);
    } catch (err) {
      throw new CliError([`${out.path('state.json')}: cannot resume: ${(err as Error).message}`], EXIT.invalid);
    }
    out.keepTrials(new Set(engine.history().map((h) => h.trial)));
    log.info('resuming', { dir: out.dir, generation: engine.generation, evaluations: engine.history().length });
    return engine;
  }
  if (resume) log.warn('nothing to resume, starting afresh', { state: out.path('state.json') });
  else if (existsSync(out.path('state.json')) || existsSync(out.path('trials.jsonl'))) {
    if (!opts.force) throw new CliError([`--out ${out.dir} holds the results of an earlier run: continue it with --resume, or replace them with --force`], EXIT.invalid);
    log.warn('replacing the outputs of an earlier run (--force)', { dir: out.dir });
  }
  try {
    out.reset();
  } catch (err) {
    throw new CliError([`--out ${out.dir}: ${(err as Error).message.replace(`${out.dir}: `, '')}`], EXIT.invalid);
  }
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

const signalExit = (signal: NodeJS.Signals) => (signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted);

/**
 * Generations until the engine is done or --stop-after. SIGINT or SIGTERM stops the run cleanly:
 * the workers finish their trials and exit, nothing more is recorded, state.json holds the last
 * completed generation; the run then ends with 130 or 143 (a second signal leaves at once).
 */
async function runGenerations(run: Run, file: string, opts: RunOptions, engine: SearchEngine, executor: Executor): Promise<void> {
  const { out, progress } = run;
  let stopping: { signal: NodeJS.Signals; closed: Promise<void> } | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(signalExit(signal));
    stopping = { signal, closed: executor.close() };
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const counted = { evaluations: engine.history().length };
  let completed = 0;
  progress.start(counted.evaluations, engine.generation);
  try {
    while (!engine.done && completed < run.stopAfter && !stopping) {
      const { generation, reports } = await evaluateGeneration(run, engine, executor, counted);
      completed++;
      // In-process lookups never leave the microtask queue: yield so that SIGINT is handled.
      await new Promise((resolve) => setImmediate(resolve));
      afterGeneration(run, engine, generation, reports);
    }
  } catch (err) {
    if (!stopping) throw err;
  } finally {
    await (stopping?.closed ?? executor.close());
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    progress.stop();
  }
  if (stopping) {
    const again = `rwenas run ${file} --out ${out.dir}${opts.set.map((s) => ` --set ${s}`).join('')} --resume`;
    const g = engine.generation;
    throw new CliError(
      [
        `interrupted by ${stopping.signal} in generation ${g}: ${g === 0 ? 'no generation completed yet' : `generations 0-${g - 1} (${engine.history().length} trials) completed`}; results so far in ${out.dir} (trials.jsonl, state.json; front.json, summary.json and pareto.svg marked incomplete).`,
        `Continue with: ${again}`,
      ],
      signalExit(stopping.signal),
    );
  }
}

/** The last generation whose results the engine was told (null before generation 0 completed). */
const lastGeneration = (engine: SearchEngine): number | null => (engine.done ? engine.generation : engine.generation > 0 ? engine.generation - 1 : null);

/** front.json, summary.json and pareto.svg; `incomplete` says why a run that did not finish stopped. */
async function writeResults(run: Run, engine: SearchEngine, incomplete?: string): Promise<void> {
  const { spec, out, manifest } = run;
  const a = spec.algorithm;
  const summary = frontSummary(engine, spec.objectives);
  const history = engine.history();
  const unmet = unmetConstraints(history, spec.constraints);
  for (const u of unmet) run.log.warn('infeasible constraint', { constraint: u.field, detail: u.message });
  // Under zero-cost on a space without ground truth, `error` is a ranking score: each entry says so.
  const ranking = errorIsRankingScore(spec);
  out.writeJson('front.json', ranking ? summary.front.map((f) => ({ ...f, errorKind: RANKING_SCORE })) : summary.front);
  out.writeJson('summary.json', {
    experiment: manifest.metadata.name,
    space: spec.searchSpace.name,
    method: spec.evaluation.method,
    objectives: spec.objectives,
    seed: a.seed,
    done: engine.done,
    ...(incomplete !== undefined ? { incomplete } : {}),
    generations: lastGeneration(engine),
    evaluations: history.length,
    failed: history.filter((h) => h.status === 'Failed').length,
    frontSize: summary.front.length,
    hypervolume: summary.hypervolume,
    referencePoint: summary.referencePoint,
    knee: summary.knee,
    ...(unmet.length > 0 ? { warnings: unmet.map((u) => u.message) } : {}),
    wallMs: Math.round(performance.now() - run.started),
    // What `rwenas export` and `rwenas report` need besides the trials: the final network's
    // sizes, the constraints, and the front's progress per generation.
    final: { ...spaceByName(spec.searchSpace.name).defaults.final, ...spec.searchSpace.final },
    constraints: spec.constraints,
    history: generationHistory(history, spec.objectives, spec.constraints, engine.referencePoint()),
  });
  const { paretoSvg } = await import('../plot.js');
  const title = `${manifest.metadata.name}: ${spec.searchSpace.name}, ${spec.evaluation.method}, seed ${a.seed}${incomplete !== undefined ? ' (incomplete)' : ''}${ranking ? `; error is a ${RANKING_SCORE}` : ''}`;
  out.writeText('pareto.svg', await paretoSvg(title, spec.objectives, history, summary.front, summary.knee ?? undefined));
  if (incomplete !== undefined) return;
  const failed = history.filter((h) => h.status === 'Failed').length;
  const state = engine.done ? 'done' : 'stopped; continue with --resume';
  run.progress.summary(
    state,
    [
      `${state === 'done' ? 'Done' : 'Stopped'} after generation ${lastGeneration(engine)}: ${history.length} evaluations (${failed} failed), front of ${summary.front.length}, hypervolume ${summary.hypervolume.toPrecision(6)}.`,
      ...unmet.map((u) => `Warning: ${u.message}.`),
      `Results in ${out.dir}: front.json, summary.json, pareto.svg, trials.jsonl${engine.done ? '' : ' (continue with --resume)'}.`,
    ],
    { generations: lastGeneration(engine), evaluations: history.length, front: summary.front.length, hypervolume: summary.hypervolume, out: out.dir },
  );
}

export async function run(file: string, opts: RunOptions): Promise<void> {
  const r = await prepare(file, opts);
  const { spec, manifest } = r;
  const engine = openEngine(r, searchSettings(spec), opts);
  r.log.info('run', { experiment: manifest.metadata.name, space: spec.searchSpace.name, method: spec.evaluation.method, objectives: spec.objectives, seed: spec.algorithm.seed, out: r.out.dir });
  const { executorFor } = await import('../../evaluator/local/executors.js');
  const executor = await executorFor(await localDataset(spec, r.progress.interactive, r.log), r.workers, { genomeTimeoutMs: r.genomeTimeoutMs });
  try {
    await runGenerations(r, file, opts, engine, executor);
  } catch (err) {
    // A failed or interrupted run still leaves the front, summary and plot of what it evaluated.
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    await writeResults(r, engine, why).catch((e: Error) => r.log.error('could not write the incomplete results', { reason: e.message }));
    throw err;
  }
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
    .option('--force', 'replace the results of an earlier run in the output directory')
    .option('--stop-after <n>', 'stop after n generations (state.json kept; continue with --resume)')
    .option('--genome-timeout <seconds>', 'a genome whose evaluation takes longer fails and its worker is replaced (default spec.execution.genomeTimeoutSeconds, 1800)')
    .action((file: string, opts: RunOptions) => run(file, opts));
}
