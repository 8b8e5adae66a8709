// MobileNetV3 (Once-for-All) genome encoding: 5 stages, each of depth 2..4, each active
// block a depthwise kernel size and an expansion ratio.
//
// Canonical string: stages separated by `/`, blocks by `,`, a block as `k<kernel>e<expand>`:
//   k3e4,k5e6/k3e3,k3e3,k7e6/k5e4,k5e4/k7e6,k7e6,k7e6,k7e6/k3e3,k3e3
// The depth of a stage is its number of blocks; blocks beyond it do not exist in the genome.
// Also accepted: OFA's arch dict JSON {"ks": [20], "e": [20], "d": [5]} (4 slots per stage,
// slots beyond a stage's depth ignored).
import { Cursor } from './cursor.js';
import { isJsonObject, readGenomeJson } from './genome-json.js';

export const MBV3_KERNELS = [3, 5, 7] as const;
export const MBV3_EXPANDS = [3, 4, 6] as const;
export const MBV3_DEPTHS = [2, 3, 4] as const;
export const MBV3_STAGES = 5;
export const MBV3_MAX_DEPTH = 4;

export type Mbv3Kernel = (typeof MBV3_KERNELS)[number];
export type Mbv3Expand = (typeof MBV3_EXPANDS)[number];

export interface Mbv3Block {
  readonly kernel: Mbv3Kernel;
  readonly expand: Mbv3Expand;
}
/** 5 stages of 2..4 active blocks. */
export interface Mbv3Genome {
  readonly stages: readonly (readonly Mbv3Block[])[];
}

const KERNELS: readonly number[] = MBV3_KERNELS;
const EXPANDS: readonly number[] = MBV3_EXPANDS;
const DEPTHS: readonly number[] = MBV3_DEPTHS;

export function mbv3Problem(g: Mbv3Genome): string | undefined {
  if (typeof g !== 'object' || g === null || !Array.isArray(g.stages)) return 'expected an object with stages';
  if (g.stages.length !== MBV3_STAGES) return `expected ${MBV3_STAGES} stages, got ${g.stages.length}`;
  for (let s = 0; s < MBV3_STAGES; s++) {
    const blocks = g.stages[s];
    if (!Array.isArray(blocks) || !DEPTHS.includes(blocks.length)) {
      return `stage ${s + 1}: expected ${DEPTHS.join(', ')} or ${MBV3_MAX_DEPTH} blocks, got ${JSON.stringify(blocks?.length)}`;
    }
    for (let i = 0; i < blocks.length; i++) {
      const { kernel, expand } = blocks[i] ?? {};
      if (!KERNELS.includes(kernel)) return `stage ${s + 1} block ${i + 1}: kernel must be one of ${KERNELS.join(', ')}, got ${JSON.stringify(kernel)}`;
      if (!EXPANDS.includes(expand)) return `stage ${s + 1} block ${i + 1}: expand must be one of ${EXPANDS.join(', ')}, got ${JSON.stringify(expand)}`;
    }
  }
  return undefined;
}

export function validateMbv3(g: Mbv3Genome): void {
  const problem = mbv3Problem(g);
  if (problem) throw new TypeError(`mobilenetv3 genome: ${problem}`);
}

export function serializeMbv3(g: Mbv3Genome): string {
  validateMbv3(g);
  return g.stages.map((blocks) => blocks.map((b) => `k${b.kernel}e${b.expand}`).join(',')).join('/');
}

/** Parses the canonical string or OFA's arch dict JSON; throws GenomeError. */
export function parseMbv3(text: string): Mbv3Genome {
  return /^\s*\{/.test(text) ? parseOfaJson(text) : parseCompact(text);
}

function parseCompact(text: string): Mbv3Genome {
  const cur: Cursor = new Cursor('mobilenetv3', text);
  const stages: Mbv3Block[][] = [];
  for (let s = 0; s < MBV3_STAGES; s++) {
    if (s > 0) cur.expect('/');
    const blocks: Mbv3Block[] = [];
    do {
      if (blocks.length === MBV3_MAX_DEPTH) cur.fail(`"/" or end of genome (stage ${s + 1} has at most ${MBV3_MAX_DEPTH} blocks)`, '","', cur.pos - 1);
      cur.expect('k');
      const kernel = cur.integer(`a kernel size (${KERNELS.join(', ')})`, (n) => KERNELS.includes(n)) as Mbv3Kernel;
      cur.expect('e');
      const expand = cur.integer(`an expansion ratio (${EXPANDS.join(', ')})`, (n) => EXPANDS.includes(n)) as Mbv3Expand;
      blocks.push({ kernel, expand });
    } while (cur.accept(','));
    if (blocks.length < MBV3_DEPTHS[0]) cur.fail(`"," (stage ${s + 1} has at least ${MBV3_DEPTHS[0]} blocks)`, cur.gotHere());
    stages.push(blocks);
  }
  cur.end();
  return { stages };
}

function parseOfaJson(text: string): Mbv3Genome {
  const cur: Cursor = new Cursor('mobilenetv3', text);
  const json = readGenomeJson(cur, text, 'an OFA arch JSON object', 2);
  const root = json.value;
  if (!isJsonObject(root)) cur.fail('an object with ks, e, d', 'something else', json.at());
  const lists: Record<string, number[]> = {};
  const sizes: Record<string, [number, readonly number[]]> = {
    ks: [MBV3_STAGES * MBV3_MAX_DEPTH, KERNELS],
    e: [MBV3_STAGES * MBV3_MAX_DEPTH, EXPANDS],
    d: [MBV3_STAGES, DEPTHS],
  };
  for (const [key, value] of Object.entries(root)) {
    if (!Object.hasOwn(sizes, key)) cur.fail('one of ks, e, d', JSON.stringify(key), json.keyAt(key));
    const [length, allowed] = sizes[key];
    if (!Array.isArray(value) || value.length !== length) cur.fail(`${key}: a list of ${length} numbers`, json.got(key), json.at(key));
    lists[key] = value.map((n: unknown, i) => {
      if (typeof n !== 'number' || !allowed.includes(n)) cur.fail(`${key}[${i}]: one of ${allowed.join(', ')}`, json.got(key, i), json.at(key, i));
      return n;
    });
  }
  for (const key of Object.keys(sizes)) if (!lists[key]) cur.fail(`a field ${key}`, 'none', json.at());
  const stages = lists.d.map((depth, s) =>
    Array.from({ length: depth }, (_, i) => ({
      kernel: lists.ks[s * MBV3_MAX_DEPTH + i] as Mbv3Kernel,
      expand: lists.e[s * MBV3_MAX_DEPTH + i] as Mbv3Expand,
    })),
  );
  return { stages };
}
