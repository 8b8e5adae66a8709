// Which spec fields may change while an experiment runs, and the CEL transition rules
// (`oldSelf`) by which the API server refuses a change to any other: a search's results are
// only meaningful under the settings that produced them. The operator locks the same fields
// by digest (operator/spec.ts) as a second line, for a CRD installed without these rules.
import type { CelRule, SchemaNode } from './schema-node.js';

/** Spec fields that may change while an experiment runs (`section.field` or a top-level field). */
export const MUTABLE_FIELDS = ['algorithm.generations', 'execution.parallelism', 'execution.maxFailedTrials', 'execution.timeoutSeconds', 'suspend'] as const;

const mutable = (path: string) => (MUTABLE_FIELDS as readonly string[]).includes(path);
const MAY_CHANGE = MUTABLE_FIELDS.map((f) => `spec.${f}`).join(', ');

/** CEL: `path` (from the spec) holds the same value, or is absent, before and after. */
function same(path: string, present: boolean): string {
  if (present) return `self.${path} == oldSelf.${path}`;
  const has = (root: string) => path.split('.').map((_, i, parts) => `has(${root}.${parts.slice(0, i + 1).join('.')})`).join(' && ');
  return `((${has('self')}) ? ((${has('oldSelf')}) && self.${path} == oldSelf.${path}) : !(${has('oldSelf')}))`;
}

/**
 * One transition rule per top-level field of the spec that is fixed in whole or in part. A
 * field counts as present when the API server always fills it (required, or defaulted).
 * Transition rules have no TypeScript twin: `rwenas validate` sees one manifest, no old one.
 */
export function fixedFieldRules(spec: SchemaNode): CelRule[] {
  const rules: CelRule[] = [];
  const required = new Set(spec.required ?? []);
  for (const [name, node] of Object.entries(spec.properties ?? {})) {
    if (mutable(name)) continue;
    const present = required.has(name) || node.default !== undefined;
    const parts = Object.entries(node.properties ?? {});
    const partly = parts.some(([sub]) => mutable(`${name}.${sub}`));
    if (!partly) {
      rules.push({ rule: same(name, present), message: `is fixed once the experiment exists (only ${MAY_CHANGE} may change): create a new experiment instead`, fieldPath: `.${name}` });
      continue;
    }
    const fixed = parts.filter(([sub]) => !mutable(`${name}.${sub}`));
    const checks = fixed.map(([sub, child]) => same(`${name}.${sub}`, present && child.default !== undefined));
    rules.push({
      rule: checks.join(' && '),
      message: `${fixed.map(([sub]) => sub).join(', ')} are fixed once the experiment exists (only ${MAY_CHANGE} may change): create a new experiment instead`,
      fieldPath: `.${name}`,
    });
  }
  return rules;
}
