// `rwenas validate` and `rwenas complexity` through the built CLI.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DATA, needData, rwenas, tempDir } from './helpers.js';

function manifest(spec: string, head = 'apiVersion: rwenas.dev/v1alpha1\nkind: NASExperiment\nmetadata:\n  name: t\n'): string {
  const file = join(tempDir(), 'm.yaml');
  writeFileSync(file, `${head}spec:\n${spec}`);
  return file;
}

test('validate accepts the example and prints FILE: valid', () => {
  const r = rwenas(['validate', 'examples/nb201-table.yaml']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'examples/nb201-table.yaml: valid\n');
});

const BAD: [string, string, RegExp[]][] = [
  ['population and unknown field', '  searchSpace: {name: nb201}\n  algorithm:\n    populationSize: -3\n    popsize: 10\n', [
    /^spec\.algorithm\.populationSize: must be an even integer between 4 and 1000, got -3$/m,
    /^spec\.algorithm\.popsize: unknown field/m,
  ]],
  ['objectives', '  searchSpace: {name: nb201}\n  objectives: [error, error]\n', [/^spec\.objectives: must name 2 or 3 distinct objectives$/m]],
  ['one objective', '  searchSpace: {name: nb201}\n  objectives: [error]\n', [/^spec\.objectives: must have 2 to 3 items, got 1$/m]],
  ['trialsPerJob and enum', '  searchSpace: {name: nb201}\n  execution: {trialsPerJob: 0}\n  evaluation: {method: magic}\n', [
    /^spec\.execution\.trialsPerJob: must be an integer between 1 and 16, got 0$/m,
    /^spec\.evaluation\.method: must be one of zero-cost, rwe, naswot, rwe\+naswot, naswot\+params, table, got "magic"$/m,
  ]],
  ['missing space', '  algorithm: {seed: 1}\n', [/^spec\.searchSpace: required/m]],
  ['bad initial genome', '  searchSpace: {name: nb201}\n  algorithm: {initialGenomes: ["|nor_conv_3x3~0|+|bad~0|none~1|+|none~0|none~1|none~2|"]}\n', [
    /^spec\.algorithm\.initialGenomes\[0\]: nb201 genome: at position \d+: expected /m,
  ]],
];

for (const [name, spec, expected] of BAD) {
  test(`validate rejects a bad manifest (${name}) with exit 2 and one line per problem`, () => {
    const r = rwenas(['validate', manifest(spec)]);
    assert.equal(r.status, 2, r.stdout + r.stderr);
    for (const re of expected) assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, expected.length, r.stderr);
  });
}

test('validate names the file and position of a YAML syntax error, and a wrong kind', () => {
  const r = rwenas(['validate', manifest('  searchSpace: {name: nb201\n  x: 1\n')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /m\.yaml:\d+:\d+: YAML syntax error: /);
  const k = rwenas(['validate', manifest('  searchSpace: {name: nb201}\n', 'apiVersion: v1\nkind: Pod\nmetadata: {name: t}\n')]);
  assert.equal(k.status, 2);
  assert.equal(k.stderr, 'apiVersion: must be rwenas.dev/v1alpha1, got "v1"\nkind: must be NASExperiment, got "Pod"\n');
  const missing = rwenas(['validate', '/nonexistent.yaml']);
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr, '/nonexistent.yaml: cannot read: no such file\n');
});

test('complexity prints params and FLOPs of the final network, as NAS-Bench-201 reports them', (t) => {
  const reference = join(DATA, 'nasbench201/nb201-complexity.csv');
  const skip = needData(reference);
  if (skip) return t.skip(skip);
  const rows = readFileSync(reference, 'utf8').trim().split('\n').slice(1, 4);
  for (const row of rows) {
    const [arch, flopsM, paramsM] = row.split(',');
    const r = rwenas(['complexity', '--space', 'nb201', '--genome', arch]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^\{"params": \d+, "flops": \d+\}\n$/);
    const { params, flops } = JSON.parse(r.stdout);
    assert.ok(Math.abs(params / 1e6 / Number(paramsM) - 1) < 0.005, `${arch}: params ${params} vs ${paramsM}M`);
    assert.ok(Math.abs(flops / 1e6 / Number(flopsM) - 1) < 0.005, `${arch}: flops ${flops} vs ${flopsM}M`);
  }
});

test('complexity follows --set spec.searchSpace.final overrides and rejects bad input', () => {
  const genome = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|';
  const base = JSON.parse(rwenas(['complexity', '--space', 'nb201', '--genome', genome]).stdout);
  const wide = JSON.parse(rwenas(['complexity', '--space', 'nb201', '--genome', genome, '--set', 'spec.searchSpace.final.channels=32']).stdout);
  // Doubling every width roughly quadruples the convolutions' weights and multiply-accumulates.
  assert.ok(wide.params > 3.5 * base.params && wide.params < 4.1 * base.params, `${wide.params} vs ${base.params}`);
  assert.ok(wide.flops > 3.5 * base.flops && wide.flops < 4.1 * base.flops);
  const bad = rwenas(['complexity', '--space', 'nb201', '--genome', 'nonsense']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^--genome: nb201 genome: at position 0: expected/);
  const set = rwenas(['complexity', '--space', 'nb201', '--genome', genome, '--set', 'spec.searchSpace.final.channels=-1']);
  assert.equal(set.status, 2);
  assert.equal(set.stderr, 'spec.searchSpace.final.channels: must be an integer between 1 and 1024, got -1\n');
});
