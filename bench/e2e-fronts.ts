// `node --import tsx bench/e2e-fronts.ts [--out /tmp/e2e]`: how much of what a search
// evaluated a different choice of the returned front could keep, on the runs bench:e2e kept
// (zero-cost configurations). For each run, from its trials.jsonl (the search itself is not
// rerun): the returned front; the first 2 and 3 non-dominated layers; the cells within a band
// of the estimated front (not dominated by more than δ in ln error, δ = 0.1 and 0.27, the
// calibration's residual sd); the front re-chosen on score + w·ln(params); and the best any
// re-ranking of the δ = 0.1 band could do (its true front); and the band, or everything, re-ranked by
// NB201's published 12-epoch accuracy (what training the finalists for 12 epochs would give, the
// fidelity a GPU finalist stage could afford). True hypervolume as % of the true
// front's (as bench:e2e), with the number of cells returned. Then one bias: how many cells of
// the returned fronts, and of the evaluated sets' true fronts, have `none` on the cell's
// input-to-output edge, and how overrated they are. Figures are printed, never asserted.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ZERO_COST_CALIBRATIONS } from '../evaluator/estimators/calibration.js';
import { dataDir, loadNb201 } from './lib/groundtruth.js';
import { nb201 } from '../search/spaces/nb201.js';
import { loadTruth, trueCell, trueHvPercent } from './lib/nb201-truth.js';

const { values: args } = parseArgs({ options: { out: { type: 'string', default: join('out', 'e2e') }, seeds: { type: 'string', default: '1,2,3,4,5' }, data: { type: 'string' } } });
const truth = loadTruth(join(dataDir(args.data), 'nasbench201', 'nb201-cifar10.csv'));
const map = ZERO_COST_CALIBRATIONS.nb201!.error!;
const acc12 = new Map(loadNb201(dataDir(args.data)).map((a) => [nb201.serialize(nb201.parse(a.genome)), a.extra.acc12]));

interface Cell {
  readonly genome: string;
  readonly error: number;
  readonly flops: number;
  /** The combined score, recovered from the error map (error = exp(α − β·score)). */
  readonly score: number;
  readonly params: number;
  /** Its ground truth (100 − test_acc_200ep). */
  readonly trueError: number;
  /** 100 − NB201's test accuracy after 12 epochs of training. */
  readonly error12: number;
}

function cells(file: string): Cell[] {
  const trials = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { genome: string; status: string; objectives: Record<string, number> });
  return trials
    .filter((t) => t.status === 'Succeeded')
    .map((t) => ({ genome: t.genome, error: t.objectives.error, flops: t.objectives.flops, params: t.objectives.params, trueError: trueCell(truth, t.genome).error, error12: 100 - acc12.get(nb201.serialize(nb201.parse(t.genome)))!, score: (map.alpha - Math.log(Math.min(t.objectives.error, 99.999))) / map.beta }));
}

/** Cells no other cell beats on `better` with no more FLOPs (strictly on one of the two). */
function front(cs: readonly Cell[], key: (c: Cell) => number): Cell[] {
  return cs.filter((p) => !cs.some((q) => q.flops <= p.flops && key(q) >= key(p) && (q.flops < p.flops || key(q) > key(p))));
}

function layers(cs: readonly Cell[], k: number): Cell[] {
  let rest = [...cs];
  const out: Cell[] = [];
  for (let i = 0; i < k && rest.length > 0; i++) {
    const f = front(rest, (c) => -c.error);
    out.push(...f);
    rest = rest.filter((c) => !f.includes(c));
  }
  return out;
}

const band = (cs: readonly Cell[], delta: number) => cs.filter((p) => !cs.some((q) => q.flops <= p.flops && Math.log(p.error) - Math.log(q.error) > delta));
const trueFront = (cs: readonly Cell[]) => front(cs, (c) => -c.trueError);

const CHOICES: [string, (cs: Cell[]) => Cell[]][] = [
  ['returned front', (cs) => front(cs, (c) => -c.error)],
  ['2 layers', (cs) => layers(cs, 2)],
  ['3 layers', (cs) => layers(cs, 3)],
  ['band δ 0.1', (cs) => band(cs, 0.1)],
  ['band δ 0.27', (cs) => band(cs, 0.27)],
  ['score + 1·ln params', (cs) => front(cs, (c) => c.score + Math.log(c.params))],
  ['score + 4·ln params', (cs) => front(cs, (c) => c.score + 4 * Math.log(c.params))],
  ['best re-ranking of band δ 0.1', (cs) => trueFront(band(cs, 0.1))],
  ['band δ 0.1 by 12-epoch training', (cs) => front(band(cs, 0.1), (c) => -c.error12)],
  ['band δ 0.27 by 12-epoch training', (cs) => front(band(cs, 0.27), (c) => -c.error12)],
  ['everything by 12-epoch training', (cs) => front(cs, (c) => -c.error12)],
  ['everything evaluated', (cs) => cs],
];

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** `none` on edge 0→3: the first op of the third node's group (|op~0|+|op~0|op~1|+|op~0|…). */
const cutsResidual = (genome: string) => genome.split('+')[2]?.split('|')[1]?.startsWith('none~') ?? false;

function residualBias(all: readonly Cell[][]): string {
  const returned = all.flatMap((cs) => front(cs, (c) => -c.error));
  const best = all.flatMap(trueFront);
  const cut = returned.filter((c) => cutsResidual(c.genome));
  const kept = returned.filter((c) => !cutsResidual(c.genome));
  const bias = (cs: Cell[]) => (cs.length ? mean(cs.map((c) => c.error - c.trueError)).toFixed(2) : '–');
  return `none on edge 0→3: ${cut.length}/${returned.length} returned-front cells (estimated − true error ${bias(cut)} points, the others ${bias(kept)}), ${best.filter((c) => cutsResidual(c.genome)).length}/${best.length} of the evaluated sets' true fronts`;
}
for (const budget of ['220', '1000']) {
  for (const config of ['nsga2-zero-cost', 'random-zero-cost']) {
    const runs = args.seeds.split(',').map((s) => join(args.out, budget, config, String(s))).filter((d) => existsSync(join(d, 'summary.json')));
    if (runs.length === 0) continue;
    const all = runs.map((d) => cells(join(d, 'run', 'trials.jsonl')));
    console.log(`\n${budget} evaluations, ${config}, ${runs.length} seed(s): true HV % (cells returned), mean over seeds`);
    for (const [name, choose] of CHOICES) {
      const picked = all.map(choose);
      console.log(`  ${name.padEnd(32)} ${mean(picked.map((p) => trueHvPercent(truth, p.map((c) => c.genome)))).toFixed(1).padStart(5)}  (${mean(picked.map((p) => p.length)).toFixed(0)})`);
    }
    console.log(`  ${residualBias(all)}`);
  }
}
