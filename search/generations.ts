// The per-generation history of a search: after each generation, how many trials were
// evaluated, how many failed, and the front's size and hypervolume over every trial so far
// (the engine's front is over all evaluated trials, so this is a pure function of them).
// summary.json, the report and the operator's page all show this.
import { violation } from './algorithms/constrained.js';
import { nonDominatedSort } from './algorithms/sort.js';
import type { HistoryEntry } from './engine.js';
import type { ConstraintsSpec } from './experiment/spec.js';
import { hypervolume } from './hypervolume.js';
import type { ObjectiveName } from './objectives.js';

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
  history: readonly Pick<HistoryEntry, 'generation' | 'status' | 'objectives'>[],
  objectives: readonly ObjectiveName[],
  constraints: ConstraintsSpec,
  reference: readonly number[] | undefined | null,
): GenerationRecord[] {
  const generations = [...new Set(history.map((h) => h.generation))].sort((a, b) => a - b);
  const out: GenerationRecord[] = [];
  let evaluations = 0;
  const feasible: number[][] = [];
  for (const g of generations) {
    const these = history.filter((h) => h.generation === g);
    evaluations += these.length;
    for (const h of these) {
      if (h.status === 'Succeeded' && violation(constraints, h.status, h.objectives) === 0) feasible.push(objectives.map((o) => h.objectives[o] ?? NaN));
    }
    const [first = []] = nonDominatedSort(feasible);
    const front = first.map((i) => feasible[i]);
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
