// The random-search baseline: every generation a fresh uniform sample from the space, without
// duplicates; nothing survives a generation.
import type { Rng } from '../random.js';
import type { Algorithm } from './algorithm.js';
import type { SearchSpace } from '../space.js';
import type { UniqueBatch } from './unique.js';

/** Draws per slot before concluding the space is (nearly) exhausted. */
export const SAMPLE_ATTEMPTS = 100;

/** Fills `batch` up to `count` uniform samples; stops early only when draws keep repeating. */
export function sampleInto<G>(space: SearchSpace<G>, rng: Rng, batch: UniqueBatch<G>, count: number): void {
  while (batch.size < count) {
    let added = false;
    for (let attempt = 0; attempt < SAMPLE_ATTEMPTS && !added; attempt++) added = batch.add(space.sample(rng));
    if (!added) return;
  }
}

export const RANDOM_SEARCH: Algorithm = {
  survive: () => [],
  breed: (ctx, _parents, batch, count) => sampleInto(ctx.space, ctx.rng, batch, count),
};
