// `rwenas export` black-box on real genomes of each space (a NAS-Bench-201 cell from its
// table, a NAS-Bench-301 genotype, a MobileNetV3 genome) and on a real local run; then the
// written files are checked independently: ONNX Runtime on real CIFAR-10 images against the
// evaluator's lowering, the TF.js files against ONNX Runtime, parameter counts (rwenas, TF.js,
// model.py's syntax tree), ONNX names/shapes/opset, Python syntax, the README.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import onnxProto from 'onnx-proto';
import { agreement, type Batch } from '../../evaluator/export/agreement.js';
import { AGREEMENT_TOLERANCE } from '../../evaluator/export/folder.js';
import { moduleLayout } from '../../evaluator/export/modules.js';
import { loadTfjs, trainableParams } from '../../evaluator/export/tfjs.js';
import { initWeights } from '../../evaluator/backends/weights.js';
import { channelStats, normalisedBatch, readBatchFile, TEST_FILE } from '../../evaluator/data/cifar10.js';
import { genomeHash } from '../../search/hash.js';
import { spaceByName } from '../../search/spaces/index.js';
import { cifar10Dir, needsCifar } from '../evaluator/cifar-dir.js';
import { DATA, needData, rwenas, TABLE, tempDir } from '../cli/helpers.js';

const NB301 = join(DATA, 'nasbench301/nb301-dev.jsonl');
const GENOMES = {
  // NAS-Bench-201 row 5 (has a `none` edge), trained to 91.39%.
  nb201: '|nor_conv_1x1~0|+|skip_connect~0|nor_conv_1x1~1|+|nor_conv_3x3~0|none~1|avg_pool_3x3~2|',
  mobilenetv3: 'k3e4,k5e6/k3e3,k3e3,k7e6/k5e4,k5e4/k7e6,k7e6,k7e6,k7e6/k3e3,k3e3',
};
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const out = tempDir();
let cifar: Batch | undefined;

function nb301Genotype(): string {
  // The first architecture of the shared NAS-Bench-301 sample, as its genotype JSON.
  return JSON.stringify(JSON.parse(readFileSync(NB301, 'utf8').split('\n')[0]).genotype);
}

before(() => {
  const dir = cifar10Dir();
  if (!dir) return;
  const set = readBatchFile(join(dir, TEST_FILE));
  cifar = { images: normalisedBatch(set, 0, 16, channelStats(set)), n: 16, description: '16 CIFAR-10 test images' };
});

interface Written {
  readonly dir: string;
  readonly space: string;
  readonly genome: string;
  readonly json: { params: number; deadParams: number; genome: string; trial: string; objectives: Record<string, number> | null; agreement: Record<string, { maxAbsDiff: number; maxAbs: number }>; tfjs: { trainableParams: number }; provenance: Record<string, unknown> };
}

const written = new Map<string, Written>();

function exportGenome(space: string, genome: string, extra: string[] = [], name = space): Written {
  const dir = join(out, name);
  const r = rwenas(['export', '--space', space, '--genome', genome, '--out', dir, ...extra]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /parameters; ONNX vs evaluator max \|diff\|/);
  const json = JSON.parse(readFileSync(join(dir, 'export.json'), 'utf8'));
  const w = { dir, space, genome: json.genome, json };
  written.set(name, w);
  return w;
}

