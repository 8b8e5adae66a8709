// --resume: a state.json continues only the search that made it. A change of a setting is
// refused naming each field with the value the state holds and the one the manifest now
// gives; raising spec.algorithm.generations is allowed (as the operator allows it), since the
// generations already run do not depend on how many follow.
import type { SearchState } from '../search/engine.js';
import { canonicalJson } from '../search/engine-state.js';

/** The spec field of a settings path: algorithm.seed -> spec.algorithm.seed, space -> spec.searchSpace.name. */
function specField(path: string): string {
  if (path === 'space') return 'spec.searchSpace.name';
  return `spec.${path}`;
}

/** Paths (a.b[0]) where two JSON values differ, each with both values. */
function differences(old: unknown, now: unknown, path: string): { path: string; old: unknown; now: unknown }[] {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(old) && isObject(now)) {
    return [...new Set([...Object.keys(old), ...Object.keys(now)])].sort().flatMap((k) => differences(old[k], now[k], path ? `${path}.${k}` : k));
  }
  return canonicalJson(old ?? null) === canonicalJson(now ?? null) ? [] : [{ path, old, now }];
}

const shown = (v: unknown) => (v === undefined ? '(unset)' : JSON.stringify(v));

export interface ResumePlan {
  /** The state to restore: the recorded one, with generations raised when the manifest raised them. */
  readonly state: SearchState;
  readonly raisedGenerations?: { readonly from: number; readonly to: number };
  /** One line per refused change; empty when the state can be resumed. */
  readonly refused: readonly string[];
}

export function planResume(state: SearchState, snapshot: Pick<SearchState, 'space' | 'objectives' | 'constraints' | 'algorithm'>): ResumePlan {
  const diffs = (['space', 'objectives', 'constraints', 'algorithm'] as const).flatMap((k) => differences(state[k], snapshot[k], k));
  const refused: string[] = [];
  let raised: ResumePlan['raisedGenerations'];
  for (const d of diffs) {
    if (d.path === 'algorithm.generations' && typeof d.old === 'number' && typeof d.now === 'number' && d.now > d.old) {
      if (state.done) refused.push(`spec.algorithm.generations: the run already finished its ${d.old} generations; raising it afterwards is not supported (start a new run with --out elsewhere)`);
      else raised = { from: d.old, to: d.now };
      continue;
    }
    refused.push(`${specField(d.path)}: the state was made with ${shown(d.old)}, the manifest now gives ${shown(d.now)}`);
  }
  const algorithm = raised ? { ...state.algorithm, generations: raised.to } : state.algorithm;
  return { state: { ...state, algorithm }, ...(raised ? { raisedGenerations: raised } : {}), refused };
}
