import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadManifest, ManifestError } from '../../../search/experiment/load.js';

const base = (spec: string) => `apiVersion: rwenas.dev/v1alpha1
kind: NASExperiment
metadata:
  name: t
spec:
  searchSpace:
    name: nb201
${spec}`;

function problems(text: string, sets: string[] = []): string[] {
  try {
    loadManifest(text, 'm.yaml', { sets });
    return [];
  } catch (err) {
    assert.ok(err instanceof ManifestError, String(err));
    return [...err.problems];
  }
}

test('a minimal manifest is valid and fully defaulted', () => {
  const m = loadManifest(base(''), 'm.yaml');
  assert.equal(m.spec.algorithm.offspringSize, m.spec.algorithm.populationSize);
  assert.equal(m.spec.evaluation.method, 'naswot+params');
});

test('every problem is reported, one per line, naming the field path', () => {
  const got = problems(base(`  objectives: [error, error]
  algorithm:
    populationSize: -3
    popsize: 4
    crossoverProbability: 1.5
  execution:
    trialsPerJob: 17
`));
  assert.deepEqual(got, [
    'spec.objectives: must name 2 or 3 distinct objectives',
    'spec.algorithm.popsize: unknown field (did you mean populationSize? expected one of: name, populationSize, offspringSize, generations, crossoverProbability, mutationRate, seed, initialGenomes, referencePoint)',
    'spec.algorithm.populationSize: must be an even integer >= 4, got -3',
    'spec.algorithm.crossoverProbability: must be a number between 0 and 1, got 1.5',
    'spec.execution.trialsPerJob: must be an integer between 1 and 16, got 17',
  ]);
});

test('odd population, missing space, bad kind and metadata are reported', () => {
  const text = base('  algorithm: {populationSize: 7}\n').replace('kind: NASExperiment', 'kind: Experiment').replace('    name: nb201\n', '    final: {channels: 8}\n');
  assert.deepEqual(problems(text), [
    'kind: must be NASExperiment, got "Experiment"',
    'spec.searchSpace.name: required (must be one of nb201, darts, mobilenetv3)',
    'spec.algorithm.populationSize: must be an even integer >= 4, got 7',
  ]);
});

test('cross-field rules: reference point, table needs nb201, initial genomes fit', () => {
  assert.deepEqual(problems(base('  algorithm:\n    populationSize: 4\n    initialGenomes: [a, b, c, d, e]\n    referencePoint: {error: 100, params: 1}\n')), [
    'spec.algorithm.initialGenomes: must hold at most populationSize genomes',
    'spec.algorithm.referencePoint: must give a value for every objective and for no other',
  ]);
  assert.deepEqual(problems(base('  evaluation: {method: table}\n').replace('name: nb201', 'name: darts')), [
    'spec.evaluation.method: method table needs searchSpace.name nb201 (the table holds NAS-Bench-201 cells)',
  ]);
});

test('RWE classifier and NASWOT settings: defaults, ranges, naswotBatch within trainSamples', () => {
  const rwe = loadManifest(base(''), 'm.yaml').spec.evaluation.rwe;
  assert.deepEqual(
    [rwe.pooledSize, rwe.learningRate, rwe.classifierBatchSize, rwe.naswotBatch, rwe.naswotWeight],
    [1, 0.01, 256, 64, 0.9],
  );
  const set = loadManifest(base('  evaluation:\n    rwe: {pooledSize: 4, learningRate: 0.1, classifierBatchSize: 100, naswotBatch: 32, naswotWeight: 1}\n'), 'm.yaml');
  assert.equal(set.spec.evaluation.rwe.naswotBatch, 32);
  assert.deepEqual(problems(base('  evaluation:\n    rwe: {pooledSize: 0, learningRate: 0, classifierBatchSize: 2.5, naswotBatch: 1, naswotWeight: 1.5}\n')), [
    'spec.evaluation.rwe.pooledSize: must be an integer >= 1, got 0',
    'spec.evaluation.rwe.learningRate: must be a number > 0, got 0',
    'spec.evaluation.rwe.classifierBatchSize: must be an integer >= 1, got 2.5',
    'spec.evaluation.rwe.naswotBatch: must be an integer >= 2, got 1',
    'spec.evaluation.rwe.naswotWeight: must be a number between 0 and 1, got 1.5',
  ]);
  assert.deepEqual(problems(base('  evaluation:\n    rwe: {trainSamples: 50}\n')), [
    'spec.evaluation.rwe.naswotBatch: naswotBatch must not exceed trainSamples (the NASWOT batch is taken from the train subset)',
  ]);
  assert.deepEqual(problems(base('  evaluation:\n    rwe: {trainSamples: 50, naswotBatch: 50}\n')), []);
  // A bad trainSamples is reported once, not again by the rules that read it.
  assert.deepEqual(problems(base('  evaluation:\n    rwe: {trainSamples: 5}\n')), ['spec.evaluation.rwe.trainSamples: must be an integer >= 10, got 5']);
});

test('--set overrides any field with YAML-typed values before validation', () => {
  const m = loadManifest(base(''), 'm.yaml', { sets: ['spec.algorithm.seed=7', 'spec.objectives=[error, params, flops]', 'spec.suspend=true', 'spec.evaluation.table.path=/x/y.csv'] });
  assert.equal(m.spec.algorithm.seed, 7);
  assert.deepEqual(m.spec.objectives, ['error', 'params', 'flops']);
  assert.equal(m.spec.suspend, true);
  assert.equal(m.spec.evaluation.table.path, '/x/y.csv');
  assert.deepEqual(problems(base(''), ['spec.algorithm.seed=-1', 'spec.algorithm.sed=1', 'oops']), [
    '--set oops: expected PATH=VALUE, e.g. spec.algorithm.seed=2',
    'spec.algorithm.sed: unknown field (did you mean seed? expected one of: name, populationSize, offspringSize, generations, crossoverProbability, mutationRate, seed, initialGenomes, referencePoint)',
    'spec.algorithm.seed: must be an integer between 0 and 4294967295, got -1',
  ]);
});

test('YAML syntax errors name file, line and column', () => {
  const got = problems('apiVersion: rwenas.dev/v1alpha1\nspec:\n  a: [1, 2\n  b: 3\n');
  assert.equal(got.length >= 1, true);
  assert.match(got[0], /^m\.yaml:\d+:\d+: YAML syntax error: /);
});

test('initial genomes are checked with the space parser', () => {
  const checkGenome = (_space: string, g: string) => {
    if (g !== 'ok') throw new Error(`nb201 genome: at position 0: expected |, got ${g[0]}`);
  };
  assert.throws(() => loadManifest(base('  algorithm: {initialGenomes: [ok, bad]}\n'), 'm.yaml', { checkGenome }), (err: ManifestError) => {
    assert.deepEqual(err.problems, ['spec.algorithm.initialGenomes[1]: nb201 genome: at position 0: expected |, got b']);
    return true;
  });
});
