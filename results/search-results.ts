// A results: one search's results as the report, the export and the operator's page read them,
// whichever executor ran it (a local run's directory or a NASExperiment and its NASTrials).
// The front, knee and per-generation history are derived here from the trials with the
// engine's own functions, so every view of one search agrees.
import { violation } from '../search/algorithms/constrained.js';
import { nonDominatedSort } from '../search/algorithms/sort.js';
import type { ConstraintsSpec } from '../search/experiment/spec.js';
import { generationHistory, type GenerationRecord } from '../search/study.js';
import { kneeIndex } from '../search/knee.js';
import type { ObjectiveName, Objectives } from '../search/objectives.js';
import type { TrialOutcome as TrialStatus } from '../search/trial.js';
import type { NetworkOptions, SpaceName } from '../search/space.js';

export interface ResultTrial {
  /** The genome hash (as in trials.jsonl and NASTrial spec.genomeHash). */
  readonly trial: string;
  /** The NASTrial's name, for a cluster experiment (`<experiment>-<hash prefix>`). */
  readonly name?: string;
  readonly genome: string;
  readonly generation: number;
  readonly status: TrialStatus;
  readonly objectives: Objectives;
  readonly durationMs?: number;
  readonly reason?: string;
}

export interface StudySource {
  readonly kind: 'run' | 'experiment';
  /** The run's directory, or namespace/name of the experiment. */
  readonly where: string;
  readonly namespace?: string;
}

/** What a set of search results is built from. */
export interface StudyInput {
  readonly name: string;
  readonly source: StudySource;
  readonly space: SpaceName;
  readonly method: string;
  readonly objectives: readonly ObjectiveName[];
  readonly constraints: ConstraintsSpec;
  readonly seed: number;
  readonly final: NetworkOptions;
  readonly referencePoint: readonly number[] | null;
  readonly trials: readonly ResultTrial[];
  /** Phase (a cluster experiment) or done/stopped (a local run). */
  readonly state: string;
  readonly generations?: number;
  readonly wallMs?: number;
}

export interface SearchResults extends StudyInput {
  /** Trial ids of the front, sorted by objectives (as the engine sorts it). */
  readonly front: readonly ResultTrial[];
  readonly knee: ResultTrial | null;
  readonly history: readonly GenerationRecord[];
  readonly hypervolume: number;
}

export function buildResults(input: StudyInput): SearchResults {
  const vector = (t: ResultTrial) => input.objectives.map((o) => t.objectives[o] ?? NaN);
  const feasible = input.trials.filter((t) => t.status === 'Succeeded' && violation(input.constraints, t.status, t.objectives) === 0);
  const vectors = feasible.map(vector);
  const [first = []] = nonDominatedSort(vectors);
  first.sort((a, b) => compare(vectors[a], vectors[b]) || (feasible[a].trial < feasible[b].trial ? -1 : 1));
  const front = first.map((i) => feasible[i]);
  const k = kneeIndex(front.map(vector));
  const history = generationHistory(input.trials, input.objectives, input.constraints, input.referencePoint);
  return { ...input, front, knee: k === undefined ? null : front[k], history, hypervolume: history.length > 0 ? history[history.length - 1].hypervolume : 0 };
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}
