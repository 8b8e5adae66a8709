// `rwenas run` on examples/nb201-table.yaml, end to end through the built CLI.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cifar10Dir, needsCifar } from '../evaluator/cifar-dir.js';
import { needData, ROOT, rwenas, TABLE, tempDir } from './helpers.js';

const skip = needData(TABLE);
const EXAMPLE = 'examples/nb201-table.yaml';
const table = `spec.evaluation.table.path=${TABLE}`;

interface FrontMember {
  trial: string;
  genome: string;
  objectives: Record<string, number>;
}

function runExample(extra: string[] = []): string {
  const out = tempDir();
  const r = rwenas(['run', EXAMPLE, '--out', out, '--set', table, '--log-format', 'json', ...extra]);
  assert.equal(r.status, 0, r.stderr);
  return out;
}

const read = (dir: string, name: string) => readFileSync(join(dir, name), 'utf8');
const dominates = (a: number[], b: number[]) => a.every((v, i) => v <= b[i]) && a.some((v, i) => v < b[i]);

test('run on nb201-table writes a mutually non-dominated front, the trials, a summary and a plot', { skip }, () => {
  const out = runExample();
  const summary = JSON.parse(read(out, 'summary.json'));
  const front: FrontMember[] = JSON.parse(read(out, 'front.json'));
  const trials = read(out, 'trials.jsonl').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(summary.objectives, ['error', 'flops']);
  assert.equal(summary.seed, 1);
  assert.equal(summary.generations, 20);
  assert.equal(summary.done, true);
  assert.equal(summary.evaluations, trials.length);
  assert.ok(summary.hypervolume > 0);
  assert.deepEqual(Object.keys(summary.referencePoint), ['error', 'flops']);
  assert.ok(front.some((f) => f.trial === summary.knee.trial));
  assert.equal(new Set(trials.map((t) => t.trial)).size, trials.length, 'a genome evaluated twice');
  for (const t of trials) {
    assert.deepEqual(Object.keys(t).slice(0, 6), ['trial', 'genome', 'generation', 'objectives', 'status', 'durationMs']);
    assert.equal(t.status, 'Succeeded');
  }
  assert.ok(front.length >= 2);
  const vectors = front.map((f) => [f.objectives.error, f.objectives.flops]);
  for (const a of vectors) for (const b of vectors) assert.ok(!dominates(a, b), `${a} dominates ${b}`);
  // Nothing evaluated dominates a front member, and the front is sorted by the first objective.
  for (const t of trials) for (const v of vectors) assert.ok(!dominates([t.objectives.error, t.objectives.flops], v));
  assert.deepEqual([...vectors].sort((a, b) => a[0] - b[0]), vectors);
  const svg = read(out, 'pareto.svg');
  assert.match(svg, /^<svg/);
  assert.match(svg, /error \(%\)/);
  assert.match(svg, /FLOPs \(multiply-accumulates\)/);
});

test('the same seed gives a byte-identical front.json, another seed a different one', { skip }, () => {
  const a = read(runExample(['--set', 'spec.algorithm.generations=5']), 'front.json');
  const b = read(runExample(['--set', 'spec.algorithm.generations=5']), 'front.json');
  const c = read(runExample(['--set', 'spec.algorithm.generations=5', '--set', 'spec.algorithm.seed=2']), 'front.json');
  assert.equal(a, b);
  assert.notEqual(a, c);
});

