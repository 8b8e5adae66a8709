import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inferShape, validateGraph, windowOut } from '../../search/ir-check.js';
import type { Graph, Node } from '../../search/ir.js';
import { nb201 } from '../../search/spaces/nb201.js';

test('window arithmetic follows PyTorch floor mode, dilation included', () => {
  assert.equal(windowOut(32, 3, 1, 1), 32);
  assert.equal(windowOut(32, 3, 2, 1), 16);
  assert.equal(windowOut(31, 1, 2, 0), 16); // DARTS factorized reduce's shifted path
  assert.equal(windowOut(32, 5, 1, 4, 2), 32); // dil_conv_5x5
  assert.equal(windowOut(8, 3, 2, 1), 4);
});

test('inferShape rejects inputs that do not fit', () => {
  const conv = { kind: 'conv', outChannels: 6, kernel: 3, stride: 1, padding: 1, dilation: 1, groups: 4, bias: false } as const;
  assert.throws(() => inferShape(conv, [{ c: 8, h: 4, w: 4 }]), /groups 4 must divide in 8 and out 6/);
  assert.throws(() => inferShape({ kind: 'add' }, [{ c: 8, h: 4, w: 4 }, { c: 8, h: 2, w: 2 }]), /input shapes differ: \[8,4,4\] vs \[8,2,2\]/);
  assert.throws(() => inferShape({ kind: 'mul' }, [{ c: 8, h: 4, w: 4 }, { c: 4, h: 1, w: 1 }]), /gate must be \[8,1,1\]/);
  assert.deepEqual(inferShape({ kind: 'concat' }, [{ c: 8, h: 4, w: 4 }, { c: 3, h: 4, w: 4 }]), { c: 11, h: 4, w: 4 });
  assert.deepEqual(inferShape({ kind: 'crop', top: 1, left: 1 }, [{ c: 8, h: 4, w: 4 }]), { c: 8, h: 3, w: 3 });
});

test('validateGraph accepts built graphs and names the first broken node', () => {
  const good = nb201.build(nb201.parse('|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|none~1|nor_conv_1x1~2|'), 'proxy');
  validateGraph(good);
  const edit = (i: number, change: (n: Node) => Node): Graph => ({ ...good, nodes: good.nodes.map((n) => (n.id === i ? change(n) : n)) });
  assert.throws(() => validateGraph(edit(3, (n) => ({ ...n, id: 7 }))), /node 3 .*: id 7, expected 3/);
  assert.throws(() => validateGraph(edit(3, (n) => ({ ...n, inputs: [5] }))), /node 3 .*: input 5 is not an earlier node/);
  assert.throws(() => validateGraph(edit(2, (n) => ({ ...n, shape: { c: 16, h: 16, w: 16 } }))), /node 2 .*: shape \[16,16,16\], inferred \[16,32,32\]/);
  assert.throws(() => validateGraph({ ...good, output: 1 }), /output 1 must be a linear node/);
  assert.throws(() => validateGraph({ ...good, stageOutputs: [] }), /stageOutputs is empty/);
});
