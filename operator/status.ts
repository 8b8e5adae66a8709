// Conditions as the Kubernetes API conventions describe them: one per type, and
// lastTransitionTime moves only when the status (True/False/Unknown) changes.
import type { Condition, ExperimentStatus } from './types.js';

export interface ConditionInput {
  type: string;
  status: Condition['status'];
  reason: string;
  message: string;
}

/** Conditions after applying `updates` to `old`, keeping transition times of unchanged statuses. */
export function mergeConditions(old: readonly Condition[] | undefined, updates: readonly ConditionInput[], observedGeneration: number, now: string): Condition[] {
  const out: Condition[] = (old ?? []).map((c) => ({ ...c }));
  for (const u of updates) {
    const i = out.findIndex((c) => c.type === u.type);
    const prev = i >= 0 ? out[i] : undefined;
    const next: Condition = {
      type: u.type,
      status: u.status,
      reason: u.reason,
      message: u.message,
      lastTransitionTime: prev && prev.status === u.status ? prev.lastTransitionTime : now,
      observedGeneration,
    };
    if (i >= 0) out[i] = next;
    else out.push(next);
  }
  return out;
}

export function condition(status: ExperimentStatus | undefined, type: string): Condition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** Status equality ignoring nothing: JSON of both (keys in insertion order are produced the same way). */
export function sameStatus(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** A merge patch that turns `old` into `next` at the top level (removed keys become null). */
export function topLevelPatch(old: Record<string, unknown> | undefined, next: Record<string, unknown>): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(next)) if (v !== undefined && !sameStatus(old?.[k], v)) patch[k] = v;
  for (const k of Object.keys(old ?? {})) if (next[k] === undefined) patch[k] = null;
  return patch;
}
