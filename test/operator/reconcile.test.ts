// The reconcile's pure phases on hand-built snapshots, without a cluster: harvest (finished
// Jobs -> NASTrial statuses and retries), plan (NASTrials and Jobs due) and experimentStatus.
// These are the corner branches the e2e suite reaches only by timing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type * as k8s from '@kubernetes/client-node';
import { encodeBatchResult } from '../../evaluator/protocol.js';
import { harvest, POD_GRACE_MS, POD_RECHECK_MS } from '../../operator/harvest.js';
import { jobName, trialName } from '../../operator/naming.js';
import { plan } from '../../operator/plan.js';
import { resolveSpec } from '../../operator/spec.js';
import { experimentStatus } from '../../operator/status.js';
import { ANNOTATION_TRIALS, LABEL_ATTEMPT, LABEL_BATCH, LABEL_GENERATION, type TrialObject, type TrialStatus } from '../../operator/types.js';
import { SearchEngine } from '../../search/engine.js';
import type { ExperimentSpec } from '../../search/experiment/spec.js';
import { frontSummary, requiredObjectives } from '../../search/study.js';

const EXP = 'exp1';
const NOW = Date.parse('2026-01-01T00:10:00Z');

function resolved(over: Record<string, unknown> = {}) {
  const r = resolveSpec({ searchSpace: { name: 'nb201' }, evaluation: { method: 'table' }, algorithm: { populationSize: 6, generations: 1, seed: 3 }, ...over });
  assert.ok(r.ok, JSON.stringify(r));
  return r;
}
const spec = (execution: Record<string, unknown> = {}, rest: Record<string, unknown> = {}): ExperimentSpec => resolved({ execution: { trialsPerJob: 2, parallelism: 2, backoffLimit: 1, ...execution }, ...rest }).spec;

const engine = SearchEngine.create(resolved().settings);
const candidates = engine.ask();
const names = candidates.map((c) => trialName(EXP, c.trial));

function trial(i: number, status?: TrialStatus, genome = candidates[i].genome): TrialObject {
  return { metadata: { name: names[i] }, spec: { experiment: EXP, searchSpace: 'nb201', genome, genomeHash: candidates[i].trial, generation: 0 }, ...(status ? { status } : {}) };
}
const trialsOf = (list: TrialObject[]) => new Map(list.map((t) => [t.metadata.name, t]));

type JobState = 'Active' | 'Complete' | 'Failed';
function job(batch: number, attempt: number, state: JobState, trialNames: string[], completedAt = NOW - 1000): k8s.V1Job {
  const conditions = state === 'Active' ? [] : [{ type: state, status: 'True', message: state === 'Failed' ? 'BackoffLimitExceeded' : undefined }];
  return {
    metadata: {
      name: jobName(EXP, 0, batch, attempt),
      labels: { [LABEL_GENERATION]: '0', [LABEL_BATCH]: String(batch), [LABEL_ATTEMPT]: String(attempt) },
      annotations: { [ANNOTATION_TRIALS]: trialNames.join(',') },
      creationTimestamp: new Date(NOW - 60_000),
    },
    status: { conditions, ...(state === 'Complete' ? { completionTime: new Date(completedAt) } : {}) },
  } as k8s.V1Job;
}
function pod(jobObj: k8s.V1Job, message: string, exitCode = 0, reason?: string): k8s.V1Pod {
  const terminated = { exitCode, message, finishedAt: new Date(NOW - 2000), ...(reason ? { reason } : {}) };
  return { metadata: { name: `${jobObj.metadata!.name}-pod`, labels: { 'job-name': jobObj.metadata!.name! } }, status: { containerStatuses: [{ name: 'evaluator', state: { terminated } }] } } as unknown as k8s.V1Pod;
}
const podsOf = (list: k8s.V1Pod[]) => {
  const m = new Map<string, k8s.V1Pod[]>();
  for (const p of list) m.set(p.metadata!.labels!['job-name'], [...(m.get(p.metadata!.labels!['job-name']) ?? []), p]);
  return m;
};
// The operator's own plan: batch b of generation 0 is names[2b], names[2b+1] (trialsPerJob 2).
const planned = { experiment: EXP, batchTrials: (g: number, b: number) => (g === 0 ? names.slice(2 * b, 2 * b + 2) : []) };
const running = (job: string): TrialStatus => ({ phase: 'Running', job, attempts: 1, startTime: '2026-01-01T00:00:00.000Z' });
const succeeded: TrialStatus = { phase: 'Succeeded', objectives: { error: 10, params: 1, flops: 2 } };

