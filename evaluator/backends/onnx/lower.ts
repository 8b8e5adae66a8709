// Lowers the architecture IR to an ONNX model (opset 17) with the weights as initializers.
// For the evaluator, batch norm uses the batch's own statistics (training-mode BN, gamma 1,
// beta 0), which the inference operator BatchNormalization cannot express, so it is written
// out as pooled means of x and x*x feeding BatchNormalization. The exporter (evaluator/export)
// lowers the same graph with stored statistics instead (`LowerOptions.batchNorm`).
import onnxProto from 'onnx-proto';
import type { Graph, Node } from '../../../search/ir.js';
import { ancestors, BN_EPSILON } from '../backend.js';
import type { Weights } from '../weights.js';

const { onnx } = onnxProto;
type INodeProto = onnxProto.onnx.INodeProto;
type ITensorProto = onnxProto.onnx.ITensorProto;
type IAttributeProto = onnxProto.onnx.IAttributeProto;

export const OPSET = 17;
export const INPUT_NAME = 'input';
export const outputName = (id: number): string => `n${id}`;
/** Name of the extra output holding the leading images of node `id` ([k, C, H, W], k = firstImages). */
export const firstImageName = (id: number): string => `n${id}_first`;
/** Name of the extra output holding batch norm node `id`'s per-channel batch variance ([C]). */
export const bnVarianceName = (id: number): string => `n${id}_bn_var`;

/** Names of the extra outputs holding node `id`'s channel moments over (N, H, W): Σ x xᵀ ([C, C]) and Σ x ([C]). */
export const gramName = (id: number): string => `n${id}_gram`;
export const channelSumName = (id: number): string => `n${id}_chsum`;

/**
 * Outputs beyond whole node tensors, computed inside the model so that only small tensors
 * cross into JavaScript: the first image of a node (MeCo reads one image of every layer) and
 * the batch variance a batch norm node normalises with (Zen-score's BN scaling term).
 */
export interface ExtraOutputs {
  readonly firstImage?: readonly number[];
  /** How many leading images firstImage outputs hold (default 1): [k, C, H, W]. */
  readonly firstImages?: number;
  readonly bnVariance?: readonly number[];
  /** Nodes whose channel moments (gramName, channelSumName) are output: AZ-NAS's covariances. */
  readonly moments?: readonly number[];
}

function attr(name: string, value: number | number[], float = false): IAttributeProto {
  const A = onnx.AttributeProto.AttributeType;
  if (Array.isArray(value)) return { name, type: A.INTS, ints: value };
  return float ? { name, type: A.FLOAT, f: value } : { name, type: A.INT, i: value };
}

function floatTensor(name: string, dims: number[], data: Float32Array): ITensorProto {
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

function int64Tensor(name: string, values: number[]): ITensorProto {
  const data = BigInt64Array.from(values.map((v) => BigInt(v)));
  return { name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, rawData: new Uint8Array(data.buffer) };
}

function valueInfo(name: string, c: number, h: number, w: number, batch?: number): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: [batch === undefined ? { dimParam: 'batch' } : { dimValue: batch }, { dimValue: c }, { dimValue: h }, { dimValue: w }] },
      },
    },
  };
}

function matrixInfo(name: string, rows: number, cols: number): onnxProto.onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimValue: rows }, { dimValue: cols }] } } } };
}

function vectorInfo(name: string, n: number): onnxProto.onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimValue: n }] } } } };
}

/** Stored batch-norm state of one node (inference mode): PyTorch's BatchNorm2d tensors. */
export interface BatchNormState {
  readonly weight: Float32Array;
  readonly bias: Float32Array;
  readonly runningMean: Float32Array;
  readonly runningVar: Float32Array;
}

export type ParamRole = 'weight' | 'bias' | 'running_mean' | 'running_var';

export interface LowerOptions {
  /** 'batch' (default): statistics of the batch, as the evaluator runs; 'inference': stored ones. */
  readonly batchNorm?: 'batch' | 'inference';
  /** Inference mode: the state of each batchnorm node (PyTorch's initial state where absent). */
  readonly batchNormState?: ReadonlyMap<number, BatchNormState>;
  /** Initializer name of a node's parameter (default w<id>, b<id>, ...). */
  readonly paramName?: (node: Node, role: ParamRole) => string;
  /** Tensor name of a node's output (default n<id>; node 0 is always `input`). */
  readonly tensorName?: (id: number) => string;
  /** The logits of a linear graph output as [N, classes] instead of [N, classes, 1, 1]. */
  readonly flatLogits?: boolean;
  /** Shapes of every intermediate tensor as value_info (for viewers and shape checks). */
  readonly valueInfo?: boolean;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly graphName?: string;
}

