// naswot+params (evaluator/estimators/calibration.ts): NASWOT and ln(params) combined with per-space
// constants, on real CIFAR-10.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CALIBRATIONS, calibrationFor, combinedError, combinedScore } from '../../evaluator/estimators/calibration.js';
import { Evaluator, type TrialReport } from '../../evaluator/evaluate.js';
import { loadManifest, resolveManifest } from '../../search/experiment/load.js';
import type { ExperimentSpec } from '../../search/experiment/spec.js';
import { Rng } from '../../search/random.js';
import { spaceByName } from '../../search/spaces/index.js';
import { cifar10Dir, needsCifar } from './cifar-dir.js';

// Three 3x3 convolutions on every path: a strong NB201 cell (~93.8% trained accuracy).
const GOOD = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';
// Degenerate cells: no learnable op in the cell (pooling only, or identity only).
const ALL_POOL = '|avg_pool_3x3~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|avg_pool_3x3~0|avg_pool_3x3~1|avg_pool_3x3~2|';
const ALL_SKIP = '|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|';
const MIXED = '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|';

function spec(over: Record<string, unknown> = {}, space = 'nb201', seed = 3): ExperimentSpec {
  return resolveManifest({
    apiVersion: 'rwenas.dev/v1alpha1',
    kind: 'NASExperiment',
    metadata: { name: 'naswot-params-test' },
    spec: {
      searchSpace: { name: space, ...over },
      algorithm: { seed },
      evaluation: { method: 'naswot+params', engine: 'onnx', threads: 1, dataset: { path: cifar10Dir() ?? '/nonexistent' }, rwe: { trainSamples: 200, validationSamples: 100 } },
    },
  }).spec;
}

async function evaluate(genomes: string[], seed = 3): Promise<TrialReport[]> {
  const ev = await Evaluator.create(spec({}, 'nb201', seed));
  try {
    const reports = [];
    for (const genome of genomes) reports.push(await ev.evaluate({ trial: genome, genome }));
    return reports;
  } finally {
    await ev.close();
  }
}

const stat = (r: TrialReport, k: string) => (r.stats as Record<string, number | string>)[k];

test('the schema and validator accept method naswot+params', () => {
  const m = loadManifest('apiVersion: rwenas.dev/v1alpha1\nkind: NASExperiment\nmetadata: {name: x}\nspec:\n  searchSpace: {name: nb201}\n  evaluation: {method: naswot+params}\n', 'm.yaml');
  assert.equal(m.spec.evaluation.method, 'naswot+params');
});

test('the error is a strictly decreasing transform of the combined score', () => {
  const scores = [-30, -5, -2.5, -1, -0.01, 0, 0.01, 1, 2.5, 5, 30];
  const errors = scores.map(combinedError);
  for (let i = 1; i < errors.length; i++) assert.ok(errors[i] < errors[i - 1], `error(${scores[i]}) = ${errors[i]} not below error(${scores[i - 1]}) = ${errors[i - 1]}`);
  assert.equal(combinedError(0), 50);
  assert.ok(errors.every((e) => e > 0 && e < 100));
  assert.ok(combinedError(-1000) <= 100 && combinedError(1000) >= 0, 'bounded even where exp overflows');
  // The calibration sample's means score 0; the combination is z(naswot) + w·z(ln params).
  const cal = CALIBRATIONS.nb201!;
  assert.ok(Math.abs(combinedScore(cal, cal.naswot.mean, Math.exp(cal.logParams.mean))) < 1e-12);
  const c = combinedScore(cal, cal.naswot.mean + cal.naswot.sd, Math.exp(cal.logParams.mean + 2 * cal.logParams.sd));
  assert.ok(Math.abs(c - (1 + 2 * cal.weight)) < 1e-9, String(c));
  assert.throws(() => combinedScore(cal, -Infinity, 1000), /not finite/);
});

