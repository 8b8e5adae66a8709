// Harvest: what finished Jobs say about their trials. Pure: from the trials, Jobs and pods of
// one experiment to the NASTrial statuses to write, and which failed attempts may be retried.
//  - a Complete Job's result is read from its evaluator container's termination message (a
//    Complete Job whose pod is gone gets `podGraceMs` for the pod to show up in the cache);
//  - a failed attempt (Failed Job, garbage or missing result) keeps the results its pod wrote
//    before it died (the evaluator rewrites its message after each trial), and counts only
//    when it is the latest attempt of its batch: then its open trials are retried (a new Job,
//    `-a<n+1>`) with the trial the pod died on last, so one genome that kills its pod (the
//    OOM killer) cannot take the rest of its batch with it. Only attempts that finished no
//    trial count against backoffLimit; past it, the open trials Fail;
//  - the trials of an active latest attempt are marked Running.
import type * as k8s from '@kubernetes/client-node';
import type { ExperimentSpec } from '../search/experiment/spec.js';
import type { ObjectiveName } from '../search/objectives.js';
import { toResult } from '../search/study.js';
import type { TrialResult } from '../search/trial.js';
import type { BatchTrialResult } from '../evaluator/protocol.js';
import { coordinatesOf, jobCoordinates, jobState, terminatedEvaluators } from './jobs.js';
import { decodePartialResults, decodeResults, describeTermination } from './results.js';
import { isFinal, type TrialObject, type TrialStatus } from './types.js';

/** How long a Complete Job may show no pod before its attempt counts as failed. */
export const POD_GRACE_MS = 30_000;
/** When to look again for a pod that has not shown up yet. */
export const POD_RECHECK_MS = 2000;

export interface HarvestInput {
  /** The experiment's name: Job coordinates are read from Job names. */
  readonly experiment: string;
  /**
   * The trial names of batch `batch` of `generation`, as the operator's own plan made them
   * (the engine's candidates, in order, cut into trialsPerJob): never from a Job's metadata,
   * which anyone allowed to edit Jobs could change. Empty for a batch that is not open.
   */
  readonly batchTrials: (generation: number, batch: number) => readonly string[];
  readonly spec: ExperimentSpec;
  readonly required: readonly ObjectiveName[];
  /** The experiment's NASTrials by name (this process's own writes laid over the cache). */
  readonly trials: ReadonlyMap<string, TrialObject>;
  /** The experiment's Jobs (controller owner uid, names of jobName's pattern). */
  readonly jobs: readonly k8s.V1Job[];
  /** Each Job's own pods (isJobsPod), by Job name. */
  readonly podsByJob: ReadonlyMap<string, readonly k8s.V1Pod[]>;
  readonly now: number;
  readonly podGraceMs?: number;
}

/** A final status for one NASTrial. */
export interface Harvested {
  readonly trial: string;
  readonly status: TrialStatus;
  /** The evaluation's own duration, when the evaluator reported one. */
  readonly durationMs?: number;
}

/** An active latest attempt's trials, to be marked Running. */
export interface RunningAttempt {
  readonly job: k8s.V1Job;
  readonly attempt: number;
  readonly trials: readonly string[];
}

export interface AttemptFailure {
  readonly generation: number;
  readonly job: string;
  readonly attempt: number;
  readonly reason: string;
}

export interface Harvest {
  readonly results: Harvested[];
  /** Latest attempts that failed with retries left (Job names): their next attempt is due. */
  readonly retryable: Set<string>;
  /** For a retryable attempt whose pod died evaluating a trial: that trial, to run last. */
  readonly runLast: Map<string, string>;
  readonly running: RunningAttempt[];
  /** Latest attempts that failed, for the log. */
  readonly failures: AttemptFailure[];
  /** Harvest again after this many ms (a pod the cache does not show yet). */
  readonly requeueAfterMs?: number;
}

/** The highest attempt number per `generation/batch`, from the Jobs' names. */
export function latestAttempts(experiment: string, jobs: readonly k8s.V1Job[]): Map<string, number> {
  const latest = new Map<string, number>();
  for (const j of jobs) {
    const { generation, batch, attempt } = coordinatesOf(experiment, j);
    const key = `${generation}/${batch}`;
    latest.set(key, Math.max(latest.get(key) ?? -1, attempt));
  }
  return latest;
}

const toIso = (d: Date | string | undefined): string | undefined => (d === undefined ? undefined : new Date(d).toISOString());

/** The final NASTrial status for a result of `job`'s attempt, finished at `at`. */
export function resultStatus(t: TrialObject | undefined, r: TrialResult & { durationMs?: number }, job: string, attempt: number, at: string, message?: string): TrialStatus {
  return {
    phase: r.status,
    objectives: r.objectives,
    job,
    attempts: attempt + 1,
    ...(r.durationMs !== undefined ? { durationSeconds: r.durationMs / 1000 } : {}),
    ...(r.status === 'Failed' ? { reason: r.reason && /^[A-Z][A-Za-z]*$/.test(r.reason) ? r.reason : 'EvaluationFailed', message: message ?? r.reason ?? 'the evaluation failed' } : {}),
    // A Succeeded trial's note (a degenerate network recorded at the worst error) says why.
    ...(r.status === 'Succeeded' && r.reason ? { message: r.reason } : {}),
    startTime: t?.status?.startTime ?? at,
    completionTime: at,
  };
}

/** A trial whose batch spent its attempts: Failed, saying why. */
function exhaustedStatus(t: TrialObject | undefined, trial: string, job: string, attempt: number, at: string, message: string): TrialStatus {
  return resultStatus(t, { trial, status: 'Failed', objectives: {}, reason: 'EvaluationFailed' }, job, attempt, at, message);
}

