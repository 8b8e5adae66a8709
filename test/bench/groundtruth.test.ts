// Ground truth for the fidelity benchmark: parsing errors name file, line and field; the
// tuning and confirmation samples are seeded and disjoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNb201, loadNb301, split, type Architecture } from '../../bench/lib/groundtruth.js';

function dataDir(nb201: string, nb301: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'rwenas-gt-'));
  mkdirSync(join(dir, 'nasbench201'));
  mkdirSync(join(dir, 'nasbench301'));
  writeFileSync(join(dir, 'nasbench201', 'nb201-cifar10.csv'), nb201);
  writeFileSync(join(dir, 'nasbench301', 'nb301-dev.jsonl'), nb301);
  return dir;
}

const HEADER = 'index,arch,test_acc_200ep,test_acc_12ep\n';
const CELL = '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|';

test('NB201 and NB301 rows parse into genome, accuracy and extras', () => {
  const genotype = { normal: [], normal_concat: [2], reduce: [], reduce_concat: [2] };
  const dir = dataDir(`${HEADER}1,${CELL},93.61,88.22\n`, JSON.stringify({ genotype, val_accuracy: 94.1, flops_m: 197.1, params_m: 1.13 }) + '\n');
  assert.deepEqual(loadNb201(dir), [{ id: 1, genome: CELL, accuracy: 93.61, extra: { acc12: 88.22 } }]);
  const [row] = loadNb301(dir);
  assert.deepEqual(JSON.parse(row.genome), genotype);
  assert.deepEqual([row.accuracy, row.extra.params_m, row.extra.flops_m], [94.1, 1.13, 197.1]);
});

test('bad files name the file, the line and the field', () => {
  assert.throws(() => loadNb201(dataDir('a,b\n', '')), /nb201-cifar10\.csv:1: expected header/);
  assert.throws(() => loadNb201(dataDir(`${HEADER}1,${CELL},high,88\n`, '')), /nb201-cifar10\.csv:2: field test_acc_200ep: expected a number, got "high"/);
  assert.throws(() => loadNb301(dataDir(HEADER, '{"genotype": {}, "val_accuracy": "x"}\n')), /nb301-dev\.jsonl:1: field val_accuracy: expected a number/);
  assert.throws(() => loadNb301(dataDir(HEADER, 'not json\n')), /nb301-dev\.jsonl:1: not JSON/);
  assert.throws(() => loadNb201(join(tmpdir(), 'rwenas-no-such-dir')), /cannot read .*nb201-cifar10\.csv.*RWENAS_DATA/);
});

test('split: seeded, disjoint, halves when the pool is small', () => {
  const rows: Architecture[] = Array.from({ length: 50 }, (_, i) => ({ id: i, genome: `g${i}`, accuracy: i, extra: {} }));
  const a = split(rows, 10, 7);
  assert.deepEqual(split(rows, 10, 7), a);
  assert.equal(a.tune.length, 10);
  assert.equal(a.confirm.length, 10);
  const ids = new Set([...a.tune, ...a.confirm].map((r) => r.id));
  assert.equal(ids.size, 20);
  assert.notDeepEqual(split(rows, 10, 8).tune.map((r) => r.id), a.tune.map((r) => r.id));
  const halves = split(rows, 100, 7);
  assert.equal(halves.tune.length, 25);
  assert.equal(new Set([...halves.tune, ...halves.confirm].map((r) => r.id)).size, 50);
  assert.throws(() => split(rows, 1, 7), /size must be an integer ≥ 2/);
});
