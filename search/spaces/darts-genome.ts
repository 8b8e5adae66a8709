// DARTS genome encoding: a normal and a reduction cell, each 4 nodes of 2 [op, input] pairs.
//
// Canonical string (compact, one line, shell-safe):
//   normal:sep3~0,sep5~1;sep3~0,skip~1;skip~0,sep3~2;dil5~2,max3~3/reduce:...
// four nodes separated by `;`, each two `op~input` pairs; pairs sorted by (input, op) because
// a node sums its pairs, so order carries no meaning. Ops: max3, avg3, skip, sep3, sep5, dil3,
// dil5 (the full DARTS names are accepted too). Node k (0-based) takes inputs 0..k+1: 0 and 1
// are the two cell inputs, 2.. the earlier nodes; a node's two inputs differ (as in DARTS and
// NAS-Bench-301). Also accepted: the DARTS genotype JSON of NAS-Bench-301
// ({"normal":[[op,input]x8],"normal_concat":[2,3,4,5],"reduce":[...],"reduce_concat":[2,3,4,5]}).
import { Cursor } from './cursor.js';
import { isJsonObject, readGenomeJson, type GenomeJson } from './genome-json.js';

export const DARTS_OPS = [
  'max_pool_3x3',
  'avg_pool_3x3',
  'skip_connect',
  'sep_conv_3x3',
  'sep_conv_5x5',
  'dil_conv_3x3',
  'dil_conv_5x5',
] as const;
export type DartsOp = (typeof DARTS_OPS)[number];

/** Short names used by the canonical string, in DARTS_OPS order. */
export const DARTS_SHORT: Readonly<Record<DartsOp, string>> = {
  max_pool_3x3: 'max3',
  avg_pool_3x3: 'avg3',
  skip_connect: 'skip',
  sep_conv_3x3: 'sep3',
  sep_conv_5x5: 'sep5',
  dil_conv_3x3: 'dil3',
  dil_conv_5x5: 'dil5',
};

export interface DartsPair {
  readonly op: DartsOp;
  readonly input: number;
}
/** 8 pairs: node k's pairs are 2k and 2k+1. */
export type DartsCell = readonly DartsPair[];
export interface DartsGenome {
  readonly normal: DartsCell;
  readonly reduce: DartsCell;
}

export const DARTS_NODES = 4;
export const DARTS_CONCAT = [2, 3, 4, 5] as const;
const CELLS = ['normal', 'reduce'] as const;

function lookupOp(s: string): DartsOp | undefined {
  if ((DARTS_OPS as readonly string[]).includes(s)) return s as DartsOp;
  return DARTS_OPS.find((op) => DARTS_SHORT[op] === s);
}
const EXPECTED_OP = `one of ${DARTS_OPS.map((op) => DARTS_SHORT[op]).join(', ')} (or the full DARTS op name)`;

function pairOrder(a: DartsPair, b: DartsPair): number {
  return a.input - b.input || DARTS_OPS.indexOf(a.op) - DARTS_OPS.indexOf(b.op);
}

/** The canonical form: each node's pairs sorted. */
export function canonicalDarts(g: DartsGenome): DartsGenome {
  const sortCell = (cell: DartsCell): DartsCell => {
    const out: DartsPair[] = [];
    for (let k = 0; k < DARTS_NODES; k++) out.push(...[cell[2 * k], cell[2 * k + 1]].sort(pairOrder));
    return out.map((p) => ({ op: p.op, input: p.input }));
  };
  return { normal: sortCell(g.normal), reduce: sortCell(g.reduce) };
}

/** Why `g` is not a valid genome, or undefined. */
export function dartsProblem(g: DartsGenome): string | undefined {
  if (typeof g !== 'object' || g === null) return 'expected an object with normal and reduce cells';
  for (const cellName of CELLS) {
    const cell = g[cellName];
    if (!Array.isArray(cell) || cell.length !== 2 * DARTS_NODES) return `${cellName}: expected ${2 * DARTS_NODES} pairs`;
    for (let i = 0; i < cell.length; i++) {
      const { op, input } = cell[i] ?? {};
      const k = i >> 1;
      if (!(DARTS_OPS as readonly string[]).includes(op)) return `${cellName}[${i}].op: expected one of ${DARTS_OPS.join(', ')}, got ${JSON.stringify(op)}`;
      if (!Number.isInteger(input) || input < 0 || input > k + 1) return `${cellName}[${i}].input: expected an integer in 0..${k + 1}, got ${JSON.stringify(input)}`;
    }
    for (let k = 0; k < DARTS_NODES; k++) {
      if (cell[2 * k].input === cell[2 * k + 1].input) return `${cellName} node ${k + 2}: its two inputs must differ, got ${cell[2 * k].input} twice`;
    }
  }
  return undefined;
}

