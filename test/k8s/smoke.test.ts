// Smoke suite of the test control plane: real API server schema validation, the Job
// controller, the scheduler's GPU accounting and the garbage collector, with pods run by the
// process kubelet.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apply, createNamespace, deleteNamespace, getJson, k8sSkip, kubectl, kubectlOk, podLog, waitFor } from './cluster.js';

const root = new URL('../../', import.meta.url).pathname;

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = any;

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.smoke.rwenas.dev' },
  spec: {
    group: 'smoke.rwenas.dev',
    names: { kind: 'Widget', plural: 'widgets', singular: 'widget' },
    scope: 'Namespaced',
    versions: [{
      name: 'v1', served: true, storage: true, subresources: { status: {} },
      schema: { openAPIV3Schema: { type: 'object', properties: {
        spec: { type: 'object', required: ['size'], properties: { size: { type: 'integer', minimum: 1 }, colour: { type: 'string', default: 'blue' } } },
        status: { type: 'object', properties: { seen: { type: 'boolean' } } },
      } } },
    }],
  },
};

function job(name: string, ns: string, script: string, extra: Obj = {}): Obj {
  return {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: ns },
    spec: {
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: 5,
          containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', script], ...extra }],
        },
      },
    },
  };
}

const podsOf = async (ns: string, jobName: string): Promise<Obj[]> => (await getJson(['pods', '-n', ns, '-l', `job-name=${jobName}`])).items;

