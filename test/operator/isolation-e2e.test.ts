// Faults of evaluator pods on the real control plane (test/k8s), with the process kubelet
// running `rwenas evaluate` (issue 10 item 10): a genome that kills its pod (the injected
// fault SIGKILLs it on that genome, as the kernel's OOM killer would) must fail alone, the
// rest of its batch evaluated; a pod the cluster evicts is no fault of its genomes at all.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { k8sSkip, kubectlOk, waitFor } from '../k8s/cluster.js';
import { applyManifest, e2eFixture, list, runLocally, startOperator, tableCsv, tableExperiment, waitPhase } from './harness.js';

const skip = k8sSkip || (!existsSync(tableCsv) && process.env.CI !== 'true' ? `no NAS-Bench-201 table at ${tableCsv}` : false);

describe('evaluator pod faults', { skip }, () => {
  const { operators, namespace, cleanup } = e2eFixture();
  after(cleanup);

  test('a genome that gets its pod OOM-killed fails alone; the rest of its batch is evaluated and recorded', async () => {
    const ns = await namespace('op-isolate');
    const base = tableExperiment('isolate', { population: 4, generations: 0, trialsPerJob: 4, parallelism: 1, backoffLimit: 1, maxFailedTrials: 1 });
    const local = runLocally(base);
    const culprit = local.genomes[1];
    const manifest = tableExperiment('isolate', { population: 4, generations: 0, trialsPerJob: 4, parallelism: 1, backoffLimit: 1, maxFailedTrials: 1, env: [{ name: 'RWENAS_TEST_FAULT', value: `kill:${culprit}` }] });
    const op = await startOperator(ns, { identity: 'isolate-0' });
    operators.push(op);
    await applyManifest(ns, manifest);
    const exp = await waitPhase(ns, 'isolate', ['Succeeded', 'Failed'], 240_000);
    assert.equal(exp.status.phase, 'Succeeded', JSON.stringify(exp.status.conditions));

    const trials = await list(ns, 'nastrials', 'rwenas.dev/experiment=isolate');
    const byGenome = new Map(trials.map((t) => [t.spec.genome, t]));
    assert.equal(trials.length, 4);
    const bad = byGenome.get(culprit);
    assert.equal(bad.status.phase, 'Failed');
    assert.match(bad.status.message, new RegExp(`exited 137.* while evaluating ${bad.metadata.name}$`));
    for (const t of local.trials.filter((x) => x.genome !== culprit)) {
      const got = byGenome.get(t.genome);
      assert.equal(got.status.phase, 'Succeeded', `${got.metadata.name}: ${got.status.message ?? ''}`);
      assert.deepEqual(got.status.objectives, t.objectives, 'the same result as rwenas run');
    }
    // a0 died on the culprit after one trial; a1 ran the other two and the culprit last; a2 and
    // a3 ran the culprit alone (two attempts that finished nothing: backoffLimit 1 spent).
    const jobs = (await list(ns, 'jobs', 'rwenas.dev/experiment=isolate')).sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
    const batchOf = (j: { spec: { template: { spec: { containers: { env: { name: string; value: string }[] }[] } } } }) =>
      JSON.parse(j.spec.template.spec.containers[0].env.find((e) => e.name === 'RWENAS_BATCH')!.value).trials.map((t: { genome: string }) => t.genome);
    assert.deepEqual(jobs.map((j) => j.metadata.name.replace(/^.*-(a\d+)$/, '$1')), ['a0', 'a1', 'a2', 'a3']);
    assert.deepEqual(batchOf(jobs[0]), local.genomes);
    assert.deepEqual(batchOf(jobs[1]), [local.genomes[2], local.genomes[3], culprit]);
    assert.deepEqual([batchOf(jobs[2]), batchOf(jobs[3])], [[culprit], [culprit]]);
    assert.ok(exp.status.frontSize > 0);
    assert.ok(exp.status.paretoFront.every((f: { genome: string }) => f.genome !== culprit), 'the failed trial is on no front');
  });

  test('an evicted evaluator pod is replaced by its Job: no attempt is spent, every trial Succeeds', async () => {
    const ns = await namespace('op-evict');
    // The evaluator waits 20 s before it evaluates: time to evict it while it runs.
    const slow = `data:text/javascript,${encodeURIComponent('await new Promise((r) => setTimeout(r, 20000));')}`;
    const manifest = tableExperiment('evict', { population: 4, generations: 0, trialsPerJob: 4, parallelism: 1, backoffLimit: 0, env: [{ name: 'NODE_OPTIONS', value: `--import=${slow}` }] });
    const local = runLocally(manifest);
    const op = await startOperator(ns, { identity: 'evict-0' });
    operators.push(op);
    await applyManifest(ns, manifest);
    const first = await waitFor('the evaluator pod running', async () => (await list(ns, 'pods', 'rwenas.dev/experiment=evict')).find((p) => p.status?.phase === 'Running'), { timeoutMs: 60_000 });
    // The Eviction API, as a node drain or the descheduler uses it: the API server marks the pod DisruptionTarget.
    const eviction = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: first.metadata.name, namespace: ns } };
    await kubectlOk(['create', '--raw', `/api/v1/namespaces/${ns}/pods/${first.metadata.name}/eviction`, '-f', '-'], { input: JSON.stringify(eviction) });
    const exp = await waitPhase(ns, 'evict', ['Succeeded', 'Failed'], 180_000);
    assert.equal(exp.status.phase, 'Succeeded', JSON.stringify(exp.status.conditions));
    const jobs = await list(ns, 'jobs', 'rwenas.dev/experiment=evict');
    assert.deepEqual(jobs.map((j) => j.metadata.name), ['evict-g0-b0-a0'], 'no second attempt: backoffLimit 0 was not needed');
    const trials = await list(ns, 'nastrials', 'rwenas.dev/experiment=evict');
    const byGenome = new Map(trials.map((t) => [t.spec.genome, t]));
    for (const t of local.trials) assert.deepEqual([byGenome.get(t.genome).status.phase, byGenome.get(t.genome).status.objectives], ['Succeeded', t.objectives]);
    const pods = await list(ns, 'pods', 'rwenas.dev/experiment=evict');
    assert.ok(pods.every((p) => p.metadata.name !== first.metadata.name), 'the evicted pod is gone; its Job made another');
  });
});