export function validateDarts(g: DartsGenome): void {
  const problem = dartsProblem(g);
  if (problem) throw new TypeError(`darts genome: ${problem}`);
}

export function serializeDarts(g: DartsGenome): string {
  validateDarts(g);
  const c = canonicalDarts(g);
  const cell = (pairs: DartsCell): string => {
    const nodes: string[] = [];
    for (let k = 0; k < DARTS_NODES; k++) {
      nodes.push([pairs[2 * k], pairs[2 * k + 1]].map((p) => `${DARTS_SHORT[p.op]}~${p.input}`).join(','));
    }
    return nodes.join(';');
  };
  return `normal:${cell(c.normal)}/reduce:${cell(c.reduce)}`;
}

/** Parses the canonical string or the genotype JSON; throws GenomeError. Returns the canonical form. */
export function parseDarts(text: string): DartsGenome {
  const g = /^\s*\{/.test(text) ? parseGenotypeJson(text) : parseCompact(text);
  return canonicalDarts(g);
}

function parseCompact(text: string): DartsGenome {
  const cur: Cursor = new Cursor('darts', text);
  const cells: Record<string, DartsPair[]> = {};
  for (const cellName of CELLS) {
    if (cellName === 'reduce') cur.expect('/');
    cur.expect(`${cellName}:`);
    const pairs: DartsPair[] = [];
    for (let k = 0; k < DARTS_NODES; k++) {
      if (k > 0) cur.expect(';');
      const start = cur.pos;
      for (let j = 0; j < 2; j++) {
        if (j > 0) cur.expect(',');
        const op = cur.choice('~,;/', EXPECTED_OP, lookupOp);
        cur.expect('~');
        const input = cur.integer(`an input in 0..${k + 1}`, (n) => n <= k + 1);
        pairs.push({ op, input });
      }
      if (pairs[2 * k].input === pairs[2 * k + 1].input) {
        cur.fail(`two different inputs for node ${k + 2}`, `${pairs[2 * k].input} twice`, start);
      }
    }
    cells[cellName] = pairs;
  }
  cur.end();
  return { normal: cells.normal, reduce: cells.reduce };
}

function parseGenotypeJson(text: string): DartsGenome {
  const cur: Cursor = new Cursor('darts', text);
  const json = readGenomeJson(cur, text, 'a DARTS genotype JSON object');
  const root = json.value;
  const fields = ['normal', 'normal_concat', 'reduce', 'reduce_concat'];
  if (!isJsonObject(root)) cur.fail(`an object with ${fields.join(', ')}`, 'something else', json.at());
  const cells: Record<string, DartsPair[]> = {};
  for (const [key, value] of Object.entries(root)) {
    if (!fields.includes(key)) cur.fail(`one of ${fields.join(', ')}`, JSON.stringify(key), json.keyAt(key));
    if (key.endsWith('_concat')) {
      const ok = Array.isArray(value) && value.length === 4 && value.every((v, i) => v === DARTS_CONCAT[i]);
      if (!ok) cur.fail(`${key} [2, 3, 4, 5] (every intermediate node)`, json.got(key), json.at(key));
      continue;
    }
    cells[key] = genotypeCell(cur, json, key, value);
  }
  for (const f of ['normal', 'reduce']) if (!cells[f]) cur.fail(`a field ${f}`, 'none', json.at());
  return { normal: cells.normal, reduce: cells.reduce };
}

function genotypeCell(cur: Cursor, json: GenomeJson, key: string, value: unknown): DartsPair[] {
  if (!Array.isArray(value) || value.length !== 8) cur.fail(`${key}: a list of 8 [op, input] pairs`, json.got(key), json.at(key));
  const pairs: DartsPair[] = [];
  value.forEach((pair: unknown, i) => {
    const k = i >> 1;
    if (!Array.isArray(pair) || pair.length !== 2) cur.fail(`${key}[${i}]: an [op, input] pair`, json.got(key, i), json.at(key, i));
    const [opName, input] = pair as unknown[];
    const op = typeof opName === 'string' ? lookupOp(opName) : undefined;
    if (!op) cur.fail(`${key}[${i}][0]: one of ${DARTS_OPS.join(', ')}`, json.got(key, i, 0), json.at(key, i, 0));
    if (typeof input !== 'number' || !Number.isInteger(input) || input < 0 || input > k + 1) {
      cur.fail(`${key}[${i}][1]: an input in 0..${k + 1}`, json.got(key, i, 1), json.at(key, i, 1));
    }
    if (i % 2 === 1 && pairs[i - 1].input === input) {
      cur.fail(`${key}[${i}][1]: an input other than its partner's`, JSON.stringify(input), json.at(key, i, 1));
    }
    pairs.push({ op, input });
  });
  return pairs;
}
