// The search engine's whole state as plain JSON, and its validation on restore. A state names the
// settings it was made with; restoring it under different settings is refused, because the
// run would no longer be the one that was serialised.
import { genomeHash } from './hash.js';
import { OBJECTIVE_NAMES, type ObjectiveName } from './objectives.js';
import type { AlgorithmSpec, ConstraintsSpec } from './experiment/spec.js';
import type { RngState } from './random.js';
import type { SearchSpace, SpaceName } from './space.js';
import type { TrialRecord } from './trial.js';

export const STATE_VERSION = 1;

export interface SearchState {
  readonly version: typeof STATE_VERSION;
  readonly space: SpaceName;
  readonly objectives: readonly ObjectiveName[];
  readonly constraints: ConstraintsSpec;
  readonly algorithm: AlgorithmSpec;
  /** The current generation: 0 is the initial population. */
  readonly generation: number;
  readonly done: boolean;
  readonly rng: RngState;
  /** Fixed hypervolume reference point, in objective order; null until fixed. */
  readonly referencePoint: number[] | null;
  /** Every trial proposed so far, in creation order (pending ones belong to the current generation). */
  readonly trials: TrialRecord[];
  /** NSGA-II parent population (trial names, best first); empty for random search. */
  readonly population: string[];
}

/** Deterministic JSON (sorted keys) for comparing settings. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function fail(field: string, expected: string, got: unknown): never {
  const shown = got === undefined ? 'nothing' : JSON.stringify(got)?.slice(0, 80);
  throw new Error(`engine state: ${field}: expected ${expected}, got ${shown}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

/** Checks the shape and invariants of a state against the settings it is restored under. */
export function validateState(state: unknown, expected: Pick<SearchState, 'space' | 'objectives' | 'constraints' | 'algorithm'>, space: SearchSpace): SearchState {
  if (!isRecord(state)) fail('(root)', 'an object', state);
  if (state.version !== STATE_VERSION) fail('version', String(STATE_VERSION), state.version);
  for (const key of ['space', 'objectives', 'constraints', 'algorithm'] as const) {
    if (canonicalJson(state[key]) !== canonicalJson(expected[key])) {
      fail(key, `the settings it is restored under (${canonicalJson(expected[key]).slice(0, 200)})`, state[key]);
    }
  }
  if (!isCount(state.generation)) fail('generation', 'an integer >= 0', state.generation);
  const generation = state.generation;
  if (typeof state.done !== 'boolean') fail('done', 'a boolean', state.done);
  const rng = state.rng;
  if (!Array.isArray(rng) || rng.length !== 4 || !rng.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32) || rng.every((w) => w === 0)) {
    fail('rng', 'four 32-bit unsigned integers, not all zero', rng);
  }
  const m = expected.objectives.length;
  const ref = state.referencePoint;
  if (ref !== null && !(Array.isArray(ref) && ref.length === m && ref.every((v) => typeof v === 'number' && Number.isFinite(v)))) {
    fail('referencePoint', `null or ${m} finite numbers`, ref);
  }
  if (!Array.isArray(state.trials)) fail('trials', 'an array', state.trials);
  const seen = new Map<string, TrialRecord>();
  let lastGeneration = 0;
  state.trials.forEach((t: unknown, i: number) => {
    const at = `trials[${i}]`;
    if (!isRecord(t)) fail(at, 'an object', t);
    if (typeof t.genome !== 'string') fail(`${at}.genome`, 'a string', t.genome);
    let canonical: string;
    try {
      canonical = space.serialize(space.parse(t.genome));
    } catch (e) {
      fail(`${at}.genome`, `a valid ${space.name} genome (${(e as Error).message})`, t.genome);
    }
    if (canonical !== t.genome) fail(`${at}.genome`, `the canonical form ${canonical}`, t.genome);
    if (t.trial !== genomeHash(space.name, t.genome)) fail(`${at}.trial`, `the genome's hash ${genomeHash(space.name, t.genome)}`, t.trial);
    if (seen.has(t.trial)) fail(`${at}.trial`, 'a trial not listed before', t.trial);
    if (!isCount(t.generation) || t.generation < lastGeneration || t.generation > generation) {
      fail(`${at}.generation`, `an integer from ${lastGeneration} to ${generation} (trials are in creation order)`, t.generation);
    }
    lastGeneration = t.generation;
    if (t.status !== 'Pending' && t.status !== 'Succeeded' && t.status !== 'Failed') fail(`${at}.status`, 'Pending, Succeeded or Failed', t.status);
    if (t.status === 'Pending' && (t.generation !== generation || state.done)) fail(`${at}.status`, 'Pending only in the current generation of a running engine', t.status);
    if (t.status !== 'Pending') {
      if (!isRecord(t.objectives)) fail(`${at}.objectives`, 'an object', t.objectives);
      for (const [name, v] of Object.entries(t.objectives)) {
        if (!(OBJECTIVE_NAMES as readonly string[]).includes(name)) fail(`${at}.objectives.${name}`, `one of ${OBJECTIVE_NAMES.join(', ')}`, name);
        if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${at}.objectives.${name}`, 'a finite number', v);
      }
      if (t.status === 'Succeeded') {
        for (const name of expected.objectives) if (t.objectives[name] === undefined) fail(`${at}.objectives.${name}`, 'a finite number', undefined);
      }
    } else if (t.objectives !== undefined) fail(`${at}.objectives`, 'nothing while pending', t.objectives);
    if (t.reason !== undefined && typeof t.reason !== 'string') fail(`${at}.reason`, 'a string', t.reason);
    seen.set(t.trial, t as unknown as TrialRecord);
  });
  const pending = state.trials.filter((t: TrialRecord) => t.status === 'Pending').length;
  if (!state.done && pending === 0) fail('trials', 'pending trials in the current generation of a running engine', 0);
  if (!Array.isArray(state.population)) fail('population', 'an array of trial names', state.population);
  state.population.forEach((p: unknown, i: number) => {
    const t = typeof p === 'string' ? seen.get(p) : undefined;
    if (!t || t.status === 'Pending') fail(`population[${i}]`, 'the name of an evaluated trial', p);
  });
  return state as unknown as SearchState;
}
