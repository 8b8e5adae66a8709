// The forward-only zero-cost proxies (evaluator/estimators/proxies) on real CIFAR-10: stable
// per trial, the ONNX route (in-model extras) against whole tensors from the tfjs engine, an
// independent NumPy reference (bench/proxies_reference.py) on the same tensors, and a strong
// NB201 cell against degenerate ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { genomeHash } from '../../search/hash.js';
import type { Graph } from '../../search/ir.js';
import { spaceByName } from '../../search/spaces/index.js';
import type { InferenceEngine as Engine } from '../../evaluator/backends/backend.js';
import { OnnxEngine } from '../../evaluator/backends/onnx/backend.js';
import { TfjsEngine } from '../../evaluator/backends/tfjs/backend.js';
import { initWeights } from '../../evaluator/backends/weights.js';
import { FORWARD_PROXIES, ForwardProxyProbe, scoresFromTensors, tensorNodes, zenWeights, type ForwardScores } from '../../evaluator/estimators/proxies/forward.js';
import { preGapNode } from '../../evaluator/estimators/proxies/zen.js';
import { cifar10Dir, needsCifar } from './cifar-dir.js';

const GOOD = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';
const MIXED = '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|';
const ALL_POOL = '|avg_pool_3x3~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|avg_pool_3x3~0|avg_pool_3x3~1|avg_pool_3x3~2|';
const ALL_SKIP = '|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|';
const BATCH = 16;
const nb201 = spaceByName('nb201');

let onnx: OnnxEngine | undefined;
async function probe(seed: number, batch = BATCH): Promise<ForwardProxyProbe> {
  onnx ??= await OnnxEngine.create({ threads: 1, cuda: false });
  return ForwardProxyProbe.create({ dataset: cifar10Dir()!, seed, batch, engine: onnx });
}

function cell(text: string): { graph: Graph; hash: string } {
  const g = nb201.parse(text);
  return { graph: nb201.build(g, 'proxy'), hash: genomeHash('nb201', nb201.serialize(g)) };
}

/** Whole node tensors of the He pass and the two Zen passes, from a plain engine.load. */
async function tensors(engine: Engine, p: ForwardProxyProbe, graph: Graph, hash: string, seed: number) {
  const nodes = tensorNodes(graph);
  const n = p.options.batch;
  const he = await engine.load(graph, initWeights(graph, seed, hash), nodes.he);
  const zen = await engine.load(graph, zenWeights(graph, seed, hash), nodes.zen);
  try {
    return { n, he: await he.run(p.images, n, nodes.he), zenX: await zen.run(p.noise, n, nodes.zen), zenMixed: await zen.run(p.noiseMixed, n, nodes.zen) };
  } finally {
    await he.dispose();
    await zen.dispose();
  }
}

/** Relative agreement, with an absolute floor for scores near 0 (progressivity, MeCo). */
function assertClose(actual: ForwardScores, expected: ForwardScores, rel: number, what: string): void {
  for (const k of FORWARD_PROXIES) {
    const a = actual[k];
    const e = expected[k];
    assert.ok(Number.isFinite(a) && Number.isFinite(e), `${what}: ${k} not finite (${a} vs ${e})`);
    assert.ok(Math.abs(a - e) <= rel * Math.max(1, Math.abs(e)), `${what}: ${k} = ${a}, expected ${e} (tolerance ${rel} relative)`);
  }
}

test('forward proxies are identical twice for one trial, and differ with the seed', needsCifar(), async () => {
  const { graph, hash } = cell(MIXED);
  const a = await (await probe(1)).measure(graph, hash);
  const b = await (await probe(1)).measure(graph, hash);
  assert.deepEqual(b.scores, a.scores);
  const c = await (await probe(2)).measure(graph, hash);
  for (const k of FORWARD_PROXIES) assert.notEqual(c.scores[k], a.scores[k], `${k} does not depend on the seed`);
});

test('the ONNX extras (first images, moments, BN variances) match whole tensors of the same engine', needsCifar(), async () => {
  const p = await probe(1);
  for (const text of [GOOD, MIXED]) {
    const { graph, hash } = cell(text);
    const t = await tensors(onnx!, p, graph, hash, 1);
    assertClose((await p.measure(graph, hash)).scores, scoresFromTensors(graph, t.n, t.he, t.zenX, t.zenMixed), 1e-4, `onnx ${text}`);
  }
});

test('the tfjs route agrees with the ONNX route on the same weights and images', needsCifar(), async () => {
  const p = await probe(1);
  const tfjs = await TfjsEngine.create();
  for (const text of [GOOD, MIXED]) {
    const { graph, hash } = cell(text);
    const t = await tensors(tfjs, p, graph, hash, 1);
    // Engines differ in float rounding: a few ReLU codes near 0 may flip (NASWOT, SWAP).
    assertClose(scoresFromTensors(graph, t.n, t.he, t.zenX, t.zenMixed), (await p.measure(graph, hash)).scores, 2e-3, `tfjs ${text}`);
  }
});

function numpyAvailable(): boolean {
  return spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
}

test('an independent NumPy reference agrees on the check cells', { skip: needsCifar().skip || (numpyAvailable() ? false : process.env.CI === 'true' ? false : 'python3 with numpy not available') }, async () => {
  const p = await probe(1);
  for (const text of [GOOD, MIXED, ALL_POOL]) {
    const { graph, hash } = cell(text);
    const t = await tensors(onnx!, p, graph, hash, 1);
    const dir = mkdtempSync(join(tmpdir(), 'rwenas-proxies-'));
    try {
      const entry = (name: string, id: number, data: Float32Array) => {
        const s = graph.nodes[id].shape;
        writeFileSync(join(dir, name), data);
        return { file: name, shape: [t.n, s.c, s.h, s.w] };
      };
      const he = Object.fromEntries([...t.he].map(([id, v]) => [id, entry(`he${id}.f32`, id, v)]));
      const zen = Object.fromEntries([...t.zenX].map(([id, v]) => [id, entry(`zen${id}.f32`, id, v)]));
      const f = preGapNode(graph);
      const bnInputs = graph.nodes.filter((x) => x.op.kind === 'batchnorm').map((x) => x.inputs[0]);
      const { codeNodes } = await import('../../evaluator/estimators/features.js');
      const { blockOutputs, mecoNodes } = await import('../../evaluator/estimators/proxies/forward.js');
      const manifest = {
        he,
        zen,
        codes: codeNodes(graph),
        layers: mecoNodes(graph),
        blocks: blockOutputs(graph),
        preGap: f,
        preGapMixed: entry('zenmixed.f32', f, t.zenMixed.get(f)!),
        bnInputs,
      };
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
      const run = spawnSync('python3', [join('bench', 'proxies_reference.py'), dir], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      const reference = JSON.parse(run.stdout) as ForwardScores;
      assertClose((await p.measure(graph, hash)).scores, reference, 1e-4, `numpy ${text}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('a strong NB201 cell scores above degenerate ones on every forward proxy, on two seeds', needsCifar(), async () => {
  for (const seed of [1, 2]) {
    const p = await probe(seed, 64);
    const good = (await p.measure(cell(GOOD).graph, cell(GOOD).hash)).scores;
    for (const bad of [ALL_POOL, ALL_SKIP]) {
      const s = (await p.measure(cell(bad).graph, cell(bad).hash)).scores;
      for (const k of FORWARD_PROXIES) {
        assert.ok(good[k] > s[k], `seed ${seed}: ${k} of the strong cell (${good[k]}) is not above ${bad} (${s[k]})`);
      }
    }
  }
});
