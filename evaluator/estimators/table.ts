// The `table` evaluation method: a genome's error is looked up, not estimated. The table is a
// CSV with the columns of NAS-Bench-201's nb201-cifar10.csv (index, arch, test_acc_200ep,
// test_acc_12ep); error = 100 - test_acc_200ep. It benchmarks the search itself in seconds.
// The file is a plain numeric table (no quoting: NB201 strings hold no commas), so it is read
// with a split rather than a CSV library. Without `table.path`, the NAS-Bench-201 table shipped
// in the project (data/nb201-cifar10.csv.gz, derived and checked by scripts/nb201-table.mjs).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { SearchSpace } from '../../search/space.js';

const REQUIRED = ['arch', 'test_acc_200ep'] as const;

/** The shipped table: data/ of the package root (found upwards, as sources and dist/ differ in depth). */
export function shippedTablePath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'data', 'nb201-cifar10.csv.gz');
}

// gzip's magic bytes: a compressed table is read as well as a plain CSV.
const isGzip = (b: Buffer) => b.length > 2 && b[0] === 0x1f && b[1] === 0x8b;

export class TableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TableError';
  }
}

export class AccuracyTable {
  private constructor(
    readonly path: string,
    private readonly accuracy: ReadonlyMap<string, number>,
  ) {}

  get size(): number {
    return this.accuracy.size;
  }

  /** Reads the CSV; genomes are keyed in the space's canonical form. Errors name the file, line and column. */
  static async load(path: string, space: SearchSpace): Promise<AccuracyTable> {
    let text: string;
    try {
      const bytes = await readFile(path);
      text = (isGzip(bytes) ? gunzipSync(bytes) : bytes).toString('utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, expected a CSV file' : (err as Error).message;
      throw new TableError(`spec.evaluation.table.path: cannot read ${path}: ${why} (set it with --set spec.evaluation.table.path=FILE, or leave it unset for the shipped NAS-Bench-201 table)`);
    }
    const lines = text.split(/\r?\n/);
    const header = lines[0].split(',').map((h) => h.trim());
    const missing = REQUIRED.filter((c) => !header.includes(c));
    if (missing.length > 0) {
      throw new TableError(`${path}: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (header has: ${header.join(', ') || 'nothing'})`);
    }
    const archCol = header.indexOf('arch');
    const accCol = header.indexOf('test_acc_200ep');
    const accuracy = new Map<string, number>();
    for (let i = 1; i < lines.length; i++) {
      if (lines[i].trim() === '') continue;
      const cells = lines[i].split(',');
      const where = `${path}:${i + 1}`;
      if (cells.length !== header.length) throw new TableError(`${where}: expected ${header.length} columns, got ${cells.length}`);
      const acc = Number(cells[accCol]);
      if (cells[accCol].trim() === '' || !Number.isFinite(acc) || acc < 0 || acc > 100) {
        throw new TableError(`${where}: test_acc_200ep must be a percentage in [0, 100], got ${JSON.stringify(cells[accCol])}`);
      }
      let key: string;
      try {
        key = space.serialize(space.parse(cells[archCol].trim()));
      } catch (err) {
        throw new TableError(`${where}: arch: ${(err as Error).message}`);
      }
      accuracy.set(key, acc);
    }
    if (accuracy.size === 0) throw new TableError(`${path}: no rows`);
    return new AccuracyTable(path, accuracy);
  }

  /** Error in percent of a canonical genome; throws when the table does not hold it. */
  error(canonical: string): number {
    const acc = this.accuracy.get(canonical);
    if (acc === undefined) throw new TableError(`genome ${canonical} is not in the table ${this.path}`);
    // Rounded to 1e-6 so that 100 - 93.61 prints as 6.39, not 6.390000000000001.
    return Math.round((100 - acc) * 1e6) / 1e6;
  }
}

const cache = new Map<string, Promise<AccuracyTable>>();

/** One load per file and process (the engine asks for thousands of lookups). */
export function loadTable(path: string | undefined, space: SearchSpace): Promise<AccuracyTable> {
  path ??= shippedTablePath();
  const key = `${space.name}:${path}`;
  let table = cache.get(key);
  if (!table) {
    table = AccuracyTable.load(path, space);
    table.catch(() => cache.delete(key));
    cache.set(key, table);
  }
  return table;
}