function checkFiles(w: Written): void {
  for (const f of ['model.onnx', 'model.py', 'tfjs/model.json', 'tfjs/weights.bin', 'README.md', 'export.json', 'check/input.f32']) assert.ok(existsSync(join(w.dir, f)), `${w.space}: ${f} written`);
  const complexity = rwenas(['complexity', '--space', w.space, '--genome', w.genome]);
  assert.equal(complexity.status, 0, complexity.stderr);
  const params = JSON.parse(complexity.stdout).params as number;
  assert.equal(w.json.params, params, 'export.json params = rwenas complexity');
  assert.equal(w.json.tfjs.trainableParams, params - w.json.deadParams, 'TF.js trainable parameters = rwenas, less dead layers');
  const compiled = spawnSync(python, ['-m', 'py_compile', join(w.dir, 'model.py')], { encoding: 'utf8' });
  assert.equal(compiled.status, 0, compiled.stderr);
  const counted = spawnSync(python, [join(import.meta.dirname, 'pycount.py'), join(w.dir, 'model.py')], { encoding: 'utf8' });
  assert.equal(counted.status, 0, counted.stderr);
  assert.equal(Number(counted.stdout.trim()), params, "model.py's layers hold rwenas's parameter count");
  const py = readFileSync(join(w.dir, 'model.py'), 'utf8');
  assert.doesNotMatch(py, /^\s*(import|from)\s+(?!torch\b)(\w+)/m, 'imports only torch');
  const model = onnxProto.onnx.ModelProto.decode(readFileSync(join(w.dir, 'model.onnx')));
  assert.equal(Number(model.opsetImport[0].version), 17);
  const dims = (v: onnxProto.onnx.IValueInfoProto) => v.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue));
  assert.deepEqual(model.graph!.input!.map((i) => [i.name, dims(i)]), [['input', ['batch', 3, 32, 32]]]);
  assert.deepEqual(model.graph!.output!.map((o) => [o.name, dims(o)]), [['logits', ['batch', 10]]]);
  assert.ok(model.graph!.valueInfo!.length > 10, 'intermediate shapes in value_info');
  assert.equal(model.metadataProps!.find((p) => p.key === 'genome')?.value, w.genome);
  const readme = readFileSync(join(w.dir, 'README.md'), 'utf8');
  assert.ok(readme.includes(w.genome) && readme.includes('load_onnx_weights') && readme.includes('loadLayersModel'), 'README: genome and how to load and train');
  for (const [what, d] of Object.entries(w.json.agreement)) if (typeof d === 'object') assert.ok(d.maxAbsDiff <= AGREEMENT_TOLERANCE * Math.max(1, d.maxAbs), `${w.space} ${what}: ${JSON.stringify(d)}`);
}

/** The written files against the evaluator's lowering, on real images (not the export's own batch). */
async function checkOnCifar(w: Written): Promise<Record<string, { maxAbsDiff: number; maxAbs: number }>> {
  const space = spaceByName(w.space);
  const graph = space.build(space.parse(w.genome), 'final');
  const weights = initWeights(graph, 1, genomeHash(space.name, w.genome));
  const tfjs = await loadTfjs(readFileSync(join(w.dir, 'tfjs/model.json'), 'utf8'), readFileSync(join(w.dir, 'tfjs/weights.bin')));
  assert.equal(trainableParams(tfjs), w.json.params - w.json.deadParams);
  const a = await agreement(graph, weights, moduleLayout(graph), readFileSync(join(w.dir, 'model.onnx')), tfjs, cifar!);
  tfjs.dispose();
  for (const d of [a.onnxVsEvaluator, a.tfjsVsOnnx, a.tfjsVsOnnxInitial]) assert.ok(d.maxAbsDiff <= AGREEMENT_TOLERANCE * Math.max(1, d.maxAbs), JSON.stringify(d));
  assert.ok(a.onnxVsEvaluator.maxAbs > 0.01, 'logits are not all zero');
  return { onnxVsEvaluator: a.onnxVsEvaluator, tfjsVsOnnx: a.tfjsVsOnnx, tfjsVsOnnxInitial: a.tfjsVsOnnxInitial };
}

for (const space of ['nb201', 'mobilenetv3'] as const) {
  test(`export ${space}: ONNX, PyTorch and TF.js files, counts and names`, () => {
    checkFiles(exportGenome(space, GENOMES[space], ['--seed', '1']));
  });
  test(`export ${space}: on CIFAR-10, model.onnx = the evaluator's lowering and TF.js = ONNX Runtime`, needsCifar(), async () => {
    console.log(space, JSON.stringify(await checkOnCifar(written.get(space)!)));
  });
}

test('export nb201 with dead layers (cell node 1 read by no edge): kept in model.py and model.onnx, counted, left out of TF.js', () => {
  const w = exportGenome('nb201', '|nor_conv_3x3~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|', [], 'nb201-dead');
  // Each of the 15 cells' node 1: a 3x3 conv and an affine BN at 16, 32, 64 channels.
  assert.equal(w.json.deadParams, [16, 32, 64].reduce((sum, c) => sum + 5 * (9 * c * c + 2 * c), 0));
  checkFiles(w);
  assert.match(readFileSync(join(w.dir, 'README.md'), 'utf8'), /never reaches the logits/);
});

