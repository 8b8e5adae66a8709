// Constrained domination (Deb et al. 2002, section VI): a feasible individual beats an
// infeasible one; of two infeasible ones, the smaller total violation wins; two feasible ones
// compare by ordinary domination. A failed trial has no usable objectives and the worst
// (infinite) violation.
import type { ConstraintsSpec } from '../experiment/spec.js';
import type { ObjectiveName, Objectives } from '../objectives.js';
import type { TrialOutcome } from '../trial.js';
import { nonDominatedSort } from './sort.js';

/** One member of a population as selection sees it. */
export interface Individual {
  /** The trial name (genome hash): the final deterministic tie-break. */
  readonly trial: string;
  /** Objective values in the experiment's objective order; unused when the trial failed. */
  readonly objectives: readonly number[];
  /** 0 when feasible; otherwise the normalised sum of violations (Infinity for a failed trial). */
  readonly violation: number;
}

const LIMITS: readonly [keyof ConstraintsSpec, ObjectiveName][] = [
  ['maxParams', 'params'],
  ['maxFlops', 'flops'],
  ['maxError', 'error'],
];

/** Objectives a trial must report so that its constraints can be checked. */
export function constrainedObjectives(constraints: ConstraintsSpec): ObjectiveName[] {
  return LIMITS.filter(([key]) => constraints[key] !== undefined).map(([, name]) => name);
}

/**
 * Total violation: each exceeded limit adds (value - limit) / |limit| (the raw excess when the
 * limit is 0), so limits on differently scaled quantities weigh alike. Failed trials: Infinity.
 */
export function violation(constraints: ConstraintsSpec, status: TrialOutcome, objectives: Objectives): number {
  if (status === 'Failed') return Infinity;
  let total = 0;
  for (const [key, name] of LIMITS) {
    const limit = constraints[key];
    if (limit === undefined) continue;
    const value = objectives[name];
    if (value === undefined) throw new Error(`constraint ${key} needs objective ${name}, which the trial did not report`);
    if (value > limit) total += (value - limit) / (limit === 0 ? 1 : Math.abs(limit));
  }
  return total;
}

/** -1 when `a` constrained-dominates `b`, 1 when `b` dominates `a`, 0 otherwise. */
export function compareConstrained(a: Individual, b: Individual): -1 | 0 | 1 {
  if (a.violation !== b.violation) {
    if (a.violation === 0 || a.violation < b.violation) return -1;
    return 1;
  }
  if (a.violation > 0) return 0;
  let aBetter = false;
  let bBetter = false;
  for (let j = 0; j < a.objectives.length; j++) {
    if (a.objectives[j] < b.objectives[j]) aBetter = true;
    else if (a.objectives[j] > b.objectives[j]) bBetter = true;
  }
  if (aBetter && !bBetter) return -1;
  if (bBetter && !aBetter) return 1;
  return 0;
}

/**
 * Fronts under constrained domination (indices into `individuals`): the feasible ones sorted
 * by non-domination, then the infeasible ones grouped by equal violation, least first.
 */
export function constrainedFronts(individuals: readonly Individual[]): number[][] {
  const feasible: number[] = [];
  const infeasible: number[] = [];
  individuals.forEach((ind, i) => (ind.violation === 0 ? feasible : infeasible).push(i));
  const fronts = nonDominatedSort(feasible.map((i) => individuals[i].objectives)).map((f) => f.map((k) => feasible[k]));
  // Comparisons, not subtraction: Infinity - Infinity is NaN.
  infeasible.sort((a, b) => {
    const va = individuals[a].violation;
    const vb = individuals[b].violation;
    return va < vb ? -1 : va > vb ? 1 : a - b;
  });
  for (let k = 0; k < infeasible.length; k++) {
    const i = infeasible[k];
    if (k > 0 && individuals[infeasible[k - 1]].violation === individuals[i].violation) fronts[fronts.length - 1].push(i);
    else fronts.push([i]);
  }
  return fronts;
}
