// Reading a batch's results out of the evaluator container's termination message, and
// explaining a failed pod in words a user can act on.
import type * as k8s from '@kubernetes/client-node';
import type { ObjectiveName, Objectives } from '../search/objectives.js';

export interface TrialResult {
  status: 'Succeeded' | 'Failed';
  objectives: Objectives;
  durationMs?: number;
  reason?: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Results by trial name from a termination message. Throws (with what was wrong) when the
 * message is not a batch result for exactly these trials.
 */
export function decodeResults(message: string, trials: readonly string[]): Map<string, TrialResult> {
  let doc: unknown;
  try {
    doc = JSON.parse(message);
  } catch {
    throw new Error(`termination message is not a batch result (not JSON): ${JSON.stringify(message.slice(0, 120))}`);
  }
  const list = isObj(doc) && Array.isArray(doc.trials) ? doc.trials : undefined;
  if (!list) throw new Error('termination message is not a batch result: expected {"trials": [...]}');
  const out = new Map<string, TrialResult>();
  list.forEach((t, i) => {
    if (!isObj(t) || typeof t.name !== 'string') throw new Error(`batch result trials[${i}]: expected an object with a name`);
    if (t.status !== 'Succeeded' && t.status !== 'Failed') throw new Error(`batch result trials[${i}].status: expected Succeeded or Failed, got ${JSON.stringify(t.status)}`);
    const objectives: Objectives = {};
    if (isObj(t.objectives)) for (const [k, v] of Object.entries(t.objectives)) if (typeof v === 'number' && Number.isFinite(v)) objectives[k as ObjectiveName] = v;
    out.set(t.name, {
      status: t.status,
      objectives,
      ...(typeof t.durationMs === 'number' ? { durationMs: t.durationMs } : {}),
      ...(typeof t.reason === 'string' ? { reason: t.reason } : {}),
    });
  });
  const missing = trials.filter((n) => !out.has(n));
  if (missing.length > 0) throw new Error(`batch result lacks trial(s) ${missing.join(', ')}`);
  return out;
}

/** A Succeeded result must carry every objective the search needs; otherwise it counts as Failed. */
export function checkObjectives(result: TrialResult, required: readonly ObjectiveName[]): TrialResult {
  if (result.status !== 'Succeeded') return result;
  const missing = required.filter((o) => typeof result.objectives[o] !== 'number');
  return missing.length === 0 ? result : { ...result, status: 'Failed', reason: `the evaluator reported no ${missing.join(', ')}` };
}

/** Why a pod's evaluator failed: exit code, reason and the tail of its message or log. */
export function describeTermination(pod: string, term: k8s.V1ContainerStateTerminated | undefined): string {
  if (!term) return `pod ${pod} left no terminated evaluator container`;
  const tail = (term.message ?? '').trim().split('\n').slice(-3).join(' | ').slice(-300);
  return `pod ${pod} exited ${term.exitCode}${term.reason ? ` (${term.reason})` : ''}${tail ? `: ${tail}` : ''}`;
}
