// Seeded random initialisation. The weights of a network are a pure function of
// (experiment seed, genome hash): drawn in node order, each tensor in its ONNX layout
// (conv [out, in/groups, k, k], linear [out, in]), so an evaluation is identical on every
// machine, pod and worker, and both inference engines see the same numbers.
import type { Graph } from '../../search/ir.js';
import { hashSeed } from '../../search/hash.js';
import { Rng } from '../../search/random.js';

export interface LayerWeights {
  readonly weight: Float32Array;
  /** Zero-initialised where the op has a bias. */
  readonly bias?: Float32Array;
}

/** Node id -> weights, for every conv and linear node. Batch norm has none (gamma 1, beta 0). */
export type Weights = ReadonlyMap<number, LayerWeights>;

/** He-normal (fan-in, gain sqrt 2) weights, zero biases, drawn from Rng.seeded(seed, hashSeed(genomeHash)). */
export function initWeights(graph: Graph, experimentSeed: number, genomeHash: string): Weights {
  return initWeightsFrom(graph, Rng.seeded(experimentSeed, hashSeed(genomeHash)));
}

export function initWeightsFrom(graph: Graph, rng: Rng): Weights {
  const out = new Map<number, LayerWeights>();
  for (const node of graph.nodes) {
    const op = node.op;
    if (op.kind === 'conv') {
      const inC = graph.nodes[node.inputs[0]].shape.c;
      const fanIn = (inC / op.groups) * op.kernel * op.kernel;
      out.set(node.id, {
        weight: heNormal(rng, op.outChannels * fanIn, fanIn),
        bias: op.bias ? new Float32Array(op.outChannels) : undefined,
      });
    } else if (op.kind === 'linear') {
      const s = graph.nodes[node.inputs[0]].shape;
      const fanIn = s.c * s.h * s.w;
      out.set(node.id, {
        weight: heNormal(rng, op.outFeatures * fanIn, fanIn),
        bias: op.bias ? new Float32Array(op.outFeatures) : undefined,
      });
    }
  }
  return out;
}

function heNormal(rng: Rng, n: number, fanIn: number): Float32Array {
  const std = Math.sqrt(2 / fanIn);
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) w[i] = rng.normal() * std;
  return w;
}
