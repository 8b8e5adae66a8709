// A deliberately naive NCHW interpreter of the IR (float64 loops, straight from each op's
// definition), the independent reference both executors are checked against.
import assert from 'node:assert/strict';
import type { Graph } from '../../search/ir.js';
import type { Weights } from '../../evaluator/backends/weights.js';

const EPS = 1e-5;

export function referenceForward(graph: Graph, weights: Weights, input: Float32Array, n: number): Float64Array[] {
  const vals: Float64Array[] = [];
  for (const node of graph.nodes) {
    const { c, h, w } = node.shape;
    const out = new Float64Array(n * c * h * w);
    const op = node.op;
    const x = node.inputs.length > 0 ? vals[node.inputs[0]] : undefined;
    const xs = node.inputs.length > 0 ? graph.nodes[node.inputs[0]].shape : undefined;
    const at = (b: number, ch: number, i: number, j: number, s = xs!) => ((b * s.c + ch) * s.h + i) * s.w + j;
    switch (op.kind) {
      case 'input':
        out.set(input.subarray(0, out.length));
        break;
      case 'conv': {
        const wt = weights.get(node.id)!.weight;
        const inPerG = xs!.c / op.groups;
        const outPerG = c / op.groups;
        for (let b = 0; b < n; b++) for (let o = 0; o < c; o++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) {
          const g = Math.floor(o / outPerG);
          let s = 0;
          for (let ci = 0; ci < inPerG; ci++) for (let ki = 0; ki < op.kernel; ki++) for (let kj = 0; kj < op.kernel; kj++) {
            const y = i * op.stride - op.padding + ki * op.dilation;
            const z = j * op.stride - op.padding + kj * op.dilation;
            if (y < 0 || z < 0 || y >= xs!.h || z >= xs!.w) continue;
            s += x![at(b, g * inPerG + ci, y, z)] * wt[((o * inPerG + ci) * op.kernel + ki) * op.kernel + kj];
          }
          out[at(b, o, i, j, node.shape)] = s;
        }
        break;
      }
      case 'batchnorm':
        for (let ch = 0; ch < c; ch++) {
          let s = 0;
          let cnt = 0;
          for (let b = 0; b < n; b++) for (let p = 0; p < h * w; p++) { s += x![(b * c + ch) * h * w + p]; cnt++; }
          const m = s / cnt;
          let v = 0;
          for (let b = 0; b < n; b++) for (let p = 0; p < h * w; p++) v += (x![(b * c + ch) * h * w + p] - m) ** 2;
          const r = 1 / Math.sqrt(v / cnt + EPS);
          for (let b = 0; b < n; b++) for (let p = 0; p < h * w; p++) out[(b * c + ch) * h * w + p] = (x![(b * c + ch) * h * w + p] - m) * r;
        }
        break;
      case 'act':
        for (let k = 0; k < out.length; k++) {
          const v = x![k];
          const hs = Math.min(Math.max(v + 3, 0), 6) / 6;
          out[k] = op.fn === 'relu' ? Math.max(v, 0) : op.fn === 'hswish' ? v * hs : op.fn === 'hsigmoid' ? hs : 1 / (1 + Math.exp(-v));
        }
        break;
      case 'avgpool':
      case 'maxpool':
        for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) {
          let s = 0;
          let m = -Infinity;
          let cnt = 0;
          for (let ki = 0; ki < op.kernel; ki++) for (let kj = 0; kj < op.kernel; kj++) {
            const y = i * op.stride - op.padding + ki;
            const z = j * op.stride - op.padding + kj;
            if (y < 0 || z < 0 || y >= xs!.h || z >= xs!.w) { if (op.kind === 'avgpool' && op.countIncludePad) cnt++; continue; }
            const v = x![at(b, ch, y, z)];
            s += v; m = Math.max(m, v); cnt++;
          }
          out[at(b, ch, i, j, node.shape)] = op.kind === 'maxpool' ? m : s / cnt;
        }
        break;
      case 'crop':
        for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) {
          out[at(b, ch, i, j, node.shape)] = x![at(b, ch, i + op.top, j + op.left)];
        }
        break;
      case 'add':
        for (const k of node.inputs) for (let p = 0; p < out.length; p++) out[p] += vals[k][p];
        break;
      case 'mul': {
        const g = vals[node.inputs[1]];
        for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) {
          out[(b * c + ch) * h * w + p] = x![(b * c + ch) * h * w + p] * g[b * c + ch];
        }
        break;
      }
      case 'zero':
        break;
      case 'concat': {
        let off = 0;
        for (const k of node.inputs) {
          const ks = graph.nodes[k].shape;
          for (let b = 0; b < n; b++) for (let ch = 0; ch < ks.c; ch++) for (let p = 0; p < h * w; p++) {
            out[(b * c + off + ch) * h * w + p] = vals[k][(b * ks.c + ch) * h * w + p];
          }
          off += ks.c;
        }
        break;
      }
      case 'globalavgpool':
        for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) {
          let s = 0;
          for (let p = 0; p < xs!.h * xs!.w; p++) s += x![(b * c + ch) * xs!.h * xs!.w + p];
          out[b * c + ch] = s / (xs!.h * xs!.w);
        }
        break;
      case 'linear': {
        const wt = weights.get(node.id)!;
        const inF = xs!.c * xs!.h * xs!.w;
        for (let b = 0; b < n; b++) for (let o = 0; o < c; o++) {
          let s = wt.bias ? wt.bias[o] : 0;
          for (let k = 0; k < inF; k++) s += x![b * inF + k] * wt.weight[o * inF + k];
          out[b * c + o] = s;
        }
        break;
      }
    }
    vals.push(out);
  }
  return vals;
}

/** ||a - b|| / ||b||. */
export function relativeDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let d = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i] - b[i]) ** 2;
    nb += b[i] ** 2;
  }
  return Math.sqrt(d / Math.max(nb, 1e-30));
}

/** Asserts that an engine's output of every listed node is within `tolerance` of the reference. */
export function assertMatchesReference(graph: Graph, got: Map<number, ArrayLike<number>>, ref: Float64Array[], ids: readonly number[], tolerance = 1e-5): void {
  for (const id of ids) {
    const d = relativeDiff(got.get(id)!, ref[id]);
    assert.ok(d < tolerance, `node ${id} ${graph.nodes[id].name}: relative difference ${d}`);
  }
}
