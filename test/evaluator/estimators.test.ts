import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../search/random.js';
import { poolInto, type Codes } from '../../evaluator/estimators/features.js';
import { logAbsDet, naswotError, naswotKernel, naswotScore } from '../../evaluator/estimators/naswot.js';
import { errorPercent, rweError, standardise, trainSoftmax } from '../../evaluator/estimators/rwe.js';

function pack(rows: number[][]): Codes {
  const units = rows[0].length;
  const words = Math.ceil(units / 32);
  const bits = new Uint32Array(rows.length * words);
  rows.forEach((r, i) => r.forEach((b, u) => { if (b) bits[i * words + (u >>> 5)] |= 1 << (u & 31); }));
  return { bits, n: rows.length, units, words };
}

test('NASWOT kernel = c·cᵀ + (1-c)·(1-c)ᵀ, over more than one 32-bit word', () => {
  const rng = Rng.seeded(4);
  const rows = Array.from({ length: 5 }, () => Array.from({ length: 70 }, () => rng.int(2)));
  const k = naswotKernel(pack(rows));
  for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) {
    let s = 0;
    for (let u = 0; u < 70; u++) s += rows[i][u] * rows[j][u] + (1 - rows[i][u]) * (1 - rows[j][u]);
    assert.equal(k[i * 5 + j], s);
  }
});

test('log-determinant: known values, singular kernels, and the error transform', () => {
  // det [[4,2],[2,3]] = 8; a permutation needs pivoting.
  assert.ok(Math.abs(logAbsDet(Float64Array.from([4, 2, 2, 3]), 2) - Math.log(8)) < 1e-12);
  assert.ok(Math.abs(logAbsDet(Float64Array.from([0, 2, 3, 0]), 2) - Math.log(6)) < 1e-12);
  const dup = pack([[1, 0, 1], [1, 0, 1], [0, 1, 1]]);
  assert.equal(naswotScore(dup), -Infinity);
  assert.throws(() => naswotError(-Infinity, 3), /singular/);
  // Distinct codes score higher than nearly identical ones; the error orders them the other way.
  const distinct = naswotScore(pack([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]));
  const similar = naswotScore(pack([[1, 0, 0, 0], [1, 1, 0, 0], [1, 0, 1, 0]]));
  assert.ok(distinct > similar);
  assert.ok(naswotError(distinct, 3) < naswotError(similar, 3));
  assert.ok(Math.abs(naswotError(0, 64) - 100) < 1e-12);
});

test('adaptive pooling follows PyTorch bins', () => {
  // One 3x3 map 0..8 pooled to 2x2: bins rows/cols [0,2) and [1,3).
  const map = Float32Array.from({ length: 9 }, (_, i) => i);
  const out = new Float32Array(4);
  poolInto(map, 1, 1, 3, 3, 2, out, 4, 0);
  assert.deepEqual([...out], [2, 3, 5, 6]);
  const g = new Float32Array(1);
  poolInto(map, 1, 1, 3, 3, 1, g, 1, 0);
  assert.equal(g[0], 4);
});

function blobs(n: number, dim: number, rng: Rng, separation: number): { x: Float64Array; y: Uint8Array } {
  const centres = Array.from({ length: 10 }, () => Array.from({ length: dim }, () => rng.normal() * separation));
  const x = new Float64Array(n * dim);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 10;
    for (let d = 0; d < dim; d++) x[i * dim + d] = centres[y[i]][d] + rng.normal();
  }
  return { x, y };
}

const fm = (x: Float64Array, n: number) => ({ data: Float32Array.from(x), n, dim: 16 });

test('softmax classifier: learns separable classes, chance on noise, deterministic', () => {
  const opts = { epochs: 15, l2: 1e-4, learningRate: 0.01, batchSize: 64, classes: 10 };
  const rng = Rng.seeded(9);
  const tr = blobs(600, 16, rng, 3);
  const va = blobs(300, 16, Rng.seeded(9), 3);
  const model = trainSoftmax(tr.x, tr.y, 600, 16, opts, Rng.seeded(1));
  assert.ok(errorPercent(model, va.x, va.y, 300) < 5);
  const a = rweError(fm(tr.x, 600), tr.y, fm(va.x, 300), va.y, opts, Rng.seeded(2));
  const b = rweError(fm(tr.x, 600), tr.y, fm(va.x, 300), va.y, opts, Rng.seeded(2));
  assert.equal(a, b);
  const noise = blobs(600, 16, Rng.seeded(5), 0);
  const noiseVal = blobs(300, 16, Rng.seeded(6), 0);
  const e = rweError(fm(noise.x, 600), noise.y, fm(noiseVal.x, 300), noiseVal.y, opts, Rng.seeded(2));
  assert.ok(e > 75, `error on noise ${e}`);
});

test('standardisation uses the train statistics for both sets', () => {
  const train = { data: Float32Array.from([1, 5, 3, 5]), n: 2, dim: 2 };
  const other = { data: Float32Array.from([2, 7]), n: 1, dim: 2 };
  const [t, o] = standardise(train, other);
  assert.deepEqual([...t], [-1, 0, 1, 0]);
  assert.deepEqual([...o], [0, 0]);
});
