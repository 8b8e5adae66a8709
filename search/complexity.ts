// Params and FLOPs of an IR graph, absolute counts, by walking its nodes.
//
// Conventions (fitted to NAS-Bench-201's published numbers, which this reproduces for
// every cell of test/search/complexity.test.ts's reference within 0.02%):
//   params: conv weights (+ bias), batch-norm scale and shift when affine, linear weights
//           (+ bias). Running statistics are buffers, not params.
//   FLOPs:  multiply-accumulates of conv and linear (+ one per output for a bias);
//           pooling k*k per output element; global average pooling one per input element;
//           batch norm two per element (one if not affine); activations one per element;
//           the squeeze-excite gate multiply one per element. add, concat, crop and zero
//           count nothing (NB201 sums its cell nodes for free).
import type { Graph, Node } from './ir.js';

export interface Complexity {
  readonly params: number;
  readonly flops: number;
}

function elements(node: Node): number {
  return node.shape.c * node.shape.h * node.shape.w;
}

/** Params and FLOPs of one node, given the graph it belongs to (for input shapes). */
export function nodeComplexity(graph: Graph, node: Node): Complexity {
  const op = node.op;
  const input = node.inputs.length > 0 ? graph.nodes[node.inputs[0]] : undefined;
  const out = elements(node);
  switch (op.kind) {
    case 'conv': {
      const inC = input!.shape.c;
      const weights = (inC / op.groups) * op.outChannels * op.kernel * op.kernel;
      const bias = op.bias ? op.outChannels : 0;
      const positions = node.shape.h * node.shape.w;
      return { params: weights + bias, flops: (weights + bias) * positions };
    }
    case 'linear': {
      const inF = elements(input!);
      const weights = inF * op.outFeatures;
      const bias = op.bias ? op.outFeatures : 0;
      return { params: weights + bias, flops: weights + bias };
    }
    case 'batchnorm':
      return { params: op.affine ? 2 * node.shape.c : 0, flops: (op.affine ? 2 : 1) * out };
    case 'avgpool':
    case 'maxpool':
      return { params: 0, flops: op.kernel * op.kernel * out };
    case 'globalavgpool':
      return { params: 0, flops: elements(input!) };
    case 'act':
    case 'mul':
      return { params: 0, flops: out };
    case 'input':
    case 'add':
    case 'concat':
    case 'crop':
    case 'zero':
      return { params: 0, flops: 0 };
  }
}

/** Total params and FLOPs of a graph. */
export function countComplexity(graph: Graph): Complexity {
  let params = 0;
  let flops = 0;
  for (const node of graph.nodes) {
    const c = nodeComplexity(graph, node);
    params += c.params;
    flops += c.flops;
  }
  return { params, flops };
}
