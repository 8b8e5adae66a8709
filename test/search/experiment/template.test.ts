// Issue 10 item 1: spec.execution.template is an allow-list. Every way into the node or the
// API that the old pass-through template gave is refused, naming the field.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadManifest, ManifestError } from '../../../search/experiment/load.js';

const manifest = (template: string): string => `apiVersion: rwenas.dev/v1alpha1
kind: NASExperiment
metadata: {name: t}
spec:
  searchSpace: {name: nb201}
  execution:
    template:
${template.replace(/^/gm, '      ')}
`;

function problems(text: string): string[] {
  try {
    loadManifest(text, 'm.yaml');
    return [];
  } catch (err) {
    assert.ok(err instanceof ManifestError, String(err));
    return [...err.problems];
  }
}

const T = 'spec.execution.template';

test('host namespaces, nodeName, service accounts, init containers and pod securityContext are refused', () => {
  const got = problems(manifest(`spec:
  hostPID: true
  hostNetwork: true
  hostIPC: true
  nodeName: n1
  serviceAccountName: admin
  automountServiceAccountToken: true
  initContainers: [{name: x, image: busybox, securityContext: {privileged: true}}]
  securityContext: {seccompProfile: {type: Unconfined}}`));
  for (const field of ['hostPID', 'hostNetwork', 'hostIPC', 'nodeName', 'serviceAccountName', 'automountServiceAccountToken', 'initContainers', 'securityContext']) {
    assert.ok(got.some((p) => p.startsWith(`${T}.spec.${field}: unknown field`)), `${field} accepted: ${got.join('\n')}`);
  }
  assert.equal(got.length, 8, got.join('\n'));
});

test('sidecars, container securityContext, envFrom and valueFrom (Secrets) are refused', () => {
  const got = problems(manifest(`spec:
  containers:
    - name: evaluator
      envFrom: [{secretRef: {name: s}}]
      env: [{name: TOKEN, valueFrom: {secretKeyRef: {name: s, key: k}}}]
      securityContext: {privileged: true, seccompProfile: {type: Unconfined}}
      command: [sh]
    - name: sidecar
      image: busybox`));
  assert.deepEqual(got, [
    `${T}.spec.containers: must have at most 1 items, got 2`,
    `${T}.spec.containers[0].envFrom: unknown field (did you mean env? expected one of: name, image, imagePullPolicy, resources, env, volumeMounts)`,
    `${T}.spec.containers[0].securityContext: unknown field (expected one of: name, image, imagePullPolicy, resources, env, volumeMounts)`,
    `${T}.spec.containers[0].command: unknown field (expected one of: name, image, imagePullPolicy, resources, env, volumeMounts)`,
    `${T}.spec.containers[0].env[0].valueFrom: unknown field (did you mean value? expected one of: name, value)`,
  ]);
  assert.deepEqual(problems(manifest('spec:\n  containers: [{name: sidecar}]')), [`${T}.spec.containers[0].name: must be one of evaluator, got "sidecar"`]);
});

test('hostPath, projected (token) and Secret volumes are refused; a volume has exactly one source', () => {
  const got = problems(manifest(`spec:
  volumes:
    - {name: root, hostPath: {path: /}}
    - {name: token, projected: {sources: [{serviceAccountToken: {path: t}}]}}
    - {name: s, secret: {secretName: s}}
    - {name: two, emptyDir: {}, configMap: {name: c}}
    - {name: none}`));
  assert.deepEqual(got, [
    `${T}.spec.volumes[0].hostPath: unknown field (expected one of: name, persistentVolumeClaim, configMap, emptyDir)`,
    `${T}.spec.volumes[1].projected: unknown field (expected one of: name, persistentVolumeClaim, configMap, emptyDir)`,
    `${T}.spec.volumes[2].secret: unknown field (expected one of: name, persistentVolumeClaim, configMap, emptyDir)`,
    `${T}.spec.volumes[3]: must have exactly one of persistentVolumeClaim, configMap, emptyDir`,
    `${T}.spec.volumes[4]: must have exactly one of persistentVolumeClaim, configMap, emptyDir`,
  ]);
});

