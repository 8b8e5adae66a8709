// The PyTorch export against ONNX Runtime and the evaluator (npm run verify:export), where a
// Python with PyTorch is at hand: RWENAS_TORCH_PYTHON, else python3 if it imports torch.
// PyTorch is no dependency of rwenas (a CPU install is ~3 GB here), so elsewhere this skips.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DATA, ROOT, rwenas, tempDir } from '../cli/helpers.js';

const python = process.env.RWENAS_TORCH_PYTHON ?? 'python3';
const hasTorch = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
const skip = hasTorch ? false : `${python} cannot import torch: set RWENAS_TORCH_PYTHON to a Python with PyTorch`;

const genomes: [string, string, string][] = [
  ['nb201', 'nb201', '|nor_conv_1x1~0|+|skip_connect~0|nor_conv_1x1~1|+|nor_conv_3x3~0|none~1|avg_pool_3x3~2|'],
  ['nb201-dead', 'nb201', '|nor_conv_3x3~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|'],
  ['mobilenetv3', 'mobilenetv3', 'k3e4,k5e6/k3e3,k3e3,k7e6/k5e4,k5e4/k7e6,k7e6,k7e6,k7e6/k3e3,k3e3'],
  ['darts', 'darts', ''],
];

test('PyTorch export = ONNX Runtime within 1e-4 (eval mode), = the evaluator (train mode, batch statistics) within 5e-3; parameter counts equal', { skip }, () => {
  const out = tempDir();
  for (const [name, space, g] of genomes) {
    const genome = g || JSON.stringify(JSON.parse(readFileSync(join(DATA, 'nasbench301/nb301-dev.jsonl'), 'utf8').split('\n')[0]).genotype);
    const r = rwenas(['export', '--space', space, '--genome', genome, '--out', join(out, name)]);
    assert.equal(r.status, 0, r.stderr);
  }
  const v = spawnSync('node', [join(ROOT, 'scripts/verify-export.mjs'), ...genomes.map(([name]) => join(out, name))], { encoding: 'utf8', env: { ...process.env, RWENAS_TORCH_PYTHON: python } });
  const lines = v.stdout.trim().split('\n').map((l) => JSON.parse(l));
  for (const l of lines) console.log(JSON.stringify(l));
  assert.equal(v.status, 0, v.stderr + v.stdout);
  assert.equal(lines.length, genomes.length);
  for (const l of lines) {
    assert.equal(l.params.pytorch, l.params.rwenas);
    // The export's own ONNX-vs-evaluator bound (AGREEMENT_TOLERANCE): 20-cell DARTS reaches ~3e-4.
    assert.ok(l.trainVsEvaluator.maxAbsDiff <= 5e-3 * Math.max(1, l.trainVsEvaluator.maxAbs), `${l.folder}: ${JSON.stringify(l.trainVsEvaluator)}`);
    assert.ok(l.evalVsOnnx.maxAbsDiff <= 1e-4 * Math.max(1, l.evalVsOnnx.maxAbs), `${l.folder}: ${JSON.stringify(l.evalVsOnnx)}`);
  }
});
