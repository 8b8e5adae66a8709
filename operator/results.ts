// Reading a batch's results out of the evaluator container's termination message, and
// explaining a failed pod in words a user can act on.
import type * as k8s from '@kubernetes/client-node';
import { decodeBatchResult } from '../evaluator/protocol.js';
import type { ObjectiveName, Objectives } from '../search/objectives.js';

export interface TrialResult {
  status: 'Succeeded' | 'Failed';
  objectives: Objectives;
  durationMs?: number;
  reason?: string;
}

/**
 * Results by trial name from a termination message (the evaluator's batch-result format,
 * evaluator/protocol.ts). Throws, saying what was wrong, when the message is not a batch
 * result for these trials.
 */
export function decodeResults(message: string, trials: readonly string[]): Map<string, TrialResult> {
  let batch;
  try {
    batch = decodeBatchResult(message);
  } catch (err) {
    throw new Error(`termination message is not a batch result (${(err as Error).message})`);
  }
  const out = new Map<string, TrialResult>();
  for (const t of batch.trials) {
    out.set(t.name, {
      status: t.status,
      objectives: { ...t.objectives },
      ...(t.durationMs !== undefined ? { durationMs: t.durationMs } : {}),
      ...(t.reason !== undefined ? { reason: t.reason } : {}),
    });
  }
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