test('harvest: a Complete Job without its pod waits out the pod grace period, then its attempt fails', () => {
  const s = spec();
  const j = job(0, 0, 'Complete', names.slice(0, 2), NOW - 1000);
  const trials = trialsOf([trial(0, running(j.metadata!.name!)), trial(1, running(j.metadata!.name!))]);
  const base = { ...planned, spec: s, required: requiredObjectives(s), trials, jobs: [j], podsByJob: podsOf([]) };
  const waiting = harvest({ ...base, now: NOW });
  assert.equal(waiting.requeueAfterMs, POD_RECHECK_MS);
  assert.deepEqual([waiting.results, [...waiting.retryable], waiting.failures], [[], [], []], 'nothing is decided within the grace period');
  const late = harvest({ ...base, now: NOW - 1000 + POD_GRACE_MS });
  assert.equal(late.requeueAfterMs, undefined);
  assert.deepEqual([...late.retryable], [j.metadata!.name], 'the attempt failed; a retry is due');
  assert.match(late.failures[0].reason, /completed but no pod is left to read its result from/);
  // A shorter grace period (ReconcileOptions.podGraceMs) is honoured.
  assert.equal(harvest({ ...base, now: NOW, podGraceMs: 500 }).retryable.size, 1);
});

test('harvest: only the latest attempt of a batch is retried or failed; an earlier attempt counts only with a result', () => {
  const s = spec({ backoffLimit: 2 });
  const a0 = job(0, 0, 'Failed', names.slice(0, 2));
  const a1 = job(0, 1, 'Failed', names.slice(0, 2));
  const trials = trialsOf([trial(0, running(a1.metadata!.name!)), trial(1, running(a1.metadata!.name!))]);
  const base = { ...planned, spec: s, required: requiredObjectives(s), trials, podsByJob: podsOf([pod(a0, 'oom', 137), pod(a1, 'oom', 137)]), now: NOW };
  const h = harvest({ ...base, jobs: [a0, a1] });
  assert.deepEqual([...h.retryable], [a1.metadata!.name]);
  assert.deepEqual(h.failures.map((f) => f.attempt), [1]);
  assert.deepEqual(h.results, []);
  const next = plan({ experiment: EXP, spec: s, generation: 0, candidates, trials, jobs: [a0, a1], retryable: h.retryable });
  assert.deepEqual(next.jobs.map((j) => [j.batch, j.attempt]), [[0, 2], [1, 0], [2, 0]].slice(0, 2), 'batch 0 goes on with attempt 2; parallelism 2 caps the rest');
  // While the latest attempt runs, an earlier failed one is not retried again, and only the latest marks Running.
  const a1Active = job(0, 1, 'Active', names.slice(0, 2));
  const h2 = harvest({ ...base, jobs: [a0, a1Active] });
  assert.deepEqual([h2.retryable.size, h2.failures.length], [0, 0]);
  assert.deepEqual(h2.running.map((r) => r.job.metadata!.name), [a1Active.metadata!.name]);
  assert.deepEqual(plan({ experiment: EXP, spec: s, generation: 0, candidates, trials, jobs: [a0, a1Active], retryable: h2.retryable }).jobs.map((j) => j.batch), [1]);
  // An earlier attempt that did leave a result is recorded.
  const a0Done = job(0, 0, 'Complete', names.slice(0, 2));
  const result = encodeBatchResult({ trials: names.slice(0, 2).map((name) => ({ name, status: 'Succeeded', objectives: { error: 9, params: 1, flops: 2 }, durationMs: 1500 })) });
  const h3 = harvest({ ...base, jobs: [a0Done, a1Active], podsByJob: podsOf([pod(a0Done, result)]) });
  assert.deepEqual(h3.results.map((r) => [r.trial, r.status.phase, r.status.job, r.durationMs]), names.slice(0, 2).map((n) => [n, 'Succeeded', a0Done.metadata!.name, 1500]));
  assert.deepEqual(h3.running, [], 'the running attempt has no open trials left');
});

