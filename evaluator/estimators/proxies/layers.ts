// The conv and linear layers a network's output depends on: the ones the reference code
// finds gradients for (PyTorch leaves a layer off the output's path without one).
import { ancestors } from '../../backends/backend.js';
import type { DifferentiableNetwork, LayerParams } from './differentiable.js';

export function liveLayers(net: DifferentiableNetwork): LayerParams[] {
  const live = new Set(ancestors(net.graph, [net.graph.output]));
  return net.layers.filter((l) => live.has(l.node));
}
