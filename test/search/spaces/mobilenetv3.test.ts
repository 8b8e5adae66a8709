import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeDivisible, mobilenetv3, parseMbv3, type Mbv3Genome } from '../../../search/spaces/mobilenetv3.js';
import { GenomeError } from '../../../search/space.js';
import { Rng } from '../../../search/random.js';
import { validateGraph } from '../../../search/ir-check.js';
import { countComplexity } from '../../../search/complexity.js';
import { spaceByName } from '../../../search/spaces/index.js';

const MAX = 'k7e6,k7e6,k7e6,k7e6/k7e6,k7e6,k7e6,k7e6/k7e6,k7e6,k7e6,k7e6/k7e6,k7e6,k7e6,k7e6/k7e6,k7e6,k7e6,k7e6';
const MIXED = 'k3e4,k5e6/k3e3,k3e3,k7e6/k5e4,k5e4/k7e6,k7e6,k7e6,k7e6/k3e3,k3e3';

test('canonical string round-trips; OFA arch JSON is accepted, inactive slots ignored', () => {
  const g = parseMbv3(MIXED);
  assert.deepEqual(g.stages.map((s) => s.length), [2, 3, 2, 4, 2]);
  assert.deepEqual(g.stages[0][1], { kernel: 5, expand: 6 });
  assert.equal(mobilenetv3.serialize(g), MIXED);
  const ks: number[] = [];
  const e: number[] = [];
  g.stages.forEach((blocks) => {
    for (let i = 0; i < 4; i++) {
      ks.push(blocks[i]?.kernel ?? 7); // inactive slots hold anything valid
      e.push(blocks[i]?.expand ?? 3);
    }
  });
  const ofa = JSON.stringify({ ks, e, d: [2, 3, 2, 4, 2] });
  assert.equal(mobilenetv3.serialize(parseMbv3(ofa)), MIXED);
  assert.equal(spaceByName('mobilenetv3'), mobilenetv3);
});

test('parse errors name the position and what was expected', () => {
  const check = (text: string, position: number, message: RegExp): void =>
    assert.throws(() => parseMbv3(text), (err: unknown) => err instanceof GenomeError && err.position === position && message.test(err.message), text);
  check(MIXED.replace('k5e6', 'k4e6'), 6, /expected a kernel size \(3, 5, 7\), got "4"/);
  check(MIXED.replace('k5e6', 'k5e2'), 8, /expected an expansion ratio \(3, 4, 6\), got "2"/);
  check('k3e4/k3e3', 4, /expected "," \(stage 1 has at least 2 blocks\), got "\/"/);
  check(MAX.replace('k7e6/', 'k7e6,k7e6/'), 19, /expected "\/" or end of genome \(stage 1 has at most 4 blocks\), got ","/);
  check('k3e4,k3e4', 9, /expected "\/", got end of genome/);
  check(`${MIXED}/k3e3`, MIXED.length, /expected end of genome, got "\/k3e3"/);
  check('x', 0, /expected "k", got "x"/);
  check('{"ks": [3], "e": [], "d": []}', 7, /ks: a list of 20 numbers/);
  check('{"ks": 1, "d": [2,2,2,2,2], "x": 1}', 7, /ks: a list of 20 numbers/);
});

test('sample, mutate and crossover always give valid genomes (many seeds)', () => {
  const seen = new Set<string>();
  const depths = new Map<number, number>();
  for (let seed = 0; seed < 300; seed++) {
    const rng = Rng.seeded(seed, 3);
    const a = mobilenetv3.sample(rng);
    const b = mobilenetv3.sample(rng);
    for (const g of [a, b]) {
      mobilenetv3.validate(g);
      assert.deepEqual(parseMbv3(mobilenetv3.serialize(g)), g);
      for (const s of g.stages) depths.set(s.length, (depths.get(s.length) ?? 0) + 1);
    }
    seen.add(mobilenetv3.serialize(a));
    const m = mobilenetv3.mutate(a, rng, [0, 0.05, 0.3, 1][seed % 4]);
    mobilenetv3.validate(m);
    assert.notEqual(mobilenetv3.serialize(m), mobilenetv3.serialize(a), 'mutation changes the genome');
    const [x, y] = mobilenetv3.crossover(a, b, rng);
    for (const child of [x, y]) mobilenetv3.validate(child);
    for (let s = 0; s < 5; s++) {
      // Depths are split between the children; each block comes from a parent's same slot.
      assert.deepEqual([x.stages[s].length, y.stages[s].length].sort(), [a.stages[s].length, b.stages[s].length].sort());
      x.stages[s].forEach((blk, i) => assert.ok([a.stages[s][i], b.stages[s][i]].some((p) => p && p.kernel === blk.kernel && p.expand === blk.expand)));
    }
  }
  assert.equal(seen.size, 300);
  for (const d of [2, 3, 4]) assert.ok(Math.abs(depths.get(d)! - 1000) < 120, `depth ${d}: ${depths.get(d)} of 3000`);
});

