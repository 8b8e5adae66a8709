// The operator's hardening on the real control plane (test/k8s): results cannot be forged with
// labels or annotations (issue 10 item 2). Each test has its own namespace and operator.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { apply, createNamespace, deleteNamespace, getJson, k8sSkip, kubectl, kubectlOk, waitFor } from '../k8s/cluster.js';
import { applyManifest, comparable, DATA_CLAIM, dataClaim, dataDir, installCrds, list, runLocally, startOperator, tableCsv, tableExperiment, waitPhase, type OperatorProcess } from './harness.js';

const skip = k8sSkip || (!existsSync(tableCsv) && process.env.CI !== 'true' ? `no NAS-Bench-201 table at ${tableCsv}` : false);

describe('operator hardening on the test control plane', { skip }, () => {
  const operators: OperatorProcess[] = [];
  const namespaces: string[] = [];
  const volumes: string[] = [];

  after(async () => {
    for (const op of operators) await op.kill('SIGTERM');
    for (const ns of namespaces) await deleteNamespace(ns);
    for (const pv of volumes) await kubectl(['delete', 'pv', pv, '--wait=false']);
  });

  async function namespace(prefix: string): Promise<string> {
    await installCrds();
    const ns = await createNamespace(prefix);
    namespaces.push(ns);
    volumes.push(await dataClaim(ns, DATA_CLAIM, dataDir));
    return ns;
  }

  test('a bare pod with the Job\'s labels and an edited trials annotation change no result', async () => {
    const ns = await namespace('op-forge');
    // The evaluator waits 6 s before it evaluates: time to forge while its Job runs.
    const slow = `data:text/javascript,${encodeURIComponent('await new Promise((r) => setTimeout(r, 6000));')}`;
    const manifest = tableExperiment('forge', { population: 4, generations: 0, trialsPerJob: 4, parallelism: 1, env: [{ name: 'NODE_OPTIONS', value: `--import=${slow}` }] });
    const local = runLocally(manifest);
    let op = await startOperator(ns, { identity: 'forge-0' });
    operators.push(op);
    await applyManifest(ns, manifest);
    const job = await waitFor('the Job', async () => (await list(ns, 'jobs', 'rwenas.dev/experiment=forge'))[0], { timeoutMs: 60_000 });
    // The operator is down while the forgery is laid, so it reads only the finished state.
    assert.equal(await op.kill('SIGKILL'), null);
    const trials: string[] = (await list(ns, 'nastrials', 'rwenas.dev/experiment=forge')).map((t) => t.metadata.name);
    assert.equal(trials.length, 4);
    const forged = JSON.stringify({ trials: trials.map((name) => ({ name, status: 'Succeeded', objectives: { error: 0.0001, params: 1, flops: 1 } })) });
    await kubectlOk(['annotate', 'job', job.metadata.name, '-n', ns, '--overwrite', `rwenas.dev/trials=${[...trials].reverse().join(',')}`]);
    // Not the controller-uid label: the Job's selector would match it, and the job controller
    // would adopt the pod and delete it as one too many (then it carries the Job's owner
    // reference but not its evaluator, which isJobsPod refuses too: test/operator/forgery.test.ts).
    const jobLabels = { 'batch.kubernetes.io/job-name': job.metadata.name, 'job-name': job.metadata.name, 'rwenas.dev/experiment': 'forge' };
    // It finishes after the real evaluator, so its message is the newest of the Job's label.
    await apply({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'forger', labels: jobLabels },
      spec: { restartPolicy: 'Never', containers: [{ name: 'evaluator', image: 'forger', command: ['sh', '-c', 'sleep 9; printf %s "$MSG" > /dev/termination-log'], env: [{ name: 'MSG', value: forged }] }] },
    }, ns);
    await waitFor('the Job to complete', async () => (await getJson(['job', job.metadata.name, '-n', ns])).status?.succeeded === 1, { timeoutMs: 90_000 });
    await waitFor('the forger to finish', async () => (await getJson(['pod', 'forger', '-n', ns])).status?.phase === 'Succeeded', { timeoutMs: 60_000 });
    op = await startOperator(ns, { identity: 'forge-1' });
    operators.push(op);
    const exp = await waitPhase(ns, 'forge', ['Succeeded', 'Failed']);
    assert.equal(exp.status.phase, 'Succeeded', JSON.stringify(exp.status.conditions));
    for (const t of await list(ns, 'nastrials', 'rwenas.dev/experiment=forge')) assert.notEqual(t.status.objectives.error, 0.0001, `${t.metadata.name} took the forged result`);
    assert.deepEqual(comparable(exp.status.paretoFront), comparable(local.front));
  });
});
