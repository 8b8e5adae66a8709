// The MobileNetV3 macro space of Once-for-All (Cai et al., ICLR 2020); encoding in
// mobilenetv3-genome.ts. Network, as OFA's MobileNetV3-Large backbone with widths scaled by
// the width multiplier (rounded to multiples of 8, as OFA's make_divisible):
//   first conv 3x3 (16) + BN + h-swish; first block MBConv (expand 1, k3, 16, ReLU, residual);
//   5 stages of widths 24, 40, 80, 112, 160: activations ReLU, ReLU, h-swish, h-swish,
//   h-swish; squeeze-excite in stages 2, 4, 5; each block an MBConv (1x1 expand + BN + act,
//   depthwise kxk + BN + act, [SE], 1x1 project + BN), residual when stride 1 and widths match;
//   final 1x1 conv (960) + BN + h-swish; global pooling; 1x1 conv (1280, no BN) + h-swish; linear.
// Strides for 32x32 input: ImageNet's total /32 would leave 1x1 maps, so the first conv and
// stage 1 use stride 1 and stages 2, 3, 5 stride 2 (stage 4 stride 1 as in OFA): 32 -> 32 ->
// 32 -> 16 -> 8 -> 8 -> 4, the last feature map 4x4 (as ImageNet's 224 -> 7 keeps 7x7).
// Sizes: final = width 1.0; proxy = width 0.5 (the same depths and kernels, a quarter of the
// conv MACs, for random-weight evaluation).
import type { Rng } from '../random.js';
import type { Activation, Graph } from '../ir.js';
import type { NetworkOptions, NetworkSize, SearchSpace } from '../space.js';
import { GraphBuilder } from './builder.js';
import { genesToMutate, pickOther } from './cursor.js';
import { resolveOptions, type Sizes } from './options.js';
import {
  MBV3_DEPTHS,
  MBV3_EXPANDS,
  MBV3_KERNELS,
  MBV3_MAX_DEPTH,
  MBV3_STAGES,
  parseMbv3,
  serializeMbv3,
  validateMbv3,
  type Mbv3Block,
  type Mbv3Genome,
} from './mobilenetv3-genome.js';

export * from './mobilenetv3-genome.js';

/** Per stage: width at multiplier 1, stride of its first block, activation, squeeze-excite. */
export const MBV3_STAGE_PLAN: readonly { width: number; stride: number; act: Activation; se: boolean }[] = [
  { width: 24, stride: 1, act: 'relu', se: false },
  { width: 40, stride: 2, act: 'relu', se: true },
  { width: 80, stride: 2, act: 'hswish', se: false },
  { width: 112, stride: 1, act: 'hswish', se: true },
  { width: 160, stride: 2, act: 'hswish', se: true },
];
const FIRST_WIDTH = 16;
const FINAL_EXPAND = 960;
const LAST_CHANNEL = 1280;
const SE_REDUCTION = 4;

/** OFA's make_divisible: round to the nearest multiple of 8, never more than 10% down. */
export function makeDivisible(v: number, divisor = 8): number {
  let out = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (out < 0.9 * v) out += divisor;
  return out;
}

function convBnAct(b: GraphBuilder, x: number, name: string, out: number, kernel: number, stride: number, act: Activation): number {
  const c = b.conv(x, name, { out, kernel, stride, padding: (kernel - 1) / 2 });
  return b.act(b.bn(c, name), act, name);
}

/** Squeeze-excite: pool, 1x1 reduce (bias) + ReLU, 1x1 expand (bias) + h-sigmoid, gate multiply. */
function squeezeExcite(b: GraphBuilder, x: number, name: string): number {
  const c = b.shape(x).c;
  const mid = makeDivisible(Math.floor(c / SE_REDUCTION));
  const p = b.add({ kind: 'globalavgpool' }, [x], `${name}/pool`);
  const r = b.act(b.conv(p, `${name}/reduce`, { out: mid, kernel: 1, bias: true }), 'relu', `${name}/reduce`);
  const g = b.act(b.conv(r, `${name}/expand`, { out: c, kernel: 1, bias: true }), 'hsigmoid', `${name}/expand`);
  return b.add({ kind: 'mul' }, [x, g], `${name}/gate`);
}

interface BlockPlan {
  readonly out: number;
  readonly kernel: number;
  readonly expand: number;
  readonly stride: number;
  readonly act: Activation;
  readonly se: boolean;
}

/** OFA's MBConvLayer, plus the identity shortcut when shapes allow. */
function mbConv(b: GraphBuilder, x: number, p: BlockPlan, name: string): number {
  const inC = b.shape(x).c;
  const mid = makeDivisible(Math.round(inC * p.expand));
  let y = p.expand === 1 ? x : convBnAct(b, x, `${name}/expand`, mid, 1, 1, p.act);
  const dw = b.conv(y, `${name}/dw`, { out: mid, kernel: p.kernel, stride: p.stride, padding: (p.kernel - 1) / 2, groups: mid });
  y = b.act(b.bn(dw, `${name}/dw`), p.act, `${name}/dw`);
  if (p.se) y = squeezeExcite(b, y, `${name}/se`);
  y = b.bn(b.conv(y, `${name}/project`, { out: p.out, kernel: 1 }), `${name}/project`);
  return p.stride === 1 && inC === p.out ? b.sum([y, x], name) : y;
}

