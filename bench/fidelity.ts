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
import { fitErrorMap, fitTerms, scoresOf, type FitRun } from './lib/zc-fit.js';
import { combinationScore, estimatedError, FEATURES, type Feature, type Term } from '../evaluator/estimators/zero-cost.js';
import { regularisedSwap } from '../evaluator/estimators/proxies/swap.js';
import { ZERO_COST_CALIBRATIONS } from '../evaluator/estimators/calibration.js';
import { mkdirSync, writeFileSync } from 'node:fs';

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
    'proxy-batch': { type: 'string', default: '64' },
    'meco-images': { type: 'string', default: '8' },
    'proxy-size': { type: 'string' },
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
  [--rwe key=value,...] [--shipped-set 'PATH=VALUE;...'] [--limit N] [--proxy-batch 64] [--meco-images 8|1]
  [--proxy-size cells=N,channels=N]
--quick: 30 architectures per sample, seed 1 (smoke run); --size: architectures per NB201 sample (default 200);
--limit: only the first N of each sample (for calibration on a prefix; tables then cover N);
--rwe: settings of the rwe probe, e.g. channels=16,cells=1,train=1000,validation=500,epochs=20,features=last@1+all@1;
--proxy-size: the forward and gradient proxies' network instead of the space's proxy (its fit is written to zero-cost-<space>-<size>.json).`);
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
const mecoImages = Number(args['meco-images']);
if (mecoImages !== 1 && mecoImages !== 8) throw new Error(`--meco-images: expected 1 or 8, got ${args['meco-images']}`);
const proxySize = parseProxySize(args['proxy-size']);
const probes: Probe[] = await makeProbes(args.probes.split(','), {
  rwe: args.rwe,
  cifar10: args.cifar10,
  shippedSets: args['shipped-set']?.split(';').filter((x) => x !== ''),
  proxyBatch: intList(args['proxy-batch'], 'proxy-batch')[0],
  mecoImages,
  proxySize,
});

/** `cells=5,channels=8` → network options; only those two fields, positive integers. */
function parseProxySize(text: string | undefined): { cells?: number; channels?: number } {
  if (text === undefined) return {};
  const out: { cells?: number; channels?: number } = {};
  for (const part of text.split(',')) {
    const [key, value] = part.split('=');
    const n = Number(value);
    if ((key !== 'cells' && key !== 'channels') || !Number.isInteger(n) || n < 1) throw new Error(`--proxy-size: expected cells=N and/or channels=N (positive integers), got ${part}`);
    out[key] = n;
  }
  return out;
}

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

/** Mean seconds per architecture of the whole forward-proxy probe, by `sample|seed` (of the space being measured). */
const forwardSeconds = new Map<string, number>();

for (const space of spaces) {
  forwardSeconds.clear();
  const split = samples(space);
  const series: Series[] = [];
  const bySample = new Map<string, Map<string, Map<number, { score: number[]; acc: number[]; seconds: number }>>>();
  for (const probe of probes.filter((p) => p.spaces.includes(space))) {
    for (const seed of probe.seeded ? seeds : [seeds[0]]) {
      for (const sample of wantedSamples) {
        const archs = args.limit ? split[sample].slice(0, Number(args.limit)) : split[sample];
        const results = await measureAll(space, probe, archs, seed);
        const totals = results.map((r) => r.m.seconds?.['all forward proxies']).filter((v): v is number => typeof v === 'number');
        if (totals.length > 0) forwardSeconds.set(`${sample}|${seed}`, totals.reduce((a, b) => a + b, 0) / totals.length);
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
  series.push(...combinations(space, bySample), ...shippedCombination(bySample), ...regularisedSwapSeries(bySample), ...zeroCost(space, bySample));
  // `log params` / `log flops` rank exactly as params / FLOPs; they exist for the combinations.
  const rows = summarise(series.filter((s) => s.estimator !== 'log params' && s.estimator !== 'log flops'), Number(args.resamples));
  const order = [...new Set(series.map((s) => s.estimator))];
  rows.sort((a, b) => order.indexOf(a.estimator) - order.indexOf(b.estimator) || (a.sample === 'tune' ? -1 : 1));
  console.log(`\n## ${space === 'nb201' ? 'NAS-Bench-201 (CIFAR-10, 200-epoch test accuracy)' : 'NAS-Bench-301 (DARTS, validation accuracy)'}: ${args.limit ? `first ${args.limit} of ` : ''}${split.tune.length} + ${split.confirm.length} architectures, seeds ${seeds.join(', ')}\n`);
  console.log(markdownTable(rows));
}
for (const p of probes) await p.close?.();

