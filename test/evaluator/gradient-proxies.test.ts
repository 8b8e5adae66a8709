// The gradient-based proxies (evaluator/estimators/proxies/) on real CIFAR-10, and the parts
// they are built from: convolution and max-pool gradients against tfjs's CPU kernels, the
// eigenvalue routine, the block layout, the scores' degenerate cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../evaluator/backends/tfjs/backend.js';
import { GradientProbe, GRADIENT_PROXIES } from '../../evaluator/estimators/proxies/gradient-probe.js';
import { blockFeatures } from '../../evaluator/estimators/proxies/blocks.js';
import { differentiableConv, type ConvGeometry } from '../../evaluator/estimators/proxies/conv-grad.js';
import { DifferentiableNetwork } from '../../evaluator/estimators/proxies/differentiable.js';
import { jacobCovScore } from '../../evaluator/estimators/proxies/jacob-cov.js';
import { largestSingularValue, symmetricEigenvalues } from '../../evaluator/estimators/proxies/linalg.js';
import { zicoScore } from '../../evaluator/estimators/proxies/zico.js';
import { initWeights } from '../../evaluator/backends/weights.js';
import { Rng } from '../../search/random.js';
import { spaceByName } from '../../search/spaces/index.js';
import { cifar10Dir, needsCifar } from './cifar-dir.js';

// Three 3x3 convolutions on every path: a strong NB201 cell (~93.8% trained accuracy).
const GOOD = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';
// Degenerate cells: pooling only; nothing at all.
const ALL_POOL = '|avg_pool_3x3~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|avg_pool_3x3~0|avg_pool_3x3~1|avg_pool_3x3~2|';
const NONE = '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|';
// The identity cell: node 3 = node 2 = node 1 = the cell input.
const IDENTITY = '|skip_connect~0|+|none~0|skip_connect~1|+|none~0|none~1|skip_connect~2|';

const nb201 = spaceByName('nb201');
const darts = spaceByName('darts');

test('gradient proxies: identical twice on real CIFAR-10, and from a second probe of the same seed', needsCifar(), async () => {
  const a = GradientProbe.create(cifar10Dir()!, 5, { batchSize: 16 });
  const first = await a.measureGenome(nb201, GOOD, GRADIENT_PROXIES);
  const held = tf.memory().numTensors;
  const second = await a.measureGenome(nb201, GOOD, GRADIENT_PROXIES);
  assert.equal(tf.memory().numTensors, held, 'a measurement leaves no tensors behind');
  const other = await GradientProbe.create(cifar10Dir()!, 5, { batchSize: 16 }).measureGenome(nb201, GOOD, GRADIENT_PROXIES);
  assert.deepEqual(second.scores, first.scores);
  assert.deepEqual(other.scores, first.scores);
  for (const p of GRADIENT_PROXIES) assert.ok(Number.isFinite(first.scores[p]), `${p}: ${first.scores[p]}`);
  // Another seed draws other weights and images: the scores move.
  const reseeded = await GradientProbe.create(cifar10Dir()!, 6, { batchSize: 16 }).measureGenome(nb201, GOOD, GRADIENT_PROXIES);
  for (const p of GRADIENT_PROXIES) assert.notEqual(reseeded.scores[p], first.scores[p], p);
});

test('gradient proxies: a strong NB201 cell scores above degenerate ones, on two seeds', needsCifar(), async () => {
  for (const seed of [1, 2]) {
    const probe = GradientProbe.create(cifar10Dir()!, seed);
    const m = [];
    for (const g of [GOOD, ALL_POOL, NONE]) m.push(await probe.measureGenome(nb201, g, GRADIENT_PROXIES));
    for (const p of GRADIENT_PROXIES) {
      const [s, sp, sn] = m.map((r) => r.scores[p]!);
      assert.ok(s > sp, `seed ${seed}, ${p}: strong ${s} not above all-pool ${sp}`);
      assert.ok(s > sn, `seed ${seed}, ${p}: strong ${s} not above all-none ${sn}`);
      for (const v of [s, sp, sn]) assert.ok(Number.isFinite(v), `seed ${seed}, ${p}: ${v}`);
    }
  }
});

test('az_trainability: the identity cell scores as low as a block that passes nothing, and finite', needsCifar(), async () => {
  const probe = GradientProbe.create(cifar10Dir()!, 1, { batchSize: 16 });
  const id = await probe.measureGenome(nb201, IDENTITY, ['az_trainability']);
  const good = await probe.measureGenome(nb201, GOOD, ['az_trainability']);
  assert.ok(Number.isFinite(id.scores.az_trainability!));
  // 3 identity cells out of 5 blocks, each at sigma = 0's score (-1e6 + 2).
  assert.ok(id.scores.az_trainability! < -5e5, String(id.scores.az_trainability));
  assert.ok(good.scores.az_trainability! > -10, String(good.scores.az_trainability));
});

