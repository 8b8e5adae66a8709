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
  assert.equal(m.spec.evaluation.method, 'zero-cost');
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
    'spec.algorithm.populationSize: must be an even integer between 4 and 1000, got -3',
    'spec.algorithm.crossoverProbability: must be a number between 0 and 1, got 1.5',
    'spec.execution.trialsPerJob: must be an integer between 1 and 16, got 17',
  ]);
});

test('odd population, missing space, bad kind and metadata are reported', () => {
  const text = base('  algorithm: {populationSize: 7}\n').replace('kind: NASExperiment', 'kind: Experiment').replace('    name: nb201\n', '    final: {channels: 8}\n');
  assert.deepEqual(problems(text), [
    'kind: must be NASExperiment, got "Experiment"',
    'spec.searchSpace.name: required (must be one of nb201, darts, mobilenetv3)',
    'spec.algorithm.populationSize: must be an even integer between 4 and 1000, got 7',
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
    'spec.evaluation.rwe.pooledSize: must be an integer between 1 and 32, got 0',
    'spec.evaluation.rwe.learningRate: must be a number > 0, got 0',
    'spec.evaluation.rwe.classifierBatchSize: must be an integer between 1 and 50000, got 2.5',
    'spec.evaluation.rwe.naswotBatch: must be an integer between 2 and 4096, got 1',
    'spec.evaluation.rwe.naswotWeight: must be a number between 0 and 1, got 1.5',
  ]);
  assert.deepEqual(problems(base('  evaluation:\n    method: naswot\n    rwe: {trainSamples: 50}\n')), [
    'spec.evaluation.rwe.naswotBatch: naswotBatch must not exceed trainSamples (the NASWOT batch is taken from the train subset)',
  ]);
  assert.deepEqual(problems(base('  evaluation:\n    method: naswot\n    rwe: {trainSamples: 50, naswotBatch: 50}\n')), []);
  // A bad trainSamples is reported once, not again by the rules that read it.
  assert.deepEqual(problems(base('  evaluation:\n    rwe: {trainSamples: 5}\n')), ['spec.evaluation.rwe.trainSamples: must be an integer between 10 and 50000, got 5']);
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

// Issue 10 item 5: every size field is bounded, so no manifest asks for unbounded work.
test('size fields have upper bounds; total evaluations are bounded', () => {
  assert.deepEqual(problems(base('  algorithm: {populationSize: 200000}\n')), ['spec.algorithm.populationSize: must be an even integer between 4 and 1000, got 200000']);
  assert.deepEqual(problems(base('  algorithm: {populationSize: 1000, generations: 100}\n')), [
    'spec.algorithm.generations: populationSize + offspringSize x generations must be at most 100000 evaluations (one NASTrial each)',
  ]);
  assert.deepEqual(problems(base('  algorithm: {populationSize: 1000, offspringSize: 10, generations: 9900}\n')), []);
  assert.deepEqual(problems(base('  execution: {parallelism: 100000, backoffLimit: 1000}\n')), [
    'spec.execution.parallelism: must be an integer between 1 and 1000, got 100000',
    'spec.execution.backoffLimit: must be an integer between 0 and 20, got 1000',
  ]);
  assert.deepEqual(problems(base('  proxy: {channels: 100000}\n').replace('    name: nb201\n', '    name: nb201\n  ')), [
    'spec.searchSpace.proxy.channels: must be an integer between 1 and 1024, got 100000',
  ]);
});

// Issue 10 item 4: a 20 KB genome string is refused by length, before any parser sees it.
test('a genome longer than 4096 characters is refused by maxLength, and not parsed', () => {
  const hostile = `{"normal":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
  const text = base(`  algorithm:\n    initialGenomes: ['${hostile}']\n`);
  let parsed = 0;
  try {
    loadManifest(text, 'm.yaml', { checkGenome: () => void parsed++ });
    assert.fail('accepted');
  } catch (err) {
    assert.ok(err instanceof ManifestError);
    assert.equal(err.problems.length, 1);
    assert.match(err.problems[0], /^spec\.algorithm\.initialGenomes\[0\]: must be a string of at most 4096 characters, got "\{\\"normal\\":\[\[\[+\.\.\.$/);
  }
  assert.equal(parsed, 0);
});

// Issue 13 item 4: what `run` refuses at start-up, validate refuses first, naming the field.
test('size fields a space does not use, and proxy overrides under naswot+params or zero-cost (the default), are refused', () => {
  const space = (name: string, rest: string) => base(rest).replace('    name: nb201\n', `    name: ${name}\n`);
  assert.deepEqual(problems(space('mobilenetv3', '  evaluation: {method: naswot}\n').replace('  searchSpace:\n', '  searchSpace:\n    final: {channels: 32}\n')), [
    'spec.searchSpace.final.channels: channels does not apply to mobilenetv3 (only its default 16 is accepted); remove it',
  ]);
  assert.deepEqual(problems(space('nb201', '').replace('  searchSpace:\n', '  searchSpace:\n    final: {widthMultiplier: 2}\n')), [
    'spec.searchSpace.final.widthMultiplier: widthMultiplier does not apply to nb201 (only its default 1 is accepted); remove it',
  ]);
  // The default value itself is accepted, as the space's builder accepts it.
  assert.deepEqual(problems(space('nb201', '').replace('  searchSpace:\n', '  searchSpace:\n    final: {widthMultiplier: 1}\n')), []);
  assert.deepEqual(problems(space('darts', '').replace('  searchSpace:\n', '  searchSpace:\n    proxy: {channels: 8}\n')), [
    'spec.searchSpace.proxy.channels: zero-cost measures the network it was calibrated on (docs/fidelity.md); remove the override or use naswot',
  ]);
  assert.deepEqual(problems(space('darts', '  evaluation: {method: naswot+params}\n').replace('  searchSpace:\n', '  searchSpace:\n    proxy: {channels: 8}\n')), [
    "spec.searchSpace.proxy.channels: naswot+params is calibrated on the space's default proxy (nb201 16, darts 16, mobilenetv3 16); remove the override or use naswot",
  ]);
  assert.deepEqual(problems(space('darts', '  evaluation: {method: naswot}\n').replace('  searchSpace:\n', '  searchSpace:\n    proxy: {channels: 8}\n')), []);
  assert.deepEqual(problems(space('nb201', '  evaluation: {method: zero-cost, engine: tfjs}\n')), [
    'spec.evaluation.engine: zero-cost runs its forward proxies on ONNX Runtime, where it was calibrated; use auto or onnx',
  ]);
  assert.deepEqual(problems(space('nb201', '  evaluation: {method: naswot+params, rwe: {trainSamples: 100}}\n')), [
    'spec.evaluation.rwe.trainSamples: naswot+params needs trainSamples at least its calibrated NASWOT batch (nb201 128, darts 64, mobilenetv3 64)',
  ]);
});
