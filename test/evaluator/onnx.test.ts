import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OnnxEngine } from '../../evaluator/backends/onnx/backend.js';
import { initWeights } from '../../evaluator/backends/weights.js';
import { allOpsGraph, randomImages } from './graphs.js';
import { assertMatchesReference, referenceForward } from './reference.js';

test('weights: seeded by (experiment seed, genome hash), He-normal scale', () => {
  const g = allOpsGraph();
  const a = initWeights(g, 7, '0123456789abcdef');
  const b = initWeights(g, 7, '0123456789abcdef');
  const c = initWeights(g, 8, '0123456789abcdef');
  const d = initWeights(g, 7, 'fedcba9876543210');
  assert.deepEqual([...a.keys()], [...b.keys()]);
  for (const [id, w] of a) assert.deepEqual(w.weight, b.get(id)!.weight);
  assert.notDeepEqual(a.get(1)!.weight, c.get(1)!.weight);
  assert.notDeepEqual(a.get(1)!.weight, d.get(1)!.weight);
  // The 1x1 conv on 8 channels has fan-in 8: std sqrt(2/8) = 0.5.
  const pw = [...a.entries()].find(([id]) => g.nodes[id].name === 'pw/conv')![1].weight;
  const std = Math.sqrt(pw.reduce((s, v) => s + v * v, 0) / pw.length);
  assert.ok(Math.abs(std - 0.5) < 0.15, `std ${std}`);
  assert.deepEqual(a.get(1)!.bias, new Float32Array(8));
});

test('ONNX Runtime executor matches the reference interpreter on every op', async () => {
  const g = allOpsGraph();
  const w = initWeights(g, 1, 'abcdef0123456789');
  const n = 4;
  const x = randomImages(n, g.inputShape, 3);
  const ref = referenceForward(g, w, x, n);
  const engine = await OnnxEngine.create({ threads: 1 });
  assert.equal(engine.backend, 'cpu');
  const outputs = g.nodes.map((nd) => nd.id).filter((id) => id > 0);
  const runner = await engine.load(g, w, outputs);
  try {
    const got = await runner.run(x, n, outputs);
    assertMatchesReference(g, got, ref, outputs);
    // Fetching a subset returns just that subset, with the same values.
    const some = await runner.run(x, n, [g.stageOutputs[1]]);
    assert.deepEqual([...some.keys()], [g.stageOutputs[1]]);
    assert.deepEqual(some.get(g.stageOutputs[1]), got.get(g.stageOutputs[1]));
  } finally {
    await runner.dispose();
  }
});

test('batch norm uses the batch statistics: per-channel mean 0, variance 1 over N, H, W', async () => {
  const g = allOpsGraph();
  const engine = await OnnxEngine.create({ threads: 1 });
  const bn = g.nodes.find((nd) => nd.name === 'stem/bn')!;
  const runner = await engine.load(g, initWeights(g, 1, 'abcdef0123456789'), [bn.id]);
  const n = 3;
  const out = (await runner.run(randomImages(n, g.inputShape, 5), n, [bn.id])).get(bn.id)!;
  await runner.dispose();
  const { c, h, w } = bn.shape;
  for (let ch = 0; ch < c; ch++) {
    let s = 0, s2 = 0;
    for (let b = 0; b < n; b++) for (let p = 0; p < h * w; p++) { const v = out[(b * c + ch) * h * w + p]; s += v; s2 += v * v; }
    const m = s / (n * h * w);
    assert.ok(Math.abs(m) < 1e-5 && Math.abs(s2 / (n * h * w) - m * m - 1) < 1e-3, `channel ${ch}: mean ${m}`);
  }
});
