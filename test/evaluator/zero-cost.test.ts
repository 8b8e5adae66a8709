// The zero-cost estimator (evaluator/estimators/zero-cost*.ts, calibration.ts): its formula,
// the refusals of what its calibration was not fitted for, and real evaluations on CIFAR-10.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DegenerateNetworkError } from '../../evaluator/degenerate.js';
import { ZERO_COST_CALIBRATIONS } from '../../evaluator/estimators/calibration.js';
import { combinationScore, estimatedError, FEATURES, type Term } from '../../evaluator/estimators/zero-cost.js';
import { rankingScore } from '../../evaluator/estimators/zero-cost-estimator.js';
import { Evaluator, type TrialReport } from '../../evaluator/evaluate.js';
import { loadManifest, resolveManifest } from '../../search/experiment/load.js';
import type { ExperimentSpec } from '../../search/experiment/spec.js';
import { OnnxEngine } from '../../evaluator/backends/onnx/backend.js';
import { ForwardProxyProbe } from '../../evaluator/estimators/proxies/forward.js';
import { genomeHash } from '../../search/hash.js';
import { nb201 } from '../../search/spaces/nb201.js';
import { cifar10Dir, needsCifar } from './cifar-dir.js';

const GOOD = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';
const ALL_POOL = '|avg_pool_3x3~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|avg_pool_3x3~0|avg_pool_3x3~1|avg_pool_3x3~2|';
const ALL_SKIP = '|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|';

function spec(over: { searchSpace?: Record<string, unknown>; evaluation?: Record<string, unknown> } = {}, space = 'nb201', seed = 3): ExperimentSpec {
  return resolveManifest({
    apiVersion: 'rwenas.dev/v1alpha1',
    kind: 'NASExperiment',
    metadata: { name: 'zero-cost-test' },
    spec: {
      searchSpace: { name: space, ...over.searchSpace },
      algorithm: { seed },
      evaluation: { method: 'zero-cost', threads: 1, dataset: { path: cifar10Dir() ?? '/nonexistent' }, ...over.evaluation },
    },
  }).spec;
}

async function evaluate(s: ExperimentSpec, genomes: string[]): Promise<TrialReport[]> {
  const ev = await Evaluator.create(s);
  try {
    const out: TrialReport[] = [];
    for (const [i, genome] of genomes.entries()) out.push(await ev.evaluate({ trial: `t${i}`, genome }));
    return out;
  } finally {
    await ev.close();
  }
}

test('zero-cost is the default method, and the schema accepts it', () => {
  const m = loadManifest('apiVersion: rwenas.dev/v1alpha1\nkind: NASExperiment\nmetadata: {name: x}\nspec:\n  searchSpace: {name: nb201}\n', 'm.yaml');
  assert.equal(m.spec.evaluation.method, 'zero-cost');
});

test('every calibration uses known features with positive spreads, and every calibrated space with ground truth maps to an error', () => {
  for (const [space, cal] of Object.entries(ZERO_COST_CALIBRATIONS)) {
    assert.ok(cal.terms.length >= 1, space);
    for (const t of cal.terms) {
      assert.ok(FEATURES.includes(t.feature), `${space}: ${t.feature}`);
      assert.ok(t.sd > 0 && Number.isFinite(t.mean) && Number.isFinite(t.weight), `${space}: ${JSON.stringify(t)}`);
    }
    if (space !== 'mobilenetv3') assert.ok(cal.error && cal.error.beta > 0, `${space} has no error map`);
  }
  assert.equal(ZERO_COST_CALIBRATIONS.mobilenetv3?.error, undefined, 'mobilenetv3 has no ground truth: a ranking score, not an error map');
});

