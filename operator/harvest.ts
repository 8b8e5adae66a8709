// Harvest: what finished Jobs say about their trials. Pure: from the trials, Jobs and pods of
// one experiment to the NASTrial statuses to write, and which failed attempts may be retried.
//  - a Complete Job's result is read from its evaluator container's termination message (a
//    Complete Job whose pod is gone gets `podGraceMs` for the pod to show up in the cache);
//  - a failed attempt (Failed Job, garbage or missing result) counts only when it is the
//    latest attempt of its batch: then it is retried (a new Job, `-a<n+1>`) until
//    backoffLimit, and after that its open trials Fail;
//  - the trials of an active latest attempt are marked Running.
import type * as k8s from '@kubernetes/client-node';
import type { ExperimentSpec } from '../search/experiment/spec.js';
import type { ObjectiveName } from '../search/objectives.js';
import { toResult } from '../search/study.js';
import type { TrialResult } from '../search/trial.js';
import { coordinatesOf, jobState, terminatedEvaluators } from './jobs.js';
import { decodeResults, describeTermination } from './results.js';
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
    startTime: t?.status?.startTime ?? at,
    completionTime: at,
  };
}

export function harvest(input: HarvestInput): Harvest {
  const { spec, trials, jobs, now } = input;
  const latest = latestAttempts(input.experiment, jobs);
  const out: Harvest = { results: [], retryable: new Set(), running: [], failures: [] };
  let requeueAfterMs: number | undefined;
  const done = new Set<string>();
  const record = (trial: string, status: TrialStatus, durationMs?: number) => {
    done.add(trial);
    out.results.push({ trial, status, ...(durationMs !== undefined ? { durationMs } : {}) });
  };
  for (const job of jobs) {
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
    if ('results' in read) {
      for (const [n, r] of read.results) record(n, resultStatus(trials.get(n), r, jname, attempt, read.at), r.durationMs);
      continue;
    }
    if (!isLatest) continue;
    out.failures.push({ generation, job: jname, attempt, reason: read.failure });
    if (attempt >= spec.execution.backoffLimit) {
      const message = `failed ${attempt + 1} time(s) (backoffLimit ${spec.execution.backoffLimit}); last: ${read.failure}`;
      const at = new Date(now).toISOString();
      for (const n of open) record(n, resultStatus(trials.get(n), { trial: n, status: 'Failed', objectives: {}, reason: 'EvaluationFailed' }, jname, attempt, at, message));
    } else out.retryable.add(jname);
  }
  return requeueAfterMs === undefined ? out : { ...out, requeueAfterMs };
}

type Attempt = { waitMs: number } | { results: [string, TrialResult & { durationMs?: number }][]; at: string } | { failure: string };

/** A finished attempt: its results, a failure in words, or a wait for its pod. */
function readAttempt(input: HarvestInput, job: k8s.V1Job, state: 'Complete' | 'Failed', open: readonly string[]): Attempt {
  const jname = job.metadata?.name ?? '';
  const term = terminatedEvaluators(input.podsByJob.get(jname) ?? [])[0];
  if (state === 'Failed') {
    return { failure: term ? describeTermination(term.pod, term.state) : `job ${jname} failed: ${job.status?.conditions?.find((c) => c.type === 'Failed')?.message ?? 'no pod result'}` };
  }
  if (!term) {
    const completed = job.status?.completionTime ? new Date(job.status.completionTime).getTime() : input.now;
    if (input.now - completed < (input.podGraceMs ?? POD_GRACE_MS)) return { waitMs: POD_RECHECK_MS };
    return { failure: `job ${jname} completed but no pod is left to read its result from` };
  }
  try {
    const decoded = decodeResults(term.state.message ?? '', open);
    const at = toIso(term.state.finishedAt) ?? new Date(input.now).toISOString();
    const results = open.map((n): [string, TrialResult & { durationMs?: number }] => {
      const r = decoded.get(n)!;
      return [n, { ...toResult(n, r, input.required), ...(r.durationMs !== undefined ? { durationMs: r.durationMs } : {}) }];
    });
    return { results, at };
  } catch (err) {
    return { failure: `${describeTermination(term.pod, term.state)}; ${(err as Error).message}` };
  }
}
