// The PyTorch export: one Python file with an nn.Module per distinct block (cells that are
// alike share a class) and a Network that wires them, written as a person would write it:
// layers in __init__, the data flow in forward. It needs only torch; load_onnx_weights reads
// the exported ONNX file's initializers (named as this module's state_dict) with a tiny
// protobuf reader, so the two files carry the same weights without the onnx package.
import type { Graph, Node } from '../../search/ir.js';
import type { Block, ModuleLayout } from './modules.js';
import { identifier } from './modules.js';

export interface PythonHeader {
  readonly title: string;
  readonly genome: string;
  readonly space: string;
  readonly params: number;
  readonly lines: readonly string[];
}

interface ClassDef {
  readonly name: string;
  readonly body: string;
}

/** The whole .py file. */
export function pytorchModule(graph: Graph, layout: ModuleLayout, header: PythonHeader): string {
  const classes: ClassDef[] = [];
  const classOf = new Map<Block, string>();
  for (const block of layout.blocks) classOf.set(block, blockClass(graph, layout, block, classes));
  return [
    docstring(header),
    'import torch',
    'from torch import nn',
    'import torch.nn.functional as F',
    '',
    `SPACE = ${pyString(header.space)}`,
    `GENOME = ${pyString(header.genome)}`,
    `# rwenas's parameter count of this network; sum(p.numel() for p in Network().parameters()) equals it.`,
    `PARAMETERS = ${header.params}`,
    `INPUT_SHAPE = (${graph.inputShape.c}, ${graph.inputShape.h}, ${graph.inputShape.w})`,
    '',
    ...classes.map((c) => `\nclass ${c.name}(nn.Module):\n${c.body}\n`),
    '',
    networkClass(graph, layout, classOf),
    '',
    LOADER,
  ].join('\n');
}

function docstring(h: PythonHeader): string {
  return ['"""' + h.title, '', ...h.lines, '', 'Usage:', '    model = Network()', '    load_onnx_weights(model, "model.onnx")  # optional: the same initial weights as model.onnx', '"""', ''].join('\n');
}

const pyString = (s: string): string => JSON.stringify(s);

/** Generates (or reuses) the class of a block; returns its name. */
function blockClass(graph: Graph, layout: ModuleLayout, block: Block, classes: ClassDef[]): string {
  const args = block.inputs.length === 1 ? ['x'] : block.inputs.map((_, i) => `x${i}`);
  const argOf = new Map(block.inputs.map((id, i) => [id, args[i]]));
  const ref = (id: number) => argOf.get(id) ?? layout.local.get(id)!;
  const init: string[] = [];
  const forward: string[] = [];
  for (const id of block.nodes) {
    const node = graph.nodes[id];
    const v = layout.local.get(id)!;
    const layer = layerConstructor(graph, node);
    if (layer) init.push(`        self.${v} = ${layer}`);
    forward.push(`        ${v} = ${expression(graph, node, node.inputs.map(ref), `self.${v}`)}`);
  }
  const outs = block.outputs.map((id) => layout.local.get(id)!);
  const body = [
    '    def __init__(self):',
    '        super().__init__()',
    ...(init.length > 0 ? init : ['        pass']),
    '',
    `    def forward(self, ${args.join(', ')}):`,
    ...forward,
    `        return ${outs.join(', ')}`,
  ].join('\n');
  const same = classes.find((c) => c.body === body);
  if (same) return same.name;
  const name = className(block.scope, classes);
  classes.push({ name, body });
  return name;
}

/** `stage0/cell3` -> `Stage0Cell`; a second, different class of that kind keeps its number (`Stage0Cell3`). */
function className(scope: string, classes: readonly ClassDef[]): string {
  const pascal = (s: string) => identifier(s).split('_').filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join('');
  const base = pascal(scope.replace(/\d+$/, ''));
  const taken = new Set(classes.map((c) => c.name));
  if (!taken.has(base)) return base;
  let name = pascal(scope);
  for (let i = 2; taken.has(name); i++) name = `${pascal(scope)}_${i}`;
  return name;
}

/** The nn layer of a node with parameters, or undefined for a functional op. */
function layerConstructor(graph: Graph, node: Node): string | undefined {
  const op = node.op;
  const inC = node.inputs.length > 0 ? graph.nodes[node.inputs[0]].shape.c : 0;
  switch (op.kind) {
    case 'conv': {
      const kw = [
        op.stride !== 1 ? `stride=${op.stride}` : '',
        op.padding !== 0 ? `padding=${op.padding}` : '',
        op.dilation !== 1 ? `dilation=${op.dilation}` : '',
        op.groups !== 1 ? `groups=${op.groups}` : '',
        `bias=${op.bias ? 'True' : 'False'}`,
      ].filter(Boolean);
      return `nn.Conv2d(${inC}, ${op.outChannels}, ${op.kernel}, ${kw.join(', ')})`;
    }
    case 'batchnorm':
      return `nn.BatchNorm2d(${node.shape.c}${op.affine ? '' : ', affine=False'})`;
    case 'linear': {
      const s = graph.nodes[node.inputs[0]].shape;
      return `nn.Linear(${s.c * s.h * s.w}, ${op.outFeatures}${op.bias ? '' : ', bias=False'})`;
    }
    default:
      return undefined;
  }
}

