// The contract every search space fulfils. Genomes cross module boundaries as their
// canonical strings; each space parses them into its own typed genome.
import type { Graph } from './ir.js';
import type { Rng } from './random.js';

export type SpaceName = 'nb201' | 'darts' | 'mobilenetv3';

/** Which network to build from a genome: the final one (complexity objective) or the RWE proxy. */
export type NetworkSize = 'final' | 'proxy';

/** A genome string that failed to parse, with the position (0-based character offset) and what was expected. */
export class GenomeError extends Error {
  constructor(
    readonly space: SpaceName,
    readonly position: number,
    readonly expected: string,
    readonly got: string,
  ) {
    super(`${space} genome: at position ${position}: expected ${expected}, got ${got}`);
    this.name = 'GenomeError';
  }
}

/** Network sizes per space; every field has a default (see each space's `defaults`). */
export interface NetworkOptions {
  /** Initial channels (nb201, darts). */
  readonly channels?: number;
  /** nb201: cells per stage; darts: total cells. */
  readonly cells?: number;
  /** mobilenetv3: width multiplier. */
  readonly widthMultiplier?: number;
  readonly numClasses?: number;
  /** Input image side (CIFAR-10: 32). */
  readonly inputSize?: number;
}

export interface SearchSpace<G = unknown> {
  readonly name: SpaceName;
  /** Default sizes of the final and proxy networks. */
  readonly defaults: Readonly<Record<NetworkSize, Required<NetworkOptions>>>;
  /** Size fields this space does not use: only their default value is accepted. */
  readonly unusedOptions: readonly (keyof NetworkOptions)[];
  /** Parses any accepted notation (e.g. the canonical string or a DARTS genotype JSON); throws GenomeError. */
  parse(text: string): G;
  /** Canonical string: parse(serialize(g)) equals g, and equal genomes serialise identically. */
  serialize(genome: G): string;
  /** Uniform sample of a valid genome. */
  sample(rng: Rng): G;
  /** Each gene is resampled with probability `rate`; at least one gene changes. Always valid. */
  mutate(genome: G, rng: Rng, rate: number): G;
  /** Uniform crossover of two parents into two valid children. */
  crossover(a: G, b: G, rng: Rng): [G, G];
  /** Builds the architecture IR at a size; `options` override the space defaults for that size. */
  build(genome: G, size: NetworkSize, options?: NetworkOptions): Graph;
}
