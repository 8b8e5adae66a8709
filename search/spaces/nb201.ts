// NAS-Bench-201: one cell of 4 nodes and 6 edges, each edge one of 5 ops, repeated in a
// fixed ResNet-like skeleton (Dong & Yang, ICLR 2020).
//
// Genome: the NB201 string `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|` (node j lists its edges
// from nodes 0..j-1). Typed genome: the 6 edge ops in that order.
//
// Network (NB201's TinyNetwork with InferCell): stem conv 3x3 (C) + BN; 3 stages of N cells
// at C, 2C, 4C channels, a ResNet basic block (stride 2) between stages; BN + ReLU, global
// average pooling, linear. Cell node j = sum of its edges' ops on earlier nodes; a node whose
// edges are all `none` is a `zero` node (NB201's Zero op), and edges leaving it still count.
// Sizes: final = C 16, N 5 (NB201's standard network); proxy = C 16, N 1 (one cell per
// stage: the cell's effect at a fifth of the cost, for random-weight evaluation).
import type { Rng } from '../random.js';
import type { Graph } from '../ir.js';
import type { NetworkOptions, NetworkSize, SearchSpace } from '../space.js';
import { GraphBuilder } from './builder.js';
import { Cursor, genesToMutate, pickOther } from './cursor.js';
import { resolveOptions, type Sizes } from './options.js';

export const NB201_OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] as const;
export type Nb201Op = (typeof NB201_OPS)[number];

/** The 6 edge ops, in string order: 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2. */
export type Nb201Genome = readonly Nb201Op[];

/** [to, from] of each edge, in genome order. */
export const NB201_EDGES: readonly (readonly [number, number])[] = [
  [1, 0],
  [2, 0],
  [2, 1],
  [3, 0],
  [3, 1],
  [3, 2],
];

const EXPECTED_OP = `one of ${NB201_OPS.join(', ')}`;

function isOp(s: string): Nb201Op | undefined {
  return (NB201_OPS as readonly string[]).includes(s) ? (s as Nb201Op) : undefined;
}

export function parseNb201(text: string): Nb201Genome {
  const cur = new Cursor('nb201', text);
  const ops: Nb201Op[] = [];
  for (let node = 1; node <= 3; node++) {
    if (node > 1) cur.expect('+');
    cur.expect('|');
    for (let from = 0; from < node; from++) {
      ops.push(cur.choice('~|+', EXPECTED_OP, isOp));
      cur.expect('~');
      cur.expect(String(from));
      cur.expect('|');
    }
  }
  cur.end();
  return ops;
}

export function serializeNb201(genome: Nb201Genome): string {
  validateNb201(genome);
  let out = '';
  let e = 0;
  for (let node = 1; node <= 3; node++) {
    out += node > 1 ? '+|' : '|';
    for (let from = 0; from < node; from++) out += `${genome[e++]}~${from}|`;
  }
  return out;
}

export function validateNb201(genome: Nb201Genome): void {
  if (!Array.isArray(genome) || genome.length !== 6) {
    throw new TypeError(`nb201 genome: expected 6 edge ops, got ${JSON.stringify(genome)}`);
  }
  genome.forEach((op, i) => {
    if (!isOp(op)) throw new TypeError(`nb201 genome: edge ${i}: expected ${EXPECTED_OP}, got ${JSON.stringify(op)}`);
  });
}

/** Appends one cell on input `x` (C channels in and out); returns the cell output node. */
function buildCell(b: GraphBuilder, x: number, channels: number, genome: Nb201Genome, name: string): number {
  const nodes = [x];
  for (let to = 1; to <= 3; to++) {
    const terms: number[] = [];
    NB201_EDGES.forEach(([t, from], e) => {
      if (t !== to) return;
      const src = nodes[from];
      const scope = `${name}/edge${to}<-${from}`;
      switch (genome[e]) {
        case 'none':
          return;
        case 'skip_connect':
          terms.push(src);
          return;
        case 'nor_conv_1x1':
          terms.push(b.reluConvBn(src, scope, { out: channels, kernel: 1 }));
          return;
        case 'nor_conv_3x3':
          terms.push(b.reluConvBn(src, scope, { out: channels, kernel: 3 }));
          return;
        case 'avg_pool_3x3':
          terms.push(b.add({ kind: 'avgpool', kernel: 3, stride: 1, padding: 1, countIncludePad: false }, [src], `${scope}/avgpool`));
          return;
      }
    });
    nodes.push(terms.length === 0 ? b.add({ kind: 'zero' }, [x], `${name}/node${to}/zero`) : b.sum(terms, `${name}/node${to}`));
  }
  return nodes[3];
}

