// The Pareto front in the API, bounded. An object is at most 1.5 MiB (etcd), and a front of
// about 6,500 members fills it, after which every status write would be refused. So
// status.paretoFront holds at most FRONT_IN_STATUS members, spread evenly along the front
// (both ends kept), status.frontSize counts them all, and the whole front is the NASTrials
// labelled rwenas.dev/front=true (pure here: which members, which labels to change).
import type { ObjectiveName } from '../search/objectives.js';
import type { FrontMember } from '../search/trial.js';
import { LABEL_FRONT, type TrialObject } from './types.js';

/** Members of status.paretoFront at most (the CRD says so too). */
export const FRONT_IN_STATUS = 100;

/**
 * At most `k` members, evenly spaced along the front ordered by the first objective (then the
 * trial name, so the choice is deterministic), both extremes included.
 */
export function boundedFront(front: readonly FrontMember[], objectives: readonly ObjectiveName[], k = FRONT_IN_STATUS): FrontMember[] {
  const first = objectives[0];
  const sorted = [...front].sort((a, b) => (a.objectives[first] ?? 0) - (b.objectives[first] ?? 0) || (a.trial < b.trial ? -1 : a.trial > b.trial ? 1 : 0));
  if (sorted.length <= k) return sorted;
  if (k <= 1) return sorted.slice(0, k);
  const out: FrontMember[] = [];
  for (let i = 0; i < k; i++) out.push(sorted[Math.round((i * (sorted.length - 1)) / (k - 1))]);
  return out;
}

/** NASTrials whose front label must change: `true` to add it, `false` to remove it. */
export function frontLabelChanges(trials: Iterable<TrialObject>, onFront: ReadonlySet<string>): { name: string; onFront: boolean }[] {
  const out: { name: string; onFront: boolean }[] = [];
  for (const t of trials) {
    const labelled = t.metadata.labels?.[LABEL_FRONT] === 'true';
    const member = onFront.has(t.metadata.name);
    if (labelled !== member) out.push({ name: t.metadata.name, onFront: member });
  }
  return out;
}
