// The local worker pool as `rwenas run` meets it: a worker that throws, runs out of heap or
// hangs fails only its genome; a worker that cannot be restarted does not stall the run; and
// SIGINT / SIGTERM stop it cleanly. The faults are real, injected by RWENAS_TEST_FAULT
// (evaluator/local/faults.ts) on a genome placed in the initial population.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cifar10Dir, needsCifar } from '../evaluator/cifar-dir.js';
import { rwenas, rwenasAsync, tempDir, until } from './helpers.js';

const G = '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|';
const small = () => ['--set', `spec.evaluation.dataset.path=${cifar10Dir()}`, '--set', 'spec.algorithm.populationSize=4', '--set', `spec.algorithm.initialGenomes=["${G}"]`,
  '--set', 'spec.evaluation.method=naswot', '--set', 'spec.evaluation.rwe.trainSamples=200', '--set', 'spec.evaluation.rwe.validationSamples=100', '--log-format', 'json'];
const trials = (out: string) => readFileSync(join(out, 'trials.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

function runWithFault(fault: string, extra: string[], env: NodeJS.ProcessEnv = {}) {
  const out = tempDir();
  const r = rwenas(['run', 'examples/nb201-default.yaml', '--out', out, ...small(), '--set', 'spec.algorithm.generations=1', '--workers', '2', ...extra], {
    env: { RWENAS_TEST_FAULT: fault, ...env },
    timeoutMs: 180_000,
  });
  return { r, out };
}

function assertOnlyGFailed(out: string, reason: RegExp) {
  const all = trials(out);
  assert.equal(all.length, 8);
  const g = all.filter((t) => t.genome === G);
  assert.equal(g.length, 1);
  assert.equal(g[0].status, 'Failed');
  assert.match(g[0].reason, reason);
  assert.ok(all.filter((t) => t.genome !== G).every((t) => t.status === 'Succeeded'), 'the other genomes were evaluated');
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.equal(summary.done, true);
}

test('an uncaught exception in a worker fails only its genome (tried twice), and the run goes on', needsCifar(), () => {
  const { r, out } = runWithFault(`throw:${G}`, []);
  assert.equal(r.status, 0, r.stderr);
  assertOnlyGFailed(out, /evaluator worker crashed twice on this genome: injected uncaught exception/);
});

test('a worker that exhausts its heap fails only its genome, and the run goes on', needsCifar(), () => {
  const { r, out } = runWithFault(`oom:${G}`, [], { RWENAS_WORKER_HEAP_MB: '256' });
  assert.equal(r.status, 0, r.stderr);
  assertOnlyGFailed(out, /crashed twice on this genome: .*out of memory/i);
});

test('a hung genome fails after --genome-timeout; a worker that cannot restart leaves a smaller pool, not a stalled run', needsCifar(), () => {
  // Worker starts 0 and 1 succeed; every later start (the replacement) fails.
  const { r, out } = runWithFault(`hang:${G},nostart:2`, ['--genome-timeout', '5']);
  assert.equal(r.status, 0, `${r.signal ?? ''} ${r.stderr}`);
  assertOnlyGFailed(out, /evaluation timed out after 5 s/);
});

test('when no worker is left, the run fails with the reason instead of waiting for ever', needsCifar(), () => {
  const { r } = runWithFault(`throw:${G},nostart:2`, []);
  assert.equal(r.status, 1, `${r.signal ?? ''} ${r.stderr}`);
  assert.match(r.stderr, /no evaluator worker left: a crashed worker could not be restarted: injected start-up failure/);
});

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  test(`${signal} on a worker-pool run: workers stop cleanly, nothing false is recorded, exit ${code} saying where the results are; --resume finishes`, needsCifar(), async () => {
    const out = tempDir();
    const args = ['run', 'examples/nb201-default.yaml', '--out', out, ...small(), '--set', 'spec.algorithm.generations=3', '--workers', '2'];
    let pid = 0;
    const running = rwenasAsync(args, { onStart: (p) => (pid = p), timeoutMs: 180_000 });
    // Interrupt in the middle of generation 1: after its first trial arrived.
    await until(() => existsSync(join(out, 'state.json')) && trials(out).some((t) => t.generation === 1), 120_000, 'a trial of generation 1');
    process.kill(pid, signal);
    const r = await running;
    assert.equal(r.status, code, `${r.signal ?? ''} ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /terminate called|Napi::Error/);
    assert.match(r.stderr, new RegExp(`interrupted by ${signal} in generation 1: .* in ${out}`));
    assert.match(r.stderr, new RegExp(`Continue with: rwenas run examples/nb201-default.yaml --out ${out} .*--resume`));
    assert.ok(trials(out).every((t) => t.status === 'Succeeded'), 'no false Failed line');
    const resumed = rwenas([...args, '--resume'], { timeoutMs: 180_000 });
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.equal(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).done, true);
  });
}
