// The module layout every exporter shares: the IR's nodes grouped into blocks by their scope
// names (a cell, a residual block, the stem, the classifier), each node with a local
// identifier inside its block. The PyTorch module's attribute paths come from it, and so do
// the ONNX initializer names and TF.js layer names, so a weight has one name in every format.
import type { Graph, Node } from '../../search/ir.js';
import type { ParamRole } from '../backends/onnx/lower.js';

export interface Block {
  /** Identifier of the block (a Python attribute, e.g. `stage0_cell1`). */
  readonly attr: string;
  /** Its scope in the IR's names, e.g. `stage0/cell1`. */
  readonly scope: string;
  /** Node ids, ascending and contiguous. */
  readonly nodes: readonly number[];
  /** Ids of nodes outside the block that it reads, ascending. */
  readonly inputs: readonly number[];
  /** Ids of its nodes read after it or returned by the network, ascending. */
  readonly outputs: readonly number[];
}

export interface ModuleLayout {
  readonly blocks: readonly Block[];
  readonly blockOf: ReadonlyMap<number, Block>;
  /** Node id -> identifier unique inside its block. */
  readonly local: ReadonlyMap<number, string>;
}

const PYTHON_RESERVED = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield self input x torch nn F'.split(' '),
);

/** A Python identifier from an IR scope: `node3/sep_conv_5x5<-0/sep1` -> `node3_sep_conv_5x5_from0_sep1`. */
export function identifier(scope: string): string {
  let id = scope.replace(/<-/g, '_from').replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  if (id === '' || /^[0-9]/.test(id)) id = `n${id}`;
  return PYTHON_RESERVED.has(id) ? `${id}_` : id;
}

/** The block a node's name belongs to: `stageN/<part>` or the first path segment. */
function scopeOf(node: Node): string {
  const parts = node.name.split('/');
  return /^stage\d+$/.test(parts[0]) && parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts[0];
}

/** Groups nodes 1..n into contiguous blocks (scopes whose id ranges overlap are merged). */
export function moduleLayout(graph: Graph): ModuleLayout {
  const spans: { scope: string; first: number; last: number }[] = [];
  const byScope = new Map<string, { scope: string; first: number; last: number }>();
  for (const node of graph.nodes.slice(1)) {
    const scope = scopeOf(node);
    const span = byScope.get(scope);
    if (span) span.last = node.id;
    else {
      const s = { scope, first: node.id, last: node.id };
      byScope.set(scope, s);
      spans.push(s);
    }
  }
  const merged: { scope: string; first: number; last: number }[] = [];
  for (const s of spans) {
    const prev = merged[merged.length - 1];
    if (prev && s.first <= prev.last) prev.last = Math.max(prev.last, s.last);
    else merged.push({ ...s });
  }
  const consumers = lastConsumer(graph);
  const usedAttrs = new Set<string>();
  const blocks: Block[] = [];
  const blockOf = new Map<number, Block>();
  const local = new Map<number, string>();
  for (const m of merged) {
    const ids = Array.from({ length: m.last - m.first + 1 }, (_, i) => m.first + i);
    const inside = new Set(ids);
    const inputs = [...new Set(ids.flatMap((id) => graph.nodes[id].inputs).filter((j) => !inside.has(j)))].sort((a, b) => a - b);
    const outputs = ids.filter((id) => id === graph.output || (consumers.get(id) ?? -1) > m.last);
    const block: Block = { attr: unique(identifier(m.scope), usedAttrs), scope: m.scope, nodes: ids, inputs, outputs };
    blocks.push(block);
    const usedLocal = new Set<string>();
    for (const id of ids) {
      blockOf.set(id, block);
      const name = graph.nodes[id].name;
      const rel = name.startsWith(`${m.scope}/`) ? name.slice(m.scope.length + 1) : name;
      local.set(id, unique(identifier(rel), usedLocal));
    }
  }
  return { blocks, blockOf, local };
}

function unique(name: string, used: Set<string>): string {
  let n = name;
  for (let i = 2; used.has(n); i++) n = `${name}_${i}`;
  used.add(n);
  return n;
}

function lastConsumer(graph: Graph): Map<number, number> {
  const last = new Map<number, number>();
  for (const node of graph.nodes) for (const j of node.inputs) last.set(j, Math.max(last.get(j) ?? -1, node.id));
  return last;
}

/** A parameter's name in every format: the PyTorch state_dict key, e.g. `stage0_cell1.node1_conv.weight`. */
export function paramKey(layout: ModuleLayout, node: Node, role: ParamRole): string {
  const block = layout.blockOf.get(node.id);
  if (!block) throw new RangeError(`node ${node.id} (${node.name}) belongs to no block`);
  return `${block.attr}.${layout.local.get(node.id)}.${role}`;
}
