// Quick rank figure for the gradient-based proxies: Kendall τ and Spearman ρ (95% bootstrap
// intervals) of each proxy against NB201's test_acc_200ep (or NB301's val accuracy) on a
// seeded sample, and seconds per architecture. Prints figures; asserts nothing.
//   node --import tsx bench/gradient-proxies.ts [--space nb201|darts] [--cells 100] [--seed 1] [--batch 64] [--proxies a,b] [--cache FILE]
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { GRADIENT_PROXIES, type GradientProxy } from '../evaluator/estimators/proxies/gradient-probe.js';
import { makeGradientProbe } from './lib/gradient-probe.js';
import { dataDir, loadNb201, loadNb301, split } from './lib/groundtruth.js';
import { MeasurementCache, type BenchSpace } from './lib/probe.js';
import { bootstrapInterval, kendallTau, spearmanRho } from './lib/rank.js';

const { values: args } = parseArgs({
  options: {
    space: { type: 'string', default: 'nb201' },
    cells: { type: 'string', default: '100' },
    seed: { type: 'string', default: '1' },
    batch: { type: 'string', default: '64' },
    proxies: { type: 'string', default: GRADIENT_PROXIES.join(',') },
    cache: { type: 'string' },
    data: { type: 'string' },
    cifar10: { type: 'string' },
  },
});
const space = args.space as BenchSpace;
if (space !== 'nb201' && space !== 'darts') throw new RangeError(`--space: expected nb201 or darts, got ${args.space}`);
const proxies = args.proxies!.split(',') as GradientProxy[];
for (const p of proxies) if (!GRADIENT_PROXIES.includes(p)) throw new RangeError(`--proxies: ${p} is not one of ${GRADIENT_PROXIES.join(', ')}`);
const cells = Number(args.cells);
const seed = Number(args.seed);
const cifar10 = args.cifar10 ?? process.env.RWENAS_CIFAR10 ?? join(homedir(), '.cache', 'cifar10', 'cifar-10-batches-bin');
const rows = space === 'nb201' ? loadNb201(dataDir(args.data)) : loadNb301(dataDir(args.data));
// The fidelity bench's tune sample (split seed 0), first `cells` of it.
const sample = split(rows, Math.max(cells, 2), 0).tune.slice(0, cells);
const probe = makeGradientProbe(cifar10, Number(args.batch), proxies);
// The fidelity bench's names (az_trainability is its zero-cost feature `trainability`).
const key = (p: GradientProxy) => (p === 'az_trainability' ? 'trainability' : p);
const cache = new MeasurementCache(args.cache);

const scores: Record<string, number[]> = Object.fromEntries(proxies.map((p) => [p, []]));
const seconds: Record<string, number[]> = Object.fromEntries(proxies.map((p) => [p, []]));
const accuracy: number[] = [];
for (const [i, arch] of sample.entries()) {
  let m = cache.get(probe.name, space, seed, arch.genome);
  if (!m) {
    const r = await probe.measure(space, arch, seed);
    m = { probe: probe.name, space, seed, genome: arch.genome, ...r };
    cache.put(m);
  }
  accuracy.push(arch.accuracy);
  for (const p of proxies) {
    scores[p].push(m.scores![key(p)]);
    seconds[p].push(m.seconds![key(p)]);
  }
  if ((i + 1) % 10 === 0) process.stderr.write(`${i + 1}/${sample.length}\n`);
}
const f = (x: number) => x.toFixed(3);
console.log(`\n${space}, ${sample.length} architectures (fidelity tune sample, split seed 0), weight/batch seed ${seed}, batch ${args.batch}, backend tfjs`);
console.log('| proxy | Kendall τ [95%] | Spearman ρ [95%] | s/arch (median) |');
console.log('|---|---|---|---:|');
for (const p of proxies) {
  const t = bootstrapInterval(scores[p], accuracy, kendallTau, { seed: 1 });
  const r = bootstrapInterval(scores[p], accuracy, spearmanRho, { seed: 1 });
  const med = [...seconds[p]].sort((a, b) => a - b)[Math.floor(seconds[p].length / 2)];
  console.log(`| ${p} | ${f(t.estimate)} [${f(t.low)}, ${f(t.high)}] | ${f(r.estimate)} [${f(r.low)}, ${f(r.high)}] | ${med.toFixed(2)} |`);
}