test('validate rejects bad genomes', () => {
  assert.throws(() => mobilenetv3.validate({ stages: [[], [], [], [], []] }), /stage 1: expected 2, 3, 4/);
  const bad = { stages: parseMbv3(MIXED).stages.map((s, i) => (i === 2 ? [{ kernel: 9, expand: 3 }, s[1]] : s)) } as unknown as Mbv3Genome;
  assert.throws(() => mobilenetv3.serialize(bad), /stage 3 block 1: kernel must be one of 3, 5, 7, got 9/);
});

test('build: valid IR; strides 32 -> 4 for CIFAR; proxy is half width', () => {
  const g = parseMbv3(MIXED);
  const final = mobilenetv3.build(g, 'final');
  const proxy = mobilenetv3.build(g, 'proxy');
  for (const graph of [final, proxy]) validateGraph(graph);
  assert.deepEqual(
    final.stageOutputs.map((id) => final.nodes[id].shape),
    [
      { c: 24, h: 32, w: 32 },
      { c: 40, h: 16, w: 16 },
      { c: 80, h: 8, w: 8 },
      { c: 112, h: 8, w: 8 },
      { c: 960, h: 4, w: 4 },
    ],
  );
  assert.deepEqual(proxy.stageOutputs.map((id) => proxy.nodes[id].shape.c), [16, 24, 40, 56, 480]);
  // SE in stages 2, 4, 5 (one gate per block); h-swish from stage 3 on.
  const gates = final.nodes.filter((n) => n.op.kind === 'mul').map((n) => n.name.split('/')[0]);
  assert.deepEqual([...new Set(gates)], ['stage2', 'stage4', 'stage5']);
  assert.equal(gates.length, 3 + 4 + 2);
  const hswishStages = new Set(final.nodes.filter((n) => n.op.kind === 'act' && n.op.fn === 'hswish').map((n) => n.name.split('/')[0]));
  assert.deepEqual([...hswishStages].sort(), ['feature_mix', 'final_expand', 'first_conv', 'stage3', 'stage4', 'stage5']);
  assert.throws(() => mobilenetv3.build(g, 'final', { channels: 32 }), /channels does not apply/);
  const wide = mobilenetv3.build(g, 'final', { widthMultiplier: 1.2 });
  assert.ok(countComplexity(wide).params > countComplexity(final).params);
});

test('the largest subnet has OFA MobileNetV3 (w1.0) supernet size, 7.7M params at 1000 classes', () => {
  // Params do not depend on strides or input size, so this checks widths, SE and heads against OFA.
  const { params } = countComplexity(mobilenetv3.build(parseMbv3(MAX), 'final', { numClasses: 1000, inputSize: 224 }));
  assert.ok(Math.abs(params / 7.7e6 - 1) < 0.01, `params ${params}`);
});

test('make_divisible as OFA rounds', () => {
  assert.deepEqual([12, 20, 40, 56, 80, 480, 640, 28.8, 4].map((v) => makeDivisible(v)), [16, 24, 40, 56, 80, 480, 640, 32, 8]);
});

// Issue 10 item 4: the yaml package aborted V8 on deeply nested JSON; JSON.parse does not.
test('an OFA arch JSON nested 10,000 deep is refused, twice in one process, without a crash', () => {
  const hostile = `{"ks":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
  for (let round = 0; round < 2; round++) {
    assert.throws(() => parseMbv3(hostile), (e: unknown) => e instanceof GenomeError && e.position === 6 && /ks: a list of 20 numbers, got \[\[\[\[\.\.\.\]\]\]\]/.test(e.message));
  }
});
