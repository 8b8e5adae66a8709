import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nb201, NB201_OPS, parseNb201, type Nb201Genome } from '../../../search/spaces/nb201.js';
import { GenomeError } from '../../../search/space.js';
import { Rng } from '../../../search/random.js';
import { genomeHash } from '../../../search/hash.js';
import { validateGraph } from '../../../search/ir-check.js';
import { spaceByName } from '../../../search/spaces/index.js';
import { readShared } from './shared-data.js';

const RESNET = '|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|none~2|';

test('parse and serialize round-trip the NB201 string', () => {
  const g = parseNb201(RESNET);
  assert.deepEqual(g, ['nor_conv_3x3', 'none', 'nor_conv_3x3', 'skip_connect', 'none', 'none']);
  assert.equal(nb201.serialize(g), RESNET);
  assert.equal(spaceByName('nb201'), nb201);
});

test('parse errors name the position and what was expected', () => {
  const bad = '|nor_conv_3x3~0|+|conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|none~1|none~2|';
  assert.throws(
    () => parseNb201(bad),
    (e: unknown) =>
      e instanceof GenomeError &&
      e.position === 18 &&
      e.message ===
        'nb201 genome: at position 18: expected one of none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3, got "conv_3x3"',
  );
  const cases: [string, number, RegExp][] = [
    ['', 0, /expected "\|", got end of genome/],
    ['|none~1|', 6, /expected "0", got "1"/],
    ['|none~0|+|none~0|none~1|', 24, /expected "\+", got end of genome/],
    [RESNET + 'x', RESNET.length, /expected end of genome, got "x"/],
    ['|none-0|', 1, /expected one of none.*got "none-0"/],
    ['|~0|', 1, /expected one of none.*got "~"/],
  ];
  for (const [text, position, message] of cases) {
    assert.throws(() => parseNb201(text), (e: unknown) => e instanceof GenomeError && e.position === position && message.test(e.message), text);
  }
});

test('sample, mutate and crossover always give valid genomes (many seeds)', () => {
  const seen = new Set<string>();
  for (let seed = 0; seed < 300; seed++) {
    const rng = Rng.seeded(seed);
    const a = nb201.sample(rng);
    const b = nb201.sample(rng);
    seen.add(nb201.serialize(a));
    for (const g of [a, b]) assert.deepEqual(parseNb201(nb201.serialize(g)), g);
    const rate = [0, 0.1, 0.5, 1][seed % 4];
    const m = nb201.mutate(a, rng, rate);
    assert.deepEqual(parseNb201(nb201.serialize(m)), m);
    const changed = m.filter((op, e) => op !== a[e]).length;
    assert.ok(changed >= 1, 'mutation changes at least one gene');
    if (rate === 1) assert.equal(changed, 6);
    const [x, y] = nb201.crossover(a, b, rng);
    for (let e = 0; e < 6; e++) {
      assert.ok([a[e], b[e]].includes(x[e]));
      // The two children split the parents' genes between them.
      assert.deepEqual([x[e], y[e]].sort(), [a[e], b[e]].sort());
    }
  }
  assert.ok(seen.size > 250, `uniform sampling gives many distinct cells, got ${seen.size}`);
});

test('sampling is uniform over ops (chi-square-ish bound)', () => {
  const rng = Rng.seeded(7);
  const counts = new Map<string, number>(NB201_OPS.map((op) => [op, 0]));
  for (let i = 0; i < 2000; i++) for (const op of nb201.sample(rng)) counts.set(op, counts.get(op)! + 1);
  for (const [op, n] of counts) assert.ok(Math.abs(n - 2400) < 200, `${op}: ${n} of 12000`);
});

test('same seed, same genomes; hash is stable', () => {
  const a = nb201.sample(Rng.seeded(42));
  const b = nb201.sample(Rng.seeded(42));
  assert.deepEqual(a, b);
  assert.equal(genomeHash('nb201', RESNET), genomeHash('nb201', nb201.serialize(parseNb201(RESNET))));
  assert.match(genomeHash('nb201', RESNET), /^[0-9a-f]{16}$/);
});

test('validate rejects wrong genomes', () => {
  assert.throws(() => nb201.validate(['none'] as Nb201Genome), /expected 6 edge ops/);
  assert.throws(() => nb201.serialize(['none', 'none', 'none', 'none', 'none', 'conv'] as unknown as Nb201Genome), /edge 5/);
});

test('build: valid IR at both sizes, stage outputs at 16/32/64 channels', () => {
  for (const size of ['final', 'proxy'] as const) {
    const g = nb201.build(parseNb201(RESNET), size);
    validateGraph(g);
    assert.deepEqual(
      g.stageOutputs.map((id) => g.nodes[id].shape),
      [
        { c: 16, h: 32, w: 32 },
        { c: 32, h: 16, w: 16 },
        { c: 64, h: 8, w: 8 },
      ],
    );
    assert.deepEqual(g.nodes[g.output].shape, { c: 10, h: 1, w: 1 });
  }
  const big = nb201.build(parseNb201(RESNET), 'proxy', { channels: 8, cells: 2, numClasses: 100 });
  validateGraph(big);
  assert.deepEqual(big.nodes[big.output].shape, { c: 100, h: 1, w: 1 });
  assert.throws(() => nb201.build(parseNb201(RESNET), 'final', { channels: 0 }), /channels must be a positive integer, got 0/);
});

test('all-none cell: nodes are zero, the graph stays valid, later convs still exist', () => {
  const g = nb201.build(parseNb201('|none~0|+|none~0|nor_conv_3x3~1|+|none~0|none~1|none~2|'), 'proxy');
  validateGraph(g);
  const zeros = g.nodes.filter((n) => n.op.kind === 'zero');
  // node 1 and node 3 are zero in each of the 3 cells; the conv on zero node 1 is kept (NB201 counts it).
  assert.equal(zeros.length, 6);
  assert.equal(g.nodes.filter((n) => n.name.includes('edge2<-1') && n.op.kind === 'conv').length, 3);
});

test('a skip-only node aliases its source rather than adding nodes', () => {
  const g = nb201.build(parseNb201('|skip_connect~0|+|none~0|skip_connect~1|+|none~0|none~1|skip_connect~2|'), 'proxy');
  validateGraph(g);
  assert.equal(g.nodes.filter((n) => n.name.includes('/cell')).length, 0);
});

test('every one of the 15,625 NAS-Bench-201 arch strings is canonical', (t) => {
  const data = readShared('nasbench201/nb201-cifar10.csv');
  if ('skip' in data) return t.skip(data.skip);
  const [header, ...rows] = data.text.trim().split('\n');
  const col = header.split(',').indexOf('arch');
  const archs = new Set(rows.map((row) => row.split(',')[col]));
  assert.equal(archs.size, 15625);
  for (const arch of archs) assert.equal(nb201.serialize(parseNb201(arch)), arch);
});