test('blockFeatures: NB201 stem + one output per cell and reduction block; an identity cell repeats its input; DARTS one per cell', () => {
  const good = nb201.build(nb201.parse(GOOD), 'proxy');
  const f = blockFeatures(good, { space: 'nb201', cellsPerStage: 1 });
  assert.equal(f.length, 6);
  assert.equal(good.nodes[f[0]].name, 'stem/bn');
  assert.equal(new Set(f).size, 6, 'six distinct feature maps');
  assert.deepEqual([f[1], f[3], f[5]].map((id) => good.nodes[id].shape.c), [16, 32, 64]);
  const id = nb201.build(nb201.parse(IDENTITY), 'proxy');
  const fi = blockFeatures(id, { space: 'nb201', cellsPerStage: 1 });
  assert.equal(fi[1], fi[0], 'the first cell is the identity');
  assert.equal(fi[3], fi[2]);
  assert.equal(fi[5], fi[4]);
  const five = nb201.build(nb201.parse(GOOD), 'proxy', { cells: 5 });
  assert.equal(blockFeatures(five, { space: 'nb201', cellsPerStage: 5 }).length, 18);
  const d = darts.build(darts.sample(Rng.seeded(1)), 'proxy');
  const fd = blockFeatures(d, { space: 'darts' });
  assert.equal(fd.length, 9);
  assert.ok(fd.slice(1).every((x) => /^cell\d+r?\/concat$/.test(d.nodes[x].name)));
  assert.throws(() => blockFeatures(d, { space: 'mobilenetv3' }), /mobilenetv3 has no block layout/);
});

async function onCpu<T>(f: () => T): Promise<T> {
  const before = tf.getBackend();
  await tf.setBackend('cpu');
  try {
    return f();
  } finally {
    await tf.setBackend(before);
  }
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return d / s;
}

test('differentiableConv: input and filter gradients equal tfjs CPU kernels (dense and depthwise, strides, padding, dilation)', async () => {
  await initBackend();
  const cases: ConvGeometry[] = [
    { kernel: 3, stride: 1, padding: 1, dilation: 1, depthwise: false },
    { kernel: 3, stride: 2, padding: 1, dilation: 1, depthwise: false },
    { kernel: 1, stride: 2, padding: 0, dilation: 1, depthwise: false },
    { kernel: 3, stride: 2, padding: 1, dilation: 1, depthwise: true },
    { kernel: 3, stride: 1, padding: 1, dilation: 1, depthwise: true },
    { kernel: 5, stride: 2, padding: 2, dilation: 1, depthwise: true },
  ];
  const pad = (x: tf.Tensor4D, p: number) => tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]);
  for (const g of cases) {
    const conv = (x: tf.Tensor4D, w: tf.Tensor4D) => g.depthwise
      ? tf.depthwiseConv2d(pad(x, g.padding), w, g.stride, 'valid', 'NHWC', g.dilation)
      : tf.conv2d(pad(x, g.padding), w, g.stride, 'valid', 'NHWC', g.dilation);
    const x = tf.randomNormal([2, 9, 9, 4], 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal([g.kernel, g.kernel, 4, g.depthwise ? 2 : 6], 0, 1, 'float32', 2) as tf.Tensor4D;
    const mine = differentiableConv(g, conv);
    const dy = tf.randomNormal(mine(x, w).shape, 0, 1, 'float32', 3);
    const loss = (f: typeof conv) => (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D), dy));
    const got = tf.grads(loss(mine))([x, w]).map((t) => t.dataSync());
    const want = await onCpu(() => tf.grads(loss(conv))([x, w]).map((t) => t.dataSync()));
    assert.ok(maxRelDiff(got[0], want[0]) < 1e-5, `${JSON.stringify(g)}: input gradient off by ${maxRelDiff(got[0], want[0])}`);
    assert.ok(maxRelDiff(got[1], want[1]) < 1e-5, `${JSON.stringify(g)}: filter gradient off by ${maxRelDiff(got[1], want[1])}`);
  }
});

