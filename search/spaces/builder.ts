// A small helper that appends IR nodes in topological order, with ids and inferred shapes,
// plus the compound layers the spaces share (ReLU-Conv-BN and friends).
import type { Activation, Graph, Node, Op, Shape } from '../ir.js';
import { inferShape } from '../ir-check.js';

export class GraphBuilder {
  private readonly nodes: Node[] = [];

  constructor(readonly inputShape: Shape) {
    this.nodes.push({ id: 0, op: { kind: 'input' }, inputs: [], shape: inputShape, name: 'input' });
  }

  shape(id: number): Shape {
    return this.nodes[id].shape;
  }

  add(op: Op, inputs: readonly number[], name: string): number {
    const id = this.nodes.length;
    const shape = inferShape(op, inputs.map((j) => this.nodes[j].shape));
    this.nodes.push({ id, op, inputs: [...inputs], shape, name });
    return id;
  }

  conv(
    x: number,
    name: string,
    o: { out: number; kernel: number; stride?: number; padding?: number; dilation?: number; groups?: number; bias?: boolean },
  ): number {
    const op: Op = {
      kind: 'conv',
      outChannels: o.out,
      kernel: o.kernel,
      stride: o.stride ?? 1,
      padding: o.padding ?? 0,
      dilation: o.dilation ?? 1,
      groups: o.groups ?? 1,
      bias: o.bias ?? false,
    };
    return this.add(op, [x], `${name}/conv`);
  }

  bn(x: number, name: string, affine = true): number {
    return this.add({ kind: 'batchnorm', affine }, [x], `${name}/bn`);
  }

  act(x: number, fn: Activation, name: string): number {
    return this.add({ kind: 'act', fn }, [x], `${name}/${fn}`);
  }

  /** Sum of one or more tensors; one input is passed through without a node. */
  sum(xs: readonly number[], name: string): number {
    return xs.length === 1 ? xs[0] : this.add({ kind: 'add' }, xs, `${name}/add`);
  }

  /** ReLU, conv (no bias), batch norm: the NB201 and DARTS building block. */
  reluConvBn(
    x: number,
    name: string,
    o: { out: number; kernel: number; stride?: number; padding?: number; dilation?: number; affine?: boolean },
  ): number {
    const r = this.act(x, 'relu', name);
    const c = this.conv(r, name, { ...o, padding: o.padding ?? (o.kernel - 1) / 2 });
    return this.bn(c, name, o.affine ?? true);
  }

  /** Global average pool then a linear classifier with bias; returns the logits node. */
  classifier(x: number, numClasses: number): number {
    const p = this.add({ kind: 'globalavgpool' }, [x], 'classifier/pool');
    return this.add({ kind: 'linear', outFeatures: numClasses, bias: true }, [p], 'classifier/linear');
  }

  finish(output: number, stageOutputs: readonly number[]): Graph {
    return { nodes: this.nodes, inputShape: this.inputShape, output, stageOutputs: [...stageOutputs] };
  }
}
