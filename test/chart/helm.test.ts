// The chart as Helm and the API server see it: lint, render with default and non-default
// values, schema rejections, Pod Security "restricted", a server-side dry run, and a real
// install/uninstall on the test control plane.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { buildJob } from '../../operator/jobs.js';
import { resolveManifest } from '../../search/experiment/load.js';
import { CHART, findTool, helm, IN_CI, ROOT, kubeconfig, kubectl, one, render, unavailable, type Manifest } from './tools.js';

const noHelm = unavailable('helm', !findTool('helm'));
const noCluster = noHelm ?? unavailable('test cluster (kubectl + kubeconfig)', !findTool('kubectl') || !kubeconfig());

function valuesFile(values: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'rwenas-values-'));
  const file = join(dir, 'values.yaml');
  writeFileSync(file, JSON.stringify(values));
  return file;
}

// Non-default values touching every switch the chart has.
const CUSTOM = {
  fullnameOverride: 'nas',
  operator: {
    image: { repository: 'registry.example/rwenas/operator', tag: '9.9.9', pullPolicy: 'Always' },
    replicas: 3,
    logLevel: 'debug',
    watchNamespace: 'team-a',
    extraArgs: ['--workers', '2'],
    resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: 2, memory: '2Gi' } },
    probes: { port: 9091 },
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'control', effect: 'NoSchedule' }],
    priorityClassName: 'system-cluster-critical',
    podDisruptionBudget: { enabled: true, minAvailable: 2 },
  },
  serviceAccount: { name: 'nas-operator', annotations: { 'iam.gke.io/gcp-service-account': 'nas@p.iam.gserviceaccount.com' } },
  metrics: { port: 9090, service: { port: 9090 }, serviceMonitor: { enabled: true, interval: '15s', labels: { release: 'kube-prometheus-stack' } } },
  grafana: { dashboard: { enabled: false } },
  evaluator: {
    image: { repository: 'registry.example/rwenas/evaluator-gpu', tag: '9.9.9', pullPolicy: 'IfNotPresent' },
    resources: { requests: { cpu: '4', memory: '12Gi' }, limits: { 'nvidia.com/gpu': 2, memory: '24Gi' } },
    nodeSelector: { 'cloud.google.com/gke-accelerator': 'nvidia-l4' },
    tolerations: [{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'present', effect: 'NoSchedule' }],
  },
};

function operatorContainer(ms: Manifest[]) {
  return one(ms, 'Deployment').spec.template.spec.containers[0];
}

