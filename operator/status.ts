// An experiment's status, conditions and Events, computed (pure) from what one reconcile saw.
// Conditions as the Kubernetes API conventions describe them: one per type, and
// lastTransitionTime moves only when the status (True/False/Unknown) changes.
import { canonicalJson } from '../search/engine-state.js';
import type { ExperimentSpec } from '../search/experiment/spec.js';
import { generationHistory, type FrontSummary, type GenerationRecord } from '../search/study.js';
import type { Candidate } from '../search/trial.js';
import { boundedFront } from './front.js';
import { trialName } from './naming.js';
import { isFinal, LABEL_EXPERIMENT, LABEL_SETTINGS, MAX_STATUS_HISTORY, type Condition, type ExperimentPhase, type ExperimentStatus, type TrialCounts, type TrialObject } from './types.js';

export interface Event {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** A status with the Events its change is worth. */
export interface StatusUpdate {
  readonly status: ExperimentStatus;
  readonly events: Event[];
}

export interface ConditionInput {
  type: string;
  status: Condition['status'];
  reason: string;
  message: string;
}

/** Conditions after applying `updates` to `old`, keeping transition times of unchanged statuses. */
export function mergeConditions(old: readonly Condition[] | undefined, updates: readonly ConditionInput[], observedGeneration: number, now: string): Condition[] {
  const out: Condition[] = (old ?? []).map((c) => ({ ...c }));
  for (const u of updates) {
    const i = out.findIndex((c) => c.type === u.type);
    const prev = i >= 0 ? out[i] : undefined;
    const next: Condition = {
      type: u.type,
      status: u.status,
      reason: u.reason,
      message: u.message,
      lastTransitionTime: prev && prev.status === u.status ? prev.lastTransitionTime : now,
      observedGeneration,
    };
    if (i >= 0) out[i] = next;
    else out.push(next);
  }
  return out;
}

export function condition(status: ExperimentStatus | undefined, type: string): Condition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** Status equality: the same JSON up to key order (undefined fields left out). */
export function sameStatus(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** A merge patch that turns `old` into `next` at the top level (removed keys become null). */
export function topLevelPatch(old: Record<string, unknown> | undefined, next: Record<string, unknown>): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(next)) if (v !== undefined && !sameStatus(old?.[k], v)) patch[k] = v;
  for (const k of Object.keys(old ?? {})) if (next[k] === undefined) patch[k] = null;
  return patch;
}

/** What a reconcile knows about the experiment when it computes its status. */
export interface StatusInput {
  readonly experiment: string;
  readonly old: ExperimentStatus;
  readonly observed: number;
  readonly now: string;
}

/** The spec cannot run: phase Invalid, naming the problems. */
export function invalidSpecStatus(input: StatusInput, problems: readonly string[]): StatusUpdate {
  const { old, observed, now } = input;
  const message = `the spec cannot run: ${problems.join('; ')}. Fix these fields and apply again.`;
  const status: ExperimentStatus = {
    ...old,
    phase: 'Invalid',
    observedGeneration: observed,
    conditions: mergeConditions(old.conditions, [
      { type: 'SpecValid', status: 'False', reason: 'InvalidSpec', message },
      { type: 'Progressing', status: 'False', reason: 'InvalidSpec', message: 'nothing runs until the spec is fixed' },
    ], observed, now),
  };
  return { status, events: old.phase !== 'Invalid' ? [{ type: 'Warning', reason: 'InvalidSpec', message: message.slice(0, 1000) }] : [] };
}

export const SPEC_VALID: ConditionInput = { type: 'SpecValid', status: 'True', reason: 'Valid', message: 'the spec is valid' };
export const SPEC_ACCEPTED: ConditionInput = { type: 'SpecAccepted', status: 'True', reason: 'Accepted', message: 'the spec in force is the one the experiment started with (apart from the fields that may change)' };

