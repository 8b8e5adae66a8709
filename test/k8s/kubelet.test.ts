// The process kubelet plays the kubelet faithfully enough for operator tests: restart policy
// and back-off, graceful deletion ending in SIGKILL, init containers, PVC-backed volumes, and
// in-pod API access through the projected ServiceAccount token (subject to RBAC), and image
// pulls that fail.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apply, createNamespace, deleteNamespace, getJson, k8sSkip, kubectl, kubectlOk, podLog, waitFor } from './cluster.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = any;

const pod = (name: string, spec: Obj): Obj => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { terminationGracePeriodSeconds: 2, ...spec } });
const sh = (name: string, script: string, extra: Obj = {}): Obj => ({ name, image: 'busybox', command: ['sh', '-c', script], ...extra });

describe('process kubelet', { skip: k8sSkip }, () => {
  let ns = '';
  const host = mkdtempSync(join(tmpdir(), 'rwenas-kubelet-'));
  before(async () => {
    ns = await createNamespace('kubelet');
  });
  after(async () => {
    if (ns) await deleteNamespace(ns);
    rmSync(host, { recursive: true, force: true });
  });

  test('an image on an unresolvable registry (*.invalid) fails its pull: ErrImagePull, then ImagePullBackOff, the pod Pending', async () => {
    await apply(pod('nopull', { restartPolicy: 'Never', containers: [sh('main', 'echo never', { image: 'registry.invalid/busybox:1' })] }), ns);
    const p = await waitFor('nopull to back off', async () => {
      const p = await getJson(['pod', 'nopull', '-n', ns]);
      return p.status.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff' && p;
    }, { timeoutMs: 30_000 });
    assert.equal(p.status.phase, 'Pending');
    assert.match(p.status.containerStatuses[0].state.waiting.message, /Back-off pulling image "registry\.invalid\/busybox:1"/);
    const events = JSON.parse(await kubectlOk(['get', 'events', '-n', ns, '--field-selector', 'involvedObject.name=nopull', '-o', 'json'])).items;
    assert.ok(events.some((e: Obj) => e.reason === 'Failed' && /Failed to pull image "registry\.invalid\/busybox:1".*no such host/.test(e.message)), 'a Failed event as the kubelet records it');
    assert.equal(podLog(ns, 'nopull', 'main'), '', 'nothing ran');
  });

  test('OnFailure restarts a failing container with back-off until it succeeds', async () => {
    // Fails on its first run, succeeds on its second: the mark survives restarts in an emptyDir.
    await apply(pod('flaky', {
      restartPolicy: 'OnFailure',
      volumes: [{ name: 'state', emptyDir: {} }],
      containers: [sh('main', 'if [ -e /mnt/kubelet-state/ran ]; then echo second; exit 0; fi; touch /mnt/kubelet-state/ran; echo first; exit 7',
        { volumeMounts: [{ name: 'state', mountPath: '/mnt/kubelet-state' }] })],
    }), ns);
    const p = await waitFor('flaky to succeed', async () => {
      const p = await getJson(['pod', 'flaky', '-n', ns]);
      return p.status.phase === 'Succeeded' && p;
    }, { timeoutMs: 60_000 });
    const cs = p.status.containerStatuses[0];
    assert.equal(cs.restartCount, 1);
    assert.equal(cs.lastState.terminated.exitCode, 7);
    assert.equal(cs.state.terminated.exitCode, 0);
    assert.equal(podLog(ns, 'flaky', 'main'), 'second\n');
    assert.equal((await kubectlOk(['logs', 'flaky', '-n', ns, '--previous'])), 'first\n');
  });

  test('deletion sends SIGTERM, then SIGKILL after the grace period, then removes the pod', async () => {
    await apply(pod('stubborn', { containers: [sh('main', 'trap "echo ignoring TERM" TERM; echo started; while true; do sleep 0.1; done')] }), ns);
    await waitFor('stubborn to run', async () => (await getJson(['pod', 'stubborn', '-n', ns])).status.containerStatuses?.[0]?.state?.running);
    await waitFor('its log', () => podLog(ns, 'stubborn', 'main').includes('started'));
    const start = Date.now();
    await kubectlOk(['delete', 'pod', 'stubborn', '-n', ns, '--wait=true', '--timeout=30s']);
    const took = Date.now() - start;
    assert.ok(took >= 1500, `deleted after ${took} ms, before the 2 s grace period ran out`);
    assert.match(podLog(ns, 'stubborn', 'main'), /ignoring TERM/);
  });

  test('init containers run in order before the main container', async () => {
    const out = join(host, 'order');
    await apply(pod('ordered', {
      restartPolicy: 'Never',
      volumes: [{ name: 'out', hostPath: { path: host } }],
      initContainers: [1, 2].map((i) => sh(`init${i}`, `echo init${i} >> /mnt/kubelet-out/order`, { volumeMounts: [{ name: 'out', mountPath: '/mnt/kubelet-out' }] })),
      containers: [sh('main', 'echo main >> /mnt/kubelet-out/order', { volumeMounts: [{ name: 'out', mountPath: '/mnt/kubelet-out' }] })],
    }), ns);
    const p = await waitFor('ordered to succeed', async () => {
      const p = await getJson(['pod', 'ordered', '-n', ns]);
      return p.status.phase === 'Succeeded' && p;
    });
    assert.equal(readFileSync(out, 'utf8'), 'init1\ninit2\nmain\n');
    assert.deepEqual(p.status.initContainerStatuses.map((s: Obj) => s.state.terminated.reason), ['Completed', 'Completed']);
  });

  test('processes a container leaves behind end with it', async () => {
    await apply(pod('leaver', {
      restartPolicy: 'Never',
      volumes: [{ name: 'out', hostPath: { path: host } }],
      containers: [sh('main', 'sleep 300 & echo $! > /mnt/kubelet-out/bg', { volumeMounts: [{ name: 'out', mountPath: '/mnt/kubelet-out' }] })],
    }), ns);
    await waitFor('leaver to succeed', async () => (await getJson(['pod', 'leaver', '-n', ns])).status.phase === 'Succeeded');
    const bg = Number(readFileSync(join(host, 'bg'), 'utf8'));
    await waitFor(`background process ${bg} to be gone`, () => {
      try {
        process.kill(bg, 0);
        return false;
      } catch {
        return true;
      }
    }, { timeoutMs: 5000 });
  });

  test('a PVC bound to a hostPath PV is mounted at its mountPath', async () => {
    const pv = `kubelet-pv-${process.pid}`;
    await apply({
      apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: pv },
      spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'manual', hostPath: { path: join(host, 'pv') }, persistentVolumeReclaimPolicy: 'Retain' },
    });
    try {
      await apply({
        apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' },
        spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'manual', volumeName: pv, resources: { requests: { storage: '1Gi' } } },
      }, ns);
      await apply(pod('claimant', {
        restartPolicy: 'Never',
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
        containers: [sh('main', 'echo persisted > /mnt/kubelet-data/file', { volumeMounts: [{ name: 'data', mountPath: '/mnt/kubelet-data' }] })],
      }), ns);
      await waitFor('claimant to succeed', async () => (await getJson(['pod', 'claimant', '-n', ns])).status.phase === 'Succeeded', { timeoutMs: 60_000 });
      assert.equal(readFileSync(join(host, 'pv', 'file'), 'utf8'), 'persisted\n');
    } finally {
      await kubectl(['delete', 'pvc', 'data', '-n', ns, '--wait=false']);
      await kubectl(['delete', 'pv', pv, '--wait=false']);
    }
  });

  test('a pod reaches the API server with its ServiceAccount token, and RBAC applies', async () => {
    // Node's https client with the projected CA and token, as an in-cluster client does.
    const probe = `
      const https = require('node:https'), fs = require('node:fs');
      const dir = '/var/run/secrets/kubernetes.io/serviceaccount';
      const get = (path) => new Promise((ok, fail) => https.get({ host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT, path,
        ca: fs.readFileSync(dir + '/ca.crt'), headers: { authorization: 'Bearer ' + fs.readFileSync(dir + '/token', 'utf8') } },
        (r) => { let b = ''; r.on('data', (d) => (b += d)); r.on('end', () => ok(r.statusCode + ' ' + b)); }).on('error', fail));
      const ns = fs.readFileSync(dir + '/namespace', 'utf8');
      (async () => { console.log(await get('/readyz')); console.log(JSON.parse((await get('/api/v1/namespaces/' + ns + '/pods')).slice(4)).message); })();`;
    await apply(pod('in-cluster', { restartPolicy: 'Never', containers: [{ name: 'main', image: 'node', command: ['node', '-e', probe] }] }), ns);
    await waitFor('in-cluster to finish', async () => (await getJson(['pod', 'in-cluster', '-n', ns])).status.phase === 'Succeeded', { timeoutMs: 60_000 });
    const [readyz, denied] = podLog(ns, 'in-cluster', 'main').trim().split('\n');
    assert.equal(readyz, '200 ok');
    assert.match(denied, new RegExp(`system:serviceaccount:${ns}:default.*cannot list resource "pods"`));
  });
});
