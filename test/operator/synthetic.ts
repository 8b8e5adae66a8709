// Hand-built NASTrials of a whole experiment, for the replay's tests and bench:operator-scale:
// the engine is run with objectives computed from each genome hash (deterministic, no
// evaluator), and every trial it asks for becomes a final NASTrial as the operator records it.
import { resolveSpec } from '../../operator/spec.js';
import { trialName } from '../../operator/naming.js';
import { LABEL_EXPERIMENT, LABEL_GENERATION, type TrialObject } from '../../operator/types.js';
import { SearchEngine, type SearchSettings } from '../../search/engine.js';
import type { ExperimentSpec } from '../../search/experiment/spec.js';
import type { Objectives } from '../../search/objectives.js';
import { requiredObjectives, toResult } from '../../search/study.js';

export interface Synthetic {
  readonly spec: ExperimentSpec;
  readonly settings: SearchSettings;
  readonly trials: Map<string, TrialObject>;
  /** The engine that asked for them, told every result. */
  readonly engine: SearchEngine;
}

/** Objectives from the hash: 2 objectives in conflict, so the front is large. */
export function objectivesOf(hash: string): Objectives {
  const a = parseInt(hash.slice(0, 8), 16) / 0xffffffff;
  const b = parseInt(hash.slice(8, 16), 16) / 0xffffffff;
  return { error: 5 + 60 * a, params: 1e5 + 1e6 * (1 - a) * (0.5 + b), flops: 1e7 * (1 - a) };
}

/** An experiment `name` of `populationSize` x (`generations` + 1) trials, all Succeeded (darts: plenty of genomes). */
export function syntheticExperiment(name: string, populationSize: number, generations: number, seed = 7): Synthetic {
  const r = resolveSpec({ searchSpace: { name: 'darts' }, objectives: ['error', 'params'], evaluation: { method: 'rwe' }, algorithm: { populationSize, generations, seed } });
  if (!r.ok) throw new Error(r.problems.join('; '));
  const required = requiredObjectives(r.spec);
  const engine = SearchEngine.create(r.settings);
  const trials = new Map<string, TrialObject>();
  let rv = 1;
  while (!engine.done) {
    const asked = engine.ask();
    for (const c of asked) {
      const t: TrialObject = {
        apiVersion: 'rwenas.dev/v1alpha1',
        kind: 'NASTrial',
        metadata: { name: trialName(name, c.trial), namespace: 'default', resourceVersion: String(rv++), labels: { [LABEL_EXPERIMENT]: name, [LABEL_GENERATION]: String(c.generation) } },
        spec: { experiment: name, searchSpace: 'darts', genome: c.genome, genomeHash: c.trial, generation: c.generation },
        status: { phase: 'Succeeded', objectives: objectivesOf(c.trial), job: `${name}-g${c.generation}-b0-a0`, attempts: 1, startTime: '2026-01-01T00:00:00.000Z', completionTime: '2026-01-01T00:01:00.000Z' },
      };
      trials.set(t.metadata.name, t);
    }
    engine.tell(asked.map((c) => toResult(c.trial, { status: 'Succeeded', objectives: objectivesOf(c.trial), reason: '' }, required)));
  }
  return { spec: r.spec, settings: r.settings, trials, engine };
}