test('export darts (a NAS-Bench-301 genotype): files, counts, names', { skip: needData(NB301) }, () => {
  checkFiles(exportGenome('darts', nb301Genotype(), ['--seed', '1']));
});

test("export darts: on CIFAR-10, model.onnx = the evaluator's lowering and TF.js = ONNX Runtime", { skip: needData(NB301) || needsCifar().skip }, async () => {
  console.log('darts', JSON.stringify(await checkOnCifar(written.get('darts')!)));
});

test('export --from a local run: --knee, --front and --trial carry objectives and provenance', { skip: needData(TABLE) }, () => {
  const run = join(out, 'run');
  const r = rwenas(['run', 'examples/nb201-table.yaml', '--out', run, '--set', `spec.evaluation.table.path=${TABLE}`, '--set', 'spec.algorithm.generations=2', '--set', 'spec.algorithm.populationSize=8', '--log-format', 'json']);
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8'));
  const front = JSON.parse(readFileSync(join(run, 'front.json'), 'utf8')) as { trial: string; genome: string; objectives: Record<string, number> }[];
  const knee = rwenas(['export', '--from', run, '--knee', '--out', join(out, 'knee')]);
  assert.equal(knee.status, 0, knee.stderr);
  const k = JSON.parse(readFileSync(join(out, 'knee', 'export.json'), 'utf8'));
  assert.equal(k.trial, summary.knee.trial);
  assert.deepEqual(k.objectives, Object.fromEntries(summary.objectives.map((o: string) => [o, summary.knee.objectives[o]])));
  assert.equal(k.provenance.source, 'run');
  assert.equal(k.provenance.selection, 'knee');
  assert.equal(k.provenance.method, 'table');
  assert.match(readFileSync(join(out, 'knee', 'README.md'), 'utf8'), /found by the local run in .*the knee of the front/);
  const all = rwenas(['export', '--from', run, '--front', '--out', join(out, 'front')]);
  assert.equal(all.status, 0, all.stderr);
  for (const f of front) assert.equal(JSON.parse(readFileSync(join(out, 'front', f.trial, 'export.json'), 'utf8')).genome, f.genome);
  const trials = readFileSync(join(run, 'trials.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const one = trials[trials.length - 1];
  const t = rwenas(['export', '--from', run, '--trial', one.trial, '--out', join(out, 'one')]);
  assert.equal(t.status, 0, t.stderr);
  const j = JSON.parse(readFileSync(join(out, 'one', 'export.json'), 'utf8'));
  assert.equal(j.genome, one.genome);
  assert.equal(j.provenance.generation, one.generation);
});

test('export: bad input exits 2 with a message naming the flag or file', { skip: needData(TABLE) }, () => {
  const cases: [string[], RegExp][] = [
    [[], /exactly one source/],
    [['--space', 'nb201'], /--space and --genome go together/],
    [['--space', 'nb201', '--genome', '|bogus~0|'], /--genome: nb201 genome: at position/],
    [['--space', 'resnet', '--genome', 'x'], /spec\.searchSpace\.name/],
    [['--space', 'nb201', '--genome', GENOMES.nb201, '--knee'], /--front, --knee and --trial choose among/],
    [['--space', 'nb201', '--genome', GENOMES.nb201, '--seed', '-1'], /--seed: expected a non-negative integer/],
    [['--from', join(out, 'run')], /choose one of --front, --knee or --trial/],
    [['--from', join(out, 'run'), '--knee', '--front'], /got --front, --knee/],
    [['--from', join(out, 'run'), '--trial', 'ffffffffffffffff'], /has no trial "ffffffffffffffff"/],
    [['--from', join(out, 'nowhere'), '--knee'], /not a directory/],
    [['--from', out, '--knee'], /summary\.json: not found/],
    [['--from', join(out, 'run'), '--space', 'nb201', '--genome', GENOMES.nb201, '--knee'], /exactly one source/],
  ];
  for (const [args, message] of cases) {
    const r = rwenas(['export', ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
  }
});

after(() => {
  written.clear();
});
