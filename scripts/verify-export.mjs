#!/usr/bin/env node
// `npm run verify:export -- DIR...`: checks exported folders (rwenas export) against PyTorch:
// parameter count, and logits equal to ONNX Runtime's and to the evaluator's within 1e-4
// (scripts/verify-export.py). PyTorch is not a dependency of rwenas: set RWENAS_TORCH_PYTHON
// to a Python that imports torch (default: python3). A folder with --front's subfolders is
// expanded to them.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const python = process.env.RWENAS_TORCH_PYTHON ?? 'python3';
const dirs = process.argv.slice(2).flatMap((d) => (existsSync(join(d, 'model.py')) ? [d] : existsSync(d) ? readdirSync(d).map((s) => join(d, s)).filter((s) => existsSync(join(s, 'model.py'))) : []));
if (dirs.length === 0) {
  console.error('usage: npm run verify:export -- DIR...  (folders written by rwenas export; none found in the arguments)');
  process.exit(2);
}
const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
if (probe.status !== 0) {
  console.error(`${python} cannot import torch (set RWENAS_TORCH_PYTHON to a Python with PyTorch): ${probe.stderr.trim().split('\n').pop()}`);
  process.exit(1);
}
const run = spawnSync(python, [new URL('verify-export.py', import.meta.url).pathname, ...dirs], { stdio: 'inherit' });
process.exit(run.status ?? 1);
