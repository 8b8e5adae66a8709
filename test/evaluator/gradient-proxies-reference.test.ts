// The gradient-based proxies against their independent reference, bench/grad_proxies_reference.py
// (JAX autodiff, float64, each formula as its authors' code writes it), on the same weights,
// real CIFAR-10 batches and AZ-NAS sign tensors. Needs Python with JAX
// (pip install -r bench/requirements-reference.txt): skipped with a message outside CI when
// absent, a failure in CI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { referencePython, runReference, writeFixture } from '../../bench/lib/proxy-fixture.js';
import { azTrainability, rademacher } from '../../evaluator/estimators/proxies/az-trainability.js';
import { GradientProbe, GRADIENT_PROXIES, measureProxies } from '../../evaluator/estimators/proxies/gradient-probe.js';
import { Rng } from '../../search/random.js';
import type { NetworkOptions, SearchSpace } from '../../search/space.js';
import { spaceByName } from '../../search/spaces/index.js';
import { cifar10Dir } from './cifar-dir.js';

const py = referencePython();
if (!py.ok && process.env.CI === 'true') throw new Error(`the proxies' reference is required in CI: ${py.why}`);
const skip = !cifar10Dir() ? 'CIFAR-10 not available' : !py.ok ? py.why : false;

// Relative tolerances: float32 (tfjs) against float64. ZiCo's sum of mean|g|/std(g) over two
// batches is dominated by its few weights whose two gradients nearly agree, where float32's
// rounding moves the ratio most: it agrees to ~1% where the others agree to ~1e-6.
const TOLERANCE = { synflow: 1e-5, jacob_cov: 1e-4, az_trainability: 1e-4, zico: 3e-2 } as const;

async function check(space: SearchSpace, genome: string, dir: string, name: string, options?: NetworkOptions, batchSize = 16): Promise<void> {
  const probe = GradientProbe.create(cifar10Dir()!, 3, { batchSize });
  const net = probe.network(space, genome, options);
  const ours = await measureProxies(net, probe.batches, GRADIENT_PROXIES);
  // The same signs as the probe's AZ-NAS run, recorded for the reference.
  const byPair = new Map<number, Float32Array>();
  const signs = rademacher(Rng.seeded(...net.signSeed));
  const az = await azTrainability(net.graph, net.weights, probe.batches[0], net.layout, (pair, shape) => {
    const s = signs(pair, shape);
    byPair.set(pair, s);
    return s;
  });
  assert.equal(az, ours.scores.az_trainability, 'the recorded signs are the probe\'s');
  writeFixture(dir, name, net, probe.batches, { byPair });
  const ref = runReference(py.python, dir, name, GRADIENT_PROXIES);
  for (const p of GRADIENT_PROXIES) {
    const mine = ours.scores[p]!;
    const theirs = ref[p];
    assert.ok(theirs !== null && Number.isFinite(theirs), `${name} ${p}: reference gave ${theirs}`);
    const rel = Math.abs(mine - theirs) / Math.max(Math.abs(theirs), 1e-12);
    assert.ok(rel < TOLERANCE[p], `${name} ${p}: ${mine} vs reference ${theirs} (relative ${rel.toExponential(2)}, tolerance ${TOLERANCE[p]})`);
  }
}

test('gradient proxies agree with the independent JAX reference on NB201 check cells (real CIFAR-10)', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rwenas-proxy-ref-'));
  try {
    const nb201 = spaceByName('nb201');
    await check(nb201, '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|', dir, 'good');
    await check(nb201, '|nor_conv_1x1~0|+|avg_pool_3x3~0|skip_connect~1|+|none~0|nor_conv_3x3~1|avg_pool_3x3~2|', dir, 'mixed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('gradient proxies agree with the independent JAX reference on a DARTS architecture (small proxy: every op kind, reduction cells)', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rwenas-proxy-ref-'));
  try {
    const darts = spaceByName('darts');
    // Sep, dilated and pooling ops in both cells, at strides 1 and 2.
    const genotype = {
      normal: [['sep_conv_3x3', 0], ['dil_conv_5x5', 1], ['max_pool_3x3', 0], ['skip_connect', 2], ['avg_pool_3x3', 1], ['sep_conv_5x5', 3], ['dil_conv_3x3', 2], ['max_pool_3x3', 4]],
      normal_concat: [2, 3, 4, 5],
      reduce: [['max_pool_3x3', 0], ['dil_conv_3x3', 1], ['sep_conv_5x5', 0], ['skip_connect', 1], ['avg_pool_3x3', 0], ['dil_conv_5x5', 2], ['sep_conv_3x3', 3], ['skip_connect', 4]],
      reduce_concat: [2, 3, 4, 5],
    };
    await check(darts, JSON.stringify(genotype), dir, 'darts', { cells: 3, channels: 8 }, 8);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
