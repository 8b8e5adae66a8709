// `npm run bench:fidelity [-- options]`: how well each estimator ranks architectures against
// trained accuracy — NAS-Bench-201 (two disjoint seeded samples: `tune` chooses settings and
// constants, `confirm` checks them) and the 200 NAS-Bench-301 DARTS architectures (split in
// two halves the same way). Prints Kendall τ / Spearman ρ with 95% bootstrap intervals per
// seed, the spread over seeds and seconds per architecture. Figures are printed, never asserted.
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { dataDir, loadNb201, loadNb301, split, type Architecture, type Split } from './lib/groundtruth.js';
import { MeasurementCache, type BenchSpace, type Probe } from './lib/probe.js';
import { markdownTable, summarise, type Series } from './lib/report.js';
import { combineScore, fitCombination, meanRank } from './lib/combine.js';
import { makeProbes, PROBE_NAMES, COMBINATIONS } from './fidelity-probes.js';
import { parseRweSettings } from './lib/rwe-probe.js';
import { combineErrors, RWE_OPTIONAL_DEFAULTS } from '../evaluator/estimators/random-weight.js';
import { naswotError } from '../evaluator/estimators/naswot.js';
import { kendallTau } from './lib/rank.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    space: { type: 'string', default: 'nb201,darts' },
    size: { type: 'string' },
    seeds: { type: 'string', default: '1,2' },
    probes: { type: 'string', default: 'reference,complexity,rwe' },
    data: { type: 'string' },
    cifar10: { type: 'string' },
    rwe: { type: 'string' },
    'shipped-set': { type: 'string' },
    limit: { type: 'string' },
    cache: { type: 'string', default: join('out', 'fidelity', 'measurements.jsonl') },
    'no-cache': { type: 'boolean', default: false },
    samples: { type: 'string', default: 'tune,confirm' },
    resamples: { type: 'string', default: '1000' },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  console.log(`usage: npm run bench:fidelity -- [--quick] [--space nb201,darts] [--size N] [--seeds 1,2]
  [--probes ${PROBE_NAMES.join(',')}] [--samples tune,confirm] [--data DIR] [--cifar10 DIR] [--cache FILE | --no-cache]
  [--rwe key=value,...] [--shipped-set 'PATH=VALUE;...'] [--limit N]
--quick: 30 architectures per sample, seed 1 (smoke run); --size: architectures per NB201 sample (default 200);
--limit: only the first N of each sample (for calibration on a prefix; tables then cover N);
--rwe: settings of the rwe probe, e.g. channels=16,cells=1,train=1000,validation=500,epochs=20,features=last@1+all@1.`);
  process.exit(0);
}

function intList(text: string, flag: string): number[] {
  const out = text.split(',').map((s) => Number(s.trim()));
  if (out.some((n) => !Number.isInteger(n))) throw new Error(`--${flag}: expected comma-separated integers, got ${text}`);
  return out;
}

// --quick: a smoke run, one seed unless --seeds is given.
const seeds = args.quick && args.seeds === '1,2' ? [1] : intList(args.seeds, 'seeds');
const size = args.size ? intList(args.size, 'size')[0] : args.quick ? 30 : 200;
const spaces = args.space.split(',') as BenchSpace[];
for (const s of spaces) if (s !== 'nb201' && s !== 'darts') throw new Error(`--space: expected nb201 and/or darts, got ${s}`);
const wantedSamples = args.samples.split(',') as ('tune' | 'confirm')[];
const dir = dataDir(args.data);
const cache = new MeasurementCache(args['no-cache'] ? undefined : args.cache);
const probes: Probe[] = await makeProbes(args.probes.split(','), { rwe: args.rwe, cifar10: args.cifar10, shippedSets: args['shipped-set']?.split(';').filter((x) => x !== '') });

// Fixed sampling seeds: the samples must not move when estimator seeds change.
function samples(space: BenchSpace): Split {
  if (space === 'nb201') return split(loadNb201(dir), size, 201);
  // NB301 has 200 architectures: halves of 100 (or `size` each in quick mode).
  return split(loadNb301(dir), Math.min(size, 100), 301);
}