export function harvest(input: HarvestInput): Harvest {
  const { spec, trials, jobs, now } = input;
  const latest = latestAttempts(input.experiment, jobs);
  const out: Harvest = { results: [], retryable: new Set(), runLast: new Map(), running: [], failures: [] };
  let requeueAfterMs: number | undefined;
  // Trials recorded in this pass, with the Job that finished them.
  const done = new Map<string, string>();
  const record = (trial: string, status: TrialStatus, durationMs?: number) => {
    done.set(trial, status.job ?? '');
    out.results.push({ trial, status, ...(durationMs !== undefined ? { durationMs } : {}) });
  };
  // Older attempts first: what they finished is not open to later ones, and counts as progress.
  const byAttempt = [...jobs].sort((a, b) => coordinatesOf(input.experiment, a).attempt - coordinatesOf(input.experiment, b).attempt);
  for (const job of byAttempt) {
    const jname = job.metadata?.name ?? '';
    const { generation, batch, attempt } = coordinatesOf(input.experiment, job);
    const open = input.batchTrials(generation, batch).filter((n) => trials.has(n) && !isFinal(trials.get(n)!) && !done.has(n));
    if (open.length === 0) continue;
    const state = jobState(job);
    const isLatest = latest.get(`${generation}/${batch}`) === attempt;
    if (state === 'Active') {
      if (isLatest) out.running.push({ job, attempt, trials: open });
      continue;
    }
    const read = readAttempt(input, job, state, open);
    if ('waitMs' in read) {
      requeueAfterMs = read.waitMs;
      continue;
    }
    for (const [n, r] of read.results) record(n, resultStatus(trials.get(n), r, jname, attempt, read.at), r.durationMs);
    if (!('failure' in read) || !isLatest) continue;
    const left = open.filter((n) => !done.has(n));
    if (left.length === 0) continue;
    out.failures.push({ generation, job: jname, attempt, reason: read.failure });
    const strikes = attempt + 1 - progressAttempts(input, generation, batch, done);
    if (strikes <= spec.execution.backoffLimit) {
      out.retryable.add(jname);
      if (read.running && left.includes(read.running)) out.runLast.set(jname, read.running);
      continue;
    }
    const message = `failed ${attempt + 1} time(s), ${strikes} of them finishing no trial (backoffLimit ${spec.execution.backoffLimit}); last: ${read.failure}${read.running ? ` while evaluating ${read.running}` : ''}`;
    for (const n of left) record(n, exhaustedStatus(trials.get(n), n, jname, attempt, new Date(now).toISOString(), message));
  }
  return requeueAfterMs === undefined ? out : { ...out, requeueAfterMs };
}

/**
 * How many attempts of a batch finished at least one of its trials: the distinct Jobs of the
 * batch that its final NASTrials, or the results recorded in this pass (`done`), name.
 */
function progressAttempts(input: HarvestInput, generation: number, batch: number, done: ReadonlyMap<string, string>): number {
  const jobs = new Set<string>();
  for (const n of input.batchTrials(generation, batch)) {
    const t = input.trials.get(n);
    const job = done.get(n) ?? (t && isFinal(t) ? t.status?.job : undefined);
    const at = jobCoordinates(input.experiment, job);
    if (job && at?.generation === generation && at.batch === batch) jobs.add(job);
  }
  return jobs.size;
}

type AttemptResults = [string, TrialResult & { durationMs?: number }][];
/** A finished attempt: a wait for its pod, or its results and, for a failed one, why and on which trial. */
type Attempt = { waitMs: number } | { results: AttemptResults; at: string } | { results: AttemptResults; at: string; failure: string; running?: string };

/** A finished attempt: its results, a failure in words, or a wait for its pod. */
function readAttempt(input: HarvestInput, job: k8s.V1Job, state: 'Complete' | 'Failed', open: readonly string[]): Attempt {
  const jname = job.metadata?.name ?? '';
  const term = terminatedEvaluators(input.podsByJob.get(jname) ?? [])[0];
  const at = toIso(term?.state.finishedAt) ?? new Date(input.now).toISOString();
  if (state === 'Failed') {
    const failure = term ? describeTermination(term.pod, term.state) : `job ${jname} failed: ${job.status?.conditions?.find((c) => c.type === 'Failed')?.message ?? 'no pod result'}`;
    const partial = term ? decodePartialResults(term.state.message ?? '', open) : undefined;
    if (!partial) return { results: [], at, failure };
    return { results: toResults(input, partial.results), at, failure, ...(partial.running ? { running: partial.running } : {}) };
  }
  if (!term) {
    const completed = job.status?.completionTime ? new Date(job.status.completionTime).getTime() : input.now;
    if (input.now - completed < (input.podGraceMs ?? POD_GRACE_MS)) return { waitMs: POD_RECHECK_MS };
    return { results: [], at, failure: `job ${jname} completed but no pod is left to read its result from` };
  }
  try {
    return { results: toResults(input, decodeResults(term.state.message ?? '', open)), at };
  } catch (err) {
    return { results: [], at, failure: `${describeTermination(term.pod, term.state)}; ${(err as Error).message}` };
  }
}

function toResults(input: HarvestInput, decoded: ReadonlyMap<string, BatchTrialResult>): AttemptResults {
  return [...decoded].map(([n, r]) => [n, { ...toResult(n, r, input.required), ...(r.durationMs !== undefined ? { durationMs: r.durationMs } : {}) }]);
}