type BySample = Map<string, Map<string, Map<number, { score: number[]; acc: number[]; seconds: number }>>>;

/** Per seed, the raw value of every measured feature for each architecture of a sample. */
function fitRuns(bySample: BySample, sample: string): (FitRun & { seed: number; seconds: number })[] {
  const s = bySample.get(sample);
  if (!s) return [];
  const present = FEATURES.filter((f) => s.has(f));
  if (present.length === 0) return [];
  return seeds.flatMap((seed) => {
    const cols = present.map((f) => s.get(f)!.get(seed) ?? s.get(f)!.get(seeds[0]));
    if (cols.some((c) => !c)) return [];
    const n = cols[0]!.score.length;
    const values = Array.from({ length: n }, (_, i) => Object.fromEntries(present.map((f, k) => [f, cols[k]!.score[i]])) as Partial<Record<Feature, number>>);
    // The forward proxies share their passes: the probe's whole cost, once.
    const seconds = forwardSeconds.get(`${sample}|${seed}`) ?? NaN;
    return [{ seed, values, accuracy: cols[0]!.acc, seconds }];
  });
}

/**
 * The zero-cost combination: terms fitted on tune (greedy, evaluator/estimators/zero-cost.ts's
 * formula), the error map fitted on tune, both applied unchanged to confirm; the record is
 * printed and written to out/fidelity/zero-cost-<space>.json for evaluator/estimators/calibration.ts.
 * The calibration as shipped is shown beside it.
 */
function zeroCost(space: BenchSpace, bySample: BySample): Series[] {
  const tune = fitRuns(bySample, 'tune');
  if (tune.length === 0 || !tune[0].values.some((v) => v.naswot !== undefined)) return [];
  const fit = fitTerms(tune);
  // Too few architectures (e.g. --limit 6) to z-score any feature: nothing to fit.
  if (fit.terms.length === 0) {
    console.error(`${space}: zero-cost fit: no feature has enough finite values on tune; skipped`);
    return [];
  }
  const pooled = tune.flatMap((r) => scoresOf(fit.terms, r.values).map((sc, i) => ({ sc, acc: r.accuracy[i], ok: Number.isFinite(safeScore(fit.terms, r.values[i])) })));
  const ok = pooled.filter((p) => p.ok);
  const map = fitErrorMap(ok.map((p) => p.sc), ok.map((p) => p.acc));
  const record = { terms: fit.terms.map((t) => ({ feature: t.feature, mean: round6(t.mean), sd: round6(t.sd), weight: t.weight })), error: { alpha: round6(map.alpha), beta: round6(map.beta) }, tuneTau: round6(fit.tuneTau) };
  console.error(`${space}: zero-cost fit: ${fit.steps.join('; ')}`);
  console.error(`${space}: zero-cost record: ${JSON.stringify(record)}`);
  mkdirSync(join('out', 'fidelity'), { recursive: true });
  const sized = Object.entries(proxySize).map(([k, v]) => `-${k}${v}`).join('');
  writeFileSync(join('out', 'fidelity', `zero-cost-${space}${sized}.json`), JSON.stringify(record, null, 2) + '\n');
  const out: Series[] = [];
  const label = `zero-cost fitted (${fit.terms.map((t) => `${t.weight}·${t.feature}`).join(' + ')})`;
  const shipped = ZERO_COST_CALIBRATIONS[space === 'nb201' ? 'nb201' : 'darts'];
  for (const sample of wantedSamples) {
    for (const r of fitRuns(bySample, sample)) {
      const common = { sample, seed: r.seed, accuracy: r.accuracy, secondsPerArch: r.seconds };
      const failed = (terms: readonly Term[]) => r.values.filter((v) => !Number.isFinite(safeScore(terms, v))).length;
      out.push({ ...common, estimator: label, scores: scoresOf(fit.terms, r.values), failed: failed(fit.terms) });
      reportErrorSpread(space, `${label}, error map fitted on tune`, sample, r.seed, fit.terms, { alpha: map.alpha, beta: map.beta }, r);
      if (shipped) {
        out.push({ ...common, estimator: 'zero-cost as shipped (evaluator/estimators/calibration.ts)', scores: scoresOf(shipped.terms, r.values), failed: failed(shipped.terms) });
        if (shipped.error) reportErrorSpread(space, 'zero-cost as shipped', sample, r.seed, shipped.terms, shipped.error, r);
      }
    }
  }
  return out;
}

