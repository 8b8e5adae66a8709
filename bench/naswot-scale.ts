// The z-score constants of naswot+params for a space without ground truth (mobilenetv3): the
// mean and standard deviation of the NASWOT score and of ln(final params) over a seeded sample
// of random genomes. They set only the scale of the error (100 / (1 + e^c)), never the ranking
// when the params weight is 0. Usage:
//   node --import tsx bench/naswot-scale.ts --space mobilenetv3 [--genomes 24] [--batch 64] [--seeds 1,2] [--cifar10 DIR]
import { parseArgs } from 'node:util';
import { countComplexity } from '../search/complexity.js';
import { resolveManifest } from '../search/experiment/load.js';
import { Rng } from '../search/random.js';
import { spaceByName } from '../search/spaces/index.js';
import { RandomWeightProbe } from '../evaluator/estimators/random-weight.js';
import { cifar10Dir } from '../test/evaluator/cifar-dir.js';

const { values } = parseArgs({
  options: {
    space: { type: 'string', default: 'mobilenetv3' },
    genomes: { type: 'string', default: '24' },
    batch: { type: 'string', default: '64' },
    seeds: { type: 'string', default: '1,2' },
    cifar10: { type: 'string' },
  },
});
const space = spaceByName(values.space!);
const n = Number(values.genomes);
const batch = Number(values.batch);
const dir = values.cifar10 ?? cifar10Dir();
if (!dir) throw new Error('--cifar10: no CIFAR-10 directory (set RWENAS_CIFAR10 or pass --cifar10 DIR)');

const scores: number[] = [];
const logParams: number[] = [];
let failed = 0;
for (const seed of values.seeds!.split(',').map(Number)) {
  const spec = resolveManifest({
    apiVersion: 'rwenas.dev/v1alpha1', kind: 'NASExperiment', metadata: { name: 'naswot-scale' },
    spec: { searchSpace: { name: space.name }, algorithm: { seed }, evaluation: { method: 'naswot', engine: 'onnx', dataset: { path: dir }, rwe: { trainSamples: Math.max(batch, 100), validationSamples: 10, naswotBatch: batch } } },
  }).spec;
  const probe = await RandomWeightProbe.create(spec);
  // The genome sample is fixed (seed 0x5ca1e), so seeds vary only weights and images.
  const rng = Rng.seeded(0x5ca1e);
  for (let i = 0; i < n; i++) {
    const genome = space.sample(rng);
    const canonical = space.serialize(genome);
    try {
      const r = await probe.measureGenome(space, genome, canonical, 'naswot');
      scores.push(r.naswotScore!);
      logParams.push(Math.log(countComplexity(space.build(genome, 'final')).params));
    } catch (err) {
      failed++;
      console.error(`${canonical}: ${err instanceof Error ? err.message : err}`);
    }
  }
}

function meanSd(x: number[]): { mean: number; sd: number } {
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  return { mean, sd: Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / (x.length - 1)) };
}
const s = meanSd(scores);
const p = meanSd(logParams);
console.log(`${space.name}: ${scores.length} measurements (${n} genomes × seeds ${values.seeds}, ${failed} failed), NASWOT batch ${batch}, default proxy`);
console.log(`naswot mean ${s.mean.toPrecision(6)}, sd ${s.sd.toPrecision(6)}; ln params mean ${p.mean.toPrecision(6)}, sd ${p.sd.toPrecision(6)}`);
