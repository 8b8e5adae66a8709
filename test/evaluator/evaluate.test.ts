// The random-weight estimators end to end on real CIFAR-10 (small subsets).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTrainSplit, channelStats, gather, normalisedBatch } from '../../evaluator/data/cifar10.js';
import { OnnxEngine } from '../../evaluator/backends/onnx/backend.js';
import { TfjsEngine } from '../../evaluator/backends/tfjs/backend.js';
import { Evaluator } from '../../evaluator/evaluate.js';
import { codeNodes } from '../../evaluator/estimators/features.js';
import { initWeights } from '../../evaluator/backends/weights.js';
import { resolveManifest } from '../../search/experiment/load.js';
import type { ExperimentSpec } from '../../search/experiment/spec.js';
import { genomeHash } from '../../search/hash.js';
import { Rng } from '../../search/random.js';
import { spaceByName } from '../../search/spaces/index.js';
import { cifar10Dir, needsCifar } from './cifar-dir.js';
import { relativeDiff } from './reference.js';

const CELL = '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|';
const ALL_NONE = '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|';

function smallSpec(method: string, space = 'nb201'): ExperimentSpec {
  const doc = {
    apiVersion: 'rwenas.dev/v1alpha1',
    kind: 'NASExperiment',
    metadata: { name: 'evaluator-test' },
    spec: {
      searchSpace: { name: space },
      algorithm: { seed: 3 },
      evaluation: { method, dataset: { path: cifar10Dir() }, rwe: { trainSamples: 200, validationSamples: 100, batchSize: 100, classifierEpochs: 10 } },
    },
  };
  return resolveManifest(doc).spec;
}

test('evaluating a genome twice gives identical results, with every stat', needsCifar(), async () => {
  const runs = [];
  for (let k = 0; k < 2; k++) {
    const ev = await Evaluator.create(smallSpec('rwe+naswot'), { engine: 'onnx' });
    runs.push(await ev.evaluate({ trial: 'cell', genome: CELL }));
    await ev.close();
  }
  const [a, b] = runs;
  assert.equal(a.status, 'Succeeded', a.reason);
  assert.deepEqual(a.objectives, b.objectives);
  assert.equal(a.genome, CELL);
  assert.equal(a.trial, 'cell');
  const s = a.stats as Record<string, number | string>;
  assert.deepEqual(
    [s.estimator, s.engine, s.backend, s.images],
    ['rwe+naswot', 'onnx', 'cpu', 364],
  );
  for (const k of ['proxyFlopsPerImage', 'featureSeconds', 'classifierSeconds', 'rweError', 'naswotScore']) assert.equal(typeof s[k], 'number', k);
  assert.equal(s.rweError, (b.stats as Record<string, number>).rweError);
  assert.equal(s.naswotScore, (b.stats as Record<string, number>).naswotScore);
  assert.ok((s.rweError as number) >= 0 && (s.rweError as number) <= 100);
  // RWE with random features still beats chance (90% error) on CIFAR-10.
  assert.ok((s.rweError as number) < 85, `rwe error ${s.rweError}`);
  assert.ok((a.objectives.params ?? 0) > 0 && (a.objectives.flops ?? 0) > (s.proxyFlopsPerImage as number));
});

test('after a bad and a degenerate genome the evaluator still evaluates the next', needsCifar(), async () => {
  const ev = await Evaluator.create(smallSpec('naswot'), { engine: 'onnx' });
  const reports = [];
  for (const genome of ['not-a-genome', ALL_NONE, CELL]) reports.push(await ev.evaluate({ trial: genome, genome }));
  await ev.close();
  // The degenerate cell is a valid evaluation with the worst error, not a failure.
  assert.deepEqual(reports.map((r) => r.status), ['Failed', 'Succeeded', 'Succeeded']);
  assert.match(reports[0].reason!, /nb201 genome: at position 0/);
  assert.match(reports[1].reason!, /degenerate network, recorded with the worst error \(100%\): NASWOT kernel is singular/);
  assert.equal(reports[1].objectives.error, 100);
  assert.ok((reports[1].objectives.params ?? 0) > 0 && (reports[1].objectives.flops ?? 0) > 0, 'its complexity is reported');
  assert.ok(reports[2].objectives.error! > 0 && reports[2].objectives.error! < 100);
});

test('ONNX Runtime and TensorFlow.js agree on the proxy networks of all three spaces', needsCifar(), async () => {
  const set = gather(loadTrainSplit(cifar10Dir()!), Array.from({ length: 8 }, (_, i) => i * 97));
  const batch = normalisedBatch(set, 0, 8, channelStats(set));
  const onnx = await OnnxEngine.create({ threads: 1 });
  const tfjs = await TfjsEngine.create();
  for (const name of ['nb201', 'darts', 'mobilenetv3']) {
    const space = spaceByName(name);
    const genome = space.sample(Rng.seeded(11));
    const canonical = space.serialize(genome);
    const graph = space.build(genome, 'proxy');
    const weights = initWeights(graph, 3, genomeHash(space.name, canonical));
    const nodes = [...new Set([...graph.stageOutputs, ...codeNodes(graph).slice(0, 4)])];
    const a = await onnx.load(graph, weights, nodes);
    const b = await tfjs.load(graph, weights, nodes);
    const oa = await a.run(batch, 8, nodes);
    const ob = await b.run(batch, 8, nodes);
    await a.dispose();
    await b.dispose();
    for (const id of nodes) {
      const d = relativeDiff(ob.get(id)!, oa.get(id)!);
      assert.ok(d < 1e-4, `${name} ${canonical} node ${id} (${graph.nodes[id].name}): relative difference ${d}`);
    }
  }
});
