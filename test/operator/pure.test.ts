// The operator's pure parts, without a cluster: names, batching, the evaluator Job, spec
// locking, conditions, result decoding, the work queue and the RBAC table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batches, jobName, trialName } from '../../operator/naming.js';
import { buildJob, jobState } from '../../operator/jobs.js';
import { changedFields, lockDigests, resolveSpec } from '../../operator/spec.js';
import { countTrials, mergeConditions, topLevelPatch } from '../../operator/status.js';
import { decodeResults, describeTermination } from '../../operator/results.js';
import { toResult } from '../../search/study.js';
import { WorkQueue } from '../../operator/workqueue.js';
import { API_CALLS, rbacRules } from '../../operator/rbac.js';
import type { ExperimentObject, TrialObject } from '../../operator/types.js';

const exp: ExperimentObject = { metadata: { name: 'exp1', namespace: 'ns', uid: 'u-1', generation: 1 } };
const rawSpec = {
  searchSpace: { name: 'nb201' },
  evaluation: { method: 'table' },
  execution: {
    trialsPerJob: 2,
    template: {
      metadata: { labels: { team: 'a' } },
      spec: {
        nodeSelector: { gpu: 'yes' },
        tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists' }],
        containers: [
          { name: 'evaluator', image: 'me/rwenas:1', resources: { limits: { 'nvidia.com/gpu': 1 } }, env: [{ name: 'A', value: '1' }] },
        ],
      },
    },
  },
};