function expression(graph: Graph, node: Node, ins: string[], layer: string): string {
  const op = node.op;
  const [a] = ins;
  switch (op.kind) {
    case 'input':
      throw new Error(`node ${node.id}: only node 0 may be the input`);
    case 'conv':
    case 'batchnorm':
      return `${layer}(${a})`;
    case 'act':
      return { relu: `F.relu(${a})`, hswish: `F.hardswish(${a})`, hsigmoid: `F.hardsigmoid(${a})`, sigmoid: `torch.sigmoid(${a})` }[op.fn];
    case 'avgpool':
      return `F.avg_pool2d(${a}, ${op.kernel}, stride=${op.stride}, padding=${op.padding}${op.countIncludePad ? '' : ', count_include_pad=False'})`;
    case 'maxpool':
      return `F.max_pool2d(${a}, ${op.kernel}, stride=${op.stride}, padding=${op.padding})`;
    case 'crop':
      return `${a}[:, :, ${op.top}:, ${op.left}:]`;
    case 'add':
      return ins.join(' + ');
    case 'mul':
      return `${ins[0]} * ${ins[1]}`;
    case 'concat':
      return `torch.cat([${ins.join(', ')}], dim=1)`;
    case 'zero':
      return `torch.zeros_like(${a})`;
    case 'globalavgpool':
      return `F.adaptive_avg_pool2d(${a}, 1)`;
    case 'linear':
      // The IR's linear flattens NCHW; inside the network its output is [N, C, 1, 1] again.
      return node.id === graph.output ? `${layer}(torch.flatten(${a}, 1))` : `${layer}(torch.flatten(${a}, 1))[:, :, None, None]`;
  }
}

function networkClass(graph: Graph, layout: ModuleLayout, classOf: ReadonlyMap<Block, string>): string {
  const varOf = new Map<number, string>([[0, 'x']]);
  const init: string[] = [];
  const forward: string[] = [];
  for (const block of layout.blocks) {
    init.push(`        self.${block.attr} = ${classOf.get(block)}()`);
    const outs = block.outputs.map((id) => (block.outputs.length === 1 ? block.attr : `${block.attr}_${layout.local.get(id)}`));
    block.outputs.forEach((id, i) => varOf.set(id, outs[i]));
    forward.push(`        ${outs.join(', ')} = self.${block.attr}(${block.inputs.map((id) => varOf.get(id)!).join(', ')})`);
  }
  return [
    'class Network(nn.Module):',
    `    """Input: [N, ${graph.inputShape.c}, ${graph.inputShape.h}, ${graph.inputShape.w}] images (NCHW, float32); output: [N, ${graph.nodes[graph.output].shape.c}] logits."""`,
    '',
    '    def __init__(self):',
    '        super().__init__()',
    ...init,
    '',
    '    def forward(self, x):',
    ...forward,
    `        return ${varOf.get(graph.output)}`,
  ].join('\n');
}

// Reads ONNX initializers with a minimal protobuf decoder (ModelProto.graph = 7,
// GraphProto.initializer = 5, TensorProto dims = 1, data_type = 2, name = 8, raw_data = 9).
const LOADER = String.raw`
def _varint(buf, i):
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, i
        shift += 7


def _fields(buf):
    """Yields (field number, wire type, value) of one protobuf message."""
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 1:
            value, i = buf[i:i + 8], i + 8
        elif wire == 2:
            n, i = _varint(buf, i)
            value, i = buf[i:i + n], i + n
        elif wire == 5:
            value, i = buf[i:i + 4], i + 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        yield field, wire, value


def _packed_varints(buf):
    i, out = 0, []
    while i < len(buf):
        v, i = _varint(buf, i)
        out.append(v)
    return out


def onnx_initializers(path):
    """name -> float32 tensor of every float initializer of an ONNX file (no onnx package needed)."""
    with open(path, "rb") as f:
        model = memoryview(f.read())
    tensors = {}
    for field, _, graph in _fields(model):
        if field != 7:
            continue
        for gfield, _, tensor in _fields(graph):
            if gfield != 5:
                continue
            dims, dtype, name, raw = [], None, None, None
            for tfield, wire, value in _fields(tensor):
                if tfield == 1:
                    dims += [value] if wire == 0 else _packed_varints(value)
                elif tfield == 2:
                    dtype = value
                elif tfield == 8:
                    name = bytes(value).decode()
                elif tfield == 9:
                    raw = bytes(value)
            if dtype == 1 and raw is not None:
                tensors[name] = torch.frombuffer(bytearray(raw), dtype=torch.float32).reshape(dims)
    return tensors


def load_onnx_weights(model, path):
    """Copies the initializers of the exported ONNX file into the model (names are state_dict keys)."""
    tensors = onnx_initializers(path)
    with torch.no_grad():
        for key, value in model.state_dict().items():
            if key.endswith("num_batches_tracked"):
                continue
            if key not in tensors:
                raise KeyError(f"{path}: no initializer named {key}")
            if tuple(tensors[key].shape) != tuple(value.shape):
                raise ValueError(f"{path}: {key} has shape {tuple(tensors[key].shape)}, expected {tuple(value.shape)}")
            value.copy_(tensors[key])
    return model


if __name__ == "__main__":
    net = Network()
    count = sum(p.numel() for p in net.parameters())
    print(f"{SPACE} {GENOME}: {count} parameters (rwenas: {PARAMETERS})")
`;
