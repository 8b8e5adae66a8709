// Ground truth for the fidelity benchmark: NAS-Bench-201 (CIFAR-10, 200-epoch test accuracy)
// and the 200 NAS-Bench-301 DARTS architectures (validation accuracy), read from the shared
// data folder, with seeded, disjoint tuning and confirmation samples.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../search/random.js';

export interface Architecture {
  /** Genome text the search space parses (NB201 string, or DARTS genotype JSON). */
  readonly genome: string;
  /** Trained accuracy in percent: the quantity estimators should rank. */
  readonly accuracy: number;
  /** Row id in the source file (NB201 index, NB301 line number). */
  readonly id: number;
  /** Extra published columns (e.g. `acc12`, `params_m`, `flops_m`), for baselines. */
  readonly extra: Readonly<Record<string, number>>;
}

/** The shared data folder: `--data`, else $RWENAS_DATA, else `../shared/data` beside the project. */
export function dataDir(flag?: string): string {
  if (flag) return flag;
  if (process.env.RWENAS_DATA) return process.env.RWENAS_DATA;
  return join(new URL('../../..', import.meta.url).pathname, 'shared', 'data');
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as Error).message} (set --data or RWENAS_DATA to the shared data folder)`);
  }
}

function number(text: string, path: string, line: number, field: string): number {
  const value = Number(text);
  if (text === '' || !Number.isFinite(value)) throw new Error(`${path}:${line}: field ${field}: expected a number, got ${JSON.stringify(text)}`);
  return value;
}

/** All rows of `nasbench201/nb201-cifar10.csv` (columns index, arch, test_acc_200ep, test_acc_12ep). */
export function loadNb201(dir: string): Architecture[] {
  const path = join(dir, 'nasbench201', 'nb201-cifar10.csv');
  const lines = readText(path).trim().split('\n');
  const header = lines[0].trim();
  if (header !== 'index,arch,test_acc_200ep,test_acc_12ep') throw new Error(`${path}:1: expected header index,arch,test_acc_200ep,test_acc_12ep, got ${header}`);
  return lines.slice(1).map((line, k) => {
    const cols = line.trim().split(',');
    if (cols.length !== 4) throw new Error(`${path}:${k + 2}: expected 4 columns, got ${cols.length}`);
    return {
      id: number(cols[0], path, k + 2, 'index'),
      genome: cols[1],
      accuracy: number(cols[2], path, k + 2, 'test_acc_200ep'),
      extra: { acc12: number(cols[3], path, k + 2, 'test_acc_12ep') },
    };
  });
}

/** NB201's published FLOPs (M) and params (M) for its standard network, by arch string (724 cells). */
export function loadNb201Complexity(dir: string): Map<string, { flopsM: number; paramsM: number }> {
  const path = join(dir, 'nasbench201', 'nb201-complexity.csv');
  const out = new Map<string, { flopsM: number; paramsM: number }>();
  readText(path).trim().split('\n').slice(1).forEach((line, k) => {
    const [arch, flops, params] = line.trim().split(',');
    out.set(arch, { flopsM: number(flops, path, k + 2, 'flops_m'), paramsM: number(params, path, k + 2, 'params_m') });
  });
  return out;
}

/** All 200 lines of `nasbench301/nb301-dev.jsonl`; the genome is the genotype as JSON. */
export function loadNb301(dir: string): Architecture[] {
  const path = join(dir, 'nasbench301', 'nb301-dev.jsonl');
  return readText(path).trim().split('\n').map((line, k) => {
    let row: { genotype?: unknown; val_accuracy?: unknown; flops_m?: unknown; params_m?: unknown };
    try {
      row = JSON.parse(line);
    } catch (err) {
      throw new Error(`${path}:${k + 1}: not JSON: ${(err as Error).message}`);
    }
    if (typeof row.genotype !== 'object' || row.genotype === null) throw new Error(`${path}:${k + 1}: field genotype: expected an object`);
    const num = (field: 'val_accuracy' | 'flops_m' | 'params_m') => {
      const v = row[field];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${path}:${k + 1}: field ${field}: expected a number, got ${JSON.stringify(v)}`);
      return v;
    };
    return {
      id: k + 1,
      genome: JSON.stringify(row.genotype),
      accuracy: num('val_accuracy'),
      extra: { flops_m: num('flops_m'), params_m: num('params_m') },
    };
  });
}

export interface Split {
  /** Used to choose settings and constants. */
  readonly tune: Architecture[];
  /** Disjoint from `tune`; only used to confirm the choice. */
  readonly confirm: Architecture[];
}

/**
 * Two disjoint samples of `size` rows each, from one seeded permutation (tune = first
 * `size`, confirm = next `size`). With `size` ≥ half the rows, the rows are split in halves.
 */
export function split(rows: readonly Architecture[], size: number, seed: number): Split {
  if (!Number.isInteger(size) || size < 2) throw new RangeError(`split: size must be an integer ≥ 2, got ${size}`);
  const perm = Rng.seeded(seed).shuffle(rows);
  const take = Math.min(size, Math.floor(rows.length / 2));
  return { tune: perm.slice(0, take), confirm: perm.slice(take, 2 * take) };
}