test('names are deterministic and fit Kubernetes limits', () => {
  assert.equal(trialName('exp1', '0123456789abcdef'), 'exp1-0123456789ab');
  const long = 'e'.repeat(40);
  assert.ok(jobName(long, 9999, 9999, 99).length <= 63);
  assert.deepEqual(batches([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
  assert.throws(() => batches([1], 0), /batch size/);
});

test('the evaluator Job keeps the user template but owns command, env and security', () => {
  const r = resolveSpec(rawSpec);
  assert.ok(r.ok);
  const job = buildJob(exp, r.spec, { name: 'exp1-g0-b0-a0', generation: 0, batch: 0, attempt: 0, trials: [{ name: 't1', genome: 'g1' }] }, { image: 'default:1', serviceAccount: 'rwenas-evaluator', specConfigMap: 'exp1-spec-x' });
  const pod = job.spec!.template.spec!;
  const c = pod.containers.find((x) => x.name === 'evaluator')!;
  assert.equal(c.image, 'me/rwenas:1');
  assert.deepEqual(c.command, ['rwenas']);
  assert.deepEqual(c.resources, { limits: { 'nvidia.com/gpu': 1 } });
  assert.equal(c.env!.find((e) => e.name === 'A')!.value, '1');
  assert.deepEqual(JSON.parse(c.env!.find((e) => e.name === 'RWENAS_BATCH')!.value!), { trials: [{ name: 't1', genome: 'g1' }] });
  assert.equal(c.env!.find((e) => e.name === 'RWENAS_SPEC_FILE')!.value, '/rwenas-spec/experiment.json');
  assert.deepEqual(pod.volumes!.find((v) => v.name === 'rwenas-spec')!.configMap, { name: 'exp1-spec-x', items: [{ key: 'experiment.json', path: 'experiment.json' }] });
  assert.equal(c.terminationMessagePolicy, 'FallbackToLogsOnError');
  assert.deepEqual(c.securityContext!.capabilities, { drop: ['ALL'] });
  assert.equal(c.securityContext!.readOnlyRootFilesystem, true);
  assert.equal(c.securityContext!.allowPrivilegeEscalation, false);
  assert.equal(pod.automountServiceAccountToken, false);
  assert.equal(pod.securityContext!.runAsNonRoot, true);
  assert.equal(pod.restartPolicy, 'Never');
  assert.deepEqual(pod.nodeSelector, { gpu: 'yes' });
  assert.equal(pod.containers.length, 1);
  assert.ok(pod.volumes!.some((v) => v.emptyDir) && c.volumeMounts!.some((m) => m.mountPath === '/rwenas-scratch'));
  assert.equal(c.env!.find((e) => e.name === 'TMPDIR')!.value, '/rwenas-scratch');
  assert.equal(job.spec!.template.metadata!.labels!.team, 'a');
  assert.equal(job.spec!.template.metadata!.labels!['rwenas.dev/experiment'], 'exp1');
  assert.deepEqual(job.metadata!.ownerReferences, [{ apiVersion: 'rwenas.dev/v1alpha1', kind: 'NASExperiment', name: 'exp1', uid: 'u-1', controller: true, blockOwnerDeletion: true }]);
  assert.equal(jobState(job), 'Active');
  assert.equal(jobState({ status: { conditions: [{ type: 'Failed', status: 'True' }] } } as never), 'Failed');
});

test('a template without an evaluator container gets one with the default image', () => {
  const r = resolveSpec({ searchSpace: { name: 'nb201' } });
  assert.ok(r.ok);
  const job = buildJob(exp, r.spec, { name: 'j', generation: 0, batch: 0, attempt: 0, trials: [] }, { image: 'default:1', serviceAccount: 'rwenas-evaluator', specConfigMap: 'exp1-spec-x' });
  assert.equal(job.spec!.template.spec!.containers[0].image, 'default:1');
});

test('resolveSpec reports semantic problems with field paths', () => {
  const bad = resolveSpec({ searchSpace: { name: 'nb201' }, algorithm: { initialGenomes: ['|nope|'] } });
  assert.equal(bad.ok, false);
  assert.match((bad as { problems: string[] }).problems.join('\n'), /spec\.algorithm\.initialGenomes\[0\]/);
});

test('fixed spec fields are locked; generations, parallelism, maxFailedTrials and suspend may change', () => {
  const a = resolveSpec(rawSpec);
  const b = resolveSpec({ ...rawSpec, suspend: true, algorithm: { generations: 3 }, execution: { ...rawSpec.execution, parallelism: 9, maxFailedTrials: 1 } });
  const c = resolveSpec({ ...rawSpec, algorithm: { seed: 7 } });
  assert.ok(a.ok && b.ok && c.ok);
  assert.deepEqual(changedFields(lockDigests(a.spec), lockDigests(b.spec)), []);
  assert.deepEqual(changedFields(lockDigests(a.spec), lockDigests(c.spec)), ['spec.algorithm.seed']);
});

test('conditions keep lastTransitionTime until their status changes', () => {
  const one = mergeConditions(undefined, [{ type: 'Progressing', status: 'True', reason: 'Evaluating', message: 'a' }], 1, 't1');
  const two = mergeConditions(one, [{ type: 'Progressing', status: 'True', reason: 'Evaluating', message: 'b' }], 2, 't2');
  assert.equal(two[0].lastTransitionTime, 't1');
  assert.equal(two[0].observedGeneration, 2);
  const three = mergeConditions(two, [{ type: 'Progressing', status: 'False', reason: 'Suspended', message: 'c' }], 2, 't3');
  assert.equal(three[0].lastTransitionTime, 't3');
  assert.deepEqual(topLevelPatch({ a: 1, b: 2 }, { a: 1, c: 3 }), { c: 3, b: null });
});

test('batch results decode per trial; garbage and missing trials are errors', () => {
  const msg = JSON.stringify({ trials: [{ name: 't1', status: 'Succeeded', objectives: { error: 10, flops: 5 }, durationMs: 1200 }, { name: 't2', status: 'Failed', objectives: {}, reason: 'bad genome' }] });
  const r = decodeResults(msg, ['t1', 't2']);
  assert.deepEqual(r.get('t1'), { name: 't1', status: 'Succeeded', objectives: { error: 10, flops: 5 }, durationMs: 1200 });
  assert.equal(r.get('t2')!.status, 'Failed');
  assert.throws(() => decodeResults('garbage', ['t1']), /not a batch result/);
  assert.throws(() => decodeResults(msg, ['t1', 't3']), /lacks trial\(s\) t3/);
  assert.deepEqual(toResult('t1', r.get('t1')!, ['error', 'params']), { trial: 't1', status: 'Failed', objectives: { error: 10, flops: 5 }, reason: 'the evaluator reported no params' });
  assert.match(describeTermination('p', { exitCode: 2, reason: 'Error', message: 'x\ndataset missing' }), /exited 2 \(Error\): x \| dataset missing/);
});

test('trial counts by phase', () => {
  const t = (phase?: string) => ({ metadata: { name: 'x' }, spec: {}, status: phase ? { phase } : undefined }) as unknown as TrialObject;
  assert.deepEqual(countTrials([t(), t('Running'), t('Succeeded'), t('Failed'), t('Succeeded')]), { total: 5, pending: 1, running: 1, succeeded: 2, failed: 1, evaluated: 3 });
});

test('the work queue serialises a key, dedups, and backs off exponentially', async () => {
  const q = new WorkQueue({ baseDelayMs: 10 });
  q.add('a');
  q.add('a');
  q.add('b');
  assert.equal(q.depth, 2);
  const k1 = await q.get();
  assert.equal(k1, 'a');
  q.add('a'); // while processing: not handed out again until done
  assert.equal(await q.get(), 'b');
  assert.equal(q.depth, 0);
  q.done('a');
  assert.equal(q.depth, 1);
  assert.equal(await q.get(), 'a');
  q.done('a');
  q.done('b');
  assert.equal(q.backoff(0), 10);
  assert.equal(q.backoff(3), 80);
  q.addRateLimited('c');
  assert.equal(q.depth, 0, 'held back for its backoff');
  assert.equal(q.failuresOf('c'), 1);
  // Wait for the key itself (the deadline only bounds the wait, and keeps the loop alive:
  // the queue's timers are unref'd).
  let deadline: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (deadline = setTimeout(() => reject(new Error('c never came back')), 10_000)));
  assert.equal(await Promise.race([q.get(), timeout]), 'c');
  clearTimeout(deadline);
  q.done('c');
  q.shutdown();
  assert.equal(await q.get(), undefined);
});

test('RBAC rules come from the API call table, one rule per resource', () => {
  const rules = rbacRules('cluster');
  const jobs = rules.find((r) => r.resources[0] === 'jobs')!;
  assert.deepEqual(jobs.verbs, ['create', 'delete', 'get', 'list', 'watch']);
  assert.deepEqual(rbacRules('operator'), [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create', 'get', 'update'] }]);
  assert.equal(Object.keys(API_CALLS).length, rules.reduce((n, r) => n + r.verbs.length, 0) + 3);
});
