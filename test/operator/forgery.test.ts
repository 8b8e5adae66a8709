// Issue 10 item 2: results cannot be forged with labels or annotations. A pod counts for a Job
// only if the Job is its controller (owner uid) and it runs the Job's exact evaluator; a Job's
// trials are the operator's own plan; Job coordinates come from its immutable name.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type * as k8s from '@kubernetes/client-node';
import { buildJob, isJobsPod, jobCoordinates } from '../../operator/jobs.js';
import { resolveSpec } from '../../operator/spec.js';

const r = resolveSpec({ searchSpace: { name: 'nb201' }, evaluation: { method: 'table' } });
assert.ok(r.ok);
const job = buildJob({ metadata: { name: 'exp1', namespace: 'ns', uid: 'e-1' } }, r.spec, { name: 'exp1-g0-b0-a0', generation: 0, batch: 0, attempt: 0, trials: [{ name: 'exp1-aaaa', genome: 'g' }] }, { image: 'rwenas:1', serviceAccount: 'rwenas-evaluator', specConfigMap: 'exp1-spec-x' });
job.metadata!.uid = 'job-uid-1';

// What the job controller makes: the template's spec, the Job as controller.
const realPod = (): k8s.V1Pod => ({
  metadata: { name: 'exp1-g0-b0-a0-xyz', labels: { 'batch.kubernetes.io/job-name': 'exp1-g0-b0-a0' }, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'exp1-g0-b0-a0', uid: 'job-uid-1', controller: true }] },
  spec: structuredClone(job.spec!.template.spec!),
});

test("a pod is the Job's only with the Job as controller (uid) and the Job's exact evaluator", () => {
  assert.equal(isJobsPod(realPod(), job), true);
  const bare = realPod();
  delete bare.metadata!.ownerReferences;
  assert.equal(isJobsPod(bare, job), false, 'labels alone');
  const otherUid = realPod();
  otherUid.metadata!.ownerReferences![0].uid = 'job-uid-2';
  assert.equal(isJobsPod(otherUid, job), false, 'a Job of the same name, another uid');
  const notController = realPod();
  notController.metadata!.ownerReferences![0].controller = false;
  assert.equal(isJobsPod(notController, job), false);
  // With the Job's owner reference copied, but not its evaluator:
  const changes: [string, (p: k8s.V1Pod) => void][] = [
    ['image', (p) => (p.spec!.containers[0].image = 'forger:1')],
    ['command', (p) => (p.spec!.containers[0].command = ['sh', '-c', 'echo'])],
    ['env', (p) => p.spec!.containers[0].env!.push({ name: 'NODE_OPTIONS', value: '--import=data:,evil' })],
    ['volumes', (p) => (p.spec!.volumes![0] = { name: 'rwenas-spec', configMap: { name: 'forged-spec' } })],
    ['a second container', (p) => p.spec!.containers.push({ name: 'sidecar', image: 'x' })],
  ];
  for (const [what, change] of changes) {
    const p = realPod();
    change(p);
    assert.equal(isJobsPod(p, job), false, what);
  }
});

test('Job coordinates come from the name only; other names are not the experiment\'s', () => {
  assert.deepEqual(jobCoordinates('exp1', 'exp1-g12-b3-a1'), { generation: 12, batch: 3, attempt: 1 });
  for (const name of ['exp1-g1-b0', 'exp10-g1-b0-a0', 'exp1-g01-b0-a0', 'exp1-g1-b0-a0-x', 'other-g1-b0-a0', undefined]) assert.equal(jobCoordinates('exp1', name), undefined, String(name));
});