describe('helm chart', { skip: noHelm }, () => {
  test('helm is built as its release is: a plain helm template assumes the Kubernetes of its client-go and honours the chart\'s kubeVersion', () => {
    const v = helm(['version', '--template', '{{.Version}} {{.GitTreeState}}']);
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stdout, /^v3\.\d+\.\d+ clean$/);
    const plain = helm(['template', 'rw', CHART]);
    assert.equal(plain.status, 0, plain.stderr);
    const old = helm(['template', 'rw', CHART, '--kube-version', '1.26.0']);
    assert.notEqual(old.status, 0);
    assert.match(old.stderr, /chart requires kubeVersion: >=1\.27\.0-0 which is incompatible with Kubernetes v1\.26\.0/);
    // The admission policy's API is GA from 1.30: before, the chart says so instead of failing on apply.
    const noPolicyApi = helm(['template', 'rw', CHART, '--kube-version', '1.29.4']);
    assert.notEqual(noPolicyApi.status, 0);
    assert.match(noPolicyApi.stderr, /admissionPolicy\.enabled: the ValidatingAdmissionPolicy needs Kubernetes >= 1\.30 .* this cluster is v1\.29\.4: upgrade, or set admissionPolicy\.enabled=false/);
    const without = helm(['template', 'rw', CHART, '--kube-version', '1.29.4', '--set', 'admissionPolicy.enabled=false']);
    assert.equal(without.status, 0, without.stderr);
    assert.doesNotMatch(without.stdout, /kind: ValidatingAdmissionPolicy/);
    assert.match(helm(['template', 'rw', CHART, '--kube-version', '1.30.0']).stdout, /kind: ValidatingAdmissionPolicy\n/);
  });

  test('helm lint --strict is clean with default and custom values', () => {
    for (const extra of [[], ['-f', valuesFile(CUSTOM)]]) {
      const r = helm(['lint', CHART, '--strict', ...extra]);
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
      assert.doesNotMatch(r.stdout, /\[(WARNING|ERROR)\]/);
    }
  });

  test('default values: the operator Deployment as the issue asks', () => {
    const ms = render();
    const kinds = ms.map((m) => m.kind).sort();
    assert.deepEqual(kinds, ['ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'ConfigMap', 'Deployment', 'NetworkPolicy', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'Service', 'ServiceAccount', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);
    const deploy = one(ms, 'Deployment');
    assert.equal(deploy.spec.replicas, 2);
    const pod = deploy.spec.template.spec;
    const c = operatorContainer(ms);
    assert.deepEqual([...c.command, ...c.args], ['rwenas', 'operator', '--leader-elect', '--metrics-addr', ':8080', '--probe-addr', ':8081', '--evaluator-image', 'rwenas/evaluator-gpu:0.1.0', '--evaluator-service-account', 'rwenas-evaluator']);
    assert.equal(c.image, 'rwenas/operator:0.1.0');
    assert.deepEqual(c.ports.map((p: { name: string; containerPort: number }) => [p.name, p.containerPort]), [['metrics', 8080], ['probes', 8081]]);
    assert.deepEqual(c.livenessProbe.httpGet, { path: '/healthz', port: 'probes' });
    assert.deepEqual(c.readinessProbe.httpGet, { path: '/readyz', port: 'probes' });
    assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.cpu && c.resources.limits.memory);
    // Pod Security Standard "restricted".
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
    assert.ok(pod.volumes.some((v: { name: string; emptyDir?: object }) => v.name === 'tmp' && v.emptyDir), 'writable /tmp');
    assert.equal(pod.automountServiceAccountToken, true);
    assert.deepEqual(c.env.find((e: { name: string }) => e.name === 'POD_NAMESPACE').valueFrom, { fieldRef: { fieldPath: 'metadata.namespace' } });

    // /metrics is reachable only from the scrapers the values name; probes from anywhere.
    const policy = one(ms, 'NetworkPolicy');
    assert.deepEqual(policy.spec.podSelector.matchLabels, deploy.spec.selector.matchLabels);
    assert.deepEqual(policy.spec.ingress, [
      { ports: [{ port: 'metrics', protocol: 'TCP' }], from: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }] },
      { ports: [{ port: 'probes', protocol: 'TCP' }] },
    ]);
    const svc = one(ms, 'Service');
    assert.deepEqual(svc.spec.selector, deploy.spec.selector.matchLabels);
    assert.deepEqual(svc.spec.ports, [{ name: 'metrics', port: 8080, targetPort: 'metrics', protocol: 'TCP' }]);

    const dash = one(ms, 'ConfigMap', '-dashboard');
    assert.equal(dash.metadata.labels?.grafana_dashboard, '1');
    assert.deepEqual(JSON.parse(dash.data['rwenas.json']), JSON.parse(readFileSync(join(CHART, 'files', 'dashboards', 'rwenas.json'), 'utf8')));

    const tpl = parse(one(ms, 'ConfigMap', '-evaluator-template').data['template.yaml']);
    const ev = tpl.spec.containers[0];
    assert.equal(ev.name, 'evaluator');
    assert.equal(ev.image, 'rwenas/evaluator-gpu:0.1.0');
    assert.equal(ev.resources.limits['nvidia.com/gpu'], 1);
    assert.deepEqual(tpl.spec.tolerations, [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
  });

  test('custom values reach every object they should', () => {
    const ms = render(['-f', valuesFile(CUSTOM)]);
    const deploy = one(ms, 'Deployment');
    assert.equal(deploy.metadata.name, 'nas-operator');
    assert.equal(deploy.spec.replicas, 3);
    const c = operatorContainer(ms);
    assert.equal(c.image, 'registry.example/rwenas/operator:9.9.9');
    assert.equal(c.imagePullPolicy, 'Always');
    assert.deepEqual(c.args, ['operator', '--leader-elect', '--metrics-addr', ':9090', '--probe-addr', ':9091', '--evaluator-image', 'registry.example/rwenas/evaluator-gpu:9.9.9', '--evaluator-service-account', 'rwenas-evaluator', '--namespace', 'team-a', '--workers', '2']);
    assert.equal(c.env.find((e: { name: string }) => e.name === 'RWENAS_LOG_LEVEL').value, 'debug');
    assert.deepEqual(c.resources, CUSTOM.operator.resources);
    const pod = deploy.spec.template.spec;
    assert.deepEqual(pod.nodeSelector, CUSTOM.operator.nodeSelector);
    assert.deepEqual(pod.tolerations, CUSTOM.operator.tolerations);
    assert.equal(pod.priorityClassName, 'system-cluster-critical');
    assert.equal(pod.serviceAccountName, 'nas-operator');
    assert.equal(one(ms, 'ServiceAccount').metadata.annotations?.['iam.gke.io/gcp-service-account'], 'nas@p.iam.gserviceaccount.com');
    assert.equal(one(ms, 'PodDisruptionBudget').spec.minAvailable, 2);
    assert.equal(one(ms, 'Service').spec.ports[0].port, 9090);
    const sm = one(ms, 'ServiceMonitor');
    assert.equal(sm.metadata.labels?.release, 'kube-prometheus-stack');
    assert.deepEqual(sm.spec.endpoints, [{ port: 'metrics', path: '/metrics', honorLabels: true, interval: '15s', scrapeTimeout: '10s' }]);
    assert.deepEqual(sm.spec.selector.matchLabels, deploy.spec.selector.matchLabels);
    assert.ok(!ms.some((m) => m.kind === 'ConfigMap' && m.metadata.name.endsWith('-dashboard')), 'dashboard disabled');
    const tpl = parse(one(ms, 'ConfigMap', '-evaluator-template').data['template.yaml']);
    assert.equal(tpl.spec.containers[0].image, 'registry.example/rwenas/evaluator-gpu:9.9.9');
    assert.deepEqual(tpl.spec.containers[0].resources, CUSTOM.evaluator.resources);
    assert.deepEqual(tpl.spec.nodeSelector, CUSTOM.evaluator.nodeSelector);
    assert.deepEqual(tpl.spec.tolerations, CUSTOM.evaluator.tolerations);
  });

  test('values.schema.json rejects bad values, naming the field', () => {
    const bad: [string[], RegExp][] = [
      [['--set', 'operator.replicas=-1'], /operator\.replicas|replicas/],
      [['--set', 'operator.replicas=two'], /replicas/],
      [['--set', 'operator.image.pullPolicy=Sometimes'], /pullPolicy/],
      [['--set', 'operator.logLevel=verbose'], /logLevel/],
      [['--set', 'metrics.port=70000'], /port/],
      [['--set', 'evaluator.resources.limits.nvidia\\.com/gpu=lots'], /nvidia\.com\/gpu|limits/],
      [['--set', 'operatr.replicas=1'], /operatr|additional/i],
      [['--set', 'metrics.serviceMonitor.interval=often'], /interval/],
    ];
    for (const [args, field] of bad) {
      const r = helm(['template', 'rw', CHART, ...args]);
      assert.notEqual(r.status, 0, `accepted ${args.join(' ')}`);
      assert.match(r.stderr, /values don't meet the specifications of the schema|schema/i, args.join(' '));
      assert.match(r.stderr, field, `${args.join(' ')}: ${r.stderr}`);
    }
  });

  test('template guards: several unelected replicas, a ServiceMonitor without its Service', () => {
    let r = helm(['template', 'rw', CHART, '--set', 'operator.leaderElection.enabled=false']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /leaderElection\.enabled=true/);
    r = helm(['template', 'rw', CHART, '--set', 'operator.leaderElection.enabled=false', '--set', 'operator.replicas=1']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!operatorContainer(parseManifestsOf(r.stdout)).args.includes('--leader-elect'));
    r = helm(['template', 'rw', CHART, '--set', 'metrics.serviceMonitor.enabled=true', '--set', 'metrics.service.enabled=false']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /needs metrics\.service\.enabled/);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

function parseManifestsOf(text: string): Manifest[] {
  return text.split(/^---$/m).map((d) => parse(d)).filter(Boolean);
}

describe('helm chart on the test control plane', { skip: noCluster }, () => {
  const ns = `rwenas-chart-${process.pid}`;
  const release = 'rwc';

  before(async () => {
    // A namespace that enforces Pod Security "restricted": the API server itself judges the pods.
    const r = kubectl(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'v1', kind: 'Namespace',
      metadata: { name: ns, labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted' } },
    }));
    assert.equal(r.status, 0, r.stderr);
    await waitFor(`ServiceAccount ${ns}/default`, () => kubectl(['get', 'serviceaccount', 'default', '-n', ns]).status === 0, 60_000);
  });

  after(() => {
    helm(['uninstall', release, '--namespace', ns, '--wait']);
    kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  });

  // CRDs first (as `helm install` does), so the dry run can resolve nothing missing.
  function applyCrds() {
    const r = kubectl(['apply', '--server-side', '--force-conflicts', '-f', join(CHART, 'crds')]);
    assert.equal(r.status, 0, r.stderr);
  }

  test('rendered manifests pass a server-side dry run, default and custom values', () => {
    applyCrds();
    for (const extra of [[], ['-f', valuesFile({ ...CUSTOM, operator: { ...CUSTOM.operator, priorityClassName: '', watchNamespace: ns } })]]) {
      // The ServiceMonitor needs the Prometheus Operator's CRD, which this cluster lacks; its
      // shape is checked in the render test.
      const ms = render(extra, release, ns).filter((m) => m.kind !== 'ServiceMonitor');
      const r = kubectl(['apply', '--dry-run=server', '-n', ns, '-f', '-'], ms.map((m) => stringify(m)).join('---\n'));
      assert.equal(r.status, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /violate PodSecurity/);
      assert.equal(r.stdout.trim().split('\n').length, ms.length, r.stdout);
    }
  });

  test('the operator pod is admitted under Pod Security "restricted"; a weakened one is not', () => {
    const deploy = one(render([], release, ns), 'Deployment');
    // Its own ServiceAccount does not exist outside an install; the security settings are what is judged.
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'psa-check', namespace: ns }, spec: { ...deploy.spec.template.spec, serviceAccountName: 'default' } };
    let r = kubectl(['apply', '--dry-run=server', '-f', '-'], JSON.stringify(pod));
    assert.equal(r.status, 0, r.stderr);
    const weak = structuredClone(pod);
    weak.spec.containers[0].securityContext.allowPrivilegeEscalation = true;
    r = kubectl(['apply', '--dry-run=server', '-f', '-'], JSON.stringify(weak));
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /violates PodSecurity "restricted/);
  });

  test('evaluator pods from the chart\'s evaluator template, as the operator builds them, are admitted under "restricted"', () => {
    const template = parse(one(render([], release, ns), 'ConfigMap', '-evaluator-template').data['template.yaml']);
    const manifest = resolveManifest({
      apiVersion: 'rwenas.dev/v1alpha1', kind: 'NASExperiment', metadata: { name: 'psa', namespace: ns },
      spec: { searchSpace: { name: 'darts' }, execution: { template } },
    });
    const exp = { apiVersion: manifest.apiVersion, kind: manifest.kind, metadata: { name: 'psa', namespace: ns, uid: '00000000-0000-0000-0000-000000000000' } };
    const job = buildJob(exp, manifest.spec, { name: 'psa-g0-b0-a0', generation: 0, batch: 0, attempt: 0, trials: [{ name: 'psa-t', genome: 'g' }] }, { image: 'unused', serviceAccount: 'default', specConfigMap: 'psa-spec' });
    delete job.metadata!.ownerReferences; // the experiment does not exist; the pod spec is what is judged
    const pod = job.spec!.template.spec!;
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(pod.containers[0].image, 'rwenas/evaluator-gpu:0.1.0');
    assert.deepEqual(pod.containers[0].resources?.limits?.['nvidia.com/gpu'], 1);
    let r = kubectl(['create', '--dry-run=server', '-f', '-'], JSON.stringify(job));
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /violate PodSecurity/);
    r = kubectl(['create', '--dry-run=server', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'psa-evaluator', namespace: ns }, spec: pod }));
    assert.equal(r.status, 0, r.stderr);
  });

  test('helm install creates the Deployment, RBAC and Service as rendered; uninstall removes them', () => {
    applyCrds();
    // No operator pods: the operator's own suite runs it; this checks the chart's objects.
    const set = ['--set', 'operator.replicas=0'];
    const r = helm(['install', release, CHART, '--namespace', ns, ...set, '--wait', '--timeout', '60s']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /STATUS: deployed/);
    assert.match(r.stdout, /kubectl apply --server-side -f charts\/rwenas\/crds/, 'NOTES tell how to upgrade CRDs');
    const rendered = render(set, release, ns);
    const live = (m: Manifest) => {
      const args = ['get', m.kind.toLowerCase(), m.metadata.name, '-o', 'json'];
      const g = kubectl(m.metadata.namespace ? [...args, '-n', m.metadata.namespace] : args);
      assert.equal(g.status, 0, `${m.kind} ${m.metadata.name}: ${g.stderr}`);
      return JSON.parse(g.stdout);
    };
    for (const m of rendered) {
      const got = live(m);
      assert.equal(got.metadata.labels['app.kubernetes.io/instance'], release, m.kind);
      if (m.kind === 'ClusterRole' || m.kind === 'Role') assert.deepEqual(got.rules, m.rules, m.kind);
      if (m.kind.endsWith('Binding')) assert.deepEqual([got.roleRef, got.subjects], [m.roleRef, m.subjects], m.kind);
      if (m.kind === 'Service') {
        assert.deepEqual(got.spec.selector, m.spec.selector);
        assert.equal(got.spec.ports[0].port, m.spec.ports[0].port);
      }
      if (m.kind === 'Deployment') {
        assert.equal(got.spec.replicas, 0);
        const [gc, mc] = [got.spec.template.spec.containers[0], m.spec.template.spec.containers[0]];
        assert.deepEqual([gc.image, gc.command, gc.args, gc.securityContext], [mc.image, mc.command, mc.args, mc.securityContext]);
        assert.deepEqual(got.spec.template.spec.securityContext, m.spec.template.spec.securityContext);
      }
      if (m.kind === 'ConfigMap') assert.deepEqual(got.data, m.data);
    }
    const u = helm(['uninstall', release, '--namespace', ns, '--wait']);
    assert.equal(u.status, 0, u.stderr);
    const cr = one(rendered, 'ClusterRole').metadata.name;
    assert.notEqual(kubectl(['get', 'clusterrole', cr]).status, 0, 'ClusterRole left behind');
    assert.notEqual(kubectl(['get', 'deployment', `${release}-rwenas-operator`, '-n', ns]).status, 0, 'Deployment left behind');
    // CRDs stay, and with them every experiment and trial.
    assert.equal(kubectl(['get', 'crd', 'nasexperiments.rwenas.dev']).status, 0);
  });
  test('the installed operator runs on the chart\'s RBAC alone: takes the Lease and finishes an experiment', async (t) => {
    // The process kubelet runs the operator pod from this checkout with the pod's projected
    // ServiceAccount token: every API call goes through the chart's Role/RoleBinding. It watches
    // its own experiment namespace (Role mode); pod processes share the host's ports, so one
    // replica on free ports.
    const table = join(ROOT, '..', 'shared', 'data', 'nasbench201', 'nb201-cifar10.csv');
    if (!existsSync(table) && !IN_CI) return t.skip(`no NAS-Bench-201 table at ${table}`);
    // Two watched namespaces (a Role in each, no ClusterRole); the experiment runs in the second.
    const other = `${ns}-other`;
    const work = `${ns}-exp`;
    let r = kubectl(['create', 'namespace', other]);
    assert.equal(r.status, 0, r.stderr);
    r = kubectl(['create', 'namespace', work]);
    assert.equal(r.status, 0, r.stderr);
    try {
      await waitFor('default ServiceAccount', () => kubectl(['get', 'sa', 'default', '-n', work]).status === 0, 60_000);
      const [metrics, probes] = [await freePort(), await freePort()];
      r = helm(['install', `${release}-run`, CHART, '--namespace', ns, '--set', 'operator.replicas=1', '--set', `operator.watchNamespaces={${other},${work}}`,
        '--set', `metrics.port=${metrics}`, '--set', `operator.probes.port=${probes}`, '--set', 'evaluator.image.repository=rwenas-evaluator']);
      assert.equal(r.status, 0, r.stderr);
      const lease = await waitFor('the operator to take its Lease', () => {
        const g = kubectl(['get', 'lease', '-n', ns, '-o', 'json']);
        const items = g.status === 0 ? (JSON.parse(g.stdout).items as { spec: { holderIdentity?: string } }[]) : [];
        return items.find((l) => l.spec.holderIdentity?.startsWith(`${release}-run-rwenas-operator-`));
      }, 90_000);
      assert.ok(lease.spec.holderIdentity);
      const experiment = {
        apiVersion: 'rwenas.dev/v1alpha1', kind: 'NASExperiment', metadata: { name: 'chart', namespace: work },
        spec: {
          searchSpace: { name: 'nb201' }, objectives: ['error', 'flops'],
          algorithm: { name: 'nsga2', populationSize: 4, generations: 1, seed: 7 },
          evaluation: { method: 'table', table: { path: '/data/nasbench201/nb201-cifar10.csv' } },
          execution: {
            parallelism: 2, trialsPerJob: 2, maxFailedTrials: 0, backoffLimit: 0,
            // No image: the chart's --evaluator-image fills it in.
            template: { spec: {
              containers: [{ name: 'evaluator', volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }] }],
              volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data', readOnly: true } }],
            } },
          },
        },
      };
      // The data through a claim (the template allow-list has no hostPath), bound to a hostPath PV.
      r = kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [
        { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: `${work}-data` }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadOnlyMany'], storageClassName: 'manual', hostPath: { path: join(table, '..', '..') }, claimRef: { namespace: work, name: 'data' } } },
        { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: work }, spec: { accessModes: ['ReadOnlyMany'], storageClassName: 'manual', volumeName: `${work}-data`, resources: { requests: { storage: '1Gi' } } } },
      ] }));
      assert.equal(r.status, 0, r.stderr);
      r = kubectl(['apply', '-f', '-'], JSON.stringify(experiment));
      assert.equal(r.status, 0, r.stderr);
      const phase = await waitFor('the experiment to finish', () => {
        const g = kubectl(['get', 'nasexperiment', 'chart', '-n', work, '-o', 'jsonpath={.status.phase}']);
        return ['Succeeded', 'Failed', 'Invalid'].includes(g.stdout) && g.stdout;
      }, 180_000).catch((err: Error) => {
        // A missing grant shows as "forbidden" in the operator's log: say so.
        const logs = kubectl(['logs', '-n', ns, '-l', `app.kubernetes.io/instance=${release}-run`, '--tail=15']);
        throw new Error(`${err.message}\noperator log:\n${logs.stdout}${logs.stderr}`);
      });
      assert.equal(phase, 'Succeeded');
      const jobs = JSON.parse(kubectl(['get', 'jobs', '-n', work, '-o', 'json']).stdout).items as { spec: { template: { spec: { containers: { image: string }[] } } } }[];
      assert.ok(jobs.length > 0);
      for (const j of jobs) assert.equal(j.spec.template.spec.containers[0].image, 'rwenas-evaluator:0.1.0');
      const events = kubectl(['get', 'events', '-n', work, '-o', 'json']);
      assert.ok((JSON.parse(events.stdout).items as unknown[]).length > 0, 'the operator could create Events');
    } finally {
      helm(['uninstall', `${release}-run`, '--namespace', ns, '--wait']);
      kubectl(['delete', 'namespace', work, '--wait=false', '--ignore-not-found']);
      kubectl(['delete', 'namespace', other, '--wait=false', '--ignore-not-found']);
      kubectl(['delete', 'pv', `${work}-data`, '--wait=false', '--ignore-not-found']);
    }
  });
});