const defaultParamName = (node: Node, role: ParamRole): string => `${role === 'weight' ? 'w' : role === 'bias' ? 'b' : role}${node.id}`;

/** The serialised ModelProto computing the given output nodes (only their ancestors are lowered). */
export function lowerToOnnx(graph: Graph, weights: Weights, outputs: readonly number[], extra: ExtraOutputs = {}, options: LowerOptions = {}): Uint8Array {
  const first = extra.firstImage ?? [];
  const variance = extra.bnVariance ?? [];
  for (const id of variance) {
    if (graph.nodes[id]?.op.kind !== 'batchnorm') throw new RangeError(`bnVariance: node ${id} is not a batch norm node`);
  }
  const moments = extra.moments ?? [];
  const computed = [...outputs, ...first, ...variance, ...moments];
  const nodes: INodeProto[] = [];
  const init: ITensorProto[] = [];
  const tensor = options.tensorName ?? outputName;
  const name = (id: number): string => (id === 0 ? INPUT_NAME : tensor(id));
  const ctx: LowerContext = { graph, weights, init, options, paramName: options.paramName ?? defaultParamName, flat: new Set(options.flatLogits ? outputs.filter((o) => graph.nodes[o].op.kind === 'linear') : []) };
  const add = (opType: string, input: string[], output: string | string[], attribute: IAttributeProto[] = []): void => {
    const outs = Array.isArray(output) ? output : [output];
    nodes.push({ opType, input, output: outs, name: `${outs[0]}_${opType}_${nodes.length}`, attribute });
  };
  const ops = ancestors(graph, computed).map((id) => graph.nodes[id].op.kind);
  // Shared constants, only when used (ONNX Runtime warns about unused initializers).
  if (ops.includes('batchnorm') && options.batchNorm !== 'inference') init.push(int64Tensor('shape_c', [-1]));
  if (ops.includes('zero')) init.push(floatTensor('zero', [], new Float32Array([0])));

  for (const id of ancestors(graph, computed)) {
    if (id === 0) continue;
    const node = graph.nodes[id];
    const ins = node.inputs.map(name);
    const out = name(id);
    lowerNode(node, ins, out, ctx, add);
  }
  if (outputs.includes(0)) add('Identity', [INPUT_NAME], tensor(0));
  if (first.length > 0) {
    init.push(int64Tensor('first_starts', [0]), int64Tensor('first_ends', [extra.firstImages ?? 1]), int64Tensor('first_axes', [0]));
    for (const id of first) add('Slice', [name(id), 'first_starts', 'first_ends', 'first_axes'], firstImageName(id));
  }
  if (moments.length > 0) {
    init.push(int64Tensor('moments_shape', [0, -1]), int64Tensor('moments_axes', [1]));
    for (const id of moments) {
      const t = `${name(id)}_mom`;
      // [N, C, H, W] -> [C, N·H·W]; Reshape's 0 keeps the channel dimension.
      add('Transpose', [name(id)], `${t}_cn`, [attr('perm', [1, 0, 2, 3])]);
      add('Reshape', [`${t}_cn`, 'moments_shape'], `${t}_x`);
      add('Transpose', [`${t}_x`], `${t}_xt`, [attr('perm', [1, 0])]);
      add('MatMul', [`${t}_x`, `${t}_xt`], gramName(id));
      add('ReduceSum', [`${t}_x`, 'moments_axes'], channelSumName(id), [attr('keepdims', 0)]);
    }
  }

  const inShape = graph.inputShape;
  const outputSet = new Set(outputs);
  const info = (id: number) => {
    const s = graph.nodes[id].shape;
    return ctx.flat.has(id) ? valueInfo2d(name(id), s.c) : valueInfo(name(id), s.c, s.h, s.w);
  };
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'rwenas',
    opsetImport: [{ domain: '', version: OPSET }],
    metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: options.graphName ?? 'rwenas',
      node: nodes,
      initializer: init,
      input: [valueInfo(INPUT_NAME, inShape.c, inShape.h, inShape.w)],
      valueInfo: options.valueInfo ? ancestors(graph, outputs).filter((id) => id !== 0 && !outputSet.has(id)).map(info) : [],
      output: [
        ...outputs.map(info),
        ...first.map((o) => {
          const s = graph.nodes[o].shape;
          return valueInfo(firstImageName(o), s.c, s.h, s.w, extra.firstImages ?? 1);
        }),
        ...variance.map((o) => vectorInfo(bnVarianceName(o), graph.nodes[o].shape.c)),
        ...moments.flatMap((o) => {
          const c = graph.nodes[o].shape.c;
          return [matrixInfo(gramName(o), c, c), vectorInfo(channelSumName(o), c)];
        }),
      ],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

function valueInfo2d(name: string, c: number): onnxProto.onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimValue: c }] } } } };
}

