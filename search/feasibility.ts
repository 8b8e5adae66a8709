// Constraints that no evaluated trial met: the run still ends (constrained domination keeps
// searching towards them), but its front is empty, which must not pass silently. For each
// such constraint, the trial that came closest.
import { violation } from './algorithms/constrained.js';
import type { ConstraintsSpec } from './experiment/spec.js';
import type { ObjectiveName } from './objectives.js';
import type { EvaluatedTrial } from './trial.js';

const LIMITS: readonly [keyof ConstraintsSpec, ObjectiveName][] = [
  ['maxParams', 'params'],
  ['maxFlops', 'flops'],
  ['maxError', 'error'],
];

export interface UnmetConstraint {
  /** e.g. spec.constraints.maxParams */
  readonly field: string;
  readonly limit: number;
  /** The succeeded trial with the smallest value of the constrained objective. */
  readonly closest?: { readonly trial: string; readonly genome: string; readonly value: number };
  /** One line for the terminal and the summary. */
  readonly message: string;
}

/** When no succeeded trial is feasible: each constraint none met, with the closest trial; else []. */
export function unmetConstraints(history: readonly EvaluatedTrial[], constraints: ConstraintsSpec): UnmetConstraint[] {
  const succeeded = history.filter((t) => t.status === 'Succeeded');
  if (succeeded.some((t) => violation(constraints, t.status, t.objectives) === 0)) return [];
  const unmet: UnmetConstraint[] = [];
  for (const [key, name] of LIMITS) {
    const limit = constraints[key];
    if (limit === undefined) continue;
    const values = succeeded.filter((t) => typeof t.objectives[name] === 'number').map((t) => ({ trial: t.trial, genome: t.genome, value: t.objectives[name] as number }));
    if (values.some((v) => v.value <= limit)) continue;
    const closest = values.reduce<(typeof values)[number] | undefined>((best, v) => (best === undefined || v.value < best.value ? v : best), undefined);
    const field = `spec.constraints.${key}`;
    const message = closest
      ? `no trial met ${field} (${limit}): the closest, ${closest.genome} (trial ${closest.trial}), has ${name} ${closest.value}`
      : `no trial met ${field} (${limit}): no trial succeeded`;
    unmet.push({ field, limit, ...(closest ? { closest } : {}), message });
  }
  if (unmet.length === 0 && succeeded.length > 0) {
    // Each limit was met by some trial, never all by one: the least violating trial.
    const best = succeeded.reduce((a, b) => (violation(constraints, b.status, b.objectives) < violation(constraints, a.status, a.objectives) ? b : a));
    const fields = LIMITS.filter(([key]) => constraints[key] !== undefined).map(([key]) => `spec.constraints.${key} (${constraints[key]})`);
    const values = LIMITS.filter(([key]) => constraints[key] !== undefined).map(([, name]) => `${name} ${best.objectives[name]}`);
    unmet.push({ field: 'spec.constraints', limit: NaN, message: `no trial met ${fields.join(' and ')} together: the closest, ${best.genome} (trial ${best.trial}), has ${values.join(', ')}` });
  }
  return unmet;
}
