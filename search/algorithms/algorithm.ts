// The strategy a search runs (nsga2, random): which parents survive a completed generation and
// how the next generation is bred from them. The engine owns everything else (generation 0's
// sample, duplicates, the reference point, state), so a new algorithm is one file here plus
// its entry in index.ts.
import type { AlgorithmSpec } from '../experiment/spec.js';
import type { Rng } from '../random.js';
import type { SearchSpace } from '../space.js';
import type { TrialRecord } from '../trial.js';
import type { Individual } from './constrained.js';
import type { UniqueBatch } from './unique.js';

/** What a strategy may use: the space, the engine's one Rng, the spec, and trials as selection sees them. */
export interface AlgorithmContext {
  readonly space: SearchSpace;
  readonly rng: Rng;
  readonly spec: AlgorithmSpec;
  individual(t: TrialRecord): Individual;
}

export interface Algorithm {
  /** The parents that go on after a generation, best first; `pool` is sorted by trial name. */
  survive(ctx: AlgorithmContext, pool: readonly TrialRecord[]): TrialRecord[];
  /** Fills `batch` up to `count` candidates bred from `parents` (fewer only if the space runs out). */
  breed(ctx: AlgorithmContext, parents: readonly TrialRecord[], batch: UniqueBatch<unknown>, count: number): void;
}
