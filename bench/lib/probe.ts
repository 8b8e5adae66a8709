// A probe measures architectures and yields one or more estimator scores per architecture
// (several estimators can share one forward pass). Measurements are cached in a JSONL file
// so tables can be recomputed, and interrupted runs resumed, without evaluating again.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { NetworkOptions } from '../../search/space.js';
import type { Architecture } from './groundtruth.js';

export type BenchSpace = 'nb201' | 'darts';

export interface ProbeResult {
  /** Estimator name → score; higher means predicted more accurate. */
  readonly scores: Readonly<Record<string, number>>;
  /** Estimator name → wall seconds its score cost for this architecture (absent: a free lookup). */
  readonly seconds: Readonly<Record<string, number>>;
}

export interface Probe {
  /** Cache key: must change whenever the probe's settings change. */
  readonly name: string;
  /** Whether the result depends on the seed (random weights, data subsets). */
  readonly seeded: boolean;
  readonly spaces: readonly BenchSpace[];
  measure(space: BenchSpace, arch: Architecture, seed: number): Promise<ProbeResult>;
  close?(): Promise<void>;
}

export interface Measurement extends Partial<ProbeResult> {
  readonly probe: string;
  readonly space: BenchSpace;
  readonly seed: number;
  readonly genome: string;
  /** Set when the evaluation failed; the architecture then ranks last for every estimator of the probe. */
  readonly error?: string;
}

/** A network-size override as a cache-key suffix: `{ cells: 5 }` → `,cells=5` (empty for none). */
export const sizeKey = (size: NetworkOptions): string =>
  Object.entries(size)
    .map(([k, v]) => `,${k}=${v}`)
    .join('');

const keyOf = (m: Pick<Measurement, 'probe' | 'space' | 'seed' | 'genome'>) => `${m.probe}|${m.space}|${m.seed}|${m.genome}`;

export class MeasurementCache {
  private readonly entries = new Map<string, Measurement>();

  constructor(private readonly path: string | undefined) {
    if (!path || !existsSync(path)) return;
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const m = JSON.parse(line) as Measurement;
      this.entries.set(keyOf(m), m);
    }
  }

  get(probe: string, space: BenchSpace, seed: number, genome: string): Measurement | undefined {
    return this.entries.get(keyOf({ probe, space, seed, genome }));
  }

  put(m: Measurement): void {
    this.entries.set(keyOf(m), m);
    if (!this.path) return;
    mkdirSync(dirname(this.path), { recursive: true });
    appendFileSync(this.path, JSON.stringify(m) + '\n');
  }
}
