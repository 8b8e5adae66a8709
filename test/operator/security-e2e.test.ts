// The operator's hardening on the real control plane (test/k8s): results cannot be forged with
// labels or annotations (issue 10 item 2). Each test has its own namespace and operator.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { apply, getJson, k8sSkip, kubectlOk, waitFor } from '../k8s/cluster.js';
import { apiProxy, applyManifest, comparable, e2eFixture, list, runLocally, startOperator, tableCsv, tableExperiment, waitPhase } from './harness.js';

const skip = k8sSkip || (!existsSync(tableCsv) && process.env.CI !== 'true' ? `no NAS-Bench-201 table at ${tableCsv}` : false);

describe('operator hardening on the test control plane', { skip }, () => {
  const { operators, namespace, cleanup } = e2eFixture();
  after(cleanup);

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

  test('a 409 is adopted only with a matching owner uid: a re-created experiment meets a Conflict condition, a NASTrial that lost its labels is adopted', async () => {
    const ns = await namespace('op-conflict');
    const op = await startOperator(ns, { identity: 'conflict-0' });
    operators.push(op);
    const manifest = tableExperiment('same', { population: 4, generations: 0, trialsPerJob: 4 });
    await applyManifest(ns, manifest);
    await waitPhase(ns, 'same', ['Succeeded']);
    // Delete it but keep its NASTrials (orphaned), then create the same name again: a new uid.
    await kubectlOk(['delete', 'nasexperiment', 'same', '-n', ns, '--cascade=orphan', '--wait']);
    await applyManifest(ns, manifest);
    const blocked = await waitFor('a Conflict condition', async () => {
      const e = await getJson(['nasexperiment', 'same', '-n', ns]);
      return e.status?.conditions?.find((c: { type: string; status: string }) => c.type === 'Conflict' && c.status === 'True') ? e : undefined;
    }, { timeoutMs: 60_000 });
    const conflict = blocked.status.conditions.find((c: { type: string }) => c.type === 'Conflict');
    // Deleting with --cascade=orphan strips the old owner reference: the trials and Job have none.
    // NASTrials and Jobs are created together, so either may be the one reported.
    assert.match(conflict.message, /^(NASTrial same-[0-9a-f]{12} exists but is not this experiment's \(owner: none; genome the same\): delete it, or give the experiment another name|Job same-g0-b0-a0 exists but is not this experiment's evaluator Job \(another owner\): delete it)$/);
    assert.notEqual(blocked.status.phase, 'Succeeded', 'the old results were not taken over');
    const events = JSON.parse(await kubectlOk(['get', 'events', '-n', ns, '--field-selector', 'reason=ObjectConflict', '-o', 'json'])).items;
    assert.ok(events.length > 0, 'an ObjectConflict Event');
    // Removing the stale trials clears it; the new experiment then runs on its own.
    await kubectlOk(['delete', 'nastrials,jobs', '-n', ns, '-l', 'rwenas.dev/experiment=same', '--wait']);
    const done = await waitPhase(ns, 'same', ['Succeeded', 'Failed']);
    assert.equal(done.status.phase, 'Succeeded');
    assert.equal(done.status.conditions.find((c: { type: string }) => c.type === 'Conflict').status, 'False');

    // Its own NASTrial without labels (so not in the operator's cache) is adopted and relabelled.
    const m2 = tableExperiment('relabel', { population: 4, generations: 1, trialsPerJob: 2, parallelism: 1 });
    await applyManifest(ns, m2);
    const first = await waitFor('a NASTrial', async () => (await list(ns, 'nastrials', 'rwenas.dev/experiment=relabel'))[0], { timeoutMs: 60_000 });
    await kubectlOk(['label', 'nastrial', first.metadata.name, '-n', ns, 'rwenas.dev/experiment-', 'rwenas.dev/generation-']);
    const fin = await waitPhase(ns, 'relabel', ['Succeeded', 'Failed']);
    assert.equal(fin.status.phase, 'Succeeded', JSON.stringify(fin.status.conditions));
    const back = await getJson(['nastrial', first.metadata.name, '-n', ns]);
    assert.equal(back.metadata.labels['rwenas.dev/experiment'], 'relabel');
  });

  test('a hung evaluator fails its attempt at spec.execution.timeoutSeconds; finished Jobs and pods are deleted after --job-ttl', async () => {
    const ns = await namespace('op-stuck');
    const op = await startOperator(ns, { identity: 'stuck-0', args: ['--job-ttl', '2s'] });
    operators.push(op);
    // Hangs for ever before evaluating (the timer keeps node alive).
    const hang = `data:text/javascript,${encodeURIComponent('setInterval(() => {}, 1000); await new Promise(() => {});')}`;
    const hung = tableExperiment('hung', { population: 4, generations: 0, trialsPerJob: 4, backoffLimit: 0, maxFailedTrials: 10, env: [{ name: 'NODE_OPTIONS', value: `--import=${hang}` }] }) as { spec: { execution: Record<string, unknown> } };
    hung.spec.execution.timeoutSeconds = 3;
    await applyManifest(ns, hung);
    const h = await waitPhase(ns, 'hung', ['Succeeded', 'Failed'], 120_000);
    assert.equal(h.status.trials.failed, 4, JSON.stringify(h.status));
    for (const t of await list(ns, 'nastrials', 'rwenas.dev/experiment=hung')) assert.match(t.status.message, /DeadlineExceeded|deadline/i, t.status.message);
    await applyManifest(ns, tableExperiment('ttl', { population: 4, generations: 0, trialsPerJob: 2 }));
    assert.equal((await waitPhase(ns, 'ttl', ['Succeeded', 'Failed'])).status.phase, 'Succeeded');
    await waitFor('finished Jobs and their pods deleted', async () => (await list(ns, 'jobs')).length === 0 && (await list(ns, 'pods')).length === 0, { timeoutMs: 90_000 });
    assert.equal((await list(ns, 'nastrials', 'rwenas.dev/experiment=ttl')).filter((t) => t.status?.phase === 'Succeeded').length, 4, 'the results stay');
  });

  test('a leader whose Lease requests hang steps down within its renew deadline, before a standby takes over', async () => {
    const ns = await namespace('op-partition');
    const proxy = await apiProxy();
    try {
      const election = ['--leader-elect', '--leader-election-namespace', ns, '--lease-duration', '6s', '--renew-deadline', '3s', '--retry-period', '500ms'];
      const a = await startOperator(ns, { identity: 'part-a', kubeconfig: proxy.kubeconfig, args: election });
      operators.push(a);
      await waitFor('a to lead', () => a.logs().includes('became leader'), { timeoutMs: 30_000 }).catch((err) => assert.fail(`${err.message}: ${a.logs().slice(-2000)}`));
      const b = await startOperator(ns, { identity: 'part-b', args: election });
      operators.push(b);
      const exited = new Promise<number>((r) => a.proc.on('exit', () => r(Date.now())));
      const frozenAt = Date.now();
      proxy.freeze();
      // Without a deadline on each request, a waited on its hung renewal and kept leading.
      const aStopped = await Promise.race([exited, new Promise<number>((r) => setTimeout(() => r(0), 20_000))]);
      assert.ok(aStopped > 0, `a did not step down within 20 s of the partition: ${a.logs().slice(-1500)}`);
      assert.ok(aStopped - frozenAt < 6_000, `a stepped down ${aStopped - frozenAt} ms after the partition, later than its lease duration`);
      assert.match(a.logs(), /lost leadership: could not renew the lease in time/);
      const bLeads = await waitFor('b to lead', () => (b.logs().includes('became leader') ? Date.now() : undefined), { timeoutMs: 30_000 });
      assert.ok(bLeads >= aStopped, 'never two leaders: b took over only after a had stopped');
      await applyManifest(ns, tableExperiment('part', { population: 4, generations: 0, trialsPerJob: 2 }));
      assert.equal((await waitPhase(ns, 'part', ['Succeeded', 'Failed'])).status.phase, 'Succeeded');
    } finally {
      proxy.thaw();
      await proxy.close();
    }
  });

  test('a large population is created in bounded batches: at most 100 NASTrials per reconcile', async () => {
    const ns = await namespace('op-batches');
    const op = await startOperator(ns, { identity: 'batches-0' });
    operators.push(op);
    await applyManifest(ns, tableExperiment('big', { population: 240, generations: 0, trialsPerJob: 16, parallelism: 4 }));
    const exp = await waitPhase(ns, 'big', ['Succeeded', 'Failed'], 240_000);
    assert.equal(exp.status.phase, 'Succeeded', JSON.stringify(exp.status.conditions));
    assert.equal(exp.status.trials.succeeded, 240);
    const created = op.logs().split('\n').filter((l) => l.includes('"created NASTrials"')).map((l) => JSON.parse(l).created as number);
    assert.ok(created.length >= 3, `creates in ${created.length} reconcile(s): ${created.join(', ')}`);
    assert.ok(Math.max(...created) <= 100, `one reconcile created ${Math.max(...created)}`);
    assert.equal(created.reduce((a, b) => a + b, 0), 240);
  });

  test('unschedulable pods and Jobs refused by quota show as an EvaluationsBlocked condition and Event', async () => {
    const ns = await namespace('op-blocked');
    const op = await startOperator(ns, { identity: 'blocked-0' });
    operators.push(op);
    const blocked = async (name: string, pattern: RegExp) => waitFor(`${name} blocked`, async () => {
      const c = (await getJson(['nasexperiment', name, '-n', ns])).status?.conditions?.find((x: { type: string; status: string }) => x.type === 'EvaluationsBlocked' && x.status === 'True');
      return c && pattern.test(c.message) ? c : undefined;
    }, { timeoutMs: 60_000 });
    // No node has this label: the scheduler leaves the pod Pending, Unschedulable.
    const nowhere = tableExperiment('nowhere', { population: 4, generations: 0, trialsPerJob: 4 }) as { spec: { execution: { template: { spec: Record<string, unknown> } } } };
    nowhere.spec.execution.template.spec.nodeSelector = { 'rwenas.dev/no-such-node': 'x' };
    await applyManifest(ns, nowhere);
    const c1 = await blocked('nowhere', /^Job nowhere-g0-b0-a0: pod nowhere-g0-b0-a0-\S+ Unschedulable: /);
    assert.match(c1.message, /node\(s\) didn't match|didn't match Pod's node affinity\/selector/);
    // A quota of no Jobs: the API server refuses the create.
    await apply({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'no-jobs' }, spec: { hard: { 'count/jobs.batch': '1' } } }, ns);
    await waitFor('the quota counted', async () => (await getJson(['resourcequota', 'no-jobs', '-n', ns])).status?.used?.['count/jobs.batch'] === '1', { timeoutMs: 30_000 });
    await applyManifest(ns, tableExperiment('quota', { population: 4, generations: 0, trialsPerJob: 4 }));
    const c2 = await blocked('quota', /^Job quota-g0-b0-a0 refused by the API server \(403\): .*exceeded quota: no-jobs/);
    assert.ok(c2);
    const events = JSON.parse(await kubectlOk(['get', 'events', '-n', ns, '--field-selector', 'reason=EvaluationsBlocked', '-o', 'json'])).items;
    assert.ok(events.length >= 2, 'an EvaluationsBlocked Event per experiment');
    // Once the way is clear, the condition clears and the experiments finish.
    await kubectlOk(['delete', 'nasexperiment', 'nowhere', '-n', ns, '--wait']);
    await waitFor('the quota freed', async () => (await getJson(['resourcequota', 'no-jobs', '-n', ns])).status?.used?.['count/jobs.batch'] === '0', { timeoutMs: 60_000 });
    const done = await waitPhase(ns, 'quota', ['Succeeded', 'Failed'], 120_000);
    assert.equal(done.status.phase, 'Succeeded');
    assert.equal(done.status.conditions.find((c: { type: string }) => c.type === 'EvaluationsBlocked').status, 'False');
  });

  test('an evaluator image that cannot be pulled shows as EvaluationsBlocked (ImagePullBackOff), and timeoutSeconds fails the attempt', async () => {
    const ns = await namespace('op-nopull');
    const op = await startOperator(ns, { identity: 'nopull-0' });
    operators.push(op);
    // A registry under the reserved .invalid domain: the (process) kubelet cannot resolve it.
    const manifest = tableExperiment('nopull', { population: 4, generations: 0, trialsPerJob: 4, backoffLimit: 0, maxFailedTrials: 0 }) as {
      spec: { execution: { timeoutSeconds?: number; template: { spec: { containers: { image: string }[] } } } };
    };
    manifest.spec.execution.template.spec.containers[0].image = 'registry.invalid/rwenas:0.0.0';
    manifest.spec.execution.timeoutSeconds = 12;
    await applyManifest(ns, manifest);
    const blocked = await waitFor('nopull blocked', async () => {
      const c = (await getJson(['nasexperiment', 'nopull', '-n', ns])).status?.conditions?.find((x: { type: string; status: string }) => x.type === 'EvaluationsBlocked' && x.status === 'True');
      return c && /ImagePullBackOff|ErrImagePull/.test(c.message) ? c : undefined;
    }, { timeoutMs: 60_000 });
    assert.match(blocked.message, /^Job nopull-g0-b0-a0: pod nopull-g0-b0-a0-\S+ (ImagePullBackOff|ErrImagePull): .*registry\.invalid\/rwenas:0\.0\.0/);
    const events = JSON.parse(await kubectlOk(['get', 'events', '-n', ns, '--field-selector', 'reason=EvaluationsBlocked', '-o', 'json'])).items;
    assert.ok(events.some((e: { involvedObject: { name: string } }) => e.involvedObject.name === 'nopull'), 'an EvaluationsBlocked Event');
    // Not Running for ever: at timeoutSeconds the Job fails, and with no retries left its trials Fail.
    const done = await waitPhase(ns, 'nopull', ['Succeeded', 'Failed'], 90_000);
    assert.equal(done.status.phase, 'Failed');
    const trials = await list(ns, 'nastrials', 'rwenas.dev/experiment=nopull');
    assert.equal(trials.length, 4);
    for (const t of trials) {
      assert.equal(t.status.phase, 'Failed');
      assert.match(t.status.message, /deadline|DeadlineExceeded/i);
    }
  });
});
