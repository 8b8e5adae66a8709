// The DARTS cell space (Liu et al., ICLR 2019), as NAS-Bench-301 samples it; encoding in
// darts-genome.ts. Network: DARTS's NetworkCIFAR without the auxiliary head: stem conv 3x3
// (3C) + BN, L cells with reduction cells at L/3 and 2L/3 (channels doubled there), global
// average pooling, linear. Each cell preprocesses its two inputs (ReLU-Conv1x1-BN, or a
// factorized reduce after a reduction cell) and concatenates its 4 nodes.
// Sizes: final = C 36, L 20 (DARTS's CIFAR-10 evaluation network); proxy = C 16, L 8 (the
// DARTS search network's size, which the DESIGN's NB301 prototype measured RWE on).
import type { Rng } from '../random.js';
import type { Graph } from '../ir.js';
import type { NetworkOptions, NetworkSize, SearchSpace } from '../space.js';
import { GraphBuilder } from './builder.js';
import { genesToMutate, pickOther } from './cursor.js';
import { resolveOptions, type Sizes } from './options.js';
import {
  canonicalDarts,
  DARTS_CONCAT,
  DARTS_NODES,
  DARTS_OPS,
  parseDarts,
  serializeDarts,
  validateDarts,
  type DartsCell,
  type DartsGenome,
  type DartsOp,
  type DartsPair,
} from './darts-genome.js';

export * from './darts-genome.js';

/** DARTS's FactorizedReduce: ReLU, two 1x1 stride-2 convs (one on the input shifted by a pixel), concat, BN. */
function factorizedReduce(b: GraphBuilder, x: number, out: number, name: string, affine = true): number {
  if (out % 2 !== 0) throw new RangeError(`darts: factorized reduce needs an even channel count, got ${out}`);
  const r = b.act(x, 'relu', name);
  const c1 = b.conv(r, `${name}/conv_1`, { out: out / 2, kernel: 1, stride: 2 });
  const shifted = b.add({ kind: 'crop', top: 1, left: 1 }, [r], `${name}/shift`);
  const c2 = b.conv(shifted, `${name}/conv_2`, { out: out / 2, kernel: 1, stride: 2 });
  return b.bn(b.add({ kind: 'concat' }, [c1, c2], `${name}/concat`), name, affine);
}

/** ReLU, depthwise k x k (stride, dilation), pointwise 1x1, BN: one half of SepConv, or all of DilConv. */
function dwPwBn(b: GraphBuilder, x: number, c: number, k: number, stride: number, dilation: number, affine: boolean, name: string): number {
  const r = b.act(x, 'relu', name);
  const dw = b.conv(r, `${name}/dw`, { out: c, kernel: k, stride, padding: (dilation * (k - 1)) / 2, dilation, groups: c });
  const pw = b.conv(dw, `${name}/pw`, { out: c, kernel: 1 });
  return b.bn(pw, name, affine);
}

function buildOp(b: GraphBuilder, op: DartsOp, x: number, c: number, stride: number, affine: boolean, name: string): number {
  switch (op) {
    case 'max_pool_3x3':
      return b.add({ kind: 'maxpool', kernel: 3, stride, padding: 1, countIncludePad: false }, [x], `${name}/maxpool`);
    case 'avg_pool_3x3':
      return b.add({ kind: 'avgpool', kernel: 3, stride, padding: 1, countIncludePad: false }, [x], `${name}/avgpool`);
    case 'skip_connect':
      return stride === 1 ? x : factorizedReduce(b, x, c, `${name}/reduce`, affine);
    case 'sep_conv_3x3':
    case 'sep_conv_5x5': {
      const k = op === 'sep_conv_3x3' ? 3 : 5;
      return dwPwBn(b, dwPwBn(b, x, c, k, stride, 1, affine, `${name}/sep1`), c, k, 1, 1, affine, `${name}/sep2`);
    }
    case 'dil_conv_3x3':
      return dwPwBn(b, x, c, 3, stride, 2, affine, `${name}/dil`);
    case 'dil_conv_5x5':
      return dwPwBn(b, x, c, 5, stride, 2, affine, `${name}/dil`);
  }
}

interface CellPlan {
  readonly pairs: DartsCell;
  readonly channels: number;
  readonly reduction: boolean;
  readonly reductionPrev: boolean;
  readonly affine: boolean;
}

function buildCell(b: GraphBuilder, s0: number, s1: number, plan: CellPlan, name: string): number {
  const c = plan.channels;
  const p0 = plan.reductionPrev
    ? factorizedReduce(b, s0, c, `${name}/pre0`)
    : b.reluConvBn(s0, `${name}/pre0`, { out: c, kernel: 1 });
  const p1 = b.reluConvBn(s1, `${name}/pre1`, { out: c, kernel: 1 });
  const states = [p0, p1];
  for (let k = 0; k < DARTS_NODES; k++) {
    const terms = [plan.pairs[2 * k], plan.pairs[2 * k + 1]].map((p: DartsPair) => {
      const stride = plan.reduction && p.input < 2 ? 2 : 1;
      return buildOp(b, p.op, states[p.input], c, stride, plan.affine, `${name}/node${k + 2}/${p.op}<-${p.input}`);
    });
    states.push(b.sum(terms, `${name}/node${k + 2}`));
  }
  return b.add({ kind: 'concat' }, DARTS_CONCAT.map((i) => states[i]), `${name}/concat`);
}