test('calibration: refused for an uncalibrated space, another proxy size or too few train images', () => {
  const nb201 = spaceByName('nb201');
  assert.equal(calibrationFor(spec(), nb201).naswotBatch, 128);
  // The manifest refuses the override first (naming the field); the calibration still refuses
  // a spec that reached it some other way.
  assert.throws(() => spec({ proxy: { channels: 32 } }), /spec\.searchSpace\.proxy\.channels: naswot\+params is calibrated on the space's default proxy/);
  const wider = { ...spec(), searchSpace: { ...spec().searchSpace, proxy: { channels: 32 } } };
  assert.throws(() => calibrationFor(wider, nb201), /^Error: spec\.searchSpace\.proxy\.channels: naswot\+params on nb201 is calibrated for a proxy with channels 16, got 32/);
  const few = { ...spec(), evaluation: { ...spec().evaluation, rwe: { ...spec().evaluation.rwe, trainSamples: 100 } } };
  assert.throws(() => calibrationFor(few, nb201), /spec\.evaluation\.rwe\.trainSamples: naswot\+params on nb201 needs at least 128 images/);
  for (const name of ['nb201', 'darts', 'mobilenetv3'] as const) {
    const cal = CALIBRATIONS[name];
    if (!cal) {
      assert.throws(() => calibrationFor(spec({}, name), spaceByName(name)), /has no calibration for search space/);
      continue;
    }
    // Every record names its source and the proxy it was fitted on, which is the space's default.
    assert.match(cal.source, /docs\/(fidelity|evaluator)\.md/);
    for (const [k, v] of Object.entries(cal.proxy)) assert.equal(spaceByName(name).defaults.proxy[k as 'channels'], v, `${name} proxy ${k}`);
    assert.ok(cal.naswot.sd > 0 && cal.logParams.sd > 0 && cal.weight >= 0);
  }
});

test('naswot+params on real CIFAR-10: identical twice, calibrated batch, error = transform of the combined score', needsCifar(), async () => {
  const [a] = await evaluate([MIXED]);
  const [b] = await evaluate([MIXED]);
  assert.equal(a.status, 'Succeeded', a.reason);
  assert.deepEqual(a.objectives, b.objectives);
  assert.equal(stat(a, 'naswotScore'), stat(b, 'naswotScore'));
  assert.equal(stat(a, 'combinedScore'), stat(b, 'combinedScore'));
  assert.equal(stat(a, 'estimator'), 'naswot+params');
  // The spec's rwe.naswotBatch (default 64) gives way to the calibrated batch.
  assert.equal(stat(a, 'naswotBatch'), 128);
  assert.equal(stat(a, 'images'), 128);
  const cal = CALIBRATIONS.nb201!;
  const c = combinedScore(cal, stat(a, 'naswotScore') as number, a.objectives.params!);
  assert.equal(stat(a, 'combinedScore'), c);
  assert.equal(a.objectives.error, combinedError(c));
});

test('naswot+params ranks a strong NB201 cell ahead of degenerate ones, on two seeds', needsCifar(), async () => {
  for (const seed of [3, 7]) {
    const reports = await evaluate([GOOD, ALL_POOL, ALL_SKIP, MIXED], seed);
    for (const r of reports) assert.equal(r.status, 'Succeeded', r.reason);
    const [good, pool, skip, mixed] = reports;
    for (const bad of [pool, skip]) {
      assert.ok((stat(good, 'combinedScore') as number) > (stat(bad, 'combinedScore') as number) + 1, `seed ${seed}: ${bad.genome}`);
      assert.ok(good.objectives.error! < bad.objectives.error!);
    }
    // Across the batch, sorting by combined score and by error give opposite orders.
    const byScore = [...reports].sort((x, y) => (stat(y, 'combinedScore') as number) - (stat(x, 'combinedScore') as number));
    for (let i = 1; i < byScore.length; i++) assert.ok(byScore[i].objectives.error! > byScore[i - 1].objectives.error!);
    assert.ok(mixed.objectives.error! > good.objectives.error!, 'fewer convolutions than the all-conv cell');
  }
});

test('darts and mobilenetv3: NASWOT alone (weight 0), on the scale of their constants', needsCifar(), async () => {
  for (const name of ['darts', 'mobilenetv3'] as const) {
    const cal = CALIBRATIONS[name]!;
    const space = spaceByName(name);
    const ev = await Evaluator.create(spec({}, name));
    const genome = space.serialize(space.sample(Rng.seeded(5)));
    const r = await ev.evaluate({ trial: genome, genome });
    await ev.close();
    assert.equal(r.status, 'Succeeded', r.reason);
    assert.equal(stat(r, 'images'), cal.naswotBatch);
    assert.equal(stat(r, 'combinedScore'), (stat(r, 'naswotScore') as number - cal.naswot.mean) / cal.naswot.sd);
    // A random genome lands within a few sd of the fitting sample's mean, so its error is not saturated.
    assert.ok(Math.abs(stat(r, 'combinedScore') as number) < 5, `${name}: combined ${stat(r, 'combinedScore')}`);
  }
});