interface LowerContext {
  readonly graph: Graph;
  readonly weights: Weights;
  readonly init: ITensorProto[];
  readonly options: LowerOptions;
  readonly paramName: (node: Node, role: ParamRole) => string;
  /** Linear outputs written as [N, classes]. */
  readonly flat: ReadonlySet<number>;
}

function lowerNode(node: Node, ins: string[], out: string, ctx: LowerContext, add: (opType: string, input: string[], output: string | string[], attribute?: IAttributeProto[]) => void): void {
  const { graph, weights, init } = ctx;
  const pname = (role: ParamRole) => ctx.paramName(node, role);
  const op = node.op;
  switch (op.kind) {
    case 'input':
      throw new Error(`node ${node.id} (${node.name}): only node 0 may be the input`);
    case 'conv': {
      const w = weights.get(node.id);
      if (!w) throw new Error(`node ${node.id} (${node.name}): no weights`);
      const inC = graph.nodes[node.inputs[0]].shape.c;
      init.push(floatTensor(pname('weight'), [op.outChannels, inC / op.groups, op.kernel, op.kernel], w.weight));
      const input = [ins[0], pname('weight')];
      if (w.bias) {
        init.push(floatTensor(pname('bias'), [op.outChannels], w.bias));
        input.push(pname('bias'));
      }
      const p = op.padding;
      add('Conv', input, out, [
        attr('kernel_shape', [op.kernel, op.kernel]),
        attr('strides', [op.stride, op.stride]),
        attr('pads', [p, p, p, p]),
        attr('dilations', [op.dilation, op.dilation]),
        attr('group', op.groups),
      ]);
      return;
    }
    case 'batchnorm': {
      if (ctx.options.batchNorm === 'inference') return lowerStoredBatchNorm(node, op.affine, ins, out, ctx, add);
      // Batch statistics over (N, H, W): GlobalAveragePool then a mean over N, of x and of
      // x*x (var = E[x^2] - mean^2, floored at 0), then the inference BatchNormalization
      // with those as its mean and variance. ONNX Runtime keeps GlobalAveragePool and x*x in
      // its blocked (NCHWc) layout, which makes this much faster than ReduceMean over
      // axes (0, 2, 3); BatchNormalization with training_mode 1 was tried and is off by ~2%.
      const t = `${out}_bn`;
      const c = node.shape.c;
      add('GlobalAveragePool', [ins[0]], `${t}_gm`);
      add('ReduceMean', [`${t}_gm`], `${t}_m4`, [attr('axes', [0]), attr('keepdims', 0)]);
      add('Mul', [ins[0], ins[0]], `${t}_x2`);
      add('GlobalAveragePool', [`${t}_x2`], `${t}_gs`);
      add('ReduceMean', [`${t}_gs`], `${t}_s4`, [attr('axes', [0]), attr('keepdims', 0)]);
      add('Reshape', [`${t}_m4`, 'shape_c'], `${t}_mean`);
      add('Reshape', [`${t}_s4`, 'shape_c'], `${t}_sq`);
      add('Mul', [`${t}_mean`, `${t}_mean`], `${t}_m2`);
      add('Sub', [`${t}_sq`, `${t}_m2`], `${t}_v0`);
      add('Relu', [`${t}_v0`], `${t}_var`);
      if (!init.some((x) => x.name === `bn_one_${c}`)) {
        init.push(floatTensor(`bn_one_${c}`, [c], new Float32Array(c).fill(1)));
        init.push(floatTensor(`bn_zero_${c}`, [c], new Float32Array(c)));
      }
      add('BatchNormalization', [ins[0], `bn_one_${c}`, `bn_zero_${c}`, `${t}_mean`, `${t}_var`], out, [attr('epsilon', BN_EPSILON, true)]);
      return;
    }
    case 'act':
      switch (op.fn) {
        case 'relu': return add('Relu', ins, out);
        case 'hswish': return add('HardSwish', ins, out);
        case 'hsigmoid': return add('HardSigmoid', ins, out, [attr('alpha', 1 / 6, true), attr('beta', 0.5, true)]);
        case 'sigmoid': return add('Sigmoid', ins, out);
      }
      return;
    case 'avgpool':
    case 'maxpool': {
      const p = op.padding;
      const a = [attr('kernel_shape', [op.kernel, op.kernel]), attr('strides', [op.stride, op.stride]), attr('pads', [p, p, p, p])];
      if (op.kind === 'avgpool') a.push(attr('count_include_pad', op.countIncludePad ? 1 : 0));
      add(op.kind === 'avgpool' ? 'AveragePool' : 'MaxPool', ins, out, a);
      return;
    }
    case 'crop': {
      const s = graph.nodes[node.inputs[0]].shape;
      init.push(int64Tensor(`${out}_starts`, [op.top, op.left]));
      init.push(int64Tensor(`${out}_ends`, [s.h, s.w]));
      init.push(int64Tensor(`${out}_axes`, [2, 3]));
      add('Slice', [ins[0], `${out}_starts`, `${out}_ends`, `${out}_axes`], out);
      return;
    }
    case 'add':
      add(ins.length === 2 ? 'Add' : 'Sum', ins, out);
      return;
    case 'mul':
      add('Mul', ins, out);
      return;
    case 'zero':
      add('Mul', [ins[0], 'zero'], out);
      return;
    case 'concat':
      add('Concat', ins, out, [attr('axis', 1)]);
      return;
    case 'globalavgpool':
      add('GlobalAveragePool', ins, out);
      return;
    case 'linear': {
      const w = weights.get(node.id);
      if (!w) throw new Error(`node ${node.id} (${node.name}): no weights`);
      const s = graph.nodes[node.inputs[0]].shape;
      init.push(floatTensor(pname('weight'), [op.outFeatures, s.c * s.h * s.w], w.weight));
      const input = [`${out}_flat`, pname('weight')];
      if (w.bias) {
        init.push(floatTensor(pname('bias'), [op.outFeatures], w.bias));
        input.push(pname('bias'));
      }
      add('Flatten', ins, `${out}_flat`, [attr('axis', 1)]);
      if (ctx.flat.has(node.id)) {
        add('Gemm', input, out, [attr('transB', 1)]);
        return;
      }
      // Gemm gives [N, out]; reshape to [N, out, 1, 1] so every output is NCHW.
      add('Gemm', input, `${out}_2d`, [attr('transB', 1)]);
      init.push(int64Tensor(`${out}_shape`, [-1, op.outFeatures, 1, 1]));
      add('Reshape', [`${out}_2d`, `${out}_shape`], out);
      return;
    }
  }
}

