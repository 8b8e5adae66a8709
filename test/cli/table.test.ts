// The table method and the Evaluator entry point, on small generated tables (no shared data
// needed), and the worker-thread pool against the in-process executor.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { countComplexity } from '../../search/complexity.js';
import { resolveManifest } from '../../search/experiment/load.js';
import type { ExperimentSpec } from '../../search/experiment/spec.js';
import { Rng } from '../../search/random.js';
import { spaceByName } from '../../search/spaces/index.js';
import { Evaluator } from '../../evaluator/evaluate.js';
import { InProcessExecutor } from '../../evaluator/local/in-process.js';
import { LocalPool } from '../../evaluator/local/local-pool.js';
import { tempDir } from './helpers.js';

const nb201 = spaceByName('nb201');
const rng = Rng.seeded(7);
const genomes = [...new Set(Array.from({ length: 12 }, () => nb201.serialize(nb201.sample(rng))))];
const trials = genomes.map((genome, i) => ({ trial: `t${i}`, genome }));

function tableFile(text: string): string {
  const file = join(tempDir(), 't.csv');
  writeFileSync(file, text);
  return file;
}

function specFor(path: string): ExperimentSpec {
  return resolveManifest({
    apiVersion: 'rwenas.dev/v1alpha1',
    kind: 'NASExperiment',
    metadata: { name: 't' },
    spec: { searchSpace: { name: 'nb201' }, evaluation: { method: 'table', table: { path } } },
  }).spec;
}

// Accuracy 90 + i/10 for row i (all but the last genome, which is left out of the table).
const rows = genomes.slice(0, -1).map((g, i) => `${i},${g},${(90 + i / 10).toFixed(2)},80.00`);
const TABLE = `index,arch,test_acc_200ep,test_acc_12ep\n${rows.join('\n')}\n`;

test('table: error = 100 - test_acc_200ep; params and FLOPs from the counter; a missing genome fails alone', async () => {
  const evaluator = await Evaluator.create(specFor(tableFile(TABLE)));
  const reports = [];
  for (const t of trials) reports.push(await evaluator.evaluate(t));
  assert.deepEqual(reports.map((r) => r.trial), trials.map((t) => t.trial), 'each report carries its trial');
  reports.slice(0, -1).forEach((r, i) => {
    assert.equal(r.status, 'Succeeded', r.reason);
    assert.equal(r.objectives.error, Number((10 - i / 10).toFixed(6)));
    assert.deepEqual({ params: r.objectives.params, flops: r.objectives.flops }, countComplexity(nb201.build(nb201.parse(genomes[i]), 'final')));
  });
  const last = reports[reports.length - 1];
  assert.equal(last.status, 'Failed');
  assert.match(last.reason ?? '', /is not in the table/);
  assert.ok(last.objectives.params! > 0, 'params are reported even when the error is not');
  const bad = await evaluator.evaluate({ trial: 'bad', genome: '|nope~0|' });
  assert.equal(bad.status, 'Failed');
  assert.equal(bad.trial, 'bad');
  assert.match(bad.reason ?? '', /nb201 genome: at position/);
  await evaluator.close();
});

test('table: missing file, missing columns and bad rows are clear errors', async () => {
  await assert.rejects(Evaluator.create(specFor('/nonexistent/t.csv')), /spec\.evaluation\.table\.path: cannot read \/nonexistent\/t\.csv: no such file/);
  const noAcc = tableFile('index,arch,test_acc_12ep\n0,x,1\n');
  await assert.rejects(Evaluator.create(specFor(noAcc)), new RegExp(`${noAcc}: missing column test_acc_200ep`));
  const badAcc = tableFile(`index,arch,test_acc_200ep,test_acc_12ep\n0,${genomes[0]},abc,1\n`);
  await assert.rejects(Evaluator.create(specFor(badAcc)), new RegExp(`${badAcc}:2: test_acc_200ep must be a percentage`));
  const badArch = tableFile('index,arch,test_acc_200ep,test_acc_12ep\n0,|zzz~0|,90,1\n');
  await assert.rejects(Evaluator.create(specFor(badArch)), new RegExp(`${badArch}:2: arch: nb201 genome`));
});

test('the worker pool returns the in-process results in input order, whatever the worker count', async () => {
  const spec = specFor(tableFile(TABLE));
  const inProcess = await InProcessExecutor.create(spec);
  const strip = <T extends { durationMs: number }>(rs: T[]) => rs.map(({ durationMs: _d, ...rest }) => rest);
  const expected = strip(await inProcess.evaluate(trials));
  await inProcess.close();
  assert.deepEqual(expected.map((r) => r.trial), trials.map((t) => t.trial));
  for (const workers of [1, 3]) {
    const pool = await LocalPool.create(spec, workers);
    const arrived: number[] = [];
    const got = await pool.evaluate(trials, (r, i) => {
      assert.equal(r.trial, trials[i].trial);
      arrived.push(i);
    });
    await pool.close();
    assert.deepEqual(strip(got), expected, `${workers} workers`);
    assert.deepEqual([...arrived].sort((a, b) => a - b), genomes.map((_, i) => i));
  }
  await assert.rejects(LocalPool.create(specFor('/nonexistent/t.csv'), 1), /cannot read/);
});