test("the operator's own names are refused: labels, env, volumes, mount paths; confinement annotations too", () => {
  const got = problems(manifest(`metadata:
  labels: {rwenas.dev/experiment: other}
  annotations: {container.apparmor.security.beta.kubernetes.io/evaluator: unconfined}
spec:
  containers:
    - name: evaluator
      env: [{name: RWENAS_BATCH, value: '{}'}]
      volumeMounts: [{name: rwenas-scratch, mountPath: /dev/termination-log}]
  volumes: [{name: rwenas-scratch, emptyDir: {}}]`));
  assert.deepEqual(got, [
    `${T}.metadata.labels: keys must be at most 317 characters and not under rwenas.dev/ (the operator's own labels)`,
    `${T}.metadata.annotations: keys must be at most 317 characters and must not set AppArmor or seccomp profiles (the operator sets them)`,
    `${T}.spec.containers[0].env[0]: must not set RWENAS_SPEC, RWENAS_SPEC_FILE, RWENAS_BATCH, RWENAS_JOB (the operator sets them)`,
    `${T}.spec.containers[0].volumeMounts[0]: mountPath must not be /rwenas-scratch, /rwenas-spec, /dev/termination-log (the operator's)`,
    `${T}.spec.volumes[0]: name must not start with rwenas- (the operator's volumes)`,
  ]);
  // Rules across a list run once its items are well-formed (as each problem is reported once).
  assert.deepEqual(problems(manifest('spec:\n  volumes: [{name: d, emptyDir: {}}, {name: d, emptyDir: {}}]')), [`${T}.spec.volumes: volume names must be distinct`]);
  assert.deepEqual(problems(manifest('spec:\n  containers: [{name: evaluator, volumeMounts: [{name: missing, mountPath: /m}]}]')), [
    `${T}.spec.containers: every volumeMounts[].name must be the name of one of volumes`,
  ]);
});

test('the allowed fields pass: image, resources (quantities), env, nodeSelector, tolerations, affinity, priority, pull secrets, PVC/ConfigMap/emptyDir', () => {
  const m = loadManifest(manifest(`metadata:
  labels: {team: nas}
  annotations: {cluster-autoscaler.kubernetes.io/safe-to-evict: "true"}
spec:
  nodeSelector: {cloud.google.com/gke-accelerator: nvidia-tesla-t4}
  tolerations: [{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}]
  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: gpu, operator: In, values: [a100]}]}]}}}
  priorityClassName: batch-low
  imagePullSecrets: [{name: registry}]
  containers:
    - name: evaluator
      image: rwenas/evaluator-gpu:0.1.0
      imagePullPolicy: IfNotPresent
      resources: {requests: {cpu: "2", memory: 8Gi}, limits: {memory: 16Gi, nvidia.com/gpu: 1}}
      env: [{name: RWENAS_LOG_LEVEL, value: debug}]
      volumeMounts: [{name: data, mountPath: /data, readOnly: true}, {name: cfg, mountPath: /cfg}, {name: shm, mountPath: /dev/shm}]
  volumes:
    - {name: data, persistentVolumeClaim: {claimName: cifar10, readOnly: true}}
    - {name: cfg, configMap: {name: settings, items: [{key: a, path: a.json}]}}
    - {name: shm, emptyDir: {medium: Memory, sizeLimit: 1Gi}}`), 'm.yaml');
  assert.equal((m.spec.execution.template as { spec: { priorityClassName: string } }).spec.priorityClassName, 'batch-low');
  assert.deepEqual(problems(manifest('spec:\n  containers: [{name: evaluator, resources: {limits: {memory: lots}}}]')), [
    `${T}.spec.containers[0].resources.limits["memory"]: must be an integer or a string such as 2, 500m or 8Gi, got "lots"`,
  ]);
});