/** Fixed fields changed after the start: halted (phase kept) until they are reverted. */
export function fixedFieldStatus(input: StatusInput, locked: Record<string, string>, changed: readonly string[]): StatusUpdate {
  const { old, observed, now } = input;
  const message = `${changed.join(', ')} changed after the experiment started; only spec.algorithm.generations, spec.execution.parallelism, spec.execution.maxFailedTrials and spec.suspend may change. Revert the change to continue, or create a new experiment.`;
  const conditions: ConditionInput[] = [
    SPEC_VALID,
    { type: 'SpecAccepted', status: 'False', reason: 'FixedFieldChanged', message },
    { type: 'Progressing', status: 'False', reason: 'FixedFieldChanged', message: 'halted until the fixed fields are reverted' },
  ];
  const events: Event[] = condition(old, 'SpecAccepted')?.status !== 'False' ? [{ type: 'Warning', reason: 'SpecChangeRejected', message }] : [];
  return { status: { ...old, observedGeneration: observed, lockedSpec: locked, conditions: mergeConditions(old.conditions, conditions, observed, now) }, events };
}

/**
 * NASTrials of the experiment were made under other settings (their stamp differs from the
 * spec in force, e.g. a fixed field changed after the status was lost): their results are
 * not used, and the experiment halts (phase kept) until the spec matches them again or they
 * are deleted.
 */
export function settingsMismatchStatus(input: StatusInput, digest: string, mismatched: readonly { name: string; stamp: string | undefined }[]): StatusUpdate {
  const { old, observed, now } = input;
  const first = mismatched[0];
  const message = `${mismatched.length} NASTrial(s) were made under other settings than the spec in force (settings ${digest}), e.g. ${first.name} (${first.stamp ? `settings ${first.stamp}` : 'no settings stamp'}): their results are not used. Revert the spec to the settings they were made under, or delete them (kubectl delete nastrials -l '${LABEL_EXPERIMENT}=${input.experiment},${LABEL_SETTINGS}!=${digest}') to evaluate those genomes again.`;
  const conditions: ConditionInput[] = [
    SPEC_VALID,
    { type: 'SpecAccepted', status: 'False', reason: 'SettingsMismatch', message },
    { type: 'Progressing', status: 'False', reason: 'SettingsMismatch', message: 'halted until every NASTrial matches the settings in force' },
  ];
  const events: Event[] = condition(old, 'SpecAccepted')?.reason !== 'SettingsMismatch' ? [{ type: 'Warning', reason: 'SettingsMismatch', message: message.slice(0, 1000) }] : [];
  // The lock is left as it was: settings that contradict the record are not locked in.
  return { status: { ...old, observedGeneration: observed, conditions: mergeConditions(old.conditions, conditions, observed, now) }, events };
}

/** The engine refused the spec or the recorded results: phase Failed. */
export function engineErrorStatus(input: StatusInput, locked: Record<string, string>, error: string): StatusUpdate {
  const { old, observed, now } = input;
  const message = `the search engine refused the spec or the recorded results: ${error}`;
  const conditions = [SPEC_VALID, SPEC_ACCEPTED, { type: 'Failed', status: 'True', reason: 'EngineError', message } as const];
  const status: ExperimentStatus = { ...old, phase: 'Failed', observedGeneration: observed, lockedSpec: locked, completionTime: old.completionTime ?? now, conditions: mergeConditions(old.conditions, conditions, observed, now) };
  return { status, events: old.phase !== 'Failed' ? [{ type: 'Warning', reason: 'Failed', message }] : [] };
}

/**
 * An object the experiment must create exists and is not its own (another owner, or other
 * content): nothing is adopted or overwritten; the condition says which and what to do.
 */
