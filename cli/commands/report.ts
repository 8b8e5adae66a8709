// `rwenas report out/NAME` or `rwenas report --experiment NAME [-n NS]`: one self-contained
// HTML file of a search (results/report/html.ts), by default report.html in the run's
// directory (or ./<NAME>-report.html for an experiment).
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { reportHtml } from '../../results/report/html.js';
import { CliError, EXIT } from '../errors.js';
import { loadResults, type SourceOptions } from '../results-source.js';

interface ReportOptions extends SourceOptions {
  out?: string;
}

async function reportCommand(dir: string | undefined, opts: ReportOptions): Promise<void> {
  if ((dir === undefined) === (opts.experiment === undefined)) throw new CliError(['give a run directory (rwenas report out/NAME) or --experiment NAME, not both'], EXIT.invalid);
  const results = await loadResults({ ...opts, from: dir });
  const out = resolve(opts.out ?? (dir !== undefined ? join(dir, 'report.html') : `${results.name}-report.html`));
  try {
    writeFileSync(out, reportHtml(results));
  } catch (err) {
    throw new CliError([`${out}: cannot write: ${(err as Error).message}`], EXIT.failed);
  }
  process.stdout.write(`${out}: ${results.trials.length} trials, ${results.front.length} on the front, ${results.history.length} generations\n`);
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write one self-contained HTML report of a local run or a cluster experiment')
    .argument('[dir]', 'output directory of rwenas run')
    .option('--experiment <name>', 'a NASExperiment on the cluster of the kubeconfig')
    .option('-n, --namespace <ns>', "namespace of --experiment (default: the kubeconfig context's, else default)")
    .option('--kubeconfig <file>', 'kubeconfig for --experiment (default: $KUBECONFIG or ~/.kube/config)')
    .option('--out <file>', 'the HTML file (default <dir>/report.html, or ./<name>-report.html)')
    .action((dir: string | undefined, opts: ReportOptions) => reportCommand(dir, opts));
}