test('harvest: a pod killed mid-batch keeps what it finished; the rest is retried with the trial it died on last, and only attempts that finish nothing count against backoffLimit', () => {
  const s = spec({ trialsPerJob: 4, backoffLimit: 1 });
  const four = { experiment: EXP, batchTrials: (g: number, b: number) => (g === 0 ? names.slice(4 * b, 4 * b + 4) : []) };
  const ok = (name: string) => ({ name, status: 'Succeeded' as const, objectives: { error: 9, params: 1, flops: 2 } });
  // The evaluator rewrites its message after each trial; the OOM killer ends it on names[1].
  const died = (finished: string[]) => encodeBatchResult({ running: names[1], trials: finished.map(ok) });
  const a = [0, 1, 2, 3].map((n) => job(0, n, 'Failed', []));
  const pods = podsOf([pod(a[0], died([names[0]]), 137, 'OOMKilled'), pod(a[1], died([names[2], names[3]]), 137, 'OOMKilled'), pod(a[2], died([]), 137, 'OOMKilled'), pod(a[3], died([]), 137, 'OOMKilled')]);
  const base = { ...four, spec: s, required: requiredObjectives(s), podsByJob: pods, now: NOW };
  const at = (i: number, job: k8s.V1Job) => trial(i, { phase: 'Succeeded', objectives: { error: 9, params: 1, flops: 2 }, job: job.metadata!.name!, attempts: 1 });
  const open = (i: number) => trial(i, running(a[0].metadata!.name!));

  const h0 = harvest({ ...base, trials: trialsOf([0, 1, 2, 3].map(open)), jobs: [a[0]] });
  assert.deepEqual(h0.results.map((r) => [r.trial, r.status.phase, r.status.job]), [[names[0], 'Succeeded', a[0].metadata!.name]], 'the finished trial is kept');
  assert.deepEqual([[...h0.retryable], [...h0.runLast]], [[a[0].metadata!.name], [[a[0].metadata!.name, names[1]]]]);
  const t1 = trialsOf([at(0, a[0]), open(1), open(2), open(3)]);
  const retry = plan({ experiment: EXP, spec: s, generation: 0, candidates, trials: t1, jobs: [a[0]], retryable: h0.retryable, runLast: h0.runLast }).jobs[0];
  assert.deepEqual([retry.attempt, retry.trials.map((t) => t.name)], [1, [names[2], names[3], names[1]]], 'the trial the pod died on goes last');

  const h1 = harvest({ ...base, trials: t1, jobs: [a[0], a[1]] });
  assert.deepEqual(h1.results.map((r) => r.trial), [names[2], names[3]]);
  assert.ok(h1.retryable.has(a[1].metadata!.name!), 'an attempt that finished trials is no strike');
  const t2 = trialsOf([at(0, a[0]), open(1), at(2, a[1]), at(3, a[1])]);
  const h2 = harvest({ ...base, trials: t2, jobs: a.slice(0, 3) });
  assert.deepEqual([h2.results, [...h2.retryable]], [[], [a[2].metadata!.name]], 'one attempt finished nothing: within backoffLimit 1');
  const h3 = harvest({ ...base, trials: t2, jobs: a });
  assert.deepEqual(h3.results.map((r) => [r.trial, r.status.phase, r.status.reason]), [[names[1], 'Failed', 'EvaluationFailed']], 'only the culprit fails');
  assert.match(h3.results[0].status.message!, new RegExp(`^failed 4 time\\(s\\), 2 of them finishing no trial \\(backoffLimit 1\\); last: pod .* exited 137 \\(OOMKilled\\).* while evaluating ${names[1]}$`));

  // After a restart nothing was recorded yet: the same decisions, whatever order the Jobs come in.
  const again = harvest({ ...base, trials: trialsOf([0, 1, 2, 3].map(open)), jobs: [a[1], a[0]] });
  assert.deepEqual([again.results.map((r) => r.trial).sort(), [...again.retryable]], [[names[0], names[2], names[3]].sort(), [a[1].metadata!.name]]);
  // A message that is no batch result (a crash's log tail) keeps nothing and is a strike.
  const garbled = harvest({ ...base, trials: trialsOf([0, 1, 2, 3].map(open)), jobs: [a[0]], podsByJob: podsOf([pod(a[0], 'Killed', 137)]) });
  assert.deepEqual([garbled.results, [...garbled.retryable], [...garbled.runLast]], [[], [a[0].metadata!.name], []]);
});

