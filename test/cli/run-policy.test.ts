// What `rwenas run` decides about a run, through bin/rwenas: degenerate cells are results, not
// failures; a run that fails or is interrupted still leaves its front, summary and plot, marked
// incomplete; --resume names the changed field and allows more generations; summary.generations
// is the last generation run; an unmet constraint is a warning; earlier results need --force.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { cifar10Dir, needsCifar } from '../evaluator/cifar-dir.js';
import { ROOT, rwenas, rwenasAsync, tempDir, until } from './helpers.js';

const EXAMPLE = 'examples/nb201-table.yaml';
const read = (dir: string, name: string) => readFileSync(join(dir, name), 'utf8');
const json = (dir: string, name: string) => JSON.parse(read(dir, name));
const run = (out: string, extra: string[] = []) => rwenas(['run', EXAMPLE, '--out', out, '--log-format', 'json', ...extra]);
const ALL_NONE = '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|';

test('a degenerate cell (singular NASWOT kernel) is Succeeded with the worst error and never spends the failure budget', needsCifar(), () => {
  const out = tempDir();
  // naswot+params: the NASWOT kernel of the all-none cell is singular (zero-cost's terms give it 100 anyway).
  const r = rwenas(['run', 'examples/nb201-default.yaml', '--out', out, '--log-format', 'json', '--workers', '1', '--set', `spec.evaluation.dataset.path=${cifar10Dir()}`, '--set', 'spec.evaluation.method=naswot+params',
    '--set', 'spec.algorithm.populationSize=4', '--set', 'spec.algorithm.generations=0', '--set', `spec.algorithm.initialGenomes=["${ALL_NONE}"]`, '--set', 'spec.execution.maxFailedTrials=0']);
  assert.equal(r.status, 0, r.stderr);
  const trials = read(out, 'trials.jsonl').trim().split('\n').map((l) => JSON.parse(l));
  const degenerate = trials.find((t) => t.genome === ALL_NONE);
  assert.equal(degenerate.status, 'Succeeded');
  assert.equal(degenerate.objectives.error, 100);
  assert.match(degenerate.reason, /degenerate network, recorded with the worst error \(100%\): NASWOT kernel is singular/);
  assert.ok(trials.filter((t) => t !== degenerate).every((t) => t.objectives.error < 100));
  assert.equal(json(out, 'summary.json').failed, 0);
});

function halfTable(): string {
  const rows = gunzipSync(readFileSync(join(ROOT, 'data/nb201-cifar10.csv.gz'))).toString('utf8').split(/\r?\n/);
  const file = join(tempDir(), 'half.csv');
  writeFileSync(file, rows.filter((_, i) => i === 0 || i % 2 === 1).join('\n'));
  return file;
}

test('a run over the failure budget exits 1 and still writes front, summary and plot, marked incomplete', () => {
  const out = tempDir();
  const r = run(out, ['--set', `spec.evaluation.table.path=${halfTable()}`, '--set', 'spec.execution.maxFailedTrials=3']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /trials failed, more than spec\.execution\.maxFailedTrials \(3\)/);
  const summary = json(out, 'summary.json');
  assert.equal(summary.done, false);
  assert.match(summary.incomplete, /trials failed, more than spec\.execution\.maxFailedTrials \(3\)/);
  assert.equal(summary.generations, 0);
  assert.equal(summary.evaluations, 20);
  assert.ok(json(out, 'front.json').length >= 1);
  assert.match(read(out, 'pareto.svg'), /\(incomplete\)/);
});

test('an interrupted run writes front, summary and plot marked incomplete, and says how to resume', async () => {
  const out = tempDir();
  let pid = 0;
  // 4,000 generations (within the schema's bounds) run far longer than it takes to interrupt.
  let exited = false;
  const running = rwenasAsync(['run', EXAMPLE, '--out', out, '--log-format', 'json', '--set', 'spec.algorithm.generations=4000'], { onStart: (p) => (pid = p) });
  void running.then(() => (exited = true));
  await until(() => existsSync(join(out, 'state.json')) || exited, 60_000, 'state.json');
  if (exited) assert.fail(`the run ended before it could be interrupted: ${(await running).stderr}`);
  process.kill(pid, 'SIGINT');
  const r = await running;
  assert.equal(r.status, 130, r.stderr);
  assert.match(r.stderr, /^interrupted by SIGINT in generation \d+: generations 0-\d+ \(\d+ trials\) completed; results so far in .*marked incomplete\)\.$/m);
  const summary = json(out, 'summary.json');
  assert.match(summary.incomplete, /^interrupted by SIGINT/);
  assert.equal(summary.done, false);
  assert.equal(summary.generations, json(out, 'state.json').generation - 1);
  assert.ok(existsSync(join(out, 'front.json')) && existsSync(join(out, 'pareto.svg')));
});