test('the differentiable lowering: max-pool gradients equal tfjs CPU kernels (WASM MaxPoolGrad routes them wrongly)', async () => {
  await initBackend();
  const graph = darts.build(darts.parse(JSON.stringify({
    normal: [['max_pool_3x3', 0], ['max_pool_3x3', 1], ['max_pool_3x3', 0], ['max_pool_3x3', 2], ['max_pool_3x3', 1], ['max_pool_3x3', 3], ['max_pool_3x3', 0], ['max_pool_3x3', 4]],
    normal_concat: [2, 3, 4, 5],
    reduce: [['max_pool_3x3', 0], ['max_pool_3x3', 1], ['max_pool_3x3', 0], ['max_pool_3x3', 2], ['max_pool_3x3', 1], ['max_pool_3x3', 3], ['max_pool_3x3', 0], ['max_pool_3x3', 4]],
    reduce_concat: [2, 3, 4, 5],
  })), 'proxy', { cells: 3, channels: 4 });
  const net = await DifferentiableNetwork.create(graph, initWeights(graph, 1, 'max-pool-test'));
  const images = Float32Array.from({ length: 4 * 3 * 32 * 32 }, (_, i) => Math.sin(i * 0.731) * 2);
  const grad = () => tf.tidy(() => tf.grad((x: tf.Tensor) => {
    const values = new Map([[0, x as tf.Tensor4D]]);
    net.run(values, net.span([graph.output]), 'batch');
    const out = values.get(graph.output)!;
    return tf.sum(tf.mul(out, tf.linspace(-1, 1, out.size).reshape(out.shape)));
  })(net.input(images, 4)).dataSync());
  const got = grad();
  // The CPU backend's own maxPool gradient, through the executor's forward (tf.maxPool).
  const want = await onCpu(() => tf.tidy(() => tf.grad((x: tf.Tensor) => {
    const values = new Map([[0, x as tf.Tensor4D]]);
    for (const id of net.span([graph.output])) {
      const node = graph.nodes[id];
      const ins = node.inputs.map((j) => values.get(j)!);
      values.set(id, node.op.kind === 'maxpool' ? cpuMaxPool(ins[0], node.op.kernel, node.op.stride, node.op.padding) : net.evaluate(node, ins, 'batch'));
    }
    const out = values.get(graph.output)!;
    return tf.sum(tf.mul(out, tf.linspace(-1, 1, out.size).reshape(out.shape)));
  })(net.input(images, 4)).dataSync()));
  net.dispose();
  assert.ok(graph.nodes.filter((n) => n.op.kind === 'maxpool').length >= 8);
  assert.ok(maxRelDiff(got, want) < 1e-4, `max-pool network input gradient off by ${maxRelDiff(got, want)}`);
});

function cpuMaxPool(x: tf.Tensor4D, k: number, s: number, p: number): tf.Tensor4D {
  return tf.maxPool(p > 0 ? tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], -Infinity) : x, k, s, 'valid');
}

test('symmetricEigenvalues and largestSingularValue: known spectra', () => {
  // Q diag(3, -1, 0.5) Qᵀ with Q a rotation.
  const c = Math.cos(0.7);
  const s = Math.sin(0.7);
  const q = [c, -s, 0, s, c, 0, 0, 0, 1];
  const d = [3, -1, 0.5];
  const a = new Float64Array(9);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) a[i * 3 + j] += q[i * 3 + k] * d[k] * q[j * 3 + k];
  const ev = symmetricEigenvalues(a, 3);
  [-1, 0.5, 3].forEach((v, i) => assert.ok(Math.abs(ev[i] - v) < 1e-12, `eigenvalue ${i}: ${ev[i]} vs ${v}`));
  // [[3, 0], [4, 5]] has singular values sqrt(45) and sqrt(5); also as its 2x1 and 1x2 slices.
  assert.ok(Math.abs(largestSingularValue([3, 0, 4, 5], 2, 2) - Math.sqrt(45)) < 1e-12);
  assert.ok(Math.abs(largestSingularValue([3, 4], 2, 1) - 5) < 1e-12);
  assert.ok(Math.abs(largestSingularValue([3, 4], 1, 2) - 5) < 1e-12);
  assert.throws(() => symmetricEigenvalues([1, 2, 3], 2), /expected 4 entries/);
});

test('jacobCovScore: uncorrelated rows score highest, a row without variance gets the rank-one floor', () => {
  // Orthogonal zero-mean rows: C = I, score = -n (log(1 + k) + 1/(1 + k)).
  const rows = [1, -1, 1, -1, 1, 1, -1, -1];
  const k = 1e-5;
  assert.ok(Math.abs(jacobCovScore(rows, 2, 4) + 2 * (Math.log(1 + k) + 1 / (1 + k))) < 1e-9);
  const floor = -(Math.log(2 + k) + 1 / (2 + k)) - (Math.log(k) + 1 / k);
  assert.ok(Math.abs(jacobCovScore([1, -1, 1, -1, 0, 0, 0, 0], 2, 4) - floor) < 1e-6);
  // Identical rows: C has rank one, the same floor.
  assert.ok(Math.abs(jacobCovScore([1, -1, 2, 0, 1, -1, 2, 0], 2, 4) - floor) < 1e-3);
});

test('zicoScore: log of the layer sums of mean|g| / std(g) over batches, zero-std weights and empty layers left out', () => {
  // Layer 1: weights (g over 2 batches) (1, 3) -> mean|g| 2, std 1; (2, 2) -> std 0, left out.
  // Layer 2: all zero -> left out.
  const s = zicoScore([[[1, 2], [3, 2]], [[0, 0], [0, 0]]]);
  assert.ok(Math.abs(s - Math.log(2)) < 1e-12, String(s));
  // Layer with (-1, 3): mean|g| 2, std 2 -> 1; total log(2) + log(1).
  assert.ok(Math.abs(zicoScore([[[1], [3]], [[-1], [3]]]) - Math.log(2)) < 1e-12);
});
