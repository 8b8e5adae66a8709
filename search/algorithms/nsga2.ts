// NSGA-II variation (Deb et al. 2002): parents by binary tournament, crossover with
// probability `crossoverProbability` (else the parents are copied), then per-gene mutation
// (the space guarantees at least one changed gene). Duplicates are eliminated: a child seen
// before is re-drawn up to REDRAWS times; then parents are mutated with rising rates; then the
// slot falls back to a uniform sample. Survival (elitist, parents and offspring together) is in
// survival.ts; NSGA2 is the two as an Algorithm.
import type { Rng } from '../random.js';
import type { SearchSpace } from '../space.js';
import { sampleInto } from './random.js';
import type { Algorithm } from './algorithm.js';
import type { Individual } from './constrained.js';
import { rankAndCrowd, survive, type Ranking } from './survival.js';
import { binaryTournament } from './tournament.js';
import type { UniqueBatch } from './unique.js';

export const REDRAWS = 20;
export const MUTATION_FALLBACKS = 20;

export interface VariationSettings {
  readonly crossoverProbability: number;
  readonly mutationRate: number;
}

/** Parents: the surviving population with their parsed genomes, ranked together. */
export interface Parents<G> {
  readonly individuals: readonly Individual[];
  readonly genomes: readonly G[];
  readonly ranking: Ranking;
}

/** Fills `batch` up to `count` new children of `parents` (fewer only if the space runs out). */
export function breedInto<G>(space: SearchSpace<G>, rng: Rng, parents: Parents<G>, settings: VariationSettings, batch: UniqueBatch<G>, count: number): void {
  const { individuals, genomes, ranking } = parents;
  if (genomes.length === 0) return sampleInto(space, rng, batch, count);
  const queue: G[] = [];
  const nextChild = (): G => {
    if (queue.length === 0) {
      const a = genomes[binaryTournament(individuals, ranking, rng)];
      const b = genomes[binaryTournament(individuals, ranking, rng)];
      queue.push(...(rng.next() < settings.crossoverProbability ? space.crossover(a, b, rng) : [a, b]));
    }
    return space.mutate(queue.shift() as G, rng, settings.mutationRate);
  };
  while (batch.size < count) {
    let added = false;
    for (let k = 0; k < REDRAWS && !added; k++) added = batch.add(nextChild());
    // Mutate more genes at a time: doubles the rate per attempt, capped at 1.
    for (let k = 0; k < MUTATION_FALLBACKS && !added; k++) {
      const rate = Math.min(1, settings.mutationRate * 2 ** (k + 1));
      added = batch.add(space.mutate(rng.pick(genomes), rng, rate));
    }
    if (!added) {
      const before = batch.size;
      sampleInto(space, rng, batch, before + 1);
      if (batch.size === before) return;
    }
  }
}

export const NSGA2: Algorithm = {
  survive(ctx, pool) {
    return survive(pool.map((t) => ctx.individual(t)), ctx.spec.populationSize).map((i) => pool[i]);
  },
  breed(ctx, parents, batch, count) {
    const individuals = parents.map((t) => ctx.individual(t));
    const genomes = parents.map((t) => ctx.space.parse(t.genome));
    breedInto(ctx.space, ctx.rng, { individuals, genomes, ranking: rankAndCrowd(individuals) }, ctx.spec, batch, count);
  },
};
