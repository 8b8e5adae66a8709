// The architecture IR: a small typed DAG of ops with shapes, built from a genome by its
// search space. It is the single source of truth for complexity counting and for every
// inference engine (ONNX Runtime, TensorFlow.js) and exporter.

/** Per-image tensor shape: channels, height, width (the batch dimension is implicit). */
export interface Shape {
  readonly c: number;
  readonly h: number;
  readonly w: number;
}

export type Activation = 'relu' | 'hswish' | 'hsigmoid' | 'sigmoid';

/** One operation. Inputs are node ids; `add` and `concat` take two or more. */
export type Op =
  | { readonly kind: 'input' }
  | {
      readonly kind: 'conv';
      readonly outChannels: number;
      readonly kernel: number;
      readonly stride: number;
      readonly padding: number;
      readonly dilation: number;
      /** 1 = dense conv, inChannels = depthwise. */
      readonly groups: number;
      readonly bias: boolean;
    }
  | { readonly kind: 'batchnorm'; readonly affine: boolean }
  | { readonly kind: 'act'; readonly fn: Activation }
  | {
      readonly kind: 'avgpool' | 'maxpool';
      readonly kernel: number;
      readonly stride: number;
      readonly padding: number;
      /** PyTorch's count_include_pad for average pooling (NB201 and DARTS use false). */
      readonly countIncludePad: boolean;
    }
  /** Drops the first `top` rows and `left` columns (DARTS factorized reduce's shifted path). */
  | { readonly kind: 'crop'; readonly top: number; readonly left: number }
  | { readonly kind: 'add' }
  /** Broadcast multiply of a [C,H,W] tensor by a [C,1,1] gate (squeeze-excite). */
  | { readonly kind: 'mul' }
  | { readonly kind: 'concat' }
  /**
   * Zeros shaped like its one input (NAS-Bench-201's `none`: a cell node all of whose
   * incoming edges are `none`). No params, no FLOPs; inference engines may lower it as x*0.
   */
  | { readonly kind: 'zero' }
  /** Output shape [C,1,1]. */
  | { readonly kind: 'globalavgpool' }
  /** Flattens its input, then a fully connected layer. */
  | { readonly kind: 'linear'; readonly outFeatures: number; readonly bias: boolean };

export type OpKind = Op['kind'];

export interface Node {
  readonly id: number;
  readonly op: Op;
  readonly inputs: readonly number[];
  /** Output shape of this node. */
  readonly shape: Shape;
  /** Human-readable scope, e.g. `cell3/edge1<-0/conv`; used for weight names and debugging. */
  readonly name: string;
}

export interface Graph {
  /** Nodes in topological order; node i has id i; node 0 is the input. */
  readonly nodes: readonly Node[];
  readonly inputShape: Shape;
  /** Id of the logits node (a `linear`). */
  readonly output: number;
  /**
   * Ids of nodes whose outputs are the network's feature maps at the end of each stage
   * (the last entry feeds the classifier's global pooling). Estimators read features here.
   */
  readonly stageOutputs: readonly number[];
}