test('harvest: at backoffLimit the open trials fail with the last reason; a result without a required objective fails', () => {
  const s = spec({ backoffLimit: 1 });
  const a1 = job(0, 1, 'Failed', names.slice(0, 2));
  const trials = trialsOf([trial(0, running(a1.metadata!.name!)), trial(1, running(a1.metadata!.name!))]);
  const h = harvest({ ...planned, spec: s, required: requiredObjectives(s), trials, jobs: [a1], podsByJob: podsOf([pod(a1, 'boom', 1)]), now: NOW });
  assert.equal(h.retryable.size, 0);
  assert.deepEqual(h.results.map((r) => [r.status.phase, r.status.reason, r.status.attempts]), [['Failed', 'EvaluationFailed', 2], ['Failed', 'EvaluationFailed', 2]]);
  assert.match(h.results[0].status.message!, /^failed 2 time\(s\), 2 of them finishing no trial \(backoffLimit 1\); last: pod .* exited 1: boom$/);
  const done = job(1, 0, 'Complete', names.slice(2, 4));
  const msg = encodeBatchResult({ trials: [{ name: names[2], status: 'Succeeded', objectives: { error: 9, params: 1 } }, { name: names[3], status: 'Failed', objectives: {}, reason: 'bad genome' }] });
  const h2 = harvest({ ...planned, spec: s, required: requiredObjectives(s), trials: trialsOf([trial(2), trial(3)]), jobs: [done], podsByJob: podsOf([pod(done, msg)]), now: NOW });
  assert.deepEqual(h2.results.map((r) => [r.status.phase, r.status.message]), [['Failed', 'the evaluator reported no flops'], ['Failed', 'bad genome']]);
  // A degenerate network is Succeeded at the worst error; its note reaches the NASTrial's message.
  const note = 'degenerate network, recorded with the worst error (100%): NASWOT kernel is singular';
  const degenerate = encodeBatchResult({ trials: [{ name: names[2], status: 'Succeeded', objectives: { error: 100, params: 1, flops: 2 }, reason: note }, { name: names[3], status: 'Succeeded', objectives: { error: 9, params: 1, flops: 2 } }] });
  const h3 = harvest({ ...planned, spec: s, required: requiredObjectives(s), trials: trialsOf([trial(2), trial(3)]), jobs: [done], podsByJob: podsOf([pod(done, degenerate)]), now: NOW });
  assert.deepEqual(h3.results.map((r) => [r.status.phase, r.status.message, r.status.reason]), [['Succeeded', note, undefined], ['Succeeded', undefined, undefined]]);
});

test('plan: trials to create, batches of trialsPerJob, parallelism counting running Jobs, nothing for final batches', () => {
  const s = spec({ parallelism: 2 });
  const fresh = plan({ experiment: EXP, spec: s, generation: 0, candidates, trials: new Map(), jobs: [], retryable: new Set() });
  assert.deepEqual(fresh.create, candidates);
  assert.deepEqual(fresh.jobs.map((j) => [j.name, j.trials.map((t) => t.name)]), [[jobName(EXP, 0, 0, 0), names.slice(0, 2)], [jobName(EXP, 0, 1, 0), names.slice(2, 4)]]);
  assert.deepEqual(fresh.jobs[0].trials[0], { name: names[0], genome: candidates[0].genome });
  const trials = trialsOf(candidates.map((_, i) => trial(i, i < 2 ? succeeded : undefined)));
  const later = plan({ experiment: EXP, spec: s, generation: 0, candidates, trials, jobs: [job(1, 0, 'Active', names.slice(2, 4))], retryable: new Set() });
  assert.deepEqual(later.create, []);
  assert.deepEqual(later.jobs.map((j) => j.batch), [2], 'batch 0 is final, batch 1 runs (and counts towards parallelism)');
});