/** NB201's ResNetBasicblock with stride 2: two ReLU-Conv-BN plus an avgpool + 1x1 conv shortcut. */
function buildReduction(b: GraphBuilder, x: number, out: number, name: string): number {
  const a = b.reluConvBn(x, `${name}/conv_a`, { out, kernel: 3, stride: 2 });
  const c = b.reluConvBn(a, `${name}/conv_b`, { out, kernel: 3 });
  const p = b.add({ kind: 'avgpool', kernel: 2, stride: 2, padding: 0, countIncludePad: true }, [x], `${name}/shortcut/avgpool`);
  const s = b.conv(p, `${name}/shortcut`, { out, kernel: 1 });
  return b.sum([s, c], name);
}

export function buildNb201(genome: Nb201Genome, o: Required<NetworkOptions>): Graph {
  validateNb201(genome);
  const b = new GraphBuilder({ c: 3, h: o.inputSize, w: o.inputSize });
  let x = b.bn(b.conv(0, 'stem', { out: o.channels, kernel: 3, padding: 1 }), 'stem');
  const stageOutputs: number[] = [];
  for (let stage = 0; stage < 3; stage++) {
    const channels = o.channels * 2 ** stage;
    if (stage > 0) x = buildReduction(b, x, channels, `stage${stage}/reduce`);
    for (let cell = 0; cell < o.cells; cell++) x = buildCell(b, x, channels, genome, `stage${stage}/cell${cell}`);
    if (stage < 2) stageOutputs.push(x);
  }
  // NB201's lastact: BN + ReLU; its output feeds the classifier and is the last stage output.
  x = b.act(b.bn(x, 'lastact'), 'relu', 'lastact');
  stageOutputs.push(x);
  return b.finish(b.classifier(x, o.numClasses), stageOutputs);
}

const defaults: Sizes = {
  final: { channels: 16, cells: 5, widthMultiplier: 1, numClasses: 10, inputSize: 32 },
  proxy: { channels: 16, cells: 1, widthMultiplier: 1, numClasses: 10, inputSize: 32 },
};

export const nb201: SearchSpace<Nb201Genome> & { validate(genome: Nb201Genome): void } = {
  name: 'nb201',
  defaults,
  unusedOptions: ['widthMultiplier'],
  parse: parseNb201,
  serialize: serializeNb201,
  validate: validateNb201,
  sample(rng: Rng): Nb201Genome {
    return NB201_EDGES.map(() => rng.pick(NB201_OPS));
  },
  mutate(genome: Nb201Genome, rng: Rng, rate: number): Nb201Genome {
    validateNb201(genome);
    const out = [...genome];
    for (const e of genesToMutate(rng, out.length, rate)) out[e] = pickOther(rng, NB201_OPS, out[e]);
    return out;
  },
  crossover(a: Nb201Genome, b: Nb201Genome, rng: Rng): [Nb201Genome, Nb201Genome] {
    validateNb201(a);
    validateNb201(b);
    const x: Nb201Op[] = [];
    const y: Nb201Op[] = [];
    a.forEach((op, e) => {
      const swap = rng.next() < 0.5;
      x.push(swap ? b[e] : op);
      y.push(swap ? op : b[e]);
    });
    return [x, y];
  },
  build(genome: Nb201Genome, size: NetworkSize, options?: NetworkOptions): Graph {
    return buildNb201(genome, resolveOptions('nb201', defaults, size, options, nb201.unusedOptions));
  },
};
