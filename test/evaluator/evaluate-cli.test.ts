// `rwenas evaluate` as users and evaluator pods run it (the built CLI, real CIFAR-10).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeBatchResult } from '../../evaluator/protocol.js';
import { cifar10Dir, needsCifar } from './cifar-dir.js';

const root = new URL('../..', import.meta.url).pathname;
const CELL = '|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|skip_connect~0|nor_conv_3x3~1|avg_pool_3x3~2|';

function rwenas(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [join(root, 'dist/cli/main.js'), ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
}

const manifest = () => ({
  apiVersion: 'rwenas.dev/v1alpha1',
  kind: 'NASExperiment',
  metadata: { name: 'pod-test' },
  spec: {
    searchSpace: { name: 'nb201' },
    evaluation: { method: 'naswot', engine: 'onnx', dataset: { path: cifar10Dir() }, rwe: { trainSamples: 100, validationSamples: 50 } },
  },
});

test('pod form: spec and batch from the environment, compact result in the termination log', needsCifar(), () => {
  const dir = mkdtempSync(join(tmpdir(), 'rwenas-pod-'));
  try {
    const log = join(dir, 'termination-log');
    const batch = { trials: [{ name: 'pod-test-aaaa', genome: CELL }, { name: 'pod-test-bbbb', genome: '|bogus|' }] };
    const run = rwenas(['evaluate', '--termination-log', log], { RWENAS_SPEC: JSON.stringify(manifest()), RWENAS_BATCH: JSON.stringify(batch) });
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => [l.name, l.status]), [['pod-test-aaaa', 'Succeeded'], ['pod-test-bbbb', 'Failed']]);
    assert.equal(lines[0].genome, CELL);
    assert.equal(lines[0].stats.estimator, 'naswot');
    const result = decodeBatchResult(readFileSync(log, 'utf8'));
    assert.equal(result.engine, 'onnx/cpu');
    assert.deepEqual(result.trials.map((t) => t.name), ['pod-test-aaaa', 'pod-test-bbbb']);
    assert.equal(result.trials[0].objectives.error, Math.round(lines[0].objectives.error * 1e4) / 1e4);
    assert.match(result.trials[1].reason!, /nb201 genome/);
    // The same batch from a file and the manifest from --spec-json give the same results.
    const file = join(dir, 'batch.json');
    writeFileSync(file, JSON.stringify(batch));
    const again = rwenas(['evaluate', '--spec-json', JSON.stringify(manifest()), '--batch-file', file]);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(again.stdout.trim().split('\n').map((l) => JSON.parse(l).objectives), lines.map((l) => l.objectives));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const CELL2 = '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|';
const CELL3 = '|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|nor_conv_3x3~2|';

test('pod form: a process killed mid-batch (the OOM killer) leaves what it finished and the trial it died on; a hung genome fails alone', needsCifar(), () => {
  const dir = mkdtempSync(join(tmpdir(), 'rwenas-pod-'));
  try {
    const log = join(dir, 'termination-log');
    const batch = JSON.stringify({ trials: [{ name: 't-a', genome: CELL }, { name: 't-b', genome: CELL2 }, { name: 't-c', genome: CELL3 }] });
    const env = { RWENAS_SPEC: JSON.stringify(manifest()), RWENAS_BATCH: batch };
    const killed = rwenas(['evaluate', '--termination-log', log], { ...env, RWENAS_TEST_FAULT: `kill:${CELL2}` });
    assert.equal(killed.signal, 'SIGKILL', killed.stderr);
    const partial = decodeBatchResult(readFileSync(log, 'utf8'));
    assert.deepEqual([partial.running, partial.trials.map((t) => [t.name, t.status])], ['t-b', [['t-a', 'Succeeded']]]);
    // A genome past --genome-timeout fails; its worker is replaced and the batch goes on.
    const hung = rwenas(['evaluate', '--termination-log', log, '--genome-timeout', '20'], { ...env, RWENAS_TEST_FAULT: `hang:${CELL2}` });
    assert.equal(hung.status, 0, hung.stderr);
    const done = decodeBatchResult(readFileSync(log, 'utf8'));
    assert.equal(done.running, undefined, 'a finished batch names no running trial');
    assert.deepEqual(done.trials.map((t) => [t.name, t.status]), [['t-a', 'Succeeded'], ['t-b', 'Failed'], ['t-c', 'Succeeded']]);
    assert.match(done.trials[1].reason!, /timed out after 20 s/);
    assert.equal(done.trials[0].objectives.error, partial.trials[0].objectives.error, 'the same result in both runs');
    const bad = rwenas(['evaluate', '--termination-log', log, '--genome-timeout', '0'], env);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--genome-timeout: expected a number of seconds > 0, got "0"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('invalid input exits 2 naming the problem; a missing data set exits 1', () => {
  const noSpec = rwenas(['evaluate', '--genome', CELL], { RWENAS_SPEC: '' });
  assert.equal(noSpec.status, 2);
  assert.match(noSpec.stderr, /no manifest: give -f FILE, --spec-json JSON or the RWENAS_SPEC/);
  const badEngine = rwenas(['evaluate', '--spec-json', JSON.stringify(manifest()), '--genome', CELL, '--engine', 'gpu']);
  assert.equal(badEngine.status, 2);
  assert.match(badEngine.stderr, /--engine: expected onnx, tfjs or auto/);
  const badBatch = rwenas(['evaluate', '--spec-json', JSON.stringify(manifest())], { RWENAS_BATCH: '{"trials":[{"genome":"x"}]}' });
  assert.equal(badBatch.status, 2);
  assert.match(badBatch.stderr, /RWENAS_BATCH: trials\[0\]/);
  const noData = rwenas(['evaluate', '--spec-json', JSON.stringify(manifest()), '--set', 'spec.evaluation.dataset.path=/nonexistent/cifar', '--genome', CELL]);
  assert.equal(noData.status, 1);
  assert.match(noData.stderr, /\/nonexistent\/cifar: no such directory; point spec\.evaluation\.dataset\.path at/);
});

test('in a pod (rwenas evaluate) an unset dataset path is the mounted /data path: nothing is downloaded', () => {
  const m = manifest() as { spec: { evaluation: { dataset?: unknown } } };
  delete m.spec.evaluation.dataset;
  const cache = mkdtempSync(join(tmpdir(), 'rwenas-cache-'));
  const r = rwenas(['evaluate', '--spec-json', JSON.stringify(m), '--genome', CELL], { XDG_CACHE_HOME: cache, RWENAS_CIFAR10_URL: 'http://127.0.0.1:1/never' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /CIFAR-10 \/data\/cifar10\/cifar-10-batches-bin(: no such directory|\/batches\.meta\.txt: missing)/);
  assert.deepEqual(readdirSync(cache), [], 'no download into the user cache');
});
