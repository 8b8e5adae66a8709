// What a search engine is built from, and the checks it makes before it starts: the settings
// reach it from manifests and custom resources, so each one is checked and named when wrong.
import { ALGORITHMS } from './algorithms/index.js';
import { canonicalJson, type SearchState } from './engine-state.js';
import type { AlgorithmSpec, ConstraintsSpec } from './experiment/spec.js';
import { OBJECTIVE_NAMES, type ObjectiveName } from './objectives.js';
import type { SearchSpace } from './space.js';

export interface SearchSettings {
  readonly space: SearchSpace;
  readonly objectives: readonly ObjectiveName[];
  readonly constraints: ConstraintsSpec;
  readonly algorithm: AlgorithmSpec;
}

/** The settings as plain JSON, as a state records them (keys sorted). */
export function settingsSnapshot(settings: SearchSettings): Pick<SearchState, 'space' | 'objectives' | 'constraints' | 'algorithm'> {
  return JSON.parse(
    canonicalJson({ space: settings.space.name, objectives: settings.objectives, constraints: settings.constraints, algorithm: settings.algorithm }),
  );
}

/** Throws `field: expected ..., got ...` for the first setting the engine cannot run with. */
export function checkSettings(settings: SearchSettings): void {
  const { objectives, algorithm: a } = settings;
  const bad = (field: string, expected: string, got: unknown): never => {
    throw new Error(`${field}: expected ${expected}, got ${JSON.stringify(got)}`);
  };
  if (objectives.length === 0 || new Set(objectives).size !== objectives.length || objectives.some((o) => !(OBJECTIVE_NAMES as readonly string[]).includes(o))) {
    bad('spec.objectives', `distinct names from ${OBJECTIVE_NAMES.join(', ')}`, objectives);
  }
  if (!Object.hasOwn(ALGORITHMS, a.name)) bad('spec.algorithm.name', Object.keys(ALGORITHMS).join(' or '), a.name);
  for (const key of ['populationSize', 'offspringSize'] as const) if (!Number.isInteger(a[key]) || a[key] < 1) bad(`spec.algorithm.${key}`, 'an integer >= 1', a[key]);
  if (!Number.isInteger(a.generations) || a.generations < 0) bad('spec.algorithm.generations', 'an integer >= 0', a.generations);
  if (!(a.crossoverProbability >= 0 && a.crossoverProbability <= 1)) bad('spec.algorithm.crossoverProbability', 'a number in [0, 1]', a.crossoverProbability);
  if (!(a.mutationRate >= 0 && a.mutationRate <= 1)) bad('spec.algorithm.mutationRate', 'a number in [0, 1]', a.mutationRate);
  if (!Number.isSafeInteger(a.seed)) bad('spec.algorithm.seed', 'an integer', a.seed);
  if (a.initialGenomes.length > a.populationSize) bad('spec.algorithm.initialGenomes', `at most populationSize (${a.populationSize}) genomes`, a.initialGenomes.length);
  if (a.referencePoint) {
    for (const name of objectives) {
      const v = a.referencePoint[name];
      if (typeof v !== 'number' || !Number.isFinite(v)) bad(`spec.algorithm.referencePoint.${name}`, 'a finite number (one per objective)', v);
    }
    for (const name of Object.keys(a.referencePoint)) {
      if (!objectives.includes(name as ObjectiveName)) bad(`spec.algorithm.referencePoint.${name}`, `one of the objectives (${objectives.join(', ')})`, name);
    }
  }
}
