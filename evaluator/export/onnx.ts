// The ONNX export: the evaluator's own lowering (evaluator/onnx/lower.ts) in inference form.
// Batch norm is one BatchNormalization with stored statistics and affine parameters, every
// initializer is named as the PyTorch module's state_dict key, the input is `input`
// [batch, C, H, W] and the output `logits` [batch, classes], every intermediate tensor has
// its shape in value_info, and the genome and provenance are metadata_props.
import onnxProto from 'onnx-proto';
import type { Graph } from '../../search/ir.js';
import { nodeComplexity } from '../../search/complexity.js';
import { ancestors } from '../backends/backend.js';
import { lowerToOnnx, OPSET, type BatchNormState, type ParamRole } from '../backends/onnx/lower.js';
import type { Weights } from '../backends/weights.js';
import { paramKey, type ModuleLayout } from './modules.js';

export const EXPORT_OPSET = OPSET;
export const EXPORT_INPUT = 'input';
export const EXPORT_OUTPUT = 'logits';

export function exportOnnx(graph: Graph, weights: Weights, layout: ModuleLayout, metadata: Readonly<Record<string, string>>): Uint8Array {
  const model = lowerToOnnx(graph, weights, [graph.output], {}, {
    batchNorm: 'inference',
    paramName: (node, role) => paramKey(layout, node, role),
    tensorName: (id) => (id === graph.output ? EXPORT_OUTPUT : `${layout.blockOf.get(id)!.attr}/${layout.local.get(id)}`),
    flatLogits: true,
    valueInfo: true,
    metadata,
    graphName: metadata.genome ?? 'rwenas',
  });
  return withDeadParameters(model, graph, weights, layout);
}

/**
 * Adds the parameters of dead nodes (never read on the way to the logits, e.g. an NB201 cell
 * node no edge uses) as initializers: ONNX Runtime skips them, but model.py has those layers
 * (as NAS-Bench-201's own network has) and loads every state_dict key from this file.
 */
function withDeadParameters(model: Uint8Array, graph: Graph, weights: Weights, layout: ModuleLayout): Uint8Array {
  const live = new Set(ancestors(graph, [graph.output]));
  const dead = graph.nodes.filter((n) => !live.has(n.id) && (n.op.kind === 'conv' || n.op.kind === 'linear' || n.op.kind === 'batchnorm'));
  if (dead.length === 0) return model;
  const { onnx } = onnxProto;
  const decoded = onnx.ModelProto.decode(model);
  const tensor = (name: string, dims: number[], data: Float32Array) => ({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) });
  for (const node of dead) {
    const key = (role: ParamRole) => paramKey(layout, node, role);
    const op = node.op;
    const inShape = graph.nodes[node.inputs[0]].shape;
    if (op.kind === 'batchnorm') {
      const c = node.shape.c;
      if (op.affine) decoded.graph!.initializer!.push(tensor(key('weight'), [c], new Float32Array(c).fill(1)), tensor(key('bias'), [c], new Float32Array(c)));
      decoded.graph!.initializer!.push(tensor(key('running_mean'), [c], new Float32Array(c)), tensor(key('running_var'), [c], new Float32Array(c).fill(1)));
      continue;
    }
    const w = weights.get(node.id)!;
    const dims = op.kind === 'conv' ? [op.outChannels, inShape.c / op.groups, op.kernel, op.kernel] : [node.shape.c, inShape.c * inShape.h * inShape.w];
    decoded.graph!.initializer!.push(tensor(key('weight'), dims, w.weight));
    if (w.bias) decoded.graph!.initializer!.push(tensor(key('bias'), [w.bias.length], w.bias));
  }
  return onnx.ModelProto.encode(decoded).finish();
}

/** Parameters of nodes that do not lead to the logits (kept by rwenas's count and model.py). */
export function deadParameters(graph: Graph): number {
  const live = new Set(ancestors(graph, [graph.output]));
  return graph.nodes.filter((n) => !live.has(n.id)).reduce((sum, n) => sum + nodeComplexity(graph, n).params, 0);
}

/** The model with the running statistics of its batch-norm nodes replaced (by initializer name). */
export function withRunningStatistics(model: Uint8Array, graph: Graph, layout: ModuleLayout, stats: ReadonlyMap<number, BatchNormState>): Uint8Array {
  const { onnx } = onnxProto;
  const decoded = onnx.ModelProto.decode(model);
  const byName = new Map<string, Float32Array>();
  for (const [id, s] of stats) {
    byName.set(paramKey(layout, graph.nodes[id], 'running_mean'), s.runningMean);
    byName.set(paramKey(layout, graph.nodes[id], 'running_var'), s.runningVar);
  }
  let replaced = 0;
  for (const t of decoded.graph?.initializer ?? []) {
    const v = byName.get(t.name ?? '');
    if (!v) continue;
    t.rawData = new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
    replaced++;
  }
  if (replaced !== byName.size) throw new Error(`the model has ${replaced} of ${byName.size} running-statistics initializers`);
  return onnx.ModelProto.encode(decoded).finish();
}
