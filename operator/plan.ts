// Plan: the work the current generation still needs. Pure: from the engine's candidates, the
// NASTrials, Jobs and retryable attempts to the NASTrials to create and the Jobs that are due:
// the next attempt of each open batch, in batch order, with at most `parallelism` Jobs
// running. Names are deterministic, so a repeated create finds the object already there
// instead of evaluating a genome twice.
import type * as k8s from '@kubernetes/client-node';
import type { BatchTrial } from '../evaluator/protocol.js';
import type { ExperimentSpec } from '../search/experiment/spec.js';
import type { Candidate } from '../search/trial.js';
import { latestAttempts } from './harvest.js';
import { jobState, type JobRequest } from './jobs.js';
import { batches, jobName, trialName } from './naming.js';
import { isFinal, type TrialObject } from './types.js';

export interface PlanInput {
  /** The experiment's name (prefix of its trial and Job names). */
  readonly experiment: string;
  readonly spec: ExperimentSpec;
  readonly generation: number;
  /** The current generation's candidates, in the engine's order (empty when the search is done). */
  readonly candidates: readonly Candidate[];
  readonly trials: ReadonlyMap<string, TrialObject>;
  readonly jobs: readonly k8s.V1Job[];
  /** Latest attempts that failed with retries left (Job names). */
  readonly retryable: ReadonlySet<string>;
  /** For a retryable attempt (Job name): the trial its pod died on, which its retry runs last. */
  readonly runLast?: ReadonlyMap<string, string>;
}

export interface Plan {
  /** Candidates that have no NASTrial yet. */
  readonly create: Candidate[];
  readonly jobs: JobRequest[];
}

/** Throws when a NASTrial of a candidate's name holds another genome (two hashes share their first 12 digits). */
export function plan(input: PlanInput): Plan {
  const { experiment, spec, generation, trials } = input;
  const named: BatchTrial[] = [];
  const create: Candidate[] = [];
  for (const c of input.candidates) {
    const name = trialName(experiment, c.trial);
    named.push({ name, genome: c.genome });
    const existing = trials.get(name);
    if (!existing) create.push(c);
    else if (existing.spec.genome !== c.genome) throw new Error(`NASTrial ${name} holds genome ${existing.spec.genome}, not ${c.genome} (hash prefix collision)`);
  }
  if (spec.suspend) return { create, jobs: [] };
  const latest = latestAttempts(experiment, input.jobs);
  const active = input.jobs.filter((j) => jobState(j) === 'Active').length;
  const due: JobRequest[] = [];
  const groups = batches(named, spec.execution.trialsPerJob);
  for (let b = 0; b < groups.length; b++) {
    const open = groups[b].filter((t) => !trials.has(t.name) || !isFinal(trials.get(t.name)!));
    if (open.length === 0) continue;
    const last = latest.get(`${generation}/${b}`);
    // Running, or finished and its result being read: only a failed attempt with retries left goes on.
    if (last !== undefined && !input.retryable.has(jobName(experiment, generation, b, last))) continue;
    if (active + due.length >= spec.execution.parallelism) break;
    const attempt = last === undefined ? 0 : last + 1;
    const culprit = last === undefined ? undefined : input.runLast?.get(jobName(experiment, generation, b, last));
    const ordered = culprit ? [...open.filter((t) => t.name !== culprit), ...open.filter((t) => t.name === culprit)] : open;
    due.push({ name: jobName(experiment, generation, b, attempt), generation, batch: b, attempt, trials: ordered });
  }
  return { create, jobs: due };
}
