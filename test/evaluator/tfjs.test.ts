import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TfjsEngine } from '../../evaluator/backends/tfjs/backend.js';
import { initWeights } from '../../evaluator/backends/weights.js';
import { allOpsGraph, randomImages } from './graphs.js';
import { assertMatchesReference, referenceForward } from './reference.js';

test('TensorFlow.js executor matches the reference interpreter on every op', async () => {
  const g = allOpsGraph();
  const w = initWeights(g, 1, 'abcdef0123456789');
  const n = 4;
  const x = randomImages(n, g.inputShape, 3);
  const ref = referenceForward(g, w, x, n);
  const engine = await TfjsEngine.create();
  assert.ok(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'].includes(engine.backend), engine.backend);
  const outputs = g.nodes.map((nd) => nd.id).filter((id) => id > 0);
  const runner = await engine.load(g, w, outputs);
  try {
    const got = await runner.run(x, n, outputs);
    assertMatchesReference(g, got, ref, outputs);
  } finally {
    await runner.dispose();
  }
});