function safeScore(terms: readonly Term[], v: Partial<Record<Feature, number>>): number {
  try {
    return combinationScore(terms, v);
  } catch {
    return NaN;
  }
}

/** Residual spread of the estimated error against the true error (100 − accuracy), on finite scores. */
function reportErrorSpread(space: string, what: string, sample: string, seed: number, terms: readonly Term[], map: { alpha: number; beta: number }, r: FitRun): void {
  const res: number[] = [];
  const logRes: number[] = [];
  r.values.forEach((v, i) => {
    const sc = safeScore(terms, v);
    if (!Number.isFinite(sc)) return;
    const est = estimatedError(map, sc);
    const truth = 100 - r.accuracy[i];
    res.push(est - truth);
    logRes.push(Math.log(est) - Math.log(truth));
  });
  const rms = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + x * x, 0) / xs.length);
  const sorted = res.map(Math.abs).sort((a, b) => a - b);
  console.error(
    `${space}: ${what}: ${sample} seed ${seed}: error residuals (estimate − truth, percentage points) RMS ${rms(res).toFixed(2)}, median |·| ${sorted[Math.floor(sorted.length / 2)].toFixed(2)}, 90th percentile |·| ${sorted[Math.floor(sorted.length * 0.9)].toFixed(2)}; log-ratio sd ${rms(logRes).toFixed(3)} (n ${res.length})`,
  );
}

/**
 * Regularised SWAP (Peng et al. 2024): swap · exp(−(P − μ)²/σ), P the final network's params in
 * thousands; μ and σ fitted on tune (μ over the tune quantiles 10..90%, σ over multiples of P's
 * variance), as the paper tunes them per space.
 */
function regularisedSwapSeries(bySample: BySample): Series[] {
  const tune = fitRuns(bySample, 'tune').filter((r) => r.values.some((v) => v.swap !== undefined && v.params !== undefined));
  if (tune.length === 0) return [];
  const paramsK = tune.flatMap((r) => r.values.map((v) => v.params! / 1000)).sort((a, b) => a - b);
  const mean = paramsK.reduce((a, b) => a + b, 0) / paramsK.length;
  const variance = paramsK.reduce((a, b) => a + (b - mean) ** 2, 0) / paramsK.length;
  const scoresFor = (r: FitRun, mu: number, sigma: number) => failuresLast(r.values.map((v) => regularisedSwap(v.swap!, v.params! / 1000, mu, sigma)));
  let best = { mu: mean, sigma: variance, tau: -Infinity };
  for (const q of [0.1, 0.25, 0.5, 0.75, 0.9, 1]) {
    const mu = paramsK[Math.min(paramsK.length - 1, Math.floor(q * paramsK.length))];
    for (const m of [0.25, 0.5, 1, 2, 4, 8]) {
      const sigma = m * variance;
      const tau = tune.reduce((a, r) => a + kendallTau(scoresFor(r, mu, sigma), r.accuracy), 0) / tune.length;
      if (tau > best.tau + 1e-9) best = { mu, sigma, tau };
    }
  }
  console.error(`regularised SWAP: mu ${best.mu.toPrecision(5)}K params, sigma ${best.sigma.toPrecision(5)} (tune τ ${best.tau.toFixed(3)})`);
  return wantedSamples.flatMap((sample) =>
    fitRuns(bySample, sample).map((r) => ({
      estimator: `swap regularised (μ ${best.mu.toPrecision(4)}K, σ ${best.sigma.toPrecision(3)}, fitted on tune)`,
      sample,
      seed: r.seed,
      scores: scoresFor(r, best.mu, best.sigma),
      accuracy: r.accuracy,
      secondsPerArch: r.seconds,
      failed: 0,
    })),
  );
}

function round6(x: number): number {
  return Number(x.toPrecision(6));
}

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
