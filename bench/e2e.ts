// `npm run bench:e2e [-- options]`: the search judged by ground truth. Runs `rwenas run` (the
// CLI, black box) on NAS-Bench-201 with real CIFAR-10 evaluations, for each budget, search
// configuration (algorithm:method) and seed, then scores the returned front (front.json) and
// everything evaluated (trials.jsonl) by the true hypervolume (error = 100 − test_acc_200ep,
// FLOPs from the counters, reference = true front's nadir + 10% of its range, as
// bench/search.ts), as % of the true front's, and how far the front's estimated errors sit
// from the truth (the optimizer's curse: a search keeps the cells its estimator overrates). Runs are kept under --out and skipped when
// already complete, so an interrupted bench resumes. Figures are printed, never asserted.
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { dataDir } from './lib/groundtruth.js';
import { loadTruth, trueCell, trueHvPercent } from './lib/nb201-truth.js';

const { values: args } = parseArgs({
  options: {
    budgets: { type: 'string', default: '220,1000' },
    seeds: { type: 'string', default: '1,2,3,4,5' },
    configs: { type: 'string', default: 'nsga2:zero-cost,random:zero-cost,nsga2:rwe,nsga2:table,random:table' },
    out: { type: 'string', default: join('out', 'e2e') },
    workers: { type: 'string', default: '2' },
    data: { type: 'string' },
    cifar10: { type: 'string' },
    'report-only': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(`usage: npm run bench:e2e -- [--budgets 220,1000] [--seeds 1,2,3,4,5] [--configs ${args.configs}]
  [--out DIR] [--workers N] [--data DIR] [--cifar10 DIR] [--report-only]
Budgets: 220 = population 20 + 10 generations of 20; 1000 = population 50 + 19 generations of 50.`);
  process.exit(0);
}

const root = new URL('..', import.meta.url).pathname;
const SHAPES: Record<string, { populationSize: number; generations: number }> = {
  '220': { populationSize: 20, generations: 10 },
  '1000': { populationSize: 50, generations: 19 },
};
const budgets = args.budgets.split(',');
for (const b of budgets) if (!SHAPES[b]) throw new Error(`--budgets: expected 220 and/or 1000, got ${b}`);
const seeds = args.seeds.split(',').map(Number);
const configs = args.configs.split(',').map((c) => {
  const [algorithm, method] = c.split(':');
  if (!['nsga2', 'random'].includes(algorithm) || !method) throw new Error(`--configs: expected algorithm:method, got ${c}`);
  return { algorithm, method, label: `${algorithm === 'nsga2' ? 'NSGA-II' : 'random'} + ${method}` };
});
const tablePath = join(dataDir(args.data), 'nasbench201', 'nb201-cifar10.csv');
const cifar10 = args.cifar10 ?? process.env.RWENAS_CIFAR10 ?? join(homedir(), '.cache', 'cifar10', 'cifar-10-batches-bin');
const truth = loadTruth(tablePath);

function manifest(budget: string, algorithm: string, method: string, seed: number): Record<string, unknown> {
  const evaluation: Record<string, unknown> =
    method === 'table'
      ? { method, table: { path: tablePath } }
      : method === 'rwe'
        ? // As examples/nb201-rwe.yaml.
          { method, dataset: { name: 'cifar10', source: 'path', path: cifar10 }, rwe: { trainSamples: 1000, validationSamples: 1000, features: 'all-stages' } }
        : { method, dataset: { name: 'cifar10', source: 'path', path: cifar10 } };
  return {
    apiVersion: 'rwenas.dev/v1alpha1',
    kind: 'NASExperiment',
    metadata: { name: `e2e-${budget}-${algorithm}-${method}-${seed}`.replace(/[^a-z0-9-]/g, '-') },
    spec: { searchSpace: { name: 'nb201' }, objectives: ['error', 'flops'], algorithm: { name: algorithm, ...SHAPES[budget], seed }, evaluation },
  };
}

interface RunResult {
  readonly front: number;
  readonly members: number;
  /** Mean estimated minus true error of the front's members (< 0: the search kept overrated cells). */
  readonly bias: number;
  readonly evaluated: number;
  readonly seconds: number;
  readonly evaluations: number;
}

function run(budget: string, algorithm: string, method: string, seed: number): RunResult | undefined {
  const dir = join(args.out, budget, `${algorithm}-${method}`, String(seed));
  const done = join(dir, 'summary.json');
  if (!existsSync(done)) {
    if (args['report-only']) return undefined;
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'manifest.yaml');
    writeFileSync(file, stringify(manifest(budget, algorithm, method, seed)));
    const t0 = performance.now();
    process.stderr.write(`e2e: ${budget} evaluations, ${algorithm} + ${method}, seed ${seed} ...\n`);
    // bin/rwenas runs the built dist/: `npm run bench:e2e` builds first. The run's log stays beside it.
    const log = openSync(join(dir, 'run.log'), 'w');
    try {
      execFileSync(join(root, 'bin', 'rwenas'), ['run', file, '--out', join(dir, 'run'), '--log-format', 'json', '--workers', args.workers], { stdio: ['ignore', log, log] });
    } finally {
      closeSync(log);
    }
    writeFileSync(done, JSON.stringify({ seconds: (performance.now() - t0) / 1000 }) + '\n');
  }
  const seconds = (JSON.parse(readFileSync(done, 'utf8')) as { seconds: number }).seconds;
  const members = JSON.parse(readFileSync(join(dir, 'run', 'front.json'), 'utf8')) as { genome: string; objectives: { error: number } }[];
  const front = members.map((t) => t.genome);
  const bias = members.reduce((a, m) => a + m.objectives.error - trueCell(truth, m.genome).error, 0) / Math.max(1, members.length);
  const trials = readFileSync(join(dir, 'run', 'trials.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { genome: string; status: string });
  const ok = trials.filter((t) => t.status === 'Succeeded').map((t) => t.genome);
  return { front: trueHvPercent(truth, front), members: members.length, bias, evaluated: trueHvPercent(truth, ok), seconds, evaluations: trials.length };
}

const summary = (xs: number[]) => (xs.length ? `${(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(1)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})` : '–');
const lines: string[] = [];
/** Each run's result, by budget/algorithm-method/seed, for the paired comparison. */
const kept = new Map<string, RunResult>();
const keyOf = (budget: string, algorithm: string, method: string, seed: number) => `${budget}/${algorithm}-${method}/${seed}`;
for (const budget of budgets) {
  lines.push(`\n### ${budget} evaluations (NAS-Bench-201, error vs FLOPs; true HV as % of the true front's, mean (min–max) over the seeds that ran)\n`);
  lines.push('| search | seeds run | returned front | everything evaluated | front members | estimated − true error on the front (points) | minutes per run |');
  lines.push('|---|---|---|---|---|---|---|');
  for (const c of configs) {
    const results: RunResult[] = [];
    const ran: number[] = [];
    for (const seed of seeds) {
      try {
        const r = run(budget, c.algorithm, c.method, seed);
        if (r) {
          results.push(r);
          kept.set(keyOf(budget, c.algorithm, c.method, seed), r);
          ran.push(seed);
        }
      } catch (err) {
        process.stderr.write(`e2e: ${budget} ${c.label} seed ${seed} failed (log: ${join(args.out, budget, `${c.algorithm}-${c.method}`, String(seed), 'run.log')}): ${(err as Error).message}\n`);
      }
    }
    lines.push(`| ${c.label} | ${ran.join(', ') || 'none'} | ${summary(results.map((r) => r.front))} | ${summary(results.map((r) => r.evaluated))} | ${summary(results.map((r) => r.members))} | ${summary(results.map((r) => r.bias))} | ${results.length ? (results.reduce((a, r) => a + r.seconds, 0) / results.length / 60).toFixed(1) : '–'} |`);
  }
  lines.push(...pairedLines(budget));
}
console.log(lines.join('\n'));

/**
 * NSGA-II against random search with the same method, paired by seed (same seed, same budget):
 * the per-seed differences of the returned fronts' true HV, how many seeds NSGA-II wins, and
 * the two-sided sign test's p (ties dropped), so "beats" is a claim with its evidence.
 */
function pairedLines(budget: string): string[] {
  const out: string[] = [];
  for (const method of new Set(configs.map((c) => c.method))) {
    const diffs: { seed: number; diff: number }[] = [];
    for (const seed of seeds) {
      const a = kept.get(keyOf(budget, 'nsga2', method, seed));
      const b = kept.get(keyOf(budget, 'random', method, seed));
      if (a && b) diffs.push({ seed, diff: a.front - b.front });
    }
    if (diffs.length === 0) continue;
    const wins = diffs.filter((d) => d.diff > 0).length;
    const losses = diffs.filter((d) => d.diff < 0).length;
    const mean = diffs.reduce((s, d) => s + d.diff, 0) / diffs.length;
    out.push(
      `\nNSGA-II − random + ${method}, returned front, paired by seed: mean ${mean.toFixed(1)} points; NSGA-II ahead on ${wins} of ${diffs.length} seeds ` +
        `(sign test p = ${signTestP(wins, losses).toFixed(3)}); per seed ${diffs.map((d) => `${d.seed}: ${d.diff >= 0 ? '+' : ''}${d.diff.toFixed(1)}`).join(', ')}`,
    );
  }
  return out;
}

/** Two-sided exact sign test: P(a split at least this uneven | each seed a fair coin). */
function signTestP(wins: number, losses: number): number {
  const n = wins + losses;
  if (n === 0) return 1;
  const k = Math.min(wins, losses);
  let tail = 0;
  for (let i = 0; i <= k; i++) tail += binomial(n, i) / 2 ** n;
  return Math.min(1, 2 * tail);
}

function binomial(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return c;
}
