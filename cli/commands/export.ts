// `rwenas export`: writes the final network of a genome as ONNX, PyTorch and TF.js models
// (evaluator/export), with seeded initial weights, and checks that the formats agree.
//   --space S --genome G [--seed N] [--set spec.searchSpace.final.X=...]   one genome
//   --from out/NAME (--front | --knee | --trial ID)                         a local run
//   --experiment NAME [-n NS] [--kubeconfig F] (--front | --knee | --trial ID)  a cluster
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { genomeHash } from '../../search/hash.js';
import { spaceByName } from '../../search/spaces/index.js';
import type { ExportTarget } from '../../evaluator/export/folder.js';
import type { SearchResults, ResultTrial } from '../../results/search-results.js';
import { CliError, collect, EXIT } from '../errors.js';
import { bareManifest } from '../manifest.js';
import { loadResults, type SourceOptions } from '../results-source.js';

interface ExportOptions extends SourceOptions {
  space?: string;
  genome?: string;
  seed?: string;
  set: string[];
  front?: boolean;
  knee?: boolean;
  trial?: string;
  out?: string;
}

function fromGenome(opts: ExportOptions): ExportTarget {
  if (opts.space === undefined || opts.genome === undefined) throw new CliError(['--space and --genome go together'], EXIT.invalid);
  const spec = bareManifest(opts.space, opts.set).spec;
  const space = spaceByName(spec.searchSpace.name);
  let canonical: string;
  try {
    canonical = space.serialize(space.parse(opts.genome));
  } catch (err) {
    throw new CliError([`--genome: ${(err as Error).message}`], EXIT.invalid);
  }
  const seed = opts.seed === undefined ? spec.algorithm.seed : Number(opts.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new CliError([`--seed: expected a non-negative integer, got ${JSON.stringify(opts.seed)}`], EXIT.invalid);
  return { space, genome: canonical, final: spec.searchSpace.final, provenance: { source: 'genome', seed } };
}

function selectTrials(results: SearchResults, opts: ExportOptions): { trials: ResultTrial[]; selection: 'front' | 'knee' | 'trial' } {
  const chosen = [opts.front && '--front', opts.knee && '--knee', opts.trial !== undefined && '--trial'].filter(Boolean);
  if (chosen.length !== 1) throw new CliError([`choose one of --front, --knee or --trial ID${chosen.length > 1 ? ` (got ${chosen.join(', ')})` : ''}`], EXIT.invalid);
  if (opts.front) {
    if (results.front.length === 0) throw new CliError([`${results.source.where}: the front is empty (no successful feasible trial)`], EXIT.invalid);
    return { trials: [...results.front], selection: 'front' };
  }
  if (opts.knee) {
    if (!results.knee) throw new CliError([`${results.source.where}: no knee: the front is empty`], EXIT.invalid);
    return { trials: [results.knee], selection: 'knee' };
  }
  const t = results.trials.find((x) => x.trial === opts.trial || x.name === opts.trial);
  if (!t) throw new CliError([`--trial: ${results.source.where} has no trial ${JSON.stringify(opts.trial)} (a trial is its 16-hex-digit genome hash, as in trials.jsonl, or its NASTrial name)`], EXIT.invalid);
  if (t.status !== 'Succeeded') throw new CliError([`--trial: trial ${t.trial} failed (${t.reason ?? 'no reason'}); only evaluated architectures are exported`], EXIT.invalid);
  return { trials: [t], selection: 'trial' };
}

function targetOf(results: SearchResults, t: ResultTrial, selection: 'front' | 'knee' | 'trial'): ExportTarget {
  const space = spaceByName(results.space);
  const objectives = Object.fromEntries(results.objectives.map((o) => [o, t.objectives[o] as number]));
  const where = results.source.kind === 'run' ? { runDir: results.source.where } : { experiment: results.name, namespace: results.source.namespace };
  return { space, genome: t.genome, final: results.final, objectives, provenance: { source: results.source.kind, ...where, method: results.method, seed: results.seed, generation: t.generation, selection } };
}

async function exportCommand(opts: ExportOptions): Promise<void> {
  const sources = [opts.genome !== undefined || opts.space !== undefined, opts.from !== undefined, opts.experiment !== undefined].filter(Boolean).length;
  if (sources !== 1) throw new CliError(['give exactly one source: --space S --genome G, --from DIR or --experiment NAME'], EXIT.invalid);
  let targets: ExportTarget[];
  let many = false;
  if (opts.from === undefined && opts.experiment === undefined) {
    if (opts.front || opts.knee || opts.trial !== undefined) throw new CliError(['--front, --knee and --trial choose among the trials of --from or --experiment'], EXIT.invalid);
    targets = [fromGenome(opts)];
  } else {
    if (opts.set.length > 0 || opts.seed !== undefined) throw new CliError(['--set and --seed apply to --genome; a run or experiment exports with its own sizes and seed'], EXIT.invalid);
    const results = await loadResults(opts);
    const { trials, selection } = selectTrials(results, opts);
    many = selection === 'front';
    targets = trials.map((t) => targetOf(results, t, selection));
  }
  const { writeExport } = await import('../../evaluator/export/folder.js');
  const base = resolve(opts.out ?? 'export');
  for (const target of targets) {
    const trial = genomeHash(target.space.name, target.genome);
    const dir = many || opts.out === undefined ? join(base, trial) : base;
    try {
      const s = await writeExport(dir, target);
      const a = s.agreement;
      process.stdout.write(
        `${dir}: ${s.space} ${s.genome}: ${s.params} parameters; ONNX vs evaluator max |diff| ${a.onnxVsEvaluator.maxAbsDiff.toExponential(2)}, TF.js vs ONNX ${a.tfjsVsOnnx.maxAbsDiff.toExponential(2)}\n`,
      );
    } catch (err) {
      throw new CliError([`${dir}: ${(err as Error).message}`], EXIT.failed);
    }
  }
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('write the final network of a genome, a front trial or the knee as ONNX, PyTorch and TF.js models')
    .option('--space <name>', 'search space of --genome: nb201, darts or mobilenetv3')
    .option('--genome <genome>', "genome in the space's notation")
    .option('--seed <n>', 'seed of the initial weights for --genome (default: the experiment default)')
    .option('--set <path=value>', 'for --genome: size overrides, e.g. spec.searchSpace.final.channels=32 (repeatable)', collect, [])
    .option('--from <dir>', 'a local run: the output directory of rwenas run')
    .option('--experiment <name>', 'a NASExperiment on the cluster of the kubeconfig')
    .option('-n, --namespace <ns>', "namespace of --experiment (default: the kubeconfig context's, else default)")
    .option('--kubeconfig <file>', 'kubeconfig for --experiment (default: $KUBECONFIG or ~/.kube/config)')
    .option('--front', 'export every trial of the front (one folder each)')
    .option('--knee', "export the front's knee")
    .option('--trial <id>', 'export this trial (its genome hash, or its NASTrial name)')
    .option('--out <dir>', 'output folder (default ./export/<trial>; with --front, one subfolder per trial)')
    .action((opts: ExportOptions) => exportCommand(opts));
}
