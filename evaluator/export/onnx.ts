// The ONNX export: the evaluator's own lowering (evaluator/onnx/lower.ts) in inference form.
// Batch norm is one BatchNormalization with stored statistics and affine parameters, every
// initializer is named as the PyTorch module's state_dict key, the input is `input`
// [batch, C, H, W] and the output `logits` [batch, classes], every intermediate tensor has
// its shape in value_info, and the genome and provenance are metadata_props.
import onnxProto from 'onnx-proto';
import type { Graph } from '../../search/ir.js';
import { lowerToOnnx, OPSET, type BatchNormState } from '../backends/onnx/lower.js';
import type { Weights } from '../backends/weights.js';
import { paramKey, type ModuleLayout } from './modules.js';

export const EXPORT_OPSET = OPSET;
export const EXPORT_INPUT = 'input';
export const EXPORT_OUTPUT = 'logits';

export function exportOnnx(graph: Graph, weights: Weights, layout: ModuleLayout, metadata: Readonly<Record<string, string>>): Uint8Array {
  return lowerToOnnx(graph, weights, [graph.output], {
    batchNorm: 'inference',
    paramName: (node, role) => paramKey(layout, node, role),
    tensorName: (id) => (id === graph.output ? EXPORT_OUTPUT : `${layout.blockOf.get(id)!.attr}/${layout.local.get(id)}`),
    flatLogits: true,
    valueInfo: true,
    metadata,
    graphName: metadata.genome ?? 'rwenas',
  });
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
