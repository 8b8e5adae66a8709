// A NASExperiment and its NASTrials as a set of search results (results/search-results.ts): read through a kubeconfig
// (rwenas export/report --experiment) or from the operator's own cache (its page).
import * as k8s from '@kubernetes/client-node';
import { applyDefaults, validateSpec } from '../search/experiment/validate.js';
import type { ExperimentSpec } from '../search/experiment/spec.js';
import { spaceByName } from '../search/spaces/index.js';
import { API_GROUP, API_VERSION_NAME, EXPERIMENT_PLURAL, LABEL_EXPERIMENT, TRIAL_PLURAL, type ExperimentObject, type TrialObject } from './types.js';
import { ResultsError } from '../results/run-dir.js';
import { buildResults, type SearchResults, type ResultTrial } from '../results/search-results.js';

/** The search results of an experiment given its object and its trials (only final trials count). */
export function resultsFromObjects(experiment: ExperimentObject, trials: readonly TrialObject[]): SearchResults {
  const ns = experiment.metadata.namespace ?? 'default';
  const where = `NASExperiment ${ns}/${experiment.metadata.name}`;
  const spec = applyDefaults(experiment.spec ?? {}) as ExperimentSpec;
  const problems = validateSpec(spec as unknown as Record<string, unknown>, (space, genome) => spaceByName(space).parse(genome));
  if (problems.length > 0) throw new ResultsError(`${where}: invalid spec: ${problems.join('; ')}`);
  const ref = experiment.status?.referencePoint;
  const resultTrials: ResultTrial[] = trials
    .filter((t) => t.status?.phase === 'Succeeded' || t.status?.phase === 'Failed')
    .map((t) => ({
      trial: t.spec.genomeHash,
      name: t.metadata.name,
      genome: t.spec.genome,
      generation: t.spec.generation,
      status: t.status!.phase as 'Succeeded' | 'Failed',
      objectives: t.status?.objectives ?? {},
      ...(t.status?.durationSeconds !== undefined ? { durationMs: Math.round(t.status.durationSeconds * 1000) } : {}),
      ...(t.status?.reason ? { reason: [t.status.reason, t.status.message].filter(Boolean).join(': ') } : {}),
    }))
    .sort((a, b) => a.generation - b.generation || (a.trial < b.trial ? -1 : 1));
  return buildResults({
    name: experiment.metadata.name,
    source: { kind: 'experiment', where: `${ns}/${experiment.metadata.name}`, namespace: ns },
    space: spec.searchSpace.name,
    method: spec.evaluation.method,
    objectives: spec.objectives,
    constraints: spec.constraints ?? {},
    seed: spec.algorithm.seed,
    final: spec.searchSpace.final ?? {},
    referencePoint: ref ? spec.objectives.map((o) => ref[o] ?? NaN) : null,
    trials: resultTrials,
    state: experiment.status?.phase ?? 'Pending',
    ...(experiment.status?.generation !== undefined ? { generations: experiment.status.generation } : {}),
  });
}

/** Reads an experiment and its trials through a kubeconfig. */
export async function fetchResults(kc: k8s.KubeConfig, namespace: string, name: string): Promise<SearchResults> {
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const common = { group: API_GROUP, version: API_VERSION_NAME, namespace };
  let experiment: ExperimentObject;
  try {
    experiment = (await api.getNamespacedCustomObject({ ...common, plural: EXPERIMENT_PLURAL, name })) as ExperimentObject;
  } catch (err) {
    if (err instanceof k8s.ApiException && err.code === 404) throw new ResultsError(`NASExperiment ${namespace}/${name}: not found`);
    throw err;
  }
  const trials = (await api.listNamespacedCustomObject({ ...common, plural: TRIAL_PLURAL, labelSelector: `${LABEL_EXPERIMENT}=${name}` })) as { items: TrialObject[] };
  return resultsFromObjects(experiment, trials.items);
}
