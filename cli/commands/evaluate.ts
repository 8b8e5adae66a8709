// `rwenas evaluate`: evaluates genomes with the search space and evaluation settings of a
// manifest and prints one JSON object per trial on stdout.
//   rwenas evaluate -f FILE --genome G [--genome G ...] [--set PATH=VALUE ...] [--engine onnx|tfjs|auto]
// Pod form (the operator's evaluator Jobs): the manifest from the file RWENAS_SPEC_FILE (the
// operator's mounted ConfigMap), else RWENAS_SPEC (or --spec-json),
// the batch from RWENAS_BATCH (or --batch-file), and the compact batch result
// (evaluator/protocol.ts) written to --termination-log (default /dev/termination-log).
// Each genome runs in a worker thread (evaluator/local/): an exception, an exhausted heap or a
// genome past --genome-timeout fails that trial only.
// Exit: 0 when every trial got a report (Failed trials included: their reasons are results);
// 2 for invalid input; 1 when evaluation could not start (e.g. the data set is missing).
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadManifest, ManifestError, resolveManifest } from '../../search/experiment/load.js';
import type { ExperimentManifest } from '../../search/experiment/spec.js';
import { encodeBatchResult, parseBatchRequest, TERMINATION_LOG, type BatchRequest } from '../../evaluator/protocol.js';
import type { TrialReport } from '../../evaluator/evaluate.js';
import type { Executor } from '../../evaluator/local/executor.js';
import { executorFor } from '../../evaluator/local/executors.js';
import { CliError, collect, EXIT, positiveSeconds } from '../errors.js';
import { checkGenome, readManifest } from '../manifest.js';

interface EvaluateOptions {
  file?: string;
  specJson?: string;
  genome: string[];
  batchFile?: string;
  set: string[];
  engine?: string;
  terminationLog?: string | boolean;
  genomeTimeout?: string;
}

async function manifestFrom(opts: EvaluateOptions): Promise<ExperimentManifest> {
  if (opts.file) return readManifest(opts.file, opts.set);
  // The operator mounts the spec as a file (a ConfigMap): an env value is limited to 128 KiB.
  if (!opts.specJson && process.env.RWENAS_SPEC_FILE) return readManifest(process.env.RWENAS_SPEC_FILE, opts.set);
  const json = opts.specJson ?? process.env.RWENAS_SPEC;
  const source = opts.specJson ? '--spec-json' : 'RWENAS_SPEC';
  if (!json) throw new CliError(['rwenas evaluate: no manifest: give -f FILE, --spec-json JSON or the RWENAS_SPEC_FILE or RWENAS_SPEC environment variable'], EXIT.invalid);
  try {
    // JSON is YAML: the same loader gives the same messages, with --set applied.
    return json.trimStart().startsWith('{') ? resolveManifest(JSON.parse(json), { sets: opts.set, checkGenome }) : loadManifest(json, source, { sets: opts.set, checkGenome });
  } catch (err) {
    if (err instanceof ManifestError) throw new CliError(err.problems.map((p) => `${source}: ${p}`), EXIT.invalid);
    throw new CliError([`${source}: ${(err as Error).message}`], EXIT.invalid);
  }
}

async function batchFrom(opts: EvaluateOptions): Promise<BatchRequest> {
  if (opts.genome.length > 0) {
    if (opts.batchFile) throw new CliError(['rwenas evaluate: give --genome or --batch-file, not both'], EXIT.invalid);
    return { trials: opts.genome.map((genome, i) => ({ name: `trial-${i}`, genome })) };
  }
  try {
    if (opts.batchFile) return parseBatchRequest(await readFile(opts.batchFile, 'utf8'), opts.batchFile);
    if (process.env.RWENAS_BATCH) return parseBatchRequest(process.env.RWENAS_BATCH, 'RWENAS_BATCH');
  } catch (err) {
    throw new CliError([(err as Error).message], EXIT.invalid);
  }
  throw new CliError(['rwenas evaluate: no genomes: give --genome G (repeatable), --batch-file PATH or the RWENAS_BATCH environment variable'], EXIT.invalid);
}