describe('test control plane', { skip: k8sSkip }, () => {
  let ns = '';
  before(async () => {
    ns = await createNamespace('smoke');
  });
  after(async () => {
    if (ns) await deleteNamespace(ns);
  });

  test('the API server is ready and a node advertises nvidia.com/gpu', async () => {
    assert.equal(await kubectlOk(['get', '--raw', '/readyz']), 'ok');
    const nodes = (await getJson(['nodes'])).items as Obj[];
    assert.ok(nodes.length >= 1);
    for (const n of nodes) {
      assert.ok(Number(n.status.allocatable['nvidia.com/gpu']) >= 1, `${n.metadata.name} has no GPUs`);
      assert.equal(n.status.conditions.find((c: Obj) => c.type === 'Ready').status, 'True');
    }
  });

  test('a CRD is applied, validated and read back with kubectl', async () => {
    await apply(crd);
    await waitFor('the CRD to be Established', async () =>
      (await getJson(['crd', crd.metadata.name])).status?.conditions?.some((c: Obj) => c.type === 'Established' && c.status === 'True'));
    await apply({ apiVersion: 'smoke.rwenas.dev/v1', kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 3 } }, ns);
    const w = await getJson(['widget', 'w1', '-n', ns]);
    assert.deepEqual(w.spec, { size: 3, colour: 'blue' }, 'structural defaulting applied by the API server');
    const bad = await kubectl(['apply', '-n', ns, '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'smoke.rwenas.dev/v1', kind: 'Widget', metadata: { name: 'w2' }, spec: { size: 0 } }),
    });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /spec\.size.*greater than or equal to 1/);
    // The status subresource: a write to /status changes status only.
    await kubectlOk(['patch', 'widget', 'w1', '-n', ns, '--subresource=status', '--type=merge', '-p', '{"status":{"seen":true},"spec":{"size":9}}']);
    const after = await getJson(['widget', 'w1', '-n', ns]);
    assert.deepEqual([after.status, after.spec.size], [{ seen: true }, 3]);
  });

  test('a GPU Job runs to Complete and its termination message reaches the pod status', async () => {
    await apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'greeting' }, data: { word: 'hello' } }, ns);
    await apply(job('gpu', ns, 'echo "$POD_NAME says $WORD" > /dev/termination-log; echo "evaluated on GPU $NVIDIA_VISIBLE_DEVICES"', {
      resources: { limits: { 'nvidia.com/gpu': 1 } },
      env: [
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'WORD', valueFrom: { configMapKeyRef: { name: 'greeting', key: 'word' } } },
      ],
    }));
    await waitFor('Job gpu to complete', async () => {
      const j = await getJson(['job', 'gpu', '-n', ns]);
      if (j.status?.conditions?.some((c: Obj) => c.type === 'Failed' && c.status === 'True')) throw new Error('Job gpu failed');
      return j.status?.conditions?.some((c: Obj) => c.type === 'Complete' && c.status === 'True');
    }, { timeoutMs: 90_000 });
    const [pod] = await podsOf(ns, 'gpu');
    assert.equal(pod.status.phase, 'Succeeded');
    const t = pod.status.containerStatuses[0].state.terminated;
    assert.deepEqual([t.exitCode, t.reason, t.message], [0, 'Completed', `${pod.metadata.name} says hello\n`]);
    // The device plugin's part: the container is told which of the node's GPUs it holds.
    assert.match(podLog(ns, pod.metadata.name, 'main'), /^evaluated on GPU [0-3]\n$/);
    const events = await getJson(['events', '-n', ns, '--field-selector', `involvedObject.name=${pod.metadata.name},reason=Started`]);
    assert.equal(events.items[0]?.source?.component, 'kubelet', 'the kubelet records a Started event');
  });

  test('a pod requesting more GPUs than any node has stays Pending (FailedScheduling)', async () => {
    await apply({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'greedy' },
      spec: { containers: [{ name: 'main', image: 'busybox', command: ['true'], resources: { limits: { 'nvidia.com/gpu': 1000 } } }] },
    }, ns);
    const cond = await waitFor('the scheduler to reject greedy', async () =>
      (await getJson(['pod', 'greedy', '-n', ns])).status?.conditions?.find((c: Obj) => c.type === 'PodScheduled' && c.status === 'False'));
    assert.equal(cond.reason, 'Unschedulable');
    assert.match(cond.message, /Insufficient nvidia\.com\/gpu/);
    const events = await getJson(['events', '-n', ns, '--field-selector', 'involvedObject.name=greedy,reason=FailedScheduling']);
    assert.ok(events.items.length >= 1);
    const pod = await getJson(['pod', 'greedy', '-n', ns]);
    assert.deepEqual([pod.status.phase, pod.spec.nodeName], ['Pending', undefined]);
  });

  test('deleting a Job (propagation Background) removes its running pods through the garbage collector', async () => {
    await apply(job('long', ns, 'trap "echo got SIGTERM; exit 0" TERM; while true; do sleep 0.2; done'));
    const pod = await waitFor('the pod of Job long to run', async () =>
      (await podsOf(ns, 'long')).find((p) => p.status?.containerStatuses?.[0]?.state?.running));
    const pid = Number(pod.status.containerStatuses[0].containerID.replace('process://', ''));
    assert.doesNotThrow(() => process.kill(pid, 0), 'the pod runs as a local process');
    await kubectlOk(['delete', 'job', 'long', '-n', ns, '--cascade=background']);
    await waitFor('the garbage collector to remove the pods of Job long', async () => (await podsOf(ns, 'long')).length === 0, { timeoutMs: 60_000 });
    assert.throws(() => process.kill(pid, 0), 'the process is gone');
    assert.match(podLog(ns, pod.metadata.name, 'main'), /got SIGTERM/, 'terminated gracefully');
  });

  test('the process kubelet mounts volumes, resolves env and workingDir, and reports failures with their logs', async () => {
    const host = mkdtempSync(join(tmpdir(), 'rwenas-smoke-'));
    try {
      await apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'token' }, stringData: { value: 's3cret' } }, ns);
      await apply({
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'kubelet-check' },
        spec: {
          restartPolicy: 'Never',
          volumes: [{ name: 'out', hostPath: { path: host, type: 'Directory' } }, { name: 'scratch', emptyDir: {} }],
          containers: [{
            name: 'main', image: 'ghcr.io/example/rwenas-evaluator:dev', workingDir: '/mnt/smoke-scratch',
            command: ['sh', '-c', 'echo "$(pwd) $TOKEN $NS" > /mnt/smoke-out/report; command -v rwenas >> /mnt/smoke-out/report; echo boom; exit 3'],
            terminationMessagePolicy: 'FallbackToLogsOnError',
            env: [
              { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'token', key: 'value' } } },
              { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
            ],
            volumeMounts: [{ name: 'out', mountPath: '/mnt/smoke-out' }, { name: 'scratch', mountPath: '/mnt/smoke-scratch' }],
          }],
        },
      }, ns);
      const pod = await waitFor('kubelet-check to fail', async () => {
        const p = await getJson(['pod', 'kubelet-check', '-n', ns]);
        return p.status.phase === 'Failed' && p;
      });
      const t = pod.status.containerStatuses[0].state.terminated;
      assert.deepEqual([t.exitCode, t.reason, t.message], [3, 'Error', 'boom']);
      assert.equal(readFileSync(join(host, 'report'), 'utf8'), `/mnt/smoke-scratch s3cret ${ns}\n${join(root, 'bin', 'rwenas')}\n`);
    } finally {
      await kubectl(['delete', 'pod', 'kubelet-check', '-n', ns, '--ignore-not-found']);
      rmSync(host, { recursive: true, force: true });
    }
  });
});
