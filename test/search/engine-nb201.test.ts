// The engine on the real nb201 space and the NAS-Bench-201 table (error = 100 - test accuracy,
// FLOPs from the complexity counter): valid distinct candidates, exact resume, a good front.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countComplexity } from '../../search/complexity.js';
import { SearchEngine, type SearchSettings } from '../../search/engine.js';
import { dominates } from '../../search/algorithms/sort.js';
import type { SearchSpace } from '../../search/space.js';
import { nb201 } from '../../search/spaces/nb201.js';
import type { Candidate, TrialResult } from '../../search/trial.js';
import { readShared } from './spaces/shared-data.js';

const data = readShared('nasbench201/nb201-cifar10.csv');
const accuracy = new Map<string, number>();
if ('text' in data) {
  for (const line of data.text.trim().split('\n').slice(1)) {
    const [, arch, acc] = line.split(',');
    accuracy.set(arch, Number(acc));
  }
}
const flops = new Map<string, number>();
function evaluate({ trial, genome }: Candidate): TrialResult {
  if (!flops.has(genome)) flops.set(genome, countComplexity(nb201.build(nb201.parse(genome), 'final')).flops);
  const acc = accuracy.get(genome);
  assert.ok(acc !== undefined, `${genome} is not in the table`);
  return { trial, status: 'Succeeded', objectives: { error: 100 - acc, flops: flops.get(genome)! } };
}

const settings: SearchSettings = {
  space: nb201 as SearchSpace,
  objectives: ['error', 'flops'],
  constraints: {},
  algorithm: { name: 'nsga2', populationSize: 20, offspringSize: 20, generations: 9, crossoverProbability: 0.9, mutationRate: 0.1, seed: 1, initialGenomes: [] },
};

test('NSGA-II on the NB201 table: distinct valid genomes, resume equals uninterrupted, front beats generation 0', { skip: 'skip' in data ? data.skip : false }, () => {
  const uninterrupted = SearchEngine.create(settings);
  while (!uninterrupted.done) uninterrupted.tell(uninterrupted.ask().map((c) => evaluate(c)));
  const history = uninterrupted.history();
  assert.equal(history.length, 200);
  assert.equal(new Set(history.map((h) => h.genome)).size, 200);
  for (const h of history) assert.equal(nb201.serialize(nb201.parse(h.genome)), h.genome);

  let engine = SearchEngine.create(settings);
  let told = 0;
  while (!engine.done) {
    for (const c of engine.ask()) {
      if (told % 37 === 0) engine = SearchEngine.restore(settings, JSON.parse(JSON.stringify(engine.toJSON())));
      engine.tell([evaluate(c)]);
      told++;
    }
  }
  assert.deepEqual(engine.toJSON(), uninterrupted.toJSON());

  const front = uninterrupted.front();
  const vec = (o: { error?: number; flops?: number }) => [o.error!, o.flops!];
  for (const a of front) for (const b of front) assert.ok(!dominates(vec(a.objectives), vec(b.objectives)));
  // The final front improves on what generation 0 alone reached, against the same reference point.
  const ref = uninterrupted.referencePoint()!;
  const gen0 = SearchEngine.create({ ...settings, algorithm: { ...settings.algorithm, generations: 0 } });
  gen0.tell(gen0.ask().map((c) => evaluate(c)));
  assert.deepEqual(gen0.referencePoint(), ref);
  assert.ok(uninterrupted.hypervolume() > gen0.hypervolume(), `${uninterrupted.hypervolume()} vs ${gen0.hypervolume()}`);
  assert.ok(front.some((f) => f.objectives.error! < 7), 'finds a cell under 7% error');
});