export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description('evaluate genomes with a manifest\'s search space and evaluation method; one JSON object per trial on stdout')
    .option('-f, --file <file>', 'manifest (YAML); else --spec-json or RWENAS_SPEC')
    .option('--spec-json <json>', 'manifest as JSON (the operator passes RWENAS_SPEC)')
    .option('--genome <genome>', 'a genome to evaluate (repeatable)', collect, [])
    .option('--batch-file <path>', 'batch {"trials":[{"name":..,"genome":..}]}; else RWENAS_BATCH')
    .option('--set <path=value>', 'override a field, e.g. spec.evaluation.rwe.trainSamples=1000 (repeatable)', collect, [])
    .option('--engine <engine>', 'onnx, tfjs or auto (overrides spec.evaluation.engine)')
    .option('--genome-timeout <seconds>', 'a genome whose evaluation takes longer fails, and the batch goes on (default spec.execution.genomeTimeoutSeconds)')
    .option('--termination-log [path]', `write the compact batch result there (default ${TERMINATION_LOG})`)
    .action(async (opts: EvaluateOptions) => {
      if (opts.engine !== undefined && !['onnx', 'tfjs', 'auto'].includes(opts.engine)) {
        throw new CliError([`--engine: expected onnx, tfjs or auto, got ${JSON.stringify(opts.engine)}`], EXIT.invalid);
      }
      const manifest = await manifestFrom(opts);
      const batch = await batchFrom(opts);
      const genomeTimeoutMs = 1000 * positiveSeconds('--genome-timeout', opts.genomeTimeout, manifest.spec.execution.genomeTimeoutSeconds);
      const log = terminationLogPath(opts.terminationLog);
      let executor: Executor;
      try {
        executor = await executorFor(manifest.spec, 1, { genomeTimeoutMs, ...(opts.engine ? { engine: opts.engine as 'onnx' | 'tfjs' | 'auto' } : {}) });
      } catch (err) {
        throw new CliError([`rwenas evaluate: ${(err as Error).message}`], EXIT.failed);
      }
      try {
        await evaluateBatch(executor, batch, log, opts.genome.length > 0);
      } finally {
        await executor.close();
      }
    });
}

function terminationLogPath(option: string | boolean | undefined): string | undefined {
  if (option === undefined || option === false) return undefined;
  return option === true ? TERMINATION_LOG : option;
}

/**
 * Evaluates the batch one trial at a time (one worker thread: an exception, a heap exhausted or
 * a genome past its timeout fails that trial only) and rewrites the termination log before and
 * after each trial, so a pod killed mid-batch leaves what it finished and the trial it died on.
 */
async function evaluateBatch(executor: Executor, batch: BatchRequest, log: string | undefined, anonymous: boolean): Promise<void> {
  const reports: TrialReport[] = [];
  const write = async (running: string | undefined) => {
    if (log === undefined) return;
    const stats = reports.find((r) => r.stats?.engine)?.stats;
    await writeFile(log, encodeBatchResult({
      ...(stats ? { engine: `${String(stats.engine)}/${String(stats.backend)}` } : {}),
      ...(running !== undefined ? { running } : {}),
      trials: reports.map((r) => ({ name: r.trial, status: r.status, objectives: r.objectives, durationMs: r.durationMs, ...(r.reason ? { reason: r.reason } : {}) })),
    }));
  };
  for (const { name, genome } of batch.trials) {
    await write(name);
    const [report] = await executor.evaluate([{ trial: name, genome }]);
    reports.push(report);
    // Printed as before trials were named: the batch's name (pod form) instead of `trial`.
    const { trial: _trial, ...printed } = report;
    process.stdout.write(`${JSON.stringify({ ...(anonymous ? {} : { name }), ...printed })}\n`);
  }
  await write(undefined);
}
