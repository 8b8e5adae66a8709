// Small hand-built IR graphs that use every op, for the executor tests.
import type { Graph } from '../../search/ir.js';
import { GraphBuilder } from '../../search/spaces/builder.js';
import { Rng } from '../../search/random.js';

/** Every op kind and conv variant (dense, depthwise, dilated + strided, biased, 1x1) on an 8x8 input. */
export function allOpsGraph(): Graph {
  const g = new GraphBuilder({ c: 3, h: 8, w: 8 });
  const c1 = g.conv(0, 'stem', { out: 8, kernel: 3, padding: 1, bias: true });
  const r = g.act(g.bn(c1, 'stem', false), 'relu', 'stem');
  const dw = g.conv(r, 'dil', { out: 8, kernel: 3, stride: 2, padding: 2, dilation: 2, groups: 8 });
  const pw = g.conv(r, 'pw', { out: 8, kernel: 1 });
  const avgEx = g.add({ kind: 'avgpool', kernel: 3, stride: 1, padding: 1, countIncludePad: false }, [r], 'avg_ex');
  const avgIn = g.add({ kind: 'avgpool', kernel: 3, stride: 1, padding: 1, countIncludePad: true }, [r], 'avg_in');
  const mx = g.add({ kind: 'maxpool', kernel: 3, stride: 2, padding: 1, countIncludePad: false }, [r], 'max');
  const sum = g.add({ kind: 'add' }, [pw, avgEx, avgIn], 'sum3');
  const crop = g.add({ kind: 'crop', top: 1, left: 1 }, [sum], 'crop');
  const fr = g.conv(crop, 'fr', { out: 8, kernel: 1, stride: 2 });
  const cat = g.add({ kind: 'concat' }, [dw, mx, fr], 'cat');
  const hs = g.act(cat, 'hswish', 'cat');
  const pool = g.add({ kind: 'globalavgpool' }, [hs], 'se/pool');
  const gate = g.act(g.conv(pool, 'se', { out: 24, kernel: 1, bias: true }), 'hsigmoid', 'se');
  const se = g.add({ kind: 'mul' }, [hs, gate], 'se/mul');
  const sg = g.act(se, 'sigmoid', 'sig');
  const z = g.add({ kind: 'zero' }, [sg], 'zero');
  const last = g.bn(g.add({ kind: 'add' }, [sg, z], 'addz'), 'last');
  return g.finish(g.classifier(last, 10), [sum, last]);
}

export function randomImages(n: number, shape: { c: number; h: number; w: number }, seed: number): Float32Array {
  const rng = Rng.seeded(seed);
  const x = new Float32Array(n * shape.c * shape.h * shape.w);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  return x;
}
