// Scale on the real control plane (test/k8s): the operator's LISTs come in pages, and the
// experiment status holds a bounded front while the whole front is labelled on its NASTrials.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../operator/log.js';
import { Kube } from '../../operator/kube.js';
import { Metrics } from '../../operator/metrics.js';
import { ownerRef } from '../../operator/jobs.js';
import { Reconciler } from '../../operator/reconcile.js';
import { lockDigests, settingsDigest } from '../../operator/spec.js';
import { LABEL_FRONT, LABEL_SETTINGS, type ExperimentObject, type TrialObject } from '../../operator/types.js';
import { frontSummary } from '../../search/study.js';
import { createNamespace, deleteNamespace, getJson, k8sSkip, kubeConfig } from '../k8s/cluster.js';
import { installCrds } from './harness.js';
import { syntheticExperiment } from './synthetic.js';

const namespaces: string[] = [];
const log = createLogger('error');

describe('scale (real control plane)', { skip: k8sSkip }, () => {
  before(async () => {
    await installCrds();
  });
  after(async () => {
    for (const ns of namespaces) await deleteNamespace(ns);
  });

  test('LISTs come in pages of pageSize (limit/continue) and add up to every object', async () => {
    const ns = await createNamespace('scale-pages');
    namespaces.push(ns);
    const kube = new Kube(kubeConfig());
    const x = syntheticExperiment('pages', 4, 1);
    for (const t of [...x.trials.values()].slice(0, 7)) await kube.createTrial({ ...t, metadata: { name: t.metadata.name, namespace: ns, labels: t.metadata.labels }, status: undefined });
    let calls = 0;
    kube.onCall = (name) => (calls += name === 'listTrials' ? 1 : 0);
    kube.pageSize = 3;
    const listed = await kube.listTrials(ns, 'rwenas.dev/experiment=pages');
    assert.equal(calls, 3, 'three pages of at most 3');
    assert.equal(listed.items.length, 7);
    assert.equal(new Set(listed.items.map((t) => t.metadata.name)).size, 7);
    assert.match(listed.metadata?.resourceVersion ?? '', /^\d+$/, 'the snapshot resourceVersion an informer watches from');
  });

  test('status.paretoFront is bounded; the whole front is the NASTrials labelled rwenas.dev/front=true', async () => {
    const ns = await createNamespace('scale-front');
    namespaces.push(ns);
    const kube = new Kube(kubeConfig());
    const x = syntheticExperiment('front', 8, 2);
    const exp = (await kube.custom.createNamespacedCustomObject({
      group: 'rwenas.dev', version: 'v1alpha1', plural: 'nasexperiments', namespace: ns,
      body: { apiVersion: 'rwenas.dev/v1alpha1', kind: 'NASExperiment', metadata: { name: 'front' }, spec: x.spec },
    })) as ExperimentObject;
    const stamp = settingsDigest(lockDigests(x.spec));
    for (const t of x.trials.values()) {
      const made = await kube.createTrial({ ...t, metadata: { name: t.metadata.name, namespace: ns, labels: { ...t.metadata.labels, [LABEL_SETTINGS]: stamp }, ownerReferences: [ownerRef(exp)] }, status: undefined });
      await kube.patchTrialStatus(ns, made.metadata.name, t.status!, made.metadata.resourceVersion);
    }
    const trials = async () => (await getJson<{ items: TrialObject[] }>(['nastrials', '-n', ns])).items;
    const reconciler = new Reconciler(kube, new Metrics(() => 0), log, { image: 'rwenas:test', serviceAccount: 'rwenas-evaluator', identity: 'front', frontInStatus: 3 });
    await reconciler.reconcile({ exp, trials: await trials(), jobs: [], pods: [] });
    const front = frontSummary(x.engine, x.spec.objectives).front.map((f) => `front-${f.trial.slice(0, 12)}`).sort();
    assert.ok(front.length > 3, `the synthetic front has ${front.length} members`);
    const status = (await getJson(['nasexperiment', 'front', '-n', ns])).status;
    assert.equal(status.phase, 'Succeeded');
    assert.equal(status.frontSize, front.length);
    assert.equal(status.paretoFront.length, 3);
    for (const f of status.paretoFront) assert.ok(front.includes(f.trial), `${f.trial} is on the front`);
    const labelled = (await getJson<{ items: TrialObject[] }>(['nastrials', '-n', ns, '-l', `${LABEL_FRONT}=true`])).items.map((t) => t.metadata.name).sort();
    assert.deepEqual(labelled, front);
    // A label on a trial off the front is taken away on the next reconcile.
    const off = (await trials()).find((t) => !front.includes(t.metadata.name))!;
    await kube.patchTrialLabels(ns, off.metadata.name, { [LABEL_FRONT]: 'true' });
    const fresh = (await kube.custom.getNamespacedCustomObject({ group: 'rwenas.dev', version: 'v1alpha1', plural: 'nasexperiments', namespace: ns, name: 'front' })) as ExperimentObject;
    await reconciler.reconcile({ exp: fresh, trials: await trials(), jobs: [], pods: [] });
    assert.deepEqual((await getJson<{ items: TrialObject[] }>(['nastrials', '-n', ns, '-l', `${LABEL_FRONT}=true`])).items.map((t) => t.metadata.name).sort(), front);
  });
});
