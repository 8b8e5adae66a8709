// Fixed fields and the settings that produced each trial, on the real control plane (test/k8s):
//  - the CRD's CEL transition rules refuse a change to a fixed field (seed, an added
//    offspringSize, the pod template) and let the mutable ones change;
//  - each NASTrial carries a digest of the settings that produced it, and a NASTrial made
//    under other settings (status lost, then a fixed field changed; or a tampered stamp) is
//    not used: SpecAccepted=False (SettingsMismatch) and a Warning Event say so.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../operator/log.js';
import { Kube } from '../../operator/kube.js';
import { Metrics } from '../../operator/metrics.js';
import { Reconciler } from '../../operator/reconcile.js';
import { lockDigests, resolveSpec, settingsDigest } from '../../operator/spec.js';
import { LABEL_SETTINGS, type ExperimentObject, type TrialObject } from '../../operator/types.js';
import { createNamespace, deleteNamespace, getJson, k8sSkip, kubeConfig, kubectl, kubectlOk, waitFor } from '../k8s/cluster.js';
import { applyManifest, experiment, installCrds, tableExperiment } from './harness.js';

const namespaces: string[] = [];
const log = createLogger('error');

function suspended(name: string): Record<string, unknown> {
  const m = tableExperiment(name, { population: 4, generations: 0 }) as { spec: Record<string, unknown> };
  m.spec.suspend = true; // no Jobs: only specs, stamps and statuses matter here
  return m;
}

async function patch(ns: string, name: string, body: unknown): Promise<{ code: number; stderr: string }> {
  return kubectl(['patch', 'nasexperiment', name, '-n', ns, '--type=merge', '-p', JSON.stringify(body)]);
}