export function buildMbv3(genome: Mbv3Genome, o: Required<NetworkOptions>): Graph {
  validateMbv3(genome);
  const width = (c: number): number => makeDivisible(c * o.widthMultiplier);
  const b = new GraphBuilder({ c: 3, h: o.inputSize, w: o.inputSize });
  let x = convBnAct(b, 0, 'first_conv', width(FIRST_WIDTH), 3, 1, 'hswish');
  x = mbConv(b, x, { out: width(FIRST_WIDTH), kernel: 3, expand: 1, stride: 1, act: 'relu', se: false }, 'first_block');
  const stageOutputs: number[] = [];
  genome.stages.forEach((blocks, s) => {
    const plan = MBV3_STAGE_PLAN[s];
    blocks.forEach((block, i) => {
      const p = { ...plan, out: width(plan.width), kernel: block.kernel, expand: block.expand, stride: i === 0 ? plan.stride : 1 };
      x = mbConv(b, x, p, `stage${s + 1}/block${i + 1}`);
    });
    if (s < MBV3_STAGES - 1) stageOutputs.push(x);
  });
  // The final expansion belongs to the last stage; its output is what the classifier pools.
  x = convBnAct(b, x, 'final_expand', width(FINAL_EXPAND), 1, 1, 'hswish');
  stageOutputs.push(x);
  const pooled = b.add({ kind: 'globalavgpool' }, [x], 'classifier/pool');
  const mix = b.act(b.conv(pooled, 'feature_mix', { out: width(LAST_CHANNEL), kernel: 1 }), 'hswish', 'feature_mix');
  const logits = b.add({ kind: 'linear', outFeatures: o.numClasses, bias: true }, [mix], 'classifier/linear');
  return b.finish(logits, stageOutputs);
}

const defaults: Sizes = {
  final: { channels: FIRST_WIDTH, cells: MBV3_STAGES, widthMultiplier: 1, numClasses: 10, inputSize: 32 },
  proxy: { channels: FIRST_WIDTH, cells: MBV3_STAGES, widthMultiplier: 0.5, numClasses: 10, inputSize: 32 },
};

function sampleBlock(rng: Rng): Mbv3Block {
  return { kernel: rng.pick(MBV3_KERNELS), expand: rng.pick(MBV3_EXPANDS) };
}

export const mobilenetv3: SearchSpace<Mbv3Genome> & { validate(genome: Mbv3Genome): void } = {
  name: 'mobilenetv3',
  defaults,
  unusedOptions: ['channels', 'cells'],
  parse: parseMbv3,
  serialize: serializeMbv3,
  validate: validateMbv3,
  /** OFA's sampling: a uniform depth per stage, then a uniform kernel and ratio per block. */
  sample(rng: Rng): Mbv3Genome {
    return { stages: Array.from({ length: MBV3_STAGES }, () => Array.from({ length: rng.pick(MBV3_DEPTHS) }, () => sampleBlock(rng))) };
  },
  /** Genes: each stage's depth, then each active block's kernel and ratio. A deeper stage gets new random blocks. */
  mutate(genome: Mbv3Genome, rng: Rng, rate: number): Mbv3Genome {
    validateMbv3(genome);
    const stages = genome.stages.map((blocks) => blocks.map((blk) => ({ ...blk })));
    const blockGenes = stages.flatMap((blocks, s) => blocks.flatMap((_, i) => [[s, i, 0], [s, i, 1]] as const));
    const chosen = genesToMutate(rng, MBV3_STAGES + blockGenes.length, rate);
    for (const gene of chosen.filter((g) => g >= MBV3_STAGES)) {
      const [s, i, which] = blockGenes[gene - MBV3_STAGES];
      const blk = stages[s][i];
      if (which === 0) blk.kernel = pickOther(rng, MBV3_KERNELS, blk.kernel);
      else blk.expand = pickOther(rng, MBV3_EXPANDS, blk.expand);
    }
    for (const s of chosen.filter((g) => g < MBV3_STAGES)) {
      const depth = pickOther(rng, MBV3_DEPTHS, stages[s].length as (typeof MBV3_DEPTHS)[number]);
      stages[s] = depth < stages[s].length ? stages[s].slice(0, depth) : [...stages[s], ...Array.from({ length: depth - stages[s].length }, () => sampleBlock(rng))];
    }
    return { stages };
  },
  /** Uniform crossover per stage: the depth, and each block slot, from either parent (a slot one parent lacks comes from the other). */
  crossover(a: Mbv3Genome, b: Mbv3Genome, rng: Rng): [Mbv3Genome, Mbv3Genome] {
    validateMbv3(a);
    validateMbv3(b);
    const x: Mbv3Block[][] = [];
    const y: Mbv3Block[][] = [];
    for (let s = 0; s < MBV3_STAGES; s++) {
      const [sa, sb] = [a.stages[s], b.stages[s]];
      const swapDepth = rng.next() < 0.5;
      const [dx, dy] = swapDepth ? [sb.length, sa.length] : [sa.length, sb.length];
      const bx: Mbv3Block[] = [];
      const by: Mbv3Block[] = [];
      for (let i = 0; i < MBV3_MAX_DEPTH; i++) {
        const [first, second] = rng.next() < 0.5 ? [sb[i], sa[i]] : [sa[i], sb[i]];
        bx.push({ ...(first ?? second) });
        by.push({ ...(second ?? first) });
      }
      x.push(bx.slice(0, dx));
      y.push(by.slice(0, dy));
    }
    return [{ stages: x }, { stages: y }];
  },
  build(genome: Mbv3Genome, size: NetworkSize, options?: NetworkOptions): Graph {
    return buildMbv3(genome, resolveOptions('mobilenetv3', defaults, size, options, mobilenetv3.unusedOptions));
  },
};