test('summary.generations is the last generation run: --stop-after 2 ran generations 0 and 1', () => {
  const out = tempDir();
  assert.equal(run(out, ['--stop-after', '2']).status, 0);
  const summary = json(out, 'summary.json');
  assert.equal(summary.generations, 1);
  assert.equal(summary.evaluations, 40);
});

test('--resume: a changed field is named with both values; raising generations continues to the uninterrupted result', () => {
  const out = tempDir();
  assert.equal(run(out, ['--set', 'spec.algorithm.generations=5', '--stop-after', '2']).status, 0);
  const changed = run(out, ['--resume', '--set', 'spec.algorithm.generations=5', '--set', 'spec.algorithm.mutationRate=0.3', '--set', 'spec.objectives=[error, params]']);
  assert.equal(changed.status, 2);
  assert.match(changed.stderr, /^ {2}spec\.algorithm\.mutationRate: the state was made with 0\.2, the manifest now gives 0\.3$/m);
  assert.match(changed.stderr, /^ {2}spec\.objectives: the state was made with \["error","flops"\], the manifest now gives \["error","params"\]$/m);
  const lowered = run(out, ['--resume', '--set', 'spec.algorithm.generations=4']);
  assert.equal(lowered.status, 2);
  assert.match(lowered.stderr, /spec\.algorithm\.generations: the state was made with 5, the manifest now gives 4/);
  const raised = run(out, ['--resume', '--set', 'spec.algorithm.generations=8']);
  assert.equal(raised.status, 0, raised.stderr);
  assert.match(raised.stderr, /"from":5,.*"message":"resuming with more generations".*"to":8/);
  const whole = tempDir();
  assert.equal(run(whole, ['--set', 'spec.algorithm.generations=8']).status, 0);
  assert.equal(read(out, 'front.json'), read(whole, 'front.json'));
  assert.equal(json(out, 'summary.json').generations, 8);
});

test('a constraint no trial meets is a warning on the terminal and in the summary, with the closest trial', () => {
  const out = tempDir();
  const r = run(out, ['--set', 'spec.constraints.maxParams=1000', '--set', 'spec.algorithm.generations=2']);
  assert.equal(r.status, 0, r.stderr);
  const line = /no trial met spec\.constraints\.maxParams \(1000\): the closest, \|[^ ]+\| \(trial [0-9a-f]{16}\), has params \d+/;
  assert.match(r.stderr, /"level":"warn","message":"infeasible constraint"/);
  assert.match(r.stderr, line);
  const summary = json(out, 'summary.json');
  assert.equal(summary.frontSize, 0);
  assert.match(summary.warnings[0], line);
});

test('re-running into an --out with results is refused (naming --resume and --force); --force replaces them', () => {
  const out = tempDir();
  assert.equal(run(out, ['--set', 'spec.algorithm.generations=1']).status, 0);
  const before = read(out, 'trials.jsonl');
  const again = run(out, ['--set', 'spec.algorithm.generations=1', '--set', 'spec.algorithm.seed=5']);
  assert.equal(again.status, 2);
  assert.match(again.stderr, new RegExp(`^--out ${out} holds the results of an earlier run: continue it with --resume, or replace them with --force$`, 'm'));
  assert.equal(read(out, 'trials.jsonl'), before, 'nothing was replaced');
  const forced = run(out, ['--set', 'spec.algorithm.generations=1', '--set', 'spec.algorithm.seed=5', '--force']);
  assert.equal(forced.status, 0, forced.stderr);
  assert.notEqual(read(out, 'trials.jsonl'), before);
  assert.equal(json(out, 'summary.json').seed, 5);
});