async function measureAll(space: BenchSpace, probe: Probe, archs: readonly Architecture[], seed: number) {
  const out = [];
  let done = 0;
  for (const arch of archs) {
    let m = cache.get(probe.name, space, seed, arch.genome);
    if (!m) {
      try {
        const r = await probe.measure(space, arch, seed);
        m = { probe: probe.name, space, seed, genome: arch.genome, ...r };
      } catch (err) {
        m = { probe: probe.name, space, seed, genome: arch.genome, error: (err as Error).message };
        console.error(`  ${probe.name} ${space} seed ${seed}: ${arch.genome}: ${m.error}`);
      }
      cache.put(m);
    }
    out.push({ arch, m });
    done++;
    if (probe.seeded && done % 20 === 0) process.stderr.write(`  ${probe.name} ${space} seed ${seed}: ${done}/${archs.length}\n`);
  }
  return out;
}

for (const space of spaces) {
  const split = samples(space);
  const series: Series[] = [];
  const bySample = new Map<string, Map<string, Map<number, { score: number[]; acc: number[]; seconds: number }>>>();
  for (const probe of probes.filter((p) => p.spaces.includes(space))) {
    for (const seed of probe.seeded ? seeds : [seeds[0]]) {
      for (const sample of wantedSamples) {
        const archs = args.limit ? split[sample].slice(0, Number(args.limit)) : split[sample];
        const results = await measureAll(space, probe, archs, seed);
        const names = new Set(results.flatMap((r) => Object.keys(r.m.scores ?? {})));
        for (const name of names) {
          const raw = results.map((r) => r.m.scores?.[name] ?? NaN);
          const seconds = results.map((r) => r.m.seconds?.[name]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
          series.push({
            estimator: name,
            sample,
            seed,
            scores: failuresLast(raw),
            accuracy: results.map((r) => r.arch.accuracy),
            secondsPerArch: seconds.length ? seconds.reduce((a, b) => a + b, 0) / seconds.length : NaN,
            failed: raw.filter((v) => !Number.isFinite(v)).length,
          });
          // Keep full vectors (NaN for failures) aligned by architecture for combinations.
          const aligned = raw;
          const s = bySample.get(sample) ?? new Map();
          const e = s.get(name) ?? new Map();
          e.set(seed, { score: aligned, acc: results.map((r) => r.arch.accuracy), seconds: series[series.length - 1].secondsPerArch });
          s.set(name, e);
          bySample.set(sample, s);
        }
      }
    }
  }
  series.push(...combinations(space, bySample), ...shippedCombination(bySample));
  // `log params` / `log flops` rank exactly as params / FLOPs; they exist for the combinations.
  const rows = summarise(series.filter((s) => s.estimator !== 'log params' && s.estimator !== 'log flops'), Number(args.resamples));
  const order = [...new Set(series.map((s) => s.estimator))];
  rows.sort((a, b) => order.indexOf(a.estimator) - order.indexOf(b.estimator) || (a.sample === 'tune' ? -1 : 1));
  console.log(`\n## ${space === 'nb201' ? 'NAS-Bench-201 (CIFAR-10, 200-epoch test accuracy)' : 'NAS-Bench-301 (DARTS, validation accuracy)'}: ${args.limit ? `first ${args.limit} of ` : ''}${split.tune.length} + ${split.confirm.length} architectures, seeds ${seeds.join(', ')}\n`);
  console.log(markdownTable(rows));
}
for (const p of probes) await p.close?.();

/**
 * A failed evaluation (e.g. NASWOT's singular kernel on a degenerate cell) ranks below every
 * success, all failures tied: in a search a Failed trial never survives, so dropping it from
 * the statistics would flatter the estimator.
 */
function failuresLast(scores: readonly number[]): number[] {
  const finite = scores.filter(Number.isFinite);
  const floor = finite.length ? Math.min(...finite) - 1 : 0;
  return scores.map((v) => (Number.isFinite(v) ? v : floor));
}

/**
 * Combination estimators: a linear mix of two z-scored scores whose constants and weight are
 * fitted on `tune` (all seeds) and applied unchanged to `confirm`; and, for reference, the
 * population mean rank (not usable per trial).
 */
function combinations(space: BenchSpace, bySample: Map<string, Map<string, Map<number, { score: number[]; acc: number[]; seconds: number }>>>): Series[] {
  const out: Series[] = [];
  const tune = bySample.get('tune');
  for (const [a, b] of COMBINATIONS) {
    const runsOf = (sample: string) => {
      const s = bySample.get(sample);
      const ea = s?.get(a);
      const eb = s?.get(b);
      if (!ea || !eb) return [];
      return seeds.flatMap((seed) => {
        const ra = ea.get(seed) ?? ea.get(seeds[0]);
        const rb = eb.get(seed) ?? eb.get(seeds[0]);
        if (!ra || !rb) return [];
        const keep = ra.score.map((v, i) => Number.isFinite(v) && Number.isFinite(rb.score[i]));
        const f = (xs: number[]) => xs.filter((_, i) => keep[i]);
        // Both scores come from passes already paid for; count the dearer (they may share one).
        const paid = [ra.seconds, rb.seconds].filter(Number.isFinite);
        const seconds = paid.length ? Math.max(...paid) : NaN;
        return [{ seed, a: ra.score, b: rb.score, fitA: f(ra.score), fitB: f(rb.score), fitAccuracy: f(ra.acc), accuracy: ra.acc, failed: keep.filter((k) => !k).length, seconds }];
      });
    };
    if (!tune) continue;
    const tuneRuns = runsOf('tune');
    if (tuneRuns.length === 0) continue;
    const fit = fitCombination(tuneRuns.map((r) => ({ a: r.fitA, b: r.fitB, accuracy: r.fitAccuracy })));
    const label = `${a} + ${fit.weight}·${b}`;
    console.error(
      `${space}: ${label}: z-constants ${a} mean ${fit.a.mean.toPrecision(6)} sd ${fit.a.sd.toPrecision(6)}, ${b} mean ${fit.b.mean.toPrecision(6)} sd ${fit.b.sd.toPrecision(6)}; tune τ ${fit.tuneTau.toFixed(3)}`,
    );
    for (const sample of wantedSamples) {
      for (const r of runsOf(sample)) {
        const common = { sample, seed: r.seed, accuracy: r.accuracy, secondsPerArch: r.seconds, failed: r.failed };
        out.push({ ...common, estimator: label, scores: failuresLast(r.a.map((v, i) => combineScore(fit, v, r.b[i]))) });
        out.push({ ...common, estimator: `meanrank(${a}, ${b})`, scores: failuresLast(meanRank(failuresLast(r.a), failuresLast(r.b))) });
      }
    }
  }
  return out;
}

/**
 * The evaluator's own `rwe+naswot` (evaluator/estimators/random-weight.ts): (1 − w)·rweError + w·naswotError,
 * naswotError = 100·exp(−score / (10·N)). Its weight w is fitted on tune (grid 0.5…0.9) and
 * shown beside the shipped default, so the default can be set from these numbers.
 */
function shippedCombination(bySample: Map<string, Map<string, Map<number, { score: number[]; acc: number[]; seconds: number }>>>): Series[] {
  const n = parseRweSettings(args.rwe).naswotBatch;
  const rweName = 'rwe all@1 softmax';
  const runsOf = (sample: string) => {
    const s = bySample.get(sample);
    const r = s?.get(rweName);
    const q = s?.get('naswot');
    if (!r || !q) return [];
    return [...r.keys()].filter((seed) => q.has(seed)).map((seed) => ({ seed, rwe: r.get(seed)!, nas: q.get(seed)! }));
  };
  const errorOf = (rwe: number, score: number, w: number) =>
    Number.isFinite(rwe) && Number.isFinite(score) ? combineErrors(-rwe, naswotError(score, n), w) : NaN;
  const tune = runsOf('tune');
  if (tune.length === 0) return [];
  const grid = [0.5, 0.6, 0.7, 0.8, 0.9];
  const tauOf = (w: number) =>
    tune.reduce((sum, r) => sum + kendallTau(failuresLast(r.rwe.score.map((v, i) => -errorOf(v, r.nas.score[i], w))), r.rwe.acc), 0) / tune.length;
  const best = grid.reduce((a, w) => (tauOf(w) > tauOf(a) + 1e-9 ? w : a), grid[0]);
  const out: Series[] = [];
  for (const w of [...new Set([RWE_OPTIONAL_DEFAULTS.naswotWeight, best])]) {
    for (const sample of wantedSamples) {
      for (const r of runsOf(sample)) {
        out.push({
          estimator: `rwe+naswot as shipped (naswotWeight ${w}${w === best ? ', fitted' : ', default'}; ${rweName})`,
          sample,
          seed: r.seed,
          scores: failuresLast(r.rwe.score.map((v, i) => -errorOf(v, r.nas.score[i], w))),
          accuracy: r.rwe.acc,
          secondsPerArch: Math.max(r.rwe.seconds, r.nas.seconds),
          failed: r.rwe.score.filter((v, i) => !Number.isFinite(v) || !Number.isFinite(r.nas.score[i])).length,
        });
      }
    }
  }
  return out;
}
