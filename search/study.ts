// The run policy both executors share (the local `rwenas run` loop and the operator): the
// engine's settings from a spec, the objectives a result must carry, the settings key, the
// failure budget, the front summary, and the adapter from an evaluation outcome to what the
// engine is told. Each executor only moves trials; what a run means is decided here.
import { constrainedObjectives, violation } from './algorithms/constrained.js';
import { nonDominatedSort } from './algorithms/sort.js';
import { hypervolume } from './hypervolume.js';
import { canonicalJson } from './engine-state.js';
import type { SearchEngine } from './engine.js';
import type { ConstraintsSpec, ExperimentSpec } from './experiment/spec.js';
import type { ObjectiveName, Objectives } from './objectives.js';
import { settingsSnapshot, type SearchSettings } from './settings.js';
import { spaceByName } from './spaces/index.js';
import type { FrontMember, TrialOutcome, TrialResult } from './trial.js';

/** The engine settings of a (defaulted, validated) spec; an absent offspringSize is populationSize. */
export function searchSettings(spec: ExperimentSpec): SearchSettings {
  const algorithm = { ...spec.algorithm, offspringSize: spec.algorithm.offspringSize ?? spec.algorithm.populationSize };
  return { space: spaceByName(spec.searchSpace.name), objectives: spec.objectives, constraints: spec.constraints, algorithm };
}

/** Objectives a successful evaluation must report: the optimised ones, then the constrained ones. */
export function requiredObjectives(spec: Pick<ExperimentSpec, 'objectives' | 'constraints'>): ObjectiveName[] {
  return [...new Set<ObjectiveName>([...spec.objectives, ...constrainedObjectives(spec.constraints)])];
}

/** Equal exactly when two settings make the same search (an engine built for one serves the other). */
export function settingsKey(settings: SearchSettings): string {
  return canonicalJson(settingsSnapshot(settings));
}

/** How many evaluations a whole run makes at most. */
export function plannedEvaluations(spec: ExperimentSpec): number {
  const a = spec.algorithm;
  return a.populationSize + a.generations * (a.offspringSize ?? a.populationSize);
}

/** `n trials failed, more than spec.execution.maxFailedTrials (m)` once the budget is spent; else undefined. */
export function overFailureBudget(failed: number, spec: ExperimentSpec): string | undefined {
  const budget = spec.execution.maxFailedTrials;
  return failed > budget ? `${failed} trials failed, more than spec.execution.maxFailedTrials (${budget})` : undefined;
}

/** How an evaluation ended, as an executor read it (a report, a wire result, a recorded status). */
export interface Outcome {
  readonly status: TrialOutcome;
  readonly objectives: Objectives;
  readonly reason?: string;
}

/** The tell adapter: a Succeeded outcome that lacks a required objective counts as Failed, saying which. */
export function toResult(trial: string, outcome: Outcome, required: readonly ObjectiveName[]): TrialResult {
  const { status, objectives, reason } = outcome;
  if (status === 'Succeeded') {
    const missing = required.filter((o) => typeof objectives[o] !== 'number');
    if (missing.length > 0) return { trial, status: 'Failed', objectives, reason: `the evaluator reported no ${missing.join(', ')}` };
  }
  return { trial, status, objectives, ...(reason !== undefined ? { reason } : {}) };
}

export interface FrontSummary {
  readonly front: FrontMember[];
  readonly hypervolume: number;
  /** By objective name; null until the engine has fixed it. */
  readonly referencePoint: Partial<Record<ObjectiveName, number>> | null;
  readonly knee: FrontMember | null;
}

export function frontSummary(engine: SearchEngine, objectives: readonly ObjectiveName[]): FrontSummary {
  const ref = engine.referencePoint();
  return {
    front: engine.front(),
    hypervolume: engine.hypervolume(),
    referencePoint: ref ? Object.fromEntries(objectives.map((o, i) => [o, ref[i]])) : null,
    knee: engine.knee() ?? null,
  };
}

// The per-generation history of a search: after each generation, how many trials were
// evaluated, how many failed, and the front's size and hypervolume over every trial so far
// (the engine's front is over all evaluated trials, so this is a pure function of them).
// summary.json, the report and the operator's page all show it.
export interface GenerationRecord {
  readonly generation: number;
  /** Trials evaluated in this generation. */
  readonly evaluated: number;
  readonly failed: number;
  /** Totals up to and including this generation. */
  readonly evaluations: number;
  readonly frontSize: number;
  /** Of the front so far, against the run's fixed reference point (0 without one). */
  readonly hypervolume: number;
}

/** One record per generation present in `history`, ascending. */
export function generationHistory(
  history: readonly { readonly generation: number; readonly status: TrialOutcome; readonly objectives: Objectives }[],
  objectives: readonly ObjectiveName[],
  constraints: ConstraintsSpec,
  reference: readonly number[] | undefined | null,
): GenerationRecord[] {
  const generations = [...new Set(history.map((h) => h.generation))].sort((a, b) => a - b);
  const out: GenerationRecord[] = [];
  let evaluations = 0;
  // The front after generation g is the non-dominated set of (front after g-1) and g's
  // feasible trials: a point dominated once stays dominated, so earlier ones need no revisit.
  let front: number[][] = [];
  for (const g of generations) {
    const these = history.filter((h) => h.generation === g);
    evaluations += these.length;
    const candidates = [...front];
    for (const h of these) {
      if (h.status === 'Succeeded' && violation(constraints, h.status, h.objectives) === 0) candidates.push(objectives.map((o) => h.objectives[o] ?? NaN));
    }
    const [first = []] = nonDominatedSort(candidates);
    front = first.map((i) => candidates[i]);
    out.push({
      generation: g,
      evaluated: these.length,
      failed: these.filter((h) => h.status === 'Failed').length,
      evaluations,
      frontSize: front.length,
      hypervolume: reference ? hypervolume(front, [...reference]) : 0,
    });
  }
  return out;
}