export function conflictStatus(input: StatusInput, locked: Record<string, string>, message: string): StatusUpdate {
  const { old, observed, now } = input;
  const conditions = [SPEC_VALID, SPEC_ACCEPTED, { type: 'Conflict', status: 'True', reason: 'ObjectConflict', message } as const];
  const status: ExperimentStatus = { ...old, phase: old.phase ?? 'Pending', observedGeneration: observed, lockedSpec: locked, conditions: mergeConditions(old.conditions, conditions, observed, now) };
  const before = old.conditions?.find((c) => c.type === 'Conflict');
  return { status, events: before?.status === 'True' && before.message === message ? [] : [{ type: 'Warning', reason: 'ObjectConflict', message }] };
}

/** Where the search stands after this reconcile's work. */
export interface ProgressInput extends StatusInput {
  readonly spec: ExperimentSpec;
  readonly locked: Record<string, string>;
  readonly trials: Iterable<TrialObject>;
  readonly generation: number;
  readonly done: boolean;
  /** The current generation's candidates (empty when done). */
  readonly candidates: readonly Candidate[];
  readonly summary: FrontSummary;
  /** `n trials failed, more than ...` once the failure budget is spent (search/study.ts). */
  readonly overBudget?: string;
  readonly activeJobs: number;
  /** Members of status.paretoFront at most (operator/front.ts; the whole front is labelled). */
  readonly frontInStatus?: number;
}

/** The status of a valid, accepted experiment: phase, counts, front, conditions and Events. */
export function experimentStatus(input: ProgressInput): StatusUpdate {
  const { old, observed, now, spec, generation, summary } = input;
  const trials = new Map([...input.trials].map((t) => [t.metadata.name, t]));
  const counts = countTrials(trials.values());
  const { phase, conditions } = phaseOf(input, trials, counts);
  // A conflict that is gone (the object was removed) is cleared.
  if (old.conditions?.some((c) => c.type === 'Conflict' && c.status === 'True')) conditions.push({ type: 'Conflict', status: 'False', reason: 'NoConflict', message: 'no object of another owner is in the way' });
  const status: ExperimentStatus = {
    phase,
    observedGeneration: observed,
    generation,
    generations: spec.algorithm.generations,
    trials: counts,
    activeJobs: input.activeJobs,
    hypervolume: summary.hypervolume,
    ...(summary.referencePoint ? { referencePoint: summary.referencePoint } : {}),
    frontSize: summary.front.length,
    paretoFront: boundedFront(summary.front, spec.objectives, input.frontInStatus).map((f) => ({ trial: trialName(input.experiment, f.trial), genome: f.genome, objectives: f.objectives })),
    history: progressHistory(trials.values(), spec, summary),
    lockedSpec: input.locked,
    startTime: old.startTime ?? now,
    ...(phase === 'Succeeded' || phase === 'Failed' ? { completionTime: old.completionTime ?? now } : {}),
    conditions: mergeConditions(old.conditions, conditions, observed, now),
  };
  const events: Event[] = [];
  if (old.phase !== phase) {
    const warn = phase === 'Failed';
    const msg = conditions.find((c) => c.type === (warn ? 'Failed' : phase === 'Succeeded' ? 'Complete' : 'Progressing'))?.message ?? '';
    events.push({ type: warn ? 'Warning' : 'Normal', reason: phase, message: msg });
  }
  if ((old.generation ?? -1) !== generation && phase === 'Running') {
    events.push({ type: 'Normal', reason: 'GenerationStarted', message: `generation ${generation}: ${input.candidates.length} trials; hypervolume so far ${summary.hypervolume}` });
  }
  return { status, events };
}

/** status.history: the per-generation progress of the final trials, the last MAX_STATUS_HISTORY generations. */
function progressHistory(trials: Iterable<TrialObject>, spec: ExperimentSpec, summary: FrontSummary): GenerationRecord[] {
  const done = [...trials].filter(isFinal).map((t) => ({ generation: t.spec.generation, status: t.status!.phase as 'Succeeded' | 'Failed', objectives: t.status?.objectives ?? {} }));
  const ref = summary.referencePoint;
  const reference = ref ? spec.objectives.map((o) => ref[o] ?? NaN) : null;
  return generationHistory(done, spec.objectives, spec.constraints, reference).slice(-MAX_STATUS_HISTORY);
}

