// From an experiment object as the API server stored it to what the operator acts on: the
// defaulted, validated spec; the engine settings; and digests of the fields that are fixed
// once the experiment has started (all but generations, parallelism, maxFailedTrials and
// suspend), so a later change to them is noticed and refused.
import { createHash } from 'node:crypto';
import type { SearchSettings } from '../search/engine.js';
import { canonicalJson } from '../search/engine-state.js';
import type { ExperimentSpec } from '../search/experiment/spec.js';
import { applyDefaults, validateSpec } from '../search/experiment/validate.js';
import { spaceByName } from '../search/spaces/index.js';
import { searchSettings } from '../search/study.js';

import { MUTABLE_FIELDS } from '../search/experiment/fixed.js';

export { MUTABLE_FIELDS };

export type Resolved = { ok: true; spec: ExperimentSpec; settings: SearchSettings } | { ok: false; problems: string[] };

/** Defaults, schema and semantic validation (the genomes of initialGenomes parse in their space). */
export function resolveSpec(raw: unknown): Resolved {
  const spec = applyDefaults(raw ?? {}) as Record<string, unknown>;
  const problems = validateSpec(spec, (space, genome) => spaceByName(space).parse(genome));
  if (problems.length > 0) return { ok: false, problems };
  const s = spec as unknown as ExperimentSpec;
  let settings: SearchSettings;
  try {
    settings = searchSettings(s);
  } catch (err) {
    return { ok: false, problems: [`spec.searchSpace.name: ${(err as Error).message}`] };
  }
  // offspringSize has no schema default: absent means populationSize (as the settings say).
  return { ok: true, spec: { ...s, algorithm: settings.algorithm }, settings };
}

/** Digest per fixed field, two levels deep (e.g. `algorithm.seed`, `execution.template`). */
export function lockDigests(spec: ExperimentSpec): Record<string, string> {
  const out: Record<string, string> = {};
  const digest = (v: unknown) => createHash('sha256').update(canonicalJson(v)).digest('hex').slice(0, 12);
  for (const [key, value] of Object.entries(spec)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [sub, v] of Object.entries(value as Record<string, unknown>)) {
        const path = `${key}.${sub}`;
        if (!(MUTABLE_FIELDS as readonly string[]).includes(path) && v !== undefined) out[path] = digest(v);
      }
    } else if (!(MUTABLE_FIELDS as readonly string[]).includes(key) && value !== undefined) out[key] = digest(value);
  }
  return out;
}

/** Fixed fields whose digest differs from the locked one (`spec.`-prefixed paths, sorted). */
export function changedFields(locked: Record<string, string>, now: Record<string, string>): string[] {
  const keys = new Set([...Object.keys(locked), ...Object.keys(now)]);
  return [...keys].filter((k) => locked[k] !== now[k]).sort().map((k) => `spec.${k}`);
}

/**
 * A digest of the settings that produce a trial's result and the search around it: every
 * locked field but execution's (how Jobs run changes no result). Stamped on each NASTrial
 * (LABEL_SETTINGS); a NASTrial with another stamp is never used.
 */
export function settingsDigest(locked: Record<string, string>): string {
  const produced = Object.fromEntries(Object.entries(locked).filter(([k]) => !k.startsWith('execution.')));
  return createHash('sha256').update(canonicalJson(produced)).digest('hex').slice(0, 16);
}
