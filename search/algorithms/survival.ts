// Elitist survival (Deb et al. 2002): parents and offspring compete together; whole fronts
// are kept in rank order and the front that does not fit is truncated by crowding distance,
// most isolated first. Ties (equal crowding) fall to the trial name, so the survivors depend
// only on the set of individuals, never on the order results arrived in.
import { constrainedFronts, type Individual } from './constrained.js';
import { crowdingDistance } from './crowding.js';

export interface Ranking {
  /** Front index of each individual (0 = non-dominated feasible, or least infeasible). */
  readonly rank: Int32Array;
  /** Crowding distance within its front (0 within infeasible fronts, which rank by violation alone). */
  readonly crowding: Float64Array;
  /** All indices ordered best first: rank, then crowding (larger first), then trial name. */
  readonly order: number[];
}

export function rankAndCrowd(individuals: readonly Individual[]): Ranking {
  const n = individuals.length;
  const rank = new Int32Array(n);
  const crowding = new Float64Array(n);
  const points = individuals.map((ind) => ind.objectives);
  constrainedFronts(individuals).forEach((front, r) => {
    const feasible = individuals[front[0]].violation === 0;
    const distance = feasible ? crowdingDistance(points, front) : new Float64Array(front.length);
    front.forEach((i, k) => {
      rank[i] = r;
      crowding[i] = distance[k];
    });
  });
  const order = individuals.map((_, i) => i);
  order.sort((a, b) => rank[a] - rank[b] || compareDesc(crowding[a], crowding[b]) || compareTrial(individuals[a], individuals[b]));
  return { rank, crowding, order };
}

/** Indices of the `size` survivors, best first (see Ranking.order). */
export function survive(individuals: readonly Individual[], size: number): number[] {
  return rankAndCrowd(individuals).order.slice(0, size);
}

export function compareDesc(x: number, y: number): number {
  return x > y ? -1 : x < y ? 1 : 0;
}

export function compareTrial(a: Individual, b: Individual): number {
  return a.trial < b.trial ? -1 : a.trial > b.trial ? 1 : 0;
}