function phaseOf(input: ProgressInput, trials: ReadonlyMap<string, TrialObject>, counts: TrialCounts): { phase: ExperimentPhase; conditions: ConditionInput[] } {
  const { spec, generation, candidates, activeJobs } = input;
  const conditions: ConditionInput[] = [SPEC_VALID, SPEC_ACCEPTED];
  const failedCount = counts.failed;
  let phase: ExperimentPhase;
  if (input.overBudget) {
    phase = 'Failed';
    const lastFailure = [...trials.values()].filter((t) => t.status?.phase === 'Failed').sort((a, b) => String(a.status?.completionTime).localeCompare(String(b.status?.completionTime))).pop();
    const message = `${input.overBudget}; last failure, trial ${lastFailure?.metadata.name}: ${lastFailure?.status?.message ?? lastFailure?.status?.reason ?? ''}`.slice(0, 2000);
    conditions.push({ type: 'Failed', status: 'True', reason: 'TooManyFailedTrials', message });
    conditions.push({ type: 'Progressing', status: 'False', reason: 'TooManyFailedTrials', message: 'stopped: raise spec.execution.maxFailedTrials to continue' });
  } else if (input.done) {
    phase = 'Succeeded';
    conditions.push({ type: 'Failed', status: 'False', reason: 'NoFailure', message: `${failedCount} trial(s) failed` });
    conditions.push({ type: 'Complete', status: 'True', reason: 'SearchComplete', message: `evaluated ${counts.evaluated} trials in ${generation + 1} generation(s); ${input.summary.front.length} on the front` });
    conditions.push({ type: 'Progressing', status: 'False', reason: 'SearchComplete', message: 'the search is complete' });
  } else {
    phase = spec.suspend ? 'Suspended' : 'Running';
    conditions.push({ type: 'Failed', status: 'False', reason: 'NoFailure', message: `${failedCount} trial(s) failed (at most ${spec.execution.maxFailedTrials} tolerated)` });
    const evaluatedNow = candidates.filter((c) => {
      const t = trials.get(trialName(input.experiment, c.trial));
      return t !== undefined && isFinal(t);
    }).length;
    conditions.push(
      spec.suspend
        ? { type: 'Progressing', status: 'False', reason: 'Suspended', message: `suspended at generation ${generation}: no new Jobs start; ${activeJobs} running finish` }
        : { type: 'Progressing', status: 'True', reason: 'Evaluating', message: `generation ${generation} of ${spec.algorithm.generations}: ${evaluatedNow} of ${candidates.length} trials evaluated, ${activeJobs} Job(s) running` },
    );
  }
  conditions.push({ type: 'Suspended', status: spec.suspend && phase === 'Suspended' ? 'True' : 'False', reason: spec.suspend ? 'SuspendRequested' : 'NotSuspended', message: spec.suspend ? 'spec.suspend is true' : 'spec.suspend is false' });
  if (phase !== 'Failed' && phase !== 'Succeeded') conditions.push({ type: 'Complete', status: 'False', reason: 'Searching', message: 'the search is not complete' });
  return { phase, conditions };
}

export function countTrials(trials: Iterable<TrialObject>): TrialCounts {
  const c: TrialCounts = { total: 0, pending: 0, running: 0, succeeded: 0, failed: 0, evaluated: 0 };
  for (const t of trials) {
    c.total++;
    const p = t.status?.phase ?? 'Pending';
    if (p === 'Pending') c.pending++;
    else if (p === 'Running') c.running++;
    else if (p === 'Succeeded') c.succeeded++;
    else c.failed++;
  }
  c.evaluated = c.succeeded + c.failed;
  return c;
}