test('the score is the z-scored weighted sum and the error map is strictly decreasing and capped at 100', () => {
  const terms: Term[] = [
    { feature: 'swap', mean: Math.log(100), sd: 2, weight: 1 },
    { feature: 'meco', mean: 1, sd: 0.5, weight: 0.25 },
  ];
  assert.ok(Math.abs(combinationScore(terms, { swap: 100, meco: 1 })) < 1e-12);
  assert.ok(Math.abs(combinationScore(terms, { swap: 100 * Math.exp(2), meco: 2 }) - 1.5) < 1e-12);
  assert.throws(() => combinationScore(terms, { swap: 100 }), /proxy meco was not measured/);
  // An infinite term is a degenerate network (recorded with the worst error); NaN is a failure.
  assert.throws(() => combinationScore(terms, { swap: 0, meco: 1 }), (e: Error) => e instanceof DegenerateNetworkError && /proxy swap is not finite/.test(e.message));
  assert.throws(() => combinationScore(terms, { swap: 100, meco: NaN }), (e: Error) => !(e instanceof DegenerateNetworkError) && /proxy meco is not finite/.test(e.message));
  const map = ZERO_COST_CALIBRATIONS.nb201!.error!;
  const scores = [-50, -5, -1, 0, 1, 5, 50];
  const errors = scores.map((s) => estimatedError(map, s));
  for (let i = 1; i < errors.length; i++) assert.ok(errors[i] < errors[i - 1] || errors[i - 1] === 100, `error(${scores[i]}) = ${errors[i]} not below ${errors[i - 1]}`);
  assert.equal(estimatedError(map, -1000), 100);
  assert.ok(errors.every((e) => e > 0 && e <= 100));
  assert.throws(() => estimatedError({ alpha: 1, beta: 0 }, 0), /beta must be > 0/);
  assert.ok(rankingScore(1) < rankingScore(0) && rankingScore(0) === 50);
});

test('the calibration refuses what it was not fitted for, naming the field', async () => {
  // The manifest refuses a proxy override first (the CRD's rule says the same)...
  assert.throws(() => spec({ searchSpace: { proxy: { channels: 8 } } }), /spec\.searchSpace\.proxy\.channels: zero-cost measures the network it was calibrated on/);
  // nb201's zero-cost network is NB201's own depth (5 cells per stage), not the 1-cell default proxy:
  // the manifest refuses even the space's default value, since it is not what zero-cost measures.
  assert.throws(() => spec({ searchSpace: { proxy: { cells: 1 } } }), /spec\.searchSpace\.proxy\.cells: zero-cost measures the network it was calibrated on/);
  // ...and the evaluator again, for a spec built without the manifest's checks.
  const bypass = (proxy: Record<string, number>): ExperimentSpec => {
    const s = spec({ searchSpace: { proxy }, evaluation: { method: 'naswot' } });
    return { ...s, evaluation: { ...s.evaluation, method: 'zero-cost' } };
  };
  await assert.rejects(Evaluator.create(bypass({ channels: 8 })), /spec\.searchSpace\.proxy\.channels: zero-cost on nb201 is calibrated for a proxy with channels 16, got 8/);
  await assert.rejects(Evaluator.create(bypass({ inputSize: 16 })), /spec\.searchSpace\.proxy\.inputSize/);
  await assert.rejects(Evaluator.create(bypass({ cells: 1 })), /spec\.searchSpace\.proxy\.cells: zero-cost on nb201 is calibrated for a proxy with cells 5, got 1/);
  assert.throws(() => spec({ evaluation: { engine: 'tfjs' } }), /spec\.evaluation\.engine: zero-cost runs its forward proxies on ONNX Runtime/);
  const onTfjs = { ...spec(), evaluation: { ...spec().evaluation, engine: 'tfjs' as const } };
  await assert.rejects(Evaluator.create(onTfjs), /spec\.evaluation\.engine: zero-cost runs its forward proxies on ONNX Runtime/);
  await assert.rejects(Evaluator.create(spec(), { engine: 'tfjs' }), /--engine tfjs/);
});

