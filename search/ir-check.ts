// Shape inference and validation for the architecture IR. Builders use `inferShape` so
// every node's shape is computed one way; `validateGraph` checks a whole graph against the
// contract of ir.ts (ids, topological order, arities, shapes), e.g. before lowering it.
import type { Graph, Op, Shape } from './ir.js';

export class GraphError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GraphError';
  }
}

/** Output side of a sliding window (PyTorch floor mode). */
export function windowOut(size: number, kernel: number, stride: number, padding: number, dilation = 1): number {
  return Math.floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1;
}

function same(a: Shape, b: Shape): boolean {
  return a.c === b.c && a.h === b.h && a.w === b.w;
}

export function shapeText(s: Shape): string {
  return `[${s.c},${s.h},${s.w}]`;
}

/** Output shape of `op` applied to inputs of shapes `ins`; throws GraphError when they do not fit. */
export function inferShape(op: Op, ins: readonly Shape[]): Shape {
  const arity = (n: number): void => {
    if (ins.length !== n) throw new GraphError(`${op.kind}: expected ${n} input(s), got ${ins.length}`);
  };
  switch (op.kind) {
    case 'input':
      throw new GraphError('input: has no inferred shape (it is the graph input)');
    case 'conv': {
      arity(1);
      const x = ins[0];
      if (x.c % op.groups !== 0 || op.outChannels % op.groups !== 0) {
        throw new GraphError(`conv: groups ${op.groups} must divide in ${x.c} and out ${op.outChannels} channels`);
      }
      const h = windowOut(x.h, op.kernel, op.stride, op.padding, op.dilation);
      const w = windowOut(x.w, op.kernel, op.stride, op.padding, op.dilation);
      if (h < 1 || w < 1) throw new GraphError(`conv: kernel ${op.kernel} does not fit input ${shapeText(x)}`);
      return { c: op.outChannels, h, w };
    }
    case 'avgpool':
    case 'maxpool': {
      arity(1);
      const x = ins[0];
      const h = windowOut(x.h, op.kernel, op.stride, op.padding);
      const w = windowOut(x.w, op.kernel, op.stride, op.padding);
      if (h < 1 || w < 1) throw new GraphError(`${op.kind}: kernel ${op.kernel} does not fit input ${shapeText(x)}`);
      return { c: x.c, h, w };
    }
    case 'batchnorm':
    case 'act':
    case 'zero':
      arity(1);
      return ins[0];
    case 'crop': {
      arity(1);
      const x = ins[0];
      if (op.top >= x.h || op.left >= x.w || op.top < 0 || op.left < 0) {
        throw new GraphError(`crop: top ${op.top}, left ${op.left} do not fit input ${shapeText(x)}`);
      }
      return { c: x.c, h: x.h - op.top, w: x.w - op.left };
    }
    case 'add': {
      if (ins.length < 2) throw new GraphError(`add: expected 2 or more inputs, got ${ins.length}`);
      for (const s of ins) {
        if (!same(s, ins[0])) throw new GraphError(`add: input shapes differ: ${ins.map(shapeText).join(' vs ')}`);
      }
      return ins[0];
    }
    case 'mul': {
      arity(2);
      const [x, g] = ins;
      if (g.c !== x.c || g.h !== 1 || g.w !== 1) {
        throw new GraphError(`mul: gate must be [${x.c},1,1], got ${shapeText(g)}`);
      }
      return x;
    }
    case 'concat': {
      if (ins.length < 2) throw new GraphError(`concat: expected 2 or more inputs, got ${ins.length}`);
      for (const s of ins) {
        if (s.h !== ins[0].h || s.w !== ins[0].w) {
          throw new GraphError(`concat: spatial sizes differ: ${ins.map(shapeText).join(' vs ')}`);
        }
      }
      return { c: ins.reduce((sum, s) => sum + s.c, 0), h: ins[0].h, w: ins[0].w };
    }
    case 'globalavgpool':
      arity(1);
      return { c: ins[0].c, h: 1, w: 1 };
    case 'linear':
      arity(1);
      return { c: op.outFeatures, h: 1, w: 1 };
  }
}

/** Checks the ir.ts contract; throws GraphError naming the first offending node. */
export function validateGraph(graph: Graph): void {
  const { nodes } = graph;
  if (nodes.length === 0 || nodes[0].op.kind !== 'input') throw new GraphError('node 0 must be the input');
  if (!same(nodes[0].shape, graph.inputShape)) throw new GraphError('node 0 shape differs from inputShape');
  nodes.forEach((node, i) => {
    const where = `node ${i} (${node.name})`;
    if (node.id !== i) throw new GraphError(`${where}: id ${node.id}, expected ${i}`);
    if (i === 0) return;
    if (node.op.kind === 'input') throw new GraphError(`${where}: only node 0 may be the input`);
    for (const j of node.inputs) {
      if (!Number.isInteger(j) || j < 0 || j >= i) throw new GraphError(`${where}: input ${j} is not an earlier node`);
    }
    let shape: Shape;
    try {
      shape = inferShape(node.op, node.inputs.map((j) => nodes[j].shape));
    } catch (e) {
      throw new GraphError(`${where}: ${(e as Error).message}`);
    }
    if (!same(shape, node.shape)) {
      throw new GraphError(`${where}: shape ${shapeText(node.shape)}, inferred ${shapeText(shape)}`);
    }
  });
  const out = nodes[graph.output];
  if (!out || out.op.kind !== 'linear') throw new GraphError(`output ${graph.output} must be a linear node`);
  if (graph.stageOutputs.length === 0) throw new GraphError('stageOutputs is empty');
  for (const j of graph.stageOutputs) {
    if (!nodes[j] || j >= graph.output) throw new GraphError(`stageOutputs: ${j} is not a node before the output`);
  }
}
