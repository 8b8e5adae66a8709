// Duplicate elimination by genome hash: a genome ever evaluated (or pending) in the
// experiment, or already in the batch being built, is never proposed again.
import { genomeHash } from '../hash.js';
import type { SearchSpace } from '../space.js';

export interface Proposal {
  /** genomeHash(space, genome). */
  readonly trial: string;
  /** Canonical genome string. */
  readonly genome: string;
}

export class UniqueBatch<G> {
  readonly proposals: Proposal[] = [];
  private readonly inBatch = new Set<string>();

  constructor(
    private readonly space: SearchSpace<G>,
    /** Trials of the experiment so far (evaluated or pending). */
    private readonly seen: { has(trial: string): boolean },
  ) {}

  get size(): number {
    return this.proposals.length;
  }

  /** Adds the genome unless it is a duplicate; true when added. */
  add(genome: G): boolean {
    return this.addCanonical(this.space.serialize(genome));
  }

  addCanonical(canonical: string): boolean {
    const trial = genomeHash(this.space.name, canonical);
    if (this.seen.has(trial) || this.inBatch.has(trial)) return false;
    this.inBatch.add(trial);
    this.proposals.push({ trial, genome: canonical });
    return true;
  }
}
