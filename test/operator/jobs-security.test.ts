// Issue 10 item 1: the evaluator Job is built field by field from the allow-listed template,
// with the restricted securityContext forced, the evaluator ServiceAccount and no token. Even a
// spec that skipped validation (an old CRD, a bug) cannot carry anything else into the Job.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildJob, CONTAINER_SECURITY, evaluatorServiceAccount, POD_SECURITY, specConfigMap } from '../../operator/jobs.js';
import { resolveSpec } from '../../operator/spec.js';
import type { ExperimentSpec } from '../../search/experiment/spec.js';
import type { ExperimentObject } from '../../operator/types.js';

const exp: ExperimentObject = { metadata: { name: 'exp1', namespace: 'ns', uid: 'u-1', generation: 1 } };
const options = { image: 'default:1', serviceAccount: 'rwenas-evaluator', specConfigMap: 'exp1-spec-0123456789' };
const request = { name: 'exp1-g0-b0-a0', generation: 0, batch: 0, attempt: 0, trials: [{ name: 't1', genome: 'g1' }] };

// Every escalation of the issue, as a template that bypassed the schema.
const hostile = {
  metadata: { labels: { team: 'a' }, annotations: { note: 'x' } },
  spec: {
    hostPID: true,
    hostNetwork: true,
    hostIPC: true,
    nodeName: 'n1',
    serviceAccountName: 'admin',
    automountServiceAccountToken: true,
    initContainers: [{ name: 'init', image: 'busybox', securityContext: { privileged: true } }],
    securityContext: { runAsUser: 0, seccompProfile: { type: 'Unconfined' } },
    nodeSelector: { gpu: 'yes' },
    containers: [
      { name: 'evaluator', image: 'me/rwenas:1', command: ['sh'], envFrom: [{ secretRef: { name: 's' } }], env: [{ name: 'A', value: '1', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }], securityContext: { privileged: true, runAsUser: 0 }, volumeMounts: [{ name: 'root', mountPath: '/host' }] },
      { name: 'sidecar', image: 'busybox' },
    ],
    volumes: [{ name: 'root', hostPath: { path: '/' } }, { name: 'token', projected: { sources: [{ serviceAccountToken: { path: 't' } }] } }],
  },
};

function jobFor(template: unknown) {
  const r = resolveSpec({ searchSpace: { name: 'nb201' }, evaluation: { method: 'table' } });
  assert.ok(r.ok);
  const spec = { ...r.spec, execution: { ...r.spec.execution, template } } as unknown as ExperimentSpec;
  return buildJob(exp, spec, request, options);
}

test('nothing outside the allow-list reaches the Job, even from an unvalidated spec', () => {
  const job = jobFor(hostile);
  const pod = job.spec!.template.spec!;
  assert.deepEqual(Object.keys(pod).sort(), ['automountServiceAccountToken', 'containers', 'enableServiceLinks', 'hostIPC', 'hostNetwork', 'hostPID', 'nodeSelector', 'restartPolicy', 'securityContext', 'serviceAccountName', 'volumes'].sort());
  assert.equal(pod.hostPID, false);
  assert.equal(pod.hostNetwork, false);
  assert.equal(pod.hostIPC, false);
  assert.equal(pod.serviceAccountName, 'rwenas-evaluator');
  assert.equal(pod.automountServiceAccountToken, false);
  assert.deepEqual(pod.securityContext, POD_SECURITY);
  assert.equal(pod.containers.length, 1);
  const c = pod.containers[0];
  assert.deepEqual(c.securityContext, CONTAINER_SECURITY);
  assert.deepEqual(c.command, ['rwenas']);
  assert.equal(c.envFrom, undefined);
  assert.deepEqual(c.env!.find((e) => e.name === 'A'), { name: 'A', value: '1' });
  // Only PVC, ConfigMap and emptyDir volumes are copied: hostPath and projected tokens are not.
  assert.deepEqual(pod.volumes!.map((v) => v.name), ['rwenas-spec', 'rwenas-scratch']);
  assert.deepEqual(job.spec!.template.metadata, { labels: { team: 'a', 'rwenas.dev/experiment': 'exp1', 'rwenas.dev/generation': '0', 'rwenas.dev/batch': '0', 'rwenas.dev/attempt': '0', 'app.kubernetes.io/managed-by': 'rwenas-operator' }, annotations: { note: 'x' } });
});

test('the restricted profile: non-root, no escalation, no capabilities, RuntimeDefault seccomp, read-only root', () => {
  assert.deepEqual(POD_SECURITY, { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } });
  assert.deepEqual(CONTAINER_SECURITY, { allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
});

test('the spec reaches pods through an immutable ConfigMap named by its content; the evaluator account has no token', () => {
  const r = resolveSpec({ searchSpace: { name: 'nb201' }, algorithm: { initialGenomes: [] } });
  assert.ok(r.ok);
  const a = specConfigMap(exp, r.spec);
  const b = specConfigMap(exp, { ...r.spec, algorithm: { ...r.spec.algorithm, generations: 99 } });
  assert.match(a.metadata!.name!, /^exp1-spec-[0-9a-f]{10}$/);
  assert.notEqual(a.metadata!.name, b.metadata!.name);
  assert.equal(a.immutable, true);
  assert.equal(JSON.parse(a.data!['experiment.json']).spec.searchSpace.name, 'nb201');
  assert.deepEqual(a.metadata!.ownerReferences!.map((o) => o.uid), ['u-1']);
  // A spec far above the kernel's 128 KiB per-string limit is a file, not an env value.
  const job = jobFor({});
  assert.ok(!job.spec!.template.spec!.containers[0].env!.some((e) => e.name === 'RWENAS_SPEC'));
  assert.equal(evaluatorServiceAccount('ns', 'rwenas-evaluator').automountServiceAccountToken, false);
});
