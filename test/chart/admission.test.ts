// Issue 10 item 1, defence in depth, on the real API server: the chart's
// ValidatingAdmissionPolicy refuses Jobs from the operator's identity that break the evaluator
// pod rules, passes the Jobs operator/jobs.ts builds, and leaves other users' Jobs alone.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apply, createNamespace, deleteNamespace, k8sSkip, kubectl, waitFor } from '../k8s/cluster.js';
import { buildJob } from '../../operator/jobs.js';
import { resolveSpec } from '../../operator/spec.js';
import { findTool, render, unavailable } from './tools.js';

const skip = k8sSkip || unavailable('helm', !findTool('helm'));
const fullname = `vap-${process.pid}`;

type Job = ReturnType<typeof buildJob>;

describe('chart admission policy on the test control plane', { skip }, () => {
  let releaseNs = '';
  let ns = '';
  let operator = '';
  let good: Job;
  const policy: object[] = [];

  before(async () => {
    releaseNs = await createNamespace('vap-operator');
    ns = await createNamespace('vap-experiments');
    const ms = render(['--set', `fullnameOverride=${fullname}`], 'vap', releaseNs);
    policy.push(...ms.filter((m) => m.kind.startsWith('ValidatingAdmissionPolicy')));
    assert.equal(policy.length, 2, 'policy and binding rendered');
    await apply(policy);
    // The operator's identity, allowed by RBAC to create Jobs in the experiments' namespace.
    operator = `system:serviceaccount:${releaseNs}:${fullname}`;
    await apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: fullname } }, releaseNs);
    await apply([
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'jobs', namespace: ns }, rules: [{ apiGroups: ['batch'], resources: ['jobs'], verbs: ['create'] }] },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'jobs', namespace: ns }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'jobs' }, subjects: [{ kind: 'ServiceAccount', name: fullname, namespace: releaseNs }] },
    ]);
    const r = resolveSpec({
      searchSpace: { name: 'nb201' },
      execution: { template: { spec: {
        containers: [{ name: 'evaluator', image: 'rwenas:test', env: [{ name: 'A', value: '1' }], volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }], resources: { limits: { 'nvidia.com/gpu': 1 } } }],
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data', readOnly: true } }],
        tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
      } } },
    });
    assert.ok(r.ok);
    const exp = { metadata: { name: 'exp', namespace: ns, uid: '00000000-0000-0000-0000-000000000001' } };
    good = buildJob(exp, r.spec, { name: 'exp-g0-b0-a0', generation: 0, batch: 0, attempt: 0, trials: [{ name: 'exp-t', genome: 'g' }] }, { image: 'rwenas:test', serviceAccount: 'rwenas-evaluator', specConfigMap: 'exp-spec-0123456789' });
    // The owner does not exist: a dry run does not need it, and the policy does not read it.
    good.metadata!.ownerReferences = [];
  });

  after(async () => {
    for (const m of policy as { kind: string; metadata: { name: string } }[]) await kubectl(['delete', m.kind, m.metadata.name, '--wait=false']);
    for (const n of [ns, releaseNs]) if (n) await deleteNamespace(n);
  });

  const create = (job: Job, as?: string) =>
    kubectl(['create', '--dry-run=server', '-o', 'name', '-n', ns, '-f', '-', ...(as ? ['--as', as] : [])], { input: JSON.stringify(job) });

  const hostile = (change: (pod: Record<string, any>, job: Job) => void): Job => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const job = structuredClone(good);
    change(job.spec!.template.spec as unknown as Record<string, any>, job); // eslint-disable-line @typescript-eslint/no-explicit-any
    return job;
  };

  const CASES: [string, Job, RegExp][] = [];
  before(() => {
    CASES.push(
      ['hostPID', hostile((p) => (p.hostPID = true)), /host's network, PID or IPC namespace/],
      ['hostNetwork', hostile((p) => (p.hostNetwork = true)), /host's network, PID or IPC namespace/],
      ['nodeName', hostile((p) => (p.nodeName = 'rwenas-node-0')), /never bound to a node by name/],
      ['another service account', hostile((p) => (p.serviceAccountName = 'default')), /run as ServiceAccount rwenas-evaluator/],
      ['a token', hostile((p) => (p.automountServiceAccountToken = true)), /automountServiceAccountToken: false/],
      ['an init container', hostile((p) => (p.initContainers = [{ name: 'x', image: 'busybox', command: ['true'] }])), /exactly one container/],
      ['a sidecar', hostile((p) => p.containers.push({ name: 'sidecar', image: 'busybox', command: ['true'] })), /exactly one container/],
      ['another command', hostile((p) => (p.containers[0].command = ['sh', '-c', 'id'])), /running rwenas/],
      ['privileged', hostile((p) => (p.containers[0].securityContext = { ...p.containers[0].securityContext, privileged: true, allowPrivilegeEscalation: true })), /the evaluator container is restricted/],
      ['an added capability', hostile((p) => (p.containers[0].securityContext.capabilities = { drop: ['ALL'], add: ['SYS_ADMIN'] })), /the evaluator container is restricted/],
      ['root', hostile((p) => (p.securityContext.runAsUser = 0)), /non-root with the RuntimeDefault seccomp profile/],
      ['seccomp Unconfined', hostile((p) => (p.securityContext.seccompProfile = { type: 'Unconfined' })), /RuntimeDefault seccomp profile/],
      ['hostPath /', hostile((p) => p.volumes.push({ name: 'root', hostPath: { path: '/' } })), /only PersistentVolumeClaim, ConfigMap and emptyDir volumes/],
      ['a projected token', hostile((p) => p.volumes.push({ name: 'tok', projected: { sources: [{ serviceAccountToken: { path: 't' } }] } })), /only PersistentVolumeClaim, ConfigMap and emptyDir/],
      ['envFrom a Secret', hostile((p) => (p.containers[0].envFrom = [{ secretRef: { name: 's' } }])), /no envFrom, no valueFrom/],
      ['a Secret key', hostile((p) => p.containers[0].env.push({ name: 'T', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } })), /no envFrom, no valueFrom/],
      ['AppArmor unconfined', hostile((_p, job) => (job.spec!.template.metadata!.annotations = { 'container.apparmor.security.beta.kubernetes.io/evaluator': 'unconfined' })), /AppArmor or seccomp profiles by annotation/],
    );
  });

  test('the Job the operator builds is admitted', async () => {
    // A policy takes effect once the API server has loaded it.
    await waitFor('the policy to refuse a hostPID Job', async () => (await create(CASES[0][1], operator)).code !== 0, { timeoutMs: 30_000 });
    const r = await create(good, operator);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "job.batch/exp-g0-b0-a0\n");
  });

  test('every escalation from the operator\'s identity is refused, naming the rule', async () => {
    for (const [what, job, message] of CASES) {
      const r = await create(job, operator);
      assert.notEqual(r.code, 0, `${what} admitted`);
      assert.match(r.stderr, /ValidatingAdmissionPolicy .*vap-\d+-evaluator-jobs.* denied request/, `${what}: ${r.stderr}`);
      assert.match(r.stderr, message, `${what}: ${r.stderr}`);
    }
  });

  test("other users' Jobs are not the policy's business", async () => {
    const r = await create(CASES[0][1]);
    assert.equal(r.code, 0, r.stderr);
  });
});