/**
 * Inference batch norm with stored statistics: one BatchNormalization whose scale, bias, mean
 * and variance are named initializers (PyTorch's initial 1, 0, 0, 1 unless given). Without
 * affine parameters, scale and bias are shared constant ones and zeros.
 */
function lowerStoredBatchNorm(node: Node, affine: boolean, ins: string[], out: string, ctx: LowerContext, add: (opType: string, input: string[], output: string | string[], attribute?: IAttributeProto[]) => void): void {
  const c = node.shape.c;
  const state = ctx.options.batchNormState?.get(node.id);
  const tensor = (role: ParamRole, fill: number, given: Float32Array | undefined): string => {
    const n = ctx.paramName(node, role);
    if (given && given.length !== c) throw new RangeError(`node ${node.id} (${node.name}): ${role} has ${given.length} values, expected ${c}`);
    ctx.init.push(floatTensor(n, [c], given ?? new Float32Array(c).fill(fill)));
    return n;
  };
  let scale: string;
  let bias: string;
  if (affine) {
    scale = tensor('weight', 1, state?.weight);
    bias = tensor('bias', 0, state?.bias);
  } else {
    scale = `const_ones_${c}`;
    bias = `const_zeros_${c}`;
    if (!ctx.init.some((x) => x.name === scale)) {
      ctx.init.push(floatTensor(scale, [c], new Float32Array(c).fill(1)));
      ctx.init.push(floatTensor(bias, [c], new Float32Array(c)));
    }
  }
  const mean = tensor('running_mean', 0, state?.runningMean);
  const variance = tensor('running_var', 1, state?.runningVar);
  add('BatchNormalization', [ins[0], scale, bias, mean, variance], out, [attr('epsilon', BN_EPSILON, true)]);
}