describe('fixed fields and settings stamps (real control plane)', { skip: k8sSkip }, () => {
  before(async () => {
    await installCrds();
  });
  after(async () => {
    for (const ns of namespaces) await deleteNamespace(ns);
  });

  test('the API server refuses a change to a fixed field (CEL transition rules) and accepts the mutable ones', async () => {
    const ns = await createNamespace('fixed-cel');
    namespaces.push(ns);
    await applyManifest(ns, suspended('cel'));
    const seed = await patch(ns, 'cel', { spec: { algorithm: { seed: 99 } } });
    assert.notEqual(seed.code, 0);
    assert.match(seed.stderr, /spec\.algorithm: Invalid value.*seed.* are fixed once the experiment exists/s);
    const offspring = await patch(ns, 'cel', { spec: { algorithm: { offspringSize: 8 } } });
    assert.notEqual(offspring.code, 0, 'adding an absent fixed field is a change too');
    const template = await patch(ns, 'cel', { spec: { execution: { template: { spec: { containers: [{ name: 'evaluator', image: 'other:1' }] } } } } });
    assert.match(template.stderr, /spec\.execution: Invalid value.*template/s);
    const objectives = await patch(ns, 'cel', { spec: { objectives: ['error', 'params'] } });
    assert.match(objectives.stderr, /spec\.objectives: Invalid value.*is fixed once the experiment exists/s);
    const mutable = await patch(ns, 'cel', { spec: { suspend: false, algorithm: { generations: 3 }, execution: { parallelism: 5, maxFailedTrials: 2 } } });
    assert.equal(mutable.code, 0, mutable.stderr);
    const e = await experiment(ns, 'cel');
    assert.deepEqual([e.spec.algorithm.seed, e.spec.algorithm.generations, e.spec.execution.parallelism, e.spec.objectives], [1, 3, 5, ['error', 'flops']]);
  });

  test('a NASTrial made under other settings is not used: SettingsMismatch condition and Event', async () => {
    const ns = await createNamespace('fixed-stamp');
    namespaces.push(ns);
    await applyManifest(ns, suspended('stamp'));
    const kube = new Kube(kubeConfig());
    const reconciler = new Reconciler(kube, new Metrics(() => 0), log, { image: 'rwenas:test', serviceAccount: 'rwenas-evaluator', identity: 'stamp' });
    const read = async () => (await kube.custom.getNamespacedCustomObject({ group: 'rwenas.dev', version: 'v1alpha1', plural: 'nasexperiments', namespace: ns, name: 'stamp' })) as ExperimentObject;
    const trials = async () => (await getJson<{ items: TrialObject[] }>(['nastrials', '-n', ns])).items;
    const exp = await read();
    await reconciler.reconcile({ exp, trials: [], jobs: [], pods: [] });
    const made = await trials();
    assert.equal(made.length, 4);
    const resolved = resolveSpec(exp.spec);
    assert.ok(resolved.ok);
    const stamp = settingsDigest(lockDigests(resolved.spec));
    assert.deepEqual(made.map((t) => t.metadata.labels?.[LABEL_SETTINGS]), [stamp, stamp, stamp, stamp]);
    assert.equal((await experiment(ns, 'stamp')).status.phase, 'Suspended');

    // The status is lost, then a fixed field changes (the CRD rules refuse that through the
    // API, so the change is made in the object the reconcile reads): the old trials are not reused.
    await kubectlOk(['patch', 'nasexperiment', 'stamp', '-n', ns, '--subresource=status', '--type=merge', '-p', '{"status":null}']);
    const lost = await read();
    assert.equal(lost.status, undefined);
    const changed = { ...lost, spec: { ...(lost.spec as Record<string, unknown>), algorithm: { ...(lost.spec as { algorithm: object }).algorithm, seed: 99 } } };
    await reconciler.reconcile({ exp: changed, trials: made, jobs: [], pods: [] });
    const halted = await experiment(ns, 'stamp');
    const accepted = halted.status.conditions.find((c: { type: string }) => c.type === 'SpecAccepted');
    assert.equal(accepted.status, 'False');
    assert.equal(accepted.reason, 'SettingsMismatch');
    assert.match(accepted.message, new RegExp(`4 NASTrial\\(s\\) were made under other settings .* e\\.g\\. stamp-[0-9a-f]{12} \\(settings ${stamp}\\): their results are not used`));
    assert.equal(halted.status.trials, undefined, 'no counts or front from the mismatched trials');
    const events = await waitFor('a SettingsMismatch Event', async () => (await getJson<{ items: { reason: string; type: string }[] }>(['events', '-n', ns])).items.find((e) => e.reason === 'SettingsMismatch'));
    assert.equal(events.type, 'Warning');
    assert.deepEqual((await trials()).map((t) => t.status?.phase ?? 'Pending'), ['Pending', 'Pending', 'Pending', 'Pending'], 'nothing written to the trials');

    // With the spec in force again, a tampered stamp on one trial halts the same way.
    await kubectlOk(['label', 'nastrial', made[0].metadata.name, '-n', ns, `${LABEL_SETTINGS}=0000000000000000`, '--overwrite']);
    await reconciler.reconcile({ exp: await read(), trials: await trials(), jobs: [], pods: [] });
    const tampered = (await experiment(ns, 'stamp')).status.conditions.find((c: { type: string }) => c.type === 'SpecAccepted');
    assert.equal(tampered.reason, 'SettingsMismatch');
    assert.match(tampered.message, new RegExp(`1 NASTrial\\(s\\) .* e\\.g\\. ${made[0].metadata.name} \\(settings 0000000000000000\\)`));
    // Restored, the experiment goes on.
    await kubectlOk(['label', 'nastrial', made[0].metadata.name, '-n', ns, `${LABEL_SETTINGS}=${stamp}`, '--overwrite']);
    await reconciler.reconcile({ exp: await read(), trials: await trials(), jobs: [], pods: [] });
    const again = await experiment(ns, 'stamp');
    assert.equal(again.status.phase, 'Suspended');
    assert.equal(again.status.conditions.find((c: { type: string }) => c.type === 'SpecAccepted').status, 'True');
    // The operator's own lock still stands behind the CRD rules: a changed fixed field under a
    // kept status halts with FixedFieldChanged.
    const locked = await read();
    const reseeded = { ...locked, spec: { ...(locked.spec as Record<string, unknown>), algorithm: { ...(locked.spec as { algorithm: object }).algorithm, seed: 99 } } };
    await reconciler.reconcile({ exp: reseeded, trials: await trials(), jobs: [], pods: [] });
    const refused = (await experiment(ns, 'stamp')).status.conditions.find((c: { type: string }) => c.type === 'SpecAccepted');
    assert.deepEqual([refused.status, refused.reason], ['False', 'FixedFieldChanged']);
    assert.match(refused.message, /spec\.algorithm\.seed changed after the experiment started/);
  });
});
