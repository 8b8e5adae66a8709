// The feature maps between a network's blocks (AZ-NAS's "cell features": the stem's output,
// then each cell's or reduction block's), found from the IR's node names, which the space
// builders set. A block that computes nothing (an NB201 cell that is the identity) appears as
// the same node twice in a row.
import type { Graph } from '../../../search/ir.js';
import type { SpaceName } from '../../../search/space.js';

export interface BlockLayout {
  readonly space: SpaceName;
  /** NB201: cells per stage of the network the graph was built at. */
  readonly cellsPerStage?: number;
}

/** Node ids F0 (the stem's output) .. FL (the last block's output). */
export function blockFeatures(graph: Graph, layout: BlockLayout): number[] {
  switch (layout.space) {
    case 'nb201':
      return nb201Blocks(graph, layout.cellsPerStage ?? 1);
    case 'darts':
      return dartsBlocks(graph);
    default:
      throw new RangeError(`az_trainability: search space ${layout.space} has no block layout (supported: nb201, darts)`);
  }
}

function nodeNamed(graph: Graph, name: string): number {
  const node = graph.nodes.find((n) => n.name === name);
  if (!node) throw new Error(`graph has no node named ${name}: not the layout its space builds`);
  return node.id;
}

/** NB201: stem, then per stage (reduction block from stage 1 on) its cells; the head's BN reads the last. */
function nb201Blocks(graph: Graph, cells: number): number[] {
  const prefixes: string[] = [];
  for (let stage = 0; stage < 3; stage++) {
    if (stage > 0) prefixes.push(`stage${stage}/reduce/`);
    for (let cell = 0; cell < cells; cell++) prefixes.push(`stage${stage}/cell${cell}/`);
  }
  // Walk back from the head: each block's output is the next block's one external input; a
  // block without nodes is the identity (its output is its input).
  let current = graph.nodes[nodeNamed(graph, 'lastact/bn')].inputs[0];
  const features = [current];
  for (let b = prefixes.length - 1; b >= 0; b--) {
    const inside = graph.nodes.filter((n) => n.name.startsWith(prefixes[b]));
    const ids = new Set(inside.map((n) => n.id));
    const external = new Set(inside.flatMap((n) => n.inputs.filter((j) => !ids.has(j))));
    if (external.size > 1) throw new Error(`block ${prefixes[b]} reads ${external.size} nodes from outside; expected one`);
    if (external.size === 1) current = [...external][0];
    features.unshift(current);
  }
  const stem = nodeNamed(graph, 'stem/bn');
  if (features[0] !== stem) throw new Error(`the first block reads node ${features[0]}, not the stem's output ${stem}`);
  return features;
}

/** DARTS: stem, then each cell's concatenation. */
function dartsBlocks(graph: Graph): number[] {
  const cells = graph.nodes.filter((n) => /^cell\d+r?\/concat$/.test(n.name)).map((n) => n.id);
  if (cells.length === 0) throw new Error('graph has no DARTS cell outputs (cellN/concat)');
  return [nodeNamed(graph, 'stem/bn'), ...cells];
}
