// NAS-Bench-201 ground truth for judging a search: error = 100 − test_acc_200ep and FLOPs of
// the final network from rwenas's counter, the true Pareto front over all 15,625 cells, and
// the reference point bench/search.ts uses (the true front's nadir + 10% of its range).
import { readFileSync } from 'node:fs';
import { countComplexity } from '../../search/complexity.js';
import { hypervolume } from '../../search/hypervolume.js';
import { nonDominatedSort } from '../../search/algorithms/sort.js';
import { nb201 } from '../../search/spaces/nb201.js';

export interface TrueCell {
  readonly error: number;
  readonly flops: number;
}

export interface Truth {
  readonly table: ReadonlyMap<string, TrueCell>;
  readonly reference: readonly number[];
  /** The true Pareto front, as [error, flops] points. */
  readonly front: readonly (readonly number[])[];
  /** Hypervolume of the true front. */
  readonly ceiling: number;
}

export function loadTruth(csvPath: string): Truth {
  const lines = readFileSync(csvPath, 'utf8').trim().split('\n');
  if (lines[0].split(',')[2] !== 'test_acc_200ep') throw new Error(`${csvPath}: expected the columns index,arch,test_acc_200ep,...`);
  const table = new Map<string, TrueCell>();
  for (const line of lines.slice(1)) {
    const [, arch, acc] = line.split(',');
    const genome = nb201.parse(arch);
    table.set(nb201.serialize(genome), { error: 100 - Number(acc), flops: countComplexity(nb201.build(genome, 'final')).flops });
  }
  const points = [...table.values()].map((c) => [c.error, c.flops]);
  const front = nonDominatedSort(points)[0].map((i) => points[i]);
  const nadir = [0, 1].map((j) => Math.max(...front.map((p) => p[j])));
  const ideal = [0, 1].map((j) => Math.min(...front.map((p) => p[j])));
  const reference = nadir.map((v, j) => v + 0.1 * (v - ideal[j]));
  return { table, reference, front, ceiling: hypervolume(front, reference) };
}

/** A genome's ground truth; throws for one not in the table. */
export function trueCell(truth: Truth, genome: string): TrueCell {
  const c = truth.table.get(nb201.serialize(nb201.parse(genome)));
  if (!c) throw new Error(`genome ${genome} is not in the NB201 table`);
  return c;
}

/** True hypervolume of a set of genomes (their true front), as a percentage of the true front's. */
export function trueHvPercent(truth: Truth, genomes: Iterable<string>): number {
  const points: number[][] = [];
  for (const g of genomes) {
    const c = trueCell(truth, g);
    points.push([c.error, c.flops]);
  }
  if (points.length === 0) return 0;
  const front = nonDominatedSort(points)[0].map((i) => points[i]);
  return (100 * hypervolume(front, [...truth.reference])) / truth.ceiling;
}