test('suspend with Jobs active: no new Jobs, the running ones finish, phase Suspended', () => {
  const s = spec({}, { suspend: true });
  const active = job(0, 0, 'Active', names.slice(0, 2));
  const trials = trialsOf(candidates.map((_, i) => trial(i, i < 2 ? running(active.metadata!.name!) : undefined)));
  const work = plan({ experiment: EXP, spec: s, generation: 0, candidates, trials, jobs: [active], retryable: new Set() });
  assert.deepEqual(work.jobs, []);
  const { status, events } = experimentStatus({
    experiment: EXP, old: { phase: 'Running', generation: 0 }, observed: 2, now: '2026-01-01T00:10:00.000Z', spec: s, locked: {},
    trials: trials.values(), generation: 0, done: false, candidates, summary: frontSummary(engine, s.objectives), activeJobs: 1,
  });
  assert.equal(status.phase, 'Suspended');
  const cond = (type: string) => status.conditions!.find((c) => c.type === type)!;
  assert.deepEqual([cond('Suspended').status, cond('Progressing').status, cond('Progressing').reason], ['True', 'False', 'Suspended']);
  assert.match(cond('Progressing').message!, /suspended at generation 0: no new Jobs start; 1 running finish/);
  assert.deepEqual(status.trials, { total: 6, pending: 4, running: 2, succeeded: 0, failed: 0, evaluated: 0 });
  assert.deepEqual(events.map((e) => [e.type, e.reason]), [['Normal', 'Suspended']]);
});

test('plan refuses a NASTrial whose name matches a candidate but holds another genome (hash-prefix collision)', () => {
  const other = candidates[1].genome;
  const trials = trialsOf([trial(0, undefined, other)]);
  assert.throws(() => plan({ experiment: EXP, spec: spec(), generation: 0, candidates, trials, jobs: [], retryable: new Set() }), new RegExp(`NASTrial ${names[0]} holds genome .* not .* \\(hash prefix collision\\)`));
  assert.throws(() => plan({ experiment: EXP, spec: spec({}, { suspend: true }), generation: 0, candidates, trials, jobs: [], retryable: new Set() }), /hash prefix collision/, 'also while suspended');
});

test('experimentStatus: Running with a GenerationStarted Event, Failed past the failure budget naming the last failure, Succeeded when done', () => {
  const s = spec();
  const base = { experiment: EXP, observed: 1, now: '2026-01-01T00:10:00.000Z', spec: s, locked: { x: 'y' }, generation: 0, candidates, summary: frontSummary(engine, s.objectives), activeJobs: 2 };
  const trials = candidates.map((_, i) => trial(i));
  const run = experimentStatus({ ...base, old: {}, trials, done: false });
  assert.equal(run.status.phase, 'Running');
  assert.equal(run.status.startTime, base.now);
  assert.deepEqual(run.status.lockedSpec, { x: 'y' });
  assert.deepEqual(run.events.map((e) => e.reason), ['Running', 'GenerationStarted']);
  assert.match(run.status.conditions!.find((c) => c.type === 'Progressing')!.message!, /generation 0 of 1: 0 of 6 trials evaluated, 2 Job\(s\) running/);
  const failedTrials = trials.map((t, i) => (i < 2 ? { ...t, status: { phase: 'Failed', reason: 'EvaluationFailed', message: `m${i}`, completionTime: `2026-01-01T00:0${i}:00.000Z` } as TrialStatus } : t));
  const failed = experimentStatus({ ...base, old: { phase: 'Running', startTime: 'then' }, trials: failedTrials, done: false, overBudget: '2 trials failed, more than spec.execution.maxFailedTrials (1)', activeJobs: 0 });
  assert.equal(failed.status.phase, 'Failed');
  assert.equal(failed.status.startTime, 'then');
  assert.equal(failed.status.completionTime, base.now);
  assert.equal(failed.status.conditions!.find((c) => c.type === 'Failed')!.message, `2 trials failed, more than spec.execution.maxFailedTrials (1); last failure, trial ${names[1]}: m1`);
  assert.deepEqual(failed.events.map((e) => [e.type, e.reason]), [['Warning', 'Failed']]);
  const done = experimentStatus({ ...base, old: { phase: 'Succeeded', generation: 0 }, trials, done: true, candidates: [] });
  assert.equal(done.status.phase, 'Succeeded');
  assert.deepEqual(done.events, [], 'no Event without a change');
});
