// Reading a batch's results out of the evaluator container's termination message, and
// explaining a failed pod in words a user can act on.
import type * as k8s from '@kubernetes/client-node';
import { decodeBatchResult, type BatchTrialResult } from '../evaluator/protocol.js';

/**
 * Results by trial name from a termination message (the evaluator's batch-result format,
 * evaluator/protocol.ts). Throws, saying what was wrong, when the message is not a batch
 * result for these trials.
 */
export function decodeResults(message: string, trials: readonly string[]): Map<string, BatchTrialResult> {
  let batch;
  try {
    batch = decodeBatchResult(message);
  } catch (err) {
    throw new Error(`termination message is not a batch result (${(err as Error).message})`);
  }
  const out = new Map(batch.trials.map((t) => [t.name, t]));
  const missing = trials.filter((n) => !out.has(n));
  if (missing.length > 0) throw new Error(`batch result lacks trial(s) ${missing.join(', ')}`);
  return out;
}

/**
 * What a pod that died mid-batch left in its message (the evaluator rewrites it after each
 * trial): the results of these trials it holds, and the trial it was evaluating. Undefined when
 * the message is no batch result (a crash before the first write leaves its log tail there).
 */
export function decodePartialResults(message: string, trials: readonly string[]): { results: Map<string, BatchTrialResult>; running?: string } | undefined {
  let batch;
  try {
    batch = decodeBatchResult(message);
  } catch {
    return undefined;
  }
  const wanted = new Set(trials);
  const results = new Map(batch.trials.filter((t) => wanted.has(t.name)).map((t) => [t.name, t]));
  return { results, ...(batch.running !== undefined && wanted.has(batch.running) ? { running: batch.running } : {}) };
}

/** Why a pod's evaluator failed: exit code, reason and the tail of its message or log. */
export function describeTermination(pod: string, term: k8s.V1ContainerStateTerminated | undefined): string {
  if (!term) return `pod ${pod} left no terminated evaluator container`;
  const tail = (term.message ?? '').trim().split('\n').slice(-3).join(' | ').slice(-300);
  return `pod ${pod} exited ${term.exitCode}${term.reason ? ` (${term.reason})` : ''}${tail ? `: ${tail}` : ''}`;
}