test('an interrupted run resumed with --resume ends with the identical front', { skip }, () => {
  const whole = runExample(['--set', 'spec.algorithm.generations=8']);
  const parts = runExample(['--set', 'spec.algorithm.generations=8', '--stop-after', '3']);
  const stopped = JSON.parse(read(parts, 'summary.json'));
  assert.equal(stopped.done, false);
  // --stop-after 3 ran generations 0, 1 and 2.
  assert.equal(stopped.generations, 2);
  // An interruption mid-generation leaves trials of an unfinished generation and a cut line.
  appendFileSync(join(parts, 'trials.jsonl'), '{"trial":"0000000000000000","genome":"|none~0|+|none~0|none~1|+|none~0|none~1|none~2|","generation":3}\n{"trial":"12');
  const r = rwenas(['run', 'examples/nb201-table.yaml', '--out', parts, '--set', table, '--set', 'spec.algorithm.generations=8', '--resume', '--log-format', 'json']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(read(parts, 'front.json'), read(whole, 'front.json'));
  const lines = (d: string) => read(d, 'trials.jsonl').trim().split('\n').map((l) => JSON.parse(l).trial).sort();
  assert.deepEqual(lines(parts), lines(whole));
  // Resuming under different settings is refused, naming the state file.
  const bad = rwenas(['run', EXAMPLE, '--out', parts, '--set', table, '--set', 'spec.algorithm.generations=8', '--set', 'spec.algorithm.seed=9', '--resume']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /state\.json: cannot resume: the manifest changed settings of the search:\n {2}spec\.algorithm\.seed: the state was made with 1, the manifest now gives 9\n/);
});

test('a missing table file fails the run with exit 1, naming the field', { skip }, () => {
  const out = tempDir();
  const r = rwenas(['run', EXAMPLE, '--out', out, '--set', 'spec.evaluation.table.path=/nonexistent/t.csv', '--log-format', 'json']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /spec\.evaluation\.table\.path: cannot read \/nonexistent\/t\.csv: no such file/);
  assert.ok(!existsSync(join(out, 'front.json')));
});

test('rwe through the worker pool: the same front and trials with 1 and 2 workers', needsCifar(), () => {
  const small = ['--set', `spec.evaluation.dataset.path=${cifar10Dir()}`, '--set', 'spec.algorithm.populationSize=4', '--set', 'spec.algorithm.generations=1',
    '--set', 'spec.evaluation.rwe.trainSamples=200', '--set', 'spec.evaluation.rwe.validationSamples=100', '--set', 'spec.evaluation.rwe.batchSize=100'];
  const outs = [1, 2].map((workers) => {
    const out = tempDir();
    const r = rwenas(['run', 'examples/nb201-rwe.yaml', '--out', out, '--workers', String(workers), '--log-format', 'json', ...small]);
    assert.equal(r.status, 0, r.stderr);
    return out;
  });
  assert.equal(read(outs[0], 'front.json'), read(outs[1], 'front.json'));
  const trials = (d: string) => read(d, 'trials.jsonl').trim().split('\n').map((l) => { const { durationMs: _d, ...t } = JSON.parse(l); return t; }).sort((a, b) => (a.trial < b.trial ? -1 : 1));
  const one = trials(outs[0]);
  assert.equal(one.length, 8);
  assert.ok(one.every((t) => t.status === 'Succeeded' && t.objectives.error >= 0 && t.objectives.error <= 100));
  assert.deepEqual(trials(outs[1]), one);
});

test('SIGINT stops a run with exit 130 and state.json; --resume then ends as an uninterrupted run', { skip }, async () => {
  const gens = ['--set', 'spec.algorithm.generations=60'];
  const out = tempDir();
  const child = spawn(join(ROOT, 'bin/rwenas'), ['run', EXAMPLE, '--out', out, '--set', table, '--log-format', 'json', ...gens], { cwd: ROOT, stdio: 'ignore' });
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  while (!existsSync(join(out, 'state.json'))) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGINT');
  assert.equal(await exited, 130);
  const stopped = JSON.parse(read(out, 'state.json'));
  assert.ok(stopped.generation < 60 && !stopped.done, `interrupted at generation ${stopped.generation}`);
  const r = rwenas(['run', EXAMPLE, '--out', out, '--set', table, '--log-format', 'json', '--resume', ...gens]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(read(out, 'front.json'), read(runExample(gens), 'front.json'));
});
