// z-score constants of zero-cost terms for a space without ground truth (mobilenetv3): the
// mean and standard deviation of each term's transformed proxy value over a fixed seeded
// sample of random genomes, measured with the evaluator's ForwardProxyProbe. The weights are
// a documented choice (another space's fitted weights), not a fit. Usage:
//   node --import tsx bench/zero-cost-scale.ts --space mobilenetv3 --terms meco8:1,swap:1 [--genomes 20] [--seeds 1,2] [--batch 64]
import { parseArgs } from 'node:util';
import { countComplexity } from '../search/complexity.js';
import { genomeHash } from '../search/hash.js';
import { Rng } from '../search/random.js';
import { spaceByName } from '../search/spaces/index.js';
import { OnnxEngine } from '../evaluator/backends/onnx/backend.js';
import { ForwardProxyProbe } from '../evaluator/estimators/proxies/forward.js';
import { FEATURES, transformed, type Feature } from '../evaluator/estimators/zero-cost.js';
import { cifar10Dir } from '../test/evaluator/cifar-dir.js';

const { values } = parseArgs({
  options: {
    space: { type: 'string', default: 'mobilenetv3' },
    terms: { type: 'string', default: 'meco8:1,swap:1' },
    genomes: { type: 'string', default: '20' },
    batch: { type: 'string', default: '64' },
    seeds: { type: 'string', default: '1,2' },
    cifar10: { type: 'string' },
  },
});
const space = spaceByName(values.space!);
const terms = values.terms!.split(',').map((t) => {
  const [feature, weight] = t.split(':');
  if (!FEATURES.includes(feature as Feature) || !Number.isFinite(Number(weight))) throw new Error(`--terms: expected feature:weight with a feature of ${FEATURES.join(', ')}, got ${t}`);
  return { feature: feature as Feature, weight: Number(weight) };
});
const dir = values.cifar10 ?? cifar10Dir();
if (!dir) throw new Error('--cifar10: no CIFAR-10 directory (set RWENAS_CIFAR10 or pass --cifar10 DIR)');
const engine = await OnnxEngine.create({ threads: 2, cuda: false });
const samples = new Map<Feature, number[]>(terms.map((t) => [t.feature, []]));
for (const seed of values.seeds!.split(',').map(Number)) {
  const probe = ForwardProxyProbe.create({ dataset: dir, seed, batch: Number(values.batch), engine });
  // The genome sample is fixed (seed 0x5ca1e): seeds vary only weights and images.
  const rng = Rng.seeded(0x5ca1e);
  for (let i = 0; i < Number(values.genomes); i++) {
    const genome = space.sample(rng);
    const m = await probe.measure(space.build(genome, 'proxy'), genomeHash(space.name, space.serialize(genome)));
    const { params, flops } = countComplexity(space.build(genome, 'final'));
    const all: Record<string, number> = { ...m.scores, params, flops };
    for (const t of terms) samples.get(t.feature)!.push(transformed(t.feature, all[t.feature]));
  }
}
const out = terms.map((t) => {
  const x = samples.get(t.feature)!.filter(Number.isFinite);
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  const sd = Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / (x.length - 1));
  return { feature: t.feature, mean: Number(mean.toPrecision(6)), sd: Number(sd.toPrecision(6)), weight: t.weight };
});
console.log(`${space.name}: ${values.genomes} genomes x seeds ${values.seeds}, batch ${values.batch}, default proxy`);
console.log(JSON.stringify(out));