test('zero-cost on real CIFAR-10: identical twice, an estimated error from the combined score, proxies in the stats', needsCifar(), async () => {
  const [a] = await evaluate(spec(), [GOOD]);
  const [b] = await evaluate(spec(), [GOOD]);
  assert.equal(a.status, 'Succeeded', a.reason);
  assert.deepEqual(b.objectives, a.objectives);
  const stats = a.stats as { estimator: string; errorKind: string; combinedScore: number; proxies: Record<string, number> };
  assert.equal(stats.estimator, 'zero-cost');
  assert.equal(stats.errorKind, 'estimated test error (%)');
  assert.equal(a.objectives.error, estimatedError(ZERO_COST_CALIBRATIONS.nb201!.error!, stats.combinedScore));
  for (const t of ZERO_COST_CALIBRATIONS.nb201!.terms) if (t.feature !== 'params' && t.feature !== 'flops') assert.ok(Number.isFinite(stats.proxies[t.feature]), t.feature);
  // This cell's trained error is 5.72% (NB201 test_acc_200ep 94.28): its estimate lies within
  // the documented 90th-percentile residual (8.3 points) of it.
  assert.ok(Math.abs(a.objectives.error! - 5.72) < 8.3, String(a.objectives.error));
  // The proxies are those of the calibration's network (NB201's 5 cells per stage), not of the
  // space's 1-cell default proxy.
  const engine = await OnnxEngine.create({ threads: 1 });
  const probe = ForwardProxyProbe.create({ dataset: cifar10Dir()!, seed: 3, batch: 64, engine, mecoImages: 8 });
  const genome = nb201.parse(GOOD);
  const hash = genomeHash('nb201', nb201.serialize(genome));
  const deep = await probe.measure(nb201.build(genome, 'proxy', { cells: 5 }), hash);
  const shallow = await probe.measure(nb201.build(genome, 'proxy'), hash);
  assert.equal(stats.proxies.meco8, deep.scores.meco8);
  assert.notEqual(stats.proxies.meco8, shallow.scores.meco8);
  // No nb201 term reads Zen-score, so its passes were skipped.
  assert.ok(!('zen' in stats.proxies) && Number.isFinite(deep.scores.zen));
});

test('zero-cost ranks a strong NB201 cell ahead of degenerate ones, on two seeds', needsCifar(), async () => {
  for (const seed of [1, 2]) {
    const [good, pool, skip] = await evaluate(spec({}, 'nb201', seed), [GOOD, ALL_POOL, ALL_SKIP]);
    for (const bad of [pool, skip]) {
      if (bad.status === 'Failed') continue; // a degenerate cell may fail (singular terms): it never survives a search
      assert.ok(good.objectives.error! < bad.objectives.error!, `seed ${seed}: ${good.objectives.error} vs ${bad.genome} ${bad.objectives.error}`);
    }
  }
});

test('on mobilenetv3 (no ground truth) the error is a ranking score, and says so', needsCifar(), async () => {
  const { mobilenetv3 } = await import('../../search/spaces/mobilenetv3.js');
  const { Rng } = await import('../../search/random.js');
  const genome = mobilenetv3.serialize(mobilenetv3.sample(Rng.seeded(7)));
  const [r] = await evaluate(spec({}, 'mobilenetv3'), [genome]);
  assert.equal(r.status, 'Succeeded', r.reason);
  const stats = r.stats as { errorKind: string; combinedScore: number };
  assert.equal(stats.errorKind, 'ranking score (not an error)');
  assert.equal(r.objectives.error, rankingScore(stats.combinedScore));
});

test('rwenas run on mobilenetv3 says in front.json and pareto.svg that error is a ranking score', needsCifar(), async () => {
  const { rwenas, tempDir } = await import('../cli/helpers.js');
  const { readFileSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const dir = tempDir();
  const manifest = join(dir, 'm.yaml');
  writeFileSync(
    manifest,
    `apiVersion: rwenas.dev/v1alpha1\nkind: NASExperiment\nmetadata: {name: mbv3-zc}\nspec:\n  searchSpace: {name: mobilenetv3}\n  objectives: [error, flops]\n` +
      `  algorithm: {name: nsga2, populationSize: 4, generations: 0, seed: 1}\n  evaluation: {method: zero-cost, threads: 1, dataset: {path: ${cifar10Dir()}}}\n`,
  );
  const out = join(dir, 'out');
  const r = rwenas(['run', manifest, '--out', out, '--log-format', 'json', '--workers', '1']);
  assert.equal(r.status, 0, r.stderr);
  const front = JSON.parse(readFileSync(join(out, 'front.json'), 'utf8')) as { errorKind?: string }[];
  assert.ok(front.length > 0 && front.every((f) => f.errorKind === 'ranking score (not an error)'), JSON.stringify(front));
  assert.match(readFileSync(join(out, 'pareto.svg'), 'utf8'), /error is a ranking score \(not an error\)/);
});
