// The cluster guide's examples: the CIFAR-10 download Job's script really downloads, verifies
// and refuses bad archives (run here with curl on a file:// URL), the GPU experiment is a valid
// NASExperiment, and the API server accepts both (server-side dry run).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { findTool, kubeconfig, kubectl, parseManifests, ROOT, unavailable } from './tools.js';

const PVC_EXAMPLE = join(ROOT, 'examples', 'cifar10-pvc.yaml');
const GPU_EXAMPLE = join(ROOT, 'examples', 'darts-rwe-gpu.yaml');
const RECORD_BYTES = 30_730_000;
const FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];

const job = parseManifests(readFileSync(PVC_EXAMPLE, 'utf8')).find((m) => m.kind === 'Job')!;
const container = job.spec.template.spec.containers[0];
const script: string = container.args[0];
const envOf = (name: string): string => container.env.find((e: { name: string }) => e.name === name).value;

describe('examples/cifar10-pvc.yaml download script', { skip: unavailable('curl, md5sum and tar', !['curl', 'md5sum', 'tar'].every((t) => findTool(t))) }, () => {
  const work = mkdtempSync(join(tmpdir(), 'rwenas-cifar-'));
  let archive = '';
  let md5 = '';

  before(() => {
    // An archive with the official layout and sizes (sparse zero files: the script checks layout
    // and size; the MD5 pins the content).
    const src = join(work, 'src', 'cifar-10-batches-bin');
    mkdirSync(src, { recursive: true });
    for (const f of FILES) { writeFileSync(join(src, f), ''); truncateSync(join(src, f), RECORD_BYTES); }
    writeFileSync(join(src, 'batches.meta.txt'), 'airplane\n');
    archive = join(work, 'cifar-10-binary.tar.gz');
    const t = spawnSync('tar', ['-czf', archive, '-C', join(work, 'src'), 'cifar-10-batches-bin']);
    assert.equal(t.status, 0, String(t.stderr));
    md5 = createHash('md5').update(readFileSync(archive)).digest('hex');
  });

  const runJob = (env: Record<string, string>) =>
    spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env }, timeout: 120_000 });

  test('the Job pins the official archive and its MD5 (the evaluator\'s own check)', () => {
    assert.match(envOf('URL'), /cifar-10-binary\.tar\.gz$/);
    const ours = readFileSync(join(ROOT, 'evaluator', 'data', 'download.ts'), 'utf8');
    assert.ok(ours.includes(envOf('MD5')), 'MD5 differs from evaluator/data/download.ts');
    assert.equal(envOf('DEST') + '/cifar-10-batches-bin', '/data/cifar10/cifar-10-batches-bin');
  });

  test('a good archive is verified and unpacked; a second run does nothing', () => {
    const dest = join(work, 'good');
    let r = runJob({ URL: `file://${archive}`, MD5: md5, DEST: dest });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /CIFAR-10 verified/);
    for (const f of FILES) assert.equal(readFileSync(join(dest, 'cifar-10-batches-bin', f)).length, RECORD_BYTES);
    assert.ok(!existsSync(join(dest, '.download')), 'temporary files removed');
    r = runJob({ URL: `file://${archive}`, MD5: md5, DEST: dest });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /already there/);
  });

  test('a wrong checksum fails and leaves no data set behind', () => {
    const dest = join(work, 'bad-md5');
    const r = runJob({ URL: `file://${archive}`, MD5: '0'.repeat(32), DEST: dest });
    assert.notEqual(r.status, 0);
    assert.match(r.stdout + r.stderr, /FAILED/);
    assert.ok(!existsSync(join(dest, 'cifar-10-batches-bin')));
  });

  test('an archive with a short file is refused, naming it', () => {
    const src = join(work, 'short', 'cifar-10-batches-bin');
    mkdirSync(src, { recursive: true });
    for (const f of FILES) { writeFileSync(join(src, f), ''); truncateSync(join(src, f), f === 'test_batch.bin' ? RECORD_BYTES - 3073 : RECORD_BYTES); }
    const bad = join(work, 'short.tar.gz');
    spawnSync('tar', ['-czf', bad, '-C', join(work, 'short'), 'cifar-10-batches-bin']);
    const sum = createHash('md5').update(readFileSync(bad)).digest('hex');
    const dest = join(work, 'short-dest');
    const r = runJob({ URL: `file://${bad}`, MD5: sum, DEST: dest });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /test_batch\.bin has 30726927 bytes/);
    assert.ok(!existsSync(join(dest, 'cifar-10-batches-bin')));
    rmSync(work, { recursive: true, force: true });
  });
});

test('examples/darts-rwe-gpu.yaml is a valid NASExperiment that mounts the PVC and asks for a GPU', () => {
  const r = spawnSync(join(ROOT, 'bin', 'rwenas'), ['validate', GPU_EXAMPLE], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const exp = parseManifests(readFileSync(GPU_EXAMPLE, 'utf8'))[0];
  const pod = exp.spec.execution.template.spec;
  assert.equal(pod.containers[0].resources.limits['nvidia.com/gpu'], 1);
  assert.equal(pod.volumes[0].persistentVolumeClaim.claimName, parseManifests(readFileSync(PVC_EXAMPLE, 'utf8'))[0].metadata.name);
  assert.equal(exp.spec.evaluation.dataset.path.startsWith(pod.containers[0].volumeMounts[0].mountPath + '/'), true);
});

describe('examples on the test control plane', { skip: unavailable('test cluster (kubectl + kubeconfig)', !findTool('kubectl') || !kubeconfig()) }, () => {
  test('the API server accepts the PVC, the Job and the experiment (server-side dry run)', () => {
    let r = kubectl(['apply', '--server-side', '--force-conflicts', '-f', join(ROOT, 'charts', 'rwenas', 'crds')]);
    assert.equal(r.status, 0, r.stderr);
    for (const f of [PVC_EXAMPLE, GPU_EXAMPLE]) {
      r = kubectl(['apply', '--dry-run=server', '-n', 'default', '-f', f]);
      assert.equal(r.status, 0, `${f}: ${r.stderr}`);
    }
  });
});