/** Builder choices beyond the network sizes. */
export interface DartsBuildChoices {
  /**
   * Affine batch norm inside the cells' ops. DARTS's evaluation network has it (default);
   * NAS-Bench-301's training network does not (its params and FLOPs reproduce only so).
   * Stem and preprocessing batch norms are affine either way, as in both.
   */
  readonly cellAffine?: boolean;
}

export function buildDarts(genome: DartsGenome, o: Required<NetworkOptions>, choices: DartsBuildChoices = {}): Graph {
  validateDarts(genome);
  const layers = o.cells;
  if (layers < 3) throw new RangeError(`darts network options: cells must be at least 3, got ${layers}`);
  const reductions = [Math.floor(layers / 3), Math.floor((2 * layers) / 3)];
  const b = new GraphBuilder({ c: 3, h: o.inputSize, w: o.inputSize });
  const stem = b.bn(b.conv(0, 'stem', { out: 3 * o.channels, kernel: 3, padding: 1 }), 'stem');
  let [s0, s1] = [stem, stem];
  let channels = o.channels;
  let reductionPrev = false;
  const stageOutputs: number[] = [];
  for (let i = 0; i < layers; i++) {
    const reduction = reductions.includes(i);
    if (reduction) {
      channels *= 2;
      stageOutputs.push(s1);
    }
    const pairs = reduction ? genome.reduce : genome.normal;
    const out = buildCell(b, s0, s1, { pairs, channels, reduction, reductionPrev, affine: choices.cellAffine ?? true }, `cell${i}${reduction ? 'r' : ''}`);
    [s0, s1] = [s1, out];
    reductionPrev = reduction;
  }
  stageOutputs.push(s1);
  return b.finish(b.classifier(s1, o.numClasses), stageOutputs);
}

const defaults: Sizes = {
  final: { channels: 36, cells: 20, widthMultiplier: 1, numClasses: 10, inputSize: 32 },
  proxy: { channels: 16, cells: 8, widthMultiplier: 1, numClasses: 10, inputSize: 32 },
};

function samplePair(rng: Rng, index: number, other?: number): DartsPair {
  const k = index >> 1;
  const inputs = Array.from({ length: k + 2 }, (_, i) => i).filter((i) => i !== other);
  return { op: rng.pick(DARTS_OPS), input: rng.pick(inputs) };
}

function sampleCell(rng: Rng): DartsCell {
  const pairs: DartsPair[] = [];
  for (let i = 0; i < 2 * DARTS_NODES; i++) pairs.push(samplePair(rng, i, i % 2 === 1 ? pairs[i - 1].input : undefined));
  return pairs;
}

/** Genes for mutation: per pair, its op (gene 2i) and its input (gene 2i+1): 16 per cell, 32 in all. */
function mutateCell(cell: DartsCell, genes: readonly number[], rng: Rng): DartsCell {
  const pairs = cell.map((p) => ({ ...p }));
  for (const gene of genes) {
    const i = gene >> 1;
    const p = pairs[i];
    if (gene % 2 === 0) {
      p.op = pickOther(rng, DARTS_OPS, p.op);
    } else {
      // A new input, other than the current one and the partner's (node k has k+2 inputs, so one always remains).
      const partner = pairs[i ^ 1].input;
      const choices = Array.from({ length: (i >> 1) + 2 }, (_, j) => j).filter((j) => j !== p.input && j !== partner);
      if (choices.length > 0) p.input = rng.pick(choices);
      else p.op = pickOther(rng, DARTS_OPS, p.op);
    }
  }
  return pairs;
}

export const darts: SearchSpace<DartsGenome> & { validate(genome: DartsGenome): void } = {
  name: 'darts',
  defaults,
  unusedOptions: ['widthMultiplier'],
  parse: parseDarts,
  serialize: serializeDarts,
  validate: validateDarts,
  sample(rng: Rng): DartsGenome {
    return canonicalDarts({ normal: sampleCell(rng), reduce: sampleCell(rng) });
  },
  mutate(genome: DartsGenome, rng: Rng, rate: number): DartsGenome {
    validateDarts(genome);
    const genes = genesToMutate(rng, 32, rate);
    return canonicalDarts({
      normal: mutateCell(genome.normal, genes.filter((g) => g < 16), rng),
      reduce: mutateCell(genome.reduce, genes.filter((g) => g >= 16).map((g) => g - 16), rng),
    });
  },
  crossover(a: DartsGenome, b: DartsGenome, rng: Rng): [DartsGenome, DartsGenome] {
    validateDarts(a);
    validateDarts(b);
    // Whole nodes are exchanged, so each child node keeps two distinct inputs.
    const cross = (x: DartsCell, y: DartsCell): [DartsPair[], DartsPair[]] => {
      const u: DartsPair[] = [];
      const v: DartsPair[] = [];
      for (let k = 0; k < DARTS_NODES; k++) {
        const node = (c: DartsCell): DartsPair[] => [c[2 * k], c[2 * k + 1]];
        const swap = rng.next() < 0.5;
        u.push(...node(swap ? y : x));
        v.push(...node(swap ? x : y));
      }
      return [u, v];
    };
    const [n1, n2] = cross(a.normal, b.normal);
    const [r1, r2] = cross(a.reduce, b.reduce);
    return [canonicalDarts({ normal: n1, reduce: r1 }), canonicalDarts({ normal: n2, reduce: r2 })];
  },
  build(genome: DartsGenome, size: NetworkSize, options?: NetworkOptions): Graph {
    return buildDarts(genome, resolveOptions('darts', defaults, size, options, darts.unusedOptions));
  },
};
